/* SPDX-License-Identifier: MIT */
/*
 * Entry from QEMU's -kernel loader: at EL1 normally, at EL2 with
 * virtualization=on (dropped to EL1 here). EL3 (secure=on) is not handled:
 * the harness stops at once with status 3. Then a stack, the exception
 * vectors, BSS cleared, and harness_main(dtb) -- x0 as the loader left it.
 */
	.section .text.boot, "ax"
	.global _start
_start:
	mov	x20, x0
	mrs	x19, CurrentEL
	lsr	x19, x19, #2
	and	x19, x19, #3
	cmp	x19, #3
	b.eq	el3
	cmp	x19, #2
	b.ne	el1
	/* EL2 -> EL1: AArch64 EL1, counters accessible, no offset. */
	mov	x0, #(1 << 31)
	msr	hcr_el2, x0
	mov	x0, #3
	msr	cnthctl_el2, x0
	msr	cntvoff_el2, xzr
	ldr	x0, =0x30d00800		/* SCTLR_EL1: RES1 bits, MMU off */
	msr	sctlr_el1, x0
	mov	x0, #0x3c5		/* EL1h, DAIF masked */
	msr	spsr_el2, x0
	adr	x0, el1
	msr	elr_el2, x0
	eret
el1:
	ldr	x0, =__stack_top
	mov	sp, x0
	mov	x0, #(3 << 20)		/* CPACR_EL1.FPEN: no FP traps */
	msr	cpacr_el1, x0
	adr	x0, harness_vectors
	msr	vbar_el1, x0
	isb
	ldr	x0, =__bss_start
	ldr	x1, =__bss_end
1:	cmp	x0, x1
	b.hs	2f
	str	xzr, [x0], #8
	b	1b
2:	mov	x0, x20
	bl	harness_main
	bl	harness_exit
el3:
	mov	x0, #3
	/* Semihosting SYS_EXIT with a parameter block on the stack-less path:
	 * use the literal below. */
	adr	x1, el3_block
	mov	x0, #0x18
	hlt	#0xf000
3:	wfe
	b	3b
	.balign 8
el3_block:
	.quad	0x20026, 3

/* Every exception is fatal: report kind, ESR, ELR and FAR. */
	.section .vectors, "ax"
	.balign 2048
	.global harness_vectors
harness_vectors:
	.irp	idx, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	.balign	0x80
	mov	x0, #\idx
	mrs	x1, esr_el1
	mrs	x2, elr_el1
	mrs	x3, far_el1
	b	harness_exception
	.endr

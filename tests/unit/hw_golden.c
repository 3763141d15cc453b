// SPDX-License-Identifier: MIT
/*
 * Golden encodings for include/smmukit/smmuv3_hw.h.
 *
 * Every expected word below was typed by hand from the bit positions in the
 * architecture (Arm IHI 0070, the SMMUv3 architecture specification), never
 * computed with the header's masks: the driver and the model share those
 * masks, so a wrong one would otherwise pass on both sides.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "smmukit/smmuv3_hw.h"

#define FP smmukit_field_prep
#define FG smmukit_field_get

/* ------------------------------------------------------------------------
 * Registers
 * ------------------------------------------------------------------------ */

static void test_register_offsets(void **state)
{
	(void)state;
	assert_int_equal(SMMUV3_IDR0, 0x0);
	assert_int_equal(SMMUV3_IDR1, 0x4);
	assert_int_equal(SMMUV3_IDR3, 0xC);
	assert_int_equal(SMMUV3_IDR5, 0x14);
	assert_int_equal(SMMUV3_IIDR, 0x18);
	assert_int_equal(SMMUV3_AIDR, 0x1C);
	assert_int_equal(SMMUV3_CR0, 0x20);
	assert_int_equal(SMMUV3_CR0ACK, 0x24);
	assert_int_equal(SMMUV3_CR1, 0x28);
	assert_int_equal(SMMUV3_CR2, 0x2C);
	assert_int_equal(SMMUV3_STATUSR, 0x40);
	assert_int_equal(SMMUV3_GBPA, 0x44);
	assert_int_equal(SMMUV3_IRQ_CTRL, 0x50);
	assert_int_equal(SMMUV3_IRQ_CTRLACK, 0x54);
	assert_int_equal(SMMUV3_GERROR, 0x60);
	assert_int_equal(SMMUV3_GERRORN, 0x64);
	assert_int_equal(SMMUV3_GERROR_IRQ_CFG0, 0x68);
	assert_int_equal(SMMUV3_GERROR_IRQ_CFG1, 0x70);
	assert_int_equal(SMMUV3_GERROR_IRQ_CFG2, 0x74);
	assert_int_equal(SMMUV3_STRTAB_BASE, 0x80);
	assert_int_equal(SMMUV3_STRTAB_BASE_CFG, 0x88);
	assert_int_equal(SMMUV3_CMDQ_BASE, 0x90);
	assert_int_equal(SMMUV3_CMDQ_PROD, 0x98);
	assert_int_equal(SMMUV3_CMDQ_CONS, 0x9C);
	assert_int_equal(SMMUV3_EVENTQ_BASE, 0xA0);
	assert_int_equal(SMMUV3_EVENTQ_PROD, 0x100A8);
	assert_int_equal(SMMUV3_EVENTQ_CONS, 0x100AC);
	assert_int_equal(SMMUV3_EVENTQ_IRQ_CFG0, 0xB0);
	assert_int_equal(SMMUV3_EVENTQ_IRQ_CFG1, 0xB8);
	assert_int_equal(SMMUV3_EVENTQ_IRQ_CFG2, 0xBC);
	assert_int_equal(SMMUV3_PRIQ_BASE, 0xC0);
	assert_int_equal(SMMUV3_PRIQ_PROD, 0x100C8);
	assert_int_equal(SMMUV3_PRIQ_CONS, 0x100CC);
	assert_int_equal(SMMUV3_PRIQ_IRQ_CFG0, 0xD0);
	assert_int_equal(SMMUV3_PRIQ_IRQ_CFG1, 0xD8);
	assert_int_equal(SMMUV3_PRIQ_IRQ_CFG2, 0xDC);
}

/* QEMU 7.2 ID registers (hw/arm/smmuv3.c reset values). */
static void test_idr_qemu72(void **state)
{
	const uint64_t idr0 = 0x0D40101A, idr1 = 0x02730010;
	const uint64_t idr3 = 0x1404, idr5 = 0x74;

	(void)state;
	assert_true(idr0 & IDR0_S1P);
	assert_false(idr0 & IDR0_S2P);
	assert_int_equal(FG(IDR0_TTF, idr0), IDR0_TTF_AARCH64);
	assert_int_equal(IDR0_TTF_AARCH64, 2);
	assert_true(idr0 & IDR0_COHACC);
	assert_true(idr0 & IDR0_ASID16);
	assert_int_equal(FG(IDR0_TTENDIAN, idr0), 2);
	assert_int_equal(IDR0_TTENDIAN_LE, 2);
	assert_int_equal(FG(IDR0_STALL_MODEL, idr0), 1);
	assert_true(idr0 & IDR0_TERM_MODEL);
	assert_int_equal(FG(IDR0_ST_LEVEL, idr0), 1);
	assert_false(idr0 & (IDR0_VMID16 | IDR0_MSI | IDR0_ATS | IDR0_PRI |
			     IDR0_HYP | IDR0_SEV | IDR0_BTM | IDR0_HTTU |
			     IDR0_CD2L));
	/* Every set bit is accounted for by the fields above. */
	assert_int_equal(idr0 & ~(IDR0_S1P | IDR0_TTF | IDR0_COHACC |
				  IDR0_ASID16 | IDR0_TTENDIAN |
				  IDR0_STALL_MODEL | IDR0_TERM_MODEL |
				  IDR0_ST_LEVEL),
			 0);

	assert_int_equal(FG(IDR1_SIDSIZE, idr1), 16);
	assert_int_equal(FG(IDR1_SSIDSIZE, idr1), 0);
	assert_int_equal(FG(IDR1_PRIQS, idr1), 0);
	assert_int_equal(FG(IDR1_EVENTQS, idr1), 19);
	assert_int_equal(FG(IDR1_CMDQS, idr1), 19);
	assert_false(idr1 & (IDR1_REL | IDR1_QUEUES_PRESET |
			     IDR1_TABLES_PRESET | IDR1_ATTR_TYPES_OVR));

	assert_true(idr3 & IDR3_HAD);
	assert_true(idr3 & IDR3_RIL);
	assert_int_equal(FG(IDR3_BBML, idr3), 2);
	assert_false(idr3 & IDR3_FWB);
	assert_int_equal(idr3 & ~(IDR3_HAD | IDR3_RIL | IDR3_BBML), 0);
	assert_int_equal(IDR3_PBHA | IDR3_XNX | IDR3_PPS | IDR3_MPAM |
				 IDR3_FWB | IDR3_STT | IDR3_E0PD |
				 IDR3_PTWNNC | IDR3_DPT | IDR3_PASIDTT |
				 IDR3_EPAN,
			 0x3E3B8);

	assert_int_equal(FG(IDR5_OAS, idr5), IDR5_OAS_44);
	assert_int_equal(smmuv3_oas_bits((unsigned)FG(IDR5_OAS, idr5)), 44);
	assert_true(idr5 & IDR5_GRAN4K);
	assert_true(idr5 & IDR5_GRAN16K);
	assert_true(idr5 & IDR5_GRAN64K);
	assert_int_equal(FG(IDR5_VAX, idr5), 0);
	assert_int_equal(FG(AIDR_ARCH_MINOR, 1), 1);
}

/* gem5's SMMUv3 ID register values, which decode differently from its notes. */
static void test_idr_gem5(void **state)
{
	const uint64_t idr0 = 0x094C100F, idr1 = 0x00E00000, idr5 = 0x55;

	(void)state;
	assert_true(idr0 & IDR0_S2P);
	assert_true(idr0 & IDR0_S1P);
	assert_int_equal(FG(IDR0_TTF, idr0), IDR0_TTF_AARCH32_64);
	assert_true(idr0 & IDR0_ASID16);
	assert_true(idr0 & IDR0_VMID16);
	assert_true(idr0 & IDR0_CD2L);
	assert_int_equal(FG(IDR0_TTENDIAN, idr0), 2);
	assert_int_equal(FG(IDR0_STALL_MODEL, idr0), 1);
	assert_int_equal(FG(IDR0_ST_LEVEL, idr0), 1);
	assert_int_equal(FG(IDR1_CMDQS, idr1), 7);
	assert_int_equal(FG(IDR5_OAS, idr5), IDR5_OAS_48);
	assert_int_equal(smmuv3_oas_bits(IDR5_OAS_48), 48);
	assert_true(idr5 & IDR5_GRAN4K);
	assert_false(idr5 & IDR5_GRAN16K);
	assert_true(idr5 & IDR5_GRAN64K);
	assert_int_equal(smmuv3_oas_bits(7), 0);
}

static void test_control_values(void **state)
{
	(void)state;
	/* Linux's CR1: inner-shareable, write-back tables and queues. */
	assert_int_equal(FP(CR1_QUEUE_IC, CR1_CACHE_WB) |
				 FP(CR1_QUEUE_OC, CR1_CACHE_WB) |
				 FP(CR1_QUEUE_SH, SMMUV3_SH_ISH) |
				 FP(CR1_TABLE_IC, CR1_CACHE_WB) |
				 FP(CR1_TABLE_OC, CR1_CACHE_WB) |
				 FP(CR1_TABLE_SH, SMMUV3_SH_ISH),
			 0xD75);
	assert_int_equal(CR2_PTM | CR2_RECINVSID, 0x6);
	assert_int_equal(CR2_E2H, 0x1);
	assert_int_equal(CR0_SMMUEN | CR0_EVENTQEN | CR0_CMDQEN, 0xD);
	assert_int_equal(CR0_PRIQEN, 0x2);
	assert_int_equal(CR0_ATSCHK, 0x10);
	assert_int_equal(CR0_VMW, 0x1C0);
	assert_int_equal(IRQ_CTRL_GERROR_IRQEN | IRQ_CTRL_EVENTQ_IRQEN, 0x5);
	assert_int_equal(IRQ_CTRL_PRIQ_IRQEN, 0x2);
	assert_int_equal(GBPA_UPDATE, 0x80000000u);
	assert_int_equal(GBPA_ABORT, 0x100000);
	assert_int_equal(FP(GBPA_SHCFG, 1), 0x1000);
	assert_int_equal(FP(GBPA_INSTCFG, 3) | FP(GBPA_PRIVCFG, 3), 0xF0000);
	assert_int_equal(FP(GBPA_ALLOCCFG, 0xF) | GBPA_MTCFG |
				 FP(GBPA_MEMATTR, 0xF),
			 0xF1F);

	assert_int_equal(GERROR_VALID_MASK, 0x1FD);
	assert_int_equal(GERROR_CMDQ_ERR | GERROR_EVENTQ_ABT_ERR |
				 GERROR_PRIQ_ABT_ERR | GERROR_MSI_CMDQ_ABT_ERR |
				 GERROR_MSI_EVENTQ_ABT_ERR |
				 GERROR_MSI_PRIQ_ABT_ERR |
				 GERROR_MSI_GERROR_ABT_ERR | GERROR_SFM_ERR,
			 0x1FD);
	assert_int_equal(GERROR_SFM_ERR, 0x100);
	assert_int_equal(GERROR_MSI_CMDQ_ABT_ERR, 0x10);

	/* MSI configuration. */
	assert_int_equal(0x4000123Cull & IRQ_CFG0_ADDR, 0x4000123C);
	assert_int_equal(0x4000123Full & IRQ_CFG0_ADDR, 0x4000123C);
	assert_int_equal(FP(IRQ_CFG2_SH, SMMUV3_SH_ISH) |
				 FP(IRQ_CFG2_MEMATTR, SMMUV3_MEMATTR_OIWB),
			 0x3F);

	/* 2-level stream table: SIDSIZE 16, SPLIT 8. */
	assert_int_equal(FP(STRTAB_BASE_CFG_FMT, STRTAB_BASE_CFG_FMT_2LVL) |
				 FP(STRTAB_BASE_CFG_SPLIT, 8) |
				 FP(STRTAB_BASE_CFG_LOG2SIZE, 16),
			 0x10210);
	assert_int_equal(FP(STRTAB_BASE_CFG_FMT, STRTAB_BASE_CFG_FMT_LINEAR) |
				 FP(STRTAB_BASE_CFG_LOG2SIZE, 5),
			 0x5);
	assert_int_equal(STRTAB_BASE_RA | (0x40010000ull & STRTAB_BASE_ADDR),
			 0x4000000040010000ull);
	assert_int_equal(0x40010020ull & STRTAB_BASE_ADDR, 0x40010000);
	assert_int_equal(0x40010040ull & STRTAB_BASE_ADDR, 0x40010040);

	/* Queue base: 256 commands at 0x8000_0000, read-allocate. */
	assert_int_equal(Q_BASE_RA | (0x80000000ull & Q_BASE_ADDR) |
				 FP(Q_BASE_LOG2SIZE, 8),
			 0x4000000080000008ull);
	assert_int_equal(Q_BASE_WA, Q_BASE_RA);
	assert_int_equal(0x80000020ull & Q_BASE_ADDR, 0x80000020);
	assert_int_equal(0x8000001Full & Q_BASE_ADDR, 0x80000000);

	/* CMDQ_CONS with CERROR_ILL at index 5; event queue overflow flags. */
	assert_int_equal(FP(CMDQ_CONS_ERR, SMMUV3_CERROR_ILL) | 5, 0x01000005);
	assert_int_equal(FG(CMDQ_CONS_ERR, 0x03000007), 3);
	assert_int_equal(EVENTQ_PROD_OVFLG, 0x80000000u);
	assert_int_equal(EVENTQ_CONS_OVACKFLG, 0x80000000u);
	assert_int_equal(PRIQ_PROD_OVFLG, 0x80000000u);
	assert_int_equal(SMMUV3_Q_OVF, 0x80000000u);

	/* IIDR fields. */
	assert_int_equal(FG(IIDR_IMPLEMENTER, 0x4321543B), 0x43B);
	assert_int_equal(FG(IIDR_REVISION, 0x4321543B), 5);
	assert_int_equal(FG(IIDR_VARIANT, 0x4321543B), 1);
	assert_int_equal(FG(IIDR_PRODUCTID, 0x4321543B), 0x432);
}

/* ------------------------------------------------------------------------
 * Queue ring arithmetic, IHI 0070 ch. 3 (wrap bit above the index) (8 entries, n = 3).
 * ------------------------------------------------------------------------ */

static void test_queue_ring(void **state)
{
	(void)state;
	assert_int_equal(SMMUV3_CMDQ_ENT_SIZE, 16);
	assert_int_equal(SMMUV3_EVTQ_ENT_SIZE, 32);
	assert_int_equal(SMMUV3_PRIQ_ENT_SIZE, 16);
	assert_int_equal(SMMUV3_CMDQ_ENT_DWORDS, 2);
	assert_int_equal(SMMUV3_EVTQ_ENT_DWORDS, 4);

	/* Same index, different wrap: full, not empty. */
	assert_true(smmuv3_q_full(0xA, 0x2, 3));
	assert_false(smmuv3_q_empty(0xA, 0x2, 3));
	assert_int_equal(smmuv3_q_used(0xA, 0x2, 3), 8);
	assert_int_equal(smmuv3_q_space(0xA, 0x2, 3), 0);
	/* Same index, same wrap: empty. */
	assert_true(smmuv3_q_empty(0xB, 0xB, 3));
	assert_false(smmuv3_q_full(0xB, 0xB, 3));
	assert_int_equal(smmuv3_q_space(0xB, 0xB, 3), 8);
	/* PROD (1,1), CONS (0,6): slots 6, 7, 0 used, 5 free. */
	assert_int_equal(smmuv3_q_used(0x9, 0x6, 3), 3);
	assert_int_equal(smmuv3_q_space(0x9, 0x6, 3), 5);
	assert_false(smmuv3_q_full(0x9, 0x6, 3));
	/* Wraps equal: P.idx - C.idx. */
	assert_int_equal(smmuv3_q_used(0x5, 0x2, 3), 3);
	assert_int_equal(smmuv3_q_space(0x5, 0x2, 3), 5);
	/* Flags and ERR take no part. */
	assert_true(smmuv3_q_empty(0x80000003, 0x00000003, 3));
	assert_true(smmuv3_q_empty(0x3, 0x01000003, 3));
	assert_true(smmuv3_q_full(0x8000000A, 0x01000002, 3));
	assert_int_equal(smmuv3_q_idx(0x0100000D, 3), 5);
	assert_int_equal(smmuv3_q_wrp(0x0100000D, 3), 8);

	/* A sync at S = (0, 6). */
	assert_false(smmuv3_q_consumed(0x6, 0x6, 3));
	assert_false(smmuv3_q_consumed(0x2, 0x6, 3));
	assert_true(smmuv3_q_consumed(0x7, 0x6, 3));
	for (uint32_t idx = 0; idx <= 6; idx++)
		assert_true(smmuv3_q_consumed(0x8 | idx, 0x6, 3));
	assert_false(smmuv3_q_consumed(0xF, 0x6, 3));
	/* ERR bits in CONS do not change the answer. */
	assert_true(smmuv3_q_consumed(0x01000007, 0x6, 3));
	assert_false(smmuv3_q_consumed(0x01000006, 0x6, 3));
	/* A sync at S = (1, 2): consumed at (1, 3..7) and (0, 0..2). */
	assert_true(smmuv3_q_consumed(0xB, 0xA, 3));
	assert_true(smmuv3_q_consumed(0x2, 0xA, 3));
	assert_false(smmuv3_q_consumed(0xA, 0xA, 3));
	assert_false(smmuv3_q_consumed(0x3, 0xA, 3));

	/* Advance: (wrap:idx) + k mod 16, flags kept. */
	assert_int_equal(smmuv3_q_advance(0x7, 1, 3), 0x8);
	assert_int_equal(smmuv3_q_advance(0xF, 1, 3), 0x0);
	assert_int_equal(smmuv3_q_advance(0x8000000F, 1, 3), 0x80000000u);
	assert_int_equal(smmuv3_q_advance(0x6, 3, 3), 0x9);
	assert_int_equal(smmuv3_q_advance(0xE, 8, 3), 0x6);
	assert_int_equal(smmuv3_q_advance(0x01000002, 1, 3), 0x01000003);
	/* Larger rings: 2^19 entries. */
	assert_int_equal(smmuv3_q_advance(0x7FFFF, 1, 19), 0x80000);
	assert_int_equal(smmuv3_q_advance(0xFFFFF, 1, 19), 0x0);
	assert_true(smmuv3_q_full(0x80000, 0x0, 19));
	assert_int_equal(smmuv3_q_space(0x0, 0x0, 19), 0x80000);
}

/* ------------------------------------------------------------------------
 * Stream table entries, IHI 0070 ch. 5 (STE)
 * ------------------------------------------------------------------------ */

static void test_ste(void **state)
{
	uint64_t dw0, dw1, dw2, dw3;

	(void)state;
	assert_int_equal(SMMUV3_STE_SIZE, 64);
	assert_int_equal(SMMUV3_STE_DWORDS, 8);

	/* Abort: V=1, Config=0. */
	assert_int_equal(STE0_V | FP(STE0_CFG, STE0_CFG_ABORT), 0x1);
	/* Bypass: V=1, Config=0b100, SHCFG=incoming. */
	assert_int_equal(STE0_V | FP(STE0_CFG, STE0_CFG_BYPASS), 0x9);
	assert_int_equal(FP(STE1_SHCFG, STE1_SHCFG_INCOMING),
			 0x0000100000000000ull);

	/* Stage 1, one CD at 0x4000_1000. */
	dw0 = STE0_V | FP(STE0_CFG, STE0_CFG_S1_TRANS) |
	      (0x40001000ull & STE0_S1CONTEXTPTR);
	assert_int_equal(dw0, 0x4000100Bull);
	dw1 = FP(STE1_S1CIR, STE1_S1C_WBRA) | FP(STE1_S1COR, STE1_S1C_WBRA) |
	      FP(STE1_S1CSH, SMMUV3_SH_ISH) | FP(STE1_STRW, STE1_STRW_NSEL1);
	assert_int_equal(dw1, 0xD4);

	/* With 8 CDs: S1CDMax=3, S1DSS=SSID0, 4K-leaf 2-level format. */
	dw0 = STE0_V | FP(STE0_CFG, STE0_CFG_S1_TRANS) |
	      FP(STE0_S1FMT, STE0_S1FMT_4K_L2) | FP(STE0_S1CDMAX, 3) |
	      (0xFFFFFFFFFFC0ull & STE0_S1CONTEXTPTR);
	assert_int_equal(dw0, 0x1800FFFFFFFFFFDBull);
	assert_int_equal(FP(STE0_S1FMT, STE0_S1FMT_64K_L2), 0x20);
	assert_int_equal(STE0_S1CONTEXTPTR, 0x000FFFFFFFFFFFC0ull);
	assert_int_equal(STE0_CFG_S2_TRANS, 6);
	assert_int_equal(STE0_CFG_NESTED, 7);
	dw1 |= FP(STE1_S1DSS, STE1_S1DSS_SSID0);
	assert_int_equal(dw1, 0xD6);

	/* DW1 from bit 13 up (where one emulator had every position wrong). */
	assert_int_equal(STE1_S2HWU59 | STE1_S2HWU60 | STE1_S2HWU61 |
				 STE1_S2HWU62,
			 0xF00);
	assert_int_equal(STE1_DRE, 0x1000);
	assert_int_equal(FP(STE1_CONT, 0xF), 0x1E000);
	assert_int_equal(STE1_DCP, 0x20000);
	assert_int_equal(STE1_PPAR, 0x40000);
	assert_int_equal(FP(STE1_SW_RESERVED, 0xF), 0xF00000);
	assert_int_equal(STE1_S1PIE, 0x1000000);
	assert_int_equal(STE1_S1MPAM, 0x4000000);
	assert_int_equal(STE1_MEV, 0x80000);
	assert_int_equal(STE1_S2FWB, 0x2000000);
	assert_int_equal(STE1_S1STALLD, 0x8000000);
	assert_int_equal(FP(STE1_EATS, STE1_EATS_TRANS) |
				 FP(STE1_STRW, STE1_STRW_EL2),
			 0x90000000);
	assert_int_equal(FP(STE1_MEMATTR, 0xF), 0xF00000000ull);
	assert_int_equal(STE1_MTCFG, 0x1000000000ull);
	assert_int_equal(FP(STE1_ALLOCCFG, 0xF), 0x1E000000000ull);
	assert_int_equal(FP(STE1_SHCFG, SMMUV3_SH_ISH), 0x300000000000ull);
	assert_int_equal(FP(STE1_NSCFG, 3), 0xC00000000000ull);
	assert_int_equal(FP(STE1_PRIVCFG, 1), 0x1000000000000ull);
	assert_int_equal(FP(STE1_INSTCFG, 2), 0x8000000000000ull);

	/* Stage 2: VMID 5, 48-bit IPA, start level 0 (4K), PS 48 bits. */
	dw0 = STE0_V | FP(STE0_CFG, STE0_CFG_S2_TRANS);
	assert_int_equal(dw0, 0xD);
	dw2 = FP(STE2_S2VMID, 5) | FP(STE2_S2T0SZ, 16) | FP(STE2_S2SL0, 2) |
	      FP(STE2_S2IR0, SMMUV3_RGN_WBWA) |
	      FP(STE2_S2OR0, SMMUV3_RGN_WBWA) |
	      FP(STE2_S2SH0, SMMUV3_SH_ISH) | FP(STE2_S2TG, STE2_S2TG_4K) |
	      FP(STE2_S2PS, IDR5_OAS_48) | STE2_S2AA64 | STE2_S2R;
	assert_int_equal(dw2, 0x040D359000000005ull);
	dw3 = 0x80000000ull & STE3_S2TTB;
	assert_int_equal(dw3, 0x80000000);
	assert_int_equal(0x8000001Full & STE3_S2TTB, 0x80000010);
	assert_int_equal(FP(STE2_S2TG, STE2_S2TG_16K), 0x0000800000000000ull);
	assert_int_equal(FP(STE2_S2TG, STE2_S2TG_64K), 0x0000400000000000ull);
	assert_int_equal(STE2_S2ENDI, 0x0010000000000000ull);
	assert_int_equal(STE2_S2AFFD, 0x0020000000000000ull);
	assert_int_equal(STE2_S2PTW, 0x0040000000000000ull);
	assert_int_equal(STE2_S2HD, 0x0080000000000000ull);
	assert_int_equal(STE2_S2HA, 0x0100000000000000ull);
	assert_int_equal(STE2_S2S, 0x0200000000000000ull);

	/* Level-1 descriptor: 256 STEs (SPAN 9) at 0x4000_4000. */
	assert_int_equal((0x40004000ull & L1STD_L2PTR) | FP(L1STD_SPAN, 9),
			 0x40004009);
	assert_int_equal(L1STD_L2PTR, 0x000FFFFFFFFFFFC0ull);
	assert_int_equal(CDL1_V | (0x40005000ull & CDL1_L2PTR), 0x40005001);
}

/* ------------------------------------------------------------------------
 * Context descriptors, IHI 0070 ch. 5 (CD)
 * ------------------------------------------------------------------------ */

static void test_cd(void **state)
{
	uint64_t dw0;

	(void)state;
	assert_int_equal(SMMUV3_CD_SIZE, 64);
	/* 4K, 48-bit IAS, OAS 44, TTB0 only, ASID 5. */
	dw0 = FP(CD0_T0SZ, 16) | FP(CD0_TG0, CD0_TG0_4K) |
	      FP(CD0_IRGN0, SMMUV3_RGN_WBWA) | FP(CD0_ORGN0, SMMUV3_RGN_WBWA) |
	      FP(CD0_SH0, SMMUV3_SH_ISH) | CD0_EPD1 | CD0_V |
	      FP(CD0_IPS, IDR5_OAS_44) | CD0_AA64 | CD0_R | CD0_A | CD0_ASET |
	      FP(CD0_ASID, 5);
	assert_int_equal(dw0, 0x0005E204C0003510ull);
	assert_int_equal(FP(CD0_ASID, 0xFFFF), 0xFFFF000000000000ull);
	assert_int_equal(FP(CD0_TG0, CD0_TG0_64K), 0x40);
	assert_int_equal(FP(CD0_TG0, CD0_TG0_16K), 0x80);
	assert_int_equal(CD0_EPD0, 0x4000);
	assert_int_equal(CD0_ENDI, 0x8000);
	assert_int_equal(FP(CD0_T1SZ, 16), 0x100000);
	assert_int_equal(FP(CD0_TG1, CD0_TG1_4K), 0x800000);
	assert_int_equal(FP(CD0_IRGN1, 1) | FP(CD0_ORGN1, 1) | FP(CD0_SH1, 3),
			 0x35000000);
	assert_int_equal(CD0_AFFD, 0x800000000ull);
	assert_int_equal(CD0_WXN, 0x1000000000ull);
	assert_int_equal(CD0_UWXN, 0x2000000000ull);
	assert_int_equal(CD0_TBI0, 0x4000000000ull);
	assert_int_equal(CD0_TBI1, 0x8000000000ull);
	assert_int_equal(CD0_PAN, 0x10000000000ull);
	assert_int_equal(CD0_HD, 0x40000000000ull);
	assert_int_equal(CD0_HA, 0x80000000000ull);
	assert_int_equal(CD0_S, 0x100000000000ull);

	assert_int_equal(0x41234000ull & CD1_TTB0, 0x41234000);
	assert_int_equal(0xFFF0000041234010ull & CD1_TTB0, 0x41234010);
	assert_int_equal(CD1_HAD0, 0x2);
	assert_int_equal(CD2_TTB1, CD1_TTB0);
	assert_int_equal(0x00000000F404FF44ull & CD3_MAIR, 0xF404FF44);
}

/* ------------------------------------------------------------------------
 * Commands, IHI 0070 ch. 4
 * ------------------------------------------------------------------------ */

struct golden_cmd {
	const char *what;
	struct smmuv3_cmd cmd;
	uint64_t dw0, dw1;
};

static const struct golden_cmd golden_cmds[] = {
	{ "TLBI_NH_ASID asid 1",
	  { .opcode = SMMUV3_OP_TLBI_NH_ASID, .tlbi = { .asid = 1 } },
	  0x0001000000000011ull, 0 },
	{ "CFGI_STE sid 0x10 leaf",
	  { .opcode = SMMUV3_OP_CFGI_STE, .cfgi = { .sid = 0x10, .leaf = 1 } },
	  0x0000001000000003ull, 1 },
	{ "CFGI_ALL",
	  { .opcode = SMMUV3_OP_CFGI_STE_RANGE, .cfgi = { .range = 31 } },
	  0x4, 31 },
	{ "CFGI_STE_RANGE sid 0x100 range 7",
	  { .opcode = SMMUV3_OP_CFGI_STE_RANGE,
	    .cfgi = { .sid = 0x100, .range = 7 } },
	  0x0000010000000004ull, 7 },
	{ "CFGI_CD sid 0x20 ssid 3",
	  { .opcode = SMMUV3_OP_CFGI_CD,
	    .cfgi = { .sid = 0x20, .ssid = 3, .ssv = 1, .leaf = 1 } },
	  0x0000002000003805ull, 1 },
	{ "CFGI_CD_ALL sid 0x20",
	  { .opcode = SMMUV3_OP_CFGI_CD_ALL, .cfgi = { .sid = 0x20 } },
	  0x0000002000000006ull, 0 },
	{ "CMD_SYNC none",
	  { .opcode = SMMUV3_OP_CMD_SYNC,
	    .sync = { .cs = CMD0_CS_NONE, .msh = 3, .msiattr = 0xF } },
	  0x000000000FC00046ull, 0 },
	{ "CMD_SYNC sev",
	  { .opcode = SMMUV3_OP_CMD_SYNC,
	    .sync = { .cs = CMD0_CS_SEV, .msh = 3, .msiattr = 0xF } },
	  0x000000000FC02046ull, 0 },
	{ "CMD_SYNC irq with MSI",
	  { .opcode = SMMUV3_OP_CMD_SYNC,
	    .sync = { .cs = CMD0_CS_IRQ, .msh = 3, .msiattr = 0xF,
		      .msidata = 0x12345678, .msiaddr = 0x40001234 } },
	  0x123456780FC01046ull, 0x40001234 },
	{ "CMD_SYNC msi at the top of a 52-bit space",
	  { .opcode = SMMUV3_OP_CMD_SYNC,
	    .sync = { .cs = CMD0_CS_IRQ, .msiaddr = 0xFFFFFFFFFFFFCull } },
	  0x0000000000001046ull, 0x000FFFFFFFFFFFFCull },
	{ "TLBI_NH_VA 33 pages, first",
	  { .opcode = SMMUV3_OP_TLBI_NH_VA,
	    .tlbi = { .asid = 1, .addr = 0x10000000, .leaf = 1, .tg = 1,
		      .ttl = 3, .num = 0, .scale = 0 } },
	  0x0001000000000012ull, 0x10000701 },
	{ "TLBI_NH_VA 33 pages, second",
	  { .opcode = SMMUV3_OP_TLBI_NH_VA,
	    .tlbi = { .asid = 1, .addr = 0x10001000, .leaf = 1, .tg = 1,
		      .ttl = 3, .num = 0, .scale = 5 } },
	  0x0001000000500012ull, 0x10001701 },
	{ "TLBI_NH_VA single address",
	  { .opcode = SMMUV3_OP_TLBI_NH_VA,
	    .tlbi = { .asid = 2, .vmid = 0x1234, .addr = 0xFFFFF000,
		      .leaf = 1 } },
	  0x0002123400000012ull, 0xFFFFF001 },
	{ "TLBI_NH_VAA 100 pages",
	  { .opcode = SMMUV3_OP_TLBI_NH_VAA,
	    .tlbi = { .vmid = 3, .addr = 0x200000, .leaf = 1, .tg = 1,
		      .ttl = 3, .num = 24, .scale = 2 } },
	  0x0000000300218013ull, 0x00200701 },
	{ "TLBI_NH_VA top address, all range fields full",
	  { .opcode = SMMUV3_OP_TLBI_NH_VA,
	    .tlbi = { .asid = 0xFFFF, .vmid = 0xFFFF,
		      .addr = 0xFFFFFFFFFFFF0000ull, .tg = 3, .ttl = 3,
		      .num = 31, .scale = 31, .leaf = 1 } },
	  0xFFFFFFFF01F1F012ull, 0xFFFFFFFFFFFF0F01ull },
	{ "TLBI_NH_ALL vmid 0",
	  { .opcode = SMMUV3_OP_TLBI_NH_ALL }, 0x10, 0 },
	{ "TLBI_EL2_ALL", { .opcode = SMMUV3_OP_TLBI_EL2_ALL }, 0x20, 0 },
	{ "TLBI_EL2_ASID 3",
	  { .opcode = SMMUV3_OP_TLBI_EL2_ASID, .tlbi = { .asid = 3 } },
	  0x0003000000000021ull, 0 },
	{ "TLBI_EL2_VA",
	  { .opcode = SMMUV3_OP_TLBI_EL2_VA,
	    .tlbi = { .asid = 3, .addr = 0x5000, .leaf = 1 } },
	  0x0003000000000022ull, 0x5001 },
	{ "TLBI_EL2_VAA 16K range",
	  { .opcode = SMMUV3_OP_TLBI_EL2_VAA,
	    .tlbi = { .addr = 0x8000, .tg = 2, .ttl = 3, .num = 1,
		      .scale = 0 } },
	  0x0000000000001023ull, 0x8B00 },
	{ "TLBI_S12_VMALL vmid 9",
	  { .opcode = SMMUV3_OP_TLBI_S12_VMALL, .tlbi = { .vmid = 9 } },
	  0x0000000900000028ull, 0 },
	{ "TLBI_S2_IPA single",
	  { .opcode = SMMUV3_OP_TLBI_S2_IPA,
	    .tlbi = { .vmid = 7, .addr = 0x80000000, .leaf = 1 } },
	  0x000000070000002Aull, 0x80000001 },
	{ "TLBI_S2_IPA 64K range non-leaf",
	  { .opcode = SMMUV3_OP_TLBI_S2_IPA,
	    .tlbi = { .vmid = 7, .addr = 0x100000000ull, .tg = 3, .num = 0,
		      .scale = 1 } },
	  0x000000070010002Aull, 0x100000C00ull },
	{ "TLBI_NSNH_ALL", { .opcode = SMMUV3_OP_TLBI_NSNH_ALL }, 0x30, 0 },
	{ "ATC_INV sid 0x10 ssid 1 size 4",
	  { .opcode = SMMUV3_OP_ATC_INV,
	    .atc = { .sid = 0x10, .ssid = 1, .ssv = 1, .size = 4 } },
	  0x0000001000001840ull, 0x4 },
	{ "ATC_INV global, everything",
	  { .opcode = SMMUV3_OP_ATC_INV,
	    .atc = { .sid = 0x10, .global = 1, .size = 52, .addr = 0x7000 } },
	  0x0000001000000240ull, 0x7034 },
	{ "PRI_RESP success",
	  { .opcode = SMMUV3_OP_PRI_RESP,
	    .pri = { .sid = 1, .grpid = 5, .resp = CMD_PRI_RESP_SUCCESS } },
	  0x0000000100000041ull, 0x2005 },
	{ "RESUME retry",
	  { .opcode = SMMUV3_OP_RESUME,
	    .resume = { .sid = 0x10, .resp = CMD_RESUME_RESP_RETRY,
			.stag = 0x55 } },
	  0x0000001000001044ull, 0x55 },
	{ "RESUME abort",
	  { .opcode = SMMUV3_OP_RESUME,
	    .resume = { .sid = 0x10, .resp = CMD_RESUME_RESP_ABORT,
			.stag = 0xFFFF } },
	  0x0000001000002044ull, 0xFFFF },

	{ "STALL_TERM sid 9",
	  { .opcode = SMMUV3_OP_STALL_TERM, .stall_term = { .sid = 9 } },
	  0x0000000900000045ull, 0 },
	{ "PREFETCH_CONFIG sid 0x42",
	  { .opcode = SMMUV3_OP_PREFETCH_CONFIG, .prefetch = { .sid = 0x42 } },
	  0x0000004200000001ull, 0 },
	{ "PREFETCH_ADDR",
	  { .opcode = SMMUV3_OP_PREFETCH_ADDR,
	    .prefetch = { .sid = 0x42, .size = 3, .addr = 0x9000 } },
	  0x0000004200000002ull, 0x9003 },
};

static void check_golden(const struct golden_cmd *g, uint64_t dw0,
			 uint64_t dw1)
{
	uint64_t dw[2] = { 0xdead, 0xbeef };
	uint64_t again[2];
	struct smmuv3_cmd dec;

	if (smmuv3_cmd_encode(&g->cmd, dw) != 0)
		fail_msg("%s: encode failed", g->what);
	if (dw[0] != dw0 || dw[1] != dw1)
		fail_msg("%s: got %016llx %016llx, want %016llx %016llx",
			 g->what, (unsigned long long)dw[0],
			 (unsigned long long)dw[1], (unsigned long long)dw0,
			 (unsigned long long)dw1);
	/* Decode the hand-typed words, then re-encode: the same words. */
	dw[0] = dw0;
	dw[1] = dw1;
	if (smmuv3_cmd_decode(dw, &dec) != SMMUV3_CERROR_NONE)
		fail_msg("%s: decode says illegal", g->what);
	assert_int_equal(dec.opcode, g->cmd.opcode);
	assert_int_equal(smmuv3_cmd_encode(&dec, again), 0);
	assert_int_equal(again[0], dw0);
	assert_int_equal(again[1], dw1);
	/* And the decoded struct equals the one we started from. */
	assert_memory_equal(&dec, &g->cmd, sizeof(dec));
}

static void test_cmd_golden(void **state)
{
	(void)state;
	for (size_t i = 0; i < SMMUKIT_ARRAY_SIZE(golden_cmds); i++)
		check_golden(&golden_cmds[i], golden_cmds[i].dw0,
			     golden_cmds[i].dw1);
}

static void test_cmd_errors(void **state)
{
	struct smmuv3_cmd c;
	uint64_t dw[2];

	(void)state;
	/* Unknown opcodes; 0x07 is not CFGI_ALL. */
	c = (struct smmuv3_cmd){ .opcode = 0x07 };
	dw[0] = dw[1] = 0x55;
	assert_int_equal(smmuv3_cmd_encode(&c, dw), -SMMUKIT_EINVAL);
	assert_int_equal(dw[0], 0);
	assert_int_equal(dw[1], 0);
	c.opcode = 0;
	assert_int_equal(smmuv3_cmd_encode(&c, dw), -SMMUKIT_EINVAL);
	c.opcode = 0xFF;
	assert_int_equal(smmuv3_cmd_encode(&c, dw), -SMMUKIT_EINVAL);

	/* CMD_SYNC CS=0b11. */
	c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_CMD_SYNC,
				 .sync = { .cs = 3 } };
	assert_int_equal(smmuv3_cmd_encode(&c, dw), -SMMUKIT_EINVAL);
	c.sync.cs = 4;
	assert_int_equal(smmuv3_cmd_encode(&c, dw), -SMMUKIT_EINVAL);
	/* MSI address not 4-aligned or above 52 bits. */
	c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_CMD_SYNC,
				 .sync = { .msiaddr = 0x40001002 } };
	assert_int_equal(smmuv3_cmd_encode(&c, dw), -SMMUKIT_EINVAL);
	c.sync.msiaddr = 1ull << 52;
	assert_int_equal(smmuv3_cmd_encode(&c, dw), -SMMUKIT_EINVAL);

	/* Values that do not fit. */
	c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_CFGI_CD,
				 .cfgi = { .ssid = 1u << 20 } };
	assert_int_equal(smmuv3_cmd_encode(&c, dw), -SMMUKIT_EINVAL);
	c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_ASID,
				 .tlbi = { .asid = 0x10000 } };
	assert_int_equal(smmuv3_cmd_encode(&c, dw), -SMMUKIT_EINVAL);
	c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_S12_VMALL,
				 .tlbi = { .vmid = 0x10000 } };
	assert_int_equal(smmuv3_cmd_encode(&c, dw), -SMMUKIT_EINVAL);
	c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_CFGI_STE_RANGE,
				 .cfgi = { .range = 32 } };
	assert_int_equal(smmuv3_cmd_encode(&c, dw), -SMMUKIT_EINVAL);
	/* A field the opcode does not have. */
	c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_VAA,
				 .tlbi = { .asid = 1, .addr = 0x1000 } };
	assert_int_equal(smmuv3_cmd_encode(&c, dw), -SMMUKIT_EINVAL);
	c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_CFGI_STE,
				 .cfgi = { .range = 3 } };
	assert_int_equal(smmuv3_cmd_encode(&c, dw), -SMMUKIT_EINVAL);
	/* Unaligned and too-large addresses. */
	c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_VA,
				 .tlbi = { .addr = 0x10000800 } };
	assert_int_equal(smmuv3_cmd_encode(&c, dw), -SMMUKIT_EINVAL);
	c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_S2_IPA,
				 .tlbi = { .addr = 1ull << 52 } };
	assert_int_equal(smmuv3_cmd_encode(&c, dw), -SMMUKIT_EINVAL);
	/* 64K range starting off a 64K page. */
	c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_VA,
				 .tlbi = { .addr = 0x11000, .tg = 3, .ttl = 3 } };
	assert_int_equal(smmuv3_cmd_encode(&c, dw), -SMMUKIT_EINVAL);
	/* The reserved range form NUM = SCALE = TTL = 0 with TG != 0. */
	c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_VA,
				 .tlbi = { .addr = 0x1000, .tg = 1 } };
	assert_int_equal(smmuv3_cmd_encode(&c, dw), -SMMUKIT_EINVAL);
	/* Range fields with TG = 0. */
	c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_VA,
				 .tlbi = { .addr = 0x1000, .num = 1 } };
	assert_int_equal(smmuv3_cmd_encode(&c, dw), -SMMUKIT_EINVAL);
	c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_RESUME,
				 .resume = { .resp = 4 } };
	assert_int_equal(smmuv3_cmd_encode(&c, dw), -SMMUKIT_EINVAL);
	c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_PRI_RESP,
				 .pri = { .resp = 3 } };
	assert_int_equal(smmuv3_cmd_encode(&c, dw), -SMMUKIT_EINVAL);
	/* 16K with TTL = 1 (no level-1 leaves without IDR5.DS). */
	c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_VA,
				 .tlbi = { .addr = 0, .tg = 2, .ttl = 1 } };
	assert_int_equal(smmuv3_cmd_encode(&c, dw), -SMMUKIT_EINVAL);
	/* A TTL=2 (2 MiB) range that does not start on a 2 MiB block. */
	c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_VA,
				 .tlbi = { .addr = 0x201000, .tg = 1, .ttl = 2,
					   .leaf = 1 } };
	assert_int_equal(smmuv3_cmd_encode(&c, dw), -SMMUKIT_EINVAL);
	c.tlbi.addr = 0x200000;
	assert_int_equal(smmuv3_cmd_encode(&c, dw), 0);
	assert_int_equal(dw[0], 0x12);
	assert_int_equal(dw[1], 0x200601);
	/* ATC_INV Size above 52. */
	c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_ATC_INV,
				 .atc = { .size = 53 } };
	assert_int_equal(smmuv3_cmd_encode(&c, dw), -SMMUKIT_EINVAL);
	/* EL3_VA encodes (for a Secure queue) but this decoder refuses it,
	 * with its fields still reported. */
	c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_EL3_VA,
				 .tlbi = { .addr = 0x7000, .leaf = 1 } };
	assert_int_equal(smmuv3_cmd_encode(&c, dw), 0);
	assert_int_equal(dw[0], 0x1A);
	assert_int_equal(dw[1], 0x7001);
	{
		struct smmuv3_cmd dec;

		assert_int_equal(smmuv3_cmd_decode(dw, &dec),
				 SMMUV3_CERROR_ILL);
		assert_int_equal(dec.opcode, SMMUV3_OP_TLBI_EL3_VA);
		assert_int_equal(dec.tlbi.addr, 0x7000);
		assert_true(dec.tlbi.leaf);
	}
	/* EL3_VA has no ASID. */
	c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_EL3_VA,
				 .tlbi = { .asid = 1 } };
	assert_int_equal(smmuv3_cmd_encode(&c, dw), -SMMUKIT_EINVAL);
}

static int decode_words(uint64_t dw0, uint64_t dw1)
{
	uint64_t dw[2] = { dw0, dw1 };
	struct smmuv3_cmd c;

	return smmuv3_cmd_decode(dw, &c);
}

static void test_cmd_decode_illegal(void **state)
{
	struct smmuv3_cmd c;
	uint64_t dw[2];

	(void)state;
	/* Undefined opcodes. */
	assert_int_equal(decode_words(0x07, 0), SMMUV3_CERROR_ILL);
	assert_int_equal(decode_words(0x00, 0), SMMUV3_CERROR_ILL);
	assert_int_equal(decode_words(0xFF, 0), SMMUV3_CERROR_ILL);
	assert_int_equal(decode_words(0x47, 0), SMMUV3_CERROR_ILL);
	for (unsigned op = 0; op < 256; op++) {
		bool known = strcmp(smmuv3_cmd_name(op), "UNKNOWN") != 0;
		bool el3 = op == SMMUV3_OP_TLBI_EL3_ALL ||
			   op == SMMUV3_OP_TLBI_EL3_VA;

		/* Every named opcode with all-zero fields is legal, except EL3
		 * maintenance on this Non-secure queue. */
		assert_int_equal(decode_words(op, 0) == SMMUV3_CERROR_NONE,
				 known && !el3);
	}

	/* CMD_SYNC with CS=0b11 is illegal; the decoded CS is reported. */
	dw[0] = 0x0FC03046;
	dw[1] = 0;
	assert_int_equal(smmuv3_cmd_decode(dw, &c), SMMUV3_CERROR_ILL);
	assert_int_equal(c.opcode, SMMUV3_OP_CMD_SYNC);
	assert_int_equal(c.sync.cs, 3);
	/* MSIAddr bits [1:0] and above 51 are reserved. */
	assert_int_equal(decode_words(0x46, 0x40001001), SMMUV3_CERROR_ILL);
	assert_int_equal(decode_words(0x46, 1ull << 52), SMMUV3_CERROR_ILL);

	/* SSec=1 on the Non-secure queue. */
	assert_int_equal(decode_words(0x0000001000000403ull, 1),
			 SMMUV3_CERROR_ILL);
	/* Reserved fields: SSV in CFGI_STE, DW1 of TLBI_NH_ASID, ASID bits in
	 * TLBI_NH_ALL, ASID in TLBI_S2_IPA, bits above IPA[51]. */
	assert_int_equal(decode_words(0x0000001000000803ull, 1),
			 SMMUV3_CERROR_ILL);
	assert_int_equal(decode_words(0x0001000000000011ull, 1),
			 SMMUV3_CERROR_ILL);
	assert_int_equal(decode_words(0x0001000000000010ull, 0),
			 SMMUV3_CERROR_ILL);
	assert_int_equal(decode_words(0x000100070000002Aull, 0x1000),
			 SMMUV3_CERROR_ILL);
	assert_int_equal(decode_words(0x000000070000002Aull,
				      0x0010000000001000ull),
			 SMMUV3_CERROR_ILL);
	/* CFGI_STE_RANGE: Range is DW1[4:0]; bit 5 is reserved. */
	assert_int_equal(decode_words(0x04, 0x1F), SMMUV3_CERROR_NONE);
	assert_int_equal(decode_words(0x04, 0x20), SMMUV3_CERROR_ILL);

	/* Range TLBI: TG=4K with NUM=SCALE=TTL=0 is the reserved form. */
	assert_int_equal(decode_words(0x0001000000000012ull, 0x10000401),
			 SMMUV3_CERROR_ILL);
	/* ... and TTL=3 makes it legal (the first 33-page command). */
	assert_int_equal(decode_words(0x0001000000000012ull, 0x10000701),
			 SMMUV3_CERROR_NONE);
	/* TG=0 with NUM set. */
	assert_int_equal(decode_words(0x0001000000001012ull, 0x10000001),
			 SMMUV3_CERROR_ILL);

	/* PRI_RESP response 3 is ILLEGAL; RESUME 3 is retry (Ab ignored). */
	assert_int_equal(decode_words(0x41, 0x3000), SMMUV3_CERROR_ILL);
	assert_int_equal(decode_words(0x0000001000003044ull, 0x55),
			 SMMUV3_CERROR_NONE);
	/* SSec on RESUME and STALL_TERM. */
	assert_int_equal(decode_words(0x0000001000001444ull, 0x55),
			 SMMUV3_CERROR_ILL);
	assert_int_equal(decode_words(0x0000000900000445ull, 0),
			 SMMUV3_CERROR_ILL);
	/* EL3 maintenance. */
	assert_int_equal(decode_words(0x18, 0), SMMUV3_CERROR_ILL);
	assert_int_equal(decode_words(0x1A, 0x1000), SMMUV3_CERROR_ILL);
	/* 16K with TTL = 1. */
	assert_int_equal(decode_words(0x12, 0x0900), SMMUV3_CERROR_ILL);
	assert_int_equal(decode_words(0x12, 0x0A00), SMMUV3_CERROR_NONE);
	/* TTL128 (DW1 bit 7) is not supported: reserved. */
	assert_int_equal(decode_words(0x12, 0x0780), SMMUV3_CERROR_ILL);
	/* ATC_INV Size 53. */
	assert_int_equal(decode_words(0x0000001000000040ull, 0x35),
			 SMMUV3_CERROR_ILL);
	assert_int_equal(decode_words(0x0000001000000040ull, 0x34),
			 SMMUV3_CERROR_NONE);
	/* Physical address bits [55:52] are RES0 up to SMMUv3.3. */
	assert_int_equal(decode_words(0x46, 0x0010000000000000ull),
			 SMMUV3_CERROR_ILL);
}

static void test_cmd_names(void **state)
{
	(void)state;
	assert_string_equal(smmuv3_cmd_name(0x12), "TLBI_NH_VA");
	assert_string_equal(smmuv3_cmd_name(0x46), "CMD_SYNC");
	assert_string_equal(smmuv3_cmd_name(0x04), "CFGI_STE_RANGE");
	assert_string_equal(smmuv3_cmd_name(0x2A), "TLBI_S2_IPA");
	assert_string_equal(smmuv3_cmd_name(0x07), "UNKNOWN");
	assert_string_equal(smmuv3_cmd_name(1000), "UNKNOWN");
	assert_string_equal(smmuv3_event_name(0x10), "F_TRANSLATION");
	assert_string_equal(smmuv3_event_name(0x0A), "C_BAD_CD");
	assert_string_equal(smmuv3_event_name(0x25), "F_VMS_FETCH");
	assert_string_equal(smmuv3_event_name(0x0C), "UNKNOWN");
	assert_string_equal(smmuv3_cerror_name(0), "CERROR_NONE");
	assert_string_equal(smmuv3_cerror_name(1), "CERROR_ILL");
	assert_string_equal(smmuv3_cerror_name(2), "CERROR_ABT");
	assert_string_equal(smmuv3_cerror_name(3), "CERROR_ATC_INV_SYNC");
	assert_string_equal(smmuv3_cerror_name(9), "CERROR_UNKNOWN");

	/* Opcode values as typed from IHI 0070 ch. 4. */
	static const struct {
		unsigned op;
		const char *name;
	} ops[] = {
		{ 0x01, "PREFETCH_CONFIG" }, { 0x02, "PREFETCH_ADDR" },
		{ 0x03, "CFGI_STE" },	     { 0x04, "CFGI_STE_RANGE" },
		{ 0x05, "CFGI_CD" },	     { 0x06, "CFGI_CD_ALL" },
		{ 0x10, "TLBI_NH_ALL" },     { 0x11, "TLBI_NH_ASID" },
		{ 0x12, "TLBI_NH_VA" },	     { 0x13, "TLBI_NH_VAA" },
		{ 0x18, "TLBI_EL3_ALL" },    { 0x1A, "TLBI_EL3_VA" },
		{ 0x20, "TLBI_EL2_ALL" },    { 0x21, "TLBI_EL2_ASID" },
		{ 0x22, "TLBI_EL2_VA" },     { 0x23, "TLBI_EL2_VAA" },
		{ 0x28, "TLBI_S12_VMALL" },  { 0x2A, "TLBI_S2_IPA" },
		{ 0x30, "TLBI_NSNH_ALL" },   { 0x40, "ATC_INV" },
		{ 0x41, "PRI_RESP" },	     { 0x44, "RESUME" },
		{ 0x45, "STALL_TERM" },	     { 0x46, "CMD_SYNC" },
	};
	for (size_t i = 0; i < SMMUKIT_ARRAY_SIZE(ops); i++)
		assert_string_equal(smmuv3_cmd_name(ops[i].op), ops[i].name);

	static const struct {
		unsigned id;
		const char *name;
	} evts[] = {
		{ 0x01, "F_UUT" },	       { 0x02, "C_BAD_STREAMID" },
		{ 0x03, "F_STE_FETCH" },       { 0x04, "C_BAD_STE" },
		{ 0x05, "F_BAD_ATS_TREQ" },    { 0x06, "F_STREAM_DISABLED" },
		{ 0x07, "F_TRANSL_FORBIDDEN" }, { 0x08, "C_BAD_SUBSTREAMID" },
		{ 0x09, "F_CD_FETCH" },	       { 0x0A, "C_BAD_CD" },
		{ 0x0B, "F_WALK_EABT" },       { 0x10, "F_TRANSLATION" },
		{ 0x11, "F_ADDR_SIZE" },       { 0x12, "F_ACCESS" },
		{ 0x13, "F_PERMISSION" },      { 0x20, "F_TLB_CONFLICT" },
		{ 0x21, "F_CFG_CONFLICT" },    { 0x24, "E_PAGE_REQUEST" },
		{ 0x25, "F_VMS_FETCH" },
	};
	for (size_t i = 0; i < SMMUKIT_ARRAY_SIZE(evts); i++)
		assert_string_equal(smmuv3_event_name(evts[i].id),
				    evts[i].name);
}

/* ------------------------------------------------------------------------
 * Event records, IHI 0070 §7.3
 * ------------------------------------------------------------------------ */

struct golden_evt {
	const char *what;
	struct smmuv3_event evt;
	uint64_t dw[4];
};

static const struct golden_evt golden_evts[] = {
	{ "F_TRANSLATION stage 1, read",
	  { .id = SMMUV3_EVT_F_TRANSLATION, .sid = 0x10, .rnw = 1,
	    .class_ = EVT1_CLASS_IN, .input_addr = 0x10000000 },
	  { 0x0000001000000010ull, 0x0000020800000000ull, 0x10000000, 0 } },
	{ "F_TRANSLATION stage 2 on a stage-1 walk",
	  { .id = SMMUV3_EVT_F_TRANSLATION, .sid = 0x10, .s2 = 1,
	    .class_ = EVT1_CLASS_TT, .input_addr = 0x10000000,
	    .ipa = 0x40003000 },
	  { 0x0000001000000010ull, 0x0000018000000000ull, 0x10000000,
	    0x40003000 } },
	{ "F_TRANSLATION with substream",
	  { .id = SMMUV3_EVT_F_TRANSLATION, .sid = 0x10, .ssv = 1, .ssid = 5,
	    .class_ = EVT1_CLASS_IN, .input_addr = 0xFFFFFFFFFFFFF123ull },
	  { 0x0000001000005810ull, 0x0000020000000000ull,
	    0xFFFFFFFFFFFFF123ull, 0 } },
	{ "F_PERMISSION stage 2",
	  { .id = SMMUV3_EVT_F_PERMISSION, .sid = 0xFFFFFFFFu, .s2 = 1,
	    .class_ = EVT1_CLASS_TT, .input_addr = 0x1234000,
	    .ipa = 0x80001000 },
	  { 0xFFFFFFFF00000013ull, 0x0000018000000000ull, 0x1234000,
	    0x80001000 } },
	{ "F_CD_FETCH",
	  { .id = SMMUV3_EVT_F_CD_FETCH, .sid = 3,
	    .fetch_addr = 0x40000048 },
	  { 0x0000000300000009ull, 0, 0, 0x40000048 } },
	{ "F_WALK_EABT",
	  { .id = SMMUV3_EVT_F_WALK_EABT, .sid = 3, .class_ = EVT1_CLASS_TT,
	    .input_addr = 0x4000, .fetch_addr = 0xFFFFFFFFFFFF8ull },
	  { 0x000000030000000Bull, 0x0000010000000000ull, 0x4000,
	    0x000FFFFFFFFFFFF8ull } },
	{ "every DW1 flag",
	  { .id = SMMUV3_EVT_F_ACCESS, .stall = 1, .stag = 0x1234, .pnu = 1,
	    .ind = 1, .rnw = 1, .nsipa = 1, .s2 = 1, .class_ = 3,
	    .tt_read = 1 },
	  { 0x12, 0x000013CE80001234ull, 0, 0 } },
	{ "C_BAD_STREAMID",
	  { .id = SMMUV3_EVT_C_BAD_STREAMID, .sid = 0x10000 },
	  { 0x0001000000000002ull, 0, 0, 0 } },
};

static void test_event_golden(void **state)
{
	(void)state;
	for (size_t i = 0; i < SMMUKIT_ARRAY_SIZE(golden_evts); i++) {
		const struct golden_evt *g = &golden_evts[i];
		uint64_t dw[4];
		struct smmuv3_event dec;

		if (smmuv3_event_encode(&g->evt, dw) != 0)
			fail_msg("%s: encode failed", g->what);
		for (int w = 0; w < 4; w++)
			if (dw[w] != g->dw[w])
				fail_msg("%s: DW%d %016llx, want %016llx",
					 g->what, w,
					 (unsigned long long)dw[w],
					 (unsigned long long)g->dw[w]);
		smmuv3_event_decode(g->dw, &dec);
		assert_memory_equal(&dec, &g->evt, sizeof(dec));
	}
}

static void test_event_errors(void **state)
{
	struct smmuv3_event e;
	uint64_t dw[4] = { 1, 2, 3, 4 };

	(void)state;
	e = (struct smmuv3_event){ .id = 0x10, .ssid = 1u << 20 };
	assert_int_equal(smmuv3_event_encode(&e, dw), -SMMUKIT_EINVAL);
	assert_int_equal(dw[0] | dw[1] | dw[2] | dw[3], 0);
	e = (struct smmuv3_event){ .id = 0x10, .stag = 0x10000 };
	assert_int_equal(smmuv3_event_encode(&e, dw), -SMMUKIT_EINVAL);
	e = (struct smmuv3_event){ .id = 0x10, .class_ = 4 };
	assert_int_equal(smmuv3_event_encode(&e, dw), -SMMUKIT_EINVAL);
	e = (struct smmuv3_event){ .id = 0x10, .ipa = 1ull << 52 };
	assert_int_equal(smmuv3_event_encode(&e, dw), -SMMUKIT_EINVAL);
	/* IPA bits below 12 and fetch-address bits below 3 are not kept. */
	e = (struct smmuv3_event){ .id = 0x10, .s2 = 1, .ipa = 0x80001FFF };
	assert_int_equal(smmuv3_event_encode(&e, dw), 0);
	assert_int_equal(dw[3], 0x80001000);
	e = (struct smmuv3_event){ .id = 0x03, .fetch_addr = 0x4000007F };
	assert_int_equal(smmuv3_event_encode(&e, dw), 0);
	assert_int_equal(dw[3], 0x40000078);
}

/* ------------------------------------------------------------------------
 * Range invalidation, IHI 0070 §4.4 worked examples (4K, tg = 12)
 * ------------------------------------------------------------------------ */

struct split_want {
	uint32_t num, scale;
};

static void check_split(uint64_t iova, uint64_t size, unsigned pg_shift,
			unsigned leaf_shift, bool leaf, unsigned want_tg,
			unsigned want_ttl, const struct split_want *want,
			int nwant)
{
	struct smmuv3_range_tlbi out[SMMUV3_RANGE_TLBI_MAX_CMDS];
	uint64_t addr = iova;
	int n;

	n = smmuv3_range_tlbi_split(iova, size, pg_shift, leaf_shift, leaf,
				    out, SMMUV3_RANGE_TLBI_MAX_CMDS);
	assert_int_equal(n, nwant);
	assert_int_equal(smmuv3_range_tlbi_split(iova, size, pg_shift,
						 leaf_shift, leaf, NULL, 0),
			 nwant);
	for (int i = 0; i < n; i++) {
		assert_int_equal(out[i].num, want[i].num);
		assert_int_equal(out[i].scale, want[i].scale);
		assert_int_equal(out[i].tg, want_tg);
		assert_int_equal(out[i].ttl, want_ttl);
		assert_int_equal(out[i].addr, addr);
		addr += ((uint64_t)want[i].num + 1) << (want[i].scale +
							pg_shift);
	}
}

static void test_range_split_examples(void **state)
{
	(void)state;
	/* 1 page, leaf: (0, 0), TTL 3. */
	check_split(0x1000, 0x1000, 12, 12, true, 1, 3,
		    (const struct split_want[]){ { 0, 0 } }, 1);
	/* 33 pages: (0, 0) then (0, 5). */
	check_split(0x10000000, 33 * 0x1000, 12, 12, true, 1, 3,
		    (const struct split_want[]){ { 0, 0 }, { 0, 5 } }, 2);
	/* 100 pages: (24, 2). */
	check_split(0x200000, 100 * 0x1000, 12, 12, true, 1, 3,
		    (const struct split_want[]){ { 24, 2 } }, 1);
	/* 256 pages: (0, 8). */
	check_split(0x0, 256 * 0x1000, 12, 12, true, 1, 3,
		    (const struct split_want[]){ { 0, 8 } }, 1);
	/* 1000 pages: (28, 3) then (2, 8), 232 + 768. */
	check_split(0x40000000, 1000 * 0x1000, 12, 12, true, 1, 3,
		    (const struct split_want[]){ { 28, 3 }, { 2, 8 } }, 2);
	/* 1 page non-leaf: widened to 2 pages, (0, 1), TTL 0. */
	check_split(0x5000, 0x1000, 12, 12, false, 1, 0,
		    (const struct split_want[]){ { 0, 1 } }, 1);
	/* 2 MiB block leaf: (0, 9), TTL 2. */
	check_split(0x200000, 0x200000, 12, 21, true, 1, 2,
		    (const struct split_want[]){ { 0, 9 } }, 1);
	/* 1 GiB block leaf: (0, 18), TTL 1. */
	check_split(0x40000000, 0x40000000, 12, 30, true, 1, 1,
		    (const struct split_want[]){ { 0, 18 } }, 1);
	/* 16K granule: one 32 MiB block, TTL 2; 64K: one 512 MiB block. */
	check_split(0x2000000, 0x2000000, 14, 25, true, 2, 2,
		    (const struct split_want[]){ { 0, 11 } }, 1);
	check_split(0x20000000, 0x20000000, 16, 29, true, 3, 2,
		    (const struct split_want[]){ { 0, 13 } }, 1);
	/* Leaf of unknown level (leaf_shift 0): TTL 0, so widened too. */
	check_split(0x1000, 0x1000, 12, 0, true, 1, 0,
		    (const struct split_want[]){ { 0, 1 } }, 1);
	/* Non-leaf 33 pages: low five bits are 1, widened to 34:
	 * (16, 1), no 0/0 command. */
	check_split(0x0, 33 * 0x1000, 12, 0, false, 1, 0,
		    (const struct split_want[]){ { 16, 1 } }, 1);
}

static void test_range_split_never_reserved(void **state)
{
	struct smmuv3_range_tlbi out[SMMUV3_RANGE_TLBI_MAX_CMDS];

	(void)state;
	for (uint64_t pages = 1; pages <= 2100; pages++) {
		for (int mode = 0; mode < 3; mode++) {
			bool leaf = mode != 0;
			unsigned leaf_shift = mode == 2 ? 12 : 0;
			uint64_t iova = 0x7000000000ull;
			uint64_t covered = 0, addr = iova;
			int n = smmuv3_range_tlbi_split(iova, pages << 12, 12,
							leaf_shift, leaf, out,
							SMMUV3_RANGE_TLBI_MAX_CMDS);

			assert_true(n >= 1 && n <= 3);
			for (int i = 0; i < n; i++) {
				struct smmuv3_cmd c = {
					.opcode = SMMUV3_OP_TLBI_NH_VA,
					.tlbi = { .asid = 1,
						  .addr = out[i].addr,
						  .leaf = leaf,
						  .tg = out[i].tg,
						  .ttl = out[i].ttl,
						  .num = out[i].num,
						  .scale = out[i].scale },
				};
				uint64_t dw[2], start, end;
				struct smmuv3_cmd dec;

				assert_false(out[i].num == 0 &&
					     out[i].scale == 0 &&
					     out[i].ttl == 0);
				assert_int_equal(smmuv3_cmd_encode(&c, dw), 0);
				assert_int_equal(smmuv3_cmd_decode(dw, &dec),
						 SMMUV3_CERROR_NONE);
				assert_int_equal(smmuv3_range_tlbi_span(
							 &dec, &start, &end),
						 0);
				/* Contiguous, in order. */
				assert_int_equal(start, addr);
				addr = end;
				covered += (end - start) >> 12;
			}
			/* Exact, or one page more when widened. */
			if (leaf_shift)
				assert_int_equal(covered, pages);
			else
				assert_int_equal(covered,
						 pages + ((pages & 31) == 1));
		}
	}
}

/*
 * Split [iova, iova + size) with room for every command, and check that each
 * one encodes (NH_VA for ASID 1, or S2_IPA for VMID 7) and that together
 * they cover the range in order. Returns the count.
 */
static int split_all_encode(uint64_t iova, uint64_t size, unsigned pg_shift,
			    unsigned leaf_shift, bool leaf, bool s2,
			    struct smmuv3_range_tlbi *out, unsigned max,
			    uint64_t (*dw_out)[2])
{
	uint64_t addr = iova;
	int n = smmuv3_range_tlbi_split(iova, size, pg_shift, leaf_shift, leaf,
					out, max);

	assert_true(n >= 1 && (unsigned)n <= max);
	assert_int_equal(smmuv3_range_tlbi_split(iova, size, pg_shift,
						 leaf_shift, leaf, NULL, 0),
			 n);
	for (int i = 0; i < n; i++) {
		struct smmuv3_cmd c = {
			.opcode = s2 ? SMMUV3_OP_TLBI_S2_IPA :
				       SMMUV3_OP_TLBI_NH_VA,
			.tlbi = { .asid = s2 ? 0 : 1,
				  .vmid = s2 ? 7 : 0,
				  .addr = out[i].addr,
				  .leaf = leaf,
				  .tg = out[i].tg,
				  .ttl = out[i].ttl,
				  .num = out[i].num,
				  .scale = out[i].scale },
		};
		uint64_t dw[2], start, end;
		struct smmuv3_cmd dec;
		int ret;

		assert_true(out[i].scale <= 31 && out[i].num <= 31);
		assert_int_equal(smmuv3_cmd_encode(&c, dw), 0);
		assert_int_equal(smmuv3_cmd_decode(dw, &dec),
				 SMMUV3_CERROR_NONE);
		ret = smmuv3_range_tlbi_span(&dec, &start, &end);
		if (ret == -SMMUKIT_EOVERFLOW) {
			/* Only the last command of a range ending at 2^64. */
			assert_int_equal(i, n - 1);
			assert_int_equal(iova + size, 0);
			end = 0;
		} else {
			assert_int_equal(ret, 0);
		}
		assert_int_equal(start, addr);
		addr = end;
		if (dw_out && i < 4) {
			dw_out[i][0] = dw[0];
			dw_out[i][1] = dw[1];
		}
	}
	assert_int_equal(addr - iova, size);
	return n;
}

/*
 * SCALE is five bits. Counts whose lowest set bit is above 31 must still
 * give commands that encode: SCALE 31 and up to 32 chunks of 2^31 pages.
 * Every value below is typed by hand from the field layout.
 */
static void test_range_split_scale_cap(void **state)
{
	struct smmuv3_range_tlbi out[SMMUV3_RANGE_TLBI_MAX_CMDS];
	struct smmuv3_range_tlbi *big;
	uint64_t dw[4][2];
	int n;

	(void)state;
	/* 2^44 bytes at 4K = 2^32 pages: NUM 1, SCALE 31. A walk flush
	 * (non-leaf, TTL 0) from IOVA 2^44. */
	n = split_all_encode(UINT64_C(1) << 44, UINT64_C(1) << 44, 12, 0,
			     false, false, out, SMMUV3_RANGE_TLBI_MAX_CMDS, dw);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].num, 1);
	assert_int_equal(out[0].scale, 31);
	assert_int_equal(out[0].tg, 1);
	assert_int_equal(out[0].ttl, 0);
	/* OP 0x12 | NUM 1 << 12 | SCALE 31 << 20 | ASID 1 << 48. */
	assert_int_equal(dw[0][0], UINT64_C(0x0001000001F01012));
	/* Addr 2^44 | TG 1 << 10, not leaf, TTL 0. */
	assert_int_equal(dw[0][1], UINT64_C(0x0000100000000400));

	/* The same range as 1 GiB leaves (TTL 1, leaf). */
	n = split_all_encode(UINT64_C(1) << 44, UINT64_C(1) << 44, 12, 30,
			     true, false, out, SMMUV3_RANGE_TLBI_MAX_CMDS, dw);
	assert_int_equal(n, 1);
	assert_int_equal(dw[0][0], UINT64_C(0x0001000001F01012));
	assert_int_equal(dw[0][1], UINT64_C(0x0000100000000501));

	/* The whole 48-bit space at 64K = 2^32 pages, stage 2, VMID 7:
	 * OP 0x2A | NUM 1 << 12 | SCALE 31 << 20 | VMID 7 << 32; Addr 0 |
	 * TG 3 << 10. */
	n = split_all_encode(0, UINT64_C(1) << 48, 16, 0, false, true, out,
			     SMMUV3_RANGE_TLBI_MAX_CMDS, dw);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].num, 1);
	assert_int_equal(out[0].scale, 31);
	assert_int_equal(dw[0][0], UINT64_C(0x0000000701F0102A));
	assert_int_equal(dw[0][1], UINT64_C(0x0000000000000C00));

	/* The whole 48-bit space at 4K = 2^36 pages = 32 << 31: NUM 31. */
	n = split_all_encode(0, UINT64_C(1) << 48, 12, 0, false, false, out,
			     SMMUV3_RANGE_TLBI_MAX_CMDS, dw);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].num, 31);
	assert_int_equal(out[0].scale, 31);
	assert_int_equal(dw[0][0], UINT64_C(0x0001000001F1F012));

	/* One page, then 2^49 bytes at 4K (64 chunks of 2^31 pages): (0, 0)
	 * at 0, then (31, 31) at 0x1000 and at 0x1000 + 2^48. */
	n = split_all_encode(0, (UINT64_C(1) << 49) + 0x1000, 12, 12, true,
			     false, out, SMMUV3_RANGE_TLBI_MAX_CMDS, dw);
	assert_int_equal(n, 3);
	assert_int_equal(out[0].num, 0);
	assert_int_equal(out[0].scale, 0);
	assert_int_equal(out[1].num, 31);
	assert_int_equal(out[1].scale, 31);
	assert_int_equal(out[1].addr, 0x1000);
	assert_int_equal(out[2].num, 31);
	assert_int_equal(out[2].scale, 31);
	assert_int_equal(out[2].addr, (UINT64_C(1) << 48) + 0x1000);
	assert_int_equal(dw[2][1], UINT64_C(0x0001000000001701));

	/*
	 * The biggest range: 2^52 - 1 pages of 4K. Bits 0-34 take seven
	 * commands (SCALE 0, 5, ..., 30); the rest, 2^52 - 2^35 pages, is
	 * 2^21 - 16 chunks of 2^31 pages, 32 per command: 65536 more. The
	 * count is returned without room for them, and with room each encodes.
	 */
	assert_int_equal(smmuv3_range_tlbi_split(0x1000, UINT64_MAX - 0xFFF, 12,
						 12, true, out,
						 SMMUV3_RANGE_TLBI_MAX_CMDS),
			 65543);
	big = calloc(65543, sizeof(*big));
	assert_non_null(big);
	n = split_all_encode(0x1000, UINT64_MAX - 0xFFF, 12, 12, true, false,
			     big, 65543, NULL);
	free(big);
	assert_int_equal(n, 65543);
}

static void test_range_split_errors(void **state)
{
	struct smmuv3_range_tlbi out[1];

	(void)state;
	assert_int_equal(smmuv3_range_tlbi_split(0x1000, 0, 12, 12, true, out,
						 1),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmuv3_range_tlbi_split(0x1800, 0x1000, 12, 12, true,
						 out, 1),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmuv3_range_tlbi_split(0x1000, 0x1800, 12, 12, true,
						 out, 1),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmuv3_range_tlbi_split(0x1000, 0x1000, 13, 13, true,
						 out, 1),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmuv3_range_tlbi_split(0x4000, 0x1000, 14, 14, true,
						 out, 1),
			 -SMMUKIT_EINVAL);
	/* 8K is no leaf size of the 4K granule; 512G is level 0. */
	assert_int_equal(smmuv3_range_tlbi_split(0x2000, 0x2000, 12, 13, true,
						 out, 1),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmuv3_range_tlbi_split(0, 1ull << 39, 12, 39, true,
						 out, 1),
			 -SMMUKIT_EINVAL);
	/* 64 GiB leaves of a 16K granule would be level 1: no TTL for it. */
	assert_int_equal(smmuv3_range_tlbi_split(0, 1ull << 36, 14, 36, true,
						 out, 1),
			 -SMMUKIT_EINVAL);
	/* 2 MiB leaves must start and end on 2 MiB blocks. */
	assert_int_equal(smmuv3_range_tlbi_split(0x201000, 0x200000, 12, 21,
						 true, out, 1),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmuv3_range_tlbi_split(0x200000, 0x201000, 12, 21,
						 true, out, 1),
			 -SMMUKIT_EINVAL);
	/* Wrapping past 2^64. */
	assert_int_equal(smmuv3_range_tlbi_split(0xFFFFFFFFFFFFF000ull, 0x2000,
						 12, 12, true, out, 1),
			 -SMMUKIT_EINVAL);
	/* Ending exactly at 2^64 is fine. */
	assert_int_equal(smmuv3_range_tlbi_split(0xFFFFFFFFFFFFF000ull, 0x1000,
						 12, 12, true, out, 1),
			 1);
	/* More commands than room: the count is still returned. */
	assert_int_equal(smmuv3_range_tlbi_split(0x10000000, 33 * 0x1000, 12,
						 12, true, out, 1),
			 2);
	assert_int_equal(out[0].num, 0);
	assert_int_equal(out[0].scale, 0);
}

static void test_range_span(void **state)
{
	uint64_t dw[2], start, end;
	struct smmuv3_cmd c;

	(void)state;
	/* The second 33-page command: 32 pages from 0x1000_1000. */
	dw[0] = 0x0001000000500012ull;
	dw[1] = 0x10001701;
	assert_int_equal(smmuv3_cmd_decode(dw, &c), SMMUV3_CERROR_NONE);
	assert_int_equal(smmuv3_range_tlbi_span(&c, &start, &end), 0);
	assert_int_equal(start, 0x10001000);
	assert_int_equal(end, 0x10021000);

	/* 100 pages, (24, 2), NH_VAA. */
	dw[0] = 0x0000000300218013ull;
	dw[1] = 0x00200701;
	assert_int_equal(smmuv3_cmd_decode(dw, &c), SMMUV3_CERROR_NONE);
	assert_int_equal(smmuv3_range_tlbi_span(&c, &start, &end), 0);
	assert_int_equal(start, 0x200000);
	assert_int_equal(end, 0x200000 + 100 * 0x1000);

	/* S2_IPA, 64K, (0, 1): 128K. */
	dw[0] = 0x000000070010002Aull;
	dw[1] = 0x100000C00ull;
	assert_int_equal(smmuv3_cmd_decode(dw, &c), SMMUV3_CERROR_NONE);
	assert_int_equal(smmuv3_range_tlbi_span(&c, &start, &end), 0);
	assert_int_equal(start, 0x100000000ull);
	assert_int_equal(end, 0x100020000ull);

	/* TG=0: the 4K page holding Addr. */
	dw[0] = 0x0001000000000012ull;
	dw[1] = 0x12345001;
	assert_int_equal(smmuv3_cmd_decode(dw, &c), SMMUV3_CERROR_NONE);
	assert_int_equal(smmuv3_range_tlbi_span(&c, &start, &end), 0);
	assert_int_equal(start, 0x12345000);
	assert_int_equal(end, 0x12346000);

	/* Largest: (31, 31) of 64K = 2^52 bytes. */
	c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_EL2_VAA,
				 .tlbi = { .tg = 3, .num = 31, .scale = 31 } };
	assert_int_equal(smmuv3_range_tlbi_span(&c, &start, &end), 0);
	assert_int_equal(start, 0);
	assert_int_equal(end, 1ull << 52);

	/* Reaching 2^64. */
	c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_VA,
				 .tlbi = { .addr = 0xFFFFFFFFFFFFE000ull,
					   .tg = 1, .num = 1, .ttl = 3 } };
	assert_int_equal(smmuv3_range_tlbi_span(&c, &start, &end),
			 -SMMUKIT_EOVERFLOW);
	assert_int_equal(end, UINT64_MAX);

	/* Addr off the TTL level's block: UNPREDICTABLE, reported. */
	c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_VA,
				 .tlbi = { .addr = 0x201000, .tg = 1, .ttl = 2 } };
	assert_int_equal(smmuv3_range_tlbi_span(&c, &start, &end),
			 -SMMUKIT_ERANGE);
	assert_int_equal(start, 0x201000);
	assert_int_equal(end, 0x202000);

	/* Not a VA-type TLBI. */
	c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_ASID };
	assert_int_equal(smmuv3_range_tlbi_span(&c, &start, &end),
			 -SMMUKIT_EINVAL);
	c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_CMD_SYNC };
	assert_int_equal(smmuv3_range_tlbi_span(&c, &start, &end),
			 -SMMUKIT_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_offsets),
		cmocka_unit_test(test_idr_qemu72),
		cmocka_unit_test(test_idr_gem5),
		cmocka_unit_test(test_control_values),
		cmocka_unit_test(test_queue_ring),
		cmocka_unit_test(test_ste),
		cmocka_unit_test(test_cd),
		cmocka_unit_test(test_cmd_golden),
		cmocka_unit_test(test_cmd_errors),
		cmocka_unit_test(test_cmd_decode_illegal),
		cmocka_unit_test(test_cmd_names),
		cmocka_unit_test(test_event_golden),
		cmocka_unit_test(test_event_errors),
		cmocka_unit_test(test_range_split_examples),
		cmocka_unit_test(test_range_split_never_reserved),
		cmocka_unit_test(test_range_split_scale_cap),
		cmocka_unit_test(test_range_split_errors),
		cmocka_unit_test(test_range_span),
	};

	return cmocka_run_group_tests_name("hw_golden", tests, NULL, NULL);
}

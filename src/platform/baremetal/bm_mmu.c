/* SPDX-License-Identifier: MIT */
/*
 * The EL1 identity map. Why the MMU at all: with it off, every data access
 * is Device-nGnRnE, where load/store exclusives (every C11 atomic of the
 * library) and unaligned accesses are not architecturally reliable, and
 * nothing is cached. With it on, RAM is Normal write-back (inner
 * shareable) and device regions are Device-nGnRE: no gathering or
 * reordering of register accesses, early write acknowledgement allowed,
 * which is what Linux uses for ioremap().
 *
 * Tables: 4K granule, 48-bit VA (T0SZ 16, walks start at level 0), blocks
 * of 1 GiB (level 1) where a region allows, else 2 MiB (level 2). They are
 * static: this runs before any allocator exists and before atomics work.
 */
#include "smmukit/platform_baremetal.h"

#define NR_L1 4
#define NR_L2 16
#define ENTRIES 512

#define DESC_VALID SMMUKIT_BIT(0)
#define DESC_TABLE SMMUKIT_BIT(1)	/* levels 0-2: table, else block */
#define DESC_ATTRIDX(i) ((uint64_t)(i) << 2)
#define DESC_SH_INNER (UINT64_C(3) << 8)
#define DESC_AF SMMUKIT_BIT(10)
#define DESC_PXN SMMUKIT_BIT(53)
#define DESC_UXN SMMUKIT_BIT(54)
#define DESC_ADDR SMMUKIT_GENMASK(47, 12)

/* MAIR_EL1 attribute indexes. */
#define ATTR_DEVICE 0	/* 0x04: Device-nGnRE */
#define ATTR_NORMAL 1	/* 0xff: Normal, inner/outer WB RA WA non-transient */
#define MAIR_VALUE ((UINT64_C(0x04) << (8 * ATTR_DEVICE)) | \
		    (UINT64_C(0xff) << (8 * ATTR_NORMAL)))

static _Alignas(4096) uint64_t l0_table[ENTRIES];
static _Alignas(4096) uint64_t l1_pool[NR_L1][ENTRIES];
static _Alignas(4096) uint64_t l2_pool[NR_L2][ENTRIES];
static unsigned l1_used, l2_used;

static uint64_t block_attrs(bool device)
{
	if (device)
		return DESC_ATTRIDX(ATTR_DEVICE) | DESC_AF | DESC_PXN | DESC_UXN;
	return DESC_ATTRIDX(ATTR_NORMAL) | DESC_AF | DESC_SH_INNER;
}

/* The next-level table under *desc, created empty if missing. */
static uint64_t *next_table(uint64_t *desc, bool level1)
{
	uint64_t *t;

	if (*desc & DESC_VALID)
		return (uint64_t *)(uintptr_t)(*desc & DESC_ADDR);
	if (level1) {
		if (l1_used == NR_L1)
			return NULL;
		t = l1_pool[l1_used++];
	} else {
		if (l2_used == NR_L2)
			return NULL;
		t = l2_pool[l2_used++];
	}
	for (unsigned i = 0; i < ENTRIES; i++)
		t[i] = 0;
	*desc = ((uint64_t)(uintptr_t)t & DESC_ADDR) | DESC_TABLE | DESC_VALID;
	return t;
}

static int map_region(const struct smmukit_baremetal_region *r)
{
	const uint64_t gib = UINT64_C(1) << 30, mib2 = UINT64_C(1) << 21;
	uint64_t a = r->base, end = r->base + r->size;

	if (!smmukit_is_aligned(r->base, mib2) ||
	    !smmukit_is_aligned(r->size, mib2) || end < a ||
	    end > (UINT64_C(1) << 48))
		return -SMMUKIT_EINVAL;
	while (a < end) {
		uint64_t *l1 = next_table(&l0_table[(a >> 39) & 511], true);
		uint64_t *d1, *l2;

		if (!l1)
			return -SMMUKIT_EINVAL;
		d1 = &l1[(a >> 30) & 511];
		if (smmukit_is_aligned(a, gib) && end - a >= gib &&
		    !(*d1 & DESC_VALID)) {
			*d1 = a | block_attrs(r->device) | DESC_VALID;
			a += gib;
			continue;
		}
		if ((*d1 & (DESC_VALID | DESC_TABLE)) == DESC_VALID)
			return -SMMUKIT_EINVAL;	/* overlaps a 1 GiB block */
		l2 = next_table(d1, false);
		if (!l2)
			return -SMMUKIT_EINVAL;
		l2[(a >> 21) & 511] = a | block_attrs(r->device) | DESC_VALID;
		a += mib2;
	}
	return 0;
}

/* Invalidate the tables' lines: they were written with the MMU off (not
 * cached), and stale lines from before reset must not shadow them. */
static void inval_tables(void)
{
	const uint64_t ranges[][2] = {
		{ (uint64_t)(uintptr_t)l0_table, sizeof(l0_table) },
		{ (uint64_t)(uintptr_t)l1_pool, sizeof(l1_pool) },
		{ (uint64_t)(uintptr_t)l2_pool, sizeof(l2_pool) },
	};

	__asm__ volatile("dsb sy" ::: "memory");
	for (unsigned i = 0; i < 3; i++)
		for (uint64_t a = ranges[i][0]; a < ranges[i][0] + ranges[i][1];
		     a += 64)
			__asm__ volatile("dc ivac, %0" : : "r"(a) : "memory");
	__asm__ volatile("dsb sy" ::: "memory");
}

int smmukit_baremetal_mmu_enable(const struct smmukit_baremetal_region *r,
				 unsigned n)
{
	uint64_t mmfr0, tcr, sctlr;
	unsigned ips;
	int ret;

	if (!r || !n)
		return -SMMUKIT_EINVAL;
	for (unsigned i = 0; i < ENTRIES; i++)
		l0_table[i] = 0;
	l1_used = l2_used = 0;
	for (unsigned i = 0; i < n; i++) {
		ret = map_region(&r[i]);
		if (ret)
			return ret;
	}
	inval_tables();

	/* IPS: what the CPU implements, capped at 48 bits (encoding 5). */
	__asm__ volatile("mrs %0, id_aa64mmfr0_el1" : "=r"(mmfr0));
	ips = (unsigned)(mmfr0 & 0xf);
	if (ips > 5)
		ips = 5;
	tcr = 16u |			/* T0SZ: 48-bit VA */
	      (UINT64_C(1) << 8) |	/* IRGN0: WB RA WA */
	      (UINT64_C(1) << 10) |	/* ORGN0: WB RA WA */
	      (UINT64_C(3) << 12) |	/* SH0: inner shareable */
	      (UINT64_C(0) << 14) |	/* TG0: 4K */
	      (UINT64_C(1) << 23) |	/* EPD1: no TTBR1 walks */
	      ((uint64_t)ips << 32);
	__asm__ volatile("msr mair_el1, %0" : : "r"(MAIR_VALUE));
	__asm__ volatile("msr tcr_el1, %0" : : "r"(tcr));
	__asm__ volatile("msr ttbr0_el1, %0" : : "r"((uint64_t)(uintptr_t)l0_table));
	__asm__ volatile("isb; tlbi vmalle1; dsb nsh; ic iallu; dsb nsh; isb" ::: "memory");
	__asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
	sctlr |= SMMUKIT_BIT(0) |	/* M: MMU on */
		 SMMUKIT_BIT(2) |	/* C: data cacheable */
		 SMMUKIT_BIT(12);	/* I: instructions cacheable */
	sctlr &= ~(SMMUKIT_BIT(1) |	/* A: no alignment faults on Normal */
		   SMMUKIT_BIT(19));	/* WXN: RAM holds code and data */
	__asm__ volatile("msr sctlr_el1, %0; isb" : : "r"(sctlr) : "memory");
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Golden encodings, typed by hand from the architecture (Arm DDI 0487,
 * VMSAv8-64 descriptor formats; Arm IHI 0070 CD/STE fields), not derived
 * from the code: the lpae_hw.h masks, leaf descriptors as map writes them,
 * table descriptors, and the context fields handed to the driver. The page
 * table and the hardware model share lpae_hw.h, so a wrong mask there would
 * pass on both sides without this test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pgtable_test.h"
#include "smmukit/lpae_hw.h"

#define R SMMUKIT_PROT_READ
#define W SMMUKIT_PROT_WRITE
#define C SMMUKIT_PROT_CACHE
#define X SMMUKIT_PROT_NOEXEC
#define IO SMMUKIT_PROT_MMIO
#define PRIV SMMUKIT_PROT_PRIV

static void test_masks(void **state)
{
	assert_int_equal(LPAE_DESC_VALID, 0x1);
	assert_int_equal(LPAE_DESC_TYPE, 0x3);
	assert_int_equal(LPAE_S1_ATTRINDX, 0x1c);
	assert_int_equal(LPAE_S1_NS, 0x20);
	assert_int_equal(LPAE_S1_AP_UNPRIV, 0x40);
	assert_int_equal(LPAE_S1_AP_RDONLY, 0x80);
	assert_int_equal(LPAE_DESC_SH, 0x300);
	assert_int_equal(LPAE_DESC_AF, 0x400);
	assert_int_equal(LPAE_S1_NG, 0x800);
	assert_int_equal(LPAE_S2_MEMATTR, 0x3c);
	assert_int_equal(LPAE_S2_S2AP_READ, 0x40);
	assert_int_equal(LPAE_S2_S2AP_WRITE, 0x80);
	assert_int_equal(LPAE_DESC_OA_48, 0x0000fffffffff000);
	assert_int_equal(LPAE_DESC_OA_64K_LO, 0x0000ffffffff0000);
	assert_int_equal(LPAE_DESC_OA_64K_HI, 0xf000);
	assert_int_equal(LPAE_DESC_DBM, 0x0008000000000000);
	assert_int_equal(LPAE_DESC_CONT, 0x0010000000000000);
	assert_int_equal(LPAE_S1_PXN, 0x0020000000000000);
	assert_int_equal(LPAE_S1_UXN, 0x0040000000000000);
	/* Stage-2 XN[1:0] = 0b10 (bit 54) is execute-never at every EL; bit 53
	 * is the FEAT_XNX modifier (0b11 would allow EL1). */
	assert_int_equal(LPAE_S2_XN, 0x0040000000000000);
	assert_int_equal(LPAE_S2_XN0, 0x0020000000000000);
	assert_int_equal(LPAE_DESC_SW_SYNC, 0x0080000000000000);
	assert_int_equal(LPAE_TABLE_PXN, 0x0800000000000000);
	assert_int_equal(LPAE_TABLE_UXN, 0x1000000000000000);
	assert_int_equal(LPAE_TABLE_AP, 0x6000000000000000);
	assert_int_equal(LPAE_TABLE_NS, 0x8000000000000000);
	/* MAIR bytes: 0 Normal NC, 1 Normal WB RW-alloc, 2 Device-nGnRE, 3 iNC oWB. */
	assert_int_equal((LPAE_MAIR_VALUE >> (8 * LPAE_MAIR_IDX_NC)) & 0xff, 0x44);
	assert_int_equal((LPAE_MAIR_VALUE >> (8 * LPAE_MAIR_IDX_WBRWA)) & 0xff, 0xff);
	assert_int_equal((LPAE_MAIR_VALUE >> (8 * LPAE_MAIR_IDX_DEV)) & 0xff, 0x04);
	assert_int_equal((LPAE_MAIR_VALUE >> (8 * LPAE_MAIR_IDX_INC_OWBRWA)) & 0xff, 0xf4);
	assert_int_equal(LPAE_MAIR_VALUE, 0xf404ff44);
	/* 52-bit PA with 64K: OA[51:48] lives in bits [15:12]. */
	assert_int_equal(lpae_oa_to_desc(0x000f123456780000, 16), 0x000012345678f000);
	assert_int_equal(lpae_desc_to_oa(0x000012345678f000, 16), 0x000f123456780000);
	assert_int_equal(lpae_oa_to_desc(0x0000123456789000, 12), 0x0000123456789000);
}

struct golden {
	unsigned stage;
	uint64_t granule;
	uint64_t iova, pa, size;
	unsigned prot;
	uint64_t desc;
};

/*
 * Worked by hand, bit by bit:
 *  S1 page RW cacheable: type 0b11 | AttrIndx 1 (0x4) | AP[1] EL0 (0x40)
 *     | SH inner (0x300) | AF (0x400) | nG (0x800)              = 0xf47
 *  S1 2M block R-only, NC, no-exec: type 0b01 | AttrIndx 0 | AP[1] | AP[2]
 *     (0xc0) | SH outer (0x200) | AF | nG | PXN+UXN (3 << 53)  = 0x60..0ec1
 *  S1 page MMIO privileged RW: 0b11 | AttrIndx 2 (0x8) | SH outer | AF | nG
 *                                                             = 0xe0b
 *  S2 page RW cacheable: 0b11 | MemAttr 0xf (0x3c) | S2AP RW (0xc0)
 *     | SH inner | AF                                        = 0x7ff
 *  S2 2M block W-only NC no-exec: 0b01 | MemAttr 0x5 (0x14) | S2AP W (0x80)
 *     | SH outer | AF | XN[1:0] = 0b10 (1 << 54)            = 0x40..0695
 *  S2 page MMIO R: 0b11 | MemAttr 0x1 (0x4) | S2AP R (0x40) | SH outer | AF
 *                                                             = 0x647
 *  S1 1G block RW cacheable exec: 0b01 | 0x4 | 0x40 | 0x300 | 0x400 | 0x800
 *                                                             = 0xf45
 *  S1 64K page, 52-bit PA 0xf_1234_5678_0000 RW cacheable: 0xf47 with
 *     PA[51:48] = 0xf in bits [15:12]                         = ...5678_ff47
 *  S2 16K 32M block RW NC: 0b01 | 0x14 | 0xc0 | 0x200 | 0x400  = 0x6d5
 */
static const struct golden goldens[] = {
	{ 1, SMMUKIT_SZ_4K, 0x1000, 0x812345000, 0x1000, R | W | C, 0x0000000812345f47 },
	{ 1, SMMUKIT_SZ_4K, 0x200000, 0x40200000, 0x200000, R | X, 0x0060000040200ec1 },
	{ 1, SMMUKIT_SZ_4K, 0x3000, 0x90000000, 0x1000, R | W | IO | PRIV, 0x0000000090000e0b },
	{ 1, SMMUKIT_SZ_4K, 0x40000000, 0xc0000000, 0x40000000, R | W | C, 0x00000000c0000f45 },
	{ 1, SMMUKIT_SZ_4K, 0x5000, 0x5000, 0x1000, W, 0x0000000000005e43 },
	{ 2, SMMUKIT_SZ_4K, 0x1000, 0x80001000, 0x1000, R | W | C, 0x00000000800017ff },
	{ 2, SMMUKIT_SZ_4K, 0x200000, 0x40000000, 0x200000, W | X, 0x0040000040000695 },
	{ 2, SMMUKIT_SZ_4K, 0x3000, 0x9000a000, 0x1000, R | IO, 0x000000009000a647 },
	{ 1, SMMUKIT_SZ_64K, 0x10000, 0x000f123456780000, 0x10000, R | W | C,
	  0x000012345678ff47 },
	{ 2, SMMUKIT_SZ_16K, 0x2000000, 0x4000000, 0x2000000, R | W, 0x00000000040006d5 },
};

struct find_ctx {
	uint64_t want_table_desc_oa;	/* unused when 0 */
	unsigned leaves;
	uint64_t leaf_desc;
	unsigned leaf_level;
	unsigned tables;
	uint64_t first_table_desc;
	smmukit_phys_t first_table_child;
	unsigned pg_shift;
};

static int find_leaf(void *arg, smmukit_phys_t table_pa, unsigned level,
		     unsigned index, uint64_t desc)
{
	struct find_ctx *c = arg;

	if (level < 3 && (desc & 3) == 3) {
		if (!c->tables++)
			c->first_table_desc = desc;
		return 0;
	}
	c->leaves++;
	c->leaf_desc = desc;
	c->leaf_level = level;
	return 0;
}

static void test_leaf_encodings(void **state)
{
	struct smmukit_platform *p = test_platform(false);

	for (unsigned i = 0; i < SMMUKIT_ARRAY_SIZE(goldens); i++) {
		const struct golden *g = &goldens[i];
		unsigned bits = g->pa >> 48 ? 52 : 48;
		struct smmukit_pgtable_cfg cfg;
		struct smmukit_pgtable *pgt;
		struct flush_rec rec;
		struct find_ctx c = { 0 };

		assert_int_equal(test_pgtable(p, g->stage, g->granule, bits, bits, true,
					      &rec, &cfg, &pgt), 0);
		assert_int_equal(smmukit_pgtable_map_pages(pgt, g->iova, g->pa, g->size, 1,
							   g->prot, NULL), 0);
		assert_int_equal(smmukit_pgtable_walk(pgt, find_leaf, &c), 0);
		assert_int_equal(c.leaves, 1);
		if (c.leaf_desc != g->desc)
			fail_msg("golden %u: desc 0x%016" PRIx64 ", want 0x%016" PRIx64,
				 i, c.leaf_desc, g->desc);
		assert_int_equal(smmukit_pgtable_encode_leaf(pgt, g->pa, c.leaf_level,
							     g->prot), g->desc);
		smmukit_pgtable_free(pgt);
	}
	smmukit_posix_destroy(p);
}

/* Table descriptors: next-level address | 0b11, nothing else (coherent). */
static void test_table_descriptor(void **state)
{
	struct smmukit_platform *p = test_platform(false);
	struct smmukit_pgtable_cfg cfg;
	struct smmukit_pgtable *pgt;
	struct flush_rec rec;
	struct find_ctx c = { 0 };
	uint64_t *root;

	assert_int_equal(test_pgtable(p, 1, SMMUKIT_SZ_4K, 48, 48, true, &rec, &cfg, &pgt), 0);
	/* IOVA 0x80_6010_3000: L0 index 1, L1 index 1, L2 index 0x100, L3 0x103. */
	assert_int_equal(smmukit_pgtable_map_pages(pgt, 0x0000008060103000, 0x1000, 0x1000, 1,
						   R, NULL), 0);
	assert_int_equal(smmukit_pgtable_walk(pgt, find_leaf, &c), 0);
	assert_int_equal(c.tables, 3);
	root = smmukit_plat_phys_to_virt(p, cfg.s1.ttb);
	assert_int_equal(root[0], 0);
	assert_int_equal(root[1], c.first_table_desc);
	assert_int_equal(c.first_table_desc & ~0x0000fffffffff000, 0x3);
	/* Walk the indices by hand. */
	{
		uint64_t *l1 = smmukit_plat_phys_to_virt(p, root[1] & 0x0000fffffffff000);
		uint64_t *l2 = smmukit_plat_phys_to_virt(p, l1[1] & 0x0000fffffffff000);
		uint64_t *l3 = smmukit_plat_phys_to_virt(p, l2[0x100] & 0x0000fffffffff000);

		assert_int_equal(l1[1] & 3, 3);
		assert_int_equal(l2[0x100] & 3, 3);
		/* S1 page, read-only, NC, executable: 0b11 | 0x40 | 0x80 | 0x200 | AF | nG */
		assert_int_equal(l3[0x103], 0x0000000000001ec3);
	}
	smmukit_pgtable_free(pgt);
	smmukit_posix_destroy(p);
}

/* Context fields for the CD and the STE. */
static void test_context_fields(void **state)
{
	struct smmukit_platform *p = test_platform(false);
	struct smmukit_pgtable_cfg cfg;
	struct smmukit_pgtable *pgt;
	struct flush_rec rec;

	/* Linux's CD recipe: 4K, IAS 48, OAS 44, coherent walk. */
	assert_int_equal(test_pgtable(p, 1, SMMUKIT_SZ_4K, 48, 44, true, &rec, &cfg, &pgt), 0);
	assert_int_equal(cfg.s1.t0sz, 16);
	assert_int_equal(cfg.s1.tg0, 0);
	assert_int_equal(cfg.s1.irgn0, 1);
	assert_int_equal(cfg.s1.orgn0, 1);
	assert_int_equal(cfg.s1.sh0, 3);
	assert_int_equal(cfg.s1.ips, 4);
	assert_int_equal(cfg.s1.mair, 0xf404ff44);
	assert_int_equal(cfg.s1.ttb, smmukit_pgtable_root_pa(pgt));
	smmukit_pgtable_free(pgt);
	/* TG0: 64K = 1, 16K = 2; IPS 40 = 2, 52 = 6; non-coherent walks NC, outer. */
	assert_int_equal(test_pgtable(p, 1, SMMUKIT_SZ_64K, 52, 52, false, &rec, &cfg, &pgt), 0);
	assert_int_equal(cfg.s1.tg0, 1);
	assert_int_equal(cfg.s1.ips, 6);
	assert_int_equal(cfg.s1.t0sz, 12);
	assert_int_equal(cfg.s1.irgn0, 0);
	assert_int_equal(cfg.s1.sh0, 2);
	smmukit_pgtable_free(pgt);
	assert_int_equal(test_pgtable(p, 1, SMMUKIT_SZ_16K, 40, 40, true, &rec, &cfg, &pgt), 0);
	assert_int_equal(cfg.s1.tg0, 2);
	assert_int_equal(cfg.s1.ips, 2);
	smmukit_pgtable_free(pgt);

	/* Stage 2: 4K IPA 40 -> start L1, 2 concatenated tables, SL0 1. */
	assert_int_equal(test_pgtable(p, 2, SMMUKIT_SZ_4K, 40, 40, true, &rec, &cfg, &pgt), 0);
	assert_int_equal(cfg.s2.s2t0sz, 24);
	assert_int_equal(cfg.s2.s2sl0, 1);
	assert_int_equal(cfg.s2.s2tg, 0);
	assert_int_equal(cfg.s2.s2ps, 2);
	assert_int_equal(cfg.s2.s2ir0, 1);
	assert_int_equal(cfg.s2.s2or0, 1);
	assert_int_equal(cfg.s2.s2sh0, 3);
	assert_int_equal(cfg.concat_tables, 2);
	assert_int_equal(cfg.root_size, 8192);
	assert_int_equal(cfg.s2.vttb & 8191, 0);
	smmukit_pgtable_free(pgt);
	/* 4K IPA 48 (PS 48) -> L0, SL0 2; 16K IPA 40 PS 40 -> L2 x16, SL0 1. */
	assert_int_equal(test_pgtable(p, 2, SMMUKIT_SZ_4K, 48, 48, true, &rec, &cfg, &pgt), 0);
	assert_int_equal(cfg.s2.s2sl0, 2);
	assert_int_equal(cfg.s2.s2ps, 5);
	smmukit_pgtable_free(pgt);
	assert_int_equal(test_pgtable(p, 2, SMMUKIT_SZ_16K, 40, 40, true, &rec, &cfg, &pgt), 0);
	assert_int_equal(cfg.start_level, 2);
	assert_int_equal(cfg.concat_tables, 16);
	assert_int_equal(cfg.s2.s2sl0, 1);
	assert_int_equal(cfg.s2.s2tg, 2);
	smmukit_pgtable_free(pgt);
	/* 64K IPA 42 -> L2 (8192 entries, 64 KiB), SL0 1, S2TG 1, PS 42 = 3. */
	assert_int_equal(test_pgtable(p, 2, SMMUKIT_SZ_64K, 42, 42, true, &rec, &cfg, &pgt), 0);
	assert_int_equal(cfg.s2.s2sl0, 1);
	assert_int_equal(cfg.s2.s2tg, 1);
	assert_int_equal(cfg.s2.s2ps, 3);
	assert_int_equal(cfg.root_size, 65536);
	smmukit_pgtable_free(pgt);
	/* 16K IPA 48 -> L1 with 2 concatenated tables (R_DXBSH), SL0 2. */
	assert_int_equal(test_pgtable(p, 2, SMMUKIT_SZ_16K, 48, 48, true, &rec, &cfg, &pgt), 0);
	assert_int_equal(cfg.start_level, 1);
	assert_int_equal(cfg.concat_tables, 2);
	assert_int_equal(cfg.s2.s2sl0, 2);
	smmukit_pgtable_free(pgt);
	smmukit_posix_destroy(p);
}

/* A concatenated root: the second table page holds the upper half. */
static void test_concat_index(void **state)
{
	struct smmukit_platform *p = test_platform(false);
	struct smmukit_pgtable_cfg cfg;
	struct smmukit_pgtable *pgt;
	struct flush_rec rec;
	uint64_t *root;

	assert_int_equal(test_pgtable(p, 2, SMMUKIT_SZ_4K, 40, 40, true, &rec, &cfg, &pgt), 0);
	/* IPA 0x80_4000_0000 = 513 GiB: concatenated L1 index 513 = table 1, entry 1. */
	assert_int_equal(smmukit_pgtable_map_pages(pgt, 0x8040000000, 0x40000000, SMMUKIT_SZ_1G,
						   1, R | W | C, NULL), 0);
	root = smmukit_plat_phys_to_virt(p, cfg.s2.vttb);
	assert_int_equal(root[513], 0x00000000400007fd);
	assert_true(test_translates(pgt, 0x8040001234, 0x40001234));
	smmukit_pgtable_free(pgt);
	smmukit_posix_destroy(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_masks),
		cmocka_unit_test(test_leaf_encodings),
		cmocka_unit_test(test_table_descriptor),
		cmocka_unit_test(test_context_fields),
		cmocka_unit_test(test_concat_index),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * The walk cache goes stale: after a table descriptor is replaced, walks
 * keep descending into the old next-level table until a non-leaf TLBI
 * (Leaf = 0), a by-ASID/VMID/ALL invalidation, or capacity removes the
 * cached descriptor. Leaf-only invalidations leave it in place.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "model_testlib.h"

#define SID 1
#define REGION UINT64_C(0x40000000)	/* a 2 MiB region mapped by one L3 table */

struct fx {
	struct mt t;
	struct mt_pt pt;
	uint64_t a, b, old_l3, new_l3, l2slot;
};

/*
 * Two level-3 tables for REGION: the old maps every page to a, the new to
 * b. Walk through the old one (caching its L2 descriptor), then swing the
 * L2 descriptor to the new table.
 */
static void fx_setup(struct fx *f, const char *prof)
{
	assert_int_equal(mt_setup(&f->t, NULL, prof), 0);
	assert_int_equal(mt_enable(&f->t, 6, false), 0);
	assert_int_equal(mt_s1_stream(&f->t, SID, 1, &f->pt), 0);
	f->a = mt_alloc(&f->t, 0);
	f->b = mt_alloc(&f->t, 0);
	for (uint64_t i = 0; i < 16; i++)
		mt_pt_map(&f->t, &f->pt, REGION + (i << 12), f->a, 12, MT_RW);
	f->l2slot = mt_pt_slot(&f->t, &f->pt, REGION, 2);
	f->old_l3 = lpae_desc_to_oa(mt_r64(&f->t, f->l2slot), 12);
	assert_int_equal(mt_pa_of(&f->t, SID, REGION), f->a);
	f->new_l3 = mt_alloc(&f->t, 0);
	for (uint64_t i = 0; i < 16; i++)
		mt_w64(&f->t, f->new_l3 + i * 8,
		       (mt_r64(&f->t, f->old_l3 + i * 8) & ~LPAE_DESC_OA_48) |
			       f->b);
	mt_w64(&f->t, f->l2slot, f->new_l3 | 3);
}

static void cmd_sync(struct fx *f, const struct smmuv3_cmd *c)
{
	mt_cmd(&f->t, c);
	assert_int_equal(mt_sync(&f->t), 0);
}

static void test_stale_until_nonleaf(void **state)
{
	struct fx f;
	struct smmukit_model_stats s;

	(void)state;
	fx_setup(&f, NULL);
	/* An IOVA not in the IOTLB walks via the cached L2 descriptor. */
	assert_int_equal(mt_pa_of(&f.t, SID, REGION + 0x1000), f.a);
	s = mt_stats(&f.t);
	assert_true(s.walkcache_hits >= 1);
	/* Leaf-only invalidation of the range: walk cache survives. */
	cmd_sync(&f, &(struct smmuv3_cmd){
			     .opcode = SMMUV3_OP_TLBI_NH_VA,
			     .tlbi = { .asid = 1, .addr = REGION, .leaf = true,
				       .tg = CMD1_TG_4K, .ttl = 3, .num = 15 } });
	assert_int_equal(mt_pa_of(&f.t, SID, REGION + 0x2000), f.a);
	/* Non-leaf invalidation of another ASID: survives. */
	cmd_sync(&f, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_VA,
					   .tlbi = { .asid = 2, .addr = REGION } });
	assert_int_equal(mt_pa_of(&f.t, SID, REGION + 0x3000), f.a);
	/* Non-leaf invalidation of an address outside the region: survives. */
	cmd_sync(&f, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_VA,
					   .tlbi = { .asid = 1,
						     .addr = REGION + (4 << 20) } });
	assert_int_equal(mt_pa_of(&f.t, SID, REGION + 0x4000), f.a);
	/* Non-leaf by VA in the region: gone, the new table is walked. */
	cmd_sync(&f, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_VA,
					   .tlbi = { .asid = 1,
						     .addr = REGION + 0x5000 } });
	assert_int_equal(mt_pa_of(&f.t, SID, REGION + 0x6000), f.b);
	mt_teardown(&f.t);
}

static void test_by_asid_and_all(void **state)
{
	static const struct smmuv3_cmd cmds[] = {
		{ .opcode = SMMUV3_OP_TLBI_NH_ASID, .tlbi = { .asid = 1 } },
		{ .opcode = SMMUV3_OP_TLBI_NH_ALL },
		{ .opcode = SMMUV3_OP_TLBI_S12_VMALL },
		{ .opcode = SMMUV3_OP_TLBI_NSNH_ALL },
		{ .opcode = SMMUV3_OP_TLBI_NH_VAA, .tlbi = { .addr = REGION } },
	};

	(void)state;
	for (size_t i = 0; i < SMMUKIT_ARRAY_SIZE(cmds); i++) {
		struct fx f;

		fx_setup(&f, NULL);
		assert_int_equal(mt_pa_of(&f.t, SID, REGION + 0x1000), f.a);
		/* S2_IPA does not touch stage-1 walk entries. */
		cmd_sync(&f, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_S2_IPA,
						   .tlbi = { .addr = REGION } });
		assert_int_equal(mt_pa_of(&f.t, SID, REGION + 0x2000), f.a);
		cmd_sync(&f, &cmds[i]);
		assert_int_equal(mt_pa_of(&f.t, SID, REGION + 0x3000), f.b);
		mt_teardown(&f.t);
	}
}

static void test_no_walk_cache(void **state)
{
	struct fx f;

	(void)state;
	fx_setup(&f, "walkcache_entries=0\n");
	assert_int_equal(mt_pa_of(&f.t, SID, REGION + 0x1000), f.b);
	assert_int_equal(mt_stats(&f.t).walkcache_hits, 0);
	mt_teardown(&f.t);
}

static void test_capacity(void **state)
{
	struct fx f;
	struct smmukit_model_stats s;

	(void)state;
	fx_setup(&f, "walkcache_entries=2\nwalkcache_ways=1\n");
	/* Walk 8 other 2 MiB regions to push the descriptor out. */
	for (uint64_t i = 1; i <= 8; i++) {
		mt_pt_map(&f.t, &f.pt, REGION + (i << 21), f.a, 12, MT_RW);
		assert_int_equal(mt_pa_of(&f.t, SID, REGION + (i << 21)), f.a);
	}
	s = mt_stats(&f.t);
	assert_true(s.walkcache_evictions > 0);
	assert_int_equal(mt_pa_of(&f.t, SID, REGION + 0x1000), f.b);
	mt_teardown(&f.t);
}

static void test_stage2_walk_cache(void **state)
{
	struct mt t;
	struct mt_pt pt;
	uint64_t dw[4], a, b, l2slot, old_l3, new_l3;

	(void)state;
	assert_int_equal(mt_setup(&t, "stages=s2", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_pt_init(&t, &pt, 2, 12, 40), 0);
	mt_ste_s2(dw, 4, &pt, 48);
	mt_ste_write(&t, SID, dw);
	a = mt_alloc(&t, 0);
	b = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, REGION, a, 12, MT_RW);
	mt_pt_map(&t, &pt, REGION + 0x1000, a, 12, MT_RW);
	assert_int_equal(mt_pa_of(&t, SID, REGION), a);
	l2slot = mt_pt_slot(&t, &pt, REGION, 2);
	old_l3 = lpae_desc_to_oa(mt_r64(&t, l2slot), 12);
	new_l3 = mt_alloc(&t, 0);
	mt_w64(&t, new_l3 + 8, (mt_r64(&t, old_l3 + 8) & ~LPAE_DESC_OA_48) | b);
	mt_w64(&t, l2slot, new_l3 | 3);
	assert_int_equal(mt_pa_of(&t, SID, REGION + 0x1000), a);
	/* Leaf S2_IPA: the walk entry survives; non-leaf: gone. */
	mt_cmd(&t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_S2_IPA,
					 .tlbi = { .vmid = 4, .addr = REGION + 0x1000,
						   .leaf = true } });
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(mt_pa_of(&t, SID, REGION + 0x1000), a);
	mt_cmd(&t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_S2_IPA,
					 .tlbi = { .vmid = 4, .addr = REGION + 0x1000 } });
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(mt_pa_of(&t, SID, REGION + 0x1000), b);
	mt_teardown(&t);
}

/*
 * Walks that fault are never cached, not even their valid table
 * descriptors: the walk cache is unchanged after a faulting walk (missing
 * leaf, permission, stage 2 of the output in a nested-free S2 stream), and
 * filled by the first walk that succeeds.
 */
static void test_faulting_walk_not_cached(void **state)
{
	struct mt t;
	struct mt_pt pt, s2;
	uint64_t a, dw[4];
	char b[4];

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_s1_stream(&t, SID, 1, &pt), 0);
	a = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, 0x1000, a, 12, MT_R);	/* creates L1..L3 */
	mt_pt_unmap(&t, &pt, 0x1000);
	assert_int_equal(mt_stats(&t).walkcache_valid, 0);
	/* No leaf: F_TRANSLATION at level 3 after three table descriptors. */
	assert_int_equal(mt_dma_read(&t, SID, 0x1000, b, 4),
			 SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(mt_stats(&t).walkcache_valid, 0);
	/* Read-only leaf written: F_PERMISSION, still nothing cached. */
	mt_pt_map(&t, &pt, 0x1000, a, 12, MT_R);
	assert_int_equal(mt_dma_write(&t, SID, 0x1000, b, 4),
			 SMMUV3_EVT_F_PERMISSION);
	assert_int_equal(mt_stats(&t).walkcache_valid, 0);
	assert_int_equal(mt_stats(&t).walk_faults, 2);
	/* The first walk that succeeds fills levels 0..2. */
	assert_int_equal(mt_dma_read(&t, SID, 0x1000, b, 4), 0);
	assert_int_equal(mt_stats(&t).walkcache_valid, 3);

	/* Stage 2: a leaf beyond S2PS (F_ADDR_SIZE) is not cached either. */
	assert_int_equal(mt_pt_init(&t, &s2, 2, 12, 40), 0);
	mt_pt_map(&t, &s2, 0x2000, UINT64_C(1) << 40, 12, MT_RW);
	mt_ste_s2(dw, 2, &s2, 40);
	mt_ste_write(&t, SID + 1, dw);
	mt_cfgi_ste(&t, SID + 1);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(mt_dma_read(&t, SID + 1, 0x2000, b, 4),
			 SMMUV3_EVT_F_ADDR_SIZE);
	assert_int_equal(mt_stats(&t).walkcache_valid, 3);
	mt_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stale_until_nonleaf),
		cmocka_unit_test(test_by_asid_and_all),
		cmocka_unit_test(test_no_walk_cache),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_stage2_walk_cache),
		cmocka_unit_test(test_faulting_walk_not_cached),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * The IOTLB goes stale: after a page-table change, the old translation is
 * used until an architecturally matching TLBI completes (at the next
 * CMD_SYNC). Each command is checked for what it must invalidate and what
 * it must leave alone: by VA / VAA (single and range, TTL), by ASID
 * (global entries survive), NH_ALL, S2_IPA, S12_VMALL, NSNH_ALL, EL2_*.
 * Blocks are held as blocks; capacity evicts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "model_testlib.h"

struct fx {
	struct mt t;
	struct mt_pt pt1, pt2;	/* SID 1: ASID 1; SID 2: ASID 2 */
	uint64_t a, b;		/* old and new target pages */
};

static void fx_setup(struct fx *f, const char *features, const char *prof)
{
	assert_int_equal(mt_setup(&f->t, features, prof), 0);
	assert_int_equal(mt_enable(&f->t, 6, false), 0);
	assert_int_equal(mt_s1_stream(&f->t, 1, 1, &f->pt1), 0);
	assert_int_equal(mt_s1_stream(&f->t, 2, 2, &f->pt2), 0);
	f->a = mt_alloc(&f->t, 0);
	f->b = mt_alloc(&f->t, 0);
}

/* Map iova -> a in the table, translate (fill), then remap to b. */
static void fill_then_remap(struct fx *f, struct mt_pt *pt, uint32_t sid,
			    uint64_t iova, unsigned prot)
{
	mt_pt_map(&f->t, pt, iova, f->a, 12, prot);
	assert_int_equal(mt_pa_of(&f->t, sid, iova), f->a);
	mt_pt_map(&f->t, pt, iova, f->b, 12, prot);
	assert_int_equal(mt_pa_of(&f->t, sid, iova), f->a);	/* stale */
}

static void cmd_sync(struct fx *f, const struct smmuv3_cmd *c)
{
	mt_cmd(&f->t, c);
	assert_int_equal(mt_sync(&f->t), 0);
}

static void test_by_va_and_asid(void **state)
{
	struct fx f;

	(void)state;
	fx_setup(&f, NULL, NULL);
	fill_then_remap(&f, &f.pt1, 1, 0x10000, MT_RW);
	fill_then_remap(&f, &f.pt1, 1, 0x11000, MT_RW);
	fill_then_remap(&f, &f.pt2, 2, 0x10000, MT_RW);

	/* NH_VA(ASID 1, 0x10000): only that entry. */
	cmd_sync(&f, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_VA,
					   .tlbi = { .asid = 1, .addr = 0x10000,
						     .leaf = true } });
	assert_int_equal(mt_pa_of(&f.t, 1, 0x10000), f.b);
	assert_int_equal(mt_pa_of(&f.t, 1, 0x11000), f.a);
	assert_int_equal(mt_pa_of(&f.t, 2, 0x10000), f.a);
	/* NH_VA of another VMID: nothing. */
	cmd_sync(&f, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_VA,
					   .tlbi = { .asid = 1, .vmid = 1,
						     .addr = 0x11000,
						     .leaf = true } });
	assert_int_equal(mt_pa_of(&f.t, 1, 0x11000), f.a);
	/* NH_ASID(2): ASID 2 only. */
	cmd_sync(&f, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_ASID,
					   .tlbi = { .asid = 2 } });
	assert_int_equal(mt_pa_of(&f.t, 2, 0x10000), f.b);
	assert_int_equal(mt_pa_of(&f.t, 1, 0x11000), f.a);
	/* NH_VAA(0x11000): every ASID. */
	fill_then_remap(&f, &f.pt2, 2, 0x11000, MT_RW);
	cmd_sync(&f, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_VAA,
					   .tlbi = { .addr = 0x11000,
						     .leaf = true } });
	assert_int_equal(mt_pa_of(&f.t, 1, 0x11000), f.b);
	assert_int_equal(mt_pa_of(&f.t, 2, 0x11000), f.b);
	/* NH_ALL(VMID 0): all stage-1 entries. */
	fill_then_remap(&f, &f.pt1, 1, 0x20000, MT_RW);
	fill_then_remap(&f, &f.pt2, 2, 0x20000, MT_RW);
	cmd_sync(&f, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_ALL,
					   .tlbi = { .vmid = 1 } });
	assert_int_equal(mt_pa_of(&f.t, 1, 0x20000), f.a);
	cmd_sync(&f, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_ALL });
	assert_int_equal(mt_pa_of(&f.t, 1, 0x20000), f.b);
	assert_int_equal(mt_pa_of(&f.t, 2, 0x20000), f.b);
	mt_teardown(&f.t);
}

static void test_global_entries(void **state)
{
	struct fx f;

	(void)state;
	fx_setup(&f, NULL, NULL);
	fill_then_remap(&f, &f.pt1, 1, 0x30000, MT_RW | MT_GLOBAL);
	/* A global entry serves other ASIDs of the VMID too. */
	assert_int_equal(mt_pa_of(&f.t, 2, 0x30000), f.a);
	cmd_sync(&f, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_ASID,
					   .tlbi = { .asid = 1 } });
	assert_int_equal(mt_pa_of(&f.t, 1, 0x30000), f.a);
	/* NH_VA with any ASID removes a global entry. */
	cmd_sync(&f, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_VA,
					   .tlbi = { .asid = 7, .addr = 0x30000,
						     .leaf = true } });
	assert_int_equal(mt_pa_of(&f.t, 1, 0x30000), f.b);
	mt_teardown(&f.t);
}

static void test_range_and_ttl(void **state)
{
	struct fx f;
	uint64_t blk_a, blk_b;

	(void)state;
	fx_setup(&f, NULL, NULL);
	for (uint64_t i = 0; i < 6; i++)
		fill_then_remap(&f, &f.pt1, 1, 0x100000 + i * 0x1000, MT_RW);
	/* 4 pages from 0x101000: (NUM 3 + 1) << SCALE 0, TG 4K, TTL 3. */
	cmd_sync(&f, &(struct smmuv3_cmd){
			     .opcode = SMMUV3_OP_TLBI_NH_VA,
			     .tlbi = { .asid = 1, .addr = 0x101000, .leaf = true,
				       .tg = CMD1_TG_4K, .ttl = 3, .num = 3 } });
	assert_int_equal(mt_pa_of(&f.t, 1, 0x100000), f.a);
	for (uint64_t i = 1; i < 5; i++)
		assert_int_equal(mt_pa_of(&f.t, 1, 0x100000 + i * 0x1000), f.b);
	assert_int_equal(mt_pa_of(&f.t, 1, 0x105000), f.a);
	/* TTL 2 over the whole first 2 MiB does not touch level-3 entries. */
	cmd_sync(&f, &(struct smmuv3_cmd){
			     .opcode = SMMUV3_OP_TLBI_NH_VA,
			     .tlbi = { .asid = 1, .addr = 0, .leaf = true,
				       .tg = CMD1_TG_4K, .ttl = 2, .scale = 9 } });
	assert_int_equal(mt_pa_of(&f.t, 1, 0x100000), f.a);
	/* A 2 MiB block is held as one entry, hit by any address in it. */
	blk_a = mt_alloc(&f.t, 9);
	blk_b = mt_alloc(&f.t, 9);
	mt_pt_map(&f.t, &f.pt1, 0x40000000, blk_a, 21, MT_RW);
	assert_int_equal(mt_pa_of(&f.t, 1, 0x40000000), blk_a);
	mt_pt_map(&f.t, &f.pt1, 0x40000000, blk_b, 21, MT_RW);
	assert_int_equal(mt_pa_of(&f.t, 1, 0x401ff000), blk_a + 0x1ff000);
	/* TTL 3 misses the level-2 block; TTL 2 hits it. */
	cmd_sync(&f, &(struct smmuv3_cmd){
			     .opcode = SMMUV3_OP_TLBI_NH_VA,
			     .tlbi = { .asid = 1, .addr = 0x40000000, .leaf = true,
				       .tg = CMD1_TG_4K, .ttl = 3, .num = 1 } });
	assert_int_equal(mt_pa_of(&f.t, 1, 0x40000000), blk_a);
	/* A single-address TLBI in the middle of the block. */
	cmd_sync(&f, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_VA,
					   .tlbi = { .asid = 1,
						     .addr = 0x40123000,
						     .leaf = true } });
	assert_int_equal(mt_pa_of(&f.t, 1, 0x40000000), blk_b);
	mt_teardown(&f.t);
}

static void test_stage2_and_vmall(void **state)
{
	struct mt t;
	struct mt_pt p5, p6;
	uint64_t dw[4], a, b;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_pt_init(&t, &p5, 2, 12, 40), 0);
	assert_int_equal(mt_pt_init(&t, &p6, 2, 12, 40), 0);
	mt_ste_s2(dw, 5, &p5, 48);
	mt_ste_write(&t, 5, dw);
	mt_ste_s2(dw, 6, &p6, 48);
	mt_ste_write(&t, 6, dw);
	a = mt_alloc(&t, 0);
	b = mt_alloc(&t, 0);
	for (uint32_t sid = 5; sid <= 6; sid++) {
		struct mt_pt *p = sid == 5 ? &p5 : &p6;

		mt_pt_map(&t, p, 0x1000, a, 12, MT_RW);
		mt_pt_map(&t, p, 0x2000, a, 12, MT_RW);
		assert_int_equal(mt_pa_of(&t, sid, 0x1000), a);
		assert_int_equal(mt_pa_of(&t, sid, 0x2000), a);
		mt_pt_map(&t, p, 0x1000, b, 12, MT_RW);
		mt_pt_map(&t, p, 0x2000, b, 12, MT_RW);
	}
	/* Stage-1 commands leave stage-2 entries alone. */
	mt_cmd(&t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_ALL,
					 .tlbi = { .vmid = 5 } });
	mt_cmd(&t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_VAA,
					 .tlbi = { .vmid = 5, .addr = 0x1000 } });
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(mt_pa_of(&t, 5, 0x1000), a);
	/* S2_IPA(VMID 5, 0x1000). */
	mt_cmd(&t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_S2_IPA,
					 .tlbi = { .vmid = 5, .addr = 0x1000,
						   .leaf = true } });
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(mt_pa_of(&t, 5, 0x1000), b);
	assert_int_equal(mt_pa_of(&t, 5, 0x2000), a);
	assert_int_equal(mt_pa_of(&t, 6, 0x1000), a);
	/* S12_VMALL(6). */
	mt_cmd(&t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_S12_VMALL,
					 .tlbi = { .vmid = 6 } });
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(mt_pa_of(&t, 6, 0x1000), b);
	assert_int_equal(mt_pa_of(&t, 6, 0x2000), b);
	assert_int_equal(mt_pa_of(&t, 5, 0x2000), a);
	/* NSNH_ALL. */
	mt_cmd(&t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NSNH_ALL });
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(mt_pa_of(&t, 5, 0x2000), b);
	mt_teardown(&t);
}

static void test_el2(void **state)
{
	struct fx f;
	uint64_t dw[4], cd;
	struct mt_pt pe;

	(void)state;
	fx_setup(&f, "hyp", NULL);
	/* SID 3: stage 1 in the EL2 regime, ASID 1 like SID 1. */
	assert_int_equal(mt_pt_init(&f.t, &pe, 1, 12, 48), 0);
	cd = mt_alloc(&f.t, 0);
	mt_cd_write(&f.t, cd, 1, &pe);
	mt_ste_s1(dw, cd);
	dw[1] |= smmukit_field_prep(STE1_STRW, STE1_STRW_EL2);
	mt_ste_write(&f.t, 3, dw);
	fill_then_remap(&f, &pe, 3, 0x1000, MT_RW);
	fill_then_remap(&f, &f.pt1, 1, 0x1000, MT_RW);
	/* NH commands do not touch EL2 entries and vice versa. */
	cmd_sync(&f, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NSNH_ALL });
	assert_int_equal(mt_pa_of(&f.t, 3, 0x1000), f.a);
	assert_int_equal(mt_pa_of(&f.t, 1, 0x1000), f.b);
	fill_then_remap(&f, &f.pt1, 1, 0x2000, MT_RW);
	cmd_sync(&f, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_EL2_VA,
					   .tlbi = { .asid = 1, .addr = 0x1000,
						     .leaf = true } });
	assert_int_equal(mt_pa_of(&f.t, 3, 0x1000), f.b);
	fill_then_remap(&f, &pe, 3, 0x3000, MT_RW);
	cmd_sync(&f, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_EL2_ASID,
					   .tlbi = { .asid = 2 } });
	assert_int_equal(mt_pa_of(&f.t, 3, 0x3000), f.a);
	cmd_sync(&f, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_EL2_ASID,
					   .tlbi = { .asid = 1 } });
	assert_int_equal(mt_pa_of(&f.t, 3, 0x3000), f.b);
	fill_then_remap(&f, &pe, 3, 0x4000, MT_RW);
	cmd_sync(&f, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_EL2_VAA,
					   .tlbi = { .addr = 0x4000 } });
	assert_int_equal(mt_pa_of(&f.t, 3, 0x4000), f.b);
	fill_then_remap(&f, &pe, 3, 0x5000, MT_RW);
	cmd_sync(&f, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_EL2_ALL });
	assert_int_equal(mt_pa_of(&f.t, 3, 0x5000), f.b);
	assert_int_equal(mt_pa_of(&f.t, 1, 0x2000), f.a);
	mt_teardown(&f.t);
}

static void test_capacity(void **state)
{
	struct fx f;
	struct smmukit_model_stats s;

	(void)state;
	fx_setup(&f, NULL, "iotlb_entries=8\niotlb_ways=2\n");
	for (uint64_t i = 0; i < 32; i++) {
		mt_pt_map(&f.t, &f.pt1, i << 12, f.a, 12, MT_RW);
		assert_int_equal(mt_pa_of(&f.t, 1, i << 12), f.a);
	}
	s = mt_stats(&f.t);
	assert_int_equal(s.iotlb_misses, 32);
	assert_int_equal(s.iotlb_evictions, 24);
	assert_int_equal(s.iotlb_valid, 8);
	/* Evictions end exposure windows too: logged with opcode 0. */
	{
		struct smmukit_model_inval_rec rec[32];
		uint64_t cursor = 0;

		assert_int_equal(smmukit_model_read_invlog(f.t.m, &cursor, rec,
							   32, NULL), 24);
		assert_int_equal(rec[0].opcode, 0);
		assert_int_equal(rec[0].iova, 0);
		assert_int_equal(rec[0].pa, f.a);
	}
	/* Evicted entries are refetched from the (changed) table. */
	mt_pt_map(&f.t, &f.pt1, 0, f.b, 12, MT_RW);
	assert_int_equal(mt_pa_of(&f.t, 1, 0), f.b);
	mt_teardown(&f.t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_by_va_and_asid),
		cmocka_unit_test(test_global_entries),
		cmocka_unit_test(test_range_and_ttl),
		cmocka_unit_test(test_stage2_and_vmall),
		cmocka_unit_test(test_el2),
		cmocka_unit_test(test_capacity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

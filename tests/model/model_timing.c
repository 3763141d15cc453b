/* SPDX-License-Identifier: MIT */
/*
 * The timing rules on the manual clock, exactly: commands complete at
 * max(submit, busy_until) + cost; CONS moves only when that time comes; a
 * CMD_SYNC waits for everything before it; relax() jumps time to the next
 * due event; an invalidation is invisible before the next CMD_SYNC's
 * completion; translation costs come from the profile; the invalidation
 * log carries fill, command and completion times.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "model_testlib.h"

#define PROFILE "cmd_tlbi_asid_ns=100\ncmd_tlbi_va_ns=40\ncmd_sync_ns=50\n" \
		"cmd_cfgi_ns=20\nwalk_level_ns=7\niotlb_hit_ns=3\n"           \
		"iotlb_miss_ns=11\ncfg_fetch_ns=13\n"

static uint64_t now(struct mt *t)
{
	return smmukit_plat_clock_ns(t->plat);
}

static void set_time(struct mt *t, uint64_t ns)
{
	smmukit_posix_clock_set(t->plat, ns);
}

static uint64_t pa_of(struct mt *t, uint32_t sid, uint64_t iova,
		      struct smmukit_model_dma_result *r)
{
	struct smmukit_model_dma_result local;

	if (!r)
		r = &local;
	if (smmukit_model_translate(t->m, sid, SMMUKIT_MODEL_NO_SSID, iova,
				    false, r))
		return 0;
	return r->pa;
}

static void test_busy_until_and_cons(void **state)
{
	struct mt t;
	uint64_t t0;
	uint32_t sync1, sync2;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, PROFILE), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	set_time(&t, 1000000);
	t0 = now(&t);
	mt_tlbi_asid(&t, 1, 0);			/* done at t0 + 100 */
	sync1 = mt_sync_submit(&t);		/* done at t0 + 150 */
	assert_int_equal(smmukit_model_next_due_ns(t.m), t0 + 100);
	set_time(&t, t0 + 10);
	mt_tlbi_asid(&t, 2, 0);			/* queued behind: t0 + 250 */
	sync2 = mt_sync_submit(&t);		/* t0 + 300 */
	set_time(&t, t0 + 99);
	assert_int_equal(smmuv3_q_ptr(mt_rd32(&t, SMMUV3_CMDQ_CONS), 8),
			 smmuv3_q_ptr(sync1, 8) - 1);
	set_time(&t, t0 + 100);
	assert_int_equal(smmuv3_q_ptr(mt_rd32(&t, SMMUV3_CMDQ_CONS), 8),
			 smmuv3_q_ptr(sync1, 8));
	set_time(&t, t0 + 149);
	assert_false(mt_consumed(&t, sync1));
	set_time(&t, t0 + 150);
	assert_true(mt_consumed(&t, sync1));
	assert_false(mt_consumed(&t, sync2));
	/* relax() jumps straight to the next due event. */
	smmukit_plat_relax(t.plat);
	assert_int_equal(now(&t), t0 + 250);
	assert_false(mt_consumed(&t, sync2));
	smmukit_plat_relax(t.plat);
	assert_int_equal(now(&t), t0 + 300);
	assert_true(mt_consumed(&t, sync2));
	assert_int_equal(mt_stats(&t).busy_until_ns, t0 + 300);
	assert_int_equal(smmukit_model_next_due_ns(t.m), UINT64_MAX);
	/* An idle queue starts from now, not from the old busy time. */
	set_time(&t, t0 + 1000);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(now(&t), t0 + 1050);
	mt_teardown(&t);
}

static void test_invalidation_waits_for_sync(void **state)
{
	struct mt t;
	struct mt_pt pt;
	uint64_t a, b, t0;
	struct smmukit_model_inval_rec rec[4];
	uint64_t cursor = 0;
	uint32_t slot;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, PROFILE), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_s1_stream(&t, 1, 1, &pt), 0);
	a = mt_alloc(&t, 0);
	b = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, 0x5000, a, 12, MT_RW);
	set_time(&t, 2000000);
	assert_int_equal(pa_of(&t, 1, 0x5000, NULL), a);	/* filled at t0 */
	t0 = now(&t);
	mt_pt_map(&t, &pt, 0x5000, b, 12, MT_RW);
	mt_tlbi_va(&t, 1, 0x5000, true);	/* consumed at t0 + 40 */
	/* Consumed, but no sync: the old translation stays, for ever. */
	set_time(&t, t0 + 1000000);
	assert_int_equal(mt_stats(&t).cmds_by_op[SMMUV3_OP_TLBI_NH_VA], 1);
	assert_int_equal(pa_of(&t, 1, 0x5000, NULL), a);
	/* A sync submitted now completes 50 ns later; not visible before. */
	slot = mt_sync_submit(&t);
	set_time(&t, t0 + 1000049);
	assert_int_equal(pa_of(&t, 1, 0x5000, NULL), a);
	assert_false(mt_consumed(&t, slot));
	set_time(&t, t0 + 1000050);
	assert_int_equal(pa_of(&t, 1, 0x5000, NULL), b);
	assert_true(mt_consumed(&t, slot));
	/* The invalidation log has the exact times. */
	assert_int_equal(smmukit_model_read_invlog(t.m, &cursor, rec, 4, NULL),
			 1);
	assert_int_equal(rec[0].fill_ns, t0);
	assert_int_equal(rec[0].cmd_ns, t0 + 40);
	assert_int_equal(rec[0].inval_ns, t0 + 1000050);
	assert_int_equal(rec[0].iova, 0x5000);
	assert_int_equal(rec[0].pa, a);
	assert_int_equal(rec[0].asid, 1);
	assert_int_equal(rec[0].opcode, SMMUV3_OP_TLBI_NH_VA);
	mt_teardown(&t);
}

static void test_cfgi_waits_for_sync(void **state)
{
	struct mt t;
	uint64_t dw[4] = { STE0_V | smmukit_field_prep(STE0_CFG,
							  STE0_CFG_BYPASS), 0,
			   0, 0 };
	uint64_t ab[4] = { STE0_V, 0, 0, 0 };

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, PROFILE), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	mt_ste_write(&t, 3, dw);
	assert_int_equal(pa_of(&t, 3, 0x80000000, NULL), 0x80000000);
	mt_ste_write(&t, 3, ab);
	mt_cfgi_ste(&t, 3);
	smmukit_posix_clock_advance(t.plat, 1000);
	assert_int_equal(pa_of(&t, 3, 0x80000000, NULL), 0x80000000);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(pa_of(&t, 3, 0x80000000, NULL), 0);
	mt_teardown(&t);
}

static void test_translation_costs(void **state)
{
	struct mt t;
	struct mt_pt pt;
	struct smmukit_model_dma_result r;
	uint64_t a;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, PROFILE), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_s1_stream(&t, 1, 1, &pt), 0);
	a = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, 0x5000, a, 12, MT_RW);
	mt_pt_map(&t, &pt, 0x6000, a, 12, MT_RW);
	/* First: STE + CD fetch, 4-level walk. */
	assert_int_equal(pa_of(&t, 1, 0x5000, &r), a);
	assert_false(r.iotlb_hit);
	assert_int_equal(r.cost_ns, 2 * 13 + 11 + 4 * 7);
	/* Hit. */
	assert_int_equal(pa_of(&t, 1, 0x5008, &r), a + 8);
	assert_true(r.iotlb_hit);
	assert_int_equal(r.cost_ns, 3);
	/* Miss with the walk cache holding the level-2 descriptor. */
	assert_int_equal(pa_of(&t, 1, 0x6000, &r), a);
	assert_int_equal(r.cost_ns, 11 + 1 * 7);
	/* The DMA call costs the same and the clock does not move. */
	{
		uint64_t t0 = now(&t);
		char buf[8];

		assert_int_equal(smmukit_model_dma(t.m, 1, SMMUKIT_MODEL_NO_SSID,
						   0x6000, 8, false, buf, &r), 0);
		assert_int_equal(r.cost_ns, 3);
		assert_int_equal(now(&t), t0);
	}
	mt_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_busy_until_and_cons),
		cmocka_unit_test(test_invalidation_waits_for_sync),
		cmocka_unit_test(test_cfgi_waits_for_sync),
		cmocka_unit_test(test_translation_costs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

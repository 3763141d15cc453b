/* SPDX-License-Identifier: MIT */
/*
 * Stream tables: linear and 2-level lookups, C_BAD_STREAMID (and its
 * CR2.RECINVSID gating), F_STE_FETCH, C_BAD_STE, abort and bypass STEs,
 * and the STE cache: stale until CFGI_STE / CFGI_STE_RANGE / CFGI_ALL,
 * untouched by non-matching invalidations.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "model_testlib.h"

static unsigned xlate(struct mt *t, uint32_t sid, uint64_t iova, bool *rec)
{
	struct smmukit_model_dma_result r;
	int ev = smmukit_model_translate(t->m, sid, SMMUKIT_MODEL_NO_SSID, iova,
					 false, &r);

	if (rec)
		*rec = r.recorded;
	return (unsigned)ev;
}

static void bypass_ste(uint64_t dw[4])
{
	dw[0] = STE0_V | smmukit_field_prep(STE0_CFG, STE0_CFG_BYPASS);
	dw[1] = smmukit_field_prep(STE1_SHCFG, STE1_SHCFG_INCOMING);
	dw[2] = dw[3] = 0;
}

static void test_linear(void **state)
{
	struct mt t;
	struct smmuv3_event e;
	uint64_t dw[4];
	bool rec;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(mt_enable(&t, 4, false), 0);	/* 16 STEs */
	bypass_ste(dw);
	mt_ste_write(&t, 15, dw);
	assert_int_equal(xlate(&t, 15, 0x80001000, NULL), 0);
	/* V = 0 */
	assert_int_equal(xlate(&t, 14, 0x1000, NULL), SMMUV3_EVT_C_BAD_STE);
	/* Beyond LOG2SIZE */
	assert_int_equal(xlate(&t, 16, 0x1000, &rec), SMMUV3_EVT_C_BAD_STREAMID);
	assert_true(rec);
	assert_int_equal(mt_evt_next(&t, &e), 1);
	assert_int_equal(e.id, SMMUV3_EVT_C_BAD_STE);
	assert_int_equal(e.sid, 14);
	assert_int_equal(mt_evt_next(&t, &e), 1);
	assert_int_equal(e.id, SMMUV3_EVT_C_BAD_STREAMID);
	assert_int_equal(e.sid, 16);
	assert_true(e.rnw);
	/* Without RECINVSID the bad SID is aborted silently. */
	mt_wr32(&t, SMMUV3_CR0, 0);
	mt_wr32(&t, SMMUV3_CR2, (uint32_t)CR2_PTM);
	mt_wr32(&t, SMMUV3_CR0, (uint32_t)(CR0_SMMUEN | CR0_CMDQEN |
					   CR0_EVENTQEN));
	assert_int_equal(xlate(&t, 16, 0x1000, &rec), SMMUV3_EVT_C_BAD_STREAMID);
	assert_false(rec);
	assert_int_equal(mt_evt_drain(&t), 0);
	mt_teardown(&t);
}

static void test_two_level(void **state)
{
	struct mt t;
	struct mt_pt pt;
	uint64_t data, l1;
	char buf[4];

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(mt_enable(&t, 16, true), 0);
	/* SID 0x0310: level-1 entry 3, level-2 slot 0x10. */
	assert_int_equal(mt_s1_stream(&t, 0x310, 1, &pt), 0);
	data = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, 0x4000, data, 12, MT_RW);
	assert_int_equal(mt_dma_read(&t, 0x310, 0x4000, buf, 4), 0);
	assert_int_equal(mt_ste_ptr(&t, 0x310),
			 (mt_r64(&t, t.strtab_pa + 3 * 8) & L1STD_L2PTR) +
				 0x10 * 64);
	/* SPAN = 0: no level-2 table. */
	assert_int_equal(xlate(&t, 0x510, 0, NULL), SMMUV3_EVT_C_BAD_STREAMID);
	/* SPAN = 1 (one STE): slot 0 valid range only. */
	l1 = mt_r64(&t, t.strtab_pa + 3 * 8);
	mt_w64(&t, t.strtab_pa + 4 * 8,
	       (l1 & L1STD_L2PTR) | smmukit_field_prep(L1STD_SPAN, 1));
	assert_int_equal(xlate(&t, 0x401, 0, NULL), SMMUV3_EVT_C_BAD_STREAMID);
	assert_int_equal(xlate(&t, 0x400, 0, NULL), SMMUV3_EVT_C_BAD_STE);
	/* A level-2 pointer outside RAM: F_STE_FETCH. */
	mt_w64(&t, t.strtab_pa + 5 * 8,
	       UINT64_C(0x1000) | smmukit_field_prep(L1STD_SPAN, 9));
	assert_int_equal(xlate(&t, 0x520, 0, NULL), SMMUV3_EVT_F_STE_FETCH);
	mt_evt_drain(&t);
	/* Beyond LOG2SIZE. */
	mt_teardown(&t);
}

static void test_two_level_unsupported(void **state)
{
	struct mt t;

	(void)state;
	assert_int_equal(mt_setup(&t, "strtab=linear", NULL), 0);
	assert_int_equal(mt_enable(&t, 8, true), 0);
	assert_int_equal(xlate(&t, 0, 0, NULL), SMMUV3_EVT_C_BAD_STREAMID);
	mt_teardown(&t);
}

static void test_fetch_abort_and_configs(void **state)
{
	struct mt t;
	uint64_t dw[4] = { 0 };
	struct smmukit_model_dma_result r;
	struct smmuv3_event e;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	/* Abort STE: no event. */
	dw[0] = STE0_V | smmukit_field_prep(STE0_CFG, STE0_CFG_ABORT);
	mt_ste_write(&t, 1, dw);
	assert_int_equal(smmukit_model_translate(t.m, 1, SMMUKIT_MODEL_NO_SSID,
						 0, false, &r),
			 SMMUKIT_MODEL_ABORT);
	assert_false(r.recorded);
	/* Reserved Config values are bad STEs. */
	for (unsigned cfg = 1; cfg < 4; cfg++) {
		dw[0] = STE0_V | smmukit_field_prep(STE0_CFG, cfg);
		mt_ste_write(&t, 2 + cfg, dw);
		assert_int_equal(xlate(&t, 2 + cfg, 0, NULL),
				 SMMUV3_EVT_C_BAD_STE);
	}
	assert_int_equal(mt_evt_drain(&t), 3);
	/* The stream table itself outside RAM. */
	mt_wr32(&t, SMMUV3_CR0, (uint32_t)(CR0_CMDQEN | CR0_EVENTQEN));
	mt_wr64(&t, SMMUV3_STRTAB_BASE, 0x10000);
	mt_wr32(&t, SMMUV3_CR0, (uint32_t)(CR0_SMMUEN | CR0_CMDQEN |
					   CR0_EVENTQEN));
	assert_int_equal(xlate(&t, 2, 0, NULL), SMMUV3_EVT_F_STE_FETCH);
	assert_int_equal(mt_evt_next(&t, &e), 1);
	assert_int_equal(e.id, SMMUV3_EVT_F_STE_FETCH);
	assert_int_equal(e.fetch_addr, 0x10000 + 2 * 64);
	/* STRTAB_BASE is refused while SMMUEN = 1. */
	mt_wr64(&t, SMMUV3_STRTAB_BASE, t.strtab_pa);
	assert_int_equal(mt_rd64(&t, SMMUV3_STRTAB_BASE), 0x10000);
	assert_int_equal(mt_stats(&t).refused_writes, 1);
	mt_teardown(&t);
}

static void test_ste_cache(void **state)
{
	struct mt t;
	uint64_t dw[4], ab[4] = { STE0_V, 0, 0, 0 };
	struct smmukit_model_stats s;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(mt_enable(&t, 8, false), 0);
	bypass_ste(dw);
	for (uint32_t sid = 0; sid < 8; sid++) {
		mt_ste_write(&t, sid, dw);
		assert_int_equal(xlate(&t, sid, 0x80000000, NULL), 0);
	}
	s = mt_stats(&t);
	assert_int_equal(s.cfgcache_misses, 8);
	/* Rewrite all eight as abort without invalidation: still bypass. */
	for (uint32_t sid = 0; sid < 8; sid++)
		mt_ste_write(&t, sid, ab);
	for (uint32_t sid = 0; sid < 8; sid++)
		assert_int_equal(xlate(&t, sid, 0x80000000, NULL), 0);
	/* CFGI_STE on SID 1: only SID 1 changes. */
	mt_cfgi_ste(&t, 1);
	/* CFGI_STE_RANGE, range 1 (2 SIDs) from 5: SIDs 4 and 5. */
	mt_cmd(&t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_CFGI_STE_RANGE,
					 .cfgi = { .sid = 5, .range = 0 } });
	/* Not before the sync. */
	assert_int_equal(xlate(&t, 1, 0x80000000, NULL), 0);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(xlate(&t, 1, 0x80000000, NULL), SMMUKIT_MODEL_ABORT);
	assert_int_equal(xlate(&t, 0, 0x80000000, NULL), 0);
	assert_int_equal(xlate(&t, 2, 0x80000000, NULL), 0);
	assert_int_equal(xlate(&t, 4, 0x80000000, NULL), SMMUKIT_MODEL_ABORT);
	assert_int_equal(xlate(&t, 5, 0x80000000, NULL), SMMUKIT_MODEL_ABORT);
	assert_int_equal(xlate(&t, 6, 0x80000000, NULL), 0);
	/* CFGI_CD and TLBIs do not touch STEs. */
	mt_cmd(&t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_CFGI_CD_ALL,
					 .cfgi = { .sid = 0 } });
	mt_cmd(&t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NSNH_ALL });
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(xlate(&t, 0, 0x80000000, NULL), 0);
	/* CFGI_ALL: everything. */
	mt_cfgi_all(&t);
	assert_int_equal(mt_sync(&t), 0);
	for (uint32_t sid = 0; sid < 8; sid++)
		assert_int_equal(xlate(&t, sid, 0x80000000, NULL),
				 SMMUKIT_MODEL_ABORT);
	mt_teardown(&t);
}

static void test_cache_capacity(void **state)
{
	struct mt t;
	uint64_t dw[4];
	struct smmukit_model_stats s;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, "cfgcache_entries=4\ncfgcache_ways=2\n"),
			 0);
	assert_int_equal(mt_enable(&t, 8, false), 0);
	bypass_ste(dw);
	for (uint32_t sid = 0; sid < 32; sid++) {
		mt_ste_write(&t, sid, dw);
		assert_int_equal(xlate(&t, sid, 0x80000000, NULL), 0);
	}
	s = mt_stats(&t);
	assert_true(s.cfgcache_evictions >= 28);
	assert_true(s.cfgcache_valid <= 4);
	mt_teardown(&t);
}

/*
 * Bypassed traffic beyond OAS (40 here) cannot be output: with a bypass STE
 * (or S1DSS = bypass) it is a stage-1 F_ADDR_SIZE, recorded with S2 = 0;
 * with SMMUEN = 0 and GBPA bypassing it aborts without an event.
 */
static void test_bypass_beyond_oas(void **state)
{
	struct mt t;
	struct smmuv3_event e;
	struct smmukit_model_dma_result r;
	uint64_t dw[4], top = (UINT64_C(1) << 40) - 0x1000;
	bool rec;

	(void)state;
	assert_int_equal(mt_setup(&t, "oas=40,ssidsize=4", NULL), 0);
	/* SMMU off, GBPA bypass. */
	mt_wr32(&t, SMMUV3_GBPA, (uint32_t)GBPA_UPDATE);
	assert_int_equal(smmukit_model_translate(t.m, 1, SMMUKIT_MODEL_NO_SSID,
						 top, false, &r), 0);
	assert_int_equal(r.pa, top);
	assert_int_equal(smmukit_model_translate(t.m, 1, SMMUKIT_MODEL_NO_SSID,
						 UINT64_C(1) << 40, false, &r),
			 SMMUKIT_MODEL_ABORT);
	assert_false(r.recorded);

	assert_int_equal(mt_enable(&t, 4, false), 0);
	bypass_ste(dw);
	mt_ste_write(&t, 3, dw);
	assert_int_equal(xlate(&t, 3, top, NULL), 0);
	assert_int_equal(xlate(&t, 3, UINT64_C(1) << 40, &rec),
			 SMMUV3_EVT_F_ADDR_SIZE);
	assert_true(rec);
	assert_int_equal(mt_evt_next(&t, &e), 1);
	assert_int_equal(e.id, SMMUV3_EVT_F_ADDR_SIZE);
	assert_int_equal(e.sid, 3);
	assert_false(e.s2);
	assert_int_equal(e.class_, EVT1_CLASS_IN);
	assert_int_equal(e.input_addr, UINT64_C(1) << 40);
	/* Stage-1 STE whose substream-less traffic bypasses (S1DSS). */
	mt_ste_s1(dw, mt_alloc(&t, 0));
	dw[0] |= smmukit_field_prep(STE0_S1CDMAX, 2);
	dw[1] |= smmukit_field_prep(STE1_S1DSS, STE1_S1DSS_BYPASS);
	mt_ste_write(&t, 4, dw);
	assert_int_equal(xlate(&t, 4, top, NULL), 0);
	assert_int_equal(xlate(&t, 4, UINT64_C(1) << 52, &rec),
			 SMMUV3_EVT_F_ADDR_SIZE);
	assert_true(rec);
	assert_int_equal(mt_evt_next(&t, &e), 1);
	assert_false(e.s2);
	assert_int_equal(mt_evt_next(&t, &e), 0);
	mt_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linear),
		cmocka_unit_test(test_bypass_beyond_oas),
		cmocka_unit_test(test_two_level),
		cmocka_unit_test(test_two_level_unsupported),
		cmocka_unit_test(test_fetch_abort_and_configs),
		cmocka_unit_test(test_ste_cache),
		cmocka_unit_test(test_cache_capacity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

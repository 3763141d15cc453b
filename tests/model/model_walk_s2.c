/* SPDX-License-Identifier: MIT */
/*
 * Stage-2 walks: granules, start levels, concatenated top tables, S2AP,
 * AF, S2PS output size, S2R gating, event fields (S2, CLASS, IPA) and the
 * STE checks that make a stage-2 STE bad.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "model_testlib.h"

#define SID 9

static void s2_stream(struct mt *t, const struct mt_pt *pt, uint32_t vmid,
		      unsigned ps_bits)
{
	uint64_t dw[4];

	mt_ste_s2(dw, vmid, pt, ps_bits);
	mt_ste_write(t, SID, dw);
	mt_cfgi_ste(t, SID);
	assert_int_equal(mt_sync(t), 0);
}

static unsigned xlate(struct mt *t, uint64_t ipa, bool w, uint64_t *pa)
{
	struct smmukit_model_dma_result r;
	int ev = smmukit_model_translate(t->m, SID, SMMUKIT_MODEL_NO_SSID, ipa,
					 w, &r);

	if (pa)
		*pa = r.pa;
	return (unsigned)ev;
}

static void test_s2_granules(void **state)
{
	static const struct { unsigned pg, ias; } cases[] = {
		{ 12, 32 }, { 12, 39 }, { 12, 44 }, { 12, 48 },
		{ 14, 40 }, { 16, 42 }, { 16, 48 },
	};

	(void)state;
	for (size_t i = 0; i < SMMUKIT_ARRAY_SIZE(cases); i++) {
		struct mt t;
		struct mt_pt pt;
		unsigned pg = cases[i].pg;
		uint64_t data, pa, page = UINT64_C(1) << pg;

		assert_int_equal(mt_setup(&t, "stages=s2", NULL), 0);
		assert_int_equal(mt_enable(&t, 6, false), 0);
		assert_int_equal(mt_pt_init(&t, &pt, 2, pg, cases[i].ias), 0);
		s2_stream(&t, &pt, 7, 48);
		data = mt_alloc(&t, pg - 12);
		mt_pt_map(&t, &pt, 5 * page, data, pg, MT_RW);
		assert_int_equal(xlate(&t, 5 * page + 0x24, true, &pa), 0);
		assert_int_equal(pa, data + 0x24);
		assert_int_equal(xlate(&t, 6 * page, false, NULL),
				 SMMUV3_EVT_F_TRANSLATION);
		mt_teardown(&t);
	}
}

static void test_s2_concatenated(void **state)
{
	struct mt t;
	struct mt_pt pt;
	uint64_t data, pa, hi = UINT64_C(1) << 39;

	(void)state;
	/* 4K, IPA 40: start at level 1 with two concatenated tables. */
	assert_int_equal(mt_setup(&t, "stages=s2", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	pt.stage = 2;
	pt.pg = 12;
	pt.ias = 40;
	pt.start = 1;
	pt.top_bits = 10;
	pt.root = mt_alloc(&t, 1);
	s2_stream(&t, &pt, 3, 48);
	data = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, hi + 0x3000, data, 12, MT_RW);
	assert_int_equal(xlate(&t, hi + 0x3010, false, &pa), 0);
	assert_int_equal(pa, data + 0x10);
	/* The slot used sits in the second table of the pair. */
	assert_true(mt_pt_slot(&t, &pt, hi, 1) >= pt.root + 4096);
	mt_teardown(&t);
}

static void test_s2_perms_events(void **state)
{
	struct mt t;
	struct mt_pt pt;
	struct smmuv3_event e;
	uint64_t data;

	(void)state;
	assert_int_equal(mt_setup(&t, "stages=s2,oas=40", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_pt_init(&t, &pt, 2, 12, 40), 0);
	s2_stream(&t, &pt, 5, 36);
	data = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, 0x1000, data, 12, MT_R);
	mt_pt_map(&t, &pt, 0x2000, data, 12, MT_W);
	mt_pt_map(&t, &pt, 0x3000, data, 12, MT_RW | MT_NOAF);
	mt_pt_map(&t, &pt, 0x4000, UINT64_C(0x1000000000), 12, MT_RW);
	assert_int_equal(xlate(&t, 0x1000, false, NULL), 0);
	assert_int_equal(xlate(&t, 0x1000, true, NULL), SMMUV3_EVT_F_PERMISSION);
	assert_int_equal(xlate(&t, 0x2000, true, NULL), 0);
	assert_int_equal(xlate(&t, 0x2000, false, NULL), SMMUV3_EVT_F_PERMISSION);
	assert_int_equal(xlate(&t, 0x3000, false, NULL), SMMUV3_EVT_F_ACCESS);
	/* S2PS = 36 bits: 0x10_0000_0000 is out of range. */
	assert_int_equal(xlate(&t, 0x4000, false, NULL), SMMUV3_EVT_F_ADDR_SIZE);
	/* Beyond the 40-bit IAS (= OAS): a stage-1 address size fault. */
	assert_int_equal(xlate(&t, UINT64_C(1) << 40, false, NULL),
			 SMMUV3_EVT_F_ADDR_SIZE);
	assert_int_equal(mt_evt_next(&t, &e), 1);
	assert_int_equal(e.id, SMMUV3_EVT_F_PERMISSION);
	assert_true(e.s2);
	assert_int_equal(e.class_, EVT1_CLASS_IN);
	assert_int_equal(e.ipa, 0x1000);
	assert_int_equal(e.input_addr, 0x1000);
	assert_false(e.rnw);
	assert_int_equal(mt_evt_drain(&t), 4);
	mt_teardown(&t);
}

static void test_s2r_gating(void **state)
{
	struct mt t;
	struct mt_pt pt;
	uint64_t dw[4];
	struct smmukit_model_dma_result r;

	(void)state;
	assert_int_equal(mt_setup(&t, "stages=s2", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_pt_init(&t, &pt, 2, 12, 40), 0);
	mt_ste_s2(dw, 1, &pt, 48);
	dw[2] &= ~STE2_S2R;
	mt_ste_write(&t, SID, dw);
	assert_int_equal(smmukit_model_translate(t.m, SID, SMMUKIT_MODEL_NO_SSID,
						 0x1000, false, &r),
			 SMMUV3_EVT_F_TRANSLATION);
	assert_false(r.recorded);
	assert_int_equal(mt_evt_drain(&t), 0);
	mt_teardown(&t);
}

static void test_bad_s2_ste(void **state)
{
	struct mt t;
	struct mt_pt pt;
	uint64_t dw[4], good[4];
	struct smmuv3_event e;
	const struct { uint64_t clear, set; } bad[] = {
		{ STE2_S2AA64, 0 },
		{ 0, STE2_S2ENDI },
		{ 0, STE2_S2HA },
		{ STE2_S2SL0, smmukit_field_prep(STE2_S2SL0, 3) },
		{ STE2_S2SL0, smmukit_field_prep(STE2_S2SL0, 0) },	/* L2 for 40 bits */
		{ STE2_S2T0SZ, smmukit_field_prep(STE2_S2T0SZ, 5) },
		{ STE2_S2PS, smmukit_field_prep(STE2_S2PS, 7) },
		{ STE2_S2TG, smmukit_field_prep(STE2_S2TG, 3) },
	};

	(void)state;
	assert_int_equal(mt_setup(&t, "stages=s2,vmid16=0", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_pt_init(&t, &pt, 2, 12, 40), 0);
	mt_ste_s2(good, 1, &pt, 48);
	for (size_t i = 0; i < SMMUKIT_ARRAY_SIZE(bad); i++) {
		memcpy(dw, good, sizeof(dw));
		dw[2] = (dw[2] & ~bad[i].clear) | bad[i].set;
		mt_ste_write(&t, SID, dw);
		mt_cfgi_ste(&t, SID);
		assert_int_equal(mt_sync(&t), 0);
		assert_int_equal(xlate(&t, 0, false, NULL), SMMUV3_EVT_C_BAD_STE);
		assert_int_equal(mt_evt_next(&t, &e), 1);
		assert_int_equal(e.id, SMMUV3_EVT_C_BAD_STE);
		assert_int_equal(e.sid, SID);
	}
	/* A 16-bit VMID on an 8-bit SMMU. */
	memcpy(dw, good, sizeof(dw));
	dw[2] |= smmukit_field_prep(STE2_S2VMID, 0x1234);
	mt_ste_write(&t, SID, dw);
	mt_cfgi_ste(&t, SID);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(xlate(&t, 0, false, NULL), SMMUV3_EVT_C_BAD_STE);
	/* Stage 1 on an S2-only SMMU. */
	dw[0] = STE0_V | smmukit_field_prep(STE0_CFG, STE0_CFG_S1_TRANS);
	mt_ste_write(&t, SID, dw);
	mt_cfgi_ste(&t, SID);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(xlate(&t, 0, false, NULL), SMMUV3_EVT_C_BAD_STE);
	mt_teardown(&t);
}

/* One translation that faults, and its event record. */
static void expect_fault(struct mt *t, uint32_t sid, uint64_t in, unsigned ev,
			 bool s2, uint64_t ipa)
{
	struct smmukit_model_dma_result r;
	struct smmuv3_event e;

	assert_int_equal(smmukit_model_translate(t->m, sid, SMMUKIT_MODEL_NO_SSID,
						 in, false, &r), (int)ev);
	assert_true(r.recorded);
	assert_int_equal(mt_evt_next(t, &e), 1);
	assert_int_equal(e.id, ev);
	assert_int_equal(e.sid, sid);
	assert_int_equal(e.s2, s2);
	assert_int_equal(e.class_, EVT1_CLASS_IN);
	assert_int_equal(e.input_addr, in);
	if (s2)
		assert_int_equal(e.ipa, ipa);
	assert_int_equal(mt_evt_next(t, &e), 0);
}

/*
 * Stage 1 bypassed (stage-2-only STE, or S1DSS = bypass on a nested STE):
 * an input beyond IAS (= OAS 44 here) is a stage-1 F_ADDR_SIZE with S2 = 0;
 * inside IAS but beyond S2T0SZ it is a stage-2 F_TRANSLATION. A stage-2
 * input size beyond IAS makes the STE bad.
 */
static void test_s2_input_beyond_ias(void **state)
{
	struct mt t;
	struct mt_pt pt, big;
	uint64_t dw[4], data, pa;

	(void)state;
	assert_int_equal(mt_setup(&t, "stages=s1s2,oas=44,ssidsize=4", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_pt_init(&t, &pt, 2, 12, 40), 0);
	data = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, 0x5000, data, 12, MT_RW);
	s2_stream(&t, &pt, 5, 44);
	assert_int_equal(xlate(&t, 0x5010, false, &pa), 0);
	assert_int_equal(pa, data + 0x10);
	expect_fault(&t, SID, UINT64_C(1) << 41, SMMUV3_EVT_F_TRANSLATION, true,
		     UINT64_C(1) << 41);
	expect_fault(&t, SID, UINT64_C(1) << 44, SMMUV3_EVT_F_ADDR_SIZE, false,
		     0);
	expect_fault(&t, SID, UINT64_C(1) << 50, SMMUV3_EVT_F_ADDR_SIZE, false,
		     0);

	/* Nested STE, no SSID, S1DSS = bypass: stage 2 only. */
	mt_ste_nested(dw, 0, 6, &pt, 44);
	dw[0] |= smmukit_field_prep(STE0_S1CDMAX, 2);
	dw[1] |= smmukit_field_prep(STE1_S1DSS, STE1_S1DSS_BYPASS);
	mt_ste_write(&t, SID + 1, dw);
	mt_cfgi_ste(&t, SID + 1);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(smmukit_model_translate(t.m, SID + 1,
						 SMMUKIT_MODEL_NO_SSID, 0x5010,
						 false, NULL), 0);
	expect_fault(&t, SID + 1, UINT64_C(1) << 42, SMMUV3_EVT_F_TRANSLATION,
		     true, UINT64_C(1) << 42);
	expect_fault(&t, SID + 1, UINT64_C(1) << 47, SMMUV3_EVT_F_ADDR_SIZE,
		     false, 0);

	/* S2T0SZ for 48 bits with IAS = 44: C_BAD_STE. */
	assert_int_equal(mt_pt_init(&t, &big, 2, 12, 48), 0);
	mt_ste_s2(dw, 5, &big, 44);
	mt_ste_write(&t, SID + 2, dw);
	mt_cfgi_ste(&t, SID + 2);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(smmukit_model_translate(t.m, SID + 2,
						 SMMUKIT_MODEL_NO_SSID, 0x5000,
						 false, NULL),
			 SMMUV3_EVT_C_BAD_STE);
	assert_int_equal(mt_evt_drain(&t), 1);
	mt_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_s2_granules),
		cmocka_unit_test(test_s2_concatenated),
		cmocka_unit_test(test_s2_perms_events),
		cmocka_unit_test(test_s2r_gating),
		cmocka_unit_test(test_bad_s2_ste),
		cmocka_unit_test(test_s2_input_beyond_ias),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

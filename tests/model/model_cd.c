/* SPDX-License-Identifier: MIT */
/*
 * Context descriptors: the checks that make a CD bad, F_CD_FETCH,
 * substreams (C_BAD_SUBSTREAMID, S1DSS terminate / bypass / SSID0), and
 * the CD cache: stale until CFGI_CD / CFGI_CD_ALL / CFGI_STE, untouched by
 * invalidations of other SIDs or SSIDs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "model_testlib.h"

#define SID 2

static unsigned xlate_ss(struct mt *t, uint32_t ssid, uint64_t iova,
			 uint64_t *pa)
{
	struct smmukit_model_dma_result r;
	int ev = smmukit_model_translate(t->m, SID, ssid, iova, false, &r);

	if (pa)
		*pa = r.pa;
	return (unsigned)ev;
}

static void cfgi_cd(struct mt *t, uint32_t sid, uint32_t ssid, bool ssv)
{
	mt_cmd(t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_CFGI_CD,
					.cfgi = { .sid = sid, .ssid = ssid,
						  .ssv = ssv, .leaf = true } });
}

static void test_bad_cds(void **state)
{
	struct mt t;
	struct mt_pt pt;
	uint64_t cd, dw[4], good0, misaligned;
	struct smmuv3_event e;
	const struct { uint64_t clear, set; } bad[] = {
		{ CD0_V, 0 },
		{ CD0_AA64, 0 },
		{ CD0_A, 0 },
		{ 0, CD0_ENDI },
		{ 0, CD0_HA },
		{ 0, CD0_S },
		{ CD0_IPS, smmukit_field_prep(CD0_IPS, 7) },
		{ CD0_T0SZ, smmukit_field_prep(CD0_T0SZ, 8) },
		{ CD0_T0SZ, smmukit_field_prep(CD0_T0SZ, 45) },
		{ CD0_TG0, smmukit_field_prep(CD0_TG0, 3) },
		{ CD0_TG0, smmukit_field_prep(CD0_TG0, CD0_TG0_16K) },	/* gran */
		{ CD0_ASID, smmukit_field_prep(CD0_ASID, 0x100) },	/* asid8 */
		{ CD0_EPD1, smmukit_field_prep(CD0_TG1, 0) },	/* TTB1 bad TG1 */
	};

	(void)state;
	assert_int_equal(mt_setup(&t, "asid16=0,gran=4k+64k", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_pt_init(&t, &pt, 1, 12, 48), 0);
	cd = mt_alloc(&t, 0);
	mt_cd_write(&t, cd, 1, &pt);
	good0 = mt_r64(&t, cd);
	mt_ste_s1(dw, cd);
	mt_ste_write(&t, SID, dw);
	assert_int_equal(xlate_ss(&t, SMMUKIT_MODEL_NO_SSID, 0, NULL),
			 SMMUV3_EVT_F_TRANSLATION);
	for (size_t i = 0; i < SMMUKIT_ARRAY_SIZE(bad); i++) {
		mt_w64(&t, cd, (good0 & ~bad[i].clear) | bad[i].set);
		cfgi_cd(&t, SID, 0, false);
		assert_int_equal(mt_sync(&t), 0);
		assert_int_equal(xlate_ss(&t, SMMUKIT_MODEL_NO_SSID, 0, NULL),
				 SMMUV3_EVT_C_BAD_CD);
	}
	/* A misaligned TTB0 (the 4K/48-bit top table is 4 KiB). */
	mt_w64(&t, cd, good0);
	misaligned = pt.root + 0x100;
	mt_w64(&t, cd + 8, misaligned);
	cfgi_cd(&t, SID, 0, false);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(xlate_ss(&t, SMMUKIT_MODEL_NO_SSID, 0, NULL),
			 SMMUV3_EVT_C_BAD_CD);
	mt_evt_drain(&t);
	/* The CD outside RAM. */
	mt_ste_s1(dw, 0x2000);
	mt_ste_write(&t, SID, dw);
	mt_cfgi_ste(&t, SID);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(xlate_ss(&t, SMMUKIT_MODEL_NO_SSID, 0, NULL),
			 SMMUV3_EVT_F_CD_FETCH);
	assert_int_equal(mt_evt_next(&t, &e), 1);
	assert_int_equal(e.id, SMMUV3_EVT_F_CD_FETCH);
	assert_int_equal(e.fetch_addr, 0x2000);
	mt_teardown(&t);
}

static void test_substreams(void **state)
{
	struct mt t;
	struct mt_pt pt[4];
	uint64_t cdtab, dw[4], data[4], pa;
	struct smmuv3_event e;

	(void)state;
	assert_int_equal(mt_setup(&t, "ssidsize=4", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	cdtab = mt_alloc(&t, 0);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(mt_pt_init(&t, &pt[i], 1, 12, 48), 0);
		mt_cd_write(&t, cdtab + 64 * i, 10 + i, &pt[i]);
		data[i] = mt_alloc(&t, 0);
		mt_pt_map(&t, &pt[i], 0x1000, data[i], 12, MT_RW);
	}
	mt_ste_s1(dw, cdtab);
	dw[0] |= smmukit_field_prep(STE0_S1CDMAX, 2);
	dw[1] |= smmukit_field_prep(STE1_S1DSS, STE1_S1DSS_SSID0);
	mt_ste_write(&t, SID, dw);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(xlate_ss(&t, i, 0x1008, &pa), 0);
		assert_int_equal(pa, data[i] + 8);
	}
	/* Non-substream traffic uses CD 0 with S1DSS = SSID0. */
	assert_int_equal(xlate_ss(&t, SMMUKIT_MODEL_NO_SSID, 0x1008, &pa), 0);
	assert_int_equal(pa, data[0] + 8);
	/* SSID beyond S1CDMax. */
	assert_int_equal(xlate_ss(&t, 4, 0x1008, NULL),
			 SMMUV3_EVT_C_BAD_SUBSTREAMID);
	assert_int_equal(mt_evt_next(&t, &e), 1);
	assert_int_equal(e.id, SMMUV3_EVT_C_BAD_SUBSTREAMID);
	assert_true(e.ssv);
	assert_int_equal(e.ssid, 4);
	/* S1DSS = terminate: non-substream traffic is F_STREAM_DISABLED. */
	dw[1] = (dw[1] & ~STE1_S1DSS) |
		smmukit_field_prep(STE1_S1DSS, STE1_S1DSS_TERMINATE);
	mt_ste_write(&t, SID, dw);
	mt_cfgi_ste(&t, SID);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(xlate_ss(&t, SMMUKIT_MODEL_NO_SSID, 0x1008, NULL),
			 SMMUV3_EVT_F_STREAM_DISABLED);
	/* S1DSS = bypass. */
	dw[1] = (dw[1] & ~STE1_S1DSS) |
		smmukit_field_prep(STE1_S1DSS, STE1_S1DSS_BYPASS);
	mt_ste_write(&t, SID, dw);
	mt_cfgi_ste(&t, SID);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(xlate_ss(&t, SMMUKIT_MODEL_NO_SSID, 0x80001008, &pa), 0);
	assert_int_equal(pa, 0x80001008);
	/* S1CDMax beyond SSIDSIZE is a bad STE. */
	dw[0] |= STE0_S1CDMAX;
	mt_ste_write(&t, SID, dw);
	mt_cfgi_ste(&t, SID);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(xlate_ss(&t, 1, 0x1008, NULL), SMMUV3_EVT_C_BAD_STE);
	mt_teardown(&t);
}

static void test_no_substreams(void **state)
{
	struct mt t;
	struct mt_pt pt;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_s1_stream(&t, SID, 1, &pt), 0);
	assert_int_equal(xlate_ss(&t, 0, 0, NULL), SMMUV3_EVT_C_BAD_SUBSTREAMID);
	mt_teardown(&t);
}

/*
 * STE.S1Fmt is ignored with S1CDMax = 0 (a single CD): any value works.
 * With substreams, a 2-level CD table (S1Fmt != 0) is not implemented and
 * the STE is bad.
 */
static void test_s1fmt_ignored_without_substreams(void **state)
{
	struct mt t;
	struct mt_pt pt;
	uint64_t a, cd, pa, dw[4];

	(void)state;
	assert_int_equal(mt_setup(&t, "ssidsize=4", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_pt_init(&t, &pt, 1, 12, 48), 0);
	cd = mt_alloc(&t, 0);
	mt_cd_write(&t, cd, 1, &pt);
	a = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, 0x7000, a, 12, MT_RW);
	for (unsigned fmt = 1; fmt <= 3; fmt++) {
		mt_ste_s1(dw, cd);
		dw[0] |= smmukit_field_prep(STE0_S1FMT, fmt);
		mt_ste_write(&t, SID, dw);
		mt_cfgi_ste(&t, SID);
		assert_int_equal(mt_sync(&t), 0);
		assert_int_equal(xlate_ss(&t, SMMUKIT_MODEL_NO_SSID, 0x7008, &pa),
				 0);
		assert_int_equal(pa, a + 8);
	}
	dw[0] |= smmukit_field_prep(STE0_S1CDMAX, 2);
	mt_ste_write(&t, SID, dw);
	mt_cfgi_ste(&t, SID);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(xlate_ss(&t, SMMUKIT_MODEL_NO_SSID, 0x7008, NULL),
			 SMMUV3_EVT_C_BAD_STE);
	mt_teardown(&t);
}

static void test_cd_cache(void **state)
{
	struct mt t;
	struct mt_pt pt[3];
	uint64_t cdtab, dw[4], data[3], pa;

	(void)state;
	assert_int_equal(mt_setup(&t, "ssidsize=2", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	cdtab = mt_alloc(&t, 0);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(mt_pt_init(&t, &pt[i], 1, 12, 48), 0);
		data[i] = mt_alloc(&t, 0);
		mt_pt_map(&t, &pt[i], 0x1000, data[i], 12, MT_RW);
	}
	mt_cd_write(&t, cdtab, 1, &pt[0]);
	mt_cd_write(&t, cdtab + 64, 2, &pt[1]);
	mt_ste_s1(dw, cdtab);
	dw[0] |= smmukit_field_prep(STE0_S1CDMAX, 1);
	dw[1] |= smmukit_field_prep(STE1_S1DSS, STE1_S1DSS_SSID0);
	mt_ste_write(&t, SID, dw);
	mt_ste_write(&t, SID + 1, dw);
	assert_int_equal(xlate_ss(&t, 0, 0x1000, &pa), 0);
	assert_int_equal(pa, data[0]);
	assert_int_equal(xlate_ss(&t, 1, 0x1000, &pa), 0);
	assert_int_equal(pa, data[1]);
	/* Point both CDs at table 2 without invalidation: still cached. */
	mt_cd_write(&t, cdtab, 3, &pt[2]);
	mt_cd_write(&t, cdtab + 64, 4, &pt[2]);
	assert_int_equal(xlate_ss(&t, 0, 0x2000, NULL), SMMUV3_EVT_F_TRANSLATION);
	/* CFGI_CD of another SID or SSID changes nothing. */
	cfgi_cd(&t, SID + 1, 0, true);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(xlate_ss(&t, 0, 0x1000, &pa), 0);
	assert_int_equal(pa, data[0]);
	/* CFGI_CD(SID, SSID 1): only SSID 1 sees the new CD (ASID 4). */
	cfgi_cd(&t, SID, 1, true);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(xlate_ss(&t, 1, 0x1000, &pa), 0);
	assert_int_equal(pa, data[2]);
	assert_int_equal(xlate_ss(&t, 0, 0x1000, &pa), 0);
	assert_int_equal(pa, data[0]);
	/* CFGI_CD_ALL(SID): SSID 0 too. */
	mt_cmd(&t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_CFGI_CD_ALL,
					 .cfgi = { .sid = SID } });
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(xlate_ss(&t, 0, 0x1000, &pa), 0);
	assert_int_equal(pa, data[2]);
	mt_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_cds),
		cmocka_unit_test(test_substreams),
		cmocka_unit_test(test_no_substreams),
		cmocka_unit_test(test_cd_cache),
		cmocka_unit_test(test_s1fmt_ignored_without_substreams),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

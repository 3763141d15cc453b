/* SPDX-License-Identifier: MIT */
/*
 * Checking mode. A stale access is counted when, and only when, a cached
 * translation (IOTLB or walk cache) gives what the current tables no longer
 * give: stale_unmapped if they map the address nowhere, stale_reused if they
 * map it to another page (model_checking_reuse.c: permissions aside, and
 * unmaps still in flight). Each is logged with SID, IOVA, old and new result. Freeing
 * a page that a cached walk or configuration still references is reported.
 * With coherent=0, reading descriptors the CPU wrote without a sync is too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "model_testlib.h"

#define SID 7

static int rd(struct mt *t, uint64_t iova)
{
	char buf[8];

	return mt_dma_read(t, SID, iova, buf, sizeof(buf));
}

static void test_stale_counts(void **state)
{
	struct mt t;
	struct mt_pt pt;
	struct smmukit_model_stats s;
	struct smmukit_model_stale_rec rec[4];
	uint64_t a, b, cursor = 0;

	(void)state;
	assert_int_equal(mt_setup(&t, "checking", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_s1_stream(&t, SID, 1, &pt), 0);
	a = mt_alloc(&t, 0);
	b = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, 0x1000, a, 12, MT_RW);
	mt_pt_map(&t, &pt, 0x2000, a, 12, MT_RW);
	assert_int_equal(rd(&t, 0x1000), 0);
	assert_int_equal(rd(&t, 0x2000), 0);
	/* Hits on unchanged tables (and the walk-cache-assisted walk of
	 * 0x2000): checked, not stale. */
	assert_int_equal(rd(&t, 0x1000), 0);
	s = mt_stats(&t);
	assert_int_equal(s.checks, 2);
	assert_int_equal(s.stale_unmapped + s.stale_reused, 0);

	/* Unmapped without invalidation: the device still gets through. */
	mt_pt_unmap(&t, &pt, 0x1000);
	assert_int_equal(rd(&t, 0x1000), 0);
	/* Remapped elsewhere without invalidation: someone else's page. */
	mt_pt_map(&t, &pt, 0x2000, b, 12, MT_RW);
	assert_int_equal(rd(&t, 0x2000), 0);
	s = mt_stats(&t);
	assert_int_equal(s.stale_unmapped, 1);
	assert_int_equal(s.stale_reused, 1);
	assert_int_equal(smmukit_model_read_stalelog(t.m, &cursor, rec, 4, NULL),
			 2);
	assert_int_equal(rec[0].sid, SID);
	assert_int_equal(rec[0].iova, 0x1000);
	assert_int_equal(rec[0].old_pa, a);
	assert_int_equal(rec[0].new_event, SMMUV3_EVT_F_TRANSLATION);
	assert_false(rec[0].reused);
	assert_int_equal(rec[1].iova, 0x2000);
	assert_int_equal(rec[1].old_pa, a);
	assert_int_equal(rec[1].new_pa, b);
	assert_true(rec[1].reused);

	/* Invalidated properly: the access faults, nothing stale. */
	mt_tlbi_va(&t, 1, 0x1000, true);
	mt_tlbi_va(&t, 1, 0x2000, true);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(rd(&t, 0x1000), SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(rd(&t, 0x2000), 0);
	assert_int_equal(rd(&t, 0x2000), 0);
	s = mt_stats(&t);
	assert_int_equal(s.stale_unmapped, 1);
	assert_int_equal(s.stale_reused, 1);
	mt_teardown(&t);
}

static void test_no_checking_no_counts(void **state)
{
	struct mt t;
	struct mt_pt pt;
	uint64_t a;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_s1_stream(&t, SID, 1, &pt), 0);
	a = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, 0x1000, a, 12, MT_RW);
	assert_int_equal(rd(&t, 0x1000), 0);
	mt_pt_unmap(&t, &pt, 0x1000);
	assert_int_equal(rd(&t, 0x1000), 0);
	assert_int_equal(mt_stats(&t).stale_unmapped, 0);
	assert_int_equal(mt_stats(&t).checks, 0);
	mt_teardown(&t);
}

static void test_stale_through_walk_cache(void **state)
{
	struct mt t;
	struct mt_pt pt;
	uint64_t a, l2slot;

	(void)state;
	assert_int_equal(mt_setup(&t, "checking", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_s1_stream(&t, SID, 1, &pt), 0);
	a = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, 0x200000, a, 12, MT_RW);
	mt_pt_map(&t, &pt, 0x201000, a, 12, MT_RW);
	assert_int_equal(rd(&t, 0x200000), 0);
	/* Remove the whole level-3 table (leaf TLBI only: wrong). */
	l2slot = mt_pt_slot(&t, &pt, 0x200000, 2);
	mt_w64(&t, l2slot, 0);
	mt_tlbi_va(&t, 1, 0x200000, true);
	mt_tlbi_va(&t, 1, 0x201000, true);
	assert_int_equal(mt_sync(&t), 0);
	/* The IOTLB is clean, but the walk cache still reaches the table. */
	assert_int_equal(rd(&t, 0x201000), 0);
	assert_int_equal(mt_stats(&t).stale_unmapped, 1);
	/*
	 * The non-leaf invalidation of the whole 2 MiB the architecture asks
	 * for fixes it (it also drops the IOTLB entry the stale walk filled).
	 */
	mt_cmd(&t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_VA,
					 .tlbi = { .asid = 1, .addr = 0x200000,
						   .tg = CMD1_TG_4K,
						   .scale = 9 } });
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(rd(&t, 0x201000), SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(mt_stats(&t).stale_unmapped, 1);
	mt_teardown(&t);
}

static void test_premature_table_free(void **state)
{
	struct mt t;
	struct mt_pt pt;
	uint64_t a, l2slot, l3;

	(void)state;
	assert_int_equal(mt_setup(&t, "checking", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_s1_stream(&t, SID, 1, &pt), 0);
	a = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, 0x400000, a, 12, MT_RW);
	assert_int_equal(rd(&t, 0x400000), 0);
	l2slot = mt_pt_slot(&t, &pt, 0x400000, 2);
	l3 = lpae_desc_to_oa(mt_r64(&t, l2slot), 12);
	/* Unlink the table, leaf-invalidate, free: the walk cache still
	 * points at it. */
	mt_w64(&t, l2slot, 0);
	mt_tlbi_va(&t, 1, 0x400000, true);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(smmukit_model_check_free(t.m, l3, 4096), 1);
	mt_free(&t, l3, 0);
	assert_int_equal(mt_stats(&t).free_violations, 2);
	/* A page nothing references is fine. */
	mt_free(&t, a, 0);
	assert_int_equal(mt_stats(&t).free_violations, 2);
	mt_teardown(&t);
}

static void test_free_after_walk_flush(void **state)
{
	struct mt t;
	struct mt_pt pt;
	uint64_t a, l2slot, l3, cd;

	(void)state;
	assert_int_equal(mt_setup(&t, "checking", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_s1_stream(&t, SID, 1, &pt), 0);
	a = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, 0x400000, a, 12, MT_RW);
	assert_int_equal(rd(&t, 0x400000), 0);
	l2slot = mt_pt_slot(&t, &pt, 0x400000, 2);
	l3 = lpae_desc_to_oa(mt_r64(&t, l2slot), 12);
	mt_w64(&t, l2slot, 0);
	mt_tlbi_va(&t, 1, 0x400000, false);
	/* Not before the sync completes ... */
	assert_int_equal(smmukit_model_check_free(t.m, l3, 4096), 1);
	assert_int_equal(mt_sync(&t), 0);
	/* ... and fine after. */
	mt_free(&t, l3, 0);
	assert_int_equal(mt_stats(&t).free_violations, 1);
	/*
	 * Configuration: the cached CD references its page and the pgd; the
	 * cached STE references the CD table too.
	 */
	cd = (mt_r64(&t, mt_ste_ptr(&t, SID)) & STE0_S1CONTEXTPTR);
	assert_int_equal(smmukit_model_check_free(t.m, cd, 4096), 2);
	assert_int_equal(smmukit_model_check_free(t.m, pt.root, 4096), 1);
	assert_int_equal(smmukit_model_check_free(t.m, t.strtab_pa, 4096), 1);
	mt_cfgi_all(&t);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(smmukit_model_check_free(t.m, cd, 4096), 0);
	mt_teardown(&t);
}

/*
 * A cached stage-1 STE still references its whole CD table after CFGI_CD
 * dropped the CD itself, and a cached STE or CD references its whole root
 * table, also the pages of a concatenated stage-2 root past the first.
 */
static void test_free_cd_table_and_whole_roots(void **state)
{
	struct mt t;
	struct mt_pt pt, s2;
	uint64_t a, cd, dw[4];

	(void)state;
	assert_int_equal(mt_setup(&t, "checking,ssidsize=4", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_pt_init(&t, &pt, 1, 12, 48), 0);
	cd = mt_alloc(&t, 0);
	mt_cd_write(&t, cd, 1, &pt);
	/* Four CDs (S1CDMax = 2); traffic without a substream uses CD 0. */
	mt_ste_s1(dw, cd);
	dw[0] |= smmukit_field_prep(STE0_S1CDMAX, 2);
	dw[1] |= smmukit_field_prep(STE1_S1DSS, STE1_S1DSS_SSID0);
	mt_ste_write(&t, SID, dw);
	mt_cfgi_ste(&t, SID);
	assert_int_equal(mt_sync(&t), 0);
	a = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, 0x1000, a, 12, MT_RW);
	assert_int_equal(rd(&t, 0x1000), 0);
	mt_cmd(&t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_CFGI_CD,
					 .cfgi = { .sid = SID } });
	assert_int_equal(mt_sync(&t), 0);
	/* The STE is still cached: its CD table, CD 3 included, is in use. */
	assert_int_equal(smmukit_model_check_free(t.m, cd, 4096), 1);
	assert_int_equal(smmukit_model_check_free(t.m, cd + 3 * 64, 64), 1);
	assert_int_equal(smmukit_model_check_free(t.m, cd + 4 * 64, 64), 0);
	mt_cfgi_ste(&t, SID);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(smmukit_model_check_free(t.m, cd, 4096), 0);

	/* Stage 2, 4K, 40-bit IPA from level 1: two concatenated pages. */
	s2.stage = 2;
	s2.pg = 12;
	s2.ias = 40;
	s2.start = 1;
	s2.top_bits = 10;
	s2.root = mt_alloc(&t, 1);
	mt_ste_s2(dw, 3, &s2, 48);
	mt_ste_write(&t, SID + 1, dw);
	mt_cfgi_ste(&t, SID + 1);
	assert_int_equal(mt_sync(&t), 0);
	mt_pt_map(&t, &s2, UINT64_C(1) << 39, a, 12, MT_RW);
	assert_int_equal(smmukit_model_translate(t.m, SID + 1,
						 SMMUKIT_MODEL_NO_SSID,
						 UINT64_C(1) << 39, false, NULL),
			 0);
	assert_int_equal(smmukit_model_check_free(t.m, s2.root + 4096, 4096),
			 1);
	assert_int_equal(smmukit_model_check_free(t.m, s2.root, 4096), 1);
	mt_teardown(&t);
}

static void test_noncoherent_sync_check(void **state)
{
	struct mt t;
	struct mt_pt pt;
	uint64_t a, b, slot;

	(void)state;
	assert_int_equal(mt_setup(&t, "coherent=0", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_s1_stream(&t, SID, 1, &pt), 0);
	a = mt_alloc(&t, 0);
	b = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, 0x1000, a, 12, MT_RW);	/* synced by mt_w64 */
	assert_int_equal(rd(&t, 0x1000), 0);
	assert_int_equal(mt_stats(&t).sync_violations, 0);
	/* The CPU changes a PTE but never cleans it. */
	slot = mt_pt_slot(&t, &pt, 0x1000, 3);
	smmukit_write_once64(mt_va(&t, slot),
			     (mt_r64(&t, slot) & ~LPAE_DESC_OA_48) | b);
	mt_tlbi_va(&t, 1, 0x1000, true);
	assert_int_equal(mt_sync(&t), 0);
	/* The device still sees the old PTE, and the mistake is reported. */
	{
		struct smmukit_model_dma_result r;

		assert_int_equal(smmukit_model_translate(t.m, SID,
							 SMMUKIT_MODEL_NO_SSID,
							 0x1000, false, &r), 0);
		assert_int_equal(r.pa, a);
	}
	assert_int_equal(mt_stats(&t).sync_violations, 1);
	/* After dma_sync_for_device it sees the new one. */
	smmukit_plat_dma_sync_for_device(t.plat, slot, 8);
	mt_tlbi_va(&t, 1, 0x1000, true);
	assert_int_equal(mt_sync(&t), 0);
	{
		struct smmukit_model_dma_result r;

		assert_int_equal(smmukit_model_translate(t.m, SID,
							 SMMUKIT_MODEL_NO_SSID,
							 0x1000, false, &r), 0);
		assert_int_equal(r.pa, b);
	}
	assert_int_equal(mt_stats(&t).sync_violations, 1);
	/* Bits [58:55] are IGNORED by the walker: changing them unsynced is harmless. */
	smmukit_write_once64(mt_va(&t, slot), mt_r64(&t, slot) | LPAE_DESC_SW_SYNC);
	mt_tlbi_va(&t, 1, 0x1000, true);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(rd(&t, 0x1000), 0);
	assert_int_equal(mt_stats(&t).sync_violations, 1);
	mt_teardown(&t);
}

static void test_stale_configuration(void **state)
{
	struct mt t;
	struct mt_pt pt;
	uint64_t a, dw[4] = { STE0_V, 0, 0, 0 };

	(void)state;
	assert_int_equal(mt_setup(&t, "checking", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_s1_stream(&t, SID, 1, &pt), 0);
	a = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, 0x1000, a, 12, MT_RW);
	mt_pt_map(&t, &pt, 0x2000, a, 12, MT_RW);
	assert_int_equal(rd(&t, 0x1000), 0);
	/* The stream is switched to abort without CFGI_STE: a new IOVA still
	 * translates through the cached STE and CD. */
	mt_ste_write(&t, SID, dw);
	assert_int_equal(rd(&t, 0x2000), 0);
	assert_int_equal(mt_stats(&t).stale_unmapped, 1);
	mt_cfgi_ste(&t, SID);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(rd(&t, 0x2000), SMMUKIT_MODEL_ABORT);
	assert_int_equal(mt_stats(&t).stale_unmapped, 1);
	mt_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stale_counts),
		cmocka_unit_test(test_no_checking_no_counts),
		cmocka_unit_test(test_stale_configuration),
		cmocka_unit_test(test_stale_through_walk_cache),
		cmocka_unit_test(test_premature_table_free),
		cmocka_unit_test(test_free_after_walk_flush),
		cmocka_unit_test(test_free_cd_table_and_whole_roots),
		cmocka_unit_test(test_noncoherent_sync_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

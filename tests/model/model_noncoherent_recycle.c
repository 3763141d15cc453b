/* SPDX-License-Identifier: MIT */
/*
 * Non-coherent SMMU: freeing a page does not change what the device sees in
 * it. A table page recycled by the allocator and zeroed by the CPU, but
 * never cleaned to memory, still holds the old descriptors for the walker;
 * the checker must keep that view and report the read as a sync violation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "model_testlib.h"

static void test_recycled_table_unsynced(void **state)
{
	struct mt t;
	struct mt_pt pt;
	uint64_t iova = 0x200000, data, l2, l3, l3_again, d;
	unsigned char buf[8];
	struct smmukit_model_stats st0, st1;

	(void)state;
	assert_int_equal(mt_setup(&t, "coherent=0", NULL), 0);
	assert_int_equal(mt_enable(&t, 4, false), 0);
	assert_int_equal(mt_s1_stream(&t, 1, 1, &pt), 0);
	data = mt_alloc(&t, 0);
	assert_int_equal(mt_pt_map(&t, &pt, iova, data, 12, MT_RW), 0);
	assert_int_equal(mt_dma_read(&t, 1, iova, buf, sizeof(buf)), 0);

	/* Take the level-3 table out (cleaned), invalidate, free it. */
	l2 = mt_pt_slot(&t, &pt, iova, 2);
	d = mt_r64(&t, l2);
	l3 = lpae_desc_to_oa(d, 12);
	mt_w64(&t, l2, 0);
	mt_tlbi_asid(&t, 1, 0);
	assert_int_equal(mt_sync(&t), 0);
	mt_free(&t, l3, 0);

	/* The allocator hands the same page out again, zeroed by the CPU,
	 * and the new owner links it in without cleaning the zeroes. */
	l3_again = mt_alloc(&t, 0);
	assert_int_equal(l3_again, l3);
	assert_int_equal(mt_r64(&t, mt_pt_slot(&t, &pt, iova, 3)), 0);
	mt_w64(&t, l2, d);
	st0 = mt_stats(&t);
	(void)mt_dma_read(&t, 1, iova, buf, sizeof(buf));
	st1 = mt_stats(&t);
	/* Memory says "no mapping", the device still reads the old leaf. */
	assert_true(st1.sync_violations > st0.sync_violations);
	mt_teardown(&t);
}

/* Cleaning the recycled page after zeroing it is enough: no violation. */
static void test_recycled_table_synced(void **state)
{
	struct mt t;
	struct mt_pt pt;
	uint64_t iova = 0x200000, data, l2, l3, d;
	unsigned char buf[8];
	struct smmukit_model_stats st0, st1;

	(void)state;
	assert_int_equal(mt_setup(&t, "coherent=0", NULL), 0);
	assert_int_equal(mt_enable(&t, 4, false), 0);
	assert_int_equal(mt_s1_stream(&t, 1, 1, &pt), 0);
	data = mt_alloc(&t, 0);
	assert_int_equal(mt_pt_map(&t, &pt, iova, data, 12, MT_RW), 0);
	l2 = mt_pt_slot(&t, &pt, iova, 2);
	d = mt_r64(&t, l2);
	l3 = lpae_desc_to_oa(d, 12);
	mt_w64(&t, l2, 0);
	mt_tlbi_asid(&t, 1, 0);
	assert_int_equal(mt_sync(&t), 0);
	mt_free(&t, l3, 0);
	assert_int_equal(mt_alloc(&t, 0), l3);
	smmukit_plat_dma_sync_for_device(t.plat, l3, 4096);
	mt_w64(&t, l2, d);
	st0 = mt_stats(&t);
	assert_int_not_equal(mt_dma_read(&t, 1, iova, buf, sizeof(buf)), 0);
	st1 = mt_stats(&t);
	assert_int_equal(st1.sync_violations, st0.sync_violations);
	mt_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recycled_table_unsynced),
		cmocka_unit_test(test_recycled_table_synced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

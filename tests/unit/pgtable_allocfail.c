/* SPDX-License-Identifier: MIT */
/*
 * Allocation-failure sweeps (SQLite style): for an operation that allocates
 * several pages, fail the 1st, 2nd, ... allocation, each time on a freshly
 * built table, until the operation succeeds. After every failure: -ENOMEM,
 * nothing of the new range translates, every earlier mapping still does,
 * every allocated page is a reachable table (no orphans), and freeing the
 * table gives back every page.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pgtable_test.h"

#define RW (SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE)

static void test_alloc_sweep(void **state)
{
	struct smmukit_platform *p = test_platform(false);
	struct smmukit_posix_stats before, after;
	struct smmukit_pgtable_cfg cfg;
	struct smmukit_pgtable *pgt = NULL;
	struct flush_rec rec;
	unsigned n;
	int ret;

	smmukit_posix_get_stats(p, &before);
	for (n = 1; n < 10; n++) {
		smmukit_posix_fail_nth_alloc(p, n);
		ret = test_pgtable(p, 2, SMMUKIT_SZ_64K, 42, 42, true, &rec, &cfg, &pgt);
		smmukit_posix_fail_nth_alloc(p, 0);
		if (!ret)
			break;
		assert_int_equal(ret, -SMMUKIT_ENOMEM);
		smmukit_posix_get_stats(p, &after);
		assert_int_equal(after.pages_in_use, before.pages_in_use);
		assert_int_equal(after.zallocs_in_use, before.zallocs_in_use);
	}
	/* The state, then the root: two allocations can fail. */
	assert_int_equal(n, 3);
	smmukit_pgtable_free(pgt);
	smmukit_posix_get_stats(p, &after);
	assert_int_equal(after.pages_in_use, before.pages_in_use);
	assert_int_equal(after.zallocs_in_use, before.zallocs_in_use);
	smmukit_posix_destroy(p);
}

struct sweep {
	unsigned stage;
	uint64_t granule;
	unsigned ias;
	bool coherent;
	bool convenience;	/* smmukit_pgtable_map instead of map_pages */
};

/* Earlier mappings that must survive every failure. */
static void map_earlier(struct smmukit_pgtable *pgt, uint64_t g, uint64_t block)
{
	assert_int_equal(smmukit_pgtable_map_pages(pgt, g, 0x10000000, g, 3, RW, NULL), 0);
	assert_int_equal(smmukit_pgtable_map_pages(pgt, 4 * block, 0, block, 1, RW, NULL), 0);
}

static void check_earlier(struct smmukit_pgtable *pgt, uint64_t g, uint64_t block)
{
	assert_true(test_translates(pgt, g, 0x10000000));
	assert_true(test_translates(pgt, 4 * g - 1, 0x10000000 + 3 * g - 1));
	assert_true(test_translates(pgt, 4 * block + 42, 42));
}

static void run_sweep(const struct sweep *sw)
{
	struct smmukit_platform *p = test_platform(false);
	uint64_t base = test_pages_in_use(p), g = sw->granule;
	uint64_t top_span, iova, size, pa = 0x40000000, block = 0;
	unsigned n, failures = 0;

	for (n = 1;; n++) {
		struct smmukit_pgtable_cfg cfg;
		struct smmukit_pgtable *pgt;
		struct flush_rec rec;
		uint64_t mapped = 1, pages;
		int ret;

		assert_true(n < 64);
		assert_int_equal(test_pgtable(p, sw->stage, g, sw->ias, 48, sw->coherent,
					      &rec, &cfg, &pgt), 0);
		block = UINT64_C(1) << smmukit_ilog2(cfg.pgsize_bitmap & ~g);
		/* Straddle a boundary of the root's entries: two new subtrees. */
		top_span = UINT64_C(1) << (smmukit_ilog2(g) + (smmukit_ilog2(g) - 3) *
					   (3 - cfg.start_level));
		map_earlier(pgt, g, block);
		pages = test_pages_in_use(p);
		if (sw->convenience) {
			/* Pages, blocks, then pages again, across the boundary. */
			iova = top_span - block - 3 * g;
			size = 2 * block + 6 * g;
			pa = 0x40000000 - 3 * g;
		} else {
			iova = top_span - 300 * g;
			size = 600 * g;
		}
		smmukit_posix_fail_nth_alloc(p, n);
		if (sw->convenience)
			ret = smmukit_pgtable_map(pgt, iova, pa, size, RW, &mapped);
		else
			ret = smmukit_pgtable_map_pages(pgt, iova, pa, g, size / g, RW, &mapped);
		smmukit_posix_fail_nth_alloc(p, 0);
		check_earlier(pgt, g, block);
		if (ret == 0) {
			assert_int_equal(mapped, size);
			for (uint64_t off = 0; off < size; off += g)
				assert_true(test_translates(pgt, iova + off, pa + off));
			assert_int_equal(test_table_pages(pgt, NULL),
					 test_pages_in_use(p) - base);
			smmukit_pgtable_free(pgt);
			assert_int_equal(test_pages_in_use(p), base);
			break;
		}
		failures++;
		assert_int_equal(ret, -SMMUKIT_ENOMEM);
		assert_int_equal(mapped, 0);
		for (uint64_t off = 0; off < size; off += g)
			assert_true(test_unmapped(pgt, iova + off));
		/* Tables installed before the failure stay (empty); no orphans. */
		assert_true(test_pages_in_use(p) >= pages);
		assert_int_equal(test_table_pages(pgt, NULL), test_pages_in_use(p) - base);
		assert_false(rec.bad);
		/* The empty tables left there do not get in the way of a later map. */
		assert_int_equal(smmukit_pgtable_map_pages(pgt, top_span, 0, block, 1, RW,
							   NULL), 0);
		smmukit_pgtable_free(pgt);
		assert_int_equal(test_pages_in_use(p), base);
	}
	printf("  stage %u granule %" PRIu64 "K ias %u %s%s: %u failure points\n",
	       sw->stage, g >> 10, sw->ias, sw->convenience ? "map" : "map_pages",
	       sw->coherent ? "" : " (non-coherent)", failures);
	/* Several table pages were needed, and each failure point was hit. */
	assert_true(failures >= 3);
	assert_int_equal(failures, n - 1);
	smmukit_posix_destroy(p);
}

static const struct sweep sweeps[] = {
	{ 1, SMMUKIT_SZ_4K, 48, true, false },
	{ 2, SMMUKIT_SZ_4K, 40, true, false },
	{ 1, SMMUKIT_SZ_16K, 48, false, false },
	{ 2, SMMUKIT_SZ_64K, 48, true, false },
	{ 1, SMMUKIT_SZ_4K, 48, true, true },
	{ 2, SMMUKIT_SZ_16K, 48, true, true },
	{ 1, SMMUKIT_SZ_64K, 48, false, true },
};

static void test_map_sweeps(void **state)
{
	for (unsigned i = 0; i < SMMUKIT_ARRAY_SIZE(sweeps); i++)
		run_sweep(&sweeps[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_sweep),
		cmocka_unit_test(test_map_sweeps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * The classic LPAE self-test over every granule x input size x output size x
 * stage, plus the behaviours later layers rely on: errors that change
 * nothing, empty-table replacement, the gather (add_page, queued, freelist),
 * synchronous NULL-gather unmaps, and a non-coherent walker that must see
 * every descriptor write cleaned to memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pgtable_test.h"
#include "smmukit/lpae_hw.h"

#define SZ_1G SMMUKIT_SZ_1G
#define RWNC (SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE | SMMUKIT_PROT_NOEXEC | \
	      SMMUKIT_PROT_CACHE)

static const uint64_t granules[] = { SMMUKIT_SZ_4K, SMMUKIT_SZ_16K, SMMUKIT_SZ_64K };
static const unsigned addr_bits[] = { 32, 36, 40, 42, 44, 48, 52 };

/*
 * Stage-2 configurations smmukit refuses because the architecture would need
 * concatenation beyond 16 tables (or a start level it forbids for that PS).
 */
static bool s2_refused(uint64_t granule, unsigned ias, unsigned oas)
{
	if (granule == SMMUKIT_SZ_4K)
		return ias >= 43 && oas <= 42;	/* would start at L0 */
	if (granule == SMMUKIT_SZ_16K)
		return ias >= 41 && oas <= 40;	/* would start at L1 */
	return ias >= 47 && oas <= 42;	/* 64K: would start at L1 */
}

static void expect_enoent(struct smmukit_pgtable *pgt, uint64_t iova)
{
	assert_true(test_unmapped(pgt, iova));
}

/* The sequence of Linux's arm_lpae_run_tests, with our refusal of splits. */
static void run_selftest(struct smmukit_pgtable *pgt, struct flush_rec *rec)
{
	const struct smmukit_pgtable_cfg *cfg = &pgt->cfg;
	uint64_t bitmap = cfg->pgsize_bitmap, iova, size, largest, smallest;
	uint64_t mapped;
	int64_t got;
	unsigned i;

	/* 1. An empty table translates nothing. */
	expect_enoent(pgt, 42);
	expect_enoent(pgt, SZ_1G + 42);
	expect_enoent(pgt, 2 * SZ_1G + 42);

	/* 2. Each page size, ascending, at 0, 1G, 2G ... */
	iova = 0;
	for (uint64_t m = bitmap; m; m &= m - 1) {
		size = m & -m;
		assert_int_equal(smmukit_pgtable_map_pages(pgt, iova, iova, size, 1,
							   RWNC, &mapped), 0);
		assert_int_equal(mapped, size);
		/* Overlap: the same IOVA again, elsewhere. */
		assert_int_equal(smmukit_pgtable_map_pages(pgt, iova, iova + size, size, 1,
							   SMMUKIT_PROT_READ |
							   SMMUKIT_PROT_NOEXEC, &mapped),
				 -SMMUKIT_EEXIST);
		assert_int_equal(mapped, 0);
		assert_true(test_translates(pgt, iova + 42, iova + 42));
		iova += SZ_1G;
	}

	/* 3. Partial unmap of a block is refused and changes nothing. */
	smallest = bitmap & -bitmap;
	got = smmukit_pgtable_unmap_pages(pgt, SZ_1G + smallest, smallest, 1, NULL);
	assert_int_equal(got, -SMMUKIT_EINVAL);
	assert_true(test_translates(pgt, SZ_1G + smallest + 42, SZ_1G + smallest + 42));

	/* 4. Full unmap, then remap write-only. */
	iova = 0;
	i = 0;
	for (uint64_t m = bitmap; m; m &= m - 1, i++) {
		struct smmukit_iotlb_gather g;

		size = m & -m;
		smmukit_pgtable_gather_init(&g);
		rec->add_page = 0;
		got = smmukit_pgtable_unmap_pages(pgt, iova, size, 1, &g);
		assert_int_equal(got, (int64_t)size);
		assert_int_equal(rec->add_page, 1);
		assert_int_equal(g.start, iova);
		assert_int_equal(g.end, iova + size - 1);
		assert_int_equal(g.pgsize, size);
		assert_int_equal(g.freelist.count, 0);
		expect_enoent(pgt, iova + 42);
		assert_int_equal(smmukit_pgtable_map_pages(pgt, iova, iova, size, 1,
							   SMMUKIT_PROT_WRITE, NULL), 0);
		assert_true(test_translates(pgt, iova + 42, iova + 42));
		iova += SZ_1G;
	}

	/* 5. The highest slot of the input space, largest page size. */
	largest = UINT64_C(1) << smmukit_ilog2(bitmap);
	iova = (UINT64_C(1) << cfg->ias) - largest;
	assert_int_equal(smmukit_pgtable_map_pages(pgt, iova, 0, largest, 1, RWNC,
						   &mapped), 0);
	assert_int_equal(mapped, largest);
	assert_true(test_translates(pgt, iova + largest - 1, largest - 1));
	assert_int_equal(smmukit_pgtable_unmap_pages(pgt, iova, largest, 1, NULL),
			 (int64_t)largest);
	expect_enoent(pgt, iova);
	assert_false(rec->bad);
}

static void test_selftest_all_configs(void **state)
{
	struct smmukit_platform *p = test_platform(false);
	uint64_t base = test_pages_in_use(p);
	unsigned runs = 0, refused = 0;

	for (unsigned g = 0; g < SMMUKIT_ARRAY_SIZE(granules); g++)
	for (unsigned stage = 1; stage <= 2; stage++)
	for (unsigned a = 0; a < SMMUKIT_ARRAY_SIZE(addr_bits); a++)
	for (unsigned o = 0; o < SMMUKIT_ARRAY_SIZE(addr_bits); o++) {
		unsigned ias = addr_bits[a], oas = addr_bits[o];
		bool big = ias > 48 || oas > 48;
		struct smmukit_pgtable_cfg cfg;
		struct smmukit_pgtable *pgt = NULL;
		struct flush_rec rec;
		int ret;

		/* The selftest maps iova -> iova: keep ias <= oas, as Linux does. */
		if (ias > oas)
			continue;
		ret = test_pgtable(p, stage, granules[g], ias, oas, true, &rec,
				   &cfg, &pgt);
		if (big && granules[g] != SMMUKIT_SZ_64K) {
			assert_int_equal(ret, -SMMUKIT_EINVAL);
			continue;
		}
		if (stage == 2 && s2_refused(granules[g], ias, oas)) {
			assert_int_equal(ret, -SMMUKIT_EINVAL);
			refused++;
			continue;
		}
		if (ret)
			fail_msg("alloc stage %u granule %" PRIu64 " ias %u oas %u: %d",
				 stage, granules[g], ias, oas, ret);
		assert_int_equal(cfg.levels, 4 - cfg.start_level);
		run_selftest(pgt, &rec);
		smmukit_pgtable_free(pgt);
		assert_int_equal(rec.flush_all, 1);
		assert_int_equal(test_pages_in_use(p), base);
		runs++;
	}
	/* 3 granules x 2 stages x 21 ias<=oas pairs, + 64K's 52-bit cases. */
	assert_int_equal(runs + refused, 3 * 2 * 21 + 2 * 7);
	assert_true(runs >= 120);
	smmukit_posix_destroy(p);
}

/*
 * A walk flush that cannot be confirmed (hung SMMU) must not let table pages
 * be freed or listed: a cached walk may still point into them.
 */
static void test_failed_walk_flush_leaks_tables(void **state)
{
	struct smmukit_platform *p = test_platform(false);
	struct smmukit_pgtable_cfg cfg;
	struct smmukit_pgtable *pgt;
	struct flush_rec rec;
	struct smmukit_iotlb_gather g;
	uint64_t pages;

	assert_int_equal(test_pgtable(p, 1, SMMUKIT_SZ_4K, 48, 48, true, &rec,
				      &cfg, &pgt), 0);
	/* Two 4K pages under one level-3 table, in two 2M regions. */
	assert_int_equal(smmukit_pgtable_map_pages(pgt, SMMUKIT_SZ_2M, 0x1000,
						   SMMUKIT_SZ_4K, 1, RWNC, NULL), 0);
	assert_int_equal(smmukit_pgtable_map_pages(pgt, 2 * SMMUKIT_SZ_2M, 0x2000,
						   SMMUKIT_SZ_4K, 1, RWNC, NULL), 0);
	pages = test_pages_in_use(p);

	/* Flush fails: the translation is gone, the level-3 table is kept. */
	rec.walk_ret = -SMMUKIT_ETIMEDOUT;
	smmukit_pgtable_gather_init(&g);
	assert_int_equal(smmukit_pgtable_unmap_pages(pgt, SMMUKIT_SZ_2M, SMMUKIT_SZ_2M,
						     1, &g), (int64_t)SMMUKIT_SZ_2M);
	assert_int_equal(g.freelist.count, 0);
	assert_int_equal(test_pages_in_use(p), pages);
	expect_enoent(pgt, SMMUKIT_SZ_2M);

	/* Flush works: the table goes on the gather's freelist as usual. */
	rec.walk_ret = 0;
	assert_int_equal(smmukit_pgtable_unmap_pages(pgt, 2 * SMMUKIT_SZ_2M,
						     SMMUKIT_SZ_2M, 1, &g),
			 (int64_t)SMMUKIT_SZ_2M);
	assert_int_equal(g.freelist.count, 1);
	assert_int_equal(smmukit_pgtable_free_freelist(p, &g), 1);
	assert_int_equal(test_pages_in_use(p), pages - 1);
	smmukit_pgtable_free(pgt);
	/* Exactly the one deliberately leaked table page remains. */
	assert_int_equal(test_pages_in_use(p), 1);
	smmukit_posix_destroy(p);
}

/* The library's own self-test (what `make run` and embedders run) agrees. */
static void count_result(void *arg, const struct smmukit_pgtable_selftest_result *r)
{
	unsigned *n = arg;

	(*n)++;
	if (r->failure)
		fail_msg("stage %u granule %" PRIu64 " ias %u oas %u: %s", r->stage,
			 r->granule, r->ias, r->oas, r->failure);
}

static void test_library_selftest(void **state)
{
	struct smmukit_platform *p = test_platform(false);
	struct smmukit_pgtable_selftest_summary sum;
	uint64_t base = test_pages_in_use(p);
	unsigned reported = 0;

	assert_int_equal(smmukit_pgtable_selftest(p, count_result, &reported, &sum), 0);
	assert_int_equal(sum.fail, 0);
	assert_int_equal(sum.pass + sum.refused, reported);
	assert_int_equal(reported, 3 * 2 * 21 + 2 * 7);
	assert_true(sum.pass >= 120);
	assert_int_equal(test_pages_in_use(p), base);
	/* Allocation failure shows as a failed configuration, never a crash. */
	smmukit_posix_fail_nth_alloc(p, 1);
	assert_int_equal(smmukit_pgtable_selftest(p, NULL, NULL, &sum), -SMMUKIT_EIO);
	assert_int_equal(sum.fail, 1);
	assert_int_equal(test_pages_in_use(p), base);
	assert_int_equal(smmukit_pgtable_selftest(NULL, NULL, NULL, NULL), -SMMUKIT_EINVAL);
	smmukit_posix_destroy(p);
}

/* Geometry, typed from the architecture's rules (Arm DDI 0487, VMSAv8-64). */
struct geo {
	uint64_t granule;
	unsigned ias;
	unsigned s1_start, s1_entries;
	unsigned s2_start, s2_concat;	/* s2 with oas 48 */
};

static const struct geo geos[] = {
	{ SMMUKIT_SZ_4K, 32, 1, 4, 1, 1 },
	{ SMMUKIT_SZ_4K, 36, 1, 64, 1, 1 },
	{ SMMUKIT_SZ_4K, 39, 1, 512, 1, 1 },
	{ SMMUKIT_SZ_4K, 40, 0, 2, 1, 2 },
	{ SMMUKIT_SZ_4K, 42, 0, 8, 1, 8 },
	{ SMMUKIT_SZ_4K, 44, 0, 32, 0, 1 },
	{ SMMUKIT_SZ_4K, 48, 0, 512, 0, 1 },
	{ SMMUKIT_SZ_16K, 32, 2, 128, 2, 1 },
	{ SMMUKIT_SZ_16K, 36, 2, 2048, 2, 1 },
	{ SMMUKIT_SZ_16K, 40, 1, 16, 1, 1 },
	{ SMMUKIT_SZ_16K, 48, 0, 2, 1, 2 },
	{ SMMUKIT_SZ_64K, 32, 2, 8, 2, 1 },
	{ SMMUKIT_SZ_64K, 40, 2, 2048, 2, 1 },
	{ SMMUKIT_SZ_64K, 42, 2, 8192, 2, 1 },
	{ SMMUKIT_SZ_64K, 44, 1, 4, 1, 1 },
	{ SMMUKIT_SZ_64K, 48, 1, 64, 1, 1 },
	{ SMMUKIT_SZ_64K, 52, 1, 1024, 1, 1 },
};

static void test_geometry(void **state)
{
	struct smmukit_platform *p = test_platform(false);

	for (unsigned i = 0; i < SMMUKIT_ARRAY_SIZE(geos); i++) {
		const struct geo *g = &geos[i];
		unsigned oas = g->ias > 48 ? 52 : 48;
		struct smmukit_pgtable_cfg cfg;
		struct smmukit_pgtable *pgt;
		struct flush_rec rec;
		uint64_t s2_entries;

		assert_int_equal(test_pgtable(p, 1, g->granule, g->ias, oas, true,
					      &rec, &cfg, &pgt), 0);
		assert_int_equal(cfg.start_level, g->s1_start);
		assert_int_equal(cfg.levels, 4 - g->s1_start);
		assert_int_equal(cfg.concat_tables, 1);
		assert_int_equal(cfg.root_size,
				 g->s1_entries * 8 < 64 ? 64 : g->s1_entries * 8);
		assert_int_equal(cfg.s1.t0sz, 64 - g->ias);
		assert_int_equal(cfg.s1.ttb & (cfg.root_size - 1), 0);
		smmukit_pgtable_free(pgt);

		assert_int_equal(test_pgtable(p, 2, g->granule, g->ias, oas, true,
					      &rec, &cfg, &pgt), 0);
		assert_int_equal(cfg.start_level, g->s2_start);
		assert_int_equal(cfg.concat_tables, g->s2_concat);
		s2_entries = g->s2_concat > 1 ?
			     g->s2_concat * (g->granule / 8) : g->s1_entries;
		assert_int_equal(cfg.root_size, s2_entries * 8 < 64 ? 64 : s2_entries * 8);
		/* The concatenated block is aligned to its whole size. */
		assert_int_equal(cfg.s2.vttb & (cfg.root_size - 1), 0);
		assert_int_equal(cfg.s2.s2t0sz, 64 - g->ias);
		/* SL0 counts up from L2 (4K) or L3 (16K, 64K). */
		assert_int_equal(cfg.s2.s2sl0,
				 (g->granule == SMMUKIT_SZ_4K ? 2 : 3) - g->s2_start);
		smmukit_pgtable_free(pgt);
	}
	smmukit_posix_destroy(p);
}

/*
 * Stage 2 with a small PS, typed from the architecture: SL0 = 0b10 (start
 * at level 1) is invalid with PAMax < 44 for 64K (AArch64.S2InvalidSL), so
 * an IPA of 43-46 bits starts at level 2 with 2-16 concatenated tables of
 * 2^42 bytes each; 47 bits and more would need more than 16 (refused, in
 * test_bad_config). With PS 44 (oas 43 rounds up) level 1 is fine.
 */
static void test_geometry_64k_small_ps(void **state)
{
	static const struct {
		unsigned ias, oas;
		unsigned start, concat;
	} rows[] = {
		{ 44, 40, 2, 4 },
		{ 44, 42, 2, 4 },
		{ 46, 32, 2, 16 },
		{ 44, 43, 1, 1 },
		{ 48, 44, 1, 1 },
	};
	struct smmukit_platform *p = test_platform(false);

	for (unsigned i = 0; i < SMMUKIT_ARRAY_SIZE(rows); i++) {
		struct smmukit_pgtable_cfg cfg;
		struct smmukit_pgtable *pgt;
		struct flush_rec rec;

		assert_int_equal(test_pgtable(p, 2, SMMUKIT_SZ_64K, rows[i].ias,
					      rows[i].oas, true, &rec, &cfg, &pgt), 0);
		assert_int_equal(cfg.start_level, rows[i].start);
		assert_int_equal(cfg.concat_tables, rows[i].concat);
		/* SL0 counts up from level 3: 0b01 is level 2, 0b10 level 1. */
		assert_int_equal(cfg.s2.s2sl0, 3 - rows[i].start);
		if (rows[i].concat > 1)
			assert_int_equal(cfg.root_size, rows[i].concat * SMMUKIT_SZ_64K);
		assert_int_equal(cfg.s2.vttb & (cfg.root_size - 1), 0);
		/* The top of the IPA space maps and translates. */
		assert_int_equal(smmukit_pgtable_map_pages(pgt,
							   (UINT64_C(1) << rows[i].ias) -
							   SMMUKIT_SZ_64K, 0x10000,
							   SMMUKIT_SZ_64K, 1,
							   SMMUKIT_PROT_READ, NULL), 0);
		assert_true(test_translates(pgt, (UINT64_C(1) << rows[i].ias) - 1,
					    0x1ffff));
		smmukit_pgtable_free(pgt);
	}
	smmukit_posix_destroy(p);
}

/* Page sizes per granule (Arm DDI 0487). */
static void test_pgsize_bitmap(void **state)
{
	struct smmukit_platform *p = test_platform(false);
	struct smmukit_pgtable_cfg cfg;
	struct smmukit_pgtable *pgt;
	struct flush_rec rec;

	assert_int_equal(test_pgtable(p, 1, SMMUKIT_SZ_4K, 48, 48, true, &rec, &cfg, &pgt), 0);
	assert_int_equal(cfg.pgsize_bitmap, SMMUKIT_SZ_4K | SMMUKIT_SZ_2M | SMMUKIT_SZ_1G);
	assert_int_equal(smmukit_pgtable_level_size(pgt, 0), 0);
	assert_int_equal(smmukit_pgtable_level_size(pgt, 1), SMMUKIT_SZ_1G);
	smmukit_pgtable_free(pgt);
	assert_int_equal(test_pgtable(p, 2, SMMUKIT_SZ_16K, 48, 48, true, &rec, &cfg, &pgt), 0);
	assert_int_equal(cfg.pgsize_bitmap, SMMUKIT_SZ_16K | SMMUKIT_SZ_32M);
	smmukit_pgtable_free(pgt);
	assert_int_equal(test_pgtable(p, 1, SMMUKIT_SZ_64K, 52, 52, true, &rec, &cfg, &pgt), 0);
	assert_int_equal(cfg.pgsize_bitmap, SMMUKIT_SZ_64K | SMMUKIT_SZ_512M);
	smmukit_pgtable_free(pgt);
	smmukit_posix_destroy(p);
}

static void test_bad_config(void **state)
{
	struct smmukit_platform *p = test_platform(false);
	struct smmukit_pgtable_cfg cfg;
	struct smmukit_pgtable *pgt = NULL;
	struct flush_rec rec;
	uint64_t base = test_pages_in_use(p);
	struct smmukit_pgtable_flush_ops no_walk = { .flush_all = rec_flush_all };

	assert_int_equal(test_pgtable(p, 3, SMMUKIT_SZ_4K, 48, 48, true, &rec, &cfg, &pgt),
			 -SMMUKIT_EINVAL);
	assert_int_equal(test_pgtable(p, 1, 8192, 48, 48, true, &rec, &cfg, &pgt),
			 -SMMUKIT_EINVAL);
	assert_int_equal(test_pgtable(p, 1, SMMUKIT_SZ_4K, 31, 48, true, &rec, &cfg, &pgt),
			 -SMMUKIT_EINVAL);
	assert_int_equal(test_pgtable(p, 1, SMMUKIT_SZ_4K, 52, 48, true, &rec, &cfg, &pgt),
			 -SMMUKIT_EINVAL);
	assert_int_equal(test_pgtable(p, 1, SMMUKIT_SZ_4K, 48, 52, true, &rec, &cfg, &pgt),
			 -SMMUKIT_EINVAL);
	assert_int_equal(test_pgtable(p, 1, SMMUKIT_SZ_64K, 48, 50, true, &rec, &cfg, &pgt),
			 -SMMUKIT_EINVAL);
	assert_int_equal(test_pgtable(p, 2, SMMUKIT_SZ_4K, 44, 40, true, &rec, &cfg, &pgt),
			 -SMMUKIT_EINVAL);
	/* 64K with PAMax < 44 cannot start at level 1, and 47 or more IPA
	 * bits would need 32 or more tables at level 2. */
	assert_int_equal(test_pgtable(p, 2, SMMUKIT_SZ_64K, 47, 42, true, &rec, &cfg, &pgt),
			 -SMMUKIT_EINVAL);
	assert_int_equal(test_pgtable(p, 2, SMMUKIT_SZ_64K, 48, 40, true, &rec, &cfg, &pgt),
			 -SMMUKIT_EINVAL);
	assert_int_equal(test_pgtable(p, 2, SMMUKIT_SZ_64K, 52, 32, true, &rec, &cfg, &pgt),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_pgtable_alloc(NULL, &pgt), -SMMUKIT_EINVAL);
	memset(&cfg, 0, sizeof(cfg));
	cfg.stage = 1;
	cfg.granule = SMMUKIT_SZ_4K;
	cfg.ias = cfg.oas = 48;
	cfg.platform = p;
	assert_int_equal(smmukit_pgtable_alloc(&cfg, &pgt), -SMMUKIT_EINVAL);
	cfg.flush_ops = &no_walk;
	assert_int_equal(smmukit_pgtable_alloc(&cfg, &pgt), -SMMUKIT_EINVAL);
	assert_null(pgt);
	assert_int_equal(test_pages_in_use(p), base);
	smmukit_pgtable_free(NULL);
	smmukit_posix_destroy(p);
}

/* Bad arguments: the right error, and nothing changes. */
static void test_bad_args(void **state)
{
	struct smmukit_platform *p = test_platform(false);
	struct smmukit_pgtable_cfg cfg;
	struct smmukit_pgtable *pgt;
	struct flush_rec rec;
	const unsigned rw = SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE;
	uint64_t pages, mapped = 1;
	smmukit_phys_t pa;

	assert_int_equal(test_pgtable(p, 1, SMMUKIT_SZ_4K, 40, 36, true, &rec, &cfg, &pgt), 0);
	pages = test_pages_in_use(p);
	/* Misaligned iova, paddr; a size not in the bitmap; no pages. */
	assert_int_equal(smmukit_pgtable_map_pages(pgt, 0x1800, 0x2000, 4096, 1, rw, &mapped),
			 -SMMUKIT_EINVAL);
	assert_int_equal(mapped, 0);
	assert_int_equal(smmukit_pgtable_map_pages(pgt, 0x1000, 0x2800, 4096, 1, rw, NULL),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_pgtable_map_pages(pgt, 0x200000, 0x1000, SMMUKIT_SZ_2M, 1, rw,
						   NULL), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_pgtable_map_pages(pgt, 0, 0, 8192, 1, rw, NULL), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_pgtable_map_pages(pgt, 0, 0, 4096, 0, rw, NULL), -SMMUKIT_EINVAL);
	/* prot without read or write, or with unknown bits. */
	assert_int_equal(smmukit_pgtable_map_pages(pgt, 0, 0, 4096, 1, 0, NULL), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_pgtable_map_pages(pgt, 0, 0, 4096, 1,
						   SMMUKIT_PROT_NOEXEC | SMMUKIT_PROT_CACHE, NULL),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_pgtable_map_pages(pgt, 0, 0, 4096, 1, rw | SMMUKIT_BIT(9), NULL),
			 -SMMUKIT_EINVAL);
	/* Beyond ias (40) or oas (36), also by a count that runs past the end. */
	assert_int_equal(smmukit_pgtable_map_pages(pgt, UINT64_C(1) << 40, 0, 4096, 1, rw, NULL),
			 -SMMUKIT_ERANGE);
	assert_int_equal(smmukit_pgtable_map_pages(pgt, (UINT64_C(1) << 40) - 4096, 0, 4096, 2,
						   rw, NULL), -SMMUKIT_ERANGE);
	assert_int_equal(smmukit_pgtable_map_pages(pgt, 0, UINT64_C(1) << 36, 4096, 1, rw, NULL),
			 -SMMUKIT_ERANGE);
	assert_int_equal(smmukit_pgtable_map_pages(pgt, 0, 0, 4096, UINT64_MAX, rw, NULL),
			 -SMMUKIT_ERANGE);
	assert_int_equal(smmukit_pgtable_map_pages(pgt, UINT64_MAX & ~UINT64_C(4095), 0, 4096, 1,
						   rw, NULL), -SMMUKIT_ERANGE);
	assert_int_equal(smmukit_pgtable_map(pgt, 0, 0, 0x1800, rw, NULL), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_pgtable_map(pgt, 0, 0, 0, rw, NULL), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_pgtable_map(pgt, 0x1000, 0x1000, 0x1000, 0, NULL),
			 -SMMUKIT_EINVAL);
	/*
	 * The convenience map checks the whole request before mapping: these
	 * straddle 2^ias (40) or 2^oas (36), IOVA and PA agree modulo 1G, so
	 * the runs break at the 1G boundary and the first, two 2M blocks below
	 * the limit, would need new tables.
	 */
	assert_int_equal(smmukit_pgtable_map(pgt, (UINT64_C(1) << 40) - 0x400000,
					     0x3fc00000, 0x800000, rw, &mapped),
			 -SMMUKIT_ERANGE);
	assert_int_equal(mapped, 0);
	assert_int_equal(smmukit_pgtable_map(pgt, 0x3fc00000,
					     (UINT64_C(1) << 36) - 0x400000, 0x800000,
					     rw, NULL), -SMMUKIT_ERANGE);
	assert_int_equal(smmukit_pgtable_map(pgt, UINT64_MAX & ~UINT64_C(0xfff), 0,
					     0x2000, rw, NULL), -SMMUKIT_ERANGE);
	/* Unmap: bad size, misaligned, beyond ias; nothing mapped gives 0. */
	assert_int_equal(smmukit_pgtable_unmap_pages(pgt, 0, 8192, 1, NULL), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_pgtable_unmap_pages(pgt, 0x800, 4096, 1, NULL), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_pgtable_unmap_pages(pgt, 0, 4096, 0, NULL), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_pgtable_unmap_pages(pgt, UINT64_C(1) << 40, 4096, 1, NULL),
			 -SMMUKIT_ERANGE);
	assert_int_equal(smmukit_pgtable_unmap_pages(pgt, 0x1000, 4096, 1, NULL), 0);
	assert_int_equal(smmukit_pgtable_unmap(pgt, 0, 0x1800, NULL), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_pgtable_iova_to_phys(pgt, UINT64_C(1) << 40, &pa),
			 -SMMUKIT_ERANGE);
	assert_int_equal(smmukit_pgtable_iova_to_phys(pgt, 0, NULL), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_pgtable_map_pages(NULL, 0, 0, 4096, 1, rw, NULL), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_pgtable_unmap_pages(NULL, 0, 4096, 1, NULL), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_pgtable_walk(pgt, NULL, NULL), -SMMUKIT_EINVAL);
	/* Nothing was allocated, flushed or mapped by any of that. */
	assert_int_equal(test_pages_in_use(p), pages);
	assert_int_equal(rec.flush_walk + rec.add_page, 0);
	assert_int_equal(test_table_pages(pgt, NULL), 1);
	smmukit_pgtable_free(pgt);
	smmukit_posix_destroy(p);
}

/*
 * The reported case: [4G - 4M, 4G + 4M) with ias 32, PA congruent modulo 1G
 * so that the runs break at 4G. Checked run by run, the two 2M blocks below
 * 4G were mapped (a new level-2 table), unmapped again and the table left
 * behind before -ERANGE. Checked first, nothing happens.
 */
static void test_map_range_checked_first(void **state)
{
	struct smmukit_platform *p = test_platform(false);
	struct smmukit_pgtable_cfg cfg;
	struct smmukit_pgtable *pgt;
	struct flush_rec rec;
	const unsigned rw = SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE;
	uint64_t pages, mapped = 1;

	assert_int_equal(test_pgtable(p, 1, SMMUKIT_SZ_4K, 32, 40, true, &rec, &cfg, &pgt), 0);
	pages = test_pages_in_use(p);
	assert_int_equal(smmukit_pgtable_map(pgt, 0xffc00000, 0x7fc00000, 0x800000, rw,
					     &mapped), -SMMUKIT_ERANGE);
	assert_int_equal(mapped, 0);
	assert_int_equal(test_pages_in_use(p), pages);
	assert_int_equal(test_table_pages(pgt, NULL), 1);
	assert_int_equal(rec.flush_walk + rec.add_page, 0);
	assert_true(test_unmapped(pgt, 0xffc00000));
	smmukit_pgtable_free(pgt);
	smmukit_posix_destroy(p);
}

/*
 * A map over empty tables left by page unmaps succeeds (walk flush, tables
 * freed); over a table that still maps something it fails and changes
 * nothing.
 */
static void test_empty_table_replaced(void **state)
{
	struct smmukit_platform *p = test_platform(false);
	struct smmukit_pgtable_cfg cfg;
	struct smmukit_pgtable *pgt;
	struct flush_rec rec;
	const unsigned rw = SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE;
	uint64_t pages;

	assert_int_equal(test_pgtable(p, 1, SMMUKIT_SZ_4K, 48, 48, true, &rec, &cfg, &pgt), 0);
	/* Two 4K pages in the first 2M; the third goes under 1G. */
	assert_int_equal(smmukit_pgtable_map_pages(pgt, 0x1000, 0x5000, 4096, 2, rw, NULL), 0);
	assert_int_equal(smmukit_pgtable_map_pages(pgt, SZ_1G + 0x3000, 0x3000, 4096, 1, rw,
						   NULL), 0);
	pages = test_pages_in_use(p);
	/* Live leaves below: -EEXIST, still mapped, nothing flushed. */
	assert_int_equal(smmukit_pgtable_map_pages(pgt, 0, 0, SMMUKIT_SZ_2M, 1, rw, NULL),
			 -SMMUKIT_EEXIST);
	assert_int_equal(smmukit_pgtable_map_pages(pgt, SZ_1G, 0, SZ_1G, 1, rw, NULL),
			 -SMMUKIT_EEXIST);
	assert_true(test_translates(pgt, 0x2010, 0x6010));
	assert_int_equal(rec.flush_walk, 0);
	assert_int_equal(test_pages_in_use(p), pages);

	/* Empty the L3 table by page unmaps; the 2M block then replaces it. */
	assert_int_equal(smmukit_pgtable_unmap_pages(pgt, 0x1000, 4096, 2, NULL), 8192);
	rec.flush_walk = 0;
	assert_int_equal(smmukit_pgtable_map_pages(pgt, 0, 0x40000000, SMMUKIT_SZ_2M, 1, rw,
						   NULL), 0);
	assert_int_equal(rec.flush_walk, 1);
	assert_int_equal(rec.walk_iova, 0);
	assert_int_equal(rec.walk_size, SMMUKIT_SZ_2M);
	assert_int_equal(test_pages_in_use(p), pages - 1);
	assert_true(test_translates(pgt, 0x1234, 0x40001234));

	/* A 1G block over an L2 table whose only L3 table is empty. */
	assert_int_equal(smmukit_pgtable_unmap_pages(pgt, SZ_1G + 0x3000, 4096, 1, NULL), 4096);
	assert_int_equal(smmukit_pgtable_map_pages(pgt, SZ_1G, SZ_1G, SZ_1G, 1, rw, NULL), 0);
	assert_int_equal(test_pages_in_use(p), pages - 3);
	assert_true(test_translates(pgt, SZ_1G + 0x3000, SZ_1G + 0x3000));
	assert_false(rec.bad);
	smmukit_pgtable_free(pgt);
	smmukit_posix_destroy(p);
}

/* A multi-page map that meets a live leaf part-way undoes what it wrote. */
static void test_map_conflict_undone(void **state)
{
	struct smmukit_platform *p = test_platform(false);
	struct smmukit_pgtable_cfg cfg;
	struct smmukit_pgtable *pgt;
	struct flush_rec rec;
	const unsigned rw = SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE;
	uint64_t mapped = 7;

	assert_int_equal(test_pgtable(p, 2, SMMUKIT_SZ_4K, 40, 40, true, &rec, &cfg, &pgt), 0);
	/* A page just past the next L3 table boundary. */
	assert_int_equal(smmukit_pgtable_map_pages(pgt, 0x201000, 0x9000, 4096, 1, rw, NULL), 0);
	/* 0x1fc000 .. 0x202000: four pages in one table, then two in the next. */
	assert_int_equal(smmukit_pgtable_map_pages(pgt, 0x1fc000, 0x100000, 4096, 6, rw,
						   &mapped), -SMMUKIT_EEXIST);
	assert_int_equal(mapped, 0);
	for (uint64_t iova = 0x1fc000; iova < 0x201000; iova += 4096)
		assert_true(test_unmapped(pgt, iova));
	assert_true(test_translates(pgt, 0x201000, 0x9000));
	/* The undo was flushed: the walker may have seen those leaves. */
	assert_true(rec.flush_walk >= 1);
	assert_int_equal(rec.walk_iova, 0x1fc000);
	assert_int_equal(rec.walk_size, 0x5000);
	/* Same through the convenience map: 0x1fe000 + 16K crosses 0x201000. */
	assert_int_equal(smmukit_pgtable_map(pgt, 0x1fe000, 0x300000, 0x4000, rw, &mapped),
			 -SMMUKIT_EEXIST);
	assert_true(test_unmapped(pgt, 0x1fe000));
	assert_true(test_unmapped(pgt, 0x200000));
	assert_false(rec.bad);
	smmukit_pgtable_free(pgt);
	smmukit_posix_destroy(p);
}

/* Unmaps: stop at a hole; partial block across tables refused up front. */
static void test_unmap_rules(void **state)
{
	struct smmukit_platform *p = test_platform(false);
	struct smmukit_pgtable_cfg cfg;
	struct smmukit_pgtable *pgt;
	struct flush_rec rec;
	const unsigned rw = SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE;
	struct smmukit_iotlb_gather g;

	assert_int_equal(test_pgtable(p, 1, SMMUKIT_SZ_4K, 48, 48, true, &rec, &cfg, &pgt), 0);
	assert_int_equal(smmukit_pgtable_map_pages(pgt, 0x1000, 0x1000, 4096, 2, rw, NULL), 0);
	smmukit_pgtable_gather_init(&g);
	assert_int_equal(smmukit_pgtable_unmap_pages(pgt, 0x1000, 4096, 4, &g), 8192);
	assert_int_equal(rec.add_page, 2);
	assert_int_equal(g.start, 0x1000);
	assert_int_equal(g.end, 0x2fff);

	/* The last page of one L3 table, then a 2M block. */
	assert_int_equal(smmukit_pgtable_map_pages(pgt, 0x1ff000, 0x1ff000, 4096, 1, rw, NULL), 0);
	assert_int_equal(smmukit_pgtable_map_pages(pgt, 0x200000, 0x200000, SMMUKIT_SZ_2M, 1, rw,
						   NULL), 0);
	assert_int_equal(smmukit_pgtable_unmap_pages(pgt, 0x1ff000, 4096, 2, NULL),
			 -SMMUKIT_EINVAL);
	assert_true(test_translates(pgt, 0x1ff000, 0x1ff000));
	assert_true(test_translates(pgt, 0x200000, 0x200000));
	assert_int_equal(smmukit_pgtable_unmap(pgt, 0x1ff000, 0x2000, NULL), -SMMUKIT_EINVAL);
	assert_true(test_translates(pgt, 0x1ff000, 0x1ff000));
	/* The whole lot with the convenience unmap: 4K run, then the block. */
	assert_int_equal(smmukit_pgtable_unmap(pgt, 0x1ff000, 0x201000, NULL), 0x201000);
	assert_true(test_unmapped(pgt, 0x1ff000));
	assert_true(test_unmapped(pgt, 0x300000));
	assert_false(rec.bad);
	smmukit_pgtable_free(pgt);
	smmukit_posix_destroy(p);
}

/*
 * Table removal in unmap: synchronous walk flush, pages on the gather's
 * freelist until the owner frees them; a queued gather gets no leaves.
 */
static void test_gather_and_freelist(void **state)
{
	struct smmukit_platform *p = test_platform(false);
	struct smmukit_pgtable_cfg cfg;
	struct smmukit_pgtable *pgt;
	struct flush_rec rec;
	const unsigned rw = SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE;
	struct smmukit_iotlb_gather g, g2;
	uint64_t pages;

	assert_false(smmukit_pgtable_gather_queued(NULL));
	assert_int_equal(test_pgtable(p, 1, SMMUKIT_SZ_4K, 48, 48, true, &rec, &cfg, &pgt), 0);
	pages = test_pages_in_use(p);
	/* 4K pages in two 2M regions of the same 1G: two L3 tables + L2 + L1. */
	assert_int_equal(smmukit_pgtable_map_pages(pgt, 0x3000, 0x3000, 4096, 3, rw, NULL), 0);
	assert_int_equal(smmukit_pgtable_map_pages(pgt, 0x400000, 0x3000, 4096, 1, rw, NULL), 0);
	assert_int_equal(test_pages_in_use(p), pages + 4);

	/* Lazy: a queued gather. Unmap one 2M slot holding a table. */
	smmukit_pgtable_gather_init(&g);
	g.queued = true;
	assert_true(smmukit_pgtable_gather_queued(&g));
	assert_int_equal(smmukit_pgtable_unmap_pages(pgt, 0, SMMUKIT_SZ_2M, 1, &g),
			 (int64_t)SMMUKIT_SZ_2M);
	assert_int_equal(rec.add_page, 0);
	assert_int_equal(rec.flush_walk, 1);
	assert_int_equal(rec.walk_iova, 0);
	assert_int_equal(rec.walk_size, SMMUKIT_SZ_2M);
	assert_int_equal(g.freelist.count, 1);
	assert_true(smmukit_pgtable_gather_empty(&g));
	assert_true(test_unmapped(pgt, 0x4000));
	/* Not freed until the owner says so. */
	assert_int_equal(test_pages_in_use(p), pages + 4);

	/* Strict: the whole 1G (L2 table with one L3 table) goes. */
	smmukit_pgtable_gather_init(&g2);
	assert_int_equal(smmukit_pgtable_unmap_pages(pgt, 0, SZ_1G, 1, &g2), (int64_t)SZ_1G);
	assert_int_equal(g2.freelist.count, 2);
	assert_int_equal(rec.add_page, 1);
	assert_int_equal(rec.walk_size, SZ_1G);
	/* A flush queue would carry the pages along: splice, then free. */
	smmukit_pgtable_freelist_splice(p, &g.freelist, &g2.freelist);
	assert_int_equal(g.freelist.count, 3);
	assert_int_equal(g2.freelist.count, 0);
	assert_int_equal(smmukit_pgtable_free_freelist(p, &g), 3);
	assert_int_equal(g.freelist.count, 0);
	assert_int_equal(test_pages_in_use(p), pages + 1);

	/* NULL gather: synchronous, tables freed at once, range flushed. */
	assert_int_equal(smmukit_pgtable_map_pages(pgt, 0x600000, 0x3000, 4096, 1, rw, NULL), 0);
	rec.flush_walk = 0;
	assert_int_equal(smmukit_pgtable_unmap_pages(pgt, 0x600000, SMMUKIT_SZ_2M, 1, NULL),
			 (int64_t)SMMUKIT_SZ_2M);
	assert_int_equal(rec.flush_walk, 2);	/* the table, then the range */
	assert_int_equal(test_pages_in_use(p), pages + 2);
	assert_false(rec.bad);
	smmukit_pgtable_free(pgt);
	assert_int_equal(test_pages_in_use(p), pages - 1);
	smmukit_posix_destroy(p);
}

/* The convenience map picks the largest sizes the alignment allows. */
static int stop_at_second(void *arg, smmukit_phys_t table_pa, unsigned level,
			  unsigned index, uint64_t desc)
{
	unsigned *n = arg;

	return ++*n == 2 ? 7 : 0;
}

static void test_convenience_map(void **state)
{
	struct smmukit_platform *p = test_platform(false);
	struct smmukit_pgtable_cfg cfg;
	struct smmukit_pgtable *pgt;
	struct flush_rec rec;
	const unsigned rw = SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE;
	uint64_t leaves, mapped = 0;
	unsigned n = 0;

	assert_int_equal(test_pgtable(p, 1, SMMUKIT_SZ_4K, 48, 48, true, &rec, &cfg, &pgt), 0);
	/* Same alignment: page, two 2M blocks, page. */
	assert_int_equal(smmukit_pgtable_map(pgt, 0x1ff000, 0x401ff000, 0x402000, rw, &mapped), 0);
	assert_int_equal(mapped, 0x402000);
	test_table_pages(pgt, &leaves);
	assert_int_equal(leaves, 4);
	assert_true(test_translates(pgt, 0x3fffff, 0x403fffff));
	assert_true(test_translates(pgt, 0x600fff, 0x40600fff));
	/* IOVA and PA differ in 2M alignment: 4K pages only. */
	assert_int_equal(smmukit_pgtable_map(pgt, 0x40000000, 0x1000, 0x400000, rw, &mapped), 0);
	test_table_pages(pgt, &leaves);
	assert_int_equal(leaves, 4 + 1024);
	/* A 1G-aligned pair: one block. */
	assert_int_equal(smmukit_pgtable_map(pgt, 0x80000000, 0xc0000000, SZ_1G, rw, NULL), 0);
	test_table_pages(pgt, &leaves);
	assert_int_equal(leaves, 4 + 1024 + 1);
	/* The walk stops when the callback says so, with its value. */
	assert_int_equal(smmukit_pgtable_walk(pgt, stop_at_second, &n), 7);
	assert_int_equal(n, 2);
	/* Unmap it all in one go: 4K, 2M, 2M, 4K runs; then 4K pages; then 1G. */
	assert_int_equal(smmukit_pgtable_unmap(pgt, 0x1ff000, 0x402000, NULL), 0x402000);
	assert_int_equal(smmukit_pgtable_unmap(pgt, 0x40000000, 0x400000, NULL), 0x400000);
	assert_int_equal(smmukit_pgtable_unmap(pgt, 0x80000000, SZ_1G, NULL), (int64_t)SZ_1G);
	test_table_pages(pgt, &leaves);
	assert_int_equal(leaves, 0);
	assert_false(rec.bad);
	smmukit_pgtable_free(pgt);
	smmukit_posix_destroy(p);
}

/* ---- non-coherent walker: every descriptor must be cleaned ---- */

#define SYNC_SLOTS 262144

struct sync_shadow {
	struct smmukit_platform *p;
	smmukit_phys_t pa[SYNC_SLOTS];
	uint64_t val[SYNC_SLOTS];
	bool used[SYNC_SLOTS];
};

static struct sync_shadow *shadow;

static unsigned slot_of(smmukit_phys_t pa)
{
	unsigned h = (unsigned)((pa >> 3) * 2654435761u) % SYNC_SLOTS;

	while (shadow->used[h] && shadow->pa[h] != pa)
		h = (h + 1) % SYNC_SLOTS;
	return h;
}

/* The device's view: the value each word had when it was last cleaned. */
static void on_sync(void *arg, smmukit_phys_t pa, uint64_t len)
{
	for (uint64_t off = 0; off < len; off += 8) {
		unsigned h = slot_of(pa + off);
		uint64_t *w = smmukit_plat_phys_to_virt(shadow->p, pa + off);

		shadow->used[h] = true;
		shadow->pa[h] = pa + off;
		shadow->val[h] = smmukit_read_once64(w);
	}
}

static void check_table_words(smmukit_phys_t pa, uint64_t size)
{
	uint64_t *w = smmukit_plat_phys_to_virt(shadow->p, pa);

	for (uint64_t i = 0; i < size / 8; i++) {
		unsigned h = slot_of(pa + i * 8);
		uint64_t mem = smmukit_read_once64(&w[i]);

		if (!shadow->used[h])
			fail_msg("descriptor at 0x%" PRIx64 " never cleaned", pa + i * 8);
		/* The software bit is set after the clean; hardware ignores it. */
		if ((shadow->val[h] & ~LPAE_DESC_SW_SYNC) != (mem & ~LPAE_DESC_SW_SYNC))
			fail_msg("descriptor at 0x%" PRIx64 ": device sees 0x%" PRIx64
				 ", memory holds 0x%" PRIx64, pa + i * 8, shadow->val[h], mem);
	}
}

static int check_one(void *arg, smmukit_phys_t table_pa, unsigned level,
		     unsigned index, uint64_t desc)
{
	struct smmukit_pgtable *pgt = arg;

	if (level < 3 && (desc & 3) == 3)
		check_table_words(lpae_desc_to_oa(desc, smmukit_ilog2(pgt->cfg.granule)),
				  pgt->cfg.granule);
	return 0;
}

static void check_all_cleaned(struct smmukit_pgtable *pgt)
{
	check_table_words(smmukit_pgtable_root_pa(pgt), pgt->cfg.root_size);
	smmukit_pgtable_walk(pgt, check_one, pgt);
}

static void test_noncoherent_syncs(void **state)
{
	const unsigned rw = SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE;

	for (unsigned g = 0; g < SMMUKIT_ARRAY_SIZE(granules); g++) {
		struct smmukit_platform *p = test_platform(true);
		struct smmukit_posix_hooks hooks = { .on_sync = on_sync };
		struct smmukit_pgtable_cfg cfg;
		struct smmukit_pgtable *pgt;
		struct flush_rec rec;
		struct smmukit_posix_stats st;
		uint64_t gran = granules[g], block;

		shadow = calloc(1, sizeof(*shadow));
		assert_non_null(shadow);
		shadow->p = p;
		smmukit_posix_set_hooks(p, &hooks);
		assert_int_equal(test_pgtable(p, 2, gran, 48, 48, false, &rec, &cfg, &pgt), 0);
		assert_int_equal(cfg.s2.s2ir0, 0);
		assert_int_equal(cfg.s2.s2sh0, LPAE_SH_OUTER);
		block = UINT64_C(1) << smmukit_ilog2(cfg.pgsize_bitmap & ~gran);
		check_all_cleaned(pgt);
		assert_int_equal(smmukit_pgtable_map_pages(pgt, gran, 0x10000000, gran, 3, rw,
							   NULL), 0);
		assert_int_equal(smmukit_pgtable_map_pages(pgt, 4 * block, 0, block, 2, rw, NULL),
				 0);
		assert_int_equal(smmukit_pgtable_map(pgt, (UINT64_C(1) << 47) - 2 * gran,
						     0x20000000, 2 * gran, rw, NULL), 0);
		check_all_cleaned(pgt);
		smmukit_posix_get_stats(p, &st);
		assert_true(st.syncs > 0);
		/* Cleared entries must be cleaned as well. */
		assert_int_equal(smmukit_pgtable_unmap_pages(pgt, 2 * gran, gran, 2, NULL),
				 (int64_t)(2 * gran));
		assert_int_equal(smmukit_pgtable_unmap_pages(pgt, 5 * block, block, 1, NULL),
				 (int64_t)block);
		check_all_cleaned(pgt);
		/* Replace the now half-empty table: unmap its last page, map a block. */
		assert_int_equal(smmukit_pgtable_unmap_pages(pgt, gran, gran, 1, NULL),
				 (int64_t)gran);
		assert_int_equal(smmukit_pgtable_map_pages(pgt, 0, 0, block, 1, rw, NULL), 0);
		check_all_cleaned(pgt);
		smmukit_pgtable_free(pgt);
		smmukit_posix_clear_hooks(p);
		smmukit_posix_destroy(p);
		free(shadow);
		shadow = NULL;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selftest_all_configs),
		cmocka_unit_test(test_library_selftest),
		cmocka_unit_test(test_failed_walk_flush_leaks_tables),
		cmocka_unit_test(test_geometry),
		cmocka_unit_test(test_geometry_64k_small_ps),
		cmocka_unit_test(test_pgsize_bitmap),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_map_range_checked_first),
		cmocka_unit_test(test_empty_table_replaced),
		cmocka_unit_test(test_map_conflict_undone),
		cmocka_unit_test(test_unmap_rules),
		cmocka_unit_test(test_gather_and_freelist),
		cmocka_unit_test(test_convenience_map),
		cmocka_unit_test(test_noncoherent_syncs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * IOVA per-CPU magazines and depot (single-threaded; CPUs switched with
 * smmukit_posix_set_cpu): size classes, limits, magazine exchange, depot
 * growth and idle trimming under a manual clock, exhaustion and recovery
 * through the cache flush, bulk free, checked double free, allocation
 * failure on every allocating path, teardown with cached ranges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "iova_test.h"

#define MS UINT64_C(1000000)

static int setup(void **state)
{
	fixture_setup(state);
	smmukit_posix_set_cpu(((struct fixture *)*state)->plat, 0);
	return 0;
}

static struct smmukit_iova_domain *new_domain(struct fixture *f, uint64_t end,
					      uint32_t flags)
{
	struct smmukit_iova_config cfg = {
		.granule = 4096, .start_pfn = 1, .end_pfn = end, .flags = flags,
	};

	assert_int_equal(smmukit_iova_domain_create(f->plat, &cfg, &f->dom), 0);
	return f->dom;
}

static uint64_t fast_ok(struct smmukit_iova_domain *dom, uint64_t size,
			uint64_t limit)
{
	uint64_t pfn = 0;

	assert_int_equal(smmukit_iova_alloc_fast(dom, size, limit, 0, &pfn), 0);
	return pfn;
}

static struct smmukit_iova_stats stats(struct smmukit_iova_domain *dom)
{
	struct smmukit_iova_stats st;

	smmukit_iova_get_stats(dom, &st);
	return st;
}

static void test_fast_size_and_args(void **state)
{
	struct fixture *f = *state;
	struct smmukit_iova_domain *dom = new_domain(f, 0xfffff, 0);
	uint64_t pfn = 5;

	assert_int_equal(smmukit_iova_fast_size(1), 1);
	assert_int_equal(smmukit_iova_fast_size(3), 4);
	assert_int_equal(smmukit_iova_fast_size(17), 32);
	assert_int_equal(smmukit_iova_fast_size(32), 32);
	assert_int_equal(smmukit_iova_fast_size(33), 33);
	assert_int_equal(smmukit_iova_alloc_fast(dom, 0, 0xfffff, 0, &pfn), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iova_alloc_fast(dom, 1, 0xfffff, 0x10, &pfn), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iova_alloc_fast(dom, 1, 0, 0, &pfn), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iova_alloc_fast(dom, 1, 0xfffff, 0, NULL), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iova_alloc_fast(NULL, 1, 0xfffff, 0, &pfn), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iova_alloc_fast(dom, 1u << 21, 0xfffff, 0, &pfn), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iova_alloc_fast(dom, 8, 4, 0, &pfn), -SMMUKIT_ENOSPC);
	assert_int_equal(pfn, 5);
	assert_int_equal(smmukit_iova_free_fast(dom, 0, 1), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iova_free_fast(dom, 1, 0), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iova_free_fast(NULL, 1, 1), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iova_free_fast(dom, 0x100000, 1), -SMMUKIT_EINVAL);
	/* Too large to cache: straight to the tree, which knows it is free. */
	assert_int_equal(smmukit_iova_free_fast(dom, 100, 64), -SMMUKIT_ENOENT);
	assert_int_equal(smmukit_iova_free_bulk(dom, NULL, 1), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iova_free_bulk(dom, NULL, 0), 0);
}

static void test_roundtrip_and_limit(void **state)
{
	struct fixture *f = *state;
	struct smmukit_iova_domain *dom = new_domain(f, (UINT64_C(1) << 36) - 1, 0);
	struct smmukit_iova_range r;
	struct smmukit_iova_stats st;
	uint64_t a, b;

	a = fast_ok(dom, 3, UINT64_MAX);
	assert_int_equal(a % 4, 0);
	assert_int_equal(smmukit_iova_find(dom, a, &r), 0);
	assert_int_equal(r.pfn_hi - r.pfn_lo + 1, 4);
	assert_int_equal(smmukit_iova_free_fast(dom, a, 3), 0);
	/* Still allocated in the tree while cached. */
	assert_int_equal(smmukit_iova_find(dom, a, &r), 0);
	assert_int_equal(fast_ok(dom, 4, UINT64_MAX), a);
	st = stats(dom);
	assert_int_equal(st.cache_hits, 1);
	assert_int_equal(st.cache_misses, 1);
	assert_int_equal(smmukit_iova_free_fast(dom, a, 4), 0);
	/* A 32-bit request must not get the cached high range. */
	b = fast_ok(dom, 4, 0xfffff);
	assert_true(b + 3 <= 0xfffff);
	assert_int_equal(stats(dom).cached_ranges, 1);
	/* Another CPU does not see this CPU's magazine. */
	smmukit_posix_set_cpu(f->plat, 1);
	assert_int_not_equal(fast_ok(dom, 4, UINT64_MAX), a);
	smmukit_posix_set_cpu(f->plat, 0);
	assert_int_equal(fast_ok(dom, 4, UINT64_MAX), a);
	assert_int_equal(smmukit_iova_check(dom), 0);
}

/* Frees on CPU 0 fill loaded, then prev, then the depot, 127 at a time. */
static uint64_t *fill_cpu0(struct fixture *f, uint64_t n)
{
	uint64_t *pfns = calloc(n, sizeof(*pfns));

	smmukit_posix_set_cpu(f->plat, 0);
	for (uint64_t i = 0; i < n; i++)
		pfns[i] = fast_ok(f->dom, 1, UINT64_MAX);
	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(smmukit_iova_free_fast(f->dom, pfns[i], 1), 0);
	return pfns;
}

static void test_magazines_and_depot(void **state)
{
	struct fixture *f = *state;
	const uint64_t mag = SMMUKIT_IOVA_MAG_PFNS;
	const uint64_t base_mags = 2 * 2 * SMMUKIT_IOVA_NR_CLASSES;
	struct smmukit_iova_stats st;
	uint64_t *pfns;

	new_domain(f, 0xfffff, 0);
	assert_int_equal(stats(f->dom).mags_allocated, base_mags);
	pfns = fill_cpu0(f, 5 * mag);
	st = stats(f->dom);
	assert_int_equal(st.depot_mags[0], 3);
	assert_int_equal(st.depot_mags_total, 3);
	assert_int_equal(st.cached_ranges, 5 * mag);
	assert_int_equal(st.tree_ranges, 5 * mag);
	assert_int_equal(st.mags_allocated, base_mags + 3);
	/* CPU 1 has empty magazines: it takes a full one from the depot. */
	smmukit_posix_set_cpu(f->plat, 1);
	fast_ok(f->dom, 1, UINT64_MAX);
	st = stats(f->dom);
	assert_int_equal(st.depot_mags_total, 2);
	assert_int_equal(st.cache_hits, 1);
	assert_int_equal(st.mags_allocated, base_mags + 2);
	assert_int_equal(st.cached_ranges, 5 * mag - 1);
	/* Explicit flush: every range back to the tree but the one in use. */
	smmukit_iova_flush_caches(f->dom);
	st = stats(f->dom);
	assert_int_equal(st.cached_ranges, 0);
	assert_int_equal(st.tree_ranges, 1);
	assert_int_equal(st.depot_mags_total, 0);
	assert_int_equal(st.mags_allocated, base_mags);
	assert_int_equal(st.flushes, 1);
	assert_int_equal(smmukit_iova_check(f->dom), 0);
	free(pfns);
}

/*
 * An idle depot shrinks by itself: the push that left it above keep armed
 * the trim timer, which releases one magazine per period and re-arms until
 * the depot is down to keep. Nothing but the manual clock moves here.
 */
static void test_depot_trim_when_idle(void **state)
{
	struct fixture *f = *state;
	const uint64_t mag = SMMUKIT_IOVA_MAG_PFNS;
	struct smmukit_iova_stats st;
	uint64_t *pfns;

	new_domain(f, 0xfffff, 0);	/* keep = nr_cpus = 2, period 100 ms */
	pfns = fill_cpu0(f, 8 * mag);
	st = stats(f->dom);
	assert_int_equal(st.depot_mags[0], 6);
	assert_int_equal(st.tree_ranges, 8 * mag);
	smmukit_posix_clock_advance(f->plat, 50 * MS);
	assert_int_equal(stats(f->dom).depot_mags[0], 6);
	smmukit_posix_clock_advance(f->plat, 60 * MS);	/* 110 ms */
	st = stats(f->dom);
	assert_int_equal(st.depot_mags[0], 5);
	assert_int_equal(st.tree_ranges, 7 * mag);
	smmukit_posix_clock_advance(f->plat, 100 * MS);	/* 210 ms */
	assert_int_equal(stats(f->dom).depot_mags[0], 4);
	/* One long jump catches up one magazine per period, down to keep. */
	smmukit_posix_clock_advance(f->plat, 10000 * MS);
	assert_int_equal(stats(f->dom).depot_mags[0], 2);
	smmukit_posix_clock_advance(f->plat, 10000 * MS);
	assert_int_equal(smmukit_iova_depot_trim(f->dom), 0);
	st = stats(f->dom);
	assert_int_equal(st.depot_mags[0], 2);
	assert_int_equal(st.depot_trimmed, 4);
	assert_int_equal(st.tree_ranges, 4 * mag);
	assert_int_equal(st.cached_ranges, 4 * mag);
	assert_int_equal(smmukit_iova_check(f->dom), 0);
	free(pfns);
}

/*
 * A steady stream of pushes does not postpone trimming: a push arms the
 * timer only if it is not already pending (Linux's schedule_delayed_work),
 * so the depot still loses one magazine per period above keep. An explicit
 * depot_trim is one step, whatever the time.
 */
static void test_depot_trim_under_pushes(void **state)
{
	struct fixture *f = *state;
	const uint64_t mag = SMMUKIT_IOVA_MAG_PFNS;
	uint64_t *pfns, batch[SMMUKIT_IOVA_MAG_PFNS];

	new_domain(f, 0xfffff, 0);
	pfns = fill_cpu0(f, 8 * mag);	/* depot 6, loaded and prev full */
	/* A push every 60 ms; the timer serves 100, 200, ..., 600 ms. */
	for (int round = 0; round < 10; round++) {
		smmukit_posix_clock_advance(f->plat, 60 * MS);
		for (uint64_t i = 0; i < mag; i++)
			assert_int_equal(smmukit_iova_alloc(f->dom, 1, 0xfffff,
							    true, &batch[i]), 0);
		for (uint64_t i = 0; i < mag; i++)
			assert_int_equal(smmukit_iova_free_fast(f->dom,
								batch[i], 1), 0);
	}
	assert_int_equal(stats(f->dom).depot_trimmed, 6);
	assert_int_equal(stats(f->dom).depot_mags[0], 6 + 10 - 6);
	assert_int_equal(smmukit_iova_depot_trim(f->dom), 1);
	assert_int_equal(stats(f->dom).depot_mags[0], 9);
	assert_int_equal(smmukit_iova_check(f->dom), 0);
	free(pfns);
}

/*
 * Destroy with the trim timer armed: it is cancelled, so a later clock move
 * runs nothing on the freed domain (ASan/TSan builds would see it), and
 * nothing leaks (teardown checks zallocs).
 */
static void test_destroy_with_trim_armed(void **state)
{
	struct fixture *f = *state;
	uint64_t *pfns;

	new_domain(f, 0xfffff, 0);
	pfns = fill_cpu0(f, 8 * SMMUKIT_IOVA_MAG_PFNS);
	smmukit_posix_clock_advance(f->plat, 150 * MS);	/* fired once, re-armed */
	assert_int_equal(stats(f->dom).depot_trimmed, 1);
	smmukit_iova_domain_destroy(f->dom);
	f->dom = NULL;
	smmukit_posix_clock_advance(f->plat, 10000 * MS);
	free(pfns);
}

/*
 * free_fast refuses what alloc_fast could never have returned: a pfn not
 * aligned to the rounded size, or a range running past end_pfn. Unchecked
 * mode never looks at the tree, so such a range would enter a magazine and
 * be handed out misaligned or outside the domain.
 */
static void test_free_fast_refuses_misfit(void **state)
{
	struct fixture *f = *state;
	struct smmukit_iova_domain *dom = new_domain(f, 1000, 0);
	uint64_t pfn = 0, got;

	/* An unaligned tree allocation of 4 ends at 1000: pfn 997. */
	assert_int_equal(smmukit_iova_alloc(dom, 4, 1000, false, &pfn), 0);
	assert_int_equal(pfn, 997);
	assert_int_equal(smmukit_iova_free_fast(dom, pfn, 4), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iova_free_fast(dom, pfn, 3), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iova_free(dom, pfn, 4), 0);
	/* Aligned, but overhanging end_pfn. */
	assert_int_equal(smmukit_iova_free_fast(dom, 992, 32), -SMMUKIT_EINVAL);
	assert_int_equal(stats(dom).cached_ranges, 0);
	got = fast_ok(dom, 4, 1000);
	assert_int_equal(got % 4, 0);
	assert_true(got + 3 <= 1000);
	assert_int_equal(smmukit_iova_free_fast(dom, got, 4), 0);
	assert_int_equal(smmukit_iova_check(dom), 0);
}

/*
 * Exhaustion and recovery: CPU 0 frees the whole space into its magazines
 * and the depot; CPU 1 then finds the tree full. Without the flush it
 * fails; with it, every cache (the depot included) drains and it succeeds.
 */
static void test_exhaustion_flush(void **state)
{
	struct fixture *f = *state;
	const uint64_t span = 1024;
	struct smmukit_iova_stats st;
	uint64_t pfn, n = 0;
	uint64_t *pfns;

	new_domain(f, span, 0);
	pfns = fill_cpu0(f, span);
	assert_int_equal(smmukit_iova_alloc_fast(f->dom, 1, span, SMMUKIT_IOVA_NO_FLUSH, &pfn),
			 0);	/* CPU 0 itself hits its cache */
	assert_int_equal(smmukit_iova_free_fast(f->dom, pfn, 1), 0);
	smmukit_posix_set_cpu(f->plat, 1);
	st = stats(f->dom);
	assert_true(st.depot_mags_total > 0);
	assert_int_equal(st.cached_ranges, span);
	assert_int_equal(smmukit_iova_alloc_fast(f->dom, 2, span, SMMUKIT_IOVA_NO_FLUSH, &pfn),
			 -SMMUKIT_ENOSPC);
	assert_int_equal(smmukit_iova_alloc_fast(f->dom, 2, span, 0, &pfn), 0);
	st = stats(f->dom);
	assert_int_equal(st.flushes, 1);
	assert_int_equal(st.cached_ranges, 0);
	assert_int_equal(st.tree_ranges, 1);
	for (n = 1; smmukit_iova_alloc_fast(f->dom, 2, span, 0, &pfn) == 0; n++)
		assert_int_equal(pfn % 2, 0);
	assert_int_equal(n, span / 2 - 1);	/* pairs [2k, 2k+1], k = 1..511 */
	assert_int_equal(smmukit_iova_check(f->dom), 0);
	free(pfns);
}

static void test_bulk_free(void **state)
{
	struct fixture *f = *state;
	struct smmukit_iova_free_entry e[6];
	const uint64_t sizes[6] = { 1, 3, 32, 33, 100, 2 };
	struct smmukit_iova_stats st;

	new_domain(f, 0xfffff, 0);
	for (int i = 0; i < 6; i++)
		e[i] = (struct smmukit_iova_free_entry){
			fast_ok(f->dom, sizes[i], 0xfffff), sizes[i] };
	assert_int_equal(stats(f->dom).tree_ranges, 6);
	assert_int_equal(smmukit_iova_free_bulk(f->dom, e, 6), 0);
	st = stats(f->dom);
	assert_int_equal(st.tree_ranges, 4);	/* the cacheable ones */
	assert_int_equal(st.cached_ranges, 4);
	/* A bad entry is reported; the good ones are still freed. */
	e[0] = (struct smmukit_iova_free_entry){ fast_ok(f->dom, 40, 0xfffff), 40 };
	e[1] = (struct smmukit_iova_free_entry){ 77777, 50 };
	e[2] = (struct smmukit_iova_free_entry){ fast_ok(f->dom, 1, 0xfffff), 1 };
	assert_int_equal(smmukit_iova_free_bulk(f->dom, e, 3), -SMMUKIT_ENOENT);
	st = stats(f->dom);
	assert_int_equal(st.tree_ranges, 4);
	smmukit_iova_flush_caches(f->dom);
	assert_int_equal(stats(f->dom).tree_ranges, 0);
	/* More large ranges than one lock hold takes, mixed with small ones. */
	{
		struct smmukit_iova_free_entry many[300];

		for (int i = 0; i < 300; i++) {
			uint64_t size = i % 3 ? 33 + i % 20 : 1 + i % 8;

			many[i] = (struct smmukit_iova_free_entry){
				fast_ok(f->dom, size, 0xfffff), size };
		}
		many[250].size_pfns = 0;	/* a bad one late in the batch */
		assert_int_equal(smmukit_iova_free_bulk(f->dom, many, 300), -SMMUKIT_EINVAL);
		assert_int_equal(stats(f->dom).tree_ranges, 101);	/* 100 cached + [250] */
		assert_int_equal(stats(f->dom).cached_ranges, 100);
	}
}

static void test_checked_double_free(void **state)
{
	struct fixture *f = *state;
	uint64_t a, b;

	new_domain(f, 0xfffff, SMMUKIT_IOVA_CHECK_FAST_FREE);
	a = fast_ok(f->dom, 1, 0xfffff);
	b = fast_ok(f->dom, 4, 0xfffff);
	assert_int_equal(smmukit_iova_free_fast(f->dom, a, 1), 0);
	assert_int_equal(smmukit_iova_free_fast(f->dom, a, 1), -SMMUKIT_ENOENT);
	assert_int_equal(smmukit_iova_free(f->dom, a, 1), -SMMUKIT_ENOENT);
	assert_int_equal(smmukit_iova_free_fast(f->dom, b, 2), -SMMUKIT_ENOENT);
	/* Misaligned for its class: refused before the tree is asked. */
	assert_int_equal(smmukit_iova_free_fast(f->dom, b + 1, 4), -SMMUKIT_EINVAL);
	assert_int_equal(stats(f->dom).cached_ranges, 1);
	/* Handed out again, it is the user's to free either way. */
	assert_int_equal(fast_ok(f->dom, 1, 0xfffff), a);
	assert_int_equal(smmukit_iova_free(f->dom, a, 1), 0);
	assert_int_equal(smmukit_iova_free_fast(f->dom, b, 4), 0);
	smmukit_iova_flush_caches(f->dom);
	assert_int_equal(stats(f->dom).tree_ranges, 0);
}

static void test_failure_sweeps(void **state)
{
	struct fixture *f = *state;
	const uint64_t mag = SMMUKIT_IOVA_MAG_PFNS;
	struct smmukit_iova_stats before, after;
	struct smmukit_iova_range r;
	uint64_t pfn = 0, z, *pfns, extra;
	unsigned n;
	int ret;

	new_domain(f, 0xfffff, 0);
	/* alloc_fast on a miss: only the tree node is allocated. */
	for (n = 1;; n++) {
		before = stats(f->dom);
		z = zallocs(f->plat);
		smmukit_posix_fail_nth_alloc(f->plat, n);
		ret = smmukit_iova_alloc_fast(f->dom, 5, 0xfffff, 0, &pfn);
		smmukit_posix_fail_nth_alloc(f->plat, 0);
		if (ret == 0)
			break;
		assert_int_equal(ret, -SMMUKIT_ENOMEM);
		after = stats(f->dom);
		assert_int_equal(after.tree_ranges, before.tree_ranges);
		assert_int_equal(after.flushes, before.flushes);
		assert_int_equal(zallocs(f->plat), z);
	}
	assert_int_equal(n, 2);
	assert_int_equal(smmukit_iova_free_fast(f->dom, pfn, 5), 0);

	/*
	 * free_fast needing a new magazine (loaded and prev full): failing
	 * that allocation sends the range to the tree instead; still success.
	 */
	pfns = fill_cpu0(f, 2 * mag);
	assert_int_equal(smmukit_iova_alloc(f->dom, 1, 0xfffff, true, &extra), 0);
	before = stats(f->dom);
	smmukit_posix_fail_nth_alloc(f->plat, 1);
	assert_int_equal(smmukit_iova_free_fast(f->dom, extra, 1), 0);
	smmukit_posix_fail_nth_alloc(f->plat, 0);
	after = stats(f->dom);
	assert_int_equal(after.tree_ranges, before.tree_ranges - 1);
	assert_int_equal(after.mags_allocated, before.mags_allocated);
	assert_int_equal(after.cached_ranges, before.cached_ranges);
	assert_int_equal(smmukit_iova_find(f->dom, extra, &r), -SMMUKIT_ENOENT);
	/* The same through free_bulk (the flush queue's path). */
	{
		struct smmukit_iova_free_entry e = { 0, 1 };

		assert_int_equal(smmukit_iova_alloc(f->dom, 1, 0xfffff, true, &e.pfn), 0);
		before = stats(f->dom);
		smmukit_posix_fail_nth_alloc(f->plat, 1);
		assert_int_equal(smmukit_iova_free_bulk(f->dom, &e, 1), 0);
		smmukit_posix_fail_nth_alloc(f->plat, 0);
		after = stats(f->dom);
		assert_int_equal(after.tree_ranges, before.tree_ranges - 1);
		assert_int_equal(after.mags_allocated, before.mags_allocated);
	}
	/* Without failure the same free grows the depot. */
	assert_int_equal(smmukit_iova_alloc(f->dom, 1, 0xfffff, true, &extra), 0);
	assert_int_equal(smmukit_iova_free_fast(f->dom, extra, 1), 0);
	assert_int_equal(stats(f->dom).depot_mags_total, 1);
	assert_int_equal(smmukit_iova_check(f->dom), 0);
	free(pfns);
}

/* A CPU going away gives its magazines back; the depot stays. */
static void test_flush_cpu(void **state)
{
	struct fixture *f = *state;
	const uint64_t mag = SMMUKIT_IOVA_MAG_PFNS;
	struct smmukit_iova_stats st;
	uint64_t *pfns;

	new_domain(f, 0xfffff, 0);
	pfns = fill_cpu0(f, 3 * mag + 5);
	assert_int_equal(smmukit_iova_flush_cpu(f->dom, 2), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iova_flush_cpu(NULL, 0), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iova_flush_cpu(f->dom, 1), 0);
	assert_int_equal(stats(f->dom).cached_ranges, 3 * mag + 5);
	assert_int_equal(smmukit_iova_flush_cpu(f->dom, 0), 0);
	st = stats(f->dom);
	assert_int_equal(st.cached_ranges, 2 * mag);	/* pushes at 255, 382 */
	assert_int_equal(st.depot_mags_total, 2);
	assert_int_equal(st.tree_ranges, 2 * mag);
	assert_int_equal(smmukit_iova_check(f->dom), 0);
	free(pfns);
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * Random fast-path operations on two CPUs against a shadow bitmap, in
 * checked mode: no pfn handed out twice, limits and size alignment kept,
 * double frees refused, and everything back in the tree at the end.
 * Seed printed; replay with SMMUKIT_SEED.
 */
static void test_fast_shadow_random(void **state)
{
	struct fixture *f = *state;
	enum { END = 4096, MAXLIVE = 600 };
	const char *env = getenv("SMMUKIT_SEED");
	uint8_t *owned = calloc(END + 1, 1);
	struct smmukit_iova_free_entry live[MAXLIVE];
	size_t nlive = 0;
	uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);

	printf("iova_cache fast shadow test: SMMUKIT_SEED=%llu\n",
	       (unsigned long long)seed);
	rng_state = seed;
	new_domain(f, END, SMMUKIT_IOVA_CHECK_FAST_FREE);
	for (unsigned i = 0; i < 30000; i++) {
		uint64_t op = rnd() % 100;

		smmukit_posix_set_cpu(f->plat, (unsigned)(rnd() % 2));
		if (op < 50 && nlive < MAXLIVE) {
			uint64_t size = rnd() % 6 ? 1 + rnd() % 8 : 1 + rnd() % 40;
			uint64_t real = smmukit_iova_fast_size(size);
			uint64_t limit = rnd() % 3 ? END : real + rnd() % END;
			uint64_t pfn = 0, align = 1;
			int ret = smmukit_iova_alloc_fast(f->dom, size, limit,
							  rnd() % 4 ? 0 : SMMUKIT_IOVA_NO_FLUSH,
							  &pfn);

			if (ret) {
				assert_int_equal(ret, -SMMUKIT_ENOSPC);
				continue;
			}
			while (align < real)
				align <<= 1;
			assert_int_equal(pfn % align, 0);
			assert_true(pfn >= 1 && pfn + real - 1 <= (limit < END ? limit : END));
			for (uint64_t p = pfn; p < pfn + real; p++) {
				assert_int_equal(owned[p], 0);
				owned[p] = 1;
			}
			live[nlive++] = (struct smmukit_iova_free_entry){ pfn, size };
		} else if (op < 90 && nlive) {
			size_t k = rnd() % nlive;
			struct smmukit_iova_free_entry e = live[k];

			for (uint64_t p = e.pfn; p < e.pfn + smmukit_iova_fast_size(e.size_pfns); p++)
				owned[p] = 0;
			if (rnd() % 3)
				assert_int_equal(smmukit_iova_free_fast(f->dom, e.pfn, e.size_pfns), 0);
			else
				assert_int_equal(smmukit_iova_free_bulk(f->dom, &e, 1), 0);
			if (rnd() % 8 == 0)
				assert_int_equal(smmukit_iova_free_fast(f->dom, e.pfn, e.size_pfns),
						 -SMMUKIT_ENOENT);
			live[k] = live[--nlive];
		} else if (op < 95) {
			smmukit_posix_clock_advance(f->plat, rnd() % (200 * MS));
			smmukit_iova_depot_trim(f->dom);
		} else if (op < 97) {
			smmukit_iova_flush_cpu(f->dom, (unsigned)(rnd() % 2));
		} else if (op < 98) {
			smmukit_iova_flush_caches(f->dom);
		}
		if (i % 256 == 0)
			assert_int_equal(smmukit_iova_check(f->dom), 0);
	}
	while (nlive) {
		nlive--;
		assert_int_equal(smmukit_iova_free_fast(f->dom, live[nlive].pfn,
							live[nlive].size_pfns), 0);
	}
	smmukit_iova_flush_caches(f->dom);
	assert_int_equal(stats(f->dom).tree_ranges, 0);
	assert_int_equal(smmukit_iova_check(f->dom), 0);
	free(owned);
}

static void test_teardown_with_cached(void **state)
{
	struct fixture *f = *state;
	uint64_t *pfns;

	new_domain(f, 0xfffff, SMMUKIT_IOVA_CHECK_FAST_FREE);
	pfns = fill_cpu0(f, 4 * SMMUKIT_IOVA_MAG_PFNS);
	smmukit_posix_set_cpu(f->plat, 1);
	for (int i = 0; i < 100; i++)
		fast_ok(f->dom, 1 + i % 40, 0xfffff);
	assert_int_equal(smmukit_iova_reserve(f->dom, 0x8000, 0x80ff), 0);
	assert_true(stats(f->dom).depot_mags_total > 0);
	free(pfns);
	/* fixture_teardown() destroys the domain and checks every byte came back. */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fast_size_and_args, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip_and_limit, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_magazines_and_depot, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_depot_trim_when_idle, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_depot_trim_under_pushes, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_destroy_with_trim_armed, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_free_fast_refuses_misfit, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion_flush, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_bulk_free, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_checked_double_free, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_failure_sweeps, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_flush_cpu, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_fast_shadow_random, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_teardown_with_cached, setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * Concurrent maps and unmaps of disjoint ranges that share table pages: the
 * threads' pages interleave inside the same last-level tables, and every
 * round moves to a fresh region so the threads race to install the same
 * missing tables (compare-and-swap; losers free their page). Checks: every
 * thread sees its own translations, nothing else changes, and afterwards
 * every allocated page is a reachable table (lost races leaked nothing).
 * Meant to run under ThreadSanitizer too. Not a benchmark.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pgtable_test.h"

#define THREADS 4
#define ROUNDS 60
#define PAGES_PER_THREAD 48

struct shared {
	struct smmukit_pgtable *pgt;
	struct smmukit_platform *plat;
	uint64_t granule;
	uint64_t region;	/* bytes between rounds' regions */
	pthread_barrier_t barrier;
	atomic_uint errors;
	atomic_ulong walk_flushes;
	atomic_ulong add_pages;
};

struct worker {
	struct shared *sh;
	unsigned id;
};

static void conc_flush_all(void *cookie)
{
}

static int conc_flush_walk(void *cookie, uint64_t iova, uint64_t size,
			   uint64_t granule)
{
	struct shared *sh = cookie;

	atomic_fetch_add(&sh->walk_flushes, 1);
	return 0;
}

static void conc_add_page(struct smmukit_iotlb_gather *g, void *cookie,
			  uint64_t iova, uint64_t granule)
{
	struct shared *sh = cookie;

	atomic_fetch_add(&sh->add_pages, 1);
	smmukit_pgtable_gather_add_range(g, iova, granule);
}

static const struct smmukit_pgtable_flush_ops conc_ops = {
	.flush_all = conc_flush_all,
	.flush_walk = conc_flush_walk,
	.add_page = conc_add_page,
};

/* Page i of thread id in a round: interleaved with the other threads. */
static uint64_t page_iova(const struct shared *sh, unsigned round, unsigned id,
			  unsigned i)
{
	/* Start a little below a table boundary so two tables are shared. */
	uint64_t base = sh->region * (round + 1) - 32 * sh->granule;

	return base + ((uint64_t)i * THREADS + id) * sh->granule;
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	const unsigned rw = SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE;

	smmukit_posix_set_cpu(sh->plat, w->id);
	for (unsigned round = 0; round < ROUNDS; round++) {
		struct smmukit_iotlb_gather g;

		pthread_barrier_wait(&sh->barrier);
		for (unsigned i = 0; i < PAGES_PER_THREAD; i++) {
			uint64_t iova = page_iova(sh, round, w->id, i);

			if (smmukit_pgtable_map_pages(sh->pgt, iova, iova ^ 0x100000000,
						      sh->granule, 1, rw, NULL))
				atomic_fetch_add(&sh->errors, 1);
		}
		for (unsigned i = 0; i < PAGES_PER_THREAD; i++) {
			uint64_t iova = page_iova(sh, round, w->id, i);

			if (!test_translates(sh->pgt, iova + 8, (iova ^ 0x100000000) + 8))
				atomic_fetch_add(&sh->errors, 1);
		}
		/* Unmap every other page of this round: strict gather. */
		smmukit_pgtable_gather_init(&g);
		for (unsigned i = 0; i < PAGES_PER_THREAD; i += 2)
			if (smmukit_pgtable_unmap_pages(sh->pgt, page_iova(sh, round, w->id, i),
							sh->granule, 1, &g) !=
			    (int64_t)sh->granule)
				atomic_fetch_add(&sh->errors, 1);
		if (g.freelist.count)
			atomic_fetch_add(&sh->errors, 1);
	}
	return NULL;
}

static void run(uint64_t granule, bool coherent)
{
	struct smmukit_platform *p = test_platform(false);
	struct shared sh = { .plat = p, .granule = granule };
	struct smmukit_pgtable_cfg cfg = {
		.stage = 1, .granule = granule, .ias = 48, .oas = 48,
		.coherent_walk = coherent, .flush_ops = &conc_ops, .cookie = &sh,
		.platform = p,
	};
	uint64_t base = test_pages_in_use(p), leaves;
	pthread_t th[THREADS];
	struct worker w[THREADS];

	assert_int_equal(smmukit_pgtable_alloc(&cfg, &sh.pgt), 0);
	/* One last-level table spans granule * entries; rounds sit a 2nd-level table apart. */
	sh.region = (granule / 8) * (granule / 8) * granule;
	pthread_barrier_init(&sh.barrier, NULL, THREADS);
	for (unsigned i = 0; i < THREADS; i++) {
		w[i].sh = &sh;
		w[i].id = i;
		assert_int_equal(pthread_create(&th[i], NULL, worker_fn, &w[i]), 0);
	}
	for (unsigned i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&sh.barrier);

	assert_int_equal(atomic_load(&sh.errors), 0);
	assert_int_equal(atomic_load(&sh.walk_flushes), 0);
	assert_int_equal(atomic_load(&sh.add_pages),
			 (uint64_t)ROUNDS * THREADS * (PAGES_PER_THREAD / 2));
	/* Half of each round's pages remain, nothing else. */
	assert_int_equal(test_table_pages(sh.pgt, &leaves), test_pages_in_use(p) - base);
	assert_int_equal(leaves, (uint64_t)ROUNDS * THREADS * (PAGES_PER_THREAD / 2));
	for (unsigned r = 0; r < ROUNDS; r++)
		for (unsigned t = 0; t < THREADS; t++)
			for (unsigned i = 0; i < PAGES_PER_THREAD; i++) {
				uint64_t iova = page_iova(&sh, r, t, i);

				if (i % 2)
					assert_true(test_translates(sh.pgt, iova,
								    iova ^ 0x100000000));
				else
					assert_true(test_unmapped(sh.pgt, iova));
			}
	smmukit_pgtable_free(sh.pgt);
	assert_int_equal(test_pages_in_use(p), base);
	smmukit_posix_destroy(p);
}

static void test_concurrent_4k(void **state)
{
	run(SMMUKIT_SZ_4K, true);
}

static void test_concurrent_16k_noncoherent(void **state)
{
	run(SMMUKIT_SZ_16K, false);
}

static void test_concurrent_64k(void **state)
{
	run(SMMUKIT_SZ_64K, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_4k),
		cmocka_unit_test(test_concurrent_16k_noncoherent),
		cmocka_unit_test(test_concurrent_64k),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

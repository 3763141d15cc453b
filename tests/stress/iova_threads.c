/* SPDX-License-Identifier: MIT */
/*
 * IOVA magazines and depot under threads. Not a benchmark: it checks that
 * concurrent alloc_fast / free_fast / free_bulk / flush / trim never hand
 * out one pfn twice, never lose a range, and leave the tree consistent.
 *
 * Four workers share two simulated CPUs (more threads than CPUs), so two
 * threads contend for each CPU's cache locks. A reclaimer thread plays the
 * lazy flush queue: it frees other threads' ranges in bulk, trims depots
 * and sometimes flushes every cache. The space is small, so exhaustion and
 * the flush-and-retry path happen (often in the tight variant).
 *
 * Workers re-pin themselves to a random CPU between operations (a thread
 * migrating, as cpu_id() allows), and now and then run a burst: pin to one
 * CPU, allocate BURST ranges of one class, free them all there (pushing
 * magazines to that class's depot), then sleep for several trim periods, so
 * the depot's trim timer (real clock, timer thread) releases magazines
 * while the other workers and the reclaimer use the same depots.
 *
 * SMMUKIT_STRESS_OPS sets operations per worker (default 100000);
 * SMMUKIT_SEED the seed (printed).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "smmukit/iova.h"
#include "smmukit/platform_posix.h"

#define NR_WORKERS 4
#define NR_CPUS 2u
#define SPAN 16384u
#define QUEUE_LEN 256
#define BURST 384	/* >= 3 magazines: pushes the depot above keep */

struct shared {
	struct smmukit_platform *plat;
	struct smmukit_iova_domain *dom;
	_Atomic uint8_t owner[SPAN + 2];
	_Atomic uint64_t errors;
	_Atomic uint64_t enospc;
	_Atomic uint64_t allocs;
	_Atomic uint64_t bursts;
	_Atomic int workers_left;
	uint64_t ops;
	uint64_t seed;
	uint64_t span;
	/* Ranges handed to the reclaimer: qlock. */
	pthread_mutex_t qlock;
	struct smmukit_iova_free_entry queue[QUEUE_LEN];
	size_t qlen;
};

struct worker {
	struct shared *sh;
	unsigned id;
	pthread_t thread;
};

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Claim (want = 1) or release (want = 0) every pfn of a range. */
static void own(struct shared *sh, uint64_t pfn, uint64_t size, uint8_t want)
{
	for (uint64_t p = pfn; p < pfn + size; p++) {
		if (p > sh->span || atomic_exchange(&sh->owner[p], want) == want) {
			fprintf(stderr, "iova_threads: pfn %llu %s twice\n",
				(unsigned long long)p, want ? "handed out" : "freed");
			atomic_fetch_add(&sh->errors, 1);
		}
	}
}

static void release(struct shared *sh, uint64_t *s,
		    struct smmukit_iova_free_entry e)
{
	own(sh, e.pfn, smmukit_iova_fast_size(e.size_pfns), 0);
	if (rnd(s) % 2) {
		if (smmukit_iova_free_fast(sh->dom, e.pfn, e.size_pfns))
			atomic_fetch_add(&sh->errors, 1);
		return;
	}
	pthread_mutex_lock(&sh->qlock);
	if (sh->qlen < QUEUE_LEN) {
		sh->queue[sh->qlen++] = e;
		e.size_pfns = 0;
	}
	pthread_mutex_unlock(&sh->qlock);
	if (e.size_pfns && smmukit_iova_free_fast(sh->dom, e.pfn, e.size_pfns))
		atomic_fetch_add(&sh->errors, 1);
}

/*
 * A bursty phase: on one CPU, allocate up to BURST ranges of one cacheable
 * class, free them all through the fast path, then stay idle for a few
 * trim periods while the trim timer shrinks the depot.
 */
static void burst(struct shared *sh, uint64_t *s)
{
	static const uint64_t sizes[] = { 1, 2, 4 };
	uint64_t size = sizes[rnd(s) % 3], pfns[BURST];
	struct timespec idle = { 0, 100000 };	/* 5 trim periods */
	size_t n = 0;

	smmukit_posix_set_cpu(sh->plat, (unsigned)(rnd(s) % NR_CPUS));
	while (n < BURST) {
		int ret = smmukit_iova_alloc_fast(sh->dom, size, sh->span,
						  SMMUKIT_IOVA_NO_FLUSH, &pfns[n]);

		if (ret == -SMMUKIT_ENOSPC)
			break;
		if (ret) {
			atomic_fetch_add(&sh->errors, 1);
			break;
		}
		own(sh, pfns[n], size, 1);
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		own(sh, pfns[i], size, 0);
		if (smmukit_iova_free_fast(sh->dom, pfns[i], size))
			atomic_fetch_add(&sh->errors, 1);
	}
	atomic_fetch_add(&sh->bursts, 1);
	nanosleep(&idle, NULL);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	struct smmukit_iova_free_entry *live = calloc(SPAN, sizeof(*live));
	uint64_t s = sh->seed * 31 + w->id;
	size_t nlive = 0;

	for (uint64_t i = 0; i < sh->ops; i++) {
		/* Migrate now and then: the next op may use another CPU's cache. */
		if (rnd(&s) % 8 == 0)
			smmukit_posix_set_cpu(sh->plat,
					      (unsigned)(rnd(&s) % NR_CPUS));
		if (rnd(&s) % 2048 == 0 || i == sh->ops / 2) {
			burst(sh, &s);
			continue;
		}
		if (nlive < 100 && rnd(&s) % 100 < 55) {
			uint64_t size = rnd(&s) % 8 ? 1 + rnd(&s) % 8 : 1 + rnd(&s) % 48;
			uint64_t limit = rnd(&s) % 4 ? sh->span : sh->span / 2;
			uint64_t pfn = 0;
			int ret = smmukit_iova_alloc_fast(sh->dom, size, limit, 0, &pfn);

			if (ret == -SMMUKIT_ENOSPC) {
				atomic_fetch_add(&sh->enospc, 1);
				continue;
			}
			if (ret || pfn + smmukit_iova_fast_size(size) - 1 > limit) {
				atomic_fetch_add(&sh->errors, 1);
				continue;
			}
			own(sh, pfn, smmukit_iova_fast_size(size), 1);
			live[nlive++] = (struct smmukit_iova_free_entry){ pfn, size };
			atomic_fetch_add(&sh->allocs, 1);
		} else if (nlive) {
			size_t k = rnd(&s) % nlive;

			release(sh, &s, live[k]);
			live[k] = live[--nlive];
		}
	}
	while (nlive)
		release(sh, &s, live[--nlive]);
	free(live);
	atomic_fetch_sub(&sh->workers_left, 1);
	return NULL;
}

static void drain_queue(struct shared *sh)
{
	static struct smmukit_iova_free_entry batch[QUEUE_LEN];
	size_t n;

	pthread_mutex_lock(&sh->qlock);
	n = sh->qlen;
	memcpy(batch, sh->queue, n * sizeof(batch[0]));
	sh->qlen = 0;
	pthread_mutex_unlock(&sh->qlock);
	if (smmukit_iova_free_bulk(sh->dom, batch, n))
		atomic_fetch_add(&sh->errors, 1);
}

static void *reclaimer_main(void *arg)
{
	struct shared *sh = arg;
	struct timespec ts = { 0, 200000 };
	unsigned round = 0;

	while (atomic_load(&sh->workers_left) > 0) {
		drain_queue(sh);
		smmukit_iova_depot_trim(sh->dom);
		if (++round % 64 == 0)
			smmukit_iova_flush_caches(sh->dom);
		nanosleep(&ts, NULL);
	}
	drain_queue(sh);
	return NULL;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v ? strtoull(v, NULL, 0) : def;
}

static void run(uint32_t flags, uint64_t span)
{
	struct smmukit_posix_config pcfg = {
		.mem_size = 16u << 20, .nr_cpus = NR_CPUS,
		.log_level = SMMUKIT_LOG_ERR,
	};
	struct smmukit_iova_config cfg = {
		.granule = 4096, .start_pfn = 1, .end_pfn = span,
		.depot_trim_ns = 20000, .depot_keep_mags = 1, .flags = flags,
	};
	struct shared *sh = calloc(1, sizeof(*sh));
	struct worker w[NR_WORKERS];
	struct smmukit_iova_stats st;
	struct smmukit_posix_stats ps;
	pthread_t reclaimer;
	uint64_t base;

	sh->span = span;
	sh->ops = env_u64("SMMUKIT_STRESS_OPS", 100000);
	sh->seed = env_u64("SMMUKIT_SEED", (uint64_t)time(NULL));
	printf("iova_threads (not a benchmark): flags %u, %llu pfns, %d workers "
	       "on 2 CPUs, %llu ops each, SMMUKIT_SEED=%llu\n", flags,
	       (unsigned long long)span, NR_WORKERS,
	       (unsigned long long)sh->ops, (unsigned long long)sh->seed);
	assert_int_equal(smmukit_posix_create(&pcfg, &sh->plat), 0);
	smmukit_posix_get_stats(sh->plat, &ps);
	base = ps.zallocs_in_use;
	assert_int_equal(smmukit_iova_domain_create(sh->plat, &cfg, &sh->dom), 0);
	assert_int_equal(smmukit_iova_reserve(sh->dom, 1000, 1099), 0);
	for (unsigned p = 1000; p <= 1099; p++)
		sh->owner[p] = 1;
	pthread_mutex_init(&sh->qlock, NULL);
	sh->workers_left = NR_WORKERS;

	for (unsigned i = 0; i < NR_WORKERS; i++) {
		w[i] = (struct worker){ .sh = sh, .id = i };
		assert_int_equal(pthread_create(&w[i].thread, NULL, worker_main, &w[i]), 0);
	}
	assert_int_equal(pthread_create(&reclaimer, NULL, reclaimer_main, sh), 0);
	for (unsigned i = 0; i < NR_WORKERS; i++)
		pthread_join(w[i].thread, NULL);
	pthread_join(reclaimer, NULL);

	smmukit_iova_get_stats(sh->dom, &st);
	printf("allocs %llu, bursts %llu, ENOSPC %llu, flushes %llu, hits %llu, "
	       "misses %llu, depot trimmed %llu\n",
	       (unsigned long long)atomic_load(&sh->allocs),
	       (unsigned long long)atomic_load(&sh->bursts),
	       (unsigned long long)atomic_load(&sh->enospc),
	       (unsigned long long)st.flushes, (unsigned long long)st.cache_hits,
	       (unsigned long long)st.cache_misses,
	       (unsigned long long)st.depot_trimmed);
	assert_int_equal(atomic_load(&sh->errors), 0);
	assert_true(st.cache_hits > 0);
	assert_true(atomic_load(&sh->bursts) >= NR_WORKERS);
	/* Bursts pushed depots above keep: trimming ran concurrently. */
	assert_true(st.depot_trimmed > 0);
	assert_int_equal(smmukit_iova_check(sh->dom), 0);
	/* Everything was freed: after a flush only the reservation is left. */
	smmukit_iova_flush_caches(sh->dom);
	smmukit_iova_get_stats(sh->dom, &st);
	assert_int_equal(st.tree_ranges, 1);
	assert_int_equal(st.cached_ranges, 0);
	smmukit_iova_domain_destroy(sh->dom);
	smmukit_posix_get_stats(sh->plat, &ps);
	assert_int_equal(ps.zallocs_in_use, base);
	pthread_mutex_destroy(&sh->qlock);
	smmukit_posix_destroy(sh->plat);
	free(sh);
}

static void test_threads(void **state)
{
	run(0, SPAN);
}

static void test_threads_checked(void **state)
{
	run(SMMUKIT_IOVA_CHECK_FAST_FREE, SPAN);
}

/* A space the workers nearly fill: exhaustion, flush and retry all the time. */
static void test_threads_tight(void **state)
{
	run(0, SPAN / 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_threads_checked),
		cmocka_unit_test(test_threads_tight),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

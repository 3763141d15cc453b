/* SPDX-License-Identifier: MIT */
/*
 * IOVA allocator benchmark (not a test).
 *
 *  1. fast path: single-thread alloc_fast + free_fast pairs (magazine hits)
 *     and, for reference, tree alloc + free pairs on an empty domain; then
 *     2 and 4 threads on 2 simulated CPUs (aggregate wall time per pair);
 *  2. fragmented space: --live ranges (default 100000) of mixed sizes left
 *     after random frees; the gap-augmented tree and a plain cached-node
 *     allocator (bench/iova_cached_node.h) run the same operation stream
 *     side by side:
 *       typical: alloc of a mixed small size, then free of a random range;
 *       worst:   free of a random range (which moves the cached node up),
 *                then an allocation larger than every hole, so it must go
 *                below all live ranges;
 *     plus the magazine fast path on the same fragmented domain, and our
 *     own worst case (misaligned_enospc: an aligned request whose only
 *     holes are misaligned and shorter than size + align - 1: eight
 *     exact-fit tries, then -ENOSPC);
 *  3. depot size over time: a burst of frees, then idle, with no calls:
 *     the domain's trim timer shrinks it as the manual clock moves.
 *
 * Each measurement is repeated --reps times (default 3); medians are shown.
 * --json prints one JSON object per line, the last one the full result.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "iova_cached_node.h"
#include "smmukit/iova.h"
#include "smmukit/platform_posix.h"

#define END_PFN ((UINT64_C(1) << 36) - 1)	/* 48-bit IOVAs, 4 KiB granule */

struct opts {
	unsigned reps;
	uint64_t live;
	uint64_t fast_iters;
	uint64_t typical_iters;
	uint64_t worst_iters;
	uint64_t seed;
	bool json;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t rng;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Mixed DMA sizes in granules: mostly small, some up to 64. */
static uint64_t mixed_size(void)
{
	uint64_t r = rnd() % 100;

	if (r < 60)
		return 1 + rnd() % 4;
	if (r < 90)
		return 5 + rnd() % 12;
	return 17 + rnd() % 48;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static struct smmukit_platform *plat;

static struct smmukit_iova_domain *new_domain(void)
{
	struct smmukit_iova_config cfg = { .granule = 4096, .end_pfn = END_PFN };
	struct smmukit_iova_domain *dom;

	if (smmukit_iova_domain_create(plat, &cfg, &dom)) {
		fprintf(stderr, "bench_iova: domain_create failed\n");
		exit(1);
	}
	return dom;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_iova: %s failed\n", what);
	exit(1);
}

/* ------------------------------------------------------- 1. fast path -- */

static double fast_pairs(uint64_t size, uint64_t iters)
{
	struct smmukit_iova_domain *dom = new_domain();
	uint64_t pfn, t0, t1;

	for (uint64_t i = 0; i < 1000; i++) {	/* warm the magazine */
		if (smmukit_iova_alloc_fast(dom, size, END_PFN, 0, &pfn))
			die("alloc_fast");
		smmukit_iova_free_fast(dom, pfn, size);
	}
	t0 = now_ns();
	for (uint64_t i = 0; i < iters; i++) {
		if (smmukit_iova_alloc_fast(dom, size, END_PFN, 0, &pfn))
			die("alloc_fast");
		smmukit_iova_free_fast(dom, pfn, size);
	}
	t1 = now_ns();
	smmukit_iova_domain_destroy(dom);
	return (double)(t1 - t0) / (double)iters;
}

static double tree_pairs(uint64_t size, uint64_t iters)
{
	struct smmukit_iova_domain *dom = new_domain();
	uint64_t pfn, t0, t1;

	t0 = now_ns();
	for (uint64_t i = 0; i < iters; i++) {
		if (smmukit_iova_alloc(dom, size, END_PFN, true, &pfn))
			die("alloc");
		smmukit_iova_free(dom, pfn, size);
	}
	t1 = now_ns();
	smmukit_iova_domain_destroy(dom);
	return (double)(t1 - t0) / (double)iters;
}

/* Threads doing fast pairs at once; CPU ids round-robin over nr_cpus. */
struct mt_arg {
	struct smmukit_iova_domain *dom;
	uint64_t iters;
	unsigned cpu;
	pthread_barrier_t *start;
};

static void *mt_main(void *p)
{
	struct mt_arg *a = p;
	uint64_t pfn, size;

	smmukit_posix_set_cpu(plat, a->cpu);
	pthread_barrier_wait(a->start);
	for (uint64_t i = 0; i < a->iters; i++) {
		size = 1u << (i % 4);
		if (smmukit_iova_alloc_fast(a->dom, size, END_PFN, 0, &pfn))
			die("alloc_fast");
		smmukit_iova_free_fast(a->dom, pfn, size);
	}
	return NULL;
}

/* Aggregate ns per pair (wall time / all pairs) with nthreads threads. */
static double fast_pairs_mt(unsigned nthreads, uint64_t iters)
{
	struct smmukit_iova_domain *dom = new_domain();
	pthread_t th[8];
	struct mt_arg args[8];
	pthread_barrier_t start;
	uint64_t t0, t1;

	pthread_barrier_init(&start, NULL, nthreads + 1);
	for (unsigned i = 0; i < nthreads; i++) {
		args[i] = (struct mt_arg){ dom, iters, i, &start };
		pthread_create(&th[i], NULL, mt_main, &args[i]);
	}
	pthread_barrier_wait(&start);
	t0 = now_ns();
	for (unsigned i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	t1 = now_ns();
	pthread_barrier_destroy(&start);
	smmukit_iova_domain_destroy(dom);
	return (double)(t1 - t0) / (double)(iters * nthreads);
}

/* ---------------------------------------------------- 2. fragmented -- */

struct range {
	uint64_t pfn;
	uint64_t size;
};

/* One allocator behind a common face, so both run the same stream. */
struct alloc_ops {
	const char *name;
	int (*alloc)(void *ctx, uint64_t size, uint64_t *pfn);
	void (*free)(void *ctx, uint64_t pfn, uint64_t size);
	void *ctx;
};

static int ours_alloc(void *ctx, uint64_t size, uint64_t *pfn)
{
	return smmukit_iova_alloc(ctx, size, END_PFN, true, pfn);
}

static void ours_free(void *ctx, uint64_t pfn, uint64_t size)
{
	if (smmukit_iova_free(ctx, pfn, size))
		die("free");
}

static int cn_alloc_op(void *ctx, uint64_t size, uint64_t *pfn)
{
	return cn_alloc(ctx, size, END_PFN, true, pfn);
}

static void cn_free_op(void *ctx, uint64_t pfn, uint64_t size)
{
	if (cn_free(ctx, pfn))
		die("cn_free");
}

struct frag_result {
	double small_pair_ns;
	double small_alloc_ns;	/* median of the allocations alone */
	double typical_pair_ns;
	double typical_alloc_ns;
	double worst_median_ns;
	double worst_max_ns;
	double build_ms;
	uint64_t worst_size;
	uint64_t largest_hole;
};

/* Fill with 2 * live mixed ranges, free a random half. */
static struct range *build(const struct alloc_ops *a, uint64_t live,
			   uint64_t *nlive)
{
	struct range *r = calloc(2 * live, sizeof(*r));
	uint64_t n = 2 * live;

	for (uint64_t i = 0; i < n; i++) {
		r[i].size = mixed_size();
		if (a->alloc(a->ctx, r[i].size, &r[i].pfn))
			die("build alloc");
	}
	while (n > live) {
		uint64_t k = rnd() % n;

		a->free(a->ctx, r[k].pfn, r[k].size);
		r[k] = r[--n];
	}
	*nlive = n;
	return r;
}

static uint64_t largest_hole(const struct range *r, uint64_t n)
{
	uint64_t *lo = malloc(n * sizeof(*lo)), best = 0;
	uint64_t *hi = malloc(n * sizeof(*hi));
	struct range *s = malloc(n * sizeof(*s));

	/* Sort ranges by start via an index on starts (ranges never overlap). */
	for (uint64_t i = 0; i < n; i++)
		lo[i] = r[i].pfn << 8 | (r[i].size - 1);	/* sizes < 256 */
	qsort(lo, n, sizeof(*lo), cmp_u64);
	for (uint64_t i = 0; i < n; i++) {
		s[i].pfn = lo[i] >> 8;
		s[i].size = (lo[i] & 0xff) + 1;
		hi[i] = s[i].pfn + s[i].size - 1;
	}
	for (uint64_t i = 1; i < n; i++)
		if (s[i].pfn - hi[i - 1] - 1 > best)
			best = s[i].pfn - hi[i - 1] - 1;
	free(lo);
	free(hi);
	free(s);
	return best;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void run_fragmented(const struct alloc_ops *a, const struct opts *o,
			   uint64_t worst_size, struct frag_result *res)
{
	struct range *r;
	uint64_t n, t0, t1, pfn;
	double *lat = calloc(o->worst_iters, sizeof(*lat));
	double *tlat = calloc(o->typical_iters, sizeof(*tlat));

	rng = o->seed;
	t0 = now_ns();
	r = build(a, o->live, &n);
	res->build_ms = (double)(now_ns() - t0) / 1e6;
	res->largest_hole = largest_hole(r, n);

	/* Small: alloc 1-4 granules, free a random live range. */
	t0 = now_ns();
	for (uint64_t i = 0; i < o->typical_iters; i++) {
		uint64_t size = 1 + rnd() % 4, k, a0 = now_ns();

		if (a->alloc(a->ctx, size, &pfn))
			die("small alloc");
		tlat[i] = (double)(now_ns() - a0);
		r[n++] = (struct range){ pfn, size };
		k = rnd() % n;
		a->free(a->ctx, r[k].pfn, r[k].size);
		r[k] = r[--n];
	}
	t1 = now_ns();
	res->small_pair_ns = (double)(t1 - t0) / (double)o->typical_iters;
	qsort(tlat, o->typical_iters, sizeof(*tlat), cmp_double);
	res->small_alloc_ns = tlat[o->typical_iters / 2];

	/* Typical: alloc a mixed size, free a random live range. */
	t0 = now_ns();
	for (uint64_t i = 0; i < o->typical_iters; i++) {
		uint64_t size = mixed_size(), k, a0 = now_ns();

		if (a->alloc(a->ctx, size, &pfn))
			die("typical alloc");
		tlat[i] = (double)(now_ns() - a0);
		r[n++] = (struct range){ pfn, size };
		k = rnd() % n;
		a->free(a->ctx, r[k].pfn, r[k].size);
		r[k] = r[--n];
	}
	t1 = now_ns();
	res->typical_pair_ns = (double)(t1 - t0) / (double)o->typical_iters;
	qsort(tlat, o->typical_iters, sizeof(*tlat), cmp_double);
	res->typical_alloc_ns = tlat[o->typical_iters / 2];

	/* Worst: a free moves the cached node up; a big alloc must go below all. */
	res->worst_size = worst_size;
	for (uint64_t i = 0; i < o->worst_iters; i++) {
		uint64_t k = rnd() % n, size = r[k].size, big;

		a->free(a->ctx, r[k].pfn, r[k].size);
		t0 = now_ns();
		if (a->alloc(a->ctx, worst_size, &big))
			die("worst alloc");
		t1 = now_ns();
		lat[i] = (double)(t1 - t0);
		a->free(a->ctx, big, worst_size);
		if (a->alloc(a->ctx, size, &r[k].pfn))
			die("refill alloc");
	}
	qsort(lat, o->worst_iters, sizeof(*lat), cmp_double);
	res->worst_median_ns = lat[o->worst_iters / 2];
	res->worst_max_ns = lat[o->worst_iters - 1];
	free(lat);
	free(tlat);
	free(r);
}

/* Magazine fast path on a fragmented domain (ours only). */
static double fast_on_fragmented(struct smmukit_iova_domain *dom, uint64_t iters)
{
	uint64_t pfn, t0, t1, size;
	uint64_t sizes[4] = { 1, 2, 4, 8 };

	for (uint64_t i = 0; i < 4000; i++) {
		size = sizes[i % 4];
		if (smmukit_iova_alloc_fast(dom, size, END_PFN, 0, &pfn))
			die("alloc_fast");
		smmukit_iova_free_fast(dom, pfn, size);
	}
	t0 = now_ns();
	for (uint64_t i = 0; i < iters; i++) {
		size = sizes[i % 4];
		if (smmukit_iova_alloc_fast(dom, size, END_PFN, 0, &pfn))
			die("alloc_fast");
		smmukit_iova_free_fast(dom, pfn, size);
	}
	t1 = now_ns();
	return (double)(t1 - t0) / (double)iters;
}

/*
 * Our own worst case: an aligned request that fails. live blocks of 128
 * pfns, each a 100-pfn hole starting at 1 mod 64 and a 28-pfn reservation:
 * every hole holds 64 pfns but no 64-aligned run of them, and none is as
 * long as size + align - 1 = 127. So a 64-granule aligned allocation finds
 * nothing in the conservative pass, tries SMMUKIT_IOVA_EXACT_FIT_TRIES
 * holes exactly and returns -ENOSPC. Timed for the tree alloc and for
 * alloc_fast (64 > 32 is not cached: tree, -ENOSPC, flush every cache,
 * retry, -ENOSPC). Medians and maxima in ns of iters calls each.
 */
struct enospc_result {
	double tree_median_ns, tree_max_ns, fast_median_ns, fast_max_ns;
};

static void misaligned_enospc(uint64_t live, uint64_t iters,
			      struct enospc_result *res)
{
	struct smmukit_iova_config cfg = {
		.granule = 4096, .start_pfn = 1, .end_pfn = live * 128,
	};
	struct smmukit_iova_domain *dom;
	double *lat = calloc(iters, sizeof(*lat));
	uint64_t pfn, t0;

	if (smmukit_iova_domain_create(plat, &cfg, &dom))
		die("enospc domain");
	for (uint64_t j = 0; j < live; j++)
		if (smmukit_iova_reserve(dom, 128 * j + 101, 128 * j + 128))
			die("enospc reserve");
	for (int pass = 0; pass < 2; pass++) {
		for (uint64_t i = 0; i < iters; i++) {
			int ret;

			t0 = now_ns();
			ret = pass ? smmukit_iova_alloc_fast(dom, 64, cfg.end_pfn,
							     0, &pfn)
				   : smmukit_iova_alloc(dom, 64, cfg.end_pfn,
							true, &pfn);
			lat[i] = (double)(now_ns() - t0);
			if (ret != -SMMUKIT_ENOSPC)
				die("enospc alloc (it fit)");
		}
		qsort(lat, iters, sizeof(*lat), cmp_double);
		if (pass) {
			res->fast_median_ns = lat[iters / 2];
			res->fast_max_ns = lat[iters - 1];
		} else {
			res->tree_median_ns = lat[iters / 2];
			res->tree_max_ns = lat[iters - 1];
		}
	}
	/* An unaligned 64 fits in any hole: the space really is there. */
	if (smmukit_iova_alloc(dom, 64, cfg.end_pfn, false, &pfn))
		die("enospc unaligned alloc");
	free(lat);
	smmukit_iova_domain_destroy(dom);
}

/* ------------------------------------------------------ 3. the depot -- */

#define DEPOT_SAMPLES 26

static void depot_over_time(bool json)
{
	struct smmukit_posix_config pcfg = {
		.mem_size = 16u << 20, .nr_cpus = 2, .manual_clock = true,
	};
	struct smmukit_iova_config cfg = { .granule = 4096, .end_pfn = END_PFN };
	struct smmukit_platform *mp;
	struct smmukit_iova_domain *dom;
	struct smmukit_iova_stats st;
	const uint64_t burst = 20 * SMMUKIT_IOVA_MAG_PFNS;
	uint64_t *pfns = calloc(burst, sizeof(*pfns));
	uint64_t depot[DEPOT_SAMPLES], tree[DEPOT_SAMPLES];

	if (smmukit_posix_create(&pcfg, &mp) ||
	    smmukit_iova_domain_create(mp, &cfg, &dom))
		die("depot setup");
	smmukit_posix_set_cpu(mp, 0);
	/* The burst: 2540 single-granule mappings, then all unmapped. */
	for (uint64_t i = 0; i < burst; i++)
		if (smmukit_iova_alloc_fast(dom, 1, END_PFN, 0, &pfns[i]))
			die("burst alloc");
	for (uint64_t i = 0; i < burst; i++)
		smmukit_iova_free_fast(dom, pfns[i], 1);
	/* Idle: no calls at all; the domain's trim timer does the work. */
	for (unsigned s = 0; s < DEPOT_SAMPLES; s++) {
		smmukit_iova_get_stats(dom, &st);
		depot[s] = st.depot_mags_total;
		tree[s] = st.tree_ranges;
		smmukit_posix_clock_advance(mp, 100000000);
	}
	if (!json) {
		printf("\n3. depot after a burst of %llu frees on one CPU, then idle "
		       "(trim period 100 ms, keep = nr_cpus = 2)\n",
		       (unsigned long long)burst);
		printf("   %8s %12s %12s\n", "t_ms", "depot_mags", "tree_ranges");
		for (unsigned s = 0; s < DEPOT_SAMPLES; s++)
			printf("   %8u %12llu %12llu\n", s * 100,
			       (unsigned long long)depot[s],
			       (unsigned long long)tree[s]);
	} else {
		printf("{\"bench\":\"iova_depot\",\"burst_frees\":%llu,"
		       "\"trim_period_ms\":100,\"sample_ms\":100,\"depot_mags\":[",
		       (unsigned long long)burst);
		for (unsigned s = 0; s < DEPOT_SAMPLES; s++)
			printf("%s%llu", s ? "," : "", (unsigned long long)depot[s]);
		printf("],\"tree_ranges\":[");
		for (unsigned s = 0; s < DEPOT_SAMPLES; s++)
			printf("%s%llu", s ? "," : "", (unsigned long long)tree[s]);
		printf("]}\n");
	}
	smmukit_iova_domain_destroy(dom);
	smmukit_posix_destroy(mp);
	free(pfns);
}

/* ------------------------------------------------------------- main -- */

static void usage(void)
{
	fprintf(stderr,
		"usage: bench_iova [--reps N] [--live N] [--seed N] [--quick] [--json]\n");
	exit(2);
}

static uint64_t next_pow2_above(uint64_t v)
{
	uint64_t p = 1;

	while (p <= v)
		p <<= 1;
	return p;
}

int main(int argc, char **argv)
{
	struct opts o = {
		.reps = 3, .live = 100000, .fast_iters = 2000000,
		.typical_iters = 10000, .worst_iters = 200, .seed = 1,
	};
	struct smmukit_posix_config pcfg = { .nr_cpus = 2, .mem_size = 16u << 20 };
	double f1[32], f8[32], t1[32], ff[32], ours_typ[32], cn_typ[32];
	double mt2[32], mt4[32];
	double ours_small[32], cn_small[32], ours_sa[32], cn_sa[32];
	double ours_ta[32], cn_ta[32];
	double ours_w[32], cn_w[32], ours_wmax[32], cn_wmax[32];
	double en_tm[32], en_tx[32], en_fm[32], en_fx[32];
	struct enospc_result en;
	struct frag_result ro = { 0 }, rc = { 0 };
	uint64_t worst_size = 0, cn_steps = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			o.json = true;
		else if (!strcmp(argv[i], "--quick")) {
			o.reps = 3;
			o.live = 20000;
			o.fast_iters = 200000;
			o.typical_iters = 20000;
			o.worst_iters = 50;
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			o.reps = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--live") && i + 1 < argc)
			o.live = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			o.seed = strtoull(argv[++i], NULL, 0);
		else
			usage();
	}
	if (o.reps == 0 || o.reps > 32 || o.live < 100)
		usage();
	if (smmukit_posix_create(&pcfg, &plat))
		die("platform");
	smmukit_posix_set_cpu(plat, 0);

	/* The worst size: above the largest hole the build leaves. */
	{
		struct smmukit_iova_domain *dom = new_domain();
		struct alloc_ops a = { "ours", ours_alloc, ours_free, dom };
		uint64_t n;
		struct range *r;

		rng = o.seed;
		r = build(&a, o.live, &n);
		worst_size = next_pow2_above(largest_hole(r, n));
		free(r);
		smmukit_iova_domain_destroy(dom);
	}

	for (unsigned rep = 0; rep < o.reps; rep++) {
		struct smmukit_iova_domain *dom = new_domain();
		struct alloc_ops ours = { "ours", ours_alloc, ours_free, dom };
		struct cn_domain cn;
		struct alloc_ops cnops = { "cached-node", cn_alloc_op, cn_free_op, &cn };

		f1[rep] = fast_pairs(1, o.fast_iters);
		f8[rep] = fast_pairs(8, o.fast_iters);
		t1[rep] = tree_pairs(1, o.fast_iters / 4);
		mt2[rep] = fast_pairs_mt(2, o.fast_iters / 2);
		mt4[rep] = fast_pairs_mt(4, o.fast_iters / 4);

		cn_init(&cn, 1, END_PFN, 12);
		run_fragmented(&ours, &o, worst_size, &ro);
		run_fragmented(&cnops, &o, worst_size, &rc);
		ff[rep] = fast_on_fragmented(dom, o.fast_iters);
		ours_sa[rep] = ro.small_alloc_ns;
		cn_sa[rep] = rc.small_alloc_ns;
		ours_ta[rep] = ro.typical_alloc_ns;
		cn_ta[rep] = rc.typical_alloc_ns;
		ours_small[rep] = ro.small_pair_ns;
		cn_small[rep] = rc.small_pair_ns;
		ours_typ[rep] = ro.typical_pair_ns;
		cn_typ[rep] = rc.typical_pair_ns;
		ours_w[rep] = ro.worst_median_ns;
		cn_w[rep] = rc.worst_median_ns;
		ours_wmax[rep] = ro.worst_max_ns;
		cn_wmax[rep] = rc.worst_max_ns;
		cn_steps = cn.walk_steps;
		misaligned_enospc(o.live, o.worst_iters * 10, &en);
		en_tm[rep] = en.tree_median_ns;
		en_tx[rep] = en.tree_max_ns;
		en_fm[rep] = en.fast_median_ns;
		en_fx[rep] = en.fast_max_ns;
		if (cn_check(&cn) || smmukit_iova_check(dom))
			die("consistency check");
		cn_destroy(&cn);
		smmukit_iova_domain_destroy(dom);
		if (o.json)
			printf("{\"bench\":\"iova_rep\",\"rep\":%u,\"fast_pair_ns_1\":%.1f,"
			       "\"typical_ours_ns\":%.1f,\"typical_cached_node_ns\":%.1f,"
			       "\"worst_ours_ns\":%.0f,\"worst_cached_node_ns\":%.0f}\n",
			       rep, f1[rep], ours_typ[rep], cn_typ[rep], ours_w[rep],
			       cn_w[rep]);
	}

	depot_over_time(o.json);

	if (o.json) {
		printf("{\"bench\":\"iova\",\"reps\":%u,\"live\":%llu,\"seed\":%llu,"
		       "\"fast_pair_ns_size1\":%.1f,\"fast_pair_ns_size8\":%.1f,"
		       "\"tree_pair_ns_empty\":%.1f,\"fast_pair_ns_2threads_2cpus\":%.1f,"
		       "\"fast_pair_ns_4threads_2cpus\":%.1f,\"fast_pair_ns_fragmented\":%.1f,"
		       "\"small_alloc_ns_ours\":%.0f,\"small_alloc_ns_cached_node\":%.0f,"
		       "\"mixed_alloc_ns_ours\":%.0f,\"mixed_alloc_ns_cached_node\":%.0f,"
		       "\"small_pair_ns_ours\":%.1f,\"small_pair_ns_cached_node\":%.1f,"
		       "\"typical_pair_ns_ours\":%.1f,\"typical_pair_ns_cached_node\":%.1f,"
		       "\"worst_size_pfns\":%llu,\"worst_alloc_ns_ours\":%.0f,"
		       "\"worst_alloc_ns_cached_node\":%.0f,"
		       "\"worst_alloc_max_ns_ours\":%.0f,"
		       "\"worst_alloc_max_ns_cached_node\":%.0f,"
		       "\"misaligned_enospc_ns_tree\":%.0f,"
		       "\"misaligned_enospc_max_ns_tree\":%.0f,"
		       "\"misaligned_enospc_ns_fast_flush_retry\":%.0f,"
		       "\"misaligned_enospc_max_ns_fast_flush_retry\":%.0f}\n",
		       o.reps, (unsigned long long)o.live, (unsigned long long)o.seed,
		       median(f1, o.reps), median(f8, o.reps), median(t1, o.reps),
		       median(mt2, o.reps), median(mt4, o.reps), median(ff, o.reps), median(ours_sa, o.reps), median(cn_sa, o.reps),
		       median(ours_ta, o.reps), median(cn_ta, o.reps),
		       median(ours_small, o.reps),
		       median(cn_small, o.reps), median(ours_typ, o.reps),
		       median(cn_typ, o.reps), (unsigned long long)worst_size,
		       median(ours_w, o.reps), median(cn_w, o.reps),
		       median(ours_wmax, o.reps), median(cn_wmax, o.reps),
		       median(en_tm, o.reps), median(en_tx, o.reps),
		       median(en_fm, o.reps), median(en_fx, o.reps));
	} else {
		printf("bench_iova: medians of %u repetitions (seed %llu)\n\n", o.reps,
		       (unsigned long long)o.seed);
		printf("1. fast path, single thread, empty 48-bit domain\n");
		printf("   alloc_fast+free_fast pair, 1 granule   %8.1f ns\n", median(f1, o.reps));
		printf("   alloc_fast+free_fast pair, 8 granules  %8.1f ns\n", median(f8, o.reps));
		printf("   tree alloc+free pair (no cache)        %8.1f ns\n", median(t1, o.reps));
		printf("   fast pairs, 2 threads on 2 CPUs, wall/pair %5.1f ns\n", median(mt2, o.reps));
		printf("   fast pairs, 4 threads on 2 CPUs, wall/pair %5.1f ns\n", median(mt4, o.reps));
		printf("\n2. fragmented: %llu live ranges of 1-64 granules after random "
		       "frees (build: ours %.0f ms, cached-node %.0f ms)\n",
		       (unsigned long long)o.live, ro.build_ms, rc.build_ms);
		printf("   %-44s %12s %12s\n", "", "gap tree", "cached-node");
		printf("   %-44s %12.1f %12s\n", "fast path pair (magazines), ns", median(ff, o.reps), "-");
		printf("   %-44s %12.0f %12.0f\n", "small (1-4 granules): median alloc, ns",
		       median(ours_sa, o.reps), median(cn_sa, o.reps));
		printf("   %-44s %12.0f %12.0f\n", "mixed (1-64 granules): median alloc, ns",
		       median(ours_ta, o.reps), median(cn_ta, o.reps));
		printf("   %-44s %12.1f %12.1f\n", "small (1-4 granules): alloc+free pair, ns",
		       median(ours_small, o.reps), median(cn_small, o.reps));
		printf("   %-44s %12.1f %12.1f\n", "mixed (1-64 granules): alloc+free pair, ns",
		       median(ours_typ, o.reps), median(cn_typ, o.reps));
		printf("   worst: alloc of %llu granules (largest hole %llu)\n",
		       (unsigned long long)worst_size, (unsigned long long)ro.largest_hole);
		printf("   %-44s %12.0f %12.0f\n", "  median ns per alloc",
		       median(ours_w, o.reps), median(cn_w, o.reps));
		printf("   %-44s %12.0f %12.0f\n", "  max ns per alloc (median over reps)",
		       median(ours_wmax, o.reps), median(cn_wmax, o.reps));
		printf("   cached-node predecessor steps in the last repetition: %llu\n",
		       (unsigned long long)cn_steps);
		printf("   our worst: aligned 64-granule alloc that fails, %llu holes "
		       "of 100 misaligned (8 exact-fit tries, -ENOSPC)\n",
		       (unsigned long long)o.live);
		printf("   %-44s %12.0f %12s\n", "  tree alloc: median ns",
		       median(en_tm, o.reps), "-");
		printf("   %-44s %12.0f %12s\n", "  tree alloc: max ns (median over reps)",
		       median(en_tx, o.reps), "-");
		printf("   %-44s %12.0f %12s\n", "  alloc_fast (+flush, retry): median ns",
		       median(en_fm, o.reps), "-");
		printf("   %-44s %12.0f %12s\n", "  alloc_fast (+flush, retry): max ns",
		       median(en_fx, o.reps), "-");
	}
	smmukit_posix_destroy(plat);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * bench_pgtable: single-thread cost of page-table operations, in ns per
 * operation, as the median of several runs (real clock, this host):
 *  - a 4K page map+unmap pair (the DMA-API fast path's page-table part);
 *  - a 2M block map+unmap pair;
 *  - the same 4K pair on a non-coherent walker (sync calls included), with
 *    the 64K granule, and a 4K iova_to_phys.
 * Tables are warm (steady state, as when the IOVA allocator recycles
 * addresses); each unmap fills a strict gather through add_page.
 *
 * usage: bench_pgtable [--runs N] [--iters N] [--json]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smmukit/pgtable.h"
#include "smmukit/platform_posix.h"

#define RW (SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE | SMMUKIT_PROT_CACHE)
#define SLOTS 512	/* addresses cycled through: one last-level table of 4K pages */

static void nop_flush_all(void *cookie)
{
}

static int nop_flush_walk(void *cookie, uint64_t iova, uint64_t size,
			  uint64_t granule)
{
	return 0;
}

/* What a driver's add_page does without hardware: extend the range. */
static void gather_add_page(struct smmukit_iotlb_gather *g, void *cookie,
			    uint64_t iova, uint64_t granule)
{
	if (smmukit_pgtable_gather_is_disjoint(g, iova, granule))
		smmukit_pgtable_gather_reset_range(g);
	smmukit_pgtable_gather_add_range(g, iova, granule);
}

static const struct smmukit_pgtable_flush_ops bench_ops = {
	.flush_all = nop_flush_all,
	.flush_walk = nop_flush_walk,
	.add_page = gather_add_page,
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

enum kind { MAP_UNMAP, TRANSLATE };

struct bench_case {
	const char *name;	/* JSON key */
	const char *label;
	uint64_t granule;
	uint64_t pgsize;
	bool coherent;
	enum kind kind;
};

static const struct bench_case cases[] = {
	{ "map_unmap_4k", "4K page map+unmap pair", SMMUKIT_SZ_4K, SMMUKIT_SZ_4K, true, MAP_UNMAP },
	{ "map_unmap_2m", "2M block map+unmap pair", SMMUKIT_SZ_4K, SMMUKIT_SZ_2M, true, MAP_UNMAP },
	{ "map_unmap_4k_noncoherent", "4K pair, non-coherent walk", SMMUKIT_SZ_4K, SMMUKIT_SZ_4K,
	  false, MAP_UNMAP },
	{ "map_unmap_64k_granule", "64K page pair (64K granule)", SMMUKIT_SZ_64K, SMMUKIT_SZ_64K,
	  true, MAP_UNMAP },
	{ "iova_to_phys_4k", "4K iova_to_phys", SMMUKIT_SZ_4K, SMMUKIT_SZ_4K, true, TRANSLATE },
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* One run: iters operations; returns ns per operation (x100 for 2 decimals). */
static uint64_t run_once(struct smmukit_pgtable *pgt, const struct bench_case *c,
			 uint64_t iters)
{
	const uint64_t base = UINT64_C(1) << 32;
	uint64_t t0, t1, sink = 0;
	struct smmukit_iotlb_gather g;

	smmukit_pgtable_gather_init(&g);
	t0 = now_ns();
	for (uint64_t i = 0; i < iters; i++) {
		uint64_t iova = base + (i % SLOTS) * c->pgsize;

		if (c->kind == MAP_UNMAP) {
			if (smmukit_pgtable_map_pages(pgt, iova, iova, c->pgsize, 1, RW, NULL) ||
			    smmukit_pgtable_unmap_pages(pgt, iova, c->pgsize, 1, &g) !=
				    (int64_t)c->pgsize) {
				fprintf(stderr, "bench_pgtable: %s failed\n", c->name);
				exit(1);
			}
		} else {
			smmukit_phys_t pa;

			if (smmukit_pgtable_iova_to_phys(pgt, iova + 8, &pa)) {
				fprintf(stderr, "bench_pgtable: translate failed\n");
				exit(1);
			}
			sink += pa;
		}
	}
	t1 = now_ns();
	if (sink == 1)
		printf(" ");
	return (t1 - t0) * 100 / iters;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_pgtable [--runs N] [--iters N] [--json]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned runs = 7;
	uint64_t iters = 200000;
	bool json = false;
	struct smmukit_posix_config pcfg = { .nr_cpus = 1 };
	struct smmukit_platform *plat;
	uint64_t medians[SMMUKIT_ARRAY_SIZE(cases)];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--iters") && i + 1 < argc)
			iters = strtoull(argv[++i], NULL, 0);
		else
			usage();
	}
	if (runs == 0 || runs > 101 || iters == 0)
		usage();
	if (smmukit_posix_create(&pcfg, &plat)) {
		fprintf(stderr, "bench_pgtable: no platform\n");
		return 1;
	}
	if (!json)
		printf("%-30s %12s %10s %10s %5s %9s\n", "operation", "ns (median)", "min",
		       "max", "runs", "iters");
	for (unsigned ci = 0; ci < SMMUKIT_ARRAY_SIZE(cases); ci++) {
		const struct bench_case *c = &cases[ci];
		struct smmukit_pgtable_cfg cfg = {
			.stage = 1, .granule = c->granule, .ias = 48, .oas = 48,
			.coherent_walk = c->coherent, .flush_ops = &bench_ops,
			.platform = plat,
		};
		struct smmukit_pgtable *pgt;
		uint64_t r[101];

		if (smmukit_pgtable_alloc(&cfg, &pgt)) {
			fprintf(stderr, "bench_pgtable: alloc failed\n");
			return 1;
		}
		/* Warm: install the tables (and, to translate, the mappings). */
		for (uint64_t s = 0; s < SLOTS; s++)
			smmukit_pgtable_map_pages(pgt, (UINT64_C(1) << 32) + s * c->pgsize,
						  (UINT64_C(1) << 32) + s * c->pgsize, c->pgsize,
						  1, RW, NULL);
		if (c->kind == MAP_UNMAP)
			smmukit_pgtable_unmap(pgt, UINT64_C(1) << 32, SLOTS * c->pgsize, NULL);
		run_once(pgt, c, iters / 10 + 1);
		for (unsigned k = 0; k < runs; k++)
			r[k] = run_once(pgt, c, iters);
		qsort(r, runs, sizeof(r[0]), cmp_u64);
		medians[ci] = r[runs / 2];
		if (json)
			printf("{\"bench\":\"pgtable\",\"op\":\"%s\",\"ns_median\":%llu.%02llu,"
			       "\"ns_min\":%llu.%02llu,\"ns_max\":%llu.%02llu,\"runs\":%u,"
			       "\"iters\":%llu}\n", c->name,
			       (unsigned long long)(medians[ci] / 100),
			       (unsigned long long)(medians[ci] % 100),
			       (unsigned long long)(r[0] / 100), (unsigned long long)(r[0] % 100),
			       (unsigned long long)(r[runs - 1] / 100),
			       (unsigned long long)(r[runs - 1] % 100), runs,
			       (unsigned long long)iters);
		else
			printf("%-30s %9llu.%02llu %7llu.%02llu %7llu.%02llu %5u %9llu\n", c->label,
			       (unsigned long long)(medians[ci] / 100),
			       (unsigned long long)(medians[ci] % 100),
			       (unsigned long long)(r[0] / 100), (unsigned long long)(r[0] % 100),
			       (unsigned long long)(r[runs - 1] / 100),
			       (unsigned long long)(r[runs - 1] % 100), runs,
			       (unsigned long long)iters);
		smmukit_pgtable_free(pgt);
	}
	if (json) {
		printf("{\"bench\":\"pgtable\",\"result\":{");
		for (unsigned ci = 0; ci < SMMUKIT_ARRAY_SIZE(cases); ci++)
			printf("%s\"%s_ns\":%llu.%02llu", ci ? "," : "", cases[ci].name,
			       (unsigned long long)(medians[ci] / 100),
			       (unsigned long long)(medians[ci] % 100));
		printf("}}\n");
	}
	smmukit_posix_destroy(plat);
	return 0;
}

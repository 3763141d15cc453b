/* SPDX-License-Identifier: MIT */
/*
 * bench_model: model translations per second, single thread, zero profile.
 *
 *  - iotlb_hit: translate addresses whose translation is in the IOTLB
 *    (configuration cache hit, IOTLB hit);
 *  - full_walk: every translation misses the IOTLB and walks all four
 *    levels of a 4K/48-bit stage-1 table (one-entry IOTLB, no walk cache);
 *  - dma_hit_64B: smmukit_model_dma of 64 bytes through an IOTLB hit.
 *
 * Each figure is the median of several runs of host time. A benchmark, not
 * a test: it asserts nothing about speed.
 *
 * usage: bench_model [--runs N] [--ops N] [--json]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The register-level test helpers build the tables by hand, as here. */
#include "../tests/support/model_testlib.h"
#include "../tests/support/model_testlib.c"

static double host_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

enum kind { HIT, WALK, DMA };

/* One run: ops translations; returns translations per second. */
static double run_once(enum kind k, uint64_t ops)
{
	struct mt t;
	struct mt_pt pt;
	const char *prof = k == WALK ?
		"iotlb_entries=1\niotlb_ways=1\nwalkcache_entries=0\n" : NULL;
	uint64_t data, iova[2] = { 0x10000, 0x7f0000200000 };
	char buf[64];
	double t0, t1;

	if (mt_setup(&t, NULL, prof) || mt_enable(&t, 6, false) ||
	    mt_s1_stream(&t, 1, 1, &pt)) {
		fprintf(stderr, "bench_model: setup failed\n");
		exit(1);
	}
	data = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, iova[0], data, 12, MT_RW);
	mt_pt_map(&t, &pt, iova[1], data, 12, MT_RW);
	/* Warm the configuration cache (and the IOTLB for hits). */
	smmukit_model_translate(t.m, 1, SMMUKIT_MODEL_NO_SSID, iova[0], false,
				NULL);
	t0 = host_s();
	for (uint64_t i = 0; i < ops; i++) {
		uint64_t a = k == WALK ? iova[i & 1] : iova[0] + (i & 0xfc0);
		int ret;

		if (k == DMA)
			ret = smmukit_model_dma(t.m, 1, SMMUKIT_MODEL_NO_SSID, a,
						64, false, buf, NULL);
		else
			ret = smmukit_model_translate(t.m, 1,
						      SMMUKIT_MODEL_NO_SSID, a,
						      false, NULL);
		if (ret) {
			fprintf(stderr, "bench_model: translation failed\n");
			exit(1);
		}
	}
	t1 = host_s();
	if (k == WALK && mt_stats(&t).walks < ops) {
		fprintf(stderr, "bench_model: expected a walk per translation\n");
		exit(1);
	}
	mt_teardown(&t);
	return (double)ops / (t1 - t0);
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "iotlb_hit", "full_walk",
					     "dma_hit_64B" };
	unsigned runs = 5;
	uint64_t ops = 2000000;
	bool json = false;
	double res[3];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
			runs = (unsigned)strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--ops") && i + 1 < argc) {
			ops = strtoull(argv[++i], NULL, 0);
		} else {
			fprintf(stderr, "usage: bench_model [--runs N] [--ops N] [--json]\n");
			return 2;
		}
	}
	if (!runs || runs > 101 || !ops) {
		fprintf(stderr, "bench_model: runs 1..101, ops > 0\n");
		return 2;
	}
	for (int k = 0; k < 3; k++) {
		double v[101];

		for (unsigned r = 0; r < runs; r++)
			v[r] = run_once((enum kind)k, ops);
		qsort(v, runs, sizeof(v[0]), cmp_double);
		res[k] = v[runs / 2];
		if (!json)
			printf("%-12s %8.2f M translations/s (median of %u runs of %llu)\n",
			       names[k], res[k] / 1e6, runs,
			       (unsigned long long)ops);
	}
	if (json)
		printf("{\"bench\":\"model\",\"profile\":\"zero\",\"threads\":1,"
		       "\"runs\":%u,\"ops\":%llu,\"iotlb_hit_per_s\":%.0f,"
		       "\"full_walk_per_s\":%.0f,\"dma_hit_64B_per_s\":%.0f}\n",
		       runs, (unsigned long long)ops, res[0], res[1], res[2]);
	return 0;
}

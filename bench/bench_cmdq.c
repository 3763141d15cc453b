/* SPDX-License-Identifier: MIT */
/*
 * bench_cmdq: throughput of the SMMUv3 driver's command queue on the
 * hardware model with the `zero` profile (every command costs 0 ns of
 * modelled time), so what is measured is the host cost of the driver's
 * insertion path plus the model's MMIO and command parsing.
 *
 * Workloads, for 1 and 2 threads (--threads LIST):
 *  - cmds:  batches of 64 TLBI_NH_VA ended by one CMD_SYNC; reported as
 *           commands per second (the syncs are not counted);
 *  - syncs: one TLBI_NH_VA + CMD_SYNC per call, each waited for; reported
 *           as CMD_SYNCs per second;
 *  - sync-only: smmukit_smmu_sync() back to back (coalesced when nothing
 *           was queued since the last sync); reported as calls per second.
 *
 * Each measurement runs --ops operations per thread, --reps times (default
 * 5); the median is shown. --json prints one object per measurement, then
 * a last line with everything.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smmukit/model.h"
#include "smmukit/platform_posix.h"
#include "smmukit/smmu.h"

#define MAX_THREADS 16
#define MAX_REPS 31
#define BATCH 64

enum workload { W_CMDS, W_SYNCS, W_SYNC_ONLY, W_NR };
static const char *const wname[W_NR] = { "cmds", "syncs", "sync-only" };
static const char *const wunit[W_NR] = { "cmds/s", "syncs/s", "calls/s" };

struct bench {
	struct smmukit_platform *p;
	struct smmukit_model *m;
	struct smmukit_smmu *s;
	enum workload w;
	unsigned long ops;
	pthread_barrier_t start;
	_Atomic unsigned errors;
};

struct worker {
	struct bench *b;
	unsigned id;
	uint64_t units;	/* what the workload counts */
	double t_start, t_end;	/* this worker's own clock readings */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	struct bench *b = wk->b;
	struct smmuv3_cmd c[BATCH];

	smmukit_posix_set_cpu(b->p, wk->id);
	for (unsigned i = 0; i < BATCH; i++) {
		c[i] = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_VA };
		c[i].tlbi.asid = wk->id + 1;
		c[i].tlbi.addr = (uint64_t)i << 12;
		c[i].tlbi.leaf = true;
	}
	pthread_barrier_wait(&b->start);
	wk->t_start = now_s();
	for (unsigned long k = 0; k < b->ops; k++) {
		int ret;

		switch (b->w) {
		case W_CMDS:
			ret = smmukit_smmu_issue_cmds(b->s, c, BATCH, true);
			wk->units += BATCH;
			break;
		case W_SYNCS:
			ret = smmukit_smmu_issue_cmds(b->s, c, 1, true);
			wk->units++;
			break;
		default:
			ret = smmukit_smmu_sync(b->s);
			wk->units++;
			break;
		}
		if (ret)
			atomic_fetch_add(&b->errors, 1);
	}
	wk->t_end = now_s();
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One run: rate in units per second. */
static double run_once(struct bench *b, unsigned threads)
{
	pthread_t th[MAX_THREADS];
	struct worker wk[MAX_THREADS];
	uint64_t units = 0;
	double t0, t1;

	pthread_barrier_init(&b->start, NULL, threads + 1);
	for (unsigned t = 0; t < threads; t++) {
		wk[t] = (struct worker){ .b = b, .id = t };
		if (pthread_create(&th[t], NULL, worker_main, &wk[t])) {
			fprintf(stderr, "bench_cmdq: pthread_create failed\n");
			exit(1);
		}
	}
	pthread_barrier_wait(&b->start);
	for (unsigned t = 0; t < threads; t++)
		pthread_join(th[t], NULL);
	pthread_barrier_destroy(&b->start);
	/*
	 * The workers time themselves: the main thread may be descheduled
	 * after the barrier long enough for a short run to finish unseen.
	 */
	t0 = wk[0].t_start;
	t1 = wk[0].t_end;
	for (unsigned t = 0; t < threads; t++) {
		units += wk[t].units;
		if (wk[t].t_start < t0)
			t0 = wk[t].t_start;
		if (wk[t].t_end > t1)
			t1 = wk[t].t_end;
	}
	return (double)units / (t1 - t0);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bench_cmdq [--threads 1,2] [--ops N] [--reps N] [--model KEYS] [--json]\n");
}

int main(int argc, char **argv)
{
	unsigned threads_list[MAX_THREADS] = { 1, 2 }, nthreads = 2;
	unsigned long ops = 20000;
	unsigned reps = 5;
	const char *keys = "";
	bool json = false;
	struct smmukit_posix_config pc = { .nr_cpus = MAX_THREADS,
					   .mem_size = 64u << 20,
					   .log_level = SMMUKIT_LOG_WARN };
	struct smmukit_model_config mc;
	struct smmukit_smmu_config sc = { 0 };
	struct smmukit_smmu_info info;
	struct bench b = { 0 };
	double med[W_NR][MAX_THREADS];
	char err[160];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--ops") && i + 1 < argc) {
			ops = strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			reps = (unsigned)strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--model") && i + 1 < argc) {
			keys = argv[++i];
		} else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
			char *s = argv[++i], *end;

			nthreads = 0;
			while (*s && nthreads < MAX_THREADS) {
				unsigned long v = strtoul(s, &end, 10);

				if (end == s || v == 0 || v > MAX_THREADS) {
					fprintf(stderr, "bench_cmdq: bad --threads\n");
					return 2;
				}
				threads_list[nthreads++] = (unsigned)v;
				s = *end == ',' ? end + 1 : end;
			}
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!ops || !reps || reps > MAX_REPS || !nthreads) {
		usage(stderr);
		return 2;
	}

	if (smmukit_posix_create(&pc, &b.p))
		return 1;
	smmukit_model_config_default(&mc);
	if (smmukit_model_config_parse(&mc, keys, err, sizeof(err))) {
		fprintf(stderr, "bench_cmdq: %s\n", err);
		return 2;
	}
	if (smmukit_model_create(b.p, &mc, NULL, &b.m))
		return 1;
	sc.platform = b.p;
	sc.mmio = smmukit_model_mmio(b.m);
	if (smmukit_smmu_probe(&sc, &b.s)) {
		fprintf(stderr, "bench_cmdq: probe failed\n");
		return 1;
	}
	smmukit_smmu_get_info(b.s, &info);
	b.ops = ops;
	if (!json)
		printf("bench_cmdq: zero profile, cmdq %u entries, %s sync, %lu ops/thread, median of %u runs\n",
		       1u << info.cmdq_log2, info.msi_sync ? "MSI" : "polled",
		       ops, reps);

	for (unsigned w = 0; w < W_NR; w++) {
		for (unsigned ti = 0; ti < nthreads; ti++) {
			double r[MAX_REPS];

			b.w = (enum workload)w;
			/* Batches of 64: fewer calls for the same work. */
			b.ops = w == W_CMDS ? (ops + BATCH - 1) / BATCH * 4 : ops;
			for (unsigned k = 0; k < reps; k++)
				r[k] = run_once(&b, threads_list[ti]);
			qsort(r, reps, sizeof(r[0]), cmp_double);
			med[w][ti] = r[reps / 2];
			if (json)
				printf("{\"workload\":\"%s\",\"threads\":%u,\"median\":%.0f,\"min\":%.0f,\"max\":%.0f,\"unit\":\"%s\",\"reps\":%u}\n",
				       wname[w], threads_list[ti], med[w][ti], r[0],
				       r[reps - 1], wunit[w], reps);
			else
				printf("  %-9s %2u thread%s %12.0f %s  (min %.0f, max %.0f)\n",
				       wname[w], threads_list[ti],
				       threads_list[ti] == 1 ? " " : "s", med[w][ti],
				       wunit[w], r[0], r[reps - 1]);
			fflush(stdout);
		}
	}
	if (json) {
		printf("{\"bench\":\"cmdq\",\"profile\":\"zero\",\"cmdq_entries\":%u,\"msi_sync\":%s,\"results\":[",
		       1u << info.cmdq_log2, info.msi_sync ? "true" : "false");
		for (unsigned w = 0; w < W_NR; w++)
			for (unsigned ti = 0; ti < nthreads; ti++)
				printf("%s{\"workload\":\"%s\",\"threads\":%u,\"median\":%.0f,\"unit\":\"%s\"}",
				       (w || ti) ? "," : "", wname[w],
				       threads_list[ti], med[w][ti], wunit[w]);
		printf("]}\n");
	}
	if (atomic_load(&b.errors)) {
		fprintf(stderr, "bench_cmdq: %u submissions failed\n",
			atomic_load(&b.errors));
		return 1;
	}
	smmukit_smmu_destroy(b.s);
	smmukit_model_destroy(b.m);
	smmukit_posix_destroy(b.p);
	return 0;
}

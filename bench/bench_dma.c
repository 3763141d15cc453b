/* SPDX-License-Identifier: MIT */
/*
 * bench_dma: single-thread cost of a DMA-API map_single + unmap pair of
 * 4 KiB, in ns per pair (median of several runs, real clock, this host),
 * through the whole stack: IOVA allocation, page table, the SMMUv3 driver
 * and the hardware model with the `zero` profile (every modelled cost 0,
 * so what is measured is the host's software path, the model's command
 * parsing included). No device DMA is made.
 *  - strict (DMA): per unmap one TLBI + one CMD_SYNC round trip;
 *  - lazy (DMA-FQ): per unmap a flush-queue entry; one flush per 255;
 *  - identity: the physical address, no page table, no command.
 * Also prints, per mode, the commands the model consumed per pair.
 *
 * usage: bench_dma [--runs N] [--iters N] [--json]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smmukit/dma.h"
#include "smmukit/iommu.h"
#include "smmukit/model.h"
#include "smmukit/platform_posix.h"
#include "smmukit/smmu.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct mode {
	const char *name;
	bool strict;
	bool passthrough;
};

static const struct mode modes[] = {
	{ "strict", true, false },
	{ "lazy", false, false },
	{ "identity", true, true },
};

struct result {
	uint64_t median_ns;
	double tlbi_per_pair, syncs_per_pair;
};

static uint64_t model_tlbis(const struct smmukit_model_stats *st)
{
	uint64_t n = 0;

	for (unsigned op = 0; op < SMMUKIT_MODEL_NR_OPCODES; op++)
		if (smmuv3_op_is_tlbi(op))
			n += st->cmds_by_op[op];
	return n;
}

static void die(const char *what, int ret)
{
	fprintf(stderr, "bench_dma: %s: %s\n", what, smmukit_errname(ret));
	exit(1);
}

static struct result run_mode(const struct mode *md, unsigned runs,
			      uint64_t iters)
{
	struct smmukit_posix_config pc = { .nr_cpus = 1,
					   .log_level = SMMUKIT_LOG_WARN };
	struct smmukit_platform *p;
	struct smmukit_model *m;
	struct smmukit_smmu_config sc = { 0 };
	struct smmukit_smmu *s;
	struct smmukit_iommu_options o;
	struct smmukit_iommu_config ic = { 0 };
	struct smmukit_iommu *core;
	struct smmukit_dma *dma;
	struct smmukit_device *dev;
	uint32_t sid = 1;
	struct smmukit_device_config dc = { .name = "bench", .sids = &sid,
					    .nr_sids = 1 };
	struct smmukit_dma_pages buf;
	struct smmukit_model_stats before, after;
	uint64_t *samples = calloc(runs, sizeof(*samples));
	struct result r = { 0 };
	int ret;

	if ((ret = smmukit_posix_create(&pc, &p)))
		die("platform", ret);
	if ((ret = smmukit_model_create(p, NULL, NULL, &m)))
		die("model", ret);
	sc.platform = p;
	sc.mmio = smmukit_model_mmio(m);
	if ((ret = smmukit_smmu_probe(&sc, &s)))
		die("probe", ret);
	smmukit_iommu_options_default(&o);
	o.strict = md->strict;
	o.passthrough = md->passthrough;
	ic.platform = p;
	ic.drv = smmukit_smmu_iommu(s);
	ic.options = &o;
	if ((ret = smmukit_iommu_create(&ic, &core)))
		die("iommu", ret);
	if ((ret = smmukit_dma_create(core, &dma)))
		die("dma", ret);
	if ((ret = smmukit_iommu_probe_device(core, &dc, &dev)))
		die("device", ret);
	if ((ret = smmukit_plat_alloc_pages(p, 0, &buf)))
		die("buffer", ret);
	smmukit_model_get_stats(m, &before);
	for (unsigned run = 0; run <= runs; run++) {
		uint64_t t0 = now_ns();

		for (uint64_t i = 0; i < iters; i++) {
			smmukit_dma_addr_t a;

			ret = smmukit_dma_map_single(dev, buf.cpu, 4096,
						     SMMUKIT_DMA_BIDIRECTIONAL, &a);
			if (ret)
				die("map", ret);
			ret = smmukit_dma_unmap_single(dev, a, 4096,
						       SMMUKIT_DMA_BIDIRECTIONAL);
			if (ret)
				die("unmap", ret);
		}
		/* Run 0 warms caches and magazines; it is not counted. */
		if (run)
			samples[run - 1] = (now_ns() - t0) / iters;
	}
	smmukit_model_get_stats(m, &after);
	qsort(samples, runs, sizeof(*samples), cmp_u64);
	r.median_ns = samples[runs / 2];
	r.tlbi_per_pair = (double)(model_tlbis(&after) - model_tlbis(&before)) /
			  (double)(iters * (runs + 1));
	r.syncs_per_pair = (double)(after.syncs - before.syncs) /
			   (double)(iters * (runs + 1));
	smmukit_dma_flush(dev);
	smmukit_plat_free_pages(p, &buf);
	smmukit_iommu_release_device(dev);
	smmukit_dma_destroy(dma);
	smmukit_iommu_destroy(core);
	smmukit_smmu_destroy(s);
	smmukit_model_destroy(m);
	smmukit_posix_destroy(p);
	free(samples);
	return r;
}

int main(int argc, char **argv)
{
	unsigned runs = 7;
	uint64_t iters = 100000;
	bool json = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--iters") && i + 1 < argc)
			iters = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--json"))
			json = true;
		else {
			fprintf(stderr, "usage: bench_dma [--runs N] [--iters N] [--json]\n");
			return 2;
		}
	}
	if (runs == 0 || iters == 0) {
		fprintf(stderr, "bench_dma: --runs and --iters must be at least 1\n");
		return 2;
	}
	if (!json)
		printf("DMA map_single+unmap pair of 4 KiB, 1 thread, zero profile "
		       "(median of %u x %llu)\n", runs, (unsigned long long)iters);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct result r = run_mode(&modes[i], runs, iters);

		if (json)
			printf("{\"mode\":\"%s\",\"pair_ns\":%llu,\"tlbi_per_pair\":%.4f,"
			       "\"syncs_per_pair\":%.4f}\n", modes[i].name,
			       (unsigned long long)r.median_ns, r.tlbi_per_pair,
			       r.syncs_per_pair);
		else
			printf("  %-9s %6llu ns/pair  TLBI/pair %.4f  CMD_SYNC/pair %.4f\n",
			       modes[i].name, (unsigned long long)r.median_ns,
			       r.tlbi_per_pair, r.syncs_per_pair);
	}
	return 0;
}

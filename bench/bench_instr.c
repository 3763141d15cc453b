/* SPDX-License-Identifier: MIT */
/*
 * bench_instr: instructions per hot-path operation, counted by valgrind's
 * callgrind (instruction counts are stable on a noisy shared machine, where
 * nanoseconds are not).
 *
 * Each row has a driver function bench_instr_<row>() that performs N
 * operations; callgrind collects only inside the measured API calls
 * (--toggle-collect=<function>), not in the driver's loop. Setup runs
 * before it (with instrumentation off when valgrind/callgrind.h was
 * available at build time). Warm-up and
 * first-call effects (lazy symbol binding, cold magazines) are cancelled by
 * running every row twice, with N1 and N2 operations, and reporting
 * (I(N2) - I(N1)) / (N2 - N1).
 *
 * Rows (the Linux column: Linux's drivers/iommu/iova.c and io-pgtable-arm.c
 * of the v7.0 era built in userspace with gcc -O2 on this kind of machine,
 * a bare spinlock and no-op TLB callbacks, counted the same way):
 *  iova_fast       alloc_fast + free_fast, 1 granule, 1 thread, 1 CPU
 *  iova_fast_2cpu  the same on a 2-CPU platform (cpu_id() is called)
 *  iova_tree       tree alloc + free, 1 granule, empty domain
 *  iova_frag       tree alloc (1-64 granules, size-aligned) + free of a
 *                  random live range, 10^5 live ranges (48-bit domain)
 *  pgt_4k          4K page map_pages + unmap_pages, stage 1, 48-bit, 4K
 *                  granule, warm tables, strict gather, no-op flush ops
 *  pgt_2m          2M block pair, same table
 *  iova_to_phys    a 4K page's translation (4 levels)
 *  dma_strict      dma_map_single + dma_unmap_single of 4 KiB, DMA domain
 *  dma_lazy        the same, DMA-FQ domain (flushes amortised: N1, N2 are
 *                  multiples of the ring's 255 usable slots)
 *  dma_identity    the same, identity domain
 * The DMA rows run the hardware model with the zero profile; the model's
 * own work (its MMIO handlers and hook_run_due) is toggled out, so what is
 * counted is the host's software path including the driver's command
 * building and CMD_SYNC polling.
 *
 * usage: bench_instr [--json] [--rows a,b,...] [--valgrind PATH]
 *        bench_instr --row NAME --ops N      (one run, under callgrind)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smmukit/dma.h"
#include "smmukit/iommu.h"
#include "smmukit/iova.h"
#include "smmukit/model.h"
#include "smmukit/pgtable.h"
#include "smmukit/platform_posix.h"
#include "smmukit/smmu.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND_H 1
#endif
#endif
#ifndef HAVE_CALLGRIND_H
#define CALLGRIND_START_INSTRUMENTATION
#endif

#define NOINLINE __attribute__((noinline, used))
#define END_PFN ((UINT64_C(1) << 36) - 1)	/* 48-bit IOVAs, 4K granule */
#define RW (SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE | SMMUKIT_PROT_CACHE)
#define SLOTS 512

static void die(const char *what, int ret)
{
	fprintf(stderr, "bench_instr: %s failed: %s\n", what, smmukit_errname(ret));
	exit(1);
}

static struct smmukit_platform *new_plat(unsigned nr_cpus)
{
	struct smmukit_posix_config pc = { .nr_cpus = nr_cpus,
					   .log_level = SMMUKIT_LOG_WARN };
	struct smmukit_platform *p;
	int ret = smmukit_posix_create(&pc, &p);

	if (ret)
		die("platform", ret);
	return p;
}

static struct smmukit_iova_domain *new_iovad(struct smmukit_platform *p)
{
	struct smmukit_iova_config cfg = { .granule = 4096, .end_pfn = END_PFN };
	struct smmukit_iova_domain *dom;
	int ret = smmukit_iova_domain_create(p, &cfg, &dom);

	if (ret)
		die("iova domain", ret);
	return dom;
}

/* ------------------------------------------------------------- iova -- */

NOINLINE void bench_instr_iova_fast(struct smmukit_iova_domain *dom, uint64_t n);
NOINLINE void bench_instr_iova_fast(struct smmukit_iova_domain *dom, uint64_t n)
{
	uint64_t pfn;

	for (uint64_t i = 0; i < n; i++) {
		if (smmukit_iova_alloc_fast(dom, 1, END_PFN, 0, &pfn))
			die("alloc_fast", -1);
		smmukit_iova_free_fast(dom, pfn, 1);
	}
}

NOINLINE void bench_instr_iova_tree(struct smmukit_iova_domain *dom, uint64_t n);
NOINLINE void bench_instr_iova_tree(struct smmukit_iova_domain *dom, uint64_t n)
{
	uint64_t pfn;

	for (uint64_t i = 0; i < n; i++) {
		if (smmukit_iova_alloc(dom, 1, END_PFN, true, &pfn))
			die("alloc", -1);
		smmukit_iova_free(dom, pfn, 1);
	}
}

static uint64_t rng = 1;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Mixed DMA sizes in granules, as bench_iova: mostly small, some up to 64. */
static uint64_t mixed_size(void)
{
	uint64_t r = rnd() % 100;

	if (r < 60)
		return 1 + rnd() % 4;
	if (r < 90)
		return 5 + rnd() % 12;
	return 17 + rnd() % 48;
}

struct frag {
	struct smmukit_iova_domain *dom;
	uint64_t *pfn, *size, n;
};

static void frag_build(struct frag *f, uint64_t live)
{
	f->pfn = calloc(2 * live, sizeof(uint64_t));
	f->size = calloc(2 * live, sizeof(uint64_t));
	if (!f->pfn || !f->size)
		die("calloc", -SMMUKIT_ENOMEM);
	for (f->n = 0; f->n < 2 * live; f->n++) {
		f->size[f->n] = mixed_size();
		if (smmukit_iova_alloc(f->dom, f->size[f->n], END_PFN, true,
				       &f->pfn[f->n]))
			die("frag alloc", -1);
	}
	while (f->n > live) {
		uint64_t k = rnd() % f->n;

		smmukit_iova_free(f->dom, f->pfn[k], f->size[k]);
		f->n--;
		f->pfn[k] = f->pfn[f->n];
		f->size[k] = f->size[f->n];
	}
}

/* One pair: allocate a mixed size, free a random live range (not it). */
NOINLINE void bench_instr_iova_frag(struct frag *f, uint64_t n);
NOINLINE void bench_instr_iova_frag(struct frag *f, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		uint64_t size = f->size[f->n] = mixed_size(), k;

		if (smmukit_iova_alloc(f->dom, size, END_PFN, true, &f->pfn[f->n]))
			die("frag alloc", -1);
		k = rnd() % f->n;
		if (smmukit_iova_free(f->dom, f->pfn[k], f->size[k]))
			die("frag free", -1);
		f->pfn[k] = f->pfn[f->n];
		f->size[k] = f->size[f->n];
	}
}

/* ---------------------------------------------------------- pgtable -- */

static void nop_flush_all(void *cookie)
{
}

static int nop_flush_walk(void *cookie, uint64_t iova, uint64_t size,
			  uint64_t granule)
{
	return 0;
}

static void nop_add_page(struct smmukit_iotlb_gather *g, void *cookie,
			 uint64_t iova, uint64_t granule)
{
}

static const struct smmukit_pgtable_flush_ops nop_ops = {
	.flush_all = nop_flush_all,
	.flush_walk = nop_flush_walk,
	.add_page = nop_add_page,
};

struct pgt_ctx {
	struct smmukit_pgtable *pgt;
	uint64_t pgsize;
};

static void pgt_setup(struct pgt_ctx *c, struct smmukit_platform *p,
		      uint64_t pgsize, bool leave_mapped)
{
	struct smmukit_pgtable_cfg cfg = {
		.stage = 1, .granule = SMMUKIT_SZ_4K, .ias = 48, .oas = 48,
		.coherent_walk = true, .flush_ops = &nop_ops, .platform = p,
	};
	int ret = smmukit_pgtable_alloc(&cfg, &c->pgt);

	if (ret)
		die("pgtable_alloc", ret);
	c->pgsize = pgsize;
	for (uint64_t s = 0; s < SLOTS; s++) {
		uint64_t a = (UINT64_C(1) << 32) + s * pgsize;

		ret = smmukit_pgtable_map_pages(c->pgt, a, a, pgsize, 1, RW, NULL);
		if (ret)
			die("warm map", ret);
	}
	if (!leave_mapped &&
	    smmukit_pgtable_unmap(c->pgt, UINT64_C(1) << 32, SLOTS * pgsize,
				  NULL) != (int64_t)(SLOTS * pgsize))
		die("warm unmap", -1);
}

NOINLINE void bench_instr_pgt_pair(struct pgt_ctx *c, uint64_t n);
NOINLINE void bench_instr_pgt_pair(struct pgt_ctx *c, uint64_t n)
{
	struct smmukit_iotlb_gather g;

	smmukit_pgtable_gather_init(&g);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t iova = (UINT64_C(1) << 32) + (i % SLOTS) * c->pgsize;

		if (smmukit_pgtable_map_pages(c->pgt, iova, iova, c->pgsize, 1,
					      RW, NULL) ||
		    smmukit_pgtable_unmap_pages(c->pgt, iova, c->pgsize, 1, &g) !=
			    (int64_t)c->pgsize)
			die("map/unmap", -1);
	}
}

NOINLINE uint64_t bench_instr_iova_to_phys(struct pgt_ctx *c, uint64_t n);
NOINLINE uint64_t bench_instr_iova_to_phys(struct pgt_ctx *c, uint64_t n)
{
	uint64_t sink = 0;

	for (uint64_t i = 0; i < n; i++) {
		smmukit_phys_t pa;

		if (smmukit_pgtable_iova_to_phys(c->pgt, (UINT64_C(1) << 32) +
						 (i % SLOTS) * c->pgsize + 8, &pa))
			die("iova_to_phys", -1);
		sink += pa;
	}
	return sink;
}

/* -------------------------------------------------------------- dma -- */

struct dma_ctx {
	struct smmukit_device *dev;
	void *buf;
};

static void dma_setup(struct dma_ctx *c, struct smmukit_platform *p,
		      bool strict, bool passthrough)
{
	struct smmukit_model *m;
	struct smmukit_smmu_config sc = { 0 };
	struct smmukit_smmu *s;
	struct smmukit_iommu_options o;
	struct smmukit_iommu_config ic = { 0 };
	struct smmukit_iommu *core;
	struct smmukit_dma *dma;
	static uint32_t sid = 1;
	struct smmukit_device_config dc = { .name = "bench", .sids = &sid,
					    .nr_sids = 1 };
	struct smmukit_dma_pages buf;
	int ret;

	if ((ret = smmukit_model_create(p, NULL, NULL, &m)))
		die("model", ret);
	sc.platform = p;
	sc.mmio = smmukit_model_mmio(m);
	if ((ret = smmukit_smmu_probe(&sc, &s)))
		die("probe", ret);
	smmukit_iommu_options_default(&o);
	o.strict = strict;
	o.passthrough = passthrough;
	/* No timer flush during a run: every flush is a full ring's, in the
	 * measured thread, once per 255 pairs (deterministic). */
	o.fq_timeout_ms = 3600000;
	o.fq_timeout_given = true;
	ic.platform = p;
	ic.drv = smmukit_smmu_iommu(s);
	ic.options = &o;
	if ((ret = smmukit_iommu_create(&ic, &core)))
		die("iommu", ret);
	if ((ret = smmukit_dma_create(core, &dma)))
		die("dma", ret);
	if ((ret = smmukit_iommu_probe_device(core, &dc, &c->dev)))
		die("device", ret);
	if ((ret = smmukit_plat_alloc_pages(p, 0, &buf)))
		die("buffer", ret);
	c->buf = buf.cpu;
}

NOINLINE void bench_instr_dma_pair(struct dma_ctx *c, uint64_t n);
NOINLINE void bench_instr_dma_pair(struct dma_ctx *c, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		smmukit_dma_addr_t a;
		int ret = smmukit_dma_map_single(c->dev, c->buf, 4096,
						 SMMUKIT_DMA_BIDIRECTIONAL, &a);

		if (ret)
			die("dma map", ret);
		ret = smmukit_dma_unmap_single(c->dev, a, 4096,
					       SMMUKIT_DMA_BIDIRECTIONAL);
		if (ret)
			die("dma unmap", ret);
	}
}

/* ------------------------------------------------------------- rows -- */

struct row {
	const char *name;
	const char *label;
	/*
	 * The measured functions, space-separated: callgrind collects only
	 * inside them (none calls another of its row). The page-table rows
	 * name the format's functions behind the inline wrappers
	 * smmukit_pgtable_map_pages & co (whose NULL check and indirect call,
	 * a few instructions, are not counted).
	 */
	const char *fns;
	long linux_instr;	/* -1: no Linux figure */
	uint64_t n1, n2;
	bool model;		/* toggle the model's own work out */
};

static const struct row rows[] = {
	{ "iova_fast", "IOVA fast pair, 1 granule, 1 thread (1 CPU)",
	  "smmukit_iova_alloc_fast smmukit_iova_free_fast", 86, 2000, 6000, false },
	{ "iova_fast_2cpu", "IOVA fast pair, 1 thread on a 2-CPU platform",
	  "smmukit_iova_alloc_fast smmukit_iova_free_fast", -1, 2000, 6000, false },
	{ "iova_tree", "IOVA tree pair, empty domain",
	  "smmukit_iova_alloc smmukit_iova_free", 478, 2000, 6000, false },
	{ "iova_frag", "IOVA pair, fragmented (10^5 live ranges)",
	  "smmukit_iova_alloc smmukit_iova_free", 3299, 2000, 6000, false },
	{ "pgt_4k", "4K page map+unmap pair",
	  "lpae_map_pages lpae_unmap_pages", 670, 2048, 6144, false },
	{ "pgt_2m", "2M block map+unmap pair",
	  "lpae_map_pages lpae_unmap_pages", 588, 2048, 6144, false },
	{ "iova_to_phys", "iova_to_phys (4K page)",
	  "lpae_iova_to_phys", 461, 2048, 6144, false },
	{ "dma_strict", "DMA map_single+unmap 4K, strict",
	  "smmukit_dma_map_single smmukit_dma_unmap_single", -1, 2040, 6120, true },
	{ "dma_lazy", "DMA map_single+unmap 4K, lazy",
	  "smmukit_dma_map_single smmukit_dma_unmap_single", -1, 2040, 6120, true },
	{ "dma_identity", "DMA map_single+unmap 4K, identity",
	  "smmukit_dma_map_single smmukit_dma_unmap_single", -1, 2040, 6120, true },
};

static const struct row *find_row(const char *name)
{
	for (size_t i = 0; i < SMMUKIT_ARRAY_SIZE(rows); i++)
		if (!strcmp(rows[i].name, name))
			return &rows[i];
	return NULL;
}

/* One measured run of a row (under callgrind, or plain). */
static int run_row(const struct row *r, uint64_t n)
{
	struct smmukit_platform *p =
		new_plat(!strcmp(r->name, "iova_fast_2cpu") ? 2 : 1);

	if (!strncmp(r->name, "iova_fast", 9)) {
		struct smmukit_iova_domain *dom = new_iovad(p);

		CALLGRIND_START_INSTRUMENTATION;
		bench_instr_iova_fast(dom, 1000);
		bench_instr_iova_fast(dom, n);
	} else if (!strcmp(r->name, "iova_tree")) {
		struct smmukit_iova_domain *dom = new_iovad(p);

		CALLGRIND_START_INSTRUMENTATION;
		bench_instr_iova_tree(dom, 1000);
		bench_instr_iova_tree(dom, n);
	} else if (!strcmp(r->name, "iova_frag")) {
		struct frag f = { .dom = new_iovad(p) };

		frag_build(&f, 100000);
		CALLGRIND_START_INSTRUMENTATION;
		bench_instr_iova_frag(&f, 200);
		bench_instr_iova_frag(&f, n);
	} else if (!strncmp(r->name, "pgt_", 4) || !strcmp(r->name, "iova_to_phys")) {
		struct pgt_ctx c;
		bool tr = !strcmp(r->name, "iova_to_phys");

		pgt_setup(&c, p, !strcmp(r->name, "pgt_2m") ? SMMUKIT_SZ_2M :
			  SMMUKIT_SZ_4K, tr);
		CALLGRIND_START_INSTRUMENTATION;
		if (tr) {
			bench_instr_iova_to_phys(&c, SLOTS);
			if (bench_instr_iova_to_phys(&c, n) == 1)
				printf(" ");
		} else {
			bench_instr_pgt_pair(&c, SLOTS);
			bench_instr_pgt_pair(&c, n);
		}
	} else {
		struct dma_ctx c;

		dma_setup(&c, p, !strcmp(r->name, "dma_strict") ||
			  !strcmp(r->name, "dma_identity"),
			  !strcmp(r->name, "dma_identity"));
		CALLGRIND_START_INSTRUMENTATION;
		/* Warm-up: a whole number of flush-queue rings. */
		bench_instr_dma_pair(&c, 2040);
		bench_instr_dma_pair(&c, n);
	}
	/* The process exits here: teardown is not measured or needed. */
	return 0;
}

/* Run one row under callgrind; returns instructions collected, or -1. */
static long long callgrind_count(const char *valgrind, const char *self,
				 const struct row *r, uint64_t n)
{
	char cmd[2048];
	char line[512];
	long long got = -1;
	FILE *f;

	char toggles[512] = "";
	const char *fn = r->fns;

	while (*fn) {
		size_t len = strcspn(fn, " "), used = strlen(toggles);

		snprintf(toggles + used, sizeof(toggles) - used,
			 " --toggle-collect=%.*s", (int)len, fn);
		fn += len;
		fn += strspn(fn, " ");
	}
	snprintf(cmd, sizeof(cmd),
		 "%s --tool=callgrind --callgrind-out-file=/dev/null %s"
		 "%s%s '%s' --row %s --ops %llu 2>&1 >/dev/null",
		 valgrind,
#ifdef HAVE_CALLGRIND_H
		 "--instr-atstart=no",
#else
		 "",
#endif
		 toggles,
		 r->model ? " --toggle-collect=mmio_read32 --toggle-collect=mmio_read64"
			    " --toggle-collect=mmio_write32 --toggle-collect=mmio_write64"
			    " --toggle-collect=hook_run_due --toggle-collect=hook_next_due"
			  : "",
		 self, r->name, (unsigned long long)n);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		const char *c = strstr(line, "Collected :");

		if (c)
			got = atoll(c + strlen("Collected :"));
	}
	if (pclose(f) != 0)
		return -1;
	/* Nothing collected: a measured function was renamed or inlined. */
	return got > 0 ? got : -1;
}

/* Is name one of the comma-separated entries of list? */
static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; *p; p += strcspn(p, ","), p += *p == ',')
		if (strcspn(p, ",") == n && !strncmp(p, name, n))
			return true;
	return false;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_instr [--json] [--rows a,b,...] [--valgrind PATH]\n"
			"       bench_instr --row NAME --ops N\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *valgrind = "valgrind", *only = NULL, *row = NULL;
	uint64_t ops = 0;
	bool json = false;
	char self[4096];
	ssize_t len;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--rows") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--valgrind") && i + 1 < argc)
			valgrind = argv[++i];
		else if (!strcmp(argv[i], "--row") && i + 1 < argc)
			row = argv[++i];
		else if (!strcmp(argv[i], "--ops") && i + 1 < argc)
			ops = strtoull(argv[++i], NULL, 0);
		else
			usage();
	}
	if (row) {
		const struct row *r = find_row(row);

		if (!r || ops == 0) {
			fprintf(stderr, "bench_instr: unknown row '%s' or --ops 0\n", row);
			return 2;
		}
		return run_row(r, ops);
	}
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0) {
		fprintf(stderr, "bench_instr: cannot find own executable\n");
		return 1;
	}
	self[len] = 0;
	if (!json)
		printf("%-46s %9s %9s  (callgrind, (I(N2)-I(N1))/(N2-N1))\n",
		       "operation", "smmukit", "Linux");
	for (size_t i = 0; i < SMMUKIT_ARRAY_SIZE(rows); i++) {
		const struct row *r = &rows[i];
		long long a, b;
		double per;

		if (only && !in_list(only, r->name))
			continue;
		a = callgrind_count(valgrind, self, r, r->n1);
		b = callgrind_count(valgrind, self, r, r->n2);
		if (a < 0 || b < 0) {
			fprintf(stderr, "bench_instr: %s: callgrind run failed "
				"(is valgrind installed?)\n", r->name);
			return 1;
		}
		per = (double)(b - a) / (double)(r->n2 - r->n1);
		if (json) {
			printf("{\"bench\":\"instr\",\"op\":\"%s\",\"instr\":%.1f", r->name, per);
			if (r->linux_instr >= 0)
				printf(",\"linux_instr\":%ld", r->linux_instr);
			printf(",\"n1\":%llu,\"n2\":%llu}\n", (unsigned long long)r->n1,
			       (unsigned long long)r->n2);
		} else {
			char lx[24] = "-";

			if (r->linux_instr >= 0)
				snprintf(lx, sizeof(lx), "%ld", r->linux_instr);
			printf("%-46s %9.1f %9s\n", r->label, per, lx);
		}
		fflush(stdout);
	}
	return 0;
}

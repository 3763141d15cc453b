/* SPDX-License-Identifier: MIT */
/*
 * smmukit bench map: Linux's dma_map_benchmark on the whole stack. N
 * threads, each pinned to its own simulated CPU (so the per-CPU IOVA
 * magazines and flush-queue rings are used as on a machine), map and unmap
 * one buffer in a loop on the real clock; the model's timing profile makes
 * the SMMU as slow as the hardware it stands for (relax() spins on the real
 * clock until a CMD_SYNC's modelled completion). Prints the kernel tool's
 * result lines, then where the time went: IOVA allocation and invalidation
 * (the DMA layer's sampled timing hook) and the commands the SMMU consumed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smmukit/smmuv3_hw.h"
#include "tool.h"
#include "tool_stack.h"

#define MAX_THREADS 64u
#define MAX_SECONDS 300.0
#define MAX_GRANULE 1024u	/* pages per mapping, as the kernel's */
#define MAX_DELAY_NS 10000000u	/* 10 ms, as the kernel's */
#define DEFAULT_SECONDS 1.0

enum bench_mode { MODE_OPTIONS, MODE_STRICT, MODE_LAZY, MODE_PASSTHROUGH };

/* What the kernel tool prints for each direction. */
static const char *const dir_kernel_names[] = {
	[SMMUKIT_DMA_BIDIRECTIONAL] = "BIDIRECTIONAL",
	[SMMUKIT_DMA_TO_DEVICE] = "TO_DEVICE",
	[SMMUKIT_DMA_FROM_DEVICE] = "FROM_DEVICE",
};

struct bench_args {
	enum bench_mode modes[3];
	unsigned nr_modes;
	unsigned threads;
	double seconds;
	uint64_t max_ops;	/* per thread; 0: no limit */
	unsigned granule;	/* pages */
	enum smmukit_dma_dir dir;
	uint64_t delay_ns;
	bool json;
	bool all;
};

/* One thread's loop and its sums; written by that thread only. */
struct bench_thread {
	pthread_t tid;
	unsigned cpu;
	struct bench_run *run;
	struct smmukit_dma_pages buf;
	uint64_t ops;
	uint64_t map_sum, unmap_sum;	/* ns */
	double map_sq, unmap_sq;	/* ns^2 */
	int err;			/* first failure, 0 if none */
	const char *err_op;
};

struct bench_run {
	const struct bench_args *args;
	struct tool_stack st;
	struct tool_stack_dev *dev;
	uint64_t size;
	uint64_t deadline_ns;
	atomic_bool go;
	struct bench_thread th[MAX_THREADS];
};

/* One mode's figures. */
struct bench_result {
	const char *mode;	/* strict, lazy or passthrough */
	const char *domain;	/* the domain type the device had */
	unsigned threads;
	double seconds;		/* wall time of the loop */
	uint64_t ops;
	double map_avg, map_sd, unmap_avg, unmap_sd;	/* ns */
	double iova_avg;	/* ns per IOVA allocation (sampled) */
	double inval_avg;	/* ns of invalidation per unmap */
	uint64_t tlbi, syncs, flushes;
	uint64_t iova_samples;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: smmukit [--cmdline \"...\"] bench map [--mode strict|lazy|passthrough|all]\n"
		"         [--threads N] [--seconds S] [--ops N] [--granule PAGES]\n"
		"         [--dir bidir|to_device|from_device] [--delay-ns NS]\n"
		"         [--profile NAME|PATH] [--model KEYS] [--json]\n"
		"\n"
		"Linux's dma_map_benchmark on the whole stack (hosted platform on the real\n"
		"clock, SMMUv3 model with the profile's costs waited in real time, driver,\n"
		"IOMMU core, DMA layer). Each of N threads pins itself to its own simulated\n"
		"CPU and loops: fill its buffer with 0x66 (unless from_device), time\n"
		"dma_map_single, wait NS, time dma_unmap_single. One device; its domain is\n"
		"DMA (strict), DMA-FQ (lazy) or identity (passthrough).\n"
		"\n"
		"  --mode M        strict, lazy, passthrough, or all (the three back to back,\n"
		"                  then side by side with ratios); default: what the\n"
		"                  options give (strict unless iommu.strict=0 or\n"
		"                  iommu.passthrough=1). A mode is given to the stack as\n"
		"                  iommu.strict/iommu.passthrough after --cmdline.\n"
		"  --threads N     1..%u (default 1)\n"
		"  --seconds S     run time per mode, 0 < S <= %g, fractions allowed\n"
		"                  (default %g; the kernel tool's is 20)\n"
		"  --ops N         also stop each thread after N map+unmap pairs\n"
		"  --granule P     pages (4 KiB) per mapping, 1..%u (default 1)\n"
		"  --dir D         bidir (default), to_device, from_device\n"
		"  --delay-ns NS   simulated transfer between map and unmap, 0..%u\n"
		"  --json          one object per mode:\n"
		"     {\"mode\":\"strict\",\"threads\":N,\"ops\":N,\"map_ns_avg\":X,\n"
		"      \"map_ns_stddev\":X,\"unmap_ns_avg\":X,\"unmap_ns_stddev\":X,\n"
		"      \"iova_ns_avg\":X,\"tlbi\":N,\"syncs\":N,\"flushes\":N,\n"
		"      \"inval_ns_avg\":X,\"domain\":\"DMA\",\"seconds\":X,\"profile\":\"...\"}\n"
		"\n"
		"Text output per mode: the kernel tool's lines (0.1 us resolution, values\n"
		"truncated as it does), then ops, IOVA allocation time per map,\n"
		"invalidation time per unmap, TLBI and CMD_SYNC per op, flush-queue\n"
		"flushes. ops counts map+unmap pairs; tlbi, syncs: TLBI commands and\n"
		"CMD_SYNCs the SMMU consumed during the loop; flushes: flush-queue flushes.\n"
		"iova_ns_avg and inval_ns_avg come from the DMA layer's timing hook, which\n"
		"reads the clock around one call in %u per CPU (IOVA allocation; strict\n"
		"iotlb_sync) and around every flush-queue flush (timer flushes included).\n"
		"\n",
		MAX_THREADS, MAX_SECONDS, DEFAULT_SECONDS, MAX_GRANULE, MAX_DELAY_NS,
		SMMUKIT_DMA_TIMING_SAMPLE);
	tool_stack_usage(f);
	fprintf(f,
		"\n"
		"Exit status: 0 success; 1 a map or unmap failed, or the stack could not\n"
		"be built; 2 bad usage or input (one line on stderr naming the option\n"
		"and its limit).\n");
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Integer square root (what the kernel module uses for the deviation). */
static uint64_t isqrt(uint64_t v)
{
	uint64_t r = 0, bit = UINT64_C(1) << 62;

	while (bit > v)
		bit >>= 2;
	while (bit) {
		if (v >= r + bit) {
			v -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

static double stddev(double sum, double sq, uint64_t n)
{
	double mean, var;

	if (!n)
		return 0;
	mean = sum / (double)n;
	var = sq / (double)n - mean * mean;
	return var > 0 ? (double)isqrt((uint64_t)var) : 0;
}

/* --opt VALUE or --opt=VALUE: true with *val set, moving *i past it. */
static bool opt_value(int argc, char **argv, int *i, const char *name,
		      const char **val)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n))
		return false;
	if (a[n] == '=') {
		*val = a + n + 1;
		return true;
	}
	if (a[n])
		return false;
	if (*i + 1 >= argc)
		tool_fail("bench: %s needs a value (see smmukit bench --help)", name);
	*val = argv[++*i];
	return true;
}

static uint64_t parse_range(const char *opt, const char *v, uint64_t lo,
			    uint64_t hi)
{
	uint64_t n;

	if (!tool_parse_u64(v, false, &n) || n < lo || n > hi)
		tool_fail("bench: %s %s: must be %llu..%llu", opt, v,
			  (unsigned long long)lo, (unsigned long long)hi);
	return n;
}

static double parse_seconds(const char *v)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(v, &end);
	if (errno || end == v || *end || !(s > 0) || s > MAX_SECONDS)
		tool_fail("bench: --seconds %s: must be a number, 0 < S <= %g", v,
			  MAX_SECONDS);
	return s;
}

static void parse_mode(struct bench_args *a, const char *v)
{
	a->nr_modes = 1;
	a->all = false;
	if (!strcmp(v, "strict")) {
		a->modes[0] = MODE_STRICT;
	} else if (!strcmp(v, "lazy")) {
		a->modes[0] = MODE_LAZY;
	} else if (!strcmp(v, "passthrough")) {
		a->modes[0] = MODE_PASSTHROUGH;
	} else if (!strcmp(v, "all")) {
		a->modes[0] = MODE_STRICT;
		a->modes[1] = MODE_LAZY;
		a->modes[2] = MODE_PASSTHROUGH;
		a->nr_modes = 3;
		a->all = true;
	} else {
		tool_fail("bench: --mode %s: must be strict, lazy, passthrough or all",
			  v);
	}
}

static void parse_args(int argc, char **argv, struct bench_args *a,
		       struct tool_stack_config *cfg)
{
	const char *v;

	memset(a, 0, sizeof(*a));
	a->modes[0] = MODE_OPTIONS;
	a->nr_modes = 1;
	a->threads = 1;
	a->seconds = DEFAULT_SECONDS;
	a->granule = 1;
	a->dir = SMMUKIT_DMA_BIDIRECTIONAL;
	for (int i = 2; i < argc; i++) {
		const char *arg = argv[i];

		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(arg, "--json")) {
			a->json = true;
		} else if (opt_value(argc, argv, &i, "--mode", &v)) {
			parse_mode(a, v);
		} else if (opt_value(argc, argv, &i, "--threads", &v)) {
			a->threads = (unsigned)parse_range("--threads", v, 1,
							   MAX_THREADS);
		} else if (opt_value(argc, argv, &i, "--seconds", &v)) {
			a->seconds = parse_seconds(v);
		} else if (opt_value(argc, argv, &i, "--ops", &v)) {
			a->max_ops = parse_range("--ops", v, 1,
						 UINT64_C(1) << 40);
		} else if (opt_value(argc, argv, &i, "--granule", &v)) {
			a->granule = (unsigned)parse_range("--granule", v, 1,
							   MAX_GRANULE);
		} else if (opt_value(argc, argv, &i, "--dir", &v)) {
			if (smmukit_dma_dir_parse(v, &a->dir))
				tool_fail("bench: --dir %s: must be bidir, to_device or from_device",
					  v);
		} else if (opt_value(argc, argv, &i, "--delay-ns", &v)) {
			a->delay_ns = parse_range("--delay-ns", v, 0,
						  MAX_DELAY_NS);
		} else if (tool_stack_parse_arg(cfg, argc, argv, &i)) {
			continue;
		} else {
			tool_fail("bench: unknown option '%s' (see smmukit bench --help)",
				  arg);
		}
	}
}

static void *thread_main(void *arg)
{
	struct bench_thread *t = arg;
	struct bench_run *run = t->run;
	const struct bench_args *a = run->args;
	struct smmukit_device *dev = run->dev->dev;

	smmukit_posix_set_cpu(run->st.plat, t->cpu);
	while (!atomic_load_explicit(&run->go, memory_order_acquire))
		;
	for (;;) {
		smmukit_dma_addr_t addr;
		uint64_t t0, t1, t2, t3;
		int ret;

		/* As the kernel's loop: dirty the cache the CPU would. */
		if (a->dir != SMMUKIT_DMA_FROM_DEVICE)
			memset(t->buf.cpu, 0x66, run->size);
		t0 = now_ns();
		ret = smmukit_dma_map_single(dev, t->buf.cpu, run->size, a->dir,
					     &addr);
		t1 = now_ns();
		if (ret) {
			t->err = ret;
			t->err_op = "map";
			break;
		}
		if (a->delay_ns)
			while (now_ns() - t1 < a->delay_ns)
				;
		t2 = now_ns();
		ret = smmukit_dma_unmap_single(dev, addr, run->size, a->dir);
		t3 = now_ns();
		if (ret) {
			t->err = ret;
			t->err_op = "unmap";
			break;
		}
		t->map_sum += t1 - t0;
		t->unmap_sum += t3 - t2;
		t->map_sq += (double)(t1 - t0) * (double)(t1 - t0);
		t->unmap_sq += (double)(t3 - t2) * (double)(t3 - t2);
		t->ops++;
		if (t->ops == a->max_ops || t3 >= run->deadline_ns)
			break;
	}
	return NULL;
}

static uint64_t model_tlbis(const struct smmukit_model_stats *ms)
{
	uint64_t n = 0;

	for (unsigned op = 0; op < SMMUKIT_MODEL_NR_OPCODES; op++)
		if (smmuv3_op_is_tlbi(op))
			n += ms->cmds_by_op[op];
	return n;
}

static const char *mode_cmdline(enum bench_mode m)
{
	switch (m) {
	case MODE_STRICT:
		return "iommu.passthrough=0 iommu.strict=1";
	case MODE_LAZY:
		return "iommu.passthrough=0 iommu.strict=0";
	case MODE_PASSTHROUGH:
		return "iommu.passthrough=1";
	default:
		return NULL;
	}
}

static const char *mode_of_domain(enum smmukit_domain_type t)
{
	switch (t) {
	case SMMUKIT_DOMAIN_DMA:
		return "strict";
	case SMMUKIT_DOMAIN_DMA_FQ:
		return "lazy";
	case SMMUKIT_DOMAIN_IDENTITY:
		return "passthrough";
	default:
		return smmukit_domain_type_name(t);
	}
}

/* The smallest page order holding size bytes. */
static unsigned order_for(uint64_t size)
{
	unsigned order = 0;

	while ((SMMUKIT_PAGE_SIZE << order) < size)
		order++;
	return order;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/*
 * What the timing hook's own two clock reads add to an interval: the
 * median of back-to-back reads of the platform clock. It is subtracted
 * from the hook's figures (the calls it times are not much longer).
 */
static uint64_t clock_overhead_ns(struct smmukit_platform *plat)
{
	uint64_t d[1001];

	for (unsigned i = 0; i < SMMUKIT_ARRAY_SIZE(d); i++) {
		uint64_t t0 = smmukit_plat_clock_ns(plat);

		d[i] = smmukit_plat_clock_ns(plat) - t0;
	}
	qsort(d, SMMUKIT_ARRAY_SIZE(d), sizeof(d[0]), cmp_u64);
	return d[SMMUKIT_ARRAY_SIZE(d) / 2];
}

static double net(double ns, double ovh)
{
	return ns > ovh ? ns - ovh : 0;
}

/* Start the threads, wait for them, fill res. 0, or 1 if an op failed. */
static int run_threads(struct bench_run *run, struct bench_result *res)
{
	const struct bench_args *a = run->args;
	struct smmukit_model_stats ms0, ms1;
	struct smmukit_dma_stats ds0, ds1;
	struct smmukit_dma_timing tm0, tm1;
	double map_sum = 0, unmap_sum = 0, map_sq = 0, unmap_sq = 0;
	uint64_t start, end, unmaps, strict_unmaps;
	double ovh = (double)clock_overhead_ns(run->st.plat);
	unsigned started = 0;
	int status = 0;

	smmukit_model_get_stats(run->st.model, &ms0);
	smmukit_dma_get_stats(run->st.dma, &ds0);
	smmukit_dma_get_timing(run->st.dma, &tm0);
	atomic_store(&run->go, false);
	for (unsigned i = 0; i < a->threads; i++) {
		struct bench_thread *t = &run->th[i];

		t->run = run;
		t->cpu = i;
		if (pthread_create(&t->tid, NULL, thread_main, t)) {
			fprintf(stderr, "smmukit: bench: cannot start thread %u\n", i);
			status = 1;
			break;
		}
		started++;
	}
	start = now_ns();
	run->deadline_ns = start + (uint64_t)(a->seconds * 1e9);
	atomic_store_explicit(&run->go, true, memory_order_release);
	for (unsigned i = 0; i < started; i++)
		pthread_join(run->th[i].tid, NULL);
	end = now_ns();
	smmukit_model_get_stats(run->st.model, &ms1);
	smmukit_dma_get_stats(run->st.dma, &ds1);
	smmukit_dma_get_timing(run->st.dma, &tm1);

	memset(res, 0, sizeof(*res));
	for (unsigned i = 0; i < started; i++) {
		struct bench_thread *t = &run->th[i];

		if (t->err) {
			fprintf(stderr, "smmukit: bench: thread %u: %s failed: %s\n",
				i, t->err_op, tool_errname(t->err));
			status = 1;
		}
		res->ops += t->ops;
		map_sum += (double)t->map_sum;
		unmap_sum += (double)t->unmap_sum;
		map_sq += t->map_sq;
		unmap_sq += t->unmap_sq;
	}
	res->threads = a->threads;
	res->seconds = (double)(end - start) / 1e9;
	if (res->ops) {
		res->map_avg = map_sum / (double)res->ops;
		res->unmap_avg = unmap_sum / (double)res->ops;
	}
	res->map_sd = stddev(map_sum, map_sq, res->ops);
	res->unmap_sd = stddev(unmap_sum, unmap_sq, res->ops);
	res->tlbi = model_tlbis(&ms1) - model_tlbis(&ms0);
	res->syncs = ms1.syncs - ms0.syncs;
	res->flushes = ds1.fq_flushes - ds0.fq_flushes;
	res->iova_samples = tm1.iova_samples - tm0.iova_samples;
	if (res->iova_samples)
		res->iova_avg = net((double)(tm1.iova_ns - tm0.iova_ns) /
				    (double)res->iova_samples, ovh);
	unmaps = ds1.unmaps - ds0.unmaps;
	strict_unmaps = ds1.strict_unmaps - ds0.strict_unmaps;
	if (unmaps) {
		uint64_t nf = tm1.flushes - tm0.flushes;
		double inval = net((double)(tm1.flush_ns - tm0.flush_ns),
				   (double)nf * ovh);
		uint64_t n = tm1.sync_samples - tm0.sync_samples;

		/* Sampled syncs stand for every strict unmap's. */
		if (n)
			inval += net((double)(tm1.sync_ns - tm0.sync_ns) /
				     (double)n, ovh) * (double)strict_unmaps;
		res->inval_avg = inval / (double)unmaps;
	}
	return status;
}

/* One mode: its own stack, device and buffers. 0, 1 (failed). */
static int run_mode(const struct bench_args *a,
		    const struct tool_stack_config *base, enum bench_mode mode,
		    struct bench_result *res)
{
	struct tool_stack_config cfg = *base;
	struct bench_run *run;
	const char *extra = mode_cmdline(mode);
	char *cmdline = NULL;
	uint32_t sid = 1;
	int status = 1, ret;

	run = calloc(1, sizeof(*run));
	if (!run)
		tool_fail("bench: out of memory");
	run->args = a;
	run->size = (uint64_t)a->granule * SMMUKIT_PAGE_SIZE;
	if (extra) {
		/* After the user's options, so the mode wins (later wins). */
		size_t n = (cfg.cmdline ? strlen(cfg.cmdline) : 0) +
			   strlen(extra) + 2;

		cmdline = malloc(n);
		if (!cmdline)
			tool_fail("bench: out of memory");
		snprintf(cmdline, n, "%s%s%s", cfg.cmdline ? cfg.cmdline : "",
			 cfg.cmdline ? " " : "", extra);
		cfg.cmdline = cmdline;
	}
	if (tool_stack_create(&run->st, &cfg))
		goto out_free;
	ret = tool_stack_add_device(&run->st, "bench", &sid, 1, false,
				    &run->dev);
	if (ret) {
		fprintf(stderr, "smmukit: bench: adding the device: %s\n",
			tool_errname(ret));
		goto out_stack;
	}
	ret = smmukit_dma_set_timing(run->st.dma, true);
	for (unsigned i = 0; !ret && i < a->threads; i++)
		ret = smmukit_plat_alloc_pages(run->st.plat,
					       order_for(run->size),
					       &run->th[i].buf);
	if (ret) {
		fprintf(stderr, "smmukit: bench: buffers: %s\n",
			tool_errname(ret));
		goto out_bufs;
	}
	status = run_threads(run, res);
	res->domain = smmukit_domain_type_name(
		tool_stack_domain_type(run->dev));
	res->mode = mode_of_domain(tool_stack_domain_type(run->dev));
	/* Let the flush queue give everything back before teardown. */
	smmukit_dma_flush(run->dev->dev);
out_bufs:
	smmukit_dma_set_timing(run->st.dma, false);
	for (unsigned i = 0; i < a->threads; i++)
		if (run->th[i].buf.cpu)
			smmukit_plat_free_pages(run->st.plat, &run->th[i].buf);
out_stack:
	if (tool_stack_destroy(&run->st))
		status = 1;
out_free:
	free(cmdline);
	free(run);
	return status;
}

/* The kernel tool's figure: 100 ns units, truncated, printed as us.d */
static void print_100ns(double ns)
{
	uint64_t u = ns > 0 ? (uint64_t)ns / 100 : 0;

	printf("%llu.%llu", (unsigned long long)(u / 10),
	       (unsigned long long)(u % 10));
}

static double per_op(uint64_t n, uint64_t ops)
{
	return ops ? (double)n / (double)ops : 0;
}

static void print_text(const struct bench_args *a,
		       const struct tool_stack_config *cfg,
		       const struct bench_result *r)
{
	printf("== %s (%s domain), profile %s\n", r->mode, r->domain,
	       cfg->profile ? cfg->profile : "zero");
	printf("dma mapping benchmark: threads:%u seconds:%g node:-1 dir:%s granule: %u\n",
	       a->threads, a->seconds, dir_kernel_names[a->dir], a->granule);
	printf("average map latency(us):");
	print_100ns(r->map_avg);
	printf(" standard deviation:");
	print_100ns(r->map_sd);
	printf("\naverage unmap latency(us):");
	print_100ns(r->unmap_avg);
	printf(" standard deviation:");
	print_100ns(r->unmap_sd);
	printf("\nops %llu in %.2f s; IOVA allocation %.0f ns per map; "
	       "invalidation %.0f ns per unmap\n",
	       (unsigned long long)r->ops, r->seconds, r->iova_avg,
	       r->inval_avg);
	printf("per op: TLBI %.4f, CMD_SYNC %.4f; flush-queue flushes %llu\n",
	       per_op(r->tlbi, r->ops), per_op(r->syncs, r->ops),
	       (unsigned long long)r->flushes);
}

static void print_json(const struct bench_args *a,
		       const struct tool_stack_config *cfg,
		       const struct bench_result *r)
{
	printf("{\"mode\":\"%s\",\"threads\":%u,\"ops\":%llu,"
	       "\"map_ns_avg\":%.1f,\"map_ns_stddev\":%.1f,"
	       "\"unmap_ns_avg\":%.1f,\"unmap_ns_stddev\":%.1f,"
	       "\"iova_ns_avg\":%.1f,\"tlbi\":%llu,\"syncs\":%llu,"
	       "\"flushes\":%llu,\"inval_ns_avg\":%.1f,\"domain\":\"%s\","
	       "\"seconds\":%.3f,\"granule\":%u,\"dir\":\"%s\",\"profile\":",
	       r->mode, r->threads, (unsigned long long)r->ops, r->map_avg,
	       r->map_sd, r->unmap_avg, r->unmap_sd, r->iova_avg,
	       (unsigned long long)r->tlbi, (unsigned long long)r->syncs,
	       (unsigned long long)r->flushes, r->inval_avg, r->domain,
	       r->seconds, a->granule, smmukit_dma_dir_name(a->dir));
	tool_json_str(stdout, cfg->profile ? cfg->profile : "zero");
	printf("}\n");
}

static double ratio(double x, double y)
{
	return y > 0 ? x / y : 0;
}

/* --mode all: the three side by side, then what strict costs over each. */
static void print_table(const struct bench_result *r, unsigned n)
{
	printf("\n%-12s %9s %7s %9s %7s %8s %9s %8s %8s %8s %10s\n", "mode",
	       "map us", "sd", "unmap us", "sd", "iova ns", "inval ns",
	       "TLBI/op", "sync/op", "flushes", "ops");
	for (unsigned i = 0; i < n; i++)
		printf("%-12s %9.3f %7.3f %9.3f %7.3f %8.0f %9.0f %8.4f %8.4f %8llu %10llu\n",
		       r[i].mode, r[i].map_avg / 1e3, r[i].map_sd / 1e3,
		       r[i].unmap_avg / 1e3, r[i].unmap_sd / 1e3, r[i].iova_avg,
		       r[i].inval_avg, per_op(r[i].tlbi, r[i].ops),
		       per_op(r[i].syncs, r[i].ops),
		       (unsigned long long)r[i].flushes,
		       (unsigned long long)r[i].ops);
	if (n == 3)
		printf("unmap: strict/lazy %.1fx, strict/passthrough %.1fx, lazy/passthrough %.1fx; "
		       "map+unmap: strict/lazy %.1fx\n",
		       ratio(r[0].unmap_avg, r[1].unmap_avg),
		       ratio(r[0].unmap_avg, r[2].unmap_avg),
		       ratio(r[1].unmap_avg, r[2].unmap_avg),
		       ratio(r[0].map_avg + r[0].unmap_avg,
			     r[1].map_avg + r[1].unmap_avg));
}

int tool_cmd_bench_io(int argc, char **argv);	/* cmd_bench_io.c */
int tool_cmd_bench(int argc, char **argv);	/* also in main.c */
int tool_cmd_bench(int argc, char **argv)
{
	struct tool_stack_config cfg;
	struct bench_args a;
	struct bench_result res[3];
	int status = 0;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 2)
		tool_fail("bench: which benchmark? only 'map' (see smmukit bench --help)");
	if (!strcmp(argv[1], "io"))	/* cmd_bench_io.c */
		return tool_cmd_bench_io(argc - 1, argv + 1);
	if (strcmp(argv[1], "map"))
		tool_fail("bench: unknown benchmark '%s': only 'map' (see smmukit bench --help)",
			  argv[1]);
	tool_stack_config_init(&cfg, "bench");
	cfg.real_clock = true;
	cfg.log_level = SMMUKIT_LOG_WARN;
	parse_args(argc, argv, &a, &cfg);
	cfg.nr_cpus = a.threads;
	for (unsigned m = 0; m < a.nr_modes; m++) {
		res[m].mode = NULL;
		if (run_mode(&a, &cfg, a.modes[m], &res[m]))
			status = 1;
		if (!res[m].mode)
			break;	/* nothing ran */
		if (a.json)
			print_json(&a, &cfg, &res[m]);
		else
			print_text(&a, &cfg, &res[m]);
		fflush(stdout);
	}
	if (!status && a.all && !a.json)
		print_table(res, a.nr_modes);
	return status;
}

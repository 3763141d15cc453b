/* SPDX-License-Identifier: MIT */
/*
 * smmukit compare: the original non-strict series' table out of the
 * mechanism. randread and randwrite, each in strict, lazy and passthrough
 * (median of R runs), side by side: IOPS per mode, lazy/strict, each mode
 * as a share of passthrough. --sweep varies one profile key instead and
 * shows strict and lazy IOPS and their ratio against it. --csv and --plot
 * (gnuplot, SVG) write the same figures.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io_engine.h"
#include "smmukit/model.h"
#include "tool.h"
#include "tool_io_args.h"
#include "tool_stack.h"

#define MAX_RUNS 15u
#define MAX_POINTS 32u
#define DEFAULT_SECONDS 0.02

struct cmp_args {
	struct io_cfg base;
	unsigned runs;
	bool json;
	const char *csv;
	const char *plot;
	/* --sweep KEY=LO:HI */
	const char *sweep_key;
	char sweep_key_buf[64];
	uint64_t lo, hi;
	unsigned points;
	bool progress;
};

struct row {
	enum io_rw rw;
	double iops[3];		/* by enum io_mode */
	bool host_bound;
	uint64_t value;		/* sweep: the key's value */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: smmukit [--cmdline \"...\"] compare [--profile NAME|PATH] [--seconds S]\n"
		"         [--runs R] [--json] [--csv FILE] [--plot FILE.svg]\n"
		"         [--sweep KEY=LO:HI [--points N] [--rw randread|randwrite]]\n"
		"         [--jobs N] [--iodepth D] [--bs SIZE] [--seed N] [--model KEYS]\n"
		"\n"
		"The original non-strict series' table (NVMe random read 146K IOPS strict\n"
		"vs 573K non-strict, random write 143K vs 513K) out of the mechanism: runs\n"
		"`bench io` for randread and randwrite in strict, lazy and passthrough, R\n"
		"times each with different random offsets, and prints the medians side by\n"
		"side: IOPS per mode, lazy/strict, strict and lazy as a share of\n"
		"passthrough, and whether any run was host-bound (never, in virtual time:\n"
		"the rates are modelled, see docs/io.md).\n"
		"\n"
		"  --profile P   timing profile (default zero; try hi1620-2018, mmu600-soc)\n"
		"  --seconds S   modelled seconds measured per run, 0 < S <= %g (default %g)\n"
		"  --runs R      runs per cell, median taken, 1..%u (default 3)\n"
		"  --json        one object:\n"
		"     {\"profile\":\"...\",\"rows\":[{\"rw\":\"randread\",\"strict_iops\":X,\n"
		"      \"lazy_iops\":X,\"passthrough_iops\":X,\"lazy_over_strict\":X,\n"
		"      \"lazy_over_passthrough\":X,\"host_bound\":false,...},...]}\n"
		"     with --sweep, one object per point:\n"
		"     {\"profile\":\"...\",\"sweep\":\"KEY\",\"value\":N,\"rw\":\"randread\",\n"
		"      \"strict_iops\":X,\"lazy_iops\":X,\"lazy_over_strict\":X,\"host_bound\":false}\n"
		"  --csv FILE    the same rows as CSV (a header line first)\n"
		"  --plot FILE   an SVG chart drawn by gnuplot (installed with apt-get when\n"
		"                missing and run as root, else a message saying what to\n"
		"                install): IOPS per mode as bars, or with --sweep strict and\n"
		"                lazy IOPS and their ratio against the key\n"
		"  --sweep KEY=LO:HI  one profile key (smmukit options lists them as\n"
		"                model.KEY) from LO to HI in N points (geometric when\n"
		"                LO > 0 and HI >= 10 LO, else even), each run strict and\n"
		"                lazy; e.g. --sweep cmd_sync_ns=100:10000\n"
		"  --points N    sweep points, 2..%u (default 7)\n"
		"  --rw W        the sweep's workload (default randread)\n"
		"  --jobs, --iodepth, --bs, --seed, --model: as for smmukit bench io\n"
		"                (defaults 8 jobs x iodepth 32, 4k)\n"
		"\n"
		"On a terminal a progress line is shown on stderr (never with --json or\n"
		"when standard output is not a terminal).\n"
		"\n",
		IO_MAX_SECONDS, DEFAULT_SECONDS, MAX_RUNS, MAX_POINTS);
	tool_stack_usage(f);
	fprintf(f,
		"\n"
		"Exit status: 0 success; 1 an operation failed (a run, writing the CSV,\n"
		"or drawing the plot); 2 bad usage or input (one line on stderr naming the\n"
		"option and its limit).\n");
}

static bool is_profile_key(const char *k)
{
	for (unsigned i = 0; i < smmukit_model_profile_nkeys(); i++)
		if (!strcmp(smmukit_model_profile_key(i, NULL), k))
			return true;
	return false;
}

static void parse_sweep(struct cmp_args *a, const char *v)
{
	const char *eq = strchr(v, '='), *colon;
	char lo[32], hi[32];
	size_t kl;

	if (!eq || !(colon = strchr(eq, ':')))
		tool_fail("compare: --sweep must be KEY=LO:HI, e.g. cmd_sync_ns=100:10000");
	kl = (size_t)(eq - v);
	if (!kl || kl >= sizeof(a->sweep_key_buf))
		tool_fail("compare: --sweep key empty or longer than %zu characters",
			  sizeof(a->sweep_key_buf) - 1);
	memcpy(a->sweep_key_buf, v, kl);
	a->sweep_key_buf[kl] = '\0';
	if (!strncmp(a->sweep_key_buf, "model.", 6))
		memmove(a->sweep_key_buf, a->sweep_key_buf + 6, kl - 5);
	if (!is_profile_key(a->sweep_key_buf))
		tool_fail("compare: --sweep: unknown profile key '%s' (smmukit options lists model.KEY)",
			  a->sweep_key_buf);
	a->sweep_key = a->sweep_key_buf;
	if ((size_t)(colon - eq - 1) >= sizeof(lo) || strlen(colon + 1) >= sizeof(hi))
		tool_fail("compare: --sweep bounds too long");
	memcpy(lo, eq + 1, (size_t)(colon - eq - 1));
	lo[colon - eq - 1] = '\0';
	strcpy(hi, colon + 1);
	if (!tool_parse_u64(lo, true, &a->lo) || !tool_parse_u64(hi, true, &a->hi) ||
	    a->lo >= a->hi)
		tool_fail("compare: --sweep bounds must be numbers with LO < HI");
}

/* Can path be written? A file made only to find out is removed again. */
static void check_writable(const char *opt, const char *path)
{
	bool existed;
	int fd;

	if (!path)
		return;
	existed = access(path, F_OK) == 0;
	fd = open(path, O_WRONLY | O_CREAT, 0666);
	if (fd < 0)
		tool_fail("compare: %s %s: cannot write it: %s", opt, path,
			  strerror(errno));
	close(fd);
	if (!existed)
		unlink(path);
}

static void parse_args(int argc, char **argv, struct cmp_args *a)
{
	bool rw_given = false, points_given = false;

	memset(a, 0, sizeof(*a));
	io_cfg_default(&a->base, "compare");
	a->base.seconds = DEFAULT_SECONDS;
	a->runs = 3;
	a->points = 7;
	for (int i = 1; i < argc; i++) {
		const char *v;
		uint64_t n;

		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			exit(0);
		}
		if (!strcmp(argv[i], "--json")) {
			a->json = true;
		} else if (io_arg_common(&a->base, argc, argv, &i)) {
			continue;
		} else if (io_arg("compare", argc, argv, &i, "--runs", &v)) {
			if (!tool_parse_u64(v, false, &n) || !n || n > MAX_RUNS)
				tool_fail("compare: --runs must be 1..%u", MAX_RUNS);
			a->runs = (unsigned)n;
		} else if (io_arg("compare", argc, argv, &i, "--csv", &v)) {
			if (!*v)
				tool_fail("compare: --csv needs a file name");
			a->csv = v;
		} else if (io_arg("compare", argc, argv, &i, "--plot", &v)) {
			if (!*v)
				tool_fail("compare: --plot needs a file name");
			a->plot = v;
		} else if (io_arg("compare", argc, argv, &i, "--sweep", &v)) {
			parse_sweep(a, v);
		} else if (io_arg("compare", argc, argv, &i, "--points", &v)) {
			if (!tool_parse_u64(v, false, &n) || n < 2 || n > MAX_POINTS)
				tool_fail("compare: --points must be 2..%u", MAX_POINTS);
			a->points = (unsigned)n;
			points_given = true;
		} else if (io_arg("compare", argc, argv, &i, "--rw", &v)) {
			if (io_rw_parse(v, &a->base.rw) || a->base.rw == IO_RANDRW)
				tool_fail("compare: --rw must be randread or randwrite");
			rw_given = true;
		} else {
			tool_fail("compare: unknown option '%s' (see smmukit compare --help)",
				  argv[i]);
		}
	}
	if (rw_given && !a->sweep_key)
		tool_fail("compare: --rw only goes with --sweep (the table has both)");
	if (points_given && !a->sweep_key)
		tool_fail("compare: --points only goes with --sweep");
	/*
	 * The output files are written after every run: find out now, not
	 * minutes later, that they cannot be.
	 */
	check_writable("--csv", a->csv);
	check_writable("--plot", a->plot);
	io_cfg_check(&a->base);
	a->progress = !a->json && isatty(STDOUT_FILENO) && isatty(STDERR_FILENO);
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/* The median of R runs of one cell; -1 on failure (printed). */
static double cell(const struct cmp_args *a, enum io_rw rw, enum io_mode mode,
		   const char *extra, unsigned *done, unsigned total,
		   bool *host_bound)
{
	double v[MAX_RUNS];
	char label[96];

	for (unsigned r = 0; r < a->runs; r++) {
		struct io_cfg c = a->base;
		struct io_result res;

		c.rw = rw;
		c.mode = mode;
		c.seed = a->base.seed + r;
		c.extra_cmdline = extra;
		snprintf(label, sizeof(label), "compare: [%u/%u] %s %s run %u/%u",
			 ++*done, total, io_rw_name(rw), io_mode_name(mode), r + 1,
			 a->runs);
		c.progress = a->progress;
		c.progress_label = label;
		if (a->progress) {
			fprintf(stderr, "\r%-60s", label);
			fflush(stderr);
		}
		if (io_run(&c, &res))
			return -1;
		if (res.errors || res.verify_errors) {
			fprintf(stderr, "smmukit: compare: %s %s: %llu failed operations, %llu bad reads\n",
				io_rw_name(rw), io_mode_name(mode),
				(unsigned long long)res.errors,
				(unsigned long long)res.verify_errors);
			return -1;
		}
		v[r] = res.iops;
		/* Virtual time: host speed never sets a modelled rate. */
		*host_bound = *host_bound || false;
	}
	if (a->progress)
		fprintf(stderr, "\r%-60s\r", "");
	qsort(v, a->runs, sizeof(v[0]), cmp_double);
	return a->runs % 2 ? v[a->runs / 2] :
			     (v[a->runs / 2 - 1] + v[a->runs / 2]) / 2;
}

static double ratio(double x, double y)
{
	return y > 0 ? x / y : 0;
}

static void kiops(char *buf, size_t n, double v)
{
	snprintf(buf, n, "%.1fK", v / 1000.0);
}

static void print_table(const struct cmp_args *a, const struct row *rows)
{
	char s[32], l[32], p[32];

	printf("profile %s: bs %llu, %u jobs x iodepth %u, %g s modelled per run, median of %u\n",
	       a->base.profile, (unsigned long long)a->base.bs, a->base.jobs,
	       a->base.iodepth, a->base.seconds, a->runs);
	printf("%-10s %10s %10s %12s %12s %10s %9s  %s\n", "rw", "strict", "lazy",
	       "passthrough", "lazy/strict", "strict/pt", "lazy/pt", "host-bound");
	for (unsigned i = 0; i < 2; i++) {
		const struct row *r = &rows[i];

		kiops(s, sizeof(s), r->iops[IO_MODE_STRICT]);
		kiops(l, sizeof(l), r->iops[IO_MODE_LAZY]);
		kiops(p, sizeof(p), r->iops[IO_MODE_PASSTHROUGH]);
		printf("%-10s %10s %10s %12s %12.2f %9.1f%% %8.1f%%  %s\n",
		       io_rw_name(r->rw), s, l, p,
		       ratio(r->iops[IO_MODE_LAZY], r->iops[IO_MODE_STRICT]),
		       100 * ratio(r->iops[IO_MODE_STRICT], r->iops[IO_MODE_PASSTHROUGH]),
		       100 * ratio(r->iops[IO_MODE_LAZY], r->iops[IO_MODE_PASSTHROUGH]),
		       r->host_bound ? "yes" : "no");
	}
	printf("original series (2018, Linux 4.18-era arm64, NVMe): randread 146K strict vs 573K lazy (3.92),\n"
	       "  randwrite 143K vs 513K (3.59). IOPS are modelled (virtual time), see docs/io.md.\n");
}

static void print_json_rows(const struct cmp_args *a, const struct row *rows)
{
	printf("{\"profile\":");
	tool_json_str(stdout, a->base.profile);
	printf(",\"bs\":%llu,\"jobs\":%u,\"iodepth\":%u,\"seconds\":%g,\"runs\":%u,"
	       "\"virtual_time\":true,\"dilation\":1,\"rows\":[",
	       (unsigned long long)a->base.bs, a->base.jobs, a->base.iodepth,
	       a->base.seconds, a->runs);
	for (unsigned i = 0; i < 2; i++) {
		const struct row *r = &rows[i];

		printf("%s{\"rw\":\"%s\",\"strict_iops\":%.0f,\"lazy_iops\":%.0f,"
		       "\"passthrough_iops\":%.0f,\"lazy_over_strict\":%.3f,"
		       "\"lazy_over_passthrough\":%.3f,\"strict_over_passthrough\":%.3f,"
		       "\"host_bound\":%s}",
		       i ? "," : "", io_rw_name(r->rw), r->iops[IO_MODE_STRICT],
		       r->iops[IO_MODE_LAZY], r->iops[IO_MODE_PASSTHROUGH],
		       ratio(r->iops[IO_MODE_LAZY], r->iops[IO_MODE_STRICT]),
		       ratio(r->iops[IO_MODE_LAZY], r->iops[IO_MODE_PASSTHROUGH]),
		       ratio(r->iops[IO_MODE_STRICT], r->iops[IO_MODE_PASSTHROUGH]),
		       r->host_bound ? "true" : "false");
	}
	printf("]}\n");
}

static int write_csv(const struct cmp_args *a, const struct row *rows,
		     unsigned n)
{
	FILE *f = fopen(a->csv, "w");

	if (!f) {
		fprintf(stderr, "smmukit: compare: cannot write %s\n", a->csv);
		return -1;
	}
	if (a->sweep_key) {
		fprintf(f, "%s,rw,strict_iops,lazy_iops,lazy_over_strict,host_bound\n",
			a->sweep_key);
		for (unsigned i = 0; i < n; i++)
			fprintf(f, "%llu,%s,%.0f,%.0f,%.3f,%s\n",
				(unsigned long long)rows[i].value,
				io_rw_name(rows[i].rw),
				rows[i].iops[IO_MODE_STRICT],
				rows[i].iops[IO_MODE_LAZY],
				ratio(rows[i].iops[IO_MODE_LAZY],
				      rows[i].iops[IO_MODE_STRICT]),
				rows[i].host_bound ? "true" : "false");
	} else {
		fprintf(f, "rw,strict_iops,lazy_iops,passthrough_iops,lazy_over_strict,lazy_over_passthrough,host_bound\n");
		for (unsigned i = 0; i < n; i++)
			fprintf(f, "%s,%.0f,%.0f,%.0f,%.3f,%.3f,%s\n",
				io_rw_name(rows[i].rw),
				rows[i].iops[IO_MODE_STRICT],
				rows[i].iops[IO_MODE_LAZY],
				rows[i].iops[IO_MODE_PASSTHROUGH],
				ratio(rows[i].iops[IO_MODE_LAZY],
				      rows[i].iops[IO_MODE_STRICT]),
				ratio(rows[i].iops[IO_MODE_LAZY],
				      rows[i].iops[IO_MODE_PASSTHROUGH]),
				rows[i].host_bound ? "true" : "false");
	}
	if (fclose(f)) {
		fprintf(stderr, "smmukit: compare: cannot write %s\n", a->csv);
		return -1;
	}
	return 0;
}

/* 0 with gnuplot runnable; installs it with apt-get as root if missing. */
static int have_gnuplot(void)
{
	if (!system("command -v gnuplot >/dev/null 2>&1"))
		return 0;
	if (geteuid() == 0 && !system("command -v apt-get >/dev/null 2>&1")) {
		fprintf(stderr, "smmukit: compare: gnuplot missing, installing it with apt-get...\n");
		if (system("(apt-get update -qq && DEBIAN_FRONTEND=noninteractive "
			   "apt-get install -y -qq gnuplot-nox) >/dev/null 2>&1"))
			fprintf(stderr, "smmukit: compare: apt-get install gnuplot-nox failed\n");
		if (!system("command -v gnuplot >/dev/null 2>&1"))
			return 0;
	}
	fprintf(stderr, "smmukit: compare: --plot needs gnuplot: install it (e.g. apt-get install gnuplot-nox) and run again\n");
	return -1;
}

/* gnuplot string: the file name inside single quotes. */
static bool plain_name(const char *s)
{
	return !strpbrk(s, "'\"\\\n");
}

static int plot(const struct cmp_args *a, const struct row *rows, unsigned n)
{
	char data[] = "/tmp/smmukit-plot-XXXXXX";
	int fd, ret;
	FILE *f, *g;

	if (!plain_name(a->plot) || !plain_name(a->base.profile)) {
		fprintf(stderr, "smmukit: compare: --plot file and profile names may not contain quotes or backslashes\n");
		return -1;
	}
	if (have_gnuplot())
		return -1;
	fd = mkstemp(data);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		fprintf(stderr, "smmukit: compare: cannot write a temporary file\n");
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		if (a->sweep_key)
			fprintf(f, "%llu %.0f %.0f %.4f\n",
				(unsigned long long)rows[i].value,
				rows[i].iops[IO_MODE_STRICT],
				rows[i].iops[IO_MODE_LAZY],
				ratio(rows[i].iops[IO_MODE_LAZY],
				      rows[i].iops[IO_MODE_STRICT]));
		else
			fprintf(f, "%s %.0f %.0f %.0f\n", io_rw_name(rows[i].rw),
				rows[i].iops[IO_MODE_STRICT] / 1000,
				rows[i].iops[IO_MODE_LAZY] / 1000,
				rows[i].iops[IO_MODE_PASSTHROUGH] / 1000);
	}
	fclose(f);
	g = popen("gnuplot", "w");
	if (!g) {
		unlink(data);
		fprintf(stderr, "smmukit: compare: cannot run gnuplot\n");
		return -1;
	}
	fprintf(g, "set terminal svg size 720,440 dynamic font 'sans,12'\n"
		   "set output '%s'\nset key top left\nset grid ytics\n", a->plot);
	if (a->sweep_key) {
		bool logx = a->lo > 0 && a->hi >= 10 * a->lo;

		fprintf(g, "set title 'profile %s, %s: IOPS against %s'\n"
			   "set xlabel '%s'\nset ylabel 'IOPS (modelled)'\n"
			   "set y2label 'lazy / strict'\nset ytics nomirror\nset y2tics\n"
			   "set yrange [0:*]\nset y2range [0:*]\n%s"
			   "plot '%s' using 1:2 with linespoints title 'strict', "
			   "'' using 1:3 with linespoints title 'lazy', "
			   "'' using 1:4 axes x1y2 with linespoints dashtype 2 title 'lazy/strict'\n",
			a->base.profile, io_rw_name(a->base.rw), a->sweep_key,
			a->sweep_key, logx ? "set logscale x\n" : "", data);
	} else {
		fprintf(g, "set title 'profile %s: 4 KiB random I/O, modelled'\n"
			   "set ylabel 'kIOPS'\nset yrange [0:*]\n"
			   "set style data histograms\nset style histogram clustered gap 1\n"
			   "set style fill solid 0.8 border -1\n"
			   "plot '%s' using 2:xtic(1) title 'strict', '' using 3 title 'lazy', "
			   "'' using 4 title 'passthrough'\n",
			a->base.profile, data);
	}
	ret = pclose(g);
	unlink(data);
	if (ret) {
		fprintf(stderr, "smmukit: compare: gnuplot failed writing %s\n", a->plot);
		return -1;
	}
	return 0;
}

/* y with y^k = x (x >= 1), by bisection: the tool links no libm. */
static double nth_root(double x, unsigned k)
{
	double lo = 1, hi = x;

	for (unsigned it = 0; it < 200; it++) {
		double mid = (lo + hi) / 2, p = 1;

		for (unsigned i = 0; i < k; i++)
			p *= mid;
		if (p > x)
			hi = mid;
		else
			lo = mid;
	}
	return lo;
}

static uint64_t sweep_value(const struct cmp_args *a, unsigned i)
{
	if (i == a->points - 1)
		return a->hi;
	if (a->lo > 0 && a->hi >= 10 * a->lo) {
		double step = nth_root((double)a->hi / (double)a->lo,
				       a->points - 1), v = (double)a->lo;

		for (unsigned k = 0; k < i; k++)
			v *= step;
		return (uint64_t)(v + 0.5);
	}
	return a->lo + (uint64_t)((double)(a->hi - a->lo) * i /
				  (double)(a->points - 1) + 0.5);
}

static int run_sweep(struct cmp_args *a, struct row *rows)
{
	unsigned done = 0, total = a->points * 2 * a->runs;

	for (unsigned i = 0; i < a->points; i++) {
		struct row *r = &rows[i];
		char extra[96];

		r->rw = a->base.rw;
		r->value = sweep_value(a, i);
		snprintf(extra, sizeof(extra), "model.%s=%llu", a->sweep_key,
			 (unsigned long long)r->value);
		for (enum io_mode m = IO_MODE_STRICT; m <= IO_MODE_LAZY; m++) {
			r->iops[m] = cell(a, r->rw, m, extra, &done, total,
					  &r->host_bound);
			if (r->iops[m] < 0)
				return -1;
		}
		if (a->json) {
			printf("{\"profile\":");
			tool_json_str(stdout, a->base.profile);
			printf(",\"sweep\":\"%s\",\"value\":%llu,\"rw\":\"%s\","
			       "\"strict_iops\":%.0f,\"lazy_iops\":%.0f,"
			       "\"lazy_over_strict\":%.3f,\"host_bound\":%s}\n",
			       a->sweep_key, (unsigned long long)r->value,
			       io_rw_name(r->rw), r->iops[IO_MODE_STRICT],
			       r->iops[IO_MODE_LAZY],
			       ratio(r->iops[IO_MODE_LAZY], r->iops[IO_MODE_STRICT]),
			       r->host_bound ? "true" : "false");
		} else {
			if (i == 0)
				printf("profile %s, %s, sweep %s (median of %u, %g s modelled per run)\n"
				       "%14s %12s %12s %12s\n",
				       a->base.profile, io_rw_name(r->rw),
				       a->sweep_key, a->runs, a->base.seconds,
				       a->sweep_key, "strict", "lazy", "lazy/strict");
			printf("%14llu %12.0f %12.0f %12.2f\n",
			       (unsigned long long)r->value, r->iops[IO_MODE_STRICT],
			       r->iops[IO_MODE_LAZY],
			       ratio(r->iops[IO_MODE_LAZY], r->iops[IO_MODE_STRICT]));
		}
		fflush(stdout);
	}
	return 0;
}

int tool_cmd_compare(int argc, char **argv);	/* also in main.c */
int tool_cmd_compare(int argc, char **argv)
{
	struct cmp_args a;
	struct row rows[MAX_POINTS];
	unsigned n;

	parse_args(argc, argv, &a);
	memset(rows, 0, sizeof(rows));
	if (a.sweep_key) {
		if (run_sweep(&a, rows))
			return 1;
		n = a.points;
	} else {
		unsigned done = 0, total = 2 * 3 * a.runs;

		for (unsigned i = 0; i < 2; i++) {
			rows[i].rw = i ? IO_RANDWRITE : IO_RANDREAD;
			for (enum io_mode m = IO_MODE_STRICT;
			     m <= IO_MODE_PASSTHROUGH; m++) {
				rows[i].iops[m] = cell(&a, rows[i].rw, m, NULL,
						       &done, total,
						       &rows[i].host_bound);
				if (rows[i].iops[m] < 0)
					return 1;
			}
		}
		n = 2;
		if (a.json)
			print_json_rows(&a, rows);
		else
			print_table(&a, rows);
	}
	fflush(stdout);
	if (a.csv && write_csv(&a, rows, n))
		return 1;
	if (a.plot && plot(&a, rows, n))
		return 1;
	return 0;
}

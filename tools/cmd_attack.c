/* SPDX-License-Identifier: MIT */
/*
 * smmukit attack: what lazy unmap exposes, measured. A device does I/O
 * (map, DMA, unmap) through the whole stack while the same device, gone
 * rogue, reads the rest of each mapped page around its small buffers and,
 * as soon as each unmap call has returned, the IOVAs just unmapped. The
 * model, in checking mode, classifies every access through a translation
 * the page tables no longer give (stale_unmapped: the old buffer;
 * stale_reused: memory now mapped for something else), and its
 * invalidation log gives, per IOTLB entry removed, when it was filled and
 * when its removal took effect: the exposure window of each page, from
 * the unmap's return to the invalidation of the last cached translation
 * covering it.
 *
 * The rogue uses the device's own stream ID: the threat is the device
 * itself (compromised firmware, a malicious peripheral) using addresses
 * its driver has taken back. A second stream ID in the same group would
 * see exactly the same: its translations are cached under the same
 * domain tag (ASID/VMID), not per stream.
 *
 * Time is the manual clock, advanced deterministically (--io-ns per I/O,
 * in two halves: before and after the unmap), so a run is reproducible and
 * every window is in modelled time. The flush-queue timer fires at the
 * first step at or after its deadline: at most one half step late.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "smmukit/smmuv3_hw.h"
#include "tool.h"
#include "tool_stack.h"

#define MAX_SECONDS 60.0
#define DEFAULT_SECONDS 2.0
#define DEFAULT_IO_NS 50000u
#define MIN_IO_NS 1000u
#define MAX_IO_NS 1000000000u
#define NR_BUFS 64u		/* pages the I/Os cycle through */
#define CANARY 0xc5		/* what the rest of each buffer's page holds */
#define PAGE 4096u
#define INVLOG_CHUNK 256u
#define INVLOG_RECORDS (1u << 18)

enum attack_mode { MODE_OPTIONS, MODE_STRICT, MODE_LAZY, MODE_PASSTHROUGH };

struct attack_args {
	enum attack_mode mode;
	const char *fq_mode;	/* NULL: the options' */
	bool untrusted;
	double seconds;		/* modelled */
	uint64_t io_ns;
	uint64_t max_ios;	/* 0: no limit */
	bool json;
};

/* One unmap of one page: when it returned, and how long it stayed exposed. */
struct unmap_rec {
	uint64_t page;		/* IOVA of the page */
	uint64_t ret_ns;
	uint64_t window_ns;	/* 0: not exposed */
};

/* Unmaps of one IOVA page, in time order (indices into the record array). */
struct page_slot {
	uint64_t page;		/* 0: empty slot (page 0 is never an IOVA) */
	uint32_t *idx;
	uint32_t n, cap;
};

struct attack_run {
	const struct attack_args *args;
	struct tool_stack st;
	struct tool_stack_dev *dev;
	struct smmukit_dma_pages bufs[NR_BUFS];
	struct unmap_rec *unmaps;
	size_t nr_unmaps, cap_unmaps;
	struct page_slot *pages;	/* open addressing, power-of-two size */
	size_t nr_pages, cap_pages;
	uint64_t invlog_cursor, invlog_lost;
	uint64_t accesses, after_unmap_ok, bytes_beyond;
	uint64_t ios, dev_faults;
	uint64_t recent[8], recent_len[8];	/* the last unmapped buffers */
	unsigned nr_recent;
	uint64_t rng;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: smmukit [--cmdline \"...\"] attack [--mode strict|lazy|passthrough]\n"
		"         [--fq-mode percpu|single] [--untrusted] [--seconds S] [--io-ns NS]\n"
		"         [--ops N] [--profile NAME|PATH] [--model KEYS] [--json]\n"
		"\n"
		"A device does I/O on the whole stack (manual clock, the model in checking\n"
		"mode): map a small buffer (64..2048 bytes somewhere in a page whose other\n"
		"bytes hold a canary), DMA into it, unmap. The same device, misbehaving\n"
		"(same stream ID), reads the rest of each mapped page while the buffer is\n"
		"mapped, reads the buffer again as soon as its unmap has returned, and\n"
		"keeps reading the last 8 unmapped buffers. Counted: accesses the model\n"
		"calls stale (through a translation the tables no longer give: the old\n"
		"buffer, 'unmapped', or memory now mapped for something else, 'reused'),\n"
		"exposure windows from the invalidation log (per page: from the unmap's\n"
		"return to the removal of the last cached translation covering it), and\n"
		"canary bytes the device read outside its buffers.\n"
		"\n"
		"  --mode M        strict (DMA), lazy (DMA-FQ) or passthrough (identity);\n"
		"                  default: what the options give. Given to the stack as\n"
		"                  iommu.strict/iommu.passthrough after --cmdline.\n"
		"  --fq-mode F     the flush queue: percpu (256 entries a CPU, 10 ms) or\n"
		"                  single (32768 entries, 1 s); as iommu.fq_mode=F\n"
		"  --untrusted     the device is external-facing: strict whatever the\n"
		"                  options, sub-page buffers bounced\n"
		"  --seconds S     modelled run time, 0 < S <= %g (default %g)\n"
		"  --io-ns NS      modelled time per I/O, %u..%u (default %u), spent half\n"
		"                  before and half after the unmap\n"
		"  --ops N         also stop after N I/Os\n"
		"  --json          one object:\n"
		"     {\"mode\":\"lazy\",\"stale_accesses\":N,\"stale_unmapped\":N,\"stale_reused\":N,\n"
		"      \"window_us\":{\"min\":X,\"p50\":X,\"p99\":X,\"max\":X},\"pages_exposed\":N,\n"
		"      \"bytes_beyond_buffers\":N,\"accesses\":N,\"domain\":\"DMA-FQ\",\n"
		"      \"fq_mode\":\"percpu\",\"untrusted\":false,\"ios\":N,\"exposures\":N,\n"
		"      \"after_unmap_ok\":N,\"flushes\":N,\"clock\":\"manual\",\"step_us\":X,\n"
		"      \"timeout_ms\":N,\"flush_us_max\":X,\"bound_us\":X,\"open_at_end\":N}\n"
		"\n"
		"Windows are in modelled time (the manual clock moves only by --io-ns and\n"
		"by the profile's command costs), over every page exposed at least 1 ns;\n"
		"pages_exposed counts distinct IOVA pages, exposures every (unmap, page).\n"
		"after_unmap_ok: reads right after an unmap returned that reached memory\n"
		"(with passthrough there is no translation, so nothing is 'stale' but\n"
		"everything is reachable). bound_us: the flush-queue timeout + the longest\n"
		"flush + one clock step (timer lateness); a lazy window never exceeds it.\n"
		"Windows still open when the run ends are closed by a final flush\n"
		"(open_at_end counts them).\n"
		"\n",
		MAX_SECONDS, DEFAULT_SECONDS, MIN_IO_NS, MAX_IO_NS, DEFAULT_IO_NS);
	tool_stack_usage(f);
	fprintf(f,
		"\n"
		"Exit status: 0 success; 1 an operation failed (a map or unmap, the\n"
		"device's own DMA, or the stack could not be built); 2 bad usage or\n"
		"input (one line on stderr naming the option and its limit).\n");
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
		tool_fail("attack: %s needs a value (see smmukit attack --help)",
			  name);
	*val = argv[++*i];
	return true;
}

static uint64_t parse_range(const char *opt, const char *v, uint64_t lo,
			    uint64_t hi)
{
	uint64_t n;

	if (!tool_parse_u64(v, false, &n) || n < lo || n > hi)
		tool_fail("attack: %s %s: must be %llu..%llu", opt, v,
			  (unsigned long long)lo, (unsigned long long)hi);
	return n;
}

static void parse_args(int argc, char **argv, struct attack_args *a,
		       struct tool_stack_config *cfg)
{
	const char *v;

	memset(a, 0, sizeof(*a));
	a->seconds = DEFAULT_SECONDS;
	a->io_ns = DEFAULT_IO_NS;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(arg, "--json")) {
			a->json = true;
		} else if (!strcmp(arg, "--untrusted")) {
			a->untrusted = true;
		} else if (opt_value(argc, argv, &i, "--mode", &v)) {
			if (!strcmp(v, "strict"))
				a->mode = MODE_STRICT;
			else if (!strcmp(v, "lazy"))
				a->mode = MODE_LAZY;
			else if (!strcmp(v, "passthrough"))
				a->mode = MODE_PASSTHROUGH;
			else
				tool_fail("attack: --mode %s: must be strict, lazy or passthrough",
					  v);
		} else if (opt_value(argc, argv, &i, "--fq-mode", &v)) {
			if (strcmp(v, "percpu") && strcmp(v, "single"))
				tool_fail("attack: --fq-mode %s: must be percpu or single",
					  v);
			a->fq_mode = v;
		} else if (opt_value(argc, argv, &i, "--seconds", &v)) {
			char *end;

			errno = 0;
			a->seconds = strtod(v, &end);
			if (errno || end == v || *end || !(a->seconds > 0) ||
			    a->seconds > MAX_SECONDS)
				tool_fail("attack: --seconds %s: must be a number, 0 < S <= %g",
					  v, MAX_SECONDS);
		} else if (opt_value(argc, argv, &i, "--io-ns", &v)) {
			a->io_ns = parse_range("--io-ns", v, MIN_IO_NS, MAX_IO_NS);
		} else if (opt_value(argc, argv, &i, "--ops", &v)) {
			a->max_ios = parse_range("--ops", v, 1, UINT64_C(1) << 32);
		} else if (tool_stack_parse_arg(cfg, argc, argv, &i)) {
			continue;
		} else {
			tool_fail("attack: unknown option '%s' (see smmukit attack --help)",
				  arg);
		}
	}
}

/* ---- bookkeeping: unmaps by page ---- */

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		tool_fail("attack: out of memory");
	return p;
}

static size_t page_hash(uint64_t page, size_t cap)
{
	uint64_t h = (page >> 12) * UINT64_C(0x9e3779b97f4a7c15);

	return (size_t)(h >> 20) & (cap - 1);
}

static struct page_slot *page_find(struct attack_run *run, uint64_t page,
				   bool add)
{
	size_t i;

	if (add && (run->nr_pages + 1) * 2 > run->cap_pages) {
		struct page_slot *old = run->pages;
		size_t oldcap = run->cap_pages;

		run->cap_pages = oldcap ? 2 * oldcap : 1024;
		run->pages = calloc(run->cap_pages, sizeof(*run->pages));
		if (!run->pages)
			tool_fail("attack: out of memory");
		for (size_t k = 0; k < oldcap; k++) {
			if (!old[k].page)
				continue;
			i = page_hash(old[k].page, run->cap_pages);
			while (run->pages[i].page)
				i = (i + 1) & (run->cap_pages - 1);
			run->pages[i] = old[k];
		}
		free(old);
	}
	if (!run->cap_pages)
		return NULL;
	for (i = page_hash(page, run->cap_pages); run->pages[i].page;
	     i = (i + 1) & (run->cap_pages - 1))
		if (run->pages[i].page == page)
			return &run->pages[i];
	if (!add)
		return NULL;
	run->pages[i].page = page;
	run->nr_pages++;
	return &run->pages[i];
}

static void note_unmap(struct attack_run *run, uint64_t page, uint64_t ret_ns)
{
	struct page_slot *s = page_find(run, page, true);

	if (run->nr_unmaps == run->cap_unmaps) {
		run->cap_unmaps = run->cap_unmaps ? 2 * run->cap_unmaps : 4096;
		run->unmaps = xrealloc(run->unmaps,
				       run->cap_unmaps * sizeof(*run->unmaps));
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 4;
		s->idx = xrealloc(s->idx, s->cap * sizeof(*s->idx));
	}
	s->idx[s->n++] = (uint32_t)run->nr_unmaps;
	run->unmaps[run->nr_unmaps++] =
		(struct unmap_rec){ .page = page, .ret_ns = ret_ns };
}

/*
 * An IOTLB entry filled at fill_ns stood for the mapping live then; the
 * first unmap of its page returning at or after fill_ns ended that
 * mapping. If the entry outlived that return, the page was exposed until
 * the entry's removal took effect.
 */
static void apply_inval(struct attack_run *run,
			const struct smmukit_model_inval_rec *r)
{
	uint64_t size = r->size_log2 < 63 ? UINT64_C(1) << r->size_log2 : 0;
	uint64_t first = r->iova & ~(uint64_t)(PAGE - 1), end = r->iova + size;

	/* Blocks are not mapped here; bound the walk over one anyway. */
	if (size > (UINT64_C(1) << 21))
		end = first + (UINT64_C(1) << 21);
	for (uint64_t p = first; p < end; p += PAGE) {
		struct page_slot *s = page_find(run, p, false);
		uint32_t lo = 0, hi;

		if (!s)
			continue;
		hi = s->n;
		while (lo < hi) {	/* first unmap with ret_ns >= fill_ns */
			uint32_t mid = lo + (hi - lo) / 2;

			if (run->unmaps[s->idx[mid]].ret_ns < r->fill_ns)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < s->n) {
			struct unmap_rec *u = &run->unmaps[s->idx[lo]];

			if (r->inval_ns > u->ret_ns &&
			    r->inval_ns - u->ret_ns > u->window_ns)
				u->window_ns = r->inval_ns - u->ret_ns;
		}
	}
}

static void read_invlog(struct attack_run *run)
{
	struct smmukit_model_inval_rec recs[INVLOG_CHUNK];
	size_t n;

	do {
		uint64_t lost = 0;

		n = smmukit_model_read_invlog(run->st.model, &run->invlog_cursor,
					      recs, INVLOG_CHUNK, &lost);
		run->invlog_lost += lost;
		for (size_t i = 0; i < n; i++)
			apply_inval(run, &recs[i]);
	} while (n == INVLOG_CHUNK);
}

/* ---- the device and the rogue ---- */

static uint64_t next_rand(struct attack_run *run)
{
	run->rng = run->rng * UINT64_C(6364136223846793005) +
		   UINT64_C(1442695040888963407);
	return run->rng >> 33;
}

/* A rogue read; returns true if it reached memory. */
static bool rogue_read(struct attack_run *run, uint64_t iova, uint64_t len,
		       unsigned char *buf)
{
	struct smmukit_model_dma_result r;
	int ret;

	run->accesses++;
	ret = smmukit_model_dma(run->st.model, run->dev->sid,
				SMMUKIT_MODEL_NO_SSID, iova, len, false, buf, &r);
	return ret == 0;
}

/* Canary bytes a rogue read of [iova, iova+len) brought back. */
static uint64_t probe_beyond(struct attack_run *run, uint64_t iova,
			     uint64_t len)
{
	unsigned char buf[PAGE];
	uint64_t n = 0;

	if (!len || !rogue_read(run, iova, len, buf))
		return 0;
	for (uint64_t i = 0; i < len; i++)
		n += buf[i] == CANARY;
	return n;
}

/* One I/O. 0, or a negative error from the DMA API (the run fails). */
static int one_io(struct attack_run *run)
{
	const struct attack_args *a = run->args;
	struct smmukit_dma_pages *pg = &run->bufs[run->ios % NR_BUFS];
	uint64_t size = 64 + next_rand(run) % (2048 - 64 + 1);
	uint64_t off = (next_rand(run) % (PAGE - size + 1)) & ~UINT64_C(7);
	unsigned char *cpu = (unsigned char *)pg->cpu + off;
	unsigned char data[2048], scratch[2048];
	struct smmukit_model_dma_result r;
	smmukit_dma_addr_t iova;
	uint64_t page, ret_ns;
	int ret;

	memset(cpu, 0x11, size);
	ret = smmukit_dma_map_single(run->dev->dev, cpu, size,
				     SMMUKIT_DMA_BIDIRECTIONAL, &iova);
	if (ret)
		return ret;
	run->ios++;
	/* The device's own transfer: this fills the IOTLB. */
	memset(data, 0x22, size);
	if (smmukit_model_dma(run->st.model, run->dev->sid,
			      SMMUKIT_MODEL_NO_SSID, iova, size, true, data, &r))
		run->dev_faults++;
	/* The rogue: the rest of the page around the buffer. */
	page = iova & ~(uint64_t)(PAGE - 1);
	run->bytes_beyond += probe_beyond(run, page, iova - page);
	run->bytes_beyond += probe_beyond(run, iova + size,
					  page + PAGE - (iova + size));
	tool_stack_advance(&run->st, a->io_ns / 2);
	ret = smmukit_dma_unmap_single(run->dev->dev, iova, size,
				       SMMUKIT_DMA_BIDIRECTIONAL);
	if (ret)
		return ret;
	ret_ns = smmukit_plat_clock_ns(run->st.plat);
	note_unmap(run, page, ret_ns);
	memset(cpu, CANARY, size);
	/* The rogue: the buffer, right after its unmap returned ... */
	if (rogue_read(run, iova, size, scratch))
		run->after_unmap_ok++;
	/* ... and the last few buffers unmapped before it. */
	for (unsigned i = 0; i < run->nr_recent; i++)
		rogue_read(run, run->recent[i], run->recent_len[i], scratch);
	if (run->nr_recent < SMMUKIT_ARRAY_SIZE(run->recent))
		run->nr_recent++;
	memmove(run->recent + 1, run->recent,
		(run->nr_recent - 1) * sizeof(run->recent[0]));
	memmove(run->recent_len + 1, run->recent_len,
		(run->nr_recent - 1) * sizeof(run->recent_len[0]));
	run->recent[0] = iova;
	run->recent_len[0] = size;
	tool_stack_advance(&run->st, a->io_ns - a->io_ns / 2);
	tool_stack_drain_events(&run->st);
	read_invlog(run);
	return 0;
}

/* ---- results ---- */

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

struct attack_result {
	const char *mode, *domain, *fq_mode;
	uint64_t stale_unmapped, stale_reused;
	uint64_t exposures, pages_exposed, open_at_end;
	double w_min, w_p50, w_p99, w_max;	/* us */
	uint64_t flushes;
	double flush_us_max, step_us, bound_us;
	uint32_t timeout_ms;
	bool fq;
};

/* Nearest rank: the smallest value with at least p% at or below it. */
static uint64_t pct(const uint64_t *v, size_t n, unsigned p)
{
	size_t rank = (n * p + 99) / 100;

	return v[rank ? rank - 1 : 0];
}

static void windows(struct attack_run *run, uint64_t end_ns,
		    struct attack_result *res)
{
	uint64_t *w = malloc((run->nr_unmaps + 1) * sizeof(*w));
	size_t n = 0;

	if (!w)
		tool_fail("attack: out of memory");
	for (size_t i = 0; i < run->nr_unmaps; i++) {
		const struct unmap_rec *u = &run->unmaps[i];

		if (!u->window_ns)
			continue;
		w[n++] = u->window_ns;
		if (u->ret_ns + u->window_ns >= end_ns)
			res->open_at_end++;
	}
	for (size_t k = 0; k < run->cap_pages; k++) {
		const struct page_slot *s = &run->pages[k];

		for (uint32_t j = 0; s->page && j < s->n; j++) {
			if (run->unmaps[s->idx[j]].window_ns) {
				res->pages_exposed++;
				break;
			}
		}
	}
	res->exposures = n;
	if (n) {
		qsort(w, n, sizeof(*w), cmp_u64);
		res->w_min = (double)w[0] / 1e3;
		res->w_p50 = (double)pct(w, n, 50) / 1e3;
		res->w_p99 = (double)pct(w, n, 99) / 1e3;
		res->w_max = (double)w[n - 1] / 1e3;
	}
	free(w);
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

static void print_text(const struct attack_args *a,
		       const struct attack_run *run,
		       const struct attack_result *r)
{
	printf("attack: %s (%s domain%s%s), %llu I/Os in %.3f s of modelled time\n",
	       r->mode, r->domain, r->fq ? ", flush queue " : "",
	       r->fq ? r->fq_mode : "", (unsigned long long)run->ios,
	       (double)run->ios * (double)a->io_ns / 1e9);
	printf("device: %s, rogue: the same stream ID (%u)\n",
	       a->untrusted ? "untrusted (bounce buffers)" : "trusted",
	       run->dev->sid);
	printf("stale accesses: %llu (unmapped %llu, reused %llu) of %llu rogue accesses; "
	       "%llu reads right after an unmap reached memory\n",
	       (unsigned long long)(r->stale_unmapped + r->stale_reused),
	       (unsigned long long)r->stale_unmapped,
	       (unsigned long long)r->stale_reused,
	       (unsigned long long)run->accesses,
	       (unsigned long long)run->after_unmap_ok);
	printf("exposure windows (us, modelled time): min %.3f p50 %.3f p99 %.3f max %.3f "
	       "over %llu exposures of %llu distinct pages\n",
	       r->w_min, r->w_p50, r->w_p99, r->w_max,
	       (unsigned long long)r->exposures,
	       (unsigned long long)r->pages_exposed);
	if (r->fq)
		printf("bound: timeout %u ms + longest flush %.3f us + timer lateness %.3f us "
		       "= %.3f us; max window %s it; %llu flushes\n",
		       r->timeout_ms, r->flush_us_max, r->step_us, r->bound_us,
		       r->w_max <= r->bound_us ? "within" : "BEYOND",
		       (unsigned long long)r->flushes);
	printf("bytes beyond the mapped buffers the device read: %llu\n",
	       (unsigned long long)run->bytes_beyond);
	printf("clock: manual, advanced %.3f us per half I/O (a timer fires up to that late)%s\n",
	       r->step_us, r->open_at_end ? "; some windows closed by the final flush" : "");
	if (run->invlog_lost)
		printf("warning: %llu invalidation-log records lost: windows undercounted\n",
		       (unsigned long long)run->invlog_lost);
}

static void print_json(const struct attack_args *a,
		       const struct attack_run *run,
		       const struct attack_result *r)
{
	printf("{\"mode\":\"%s\",\"stale_accesses\":%llu,\"stale_unmapped\":%llu,"
	       "\"stale_reused\":%llu,\"window_us\":{\"min\":%.3f,\"p50\":%.3f,"
	       "\"p99\":%.3f,\"max\":%.3f},\"pages_exposed\":%llu,"
	       "\"bytes_beyond_buffers\":%llu,\"accesses\":%llu,"
	       "\"domain\":\"%s\",\"fq_mode\":\"%s\",\"untrusted\":%s,"
	       "\"ios\":%llu,\"exposures\":%llu,\"after_unmap_ok\":%llu,"
	       "\"flushes\":%llu,\"clock\":\"manual\",\"step_us\":%.3f,"
	       "\"timeout_ms\":%u,\"flush_us_max\":%.3f,\"bound_us\":%.3f,"
	       "\"open_at_end\":%llu,\"invlog_lost\":%llu}\n",
	       r->mode, (unsigned long long)(r->stale_unmapped + r->stale_reused),
	       (unsigned long long)r->stale_unmapped,
	       (unsigned long long)r->stale_reused, r->w_min, r->w_p50,
	       r->w_p99, r->w_max, (unsigned long long)r->pages_exposed,
	       (unsigned long long)run->bytes_beyond,
	       (unsigned long long)run->accesses, r->domain,
	       r->fq ? r->fq_mode : "none", a->untrusted ? "true" : "false",
	       (unsigned long long)run->ios, (unsigned long long)r->exposures,
	       (unsigned long long)run->after_unmap_ok,
	       (unsigned long long)r->flushes, r->step_us, r->fq ? r->timeout_ms : 0,
	       r->flush_us_max, r->bound_us,
	       (unsigned long long)r->open_at_end,
	       (unsigned long long)run->invlog_lost);
}

static char *build_cmdline(const struct attack_args *a, const char *user)
{
	const char *mode = a->mode == MODE_STRICT ? " iommu.passthrough=0 iommu.strict=1" :
			   a->mode == MODE_LAZY ? " iommu.passthrough=0 iommu.strict=0" :
			   a->mode == MODE_PASSTHROUGH ? " iommu.passthrough=1" : "";
	size_t n = (user ? strlen(user) : 0) + strlen(mode) + 64;
	char *s = malloc(n);

	if (!s)
		tool_fail("attack: out of memory");
	snprintf(s, n, "%s%s%s%s", user ? user : "", mode,
		 a->fq_mode ? " iommu.fq_mode=" : "", a->fq_mode ? a->fq_mode : "");
	return s;
}

int tool_cmd_attack(int argc, char **argv);	/* also in main.c */
int tool_cmd_attack(int argc, char **argv)
{
	struct tool_stack_config cfg;
	struct attack_args a;
	struct attack_run *run;
	struct attack_result res = { 0 };
	struct smmukit_model_stats ms0, ms1;
	struct smmukit_dma_stats ds0, ds1;
	struct smmukit_dma_timing tm;
	const struct smmukit_iommu_options *o;
	uint64_t start, end_ns;
	uint32_t sid = 1;
	char *cmdline;
	int status = 0, ret = 0;

	tool_stack_config_init(&cfg, "attack");
	cfg.checking = true;
	cfg.nr_cpus = 1;
	cfg.log_level = SMMUKIT_LOG_WARN;
	/*
	 * A whole-domain flush can remove the whole IOTLB at once: keep
	 * enough invalidation records between two reads (--model may
	 * still change it: later keys win).
	 */
	snprintf(cfg.model_keys, sizeof(cfg.model_keys), "invlog=%u",
		 INVLOG_RECORDS);
	parse_args(argc, argv, &a, &cfg);
	cmdline = build_cmdline(&a, cfg.cmdline);
	cfg.cmdline = cmdline;
	run = calloc(1, sizeof(*run));
	if (!run)
		tool_fail("attack: out of memory");
	run->args = &a;
	run->rng = 1;
	if (tool_stack_create(&run->st, &cfg)) {
		free(run);
		free(cmdline);
		return 1;
	}
	ret = tool_stack_add_device(&run->st, "rogue", &sid, 1, a.untrusted,
				    &run->dev);
	for (unsigned i = 0; !ret && i < NR_BUFS; i++) {
		ret = smmukit_plat_alloc_pages(run->st.plat, 0, &run->bufs[i]);
		if (!ret)
			memset(run->bufs[i].cpu, CANARY, PAGE);
	}
	if (!ret)
		ret = smmukit_dma_set_timing(run->st.dma, true);
	if (ret) {
		fprintf(stderr, "smmukit: attack: setting up the device: %s\n",
			tool_errname(ret));
		status = 1;
		goto out;
	}
	/* Only what the I/O loop does counts: skip what bring-up logged. */
	read_invlog(run);
	smmukit_model_get_stats(run->st.model, &ms0);
	smmukit_dma_get_stats(run->st.dma, &ds0);
	start = smmukit_plat_clock_ns(run->st.plat);
	end_ns = start + (uint64_t)(a.seconds * 1e9);
	while (smmukit_plat_clock_ns(run->st.plat) < end_ns &&
	       (!a.max_ios || run->ios < a.max_ios)) {
		ret = one_io(run);
		if (ret) {
			fprintf(stderr, "smmukit: attack: I/O %llu: %s\n",
				(unsigned long long)run->ios, tool_errname(ret));
			status = 1;
			break;
		}
	}
	if (run->dev_faults) {
		fprintf(stderr, "smmukit: attack: %llu of the device's own transfers faulted\n",
			(unsigned long long)run->dev_faults);
		status = 1;
	}
	/* Close what is still open, so every window has an end. */
	end_ns = smmukit_plat_clock_ns(run->st.plat);
	smmukit_dma_flush(run->dev->dev);
	tool_stack_drain_events(&run->st);
	read_invlog(run);
	smmukit_model_get_stats(run->st.model, &ms1);
	smmukit_dma_get_stats(run->st.dma, &ds1);
	smmukit_dma_get_timing(run->st.dma, &tm);

	res.domain = smmukit_domain_type_name(tool_stack_domain_type(run->dev));
	res.mode = mode_of_domain(tool_stack_domain_type(run->dev));
	res.fq = tool_stack_domain_type(run->dev) == SMMUKIT_DOMAIN_DMA_FQ;
	o = smmukit_iommu_get_options(run->st.iommu);
	res.fq_mode = o->fq_mode == SMMUKIT_FQ_SINGLE ? "single" : "percpu";
	res.timeout_ms = smmukit_iommu_options_fq_timeout_ms(o);
	res.stale_unmapped = ms1.stale_unmapped - ms0.stale_unmapped;
	res.stale_reused = ms1.stale_reused - ms0.stale_reused;
	res.flushes = ds1.fq_flushes - ds0.fq_flushes;
	res.step_us = (double)(a.io_ns - a.io_ns / 2) / 1e3;
	/* The timing hook times every flush on the run's (manual) clock. */
	res.flush_us_max = (double)tm.flush_ns_max / 1e3;
	if (res.fq)
		res.bound_us = (double)res.timeout_ms * 1e3 +
			       res.flush_us_max + res.step_us;
	windows(run, end_ns, &res);
	if (a.json)
		print_json(&a, run, &res);
	else
		print_text(&a, run, &res);
out:
	smmukit_dma_set_timing(run->st.dma, false);
	for (unsigned i = 0; i < NR_BUFS; i++)
		if (run->bufs[i].cpu)
			smmukit_plat_free_pages(run->st.plat, &run->bufs[i]);
	if (tool_stack_destroy(&run->st))
		status = 1;
	for (size_t k = 0; k < run->cap_pages; k++)
		free(run->pages[k].idx);
	free(run->pages);
	free(run->unmaps);
	free(run);
	free(cmdline);
	return status;
}

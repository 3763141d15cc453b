/* SPDX-License-Identifier: MIT */
/*
 * The invariant stress engine, shared by tests/invariant/invariant_*.c.
 *
 * One stack (POSIX platform, hardware model in checking mode, SMMUv3
 * driver, IOMMU core, DMA layer) and three kinds of thread:
 *  - INV_MAPPERS mapper threads, each pinned to its own simulated CPU, run
 *    randomised map -> device DMA -> unmap cycles through the DMA API
 *    (map_page, map_single, map_sg, and big scatter lists and blocks that
 *    make the page table grow and remove level-3 tables) or, for an
 *    unmanaged domain, through smmukit_iommu_map/unmap. Each keeps up to
 *    INV_WINDOW mappings live and unmaps them in random order; sizes are
 *    1 B..64 KiB with page and sub-page offsets. Right after each map the
 *    mapper's device reads or writes the new mapping and must reach the
 *    buffer it mapped (wrong_pa otherwise);
 *  - a rogue device thread that, concurrently with the maps and unmaps,
 *    reads and writes at live IOVAs, at IOVAs being unmapped, and at IOVAs
 *    whose unmap has returned (recent and old ones), and drains the event
 *    queue as an interrupt handler would;
 *  - the platform's timer thread (real clock), or on the manual clock a
 *    lockstep in which the mappers do a few operations each, then one of them
 *    moves the clock by a random step (firing due flush-queue timers)
 *    while the others wait; the rogue device runs freely throughout.
 *
 * What is checked (a violation stops the workload at once, so a broken
 * build fails fast on the assertion and never on a timeout):
 *  - the model's stale accesses, per stream ID, as the trace reports them:
 *    on a strict target any stale access, on a lazy one a stale_reused
 *    one. The core's unmap observer tells the model when each unmap
 *    starts and returns (smmukit_model_unmap_begin/end), so accesses made
 *    while an unmap is still running are not counted;
 *  - free_violations: a table page freed while a cached walk points at it;
 *  - lazy reuse (check_reuse): an IOVA handed out again before a covering
 *    whole-domain invalidation completed (see inv_check_reuse);
 *  - fq_pending never above (ring size - 1) x rings, after every operation;
 *  - bounded exposure (check_exposure): a stale access at time t to a page
 *    whose unmap returned at u must have t - u <= timeout + one timer step
 *    (the manual clock's lateness) + one flush queued behind at most one
 *    flush per other CPU (see inv_setup);
 *  - every map and unmap succeeds, and the device reaches what was mapped.
 *
 * SMMUKIT_STRESS_OPS: map->unmap cycles per mode (all mappers together;
 * default INV_DEFAULT_OPS). SMMUKIT_SEED: the seed (printed, decimal or
 * 0x hex). A seed replays each thread's sequence of operations, not the
 * interleaving of the threads.
 */
#ifndef INV_STRESS_H
#define INV_STRESS_H

#include <pthread.h>
#include <sched.h>
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

#include "smmukit/dma.h"
#include "smmukit/iommu.h"
#include "smmukit/model.h"
#include "smmukit/platform_posix.h"
#include "smmukit/smmu.h"

/*
 * Under ThreadSanitizer the rogue device never overlaps a map call (it does
 * overlap unmaps, flushes and everything else). A map zeroes and fills
 * pages with plain stores (new table pages, bounce pages) and publishes
 * them with barriers and relaxed descriptor stores; a device that walks
 * into them through an IOVA it was never handed (an old one, reused) is a
 * race with hardware that the barriers order but TSan, which does not
 * model fences, cannot see ordered.
 */
#if defined(__SANITIZE_THREAD__)
#define INV_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define INV_TSAN 1
#endif
#endif
#ifndef INV_TSAN
#define INV_TSAN 0
#endif

#define INV_DEFAULT_OPS 20000u
#define INV_MAPPERS 2u		/* threads, one simulated CPU each */
#define INV_CPUS INV_MAPPERS
#define INV_WINDOW 8u		/* live mappings per mapper */
#define INV_HIST 1024u		/* unmapped ranges the rogue remembers */
#define INV_MAX_TARGETS 4u
#define INV_SLOT_ORDER 5u	/* 128 KiB buffer per window slot */
#define INV_SLOT_BYTES (UINT64_C(4096) << INV_SLOT_ORDER)
#define INV_BIG_ORDER 10u	/* 4 MiB per mapper: big lists, blocks */
#define INV_BIG_BYTES (UINT64_C(4096) << INV_BIG_ORDER)
#define INV_SZ_2M (UINT64_C(2) << 20)
#define INV_MAX_LEN 65536u
#define INV_HASH_BITS 20u
#define INV_PRINT_MAX 8u	/* violations described one by one */
#define INV_ROGUE_MAX 256u	/* bytes per rogue access */
#define INV_ROUND_OPS 4u	/* lockstep: operations per mapper per round */
#define INV_ROGUE_PER_OP 8u	/* rogue accesses per map or unmap, at most */

/* ---- random numbers (splitmix64) ---- */

static SMMUKIT_UNUSED uint64_t inv_rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* 1..max, log-uniform: as many tiny sizes as large ones. */
static SMMUKIT_UNUSED uint64_t inv_size(uint64_t *s, uint64_t max)
{
	unsigned bits = 64 - (unsigned)__builtin_clzll(max);
	uint64_t lim = UINT64_C(1) << (inv_rnd(s) % bits + 1);
	uint64_t v = 1 + inv_rnd(s) % lim;

	return v > max ? max : v;
}

static SMMUKIT_UNUSED uint64_t inv_env_u64(const char *name, uint64_t dflt)
{
	const char *v = getenv(name);
	char *end;
	unsigned long long x;

	if (!v || !*v)
		return dflt;
	x = strtoull(v, &end, 0);
	if (*end)
		fail_msg("%s='%s' is not a number", name, v);
	return (uint64_t)x;
}

static SMMUKIT_UNUSED double inv_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- configuration ---- */

struct inv_config {
	const char *test;	/* CTest name, for the report lines */
	const char *mode;	/* this run's label */
	bool strict;		/* iommu.strict */
	enum smmukit_fq_mode fq_mode;
	uint32_t fq_size;	/* 0: the mode's default */
	uint32_t fq_timeout_ms;	/* 0: the mode's default */
	bool manual_clock;	/* lockstep on a manual clock */
	uint64_t max_step_ns;	/* manual clock: step per lockstep round */
	unsigned big_per_mille;	/* big (table-removing) operations */
	bool check_reuse;	/* invariant 2's direct check (lazy targets) */
	bool check_exposure;	/* invariant 5's time bound (lazy targets) */
	const char *profile;	/* model profile "key=val,..." (NULL: zero) */
};

enum inv_kind {
	K_PAGE, K_SINGLE, K_SG,		/* DMA API, small */
	K_BIG_SG, K_BLOCK,		/* DMA API, 2 MiB and more */
	K_UM_SMALL, K_UM_PAGES, K_UM_BLOCK,	/* unmanaged domain */
};

struct inv_target {
	const char *name;
	struct smmukit_device *dev;
	struct smmukit_domain *dom;	/* default or unmanaged domain */
	uint32_t sid;
	bool unmanaged;
	/* The policy says this target may be lazy: stale_unmapped allowed. */
	bool lazy;
	uint64_t um_base;	/* unmanaged: this target's IOVA window */
	_Atomic uint64_t stale_unmapped, stale_reused;
};

/*
 * A range published for the rogue device: its page-aligned iova | a small
 * tag naming the device (below 4096), and len.
 */
struct inv_pub {
	_Atomic uint64_t tagged;	/* 0: empty */
	_Atomic uint64_t len;
};

struct inv_map {
	bool used;
	unsigned tidx;
	enum inv_kind kind;
	enum smmukit_dma_dir dir;
	uint64_t addr;		/* what map returned (or the user's IOVA) */
	uint64_t size;		/* as given to map */
	smmukit_phys_t pa;
	void *cpu;
	uint64_t span_iova, span_len;	/* the whole IOVA range */
	struct smmukit_dma_sg *sg;
	unsigned nents;
};

struct inv;

struct inv_mapper {
	struct inv *r;
	unsigned id;
	pthread_t thread;
	uint64_t rng;
	uint64_t quota;
	/*
	 * Buffers per target: a lazy target's stale translations reach only
	 * its own buffers, never one another target copies into (bounce).
	 */
	struct smmukit_dma_pages slot_buf[INV_MAX_TARGETS][INV_WINDOW];
	struct smmukit_dma_pages big_buf[INV_MAX_TARGETS];
	struct inv_map live[INV_WINDOW];
	unsigned nr_live;
	uint64_t dead_seq;
};

struct inv {
	struct inv_config cfg;
	uint64_t seed;
	uint64_t ops;
	struct smmukit_platform *p;
	struct smmukit_model *m;
	struct smmukit_smmu *s;
	struct smmukit_iommu *core;
	struct smmukit_dma *dma;
	struct smmukit_iommu_options opts;
	struct smmukit_model_profile prof;
	uint64_t base_pages;
	struct inv_target tgt[INV_MAX_TARGETS];
	unsigned nr_tgt;

	/*
	 * The lazy domain's whole-domain invalidation, learnt once from a
	 * flush_iotlb_all at setup (opcode and ASID or VMID); then counted in
	 * the model's trace (under the model lock, in retirement order):
	 * tlbi_retired such commands retired, tlbi_covered of them followed
	 * by a completed CMD_SYNC.
	 */
	_Atomic bool learning;
	_Atomic bool ctx_known;
	unsigned ctx_op;
	uint32_t ctx_id;
	_Atomic uint64_t tlbi_retired;
	_Atomic uint64_t tlbi_covered;

	/*
	 * Per (target, IOVA page): hb = tlbi_retired + 1 read when its last
	 * unmap began, hu = clock when its last unmap returned. Open
	 * addressing, keys inserted by CAS; values are plain atomics.
	 */
	_Atomic uint64_t *hkey, *hb, *hu;
	_Atomic uint64_t hused;

	struct inv_pub live[INV_MAPPERS][INV_WINDOW];
	struct inv_pub dead[INV_MAPPERS][INV_HIST];
	_Atomic uint64_t dead_pos[INV_MAPPERS];

	struct inv_mapper mapper[INV_MAPPERS];
	pthread_t rogue;
	_Atomic bool stop;		/* a violation: wind down */
	_Atomic bool rogue_stop;
	pthread_barrier_t bar;
	bool quit;			/* lockstep: decided between barriers */
	/* INV_TSAN: maps read-lock it, each rogue access write-locks it. */
	pthread_rwlock_t maplock;
	/* Count stale accesses per target, but judge nothing (a test that
	 * provokes them on purpose). */
	_Atomic bool observe_only;

	uint64_t pending_bound;
	uint64_t exposure_bound_ns;
	uint64_t flush_ns;

	/* Violations. */
	_Atomic uint64_t v_stale, v_free, v_reuse, v_wrong_pa, v_pending,
		v_exposure, v_type, v_errors;
	_Atomic unsigned printed;
	/* Figures. */
	_Atomic uint64_t maps, unmaps, big_maps, rogue_n, rogue_ok, events,
		pending_max, exposure_max, reuse_checked, inflight_full;
	double seconds;
};

/* Every violation of this process, for the closing line (inv_finish). */
static _Atomic uint64_t inv_violations_total;

static SMMUKIT_UNUSED void inv_violation(struct inv *r, _Atomic uint64_t *ctr,
					 const char *fmt, ...)
{
	va_list ap;

	atomic_fetch_add(&inv_violations_total, 1);
	atomic_fetch_add(ctr, 1);
	atomic_store(&r->stop, true);
	if (atomic_fetch_add(&r->printed, 1) >= INV_PRINT_MAX)
		return;
	fprintf(stderr, "%s[%s]: VIOLATION: ", r->cfg.test, r->cfg.mode);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static SMMUKIT_UNUSED void atomic_max_u64(_Atomic uint64_t *a, uint64_t v)
{
	uint64_t cur = atomic_load(a);

	while (v > cur && !atomic_compare_exchange_weak(a, &cur, v))
		;
}

/* ---- the (target, page) table ---- */

static uint64_t inv_hkey(unsigned tidx, uint64_t iova)
{
	return ((iova >> 12) << 3) | (tidx + 1);
}

/* Slot of key, inserted if absent (insert) or SIZE_MAX if absent. */
static size_t inv_hslot(struct inv *r, uint64_t key, bool insert)
{
	size_t mask = ((size_t)1 << INV_HASH_BITS) - 1;
	size_t i = (size_t)((key * 0x9e3779b97f4a7c15ull) >> (64 - INV_HASH_BITS));

	for (size_t n = 0; n <= mask; n++, i = (i + 1) & mask) {
		uint64_t k = atomic_load(&r->hkey[i]);

		if (k == key)
			return i;
		if (k == 0) {
			if (!insert)
				return SIZE_MAX;
			if (atomic_compare_exchange_strong(&r->hkey[i], &k, key)) {
				if (atomic_fetch_add(&r->hused, 1) > (mask >> 1))
					break;
				return i;
			}
			if (k == key)
				return i;
		}
	}
	/* Any thread may get here: no cmocka assertion (it longjmps). */
	fprintf(stderr, "inv: the test's page table is full\n");
	abort();
}

/* ---- the model's view: trace, observer ---- */

static struct inv_target *inv_target_by_sid(struct inv *r, uint32_t sid,
					    unsigned *idx)
{
	for (unsigned i = 0; i < r->nr_tgt; i++)
		if (r->tgt[i].sid == sid) {
			if (idx)
				*idx = i;
			return &r->tgt[i];
		}
	return NULL;
}

static int inv_target_by_dom(struct inv *r, const struct smmukit_domain *dom)
{
	for (unsigned i = 0; i < r->nr_tgt; i++)
		if (r->tgt[i].dom == dom)
			return (int)i;
	return -1;
}

static bool inv_is_ctx_flush(struct inv *r, const struct smmuv3_cmd *c)
{
	if (c->opcode == SMMUV3_OP_TLBI_NH_ALL ||
	    c->opcode == SMMUV3_OP_TLBI_NSNH_ALL)
		return true;
	if (c->opcode != r->ctx_op)
		return false;
	return c->opcode == SMMUV3_OP_TLBI_NH_ASID ? c->tlbi.asid == r->ctx_id
						   : c->tlbi.vmid == r->ctx_id;
}

static void inv_stale(struct inv *r, const struct smmukit_model_trace_rec *t)
{
	unsigned tidx = 0;
	struct inv_target *tg = inv_target_by_sid(r, t->sid, &tidx);
	bool reused = t->code != 0;

	if (!tg) {
		inv_violation(r, &r->v_errors, "stale access on unknown sid %u",
			      t->sid);
		return;
	}
	atomic_fetch_add(reused ? &tg->stale_reused : &tg->stale_unmapped, 1);
	if (atomic_load(&r->observe_only))
		return;
	if (reused || !tg->lazy) {
		inv_violation(r, &r->v_stale,
			      "%s stale access (%s) by %s (sid %u) at iova 0x%llx t=%llu ns: old pa 0x%llx, tables give 0x%llx",
			      reused ? "stale_reused" : "stale_unmapped",
			      t->rnw ? "read" : "write", tg->name, t->sid,
			      (unsigned long long)t->addr,
			      (unsigned long long)t->time_ns,
			      (unsigned long long)t->pa,
			      (unsigned long long)t->new_pa);
		return;
	}
	if (r->cfg.check_exposure) {
		size_t i = inv_hslot(r, inv_hkey(tidx, t->addr), false);
		uint64_t u = i == SIZE_MAX ? 0 : atomic_load(&r->hu[i]);

		if (!u) {
			inv_violation(r, &r->v_exposure,
				      "stale access at iova 0x%llx (t=%llu ns) to a page never unmapped",
				      (unsigned long long)t->addr,
				      (unsigned long long)t->time_ns);
			return;
		}
		/*
		 * u was recorded before the model heard of the unmap's end,
		 * so in lock order this access came after it; its time may
		 * still be earlier (a device reads the clock before it takes
		 * the model lock): no exposure at all then.
		 */
		uint64_t e = t->time_ns > u ? t->time_ns - u : 0;

		atomic_max_u64(&r->exposure_max, e);
		if (e > r->exposure_bound_ns)
			inv_violation(r, &r->v_exposure,
				      "stale access at iova 0x%llx %llu ns after its unmap returned (t=%llu): bound %llu ns",
				      (unsigned long long)t->addr,
				      (unsigned long long)e,
				      (unsigned long long)t->time_ns,
				      (unsigned long long)r->exposure_bound_ns);
	}
}

/* Runs under the model lock: atomics and stderr only. */
static void inv_trace(void *arg, const struct smmukit_model_trace_rec *t)
{
	struct inv *r = arg;
	struct smmuv3_cmd c;

	switch (t->kind) {
	case SMMUKIT_MODEL_TRACE_CMD:
		if (!smmuv3_op_is_tlbi(t->code) || smmuv3_cmd_decode(t->dw, &c))
			break;
		if (atomic_load(&r->learning) &&
		    (c.opcode == SMMUV3_OP_TLBI_NH_ASID ||
		     c.opcode == SMMUV3_OP_TLBI_S12_VMALL)) {
			r->ctx_op = c.opcode;
			r->ctx_id = c.opcode == SMMUV3_OP_TLBI_NH_ASID ?
				    c.tlbi.asid : c.tlbi.vmid;
			atomic_store(&r->ctx_known, true);
		}
		if (atomic_load(&r->ctx_known) && inv_is_ctx_flush(r, &c))
			atomic_fetch_add(&r->tlbi_retired, 1);
		break;
	case SMMUKIT_MODEL_TRACE_SYNC:
		/* Retirement is in queue order: every TLBI retired so far
		 * took effect with this sync. */
		atomic_store(&r->tlbi_covered, atomic_load(&r->tlbi_retired));
		break;
	case SMMUKIT_MODEL_TRACE_STALE:
		inv_stale(r, t);
		break;
	case SMMUKIT_MODEL_TRACE_VIOLATION:
		if (t->why && strstr(t->why, "freed"))
			inv_violation(r, &r->v_free,
				      "table page 0x%llx freed while %u cached walk/config entries reference it",
				      (unsigned long long)t->addr, t->code);
		break;
	default:
		break;
	}
}

/*
 * The core's unmap observer. Begin: note, per page, how many whole-domain
 * invalidations had retired (inv_check_reuse), then tell the model. End:
 * note the time per page (exposure), then tell the model; in that order,
 * so that every access the model counts as stale finds the time recorded.
 */
static void inv_unmap_begin(void *arg, struct smmukit_domain *dom,
			    uint64_t iova, uint64_t size)
{
	struct inv *r = arg;
	int t = inv_target_by_dom(r, dom);
	int ret;

	if (t < 0)
		return;
	if (r->cfg.check_reuse && r->tgt[t].lazy) {
		uint64_t b = atomic_load(&r->tlbi_retired) + 1;

		for (uint64_t a = iova; a < iova + size; a += 4096)
			atomic_store(&r->hb[inv_hslot(r, inv_hkey((unsigned)t, a), true)], b);
	}
	ret = smmukit_model_unmap_begin(r->m, r->tgt[t].sid, iova, size);
	if (ret == -SMMUKIT_ENOSPC)
		atomic_fetch_add(&r->inflight_full, 1);
	else if (ret)
		inv_violation(r, &r->v_errors, "model_unmap_begin(0x%llx): %d",
			      (unsigned long long)iova, ret);
}

static void inv_unmap_end(void *arg, struct smmukit_domain *dom,
			  uint64_t iova, uint64_t size)
{
	struct inv *r = arg;
	int t = inv_target_by_dom(r, dom);
	int ret;

	if (t < 0)
		return;
	if (r->cfg.check_exposure) {
		uint64_t now = smmukit_plat_clock_ns(r->p);

		for (uint64_t a = iova; a < iova + size; a += 4096)
			atomic_store(&r->hu[inv_hslot(r, inv_hkey((unsigned)t, a), true)], now);
	}
	ret = smmukit_model_unmap_end(r->m, r->tgt[t].sid, iova, size);
	if (ret && !atomic_load(&r->inflight_full))
		inv_violation(r, &r->v_errors, "model_unmap_end(0x%llx): %d",
			      (unsigned long long)iova, ret);
}

/*
 * Invariant 2, directly: an IOVA page handed out again by map must have
 * been covered by a whole-domain invalidation that completed in between.
 * Sound (never fires on a correct flush queue): the flush that released
 * the page bumped its start count after the page's PTEs were cleared, so
 * its TLBI was written to the queue, and retired, after the observer's
 * begin read tlbi_retired (b - 1); a CMD_SYNC after it completed before
 * the release; so once map returns, tlbi_covered >= b. It can miss an
 * early release only if some unrelated whole-domain flush happened to
 * retire in that window, which the workload makes rare.
 */
static void inv_check_reuse(struct inv *r, unsigned tidx, uint64_t iova,
			    uint64_t len)
{
	uint64_t covered = atomic_load(&r->tlbi_covered);

	for (uint64_t a = iova; a < iova + len; a += 4096) {
		size_t i = inv_hslot(r, inv_hkey(tidx, a), false);
		uint64_t b = i == SIZE_MAX ? 0 : atomic_load(&r->hb[i]);

		if (!b)
			continue;
		atomic_fetch_add(&r->reuse_checked, 1);
		if (covered < b) {
			inv_violation(r, &r->v_reuse,
				      "iova 0x%llx handed out again before a whole-domain invalidation completed after its unmap (%llu retired at unmap, %llu covered now)",
				      (unsigned long long)a,
				      (unsigned long long)(b - 1),
				      (unsigned long long)covered);
			return;
		}
	}
}

static void inv_event(void *arg, const struct smmukit_smmu_event *ev)
{
	struct inv *r = arg;

	(void)ev;
	atomic_fetch_add_explicit(&r->events, 1, memory_order_relaxed);
}

/* ---- setup and teardown ---- */

/* ---- building blocks of a stress setup (also tests/stress/stack_threads.c) ---- */

/* The model in checking mode without command and invalidation logs. */
static SMMUKIT_UNUSED void inv_model_config(struct smmukit_model_config *mc)
{
	char err[160];

	smmukit_model_config_default(mc);
	if (smmukit_model_config_parse(mc, "checking,cmdlog=0,invlog=0",
				       err, sizeof(err)))
		fail_msg("model keys: %s", err);
}

/* The driver on the model (256 stream IDs), its events to handler. */
static SMMUKIT_UNUSED struct smmukit_smmu *
inv_smmu_probe(struct smmukit_platform *p, struct smmukit_model *m,
	       smmukit_smmu_event_fn handler, void *arg)
{
	struct smmukit_smmu_config sc = { 0 };
	struct smmukit_smmu *s;

	sc.platform = p;
	sc.mmio = smmukit_model_mmio(m);
	sc.sid_bits = 8;
	sc.event_handler = handler;
	sc.event_arg = arg;
	assert_int_equal(smmukit_smmu_probe(&sc, &s), 0);
	return s;
}

/* The core (options opts, which it keeps) and DMA layer on the driver. */
static SMMUKIT_UNUSED void inv_core_up(struct smmukit_platform *p,
				       struct smmukit_smmu *s,
				       struct smmukit_iommu_options *opts,
				       const struct smmukit_unmap_observer *obs,
				       struct smmukit_iommu **core,
				       struct smmukit_dma **dma)
{
	struct smmukit_iommu_config ic = { 0 };

	ic.platform = p;
	ic.drv = smmukit_smmu_iommu(s);
	ic.options = opts;
	assert_int_equal(smmukit_iommu_create(&ic, core), 0);
	assert_int_equal(smmukit_dma_create(*core, dma), 0);
	smmukit_iommu_set_unmap_observer(*core, obs);
}

/* Undo inv_core_up and inv_smmu_probe (every device released). */
static SMMUKIT_UNUSED void inv_core_down(struct smmukit_iommu *core,
					 struct smmukit_dma *dma,
					 struct smmukit_smmu *s)
{
	smmukit_iommu_set_unmap_observer(core, NULL);
	smmukit_dma_destroy(dma);
	assert_int_equal(smmukit_iommu_destroy(core), 0);
	smmukit_smmu_destroy(s);
}

static SMMUKIT_UNUSED void inv_setup(struct inv *r, const struct inv_config *cfg)
{
	struct smmukit_posix_config pc = {
		.manual_clock = cfg->manual_clock, .nr_cpus = INV_CPUS,
		.mem_size = UINT64_C(512) << 20, .log_level = SMMUKIT_LOG_WARN,
	};
	struct smmukit_model_config mc;
	struct smmukit_unmap_observer obs = {
		.unmap_begin = inv_unmap_begin, .unmap_end = inv_unmap_end,
	};
	char err[160];
	size_t hsize = (size_t)1 << INV_HASH_BITS;

	memset(r, 0, sizeof(*r));
	r->cfg = *cfg;
	r->ops = inv_env_u64("SMMUKIT_STRESS_OPS", INV_DEFAULT_OPS);
	r->seed = inv_env_u64("SMMUKIT_SEED", (uint64_t)time(NULL) ^
			      ((uint64_t)clock() << 20));
	r->hkey = calloc(hsize, sizeof(*r->hkey));
	r->hb = calloc(hsize, sizeof(*r->hb));
	r->hu = calloc(hsize, sizeof(*r->hu));
	assert_non_null(r->hkey);
	assert_non_null(r->hb);
	assert_non_null(r->hu);

	assert_int_equal(smmukit_posix_create(&pc, &r->p), 0);
	inv_model_config(&mc);
	smmukit_model_profile_zero(&r->prof);
	if (cfg->profile) {
		char buf[256], *save = NULL;

		snprintf(buf, sizeof(buf), "%s", cfg->profile);
		for (char *kv = strtok_r(buf, ",", &save); kv;
		     kv = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(kv, '=');

			assert_non_null(eq);
			*eq = 0;
			assert_int_equal(smmukit_model_profile_set(&r->prof, kv,
								   eq + 1), 0);
		}
		if (smmukit_model_profile_check(&r->prof, err, sizeof(err)))
			fail_msg("profile: %s", err);
	}
	assert_int_equal(smmukit_model_create(r->p, &mc, &r->prof, &r->m), 0);
	smmukit_model_set_trace(r->m, SMMUKIT_MODEL_TRACE_CMD |
				SMMUKIT_MODEL_TRACE_SYNC |
				SMMUKIT_MODEL_TRACE_STALE |
				SMMUKIT_MODEL_TRACE_VIOLATION, inv_trace, r);
	r->base_pages = 0;
	{
		struct smmukit_posix_stats st;

		smmukit_posix_get_stats(r->p, &st);
		r->base_pages = st.pages_in_use;
	}
	r->s = inv_smmu_probe(r->p, r->m, inv_event, r);

	smmukit_iommu_options_default(&r->opts);
	r->opts.strict = cfg->strict;
	r->opts.strict_given = true;
	r->opts.fq_mode = cfg->fq_mode;
	if (cfg->fq_size) {
		r->opts.fq_size = cfg->fq_size;
		r->opts.fq_size_given = true;
	}
	if (cfg->fq_timeout_ms) {
		r->opts.fq_timeout_ms = cfg->fq_timeout_ms;
		r->opts.fq_timeout_given = true;
	}
	obs.arg = r;
	inv_core_up(r->p, r->s, &r->opts, &obs, &r->core, &r->dma);
	smmukit_posix_set_cpu(r->p, 0);

	/*
	 * One whole-domain flush is a TLBI by ASID/VMID and a CMD_SYNC. The
	 * command queue serialises CPUs, so the timer's flush may wait
	 * behind one batch of each other CPU (every batch costs at most a
	 * flush in the profiles used here): INV_CPUS flushes in all. On the
	 * manual clock a timer fires at the first step past its deadline:
	 * at most max_step_ns late.
	 */
	r->flush_ns = r->prof.cmd_tlbi_asid_ns + r->prof.cmd_sync_ns;
	r->exposure_bound_ns = (uint64_t)smmukit_iommu_options_fq_timeout_ms(&r->opts) *
				       1000000u +
			       cfg->max_step_ns + INV_CPUS * r->flush_ns;
}

/* A device on the DMA API; want: the default-domain type policy demands. */
static SMMUKIT_UNUSED struct inv_target *
inv_add_dma(struct inv *r, const char *name, uint32_t sid, bool untrusted,
	    enum smmukit_domain_type want)
{
	struct inv_target *t = &r->tgt[r->nr_tgt];
	struct smmukit_device_config dc = {
		.name = name, .sids = &sid, .nr_sids = 1, .untrusted = untrusted,
	};
	enum smmukit_domain_type got;

	assert_true(r->nr_tgt < INV_MAX_TARGETS);
	assert_int_equal(smmukit_iommu_probe_device(r->core, &dc, &t->dev), 0);
	t->name = name;
	t->sid = sid;
	t->dom = smmukit_device_default_domain(t->dev);
	t->lazy = smmukit_domain_type_is_lazy(want);
	got = smmukit_domain_get_type(t->dom);
	if (got != want)
		inv_violation(r, &r->v_type, "%s%s: default domain is %s, the policy says %s",
			      name, untrusted ? " (untrusted)" : "",
			      smmukit_domain_type_name(got),
			      smmukit_domain_type_name(want));
	r->nr_tgt++;
	if (got == SMMUKIT_DOMAIN_DMA_FQ && !atomic_load(&r->ctx_known)) {
		/* Learn the domain's whole-domain invalidation. */
		atomic_store(&r->learning, true);
		assert_int_equal(smmukit_iommu_flush_iotlb_all(t->dom), 0);
		atomic_store(&r->learning, false);
		assert_true(atomic_load(&r->ctx_known));
	}
	/* Any violation above still lets the workload run: it must also
	 * show in what the devices can do. */
	atomic_store(&r->stop, false);
	return t;
}

/* A device whose group a user moves onto an unmanaged domain. */
static SMMUKIT_UNUSED struct inv_target *
inv_add_unmanaged(struct inv *r, const char *name, uint32_t sid)
{
	struct inv_target *t = &r->tgt[r->nr_tgt];
	struct smmukit_device_config dc = {
		.name = name, .sids = &sid, .nr_sids = 1,
	};

	assert_true(r->nr_tgt < INV_MAX_TARGETS);
	assert_int_equal(smmukit_iommu_probe_device(r->core, &dc, &t->dev), 0);
	assert_int_equal(smmukit_iommu_domain_alloc(r->core, SMMUKIT_DOMAIN_UNMANAGED,
						    &t->dom), 0);
	assert_int_equal(smmukit_iommu_attach_group(t->dom, t->dev), 0);
	t->name = name;
	t->sid = sid;
	t->unmanaged = true;
	t->lazy = false;
	t->um_base = UINT64_C(0x100000000) + (uint64_t)r->nr_tgt * UINT64_C(0x40000000);
	r->nr_tgt++;
	return t;
}

static SMMUKIT_UNUSED void inv_teardown(struct inv *r)
{
	struct smmukit_posix_stats st;

	for (unsigned i = 0; i < r->nr_tgt; i++) {
		struct inv_target *t = &r->tgt[i];

		if (t->unmanaged) {
			assert_int_equal(smmukit_iommu_detach_group(t->dom, t->dev), 0);
			assert_int_equal(smmukit_iommu_domain_free(t->dom), 0);
		}
		assert_int_equal(smmukit_iommu_release_device(t->dev), 0);
	}
	inv_core_down(r->core, r->dma, r->s);
	/* Nothing leaked: every table page and IOVA came back. */
	smmukit_posix_get_stats(r->p, &st);
	assert_int_equal(st.pages_in_use, r->base_pages);
	smmukit_model_destroy(r->m);
	smmukit_posix_destroy(r->p);
	free(r->hkey);
	free(r->hb);
	free(r->hu);
}

/* ---- one mapper ---- */

static uint64_t inv_span(uint64_t pa, uint64_t len)
{
	return smmukit_align_up((pa & 4095) + len, 4096);
}

static void inv_publish_live(struct inv *r, unsigned mid, unsigned w,
			     const struct inv_map *mp)
{
	atomic_store(&r->live[mid][w].len, mp->span_len);
	atomic_store(&r->live[mid][w].tagged, mp->span_iova | mp->tidx);
}

static void inv_publish_dead(struct inv *r, unsigned mid, unsigned w,
			     const struct inv_map *mp)
{
	uint64_t pos = atomic_load(&r->dead_pos[mid]);
	struct inv_pub *d = &r->dead[mid][pos % INV_HIST];

	atomic_store(&r->live[mid][w].tagged, 0);
	atomic_store(&d->len, mp->span_len);
	atomic_store(&d->tagged, mp->span_iova | mp->tidx);
	atomic_store(&r->dead_pos[mid], pos + 1);
}

/*
 * The mapper's own device: one access to a mapping it has just made, which
 * must reach pa. An untrusted device's buffer that does not fill whole
 * granules is bounced (copied to pages of its own, which are mapped
 * instead; key is the buffer's pa | size): then it must reach what the
 * domain's tables give for addr.
 * Either way a fresh mapping must never be reached through a stale entry.
 */
static void inv_device_check(struct inv *r, struct inv_mapper *mm,
			     const struct inv_map *mp, uint64_t addr,
			     smmukit_phys_t pa, uint64_t len, uint64_t key)
{
	struct inv_target *t = &r->tgt[mp->tidx];
	struct smmukit_model_dma_result res;
	unsigned char buf[INV_ROGUE_MAX];
	uint64_t n = 1 + inv_rnd(&mm->rng) % (len < sizeof(buf) ? len : sizeof(buf));
	bool wr = mp->dir == SMMUKIT_DMA_FROM_DEVICE ||
		  (mp->dir == SMMUKIT_DMA_BIDIRECTIONAL && (inv_rnd(&mm->rng) & 1));
	bool bounced = !t->unmanaged && smmukit_device_untrusted(t->dev) &&
		       (key & 4095) != 0;
	smmukit_phys_t want = pa;
	int ret;

	if (bounced && smmukit_iommu_iova_to_phys(t->dom, addr, &want)) {
		inv_violation(r, &r->v_errors, "%s: 0x%llx not mapped after map",
			      t->name, (unsigned long long)addr);
		return;
	}
	if (wr)
		memset(buf, 0xd0 + mm->id, sizeof(buf));
	ret = smmukit_model_dma(r->m, t->sid, SMMUKIT_MODEL_NO_SSID, addr, n,
				wr, buf, &res);
	if (ret != 0 || res.pa != want)
		inv_violation(r, &r->v_wrong_pa,
			      "%s: device %s of %llu bytes at fresh mapping 0x%llx: ret %d event 0x%x pa 0x%llx, mapped pa 0x%llx%s",
			      t->name, wr ? "write" : "read",
			      (unsigned long long)n, (unsigned long long)addr,
			      ret, res.event, (unsigned long long)res.pa,
			      (unsigned long long)want,
			      bounced ? " (bounce page)" : "");
}

static SMMUKIT_UNUSED enum smmukit_dma_dir inv_dir(uint64_t *s)
{
	return (enum smmukit_dma_dir)(inv_rnd(s) % 3);
}

/* pa offset within a buffer: page-aligned or sub-page, leaving room. */
static uint64_t inv_offset(uint64_t *s, uint64_t room)
{
	uint64_t off = (inv_rnd(s) & 1) ? (inv_rnd(s) % 16) * 4096 :
					  inv_rnd(s) % 65536;

	return off > room ? room : off;
}

static int inv_map_dma(struct inv *r, struct inv_mapper *mm, unsigned w,
		       struct inv_map *mp, struct inv_target *t)
{
	uint64_t *s = &mm->rng;
	struct smmukit_dma_pages *buf = &mm->slot_buf[mp->tidx][w];
	struct smmukit_dma_pages *big = &mm->big_buf[mp->tidx];
	int ret = 0;

	mp->dir = inv_dir(s);
	switch (mp->kind) {
	case K_PAGE:
	case K_SINGLE: {
		uint64_t len = inv_size(s, INV_MAX_LEN);
		uint64_t off = inv_offset(s, INV_SLOT_BYTES - len);

		mp->size = len;
		mp->pa = buf->pa + off;
		mp->cpu = (unsigned char *)buf->cpu + off;
		if (mp->kind == K_PAGE)
			ret = smmukit_dma_map_page(t->dev, mp->pa, len, mp->dir,
						   &mp->addr);
		else
			ret = smmukit_dma_map_single(t->dev, mp->cpu, len,
						     mp->dir, &mp->addr);
		mp->span_iova = mp->addr & ~UINT64_C(4095);
		mp->span_len = inv_span(mp->pa, len);
		if (!ret)
			inv_device_check(r, mm, mp, mp->addr, mp->pa, len,
					 mp->pa | len);
		return ret;
	}
	case K_SG:
	case K_BIG_SG: {
		uint64_t total = 0, want;
		uint64_t region = mp->kind == K_SG ? INV_SLOT_BYTES : INV_BIG_BYTES;
		smmukit_phys_t base = mp->kind == K_SG ? buf->pa : big->pa;
		unsigned n = 0, i;

		want = mp->kind == K_SG ? 1 + inv_rnd(s) % 8 : 0;
		for (;;) {
			uint64_t len = inv_size(s, mp->kind == K_SG ? 16384 : INV_MAX_LEN);
			uint64_t off = inv_rnd(s) % (region - len);

			mp->sg[n].pa = base + off;
			mp->sg[n].len = len;
			total += inv_span(base + off, len);
			n++;
			if (mp->kind == K_SG ? n == want :
			    total >= INV_SZ_2M + (inv_rnd(s) % 16) * 4096)
				break;
		}
		mp->nents = n;
		ret = smmukit_dma_map_sg(t->dev, mp->sg, n, mp->dir);
		if (ret != (int)n)
			return ret < 0 ? ret : -SMMUKIT_EIO;
		mp->addr = mp->sg[0].dma_addr;
		mp->span_iova = mp->addr & ~UINT64_C(4095);
		mp->span_len = total;
		/* Touch a few segments: their walks fill the walk cache. */
		for (unsigned k = 0; k < (mp->kind == K_SG ? 1u : 4u); k++) {
			i = (unsigned)(inv_rnd(s) % n);
			inv_device_check(r, mm, mp, mp->sg[i].dma_addr,
					 mp->sg[i].pa, mp->sg[i].len,
					 mp->sg[i].pa | mp->sg[i].len);
		}
		return 0;
	}
	case K_BLOCK: {
		/* 2 MiB from a 2 MiB-aligned buffer: a block mapping; with a
		 * sub-page offset, a block and one more page. */
		uint64_t off = (inv_rnd(s) % 3 == 0) ? 1 + inv_rnd(s) % 4095 :
			       (inv_rnd(s) & 1) * INV_SZ_2M;

		mp->size = INV_SZ_2M;
		mp->pa = big->pa + off;
		ret = smmukit_dma_map_page(t->dev, mp->pa, mp->size, mp->dir,
					   &mp->addr);
		if (ret)
			return ret;
		mp->span_iova = mp->addr & ~UINT64_C(4095);
		mp->span_len = inv_span(mp->pa, mp->size);
		inv_device_check(r, mm, mp, mp->addr, mp->pa, 1,
				 mp->pa | mp->size);
		off = inv_rnd(s) % mp->size;
		inv_device_check(r, mm, mp, mp->addr + off, mp->pa + off, 1,
				 mp->pa | mp->size);
		return 0;
	}
	default:
		return -SMMUKIT_EINVAL;
	}
}

static int inv_map_um(struct inv *r, struct inv_mapper *mm, unsigned w,
		      struct inv_map *mp, struct inv_target *t)
{
	uint64_t *s = &mm->rng;
	unsigned prot;
	int ret = 0;

	mp->dir = inv_dir(s);
	prot = smmukit_dma_dir_prot(mp->dir);
	if (mp->kind == K_UM_SMALL) {
		uint64_t pages = 1 + inv_rnd(s) % 16;

		/* The slot's IOVA: reused by the next map in this slot. */
		mp->addr = t->um_base + ((uint64_t)mm->id * INV_WINDOW + w) *
					INV_SLOT_BYTES;
		mp->size = pages * 4096;
		mp->pa = mm->slot_buf[mp->tidx][w].pa +
			 (inv_rnd(s) % (32 - pages + 1)) * 4096;
		ret = smmukit_iommu_map(t->dom, mp->addr, mp->pa, mp->size, prot);
		mp->span_iova = mp->addr;
		mp->span_len = mp->size;
		if (!ret) {
			uint64_t off = inv_rnd(s) % mp->size;

			inv_device_check(r, mm, mp, mp->addr + off, mp->pa + off,
					 mp->size - off, 0);
		}
		return ret;
	}
	mp->addr = t->um_base + UINT64_C(0x10000000) +
		   ((uint64_t)mm->id * INV_WINDOW + w) * INV_BIG_BYTES;
	mp->size = INV_SZ_2M;
	mp->pa = mm->big_buf[mp->tidx].pa + (inv_rnd(s) & 1) * INV_SZ_2M;
	mp->span_iova = mp->addr;
	mp->span_len = mp->size;
	if (mp->kind == K_UM_BLOCK) {
		ret = smmukit_iommu_map(t->dom, mp->addr, mp->pa, mp->size, prot);
	} else {
		/* 512 pages, scattered: a full level-3 table. */
		uint64_t mul = 2 * (inv_rnd(s) % 256) + 1;	/* odd: a permutation */

		for (uint64_t i = 0; i < 512 && !ret; i++) {
			ret = smmukit_iommu_map(t->dom, mp->addr + i * 4096,
						mm->big_buf[mp->tidx].pa +
						((i * mul) % 512) * 4096,
						4096, prot);
			if (ret && i)
				smmukit_iommu_unmap(t->dom, mp->addr, i * 4096);
		}
		mp->pa = mm->big_buf[mp->tidx].pa;
	}
	if (!ret) {
		smmukit_phys_t pa0 = 0;

		if (smmukit_iommu_iova_to_phys(t->dom, mp->addr, &pa0))
			inv_violation(r, &r->v_errors, "%s: 0x%llx not mapped after map",
				      t->name, (unsigned long long)mp->addr);
		else
			inv_device_check(r, mm, mp, mp->addr, pa0, 1, 0);
	}
	return ret;
}

static void inv_do_map(struct inv *r, struct inv_mapper *mm)
{
	uint64_t *s = &mm->rng;
	unsigned w = 0, tidx = (unsigned)(inv_rnd(s) % r->nr_tgt);
	struct inv_target *t = &r->tgt[tidx];
	struct inv_map *mp;
	bool big = inv_rnd(s) % 1000 < r->cfg.big_per_mille;
	int ret;

	while (mm->live[w].used)
		w++;
	mp = &mm->live[w];
	mp->tidx = tidx;
	if (t->unmanaged)
		mp->kind = big ? ((inv_rnd(s) & 1) ? K_UM_PAGES : K_UM_BLOCK) :
		       K_UM_SMALL;
	else if (big)
		mp->kind = (inv_rnd(s) % 4) ? K_BIG_SG : K_BLOCK;
	else
		mp->kind = (enum inv_kind)(inv_rnd(s) % 3);	/* PAGE/SINGLE/SG */
	if (INV_TSAN)
		pthread_rwlock_rdlock(&r->maplock);
	ret = t->unmanaged ? inv_map_um(r, mm, w, mp, t) :
			     inv_map_dma(r, mm, w, mp, t);
	if (INV_TSAN)
		pthread_rwlock_unlock(&r->maplock);
	if (ret) {
		inv_violation(r, &r->v_errors, "%s: map (kind %d) failed: %d",
			      t->name, (int)mp->kind, ret);
		return;
	}
	if (r->cfg.check_reuse && t->lazy)
		inv_check_reuse(r, tidx, mp->span_iova, mp->span_len);
	mp->used = true;
	mm->nr_live++;
	atomic_fetch_add(&r->maps, 1);
	if (mp->kind == K_BIG_SG || mp->kind == K_BLOCK ||
	    mp->kind == K_UM_PAGES || mp->kind == K_UM_BLOCK)
		atomic_fetch_add(&r->big_maps, 1);
	inv_publish_live(r, mm->id, w, mp);
}

static void inv_do_unmap(struct inv *r, struct inv_mapper *mm)
{
	unsigned k = (unsigned)(inv_rnd(&mm->rng) % mm->nr_live), w;
	struct inv_map *mp;
	struct inv_target *t;
	int ret;

	for (w = 0;; w++)
		if (mm->live[w].used && k-- == 0)
			break;
	mp = &mm->live[w];
	t = &r->tgt[mp->tidx];
	switch (mp->kind) {
	case K_PAGE:
	case K_BLOCK:
		ret = smmukit_dma_unmap_page(t->dev, mp->addr, mp->size, mp->dir);
		break;
	case K_SINGLE:
		ret = smmukit_dma_unmap_single(t->dev, mp->addr, mp->size, mp->dir);
		break;
	case K_SG:
	case K_BIG_SG:
		ret = smmukit_dma_unmap_sg(t->dev, mp->sg, mp->nents, mp->dir);
		break;
	default: {
		int64_t n = smmukit_iommu_unmap(t->dom, mp->addr, mp->size);

		ret = n == (int64_t)mp->size ? 0 : (n < 0 ? (int)n : -SMMUKIT_EIO);
		break;
	}
	}
	if (ret)
		inv_violation(r, &r->v_errors, "%s: unmap of 0x%llx (kind %d) failed: %d",
			      t->name, (unsigned long long)mp->addr,
			      (int)mp->kind, ret);
	mp->used = false;
	mm->nr_live--;
	atomic_fetch_add(&r->unmaps, 1);
	inv_publish_dead(r, mm->id, w, mp);
}

static void inv_check_pending(struct inv *r)
{
	struct smmukit_dma_stats st;

	if (smmukit_dma_get_stats(r->dma, &st)) {
		inv_violation(r, &r->v_errors, "dma_get_stats failed");
		return;
	}
	atomic_max_u64(&r->pending_max, st.fq_pending);
	if (st.fq_pending > r->pending_bound)
		inv_violation(r, &r->v_pending,
			      "%llu flush-queue entries waiting, bound (size - 1) x rings = %llu",
			      (unsigned long long)st.fq_pending,
			      (unsigned long long)r->pending_bound);
}

/* One operation: map while the window has room (and ops remain), else unmap. */
static bool inv_step(struct inv *r, struct inv_mapper *mm, uint64_t *done)
{
	bool can_map = *done < mm->quota && mm->nr_live < INV_WINDOW;

	if (!can_map && mm->nr_live == 0)
		return false;
	if (can_map && (mm->nr_live == 0 || inv_rnd(&mm->rng) % 2)) {
		inv_do_map(r, mm);
		(*done)++;
	} else {
		inv_do_unmap(r, mm);
	}
	inv_check_pending(r);
	return true;
}

static void *inv_mapper_fn(void *arg)
{
	struct inv_mapper *mm = arg;
	struct inv *r = mm->r;
	uint64_t done = 0;

	smmukit_posix_set_cpu(r->p, mm->id);
	if (!r->cfg.manual_clock) {
		while (!atomic_load(&r->stop) && inv_step(r, mm, &done))
			;
	} else {
		/*
		 * Lockstep: every mapper does a few operations, then one of them
		 * moves the clock (due timers fire in that call) while the
		 * others wait, so no flush-queue timer runs late because a
		 * thread was descheduled while time went on without it.
		 */
		for (;;) {
			int b;

			for (unsigned k = 0; k < INV_ROUND_OPS && !atomic_load(&r->stop); k++)
				if (!inv_step(r, mm, &done))
					break;
			b = pthread_barrier_wait(&r->bar);
			if (b == PTHREAD_BARRIER_SERIAL_THREAD) {
				bool any = false;

				for (unsigned i = 0; i < INV_MAPPERS; i++)
					any |= r->mapper[i].nr_live != 0 ||
					       r->mapper[i].quota != 0;
				smmukit_posix_clock_advance(r->p, inv_rnd(&mm->rng) %
							    (r->cfg.max_step_ns + 1));
				inv_check_pending(r);
				r->quit = atomic_load(&r->stop) || !any;
			}
			pthread_barrier_wait(&r->bar);
			if (r->quit)
				break;
			if (done >= mm->quota && mm->nr_live == 0)
				mm->quota = 0;	/* finished: tells the leader */
		}
	}
	/* After a violation: leave nothing mapped. */
	while (mm->nr_live)
		inv_do_unmap(r, mm);
	return NULL;
}

/* ---- the rogue device ---- */

/*
 * The rogue device's pick (also tests/stress/stack_threads.c): one time in
 * three a live range of live[nlive], else one unmapped before from the
 * ring dead[hist] whose next slot is *dead_pos. NULL: none unmapped yet.
 */
static SMMUKIT_UNUSED struct inv_pub *
inv_rogue_pick(uint64_t *s, struct inv_pub *live, unsigned nlive,
	       struct inv_pub *dead, _Atomic uint64_t *dead_pos, unsigned hist,
	       unsigned age_bits)
{
	uint64_t pos, lim, age;

	if (inv_rnd(s) % 3 == 0)
		return &live[inv_rnd(s) % nlive];
	pos = atomic_load(dead_pos);
	lim = pos < hist ? pos : hist;
	if (!lim)
		return NULL;
	/* Mostly recent, some old: age log-uniform below 2^age_bits. */
	age = inv_rnd(s) % (UINT64_C(1) << (inv_rnd(s) % age_bits));
	return &dead[(pos - 1 - age % lim) % hist];
}

/*
 * One access of the rogue device on sid somewhere in [iova, iova + len):
 * a read or a write of at most bufsize bytes, under maplock's write side
 * with TSan (INV_TSAN). What smmukit_model_dma returns.
 */
static SMMUKIT_UNUSED int
inv_rogue_access(struct smmukit_model *m, pthread_rwlock_t *maplock,
		 uint32_t sid, uint64_t iova, uint64_t len, uint64_t *s,
		 unsigned char *buf, uint64_t bufsize,
		 struct smmukit_model_dma_result *res)
{
	uint64_t off = inv_rnd(s) % len;
	uint64_t cnt = 1 + inv_rnd(s) % (len - off < bufsize ? len - off : bufsize);
	int ret;

	if (INV_TSAN)
		pthread_rwlock_wrlock(maplock);
	ret = smmukit_model_dma(m, sid, SMMUKIT_MODEL_NO_SSID, iova + off, cnt,
				inv_rnd(s) & 1, buf, res);
	if (INV_TSAN)
		pthread_rwlock_unlock(maplock);
	return ret;
}

static void *inv_rogue_fn(void *arg)
{
	struct inv *r = arg;
	uint64_t s = r->seed ^ 0x5eedf00dull;
	unsigned char buf[INV_ROGUE_MAX];
	uint64_t n = 0;

	memset(buf, 0xee, sizeof(buf));
	while (!atomic_load(&r->rogue_stop)) {
		unsigned mid = (unsigned)(inv_rnd(&s) % INV_MAPPERS);

		/*
		 * Keep pace with the mappers (INV_ROGUE_PER_OP accesses per
		 * operation): on two cores a free-running device would take
		 * a whole core from them and slow the run, not strengthen it.
		 */
		if (n > INV_ROGUE_PER_OP * (atomic_load_explicit(&r->maps, memory_order_relaxed) +
					    atomic_load_explicit(&r->unmaps, memory_order_relaxed)) + 4096) {
			sched_yield();
			continue;
		}
		struct inv_pub *pub;
		uint64_t tagged, len;
		struct smmukit_model_dma_result res;
		int ret;

		pub = inv_rogue_pick(&s, r->live[mid], INV_WINDOW, r->dead[mid],
				     &r->dead_pos[mid], INV_HIST, 11);
		if (!pub)
			continue;
		tagged = atomic_load(&pub->tagged);
		len = atomic_load(&pub->len);
		if (!tagged || !len || (tagged & 4095) >= r->nr_tgt)
			continue;
		ret = inv_rogue_access(r->m, &r->maplock, r->tgt[tagged & 4095].sid,
				       tagged & ~UINT64_C(4095), len, &s, buf,
				       sizeof(buf), &res);
		if (ret < 0)
			inv_violation(r, &r->v_errors, "rogue dma: %d", ret);
		else if (ret == 0)
			atomic_fetch_add_explicit(&r->rogue_ok, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&r->rogue_n, 1, memory_order_relaxed);
		if ((++n & 255) == 0)
			smmukit_smmu_handle_evtq_irq(r->s);
	}
	return NULL;
}

/* ---- a run ---- */

static SMMUKIT_UNUSED void inv_run(struct inv *r)
{
	double t0 = inv_now_s();

	unsigned nr_fq = 0;

	/*
	 * At most size - 1 entries per ring (a full ring is flushed first),
	 * per flush queue; fq_pending sums every DMA-FQ domain's.
	 */
	for (unsigned i = 0; i < r->nr_tgt; i++)
		nr_fq += smmukit_domain_type_is_lazy(smmukit_domain_get_type(r->tgt[i].dom));
	r->pending_bound = (uint64_t)(smmukit_iommu_options_fq_size(&r->opts) - 1) *
			   (r->cfg.fq_mode == SMMUKIT_FQ_SINGLE ? 1u : INV_CPUS) *
			   (nr_fq ? nr_fq : 1u);
	if (r->cfg.manual_clock)
		assert_int_equal(pthread_barrier_init(&r->bar, NULL, INV_MAPPERS), 0);
	{
		pthread_rwlockattr_t ra;

		/* Writer first: the rogue must not starve behind the maps. */
		pthread_rwlockattr_init(&ra);
		pthread_rwlockattr_setkind_np(&ra,
			PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
		assert_int_equal(pthread_rwlock_init(&r->maplock, &ra), 0);
		pthread_rwlockattr_destroy(&ra);
	}
	for (unsigned i = 0; i < INV_MAPPERS; i++) {
		struct inv_mapper *mm = &r->mapper[i];

		mm->r = r;
		mm->id = i;
		mm->rng = r->seed + 0x1000003ull * (i + 1);
		mm->quota = r->ops / INV_MAPPERS + (i < r->ops % INV_MAPPERS);
		for (unsigned w = 0; w < INV_WINDOW; w++) {
			mm->live[w].sg = calloc(SMMUKIT_DMA_MAX_SG, sizeof(struct smmukit_dma_sg));
			assert_non_null(mm->live[w].sg);
		}
		for (unsigned t = 0; t < r->nr_tgt; t++) {
			for (unsigned w = 0; w < INV_WINDOW; w++)
				assert_int_equal(smmukit_plat_alloc_pages(r->p, INV_SLOT_ORDER,
									  &mm->slot_buf[t][w]), 0);
			assert_int_equal(smmukit_plat_alloc_pages(r->p, INV_BIG_ORDER,
								  &mm->big_buf[t]), 0);
			assert_true((mm->big_buf[t].pa & (INV_BIG_BYTES - 1)) == 0);
		}
	}
	assert_int_equal(pthread_create(&r->rogue, NULL, inv_rogue_fn, r), 0);
	for (unsigned i = 0; i < INV_MAPPERS; i++)
		assert_int_equal(pthread_create(&r->mapper[i].thread, NULL,
						inv_mapper_fn, &r->mapper[i]), 0);
	for (unsigned i = 0; i < INV_MAPPERS; i++)
		pthread_join(r->mapper[i].thread, NULL);
	atomic_store(&r->rogue_stop, true);
	pthread_join(r->rogue, NULL);
	smmukit_smmu_handle_evtq_irq(r->s);
	r->seconds = inv_now_s() - t0;
	if (r->cfg.manual_clock)
		pthread_barrier_destroy(&r->bar);
	pthread_rwlock_destroy(&r->maplock);
	/* Everything unmapped: the flush queues must drain. */
	for (unsigned i = 0; i < r->nr_tgt; i++)
		if (!r->tgt[i].unmanaged)
			assert_int_equal(smmukit_dma_flush(r->tgt[i].dev), 0);
	for (unsigned i = 0; i < INV_MAPPERS; i++) {
		struct inv_mapper *mm = &r->mapper[i];

		for (unsigned w = 0; w < INV_WINDOW; w++)
			free(mm->live[w].sg);
		for (unsigned t = 0; t < r->nr_tgt; t++) {
			for (unsigned w = 0; w < INV_WINDOW; w++)
				smmukit_plat_free_pages(r->p, &mm->slot_buf[t][w]);
			smmukit_plat_free_pages(r->p, &mm->big_buf[t]);
		}
	}
}

/* One line per mode, for the notes; then every invariant's assertion. */
static SMMUKIT_UNUSED void inv_report(struct inv *r)
{
	struct smmukit_model_stats ms;
	struct smmukit_dma_stats ds;

	assert_int_equal(smmukit_model_get_stats(r->m, &ms), 0);
	assert_int_equal(smmukit_dma_get_stats(r->dma, &ds), 0);
	printf("%s[%s]: seed=0x%llx ops=%llu threads=%u+rogue maps=%llu big=%llu unmaps=%llu "
	       "rogue=%llu (ok %llu) events=%llu stale_unmapped=%llu stale_reused=%llu "
	       "stale_in_flight=%llu free_violations=%llu reuse_checked=%llu "
	       "v_stale=%llu v_free=%llu v_reuse=%llu v_wrong_pa=%llu v_pending=%llu "
	       "v_exposure=%llu v_type=%llu errors=%llu pending_max=%llu/%llu "
	       "exposure_max_ns=%llu/%llu fq_flushes=%llu (timer %llu full %llu) time=%.2fs\n",
	       r->cfg.test, r->cfg.mode, (unsigned long long)r->seed,
	       (unsigned long long)r->ops, INV_MAPPERS,
	       (unsigned long long)r->maps, (unsigned long long)r->big_maps,
	       (unsigned long long)r->unmaps, (unsigned long long)r->rogue_n,
	       (unsigned long long)r->rogue_ok, (unsigned long long)r->events,
	       (unsigned long long)ms.stale_unmapped,
	       (unsigned long long)ms.stale_reused,
	       (unsigned long long)ms.stale_in_flight,
	       (unsigned long long)ms.free_violations,
	       (unsigned long long)r->reuse_checked,
	       (unsigned long long)r->v_stale, (unsigned long long)r->v_free,
	       (unsigned long long)r->v_reuse, (unsigned long long)r->v_wrong_pa,
	       (unsigned long long)r->v_pending, (unsigned long long)r->v_exposure,
	       (unsigned long long)r->v_type, (unsigned long long)r->v_errors,
	       (unsigned long long)r->pending_max,
	       (unsigned long long)r->pending_bound,
	       (unsigned long long)r->exposure_max,
	       (unsigned long long)(r->cfg.check_exposure ? r->exposure_bound_ns : 0),
	       (unsigned long long)ds.fq_flushes,
	       (unsigned long long)ds.fq_timer_flushes,
	       (unsigned long long)ds.fq_full_flushes, r->seconds);
	for (unsigned i = 0; i < r->nr_tgt; i++)
		printf("%s[%s]:   %s (sid %u, %s%s): stale_unmapped=%llu stale_reused=%llu\n",
		       r->cfg.test, r->cfg.mode, r->tgt[i].name, r->tgt[i].sid,
		       smmukit_domain_type_name(smmukit_domain_get_type(r->tgt[i].dom)),
		       r->tgt[i].lazy ? ", may be lazy" : ", must be strict",
		       (unsigned long long)r->tgt[i].stale_unmapped,
		       (unsigned long long)r->tgt[i].stale_reused);
	fflush(stdout);
	assert_int_equal(r->v_errors, 0);
	assert_int_equal(r->v_type, 0);
	assert_int_equal(r->v_stale, 0);
	assert_int_equal(ms.stale_reused, 0);
	assert_int_equal(r->v_free, 0);
	assert_int_equal(ms.free_violations, 0);
	assert_int_equal(r->v_reuse, 0);
	assert_int_equal(r->v_wrong_pa, 0);
	assert_int_equal(r->v_pending, 0);
	assert_int_equal(r->v_exposure, 0);
	assert_int_equal(r->inflight_full, 0);
	assert_int_equal(r->maps, r->ops);
	assert_int_equal(r->unmaps, r->ops);
	assert_int_equal(ds.fq_pending, 0);
	assert_int_equal(ds.iova_live, 0);
}

/*
 * The closing line. A negative-control build (CTest WILL_FAIL with
 * PASS_REGULAR_EXPRESSION "no invariant violated") passes only if this
 * line is missing, i.e. only if an invariant check fired: a crash, a
 * timeout or a failure elsewhere (setup) does not count as a catch.
 */
static SMMUKIT_UNUSED int inv_finish(const char *test, int failed)
{
	uint64_t v = atomic_load(&inv_violations_total);

	if (v == 0)
		printf("%s: no invariant violated\n", test);
	else
		printf("%s: %llu invariant violation(s) found\n", test,
		       (unsigned long long)v);
	fflush(stdout);
	return failed;
}

#endif /* INV_STRESS_H */

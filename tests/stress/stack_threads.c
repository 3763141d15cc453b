/* SPDX-License-Identifier: MIT */
/*
 * The whole stack under threads: DMA-API traffic racing configuration
 * changes, with the hardware model in checking mode.
 *
 * One stack (POSIX platform with the real clock and its timer thread, the
 * model in checking mode, the SMMUv3 driver, the IOMMU core with
 * iommu.strict=0, the DMA layer) and six devices in five groups:
 *   fq0, fq1     trusted, DMA-FQ at first; their type is switched;
 *   grp_a/grp_b  trusted, one group, DMA-FQ at first; switched too;
 *   strict0      trusted, set to DMA before the threads start and never
 *                switched: the strict control;
 *   untr0        untrusted: DMA, whatever is asked (-EPERM for DMA-FQ).
 * Every group also has a user (unmanaged) domain the admin attaches and
 * detaches.
 *
 * Threads:
 *  - NR_WORKERS workers (simulated CPUs 0..2), each keeping up to WINDOW
 *    mappings live: dma_map_page, map_single, map_sg (1..8 segments,
 *    1 B..64 KiB, page and sub-page offsets) and a few 2 MiB blocks and
 *    scatter lists, on random devices; unmap in random order; dma_flush.
 *    Right after a map, and again right before its unmap, the worker's
 *    device accesses the mapping and must reach the buffer (for an
 *    untrusted device's bounced buffer, what the tables give).
 *  - an admin thread (CPU 3): default-domain type switches DMA, DMA-FQ,
 *    identity and (rarely) blocked; attach of the group's user domain, a
 *    VFIO-like session in it (map, device access, strict unmap, the access
 *    must then fault) and detach; dma_flush; the flush-queue bound. Half
 *    of its switches and attaches first ask the workers to let the group
 *    go idle (as a driver unbind would), the others come whenever they
 *    come and are mostly refused with -EBUSY;
 *  - a rogue device, accessing live and recently unmapped addresses of
 *    every device, and draining the event queue;
 *  - the platform's timer thread (flush-queue timers).
 *
 * The caller's side of the contract (docs/iommu.md, "Concurrency"), as a
 * driver core keeps it: a switch that rebuilds the default domain, and an
 * attach, never overlap a DMA-API call on that group (a per-group rwlock:
 * each DMA-API call takes it shared, the admin exclusively); DMA to DMA-FQ
 * and detach run without it, racing the group's own traffic. Whether a
 * group is idle (DMA-API mappings live, identity ones included) is left
 * to the library: its -EBUSY is the answer.
 *
 * Checked: no crash; every live mapping translates to its buffer; no
 * stale access reaching another buffer (stale_reused = 0); no stale
 * access at all on a domain that is strict at that moment (strict0,
 * untr0, every user domain, a switched group once it left DMA-FQ); no
 * table page freed under a cached walk; every error one the API documents
 * for that call; the flush-queue bound; the policy's types; at the end no
 * IOVA live, no flush-queue entry waiting, and every DMA page and
 * bookkeeping byte back.
 *
 * SMMUKIT_STRESS_OPS: worker operations in all (map, unmap and flush
 * calls; default 20000). SMMUKIT_SEED: the seed (printed; it replays each
 * thread's choices, not the interleaving).
 */
#include "../invariant/inv_stress.h"

#define NR_WORKERS 3u
#define ADMIN_CPU 3u
#define NR_CPUS 4u
#define NR_DEV 6u
#define NR_GRP 5u
#define WINDOW 6u
#define HIST 512u
#define SLOT_ORDER 5u		/* 128 KiB per window slot */
#define SLOT_BYTES (UINT64_C(4096) << SLOT_ORDER)
#define BIG_ORDER 10u		/* 4 MiB per worker and device */
#define BIG_BYTES (UINT64_C(4096) << BIG_ORDER)
#define SZ_2M (UINT64_C(2) << 20)
#define BIG_PER_MILLE 3u
#define ADMIN_EVERY 8u		/* worker operations per admin operation */
#define ROGUE_PER_OP 4u
#define ROGUE_MAX 256u
/* User domains map here only (far below every DMA-API IOVA). */
#define UM_BASE UINT64_C(0x10000000)
#define UM_GROUP_SPAN UINT64_C(0x01000000)
#define UM_END (UM_BASE + NR_GRP * UM_GROUP_SPAN)
#define UM_PAGES 16u
#define PRINT_MAX 8u

enum st_kind { SK_PAGE, SK_SINGLE, SK_SG, SK_BIG_SG, SK_BLOCK, SK_NR };
static const char *const kind_name[SK_NR] = {
	"page", "single", "sg", "big_sg", "block",
};

struct st_grp {
	const char *name;
	unsigned lead;		/* a device of the group */
	bool switchable;
	struct smmukit_domain *um;	/* its user domain */
	/*
	 * The caller's side of the contract: every DMA-API call on the group
	 * holds it shared; a rebuild or an attach holds it exclusively.
	 */
	pthread_rwlock_t gate;
	/* Test-side count of the group's live mappings, changed under gate
	 * (shared): how the admin knows a drain is over. */
	_Atomic uint64_t live_n;
	_Atomic bool drain;	/* the admin wants it idle: map elsewhere */
	/* Stale unmapped accesses may happen now (DMA-FQ now or since). */
	_Atomic bool lazy_ok;
	_Atomic bool attached;	/* admin only */
	/*
	 * A call that rewrites the group's stream table entries (a rebuild,
	 * attach, detach) is running: until it returns, a device may still
	 * use the old configuration, as during an unmap (not stale).
	 */
	_Atomic bool switching;
	_Atomic uint64_t stale_unmapped, stale_reused, stale_switch;
	smmukit_phys_t um_pa;	/* the admin's buffer for user sessions */
	struct smmukit_dma_pages um_buf;
};

struct st_dev {
	const char *name;
	uint32_t sid;
	bool untrusted;
	unsigned grp;
	unsigned group_id;
	struct smmukit_device *dev;
};

struct st_map {
	bool used, ident, bounced;
	unsigned dev;
	enum st_kind kind;
	enum smmukit_dma_dir dir;
	uint64_t addr, size;
	uint64_t check_addr;	/* where the device checks the mapping */
	smmukit_phys_t want;	/* and what it must reach there */
	uint64_t span_iova, span_len;
	struct smmukit_dma_sg *sg;
	unsigned nents;
};

struct st;

struct st_worker {
	struct st *r;
	unsigned id;
	pthread_t thread;
	uint64_t rng;
	uint64_t quota;
	struct smmukit_dma_pages slot[NR_DEV][WINDOW];
	struct smmukit_dma_pages big[NR_DEV];
	struct st_map live[WINDOW];
	unsigned nr_live;
	/* For the rogue device; tag: device index + 1. */
	struct inv_pub pub_live[WINDOW];
	struct inv_pub pub_dead[HIST];
	_Atomic uint64_t dead_pos;
};

struct st {
	uint64_t seed, ops;
	struct smmukit_platform *p;
	struct smmukit_model *m;
	struct smmukit_smmu *s;
	struct smmukit_iommu *core;
	struct smmukit_dma *dma;
	struct smmukit_iommu_options opts;
	uint64_t base_pages, base_zbytes;
	struct st_dev dev[NR_DEV];
	struct st_grp grp[NR_GRP];
	struct st_worker w[NR_WORKERS];
	pthread_t admin, rogue;
	uint64_t admin_rng;
	_Atomic unsigned workers_left;
	_Atomic bool rogue_stop;
	/* Under TSan: maps and configuration changes shared, each rogue
	 * access exclusive (see inv_stress.h on why). */
	pthread_rwlock_t maplock;
	uint64_t pending_bound;

	/* Figures. */
	_Atomic uint64_t ops_done, maps[SK_NR], ident_maps, bounced_maps,
		unmaps, flushes, map_busy, map_nodev, flush_busy, flush_nodev,
		rechecks, drain_waits, drain_idle;
	_Atomic uint64_t sw_ok, sw_upgrade, sw_busy, sw_perm, sw_same,
		att_ok, att_busy, det_ok, um_sessions, um_pages,
		admin_flushes, admin_ops, pending_max, events;
	_Atomic uint64_t rogue_n, rogue_ok, stale_switch_reused;
	_Atomic uint64_t sw_to[4];	/* DMA, DMA-FQ, identity, blocked */
	/* Violations. */
	_Atomic uint64_t v_stale, v_free, v_wrong_pa, v_errors, v_type,
		v_pending;
	_Atomic unsigned printed;
	double seconds;
};

static void st_violation(struct st *r, _Atomic uint64_t *ctr, const char *fmt, ...)
{
	va_list ap;

	atomic_fetch_add(ctr, 1);
	if (atomic_fetch_add(&r->printed, 1) >= PRINT_MAX)
		return;
	fprintf(stderr, "stack_threads: VIOLATION: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void tsan_map_lock(struct st *r)
{
	if (INV_TSAN)
		pthread_rwlock_rdlock(&r->maplock);
}

static void tsan_map_unlock(struct st *r)
{
	if (INV_TSAN)
		pthread_rwlock_unlock(&r->maplock);
}

static enum smmukit_domain_type grp_type(struct st *r, unsigned g)
{
	return smmukit_domain_get_type(
		smmukit_device_default_domain(r->dev[r->grp[g].lead].dev));
}

/* ---- the model's view ---- */

static int grp_of_sid(struct st *r, uint32_t sid)
{
	for (unsigned i = 0; i < NR_DEV; i++)
		if (r->dev[i].sid == sid)
			return (int)r->dev[i].grp;
	return -1;
}

/* Runs under the model lock: atomics and stderr only. */
static void st_trace(void *arg, const struct smmukit_model_trace_rec *t)
{
	struct st *r = arg;
	int g;
	bool reused, user;

	if (t->kind == SMMUKIT_MODEL_TRACE_VIOLATION) {
		st_violation(r, &r->v_free, "model: %s at pa 0x%llx (%u references)",
			     t->why ? t->why : "?", (unsigned long long)t->addr,
			     t->code);
		return;
	}
	if (t->kind != SMMUKIT_MODEL_TRACE_STALE)
		return;
	g = grp_of_sid(r, t->sid);
	if (g < 0) {
		st_violation(r, &r->v_errors, "stale access by unknown sid %u", t->sid);
		return;
	}
	reused = t->code != 0;
	user = t->addr >= UM_BASE && t->addr < UM_END;
	if (atomic_load(&r->grp[g].switching)) {
		atomic_fetch_add(&r->grp[g].stale_switch, 1);
		atomic_fetch_add(&r->stale_switch_reused, reused);
		return;
	}
	atomic_fetch_add(reused ? &r->grp[g].stale_reused :
			 &r->grp[g].stale_unmapped, 1);
	if (reused || user || !atomic_load(&r->grp[g].lazy_ok))
		st_violation(r, &r->v_stale,
			     "%s stale access (%s) by sid %u (%s, %s) at iova 0x%llx: old pa 0x%llx, tables give 0x%llx",
			     reused ? "stale_reused" : "stale_unmapped",
			     t->rnw ? "read" : "write", t->sid, r->grp[g].name,
			     user ? "user domain" :
			     atomic_load(&r->grp[g].lazy_ok) ? "lazy" : "strict",
			     (unsigned long long)t->addr,
			     (unsigned long long)t->pa,
			     (unsigned long long)t->new_pa);
}

/*
 * Which stream uses dom: a group's default domain (stable during any
 * unmap: rebuilds exclude DMA-API calls) or its user domain.
 */
static int sid_of_dom(struct st *r, const struct smmukit_domain *dom)
{
	for (unsigned i = 0; i < NR_DEV; i++)
		if (smmukit_device_default_domain(r->dev[i].dev) == dom ||
		    r->grp[r->dev[i].grp].um == dom)
			return (int)r->dev[i].sid;
	return -1;
}

static void st_unmap_begin(void *arg, struct smmukit_domain *dom,
			   uint64_t iova, uint64_t size)
{
	struct st *r = arg;
	int sid = sid_of_dom(r, dom);
	int ret;

	if (sid < 0) {
		st_violation(r, &r->v_errors, "unmap in an unknown domain at 0x%llx",
			     (unsigned long long)iova);
		return;
	}
	ret = smmukit_model_unmap_begin(r->m, (uint32_t)sid, iova, size);
	if (ret)
		st_violation(r, &r->v_errors, "model_unmap_begin(sid %d, 0x%llx): %d",
			     sid, (unsigned long long)iova, ret);
}

static void st_unmap_end(void *arg, struct smmukit_domain *dom,
			 uint64_t iova, uint64_t size)
{
	struct st *r = arg;
	int sid = sid_of_dom(r, dom);
	int ret;

	if (sid < 0)
		return;
	ret = smmukit_model_unmap_end(r->m, (uint32_t)sid, iova, size);
	if (ret)
		st_violation(r, &r->v_errors, "model_unmap_end(sid %d, 0x%llx): %d",
			     sid, (unsigned long long)iova, ret);
}

static void st_event(void *arg, const struct smmukit_smmu_event *ev)
{
	struct st *r = arg;

	(void)ev;
	atomic_fetch_add_explicit(&r->events, 1, memory_order_relaxed);
}

/*
 * One device access of n bytes at addr, in the mapping's direction; it
 * must succeed and reach want.
 */
static void st_access(struct st *r, uint64_t *rng, unsigned d,
		      enum smmukit_dma_dir dir, uint64_t addr, uint64_t room,
		      smmukit_phys_t want, const char *when)
{
	struct smmukit_model_dma_result res;
	unsigned char buf[ROGUE_MAX];
	uint64_t n = 1 + inv_rnd(rng) % (room < sizeof(buf) ? room : sizeof(buf));
	bool wr = dir == SMMUKIT_DMA_FROM_DEVICE ||
		  (dir == SMMUKIT_DMA_BIDIRECTIONAL && (inv_rnd(rng) & 1));
	int ret;

	if (wr)
		memset(buf, 0xa5, sizeof(buf));
	ret = smmukit_model_dma(r->m, r->dev[d].sid, SMMUKIT_MODEL_NO_SSID,
				addr, n, wr, buf, &res);
	if (ret != 0 || res.pa != want)
		st_violation(r, &r->v_wrong_pa,
			     "%s: device %s of %llu bytes at 0x%llx %s: ret %d event 0x%x pa 0x%llx, want 0x%llx (domain %s)",
			     r->dev[d].name, wr ? "write" : "read",
			     (unsigned long long)n, (unsigned long long)addr, when,
			     ret, res.event, (unsigned long long)res.pa,
			     (unsigned long long)want,
			     smmukit_domain_type_name(grp_type(r, r->dev[d].grp)));
}

/* ---- a worker ---- */

static uint64_t span_of(uint64_t pa, uint64_t len)
{
	return smmukit_align_up((pa & 4095) + len, 4096);
}

static bool needs_bounce(const struct st_dev *sd, bool ident, uint64_t pa,
			 uint64_t len)
{
	return sd->untrusted && !ident && ((pa | len) & 4095) != 0;
}

/* What the device must reach at addr for the buffer at pa. */
static int want_pa(struct st *r, const struct st_dev *sd, bool bounced,
		   uint64_t addr, smmukit_phys_t pa, smmukit_phys_t *want)
{
	*want = pa;
	if (!bounced)
		return 0;
	return smmukit_iommu_iova_to_phys(smmukit_device_default_domain(sd->dev),
					  addr, want);
}

/* The map call itself; 0, or the (documented) error. */
static int st_map_call(struct st *r, struct st_worker *w, unsigned slot,
		       struct st_map *mp, uint64_t *rng)
{
	struct st_dev *sd = &r->dev[mp->dev];
	struct smmukit_dma_pages *buf = &w->slot[mp->dev][slot];
	struct smmukit_dma_pages *big = &w->big[mp->dev];
	int ret;

	switch (mp->kind) {
	case SK_PAGE:
	case SK_SINGLE: {
		uint64_t len = inv_size(rng, 65536);
		uint64_t off = (inv_rnd(rng) & 1) ? (inv_rnd(rng) % 16) * 4096 :
			       inv_rnd(rng) % 65536;
		smmukit_phys_t pa;

		if (off > SLOT_BYTES - len)
			off = SLOT_BYTES - len;
		pa = buf->pa + off;
		mp->size = len;
		if (mp->kind == SK_PAGE)
			ret = smmukit_dma_map_page(sd->dev, pa, len, mp->dir, &mp->addr);
		else
			ret = smmukit_dma_map_single(sd->dev, (unsigned char *)buf->cpu + off,
						     len, mp->dir, &mp->addr);
		if (ret)
			return ret;
		mp->bounced = needs_bounce(sd, mp->ident, pa, len);
		mp->span_iova = mp->addr & ~UINT64_C(4095);
		mp->span_len = mp->bounced ? smmukit_align_up(len, 4096) : span_of(pa, len);
		mp->check_addr = mp->addr;
		ret = want_pa(r, sd, mp->bounced, mp->addr, pa, &mp->want);
		if (ret)
			return ret;
		st_access(r, rng, mp->dev, mp->dir, mp->addr, len, mp->want, "after map");
		return 0;
	}
	case SK_SG:
	case SK_BIG_SG: {
		uint64_t total = 0, region = mp->kind == SK_SG ? SLOT_BYTES : BIG_BYTES;
		smmukit_phys_t base = mp->kind == SK_SG ? buf->pa : big->pa;
		unsigned n = 0, want = 1 + (unsigned)(inv_rnd(rng) % 8), i;

		for (;;) {
			uint64_t len = inv_size(rng, mp->kind == SK_SG ? 16384 : 65536);
			uint64_t off = inv_rnd(rng) % (region - len);

			mp->sg[n].pa = base + off;
			mp->sg[n].len = len;
			total += span_of(base + off, len);
			n++;
			if (mp->kind == SK_SG ? n == want : total >= SZ_2M)
				break;
		}
		mp->nents = n;
		ret = smmukit_dma_map_sg(sd->dev, mp->sg, n, mp->dir);
		if (ret < 0)
			return ret;
		if (ret != (int)n) {
			st_violation(r, &r->v_errors, "%s: map_sg returned %d for %u segments",
				     sd->name, ret, n);
			return 0;
		}
		mp->addr = mp->sg[0].dma_addr;
		mp->span_iova = mp->addr & ~UINT64_C(4095);
		mp->span_len = smmukit_align_up(mp->sg[n - 1].dma_addr + mp->sg[n - 1].len,
						4096) - mp->span_iova;
		for (unsigned k = 0; k < (mp->kind == SK_SG ? 1u : 3u); k++) {
			smmukit_phys_t wpa;
			bool b;

			i = (unsigned)(inv_rnd(rng) % n);
			b = needs_bounce(sd, mp->ident, mp->sg[i].pa, mp->sg[i].len);
			if (want_pa(r, sd, b, mp->sg[i].dma_addr, mp->sg[i].pa, &wpa))
				return -SMMUKIT_ENOENT;
			st_access(r, rng, mp->dev, mp->dir, mp->sg[i].dma_addr,
				  mp->sg[i].len, wpa, "after map_sg");
			mp->check_addr = mp->sg[i].dma_addr;
			mp->want = wpa;
		}
		return 0;
	}
	default: {	/* SK_BLOCK: 2 MiB, a block (or with an offset, more) */
		uint64_t off = (inv_rnd(rng) % 3 == 0) ? 1 + inv_rnd(rng) % 4095 :
			       (inv_rnd(rng) & 1) * SZ_2M;
		smmukit_phys_t pa = big->pa + off;

		mp->size = SZ_2M;
		ret = smmukit_dma_map_page(sd->dev, pa, SZ_2M, mp->dir, &mp->addr);
		if (ret)
			return ret;
		mp->bounced = needs_bounce(sd, mp->ident, pa, SZ_2M);
		mp->span_iova = mp->addr & ~UINT64_C(4095);
		mp->span_len = mp->bounced ? SZ_2M : span_of(pa, SZ_2M);
		off = inv_rnd(rng) % SZ_2M;
		mp->check_addr = mp->addr + off;
		ret = want_pa(r, sd, mp->bounced, mp->check_addr, pa + off, &mp->want);
		if (ret)
			return ret;
		st_access(r, rng, mp->dev, mp->dir, mp->check_addr, SZ_2M - off,
			  mp->want, "after map (block)");
		return 0;
	}
	}
}

static void publish(struct inv_pub *p, uint64_t iova, uint64_t len, unsigned dev)
{
	atomic_store(&p->len, len);
	atomic_store(&p->tagged, (iova & ~UINT64_C(4095)) | (dev + 1));
}

static void st_do_map(struct st *r, struct st_worker *w)
{
	uint64_t *rng = &w->rng;
	unsigned slot = 0, d = (unsigned)(inv_rnd(rng) % NR_DEV), tries;
	struct st_map *mp;
	struct st_grp *g;
	enum smmukit_domain_type type;
	int ret;

	for (tries = 0; tries < NR_DEV; tries++, d = (d + 1) % NR_DEV)
		if (!atomic_load(&r->grp[r->dev[d].grp].drain))
			break;
	if (tries == NR_DEV)
		return;
	while (w->live[slot].used)
		slot++;
	mp = &w->live[slot];
	mp->dev = d;
	mp->dir = (enum smmukit_dma_dir)(inv_rnd(rng) % 3);
	mp->bounced = false;
	if (inv_rnd(rng) % 1000 < BIG_PER_MILLE)
		mp->kind = (inv_rnd(rng) & 1) ? SK_BIG_SG : SK_BLOCK;
	else
		mp->kind = (enum st_kind)(inv_rnd(rng) % 3);
	g = &r->grp[r->dev[d].grp];
	pthread_rwlock_rdlock(&g->gate);
	type = grp_type(r, r->dev[d].grp);
	mp->ident = type == SMMUKIT_DOMAIN_IDENTITY;
	tsan_map_lock(r);
	ret = st_map_call(r, w, slot, mp, rng);
	tsan_map_unlock(r);
	if (ret == 0)
		atomic_fetch_add(&g->live_n, 1);
	pthread_rwlock_unlock(&g->gate);
	if (ret == -SMMUKIT_EBUSY) {
		/* Documented: a user domain owns the group. */
		atomic_fetch_add(&r->map_busy, 1);
		return;
	}
	if (ret == -SMMUKIT_ENODEV && type == SMMUKIT_DOMAIN_BLOCKED) {
		atomic_fetch_add(&r->map_nodev, 1);
		return;
	}
	if (ret) {
		st_violation(r, &r->v_errors, "%s: map (%s, %s domain) failed: %d (%s)",
			     r->dev[d].name, kind_name[mp->kind],
			     smmukit_domain_type_name(type), ret, smmukit_errname(ret));
		return;
	}
	if (!mp->ident && mp->span_iova < UM_END)
		st_violation(r, &r->v_errors, "%s: DMA address 0x%llx in the user window",
			     r->dev[d].name, (unsigned long long)mp->addr);
	mp->used = true;
	w->nr_live++;
	atomic_fetch_add(&r->maps[mp->kind], 1);
	if (mp->ident)
		atomic_fetch_add(&r->ident_maps, 1);
	if (mp->bounced)
		atomic_fetch_add(&r->bounced_maps, 1);
	publish(&w->pub_live[slot], mp->span_iova, mp->span_len, d);
}

static void st_do_unmap(struct st *r, struct st_worker *w, bool any)
{
	uint64_t *rng = &w->rng;
	unsigned k = (unsigned)(inv_rnd(rng) % w->nr_live), slot;
	struct st_map *mp;
	struct st_dev *sd;
	struct st_grp *g;
	int ret;

	for (slot = 0;; slot++)
		if (w->live[slot].used && k-- == 0)
			break;
	/* A group the admin wants idle goes first. */
	for (unsigned i = 0; !any && i < WINDOW; i++)
		if (w->live[i].used &&
		    atomic_load(&r->grp[r->dev[w->live[i].dev].grp].drain)) {
			slot = i;
			break;
		}
	mp = &w->live[slot];
	sd = &r->dev[mp->dev];
	g = &r->grp[sd->grp];
	/* Still reaches its buffer, whatever the admin did meanwhile. */
	st_access(r, rng, mp->dev, mp->dir, mp->check_addr, 1, mp->want,
		  "before unmap");
	atomic_fetch_add(&r->rechecks, 1);
	pthread_rwlock_rdlock(&g->gate);
	switch (mp->kind) {
	case SK_PAGE:
	case SK_BLOCK:
		ret = smmukit_dma_unmap_page(sd->dev, mp->addr, mp->size, mp->dir);
		break;
	case SK_SINGLE:
		ret = smmukit_dma_unmap_single(sd->dev, mp->addr, mp->size, mp->dir);
		break;
	default:
		ret = smmukit_dma_unmap_sg(sd->dev, mp->sg, mp->nents, mp->dir);
		break;
	}
	atomic_store(&w->pub_live[slot].tagged, 0);
	atomic_fetch_sub(&g->live_n, 1);
	pthread_rwlock_unlock(&g->gate);
	if (ret)
		st_violation(r, &r->v_errors, "%s: unmap of 0x%llx (%s%s) failed: %d (%s)",
			     sd->name, (unsigned long long)mp->addr,
			     kind_name[mp->kind], mp->ident ? ", identity" : "",
			     ret, smmukit_errname(ret));
	{
		uint64_t pos = atomic_load(&w->dead_pos);

		publish(&w->pub_dead[pos % HIST], mp->span_iova, mp->span_len,
			mp->dev);
		atomic_store(&w->dead_pos, pos + 1);
	}
	mp->used = false;
	w->nr_live--;
	atomic_fetch_add(&r->unmaps, 1);
}

static void st_do_flush(struct st *r, uint64_t *rng, _Atomic uint64_t *ctr)
{
	unsigned d = (unsigned)(inv_rnd(rng) % NR_DEV);
	struct st_grp *g = &r->grp[r->dev[d].grp];
	enum smmukit_domain_type type;
	int ret;

	pthread_rwlock_rdlock(&g->gate);
	type = grp_type(r, r->dev[d].grp);
	ret = smmukit_dma_flush(r->dev[d].dev);
	pthread_rwlock_unlock(&g->gate);
	if (ret == -SMMUKIT_EBUSY)
		atomic_fetch_add(&r->flush_busy, 1);
	else if (ret == -SMMUKIT_ENODEV && type == SMMUKIT_DOMAIN_BLOCKED)
		atomic_fetch_add(&r->flush_nodev, 1);
	else if (ret)
		st_violation(r, &r->v_errors, "%s: dma_flush: %d (%s)",
			     r->dev[d].name, ret, smmukit_errname(ret));
	else
		atomic_fetch_add(ctr, 1);
}

/* Does the worker hold a mapping on a group the admin wants idle? */
static bool holds_drained(struct st *r, struct st_worker *w)
{
	for (unsigned i = 0; i < WINDOW; i++)
		if (w->live[i].used &&
		    atomic_load_explicit(&r->grp[r->dev[w->live[i].dev].grp].drain,
					 memory_order_relaxed))
			return true;
	return false;
}

static void *st_worker_fn(void *arg)
{
	struct st_worker *w = arg;
	struct st *r = w->r;

	smmukit_posix_set_cpu(r->p, w->id);
	for (uint64_t done = 0; done < w->quota; done++) {
		unsigned x = (unsigned)(inv_rnd(&w->rng) % 100);

		if (w->nr_live == WINDOW || (w->nr_live && x < 45) ||
		    holds_drained(r, w))
			st_do_unmap(r, w, false);
		else if (x >= 45 && x < 47)
			st_do_flush(r, &w->rng, &r->flushes);
		else
			st_do_map(r, w);
		atomic_fetch_add_explicit(&r->ops_done, 1, memory_order_relaxed);
	}
	while (w->nr_live)
		st_do_unmap(r, w, true);
	atomic_fetch_sub(&r->workers_left, 1);
	return NULL;
}

/* ---- the admin ---- */

/*
 * Waits sleep rather than yield: on an oversubscribed machine a thread
 * that yields comes back only after everyone's time slice, one that
 * sleeps is woken ahead of them.
 */
static void nap(void)
{
	struct timespec ts = { 0, 20000 };

	nanosleep(&ts, NULL);
}

static bool workers_running(struct st *r)
{
	return atomic_load(&r->workers_left) != 0;
}

/* Ask the workers to leave group g alone; wait (bounded) until it is. */
static void admin_drain(struct st *r, unsigned g)
{
	uint64_t until = atomic_load(&r->ops_done) + 512;

	atomic_store(&r->grp[g].drain, true);
	atomic_fetch_add(&r->drain_waits, 1);
	while (atomic_load(&r->grp[g].live_n) && workers_running(r) &&
	       atomic_load(&r->ops_done) < until)
		nap();
	atomic_fetch_add(&r->drain_idle, atomic_load(&r->grp[g].live_n) == 0);
}

static const enum smmukit_domain_type sw_types[4] = {
	SMMUKIT_DOMAIN_DMA, SMMUKIT_DOMAIN_DMA_FQ, SMMUKIT_DOMAIN_IDENTITY,
	SMMUKIT_DOMAIN_BLOCKED,
};

/* What the policy makes of a request for group g. */
static enum smmukit_domain_type policy_want(struct st *r, unsigned g,
					    enum smmukit_domain_type want)
{
	bool untrusted = false;

	for (unsigned i = 0; i < NR_DEV; i++)
		untrusted |= r->dev[i].grp == g && r->dev[i].untrusted;
	if (untrusted && (want == SMMUKIT_DOMAIN_IDENTITY ||
			  want == SMMUKIT_DOMAIN_DMA_FQ))
		return SMMUKIT_DOMAIN_DMA;
	return want;
}

static void admin_switch(struct st *r, unsigned g, bool polite)
{
	struct st_grp *gp = &r->grp[g];
	struct smmukit_device *dev = r->dev[gp->lead].dev;
	unsigned ti = (unsigned)(inv_rnd(&r->admin_rng) % 100);
	enum smmukit_domain_type want, cur = grp_type(r, g), got;
	bool old_lazy = atomic_load(&gp->lazy_ok), live;
	int ret;

	ti = ti < 4 ? 3 : ti % 3;
	want = sw_types[ti];
	live = cur == SMMUKIT_DOMAIN_DMA && want == SMMUKIT_DOMAIN_DMA_FQ;
	if (want == SMMUKIT_DOMAIN_DMA_FQ)
		atomic_store(&gp->lazy_ok, true);
	if (live) {
		/* The one change the API allows under traffic. */
		tsan_map_lock(r);
		ret = smmukit_iommu_set_default_domain_type(dev, want);
		tsan_map_unlock(r);
	} else {
		if (polite)
			admin_drain(r, g);
		pthread_rwlock_wrlock(&gp->gate);
		tsan_map_lock(r);
		atomic_store(&gp->switching, true);
		ret = smmukit_iommu_set_default_domain_type(dev, want);
		atomic_store(&gp->switching, false);
		tsan_map_unlock(r);
		got = grp_type(r, g);
		if (ret == 0 && !smmukit_domain_type_is_lazy(got))
			atomic_store(&gp->lazy_ok, false);
		pthread_rwlock_unlock(&gp->gate);
		atomic_store(&gp->drain, false);
	}
	got = grp_type(r, g);
	if (ret == 0) {
		enum smmukit_domain_type exp = policy_want(r, g, want);

		if (got != exp)
			st_violation(r, &r->v_type, "%s: asked %s, the policy says %s, got %s",
				     gp->name, smmukit_domain_type_name(want),
				     smmukit_domain_type_name(exp),
				     smmukit_domain_type_name(got));
		if (got == cur)
			atomic_fetch_add(&r->sw_same, 1);
		else if (live)
			atomic_fetch_add(&r->sw_upgrade, 1);
		else
			atomic_fetch_add(&r->sw_ok, 1);
		atomic_fetch_add(&r->sw_to[ti], got != cur);
		return;
	}
	atomic_store(&gp->lazy_ok, old_lazy || smmukit_domain_type_is_lazy(got));
	if (ret == -SMMUKIT_EBUSY && !live)
		atomic_fetch_add(&r->sw_busy, 1);
	else if (ret == -SMMUKIT_EPERM && want == SMMUKIT_DOMAIN_DMA_FQ &&
		 policy_want(r, g, want) != want)
		atomic_fetch_add(&r->sw_perm, 1);
	else
		st_violation(r, &r->v_errors, "%s: %s -> %s: %d (%s)", gp->name,
			     smmukit_domain_type_name(cur),
			     smmukit_domain_type_name(want), ret, smmukit_errname(ret));
}

/*
 * A user (VFIO-like) session on an attached group: map, every device of
 * the group reaches the pages, strict unmap, then the access must fault.
 */
static void admin_user_session(struct st *r, unsigned g)
{
	struct st_grp *gp = &r->grp[g];
	uint64_t *rng = &r->admin_rng;
	uint64_t pages = 1 + inv_rnd(rng) % UM_PAGES;
	uint64_t iova = UM_BASE + g * UM_GROUP_SPAN +
			(inv_rnd(rng) % 64) * UM_PAGES * 4096;
	int64_t n;
	int ret;

	tsan_map_lock(r);
	ret = smmukit_iommu_map(gp->um, iova, gp->um_pa, pages * 4096,
				SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE);
	tsan_map_unlock(r);
	if (ret) {
		st_violation(r, &r->v_errors, "%s: user map at 0x%llx: %d (%s)",
			     gp->name, (unsigned long long)iova, ret,
			     smmukit_errname(ret));
		return;
	}
	for (unsigned i = 0; i < NR_DEV; i++) {
		uint64_t off;

		if (r->dev[i].grp != g)
			continue;
		off = inv_rnd(rng) % (pages * 4096);
		st_access(r, rng, i, SMMUKIT_DMA_BIDIRECTIONAL, iova + off,
			  pages * 4096 - off, gp->um_pa + off, "in the user domain");
	}
	n = smmukit_iommu_unmap(gp->um, iova, pages * 4096);
	if (n != (int64_t)(pages * 4096)) {
		st_violation(r, &r->v_errors, "%s: user unmap of 0x%llx: %lld",
			     gp->name, (unsigned long long)iova, (long long)n);
		return;
	}
	for (unsigned i = 0; i < NR_DEV; i++) {
		unsigned char b = 0;

		if (r->dev[i].grp == g &&
		    smmukit_model_dma(r->m, r->dev[i].sid, SMMUKIT_MODEL_NO_SSID,
				      iova + inv_rnd(rng) % (pages * 4096), 1,
				      false, &b, NULL) <= 0)
			st_violation(r, &r->v_stale,
				     "%s: user domain page reachable after its strict unmap",
				     r->dev[i].name);
	}
	atomic_fetch_add(&r->um_sessions, 1);
	atomic_fetch_add(&r->um_pages, pages);
}

static void admin_detach(struct st *r, unsigned g)
{
	struct st_grp *gp = &r->grp[g];
	int ret;

	/* Detach races the group's DMA-API calls: they see -EBUSY until the
	 * default domain is back, then map through it. */
	tsan_map_lock(r);
	atomic_store(&gp->switching, true);
	ret = smmukit_iommu_detach_group(gp->um, r->dev[gp->lead].dev);
	atomic_store(&gp->switching, false);
	tsan_map_unlock(r);
	if (ret)
		st_violation(r, &r->v_errors, "%s: detach: %d (%s)", gp->name, ret,
			     smmukit_errname(ret));
	else
		atomic_fetch_add(&r->det_ok, 1);
	atomic_store(&gp->attached, false);
}

static void admin_attach(struct st *r, unsigned g, bool polite)
{
	struct st_grp *gp = &r->grp[g];
	int ret;

	if (polite)
		admin_drain(r, g);
	pthread_rwlock_wrlock(&gp->gate);
	tsan_map_lock(r);
	atomic_store(&gp->switching, true);
	ret = smmukit_iommu_attach_group(gp->um, r->dev[gp->lead].dev);
	atomic_store(&gp->switching, false);
	tsan_map_unlock(r);
	if (ret == 0)
		atomic_store(&gp->attached, true);
	pthread_rwlock_unlock(&gp->gate);
	atomic_store(&gp->drain, false);
	if (ret == 0) {
		/* The group's DMA-API calls get -EBUSY meanwhile. */
		atomic_fetch_add(&r->att_ok, 1);
		for (uint64_t k = 1 + inv_rnd(&r->admin_rng) % 3; k; k--) {
			admin_user_session(r, g);
			nap();
		}
		admin_detach(r, g);
	} else if (ret == -SMMUKIT_EBUSY)
		atomic_fetch_add(&r->att_busy, 1);
	else
		st_violation(r, &r->v_errors, "%s: attach: %d (%s)", gp->name, ret,
			     smmukit_errname(ret));
}

static void admin_check_pending(struct st *r)
{
	struct smmukit_dma_stats ds;

	if (smmukit_dma_get_stats(r->dma, &ds)) {
		st_violation(r, &r->v_errors, "dma_get_stats failed");
		return;
	}
	atomic_max_u64(&r->pending_max, ds.fq_pending);
	if (ds.fq_pending > r->pending_bound)
		st_violation(r, &r->v_pending, "%llu flush-queue entries waiting, bound %llu",
			     (unsigned long long)ds.fq_pending,
			     (unsigned long long)r->pending_bound);
}

static void *st_admin_fn(void *arg)
{
	struct st *r = arg;
	uint64_t n = 0;

	smmukit_posix_set_cpu(r->p, ADMIN_CPU);
	while (workers_running(r)) {
		unsigned g = (unsigned)(inv_rnd(&r->admin_rng) % NR_GRP);
		unsigned x = (unsigned)(inv_rnd(&r->admin_rng) % 10);
		bool polite = inv_rnd(&r->admin_rng) & 1;

		if (n * ADMIN_EVERY > atomic_load(&r->ops_done)) {
			nap();
			continue;
		}
		n++;
		if (x < 4 && r->grp[g].switchable)
			admin_switch(r, g, polite);
		else if (x < 7)
			admin_attach(r, g, polite);
		else if (x < 9)
			st_do_flush(r, &r->admin_rng, &r->admin_flushes);
		else
			admin_check_pending(r);
		atomic_fetch_add(&r->admin_ops, 1);
	}
	for (unsigned g = 0; g < NR_GRP; g++)
		if (atomic_load(&r->grp[g].attached))
			admin_detach(r, g);
	return NULL;
}

/* ---- the rogue device ---- */

static void *st_rogue_fn(void *arg)
{
	struct st *r = arg;
	uint64_t s = r->seed ^ 0x5eedf00dull, n = 0;
	unsigned char buf[ROGUE_MAX];

	memset(buf, 0xee, sizeof(buf));
	while (!atomic_load(&r->rogue_stop)) {
		struct st_worker *w = &r->w[inv_rnd(&s) % NR_WORKERS];
		struct inv_pub *pub;
		uint64_t tagged, len;
		unsigned d;
		int ret;

		if (n > ROGUE_PER_OP * atomic_load_explicit(&r->ops_done,
							    memory_order_relaxed) + 4096) {
			nap();
			continue;
		}
		pub = inv_rogue_pick(&s, w->pub_live, WINDOW, w->pub_dead,
				     &w->dead_pos, HIST, 10);
		if (!pub)
			continue;
		tagged = atomic_load(&pub->tagged);
		len = atomic_load(&pub->len);
		d = (unsigned)(tagged & 4095);
		if (!tagged || !len || d == 0 || d > NR_DEV)
			continue;
		ret = inv_rogue_access(r->m, &r->maplock, r->dev[d - 1].sid,
				       tagged & ~UINT64_C(4095), len, &s, buf,
				       sizeof(buf), NULL);
		if (ret < 0)
			st_violation(r, &r->v_errors, "rogue dma: %d", ret);
		else if (ret == 0)
			atomic_fetch_add_explicit(&r->rogue_ok, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&r->rogue_n, 1, memory_order_relaxed);
		if ((++n & 31) == 0)
			smmukit_smmu_handle_evtq_irq(r->s);
	}
	return NULL;
}

/* ---- setup, run, report, teardown ---- */

static void st_setup(struct st *r)
{
	static const struct {
		const char *name;
		bool untrusted;
		unsigned grp, group_id;
	} devs[NR_DEV] = {
		{ "fq0", false, 0, 0 },
		{ "fq1", false, 1, 0 },
		{ "grp_a", false, 2, 7 },
		{ "grp_b", false, 2, 7 },
		{ "strict0", false, 3, 0 },
		{ "untr0", true, 4, 0 },
	};
	static const char *const gnames[NR_GRP] = {
		"fq0", "fq1", "grp_ab", "strict0", "untr0",
	};
	struct smmukit_posix_config pc = {
		.nr_cpus = NR_CPUS, .mem_size = UINT64_C(512) << 20,
		.log_level = SMMUKIT_LOG_WARN,
	};
	struct smmukit_model_config mc;
	struct smmukit_unmap_observer obs = {
		.unmap_begin = st_unmap_begin, .unmap_end = st_unmap_end,
	};
	struct smmukit_posix_stats ps;
	pthread_rwlockattr_t ra;

	memset(r, 0, sizeof(*r));
	r->ops = inv_env_u64("SMMUKIT_STRESS_OPS", INV_DEFAULT_OPS);
	r->seed = inv_env_u64("SMMUKIT_SEED", (uint64_t)time(NULL) ^
			      ((uint64_t)clock() << 20));
	r->admin_rng = r->seed ^ 0xad417ull;
	assert_int_equal(smmukit_posix_create(&pc, &r->p), 0);
	inv_model_config(&mc);
	assert_int_equal(smmukit_model_create(r->p, &mc, NULL, &r->m), 0);
	smmukit_model_set_trace(r->m, SMMUKIT_MODEL_TRACE_STALE |
				SMMUKIT_MODEL_TRACE_VIOLATION, st_trace, r);
	smmukit_posix_get_stats(r->p, &ps);
	r->base_pages = ps.pages_in_use;
	r->base_zbytes = ps.zallocs_in_use;

	r->s = inv_smmu_probe(r->p, r->m, st_event, r);
	smmukit_iommu_options_default(&r->opts);
	r->opts.strict = false;
	r->opts.strict_given = true;
	obs.arg = r;
	inv_core_up(r->p, r->s, &r->opts, &obs, &r->core, &r->dma);

	pthread_rwlockattr_init(&ra);
	/* Writers first: the admin and the rogue must not starve. */
	pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	assert_int_equal(pthread_rwlock_init(&r->maplock, &ra), 0);
	for (unsigned g = 0; g < NR_GRP; g++) {
		struct st_grp *gp = &r->grp[g];

		gp->name = gnames[g];
		gp->switchable = g != 3;
		assert_int_equal(pthread_rwlock_init(&gp->gate, &ra), 0);
		assert_int_equal(smmukit_iommu_domain_alloc(r->core, SMMUKIT_DOMAIN_UNMANAGED,
							    &gp->um), 0);
		assert_int_equal(smmukit_plat_alloc_pages(r->p, 6, &gp->um_buf), 0);
		gp->um_pa = gp->um_buf.pa;
	}
	pthread_rwlockattr_destroy(&ra);
	for (unsigned i = 0; i < NR_DEV; i++) {
		struct st_dev *sd = &r->dev[i];
		struct smmukit_device_config dc = { 0 };

		sd->name = devs[i].name;
		sd->sid = 0x10 + i;
		sd->untrusted = devs[i].untrusted;
		sd->grp = devs[i].grp;
		sd->group_id = devs[i].group_id;
		dc.name = sd->name;
		dc.sids = &sd->sid;
		dc.nr_sids = 1;
		dc.untrusted = sd->untrusted;
		dc.group_id = sd->group_id;
		assert_int_equal(smmukit_iommu_probe_device(r->core, &dc, &sd->dev), 0);
	}
	for (unsigned g = 0; g < NR_GRP; g++)
		for (unsigned i = NR_DEV; i-- > 0;)
			if (devs[i].grp == g)
				r->grp[g].lead = i;	/* the first of the group */
	/* The strict control. */
	assert_int_equal(smmukit_iommu_set_default_domain_type(r->dev[r->grp[3].lead].dev,
							       SMMUKIT_DOMAIN_DMA), 0);
	for (unsigned g = 0; g < NR_GRP; g++) {
		enum smmukit_domain_type t = grp_type(r, g);

		assert_int_equal(t, g >= 3 ? SMMUKIT_DOMAIN_DMA : SMMUKIT_DOMAIN_DMA_FQ);
		atomic_store(&r->grp[g].lazy_ok, smmukit_domain_type_is_lazy(t));
	}
	/* At most size - 1 entries per ring, a ring per CPU, a queue per group. */
	r->pending_bound = (uint64_t)(smmukit_iommu_options_fq_size(&r->opts) - 1) *
			   NR_CPUS * NR_GRP;
}

static void st_run(struct st *r)
{
	double t0 = inv_now_s();

	atomic_store(&r->workers_left, NR_WORKERS);
	for (unsigned i = 0; i < NR_WORKERS; i++) {
		struct st_worker *w = &r->w[i];

		w->r = r;
		w->id = i;
		w->rng = r->seed + 0x1000003ull * (i + 1);
		w->quota = r->ops / NR_WORKERS + (i < r->ops % NR_WORKERS);
		for (unsigned k = 0; k < WINDOW; k++) {
			w->live[k].sg = calloc(SMMUKIT_DMA_MAX_SG, sizeof(struct smmukit_dma_sg));
			assert_non_null(w->live[k].sg);
		}
		for (unsigned d = 0; d < NR_DEV; d++) {
			for (unsigned k = 0; k < WINDOW; k++)
				assert_int_equal(smmukit_plat_alloc_pages(r->p, SLOT_ORDER,
									  &w->slot[d][k]), 0);
			assert_int_equal(smmukit_plat_alloc_pages(r->p, BIG_ORDER,
								  &w->big[d]), 0);
			assert_true((w->big[d].pa & (BIG_BYTES - 1)) == 0);
		}
	}
	assert_int_equal(pthread_create(&r->rogue, NULL, st_rogue_fn, r), 0);
	assert_int_equal(pthread_create(&r->admin, NULL, st_admin_fn, r), 0);
	for (unsigned i = 0; i < NR_WORKERS; i++)
		assert_int_equal(pthread_create(&r->w[i].thread, NULL, st_worker_fn,
						&r->w[i]), 0);
	for (unsigned i = 0; i < NR_WORKERS; i++)
		pthread_join(r->w[i].thread, NULL);
	pthread_join(r->admin, NULL);
	atomic_store(&r->rogue_stop, true);
	pthread_join(r->rogue, NULL);
	smmukit_smmu_handle_evtq_irq(r->s);
	r->seconds = inv_now_s() - t0;
	/* Everything unmapped: every flush queue must drain. */
	for (unsigned i = 0; i < NR_DEV; i++) {
		int ret = smmukit_dma_flush(r->dev[i].dev);

		assert_true(ret == 0 || (ret == -SMMUKIT_ENODEV &&
					 grp_type(r, r->dev[i].grp) == SMMUKIT_DOMAIN_BLOCKED));
	}
	for (unsigned i = 0; i < NR_WORKERS; i++) {
		struct st_worker *w = &r->w[i];

		for (unsigned k = 0; k < WINDOW; k++)
			free(w->live[k].sg);
		for (unsigned d = 0; d < NR_DEV; d++) {
			for (unsigned k = 0; k < WINDOW; k++)
				smmukit_plat_free_pages(r->p, &w->slot[d][k]);
			smmukit_plat_free_pages(r->p, &w->big[d]);
		}
	}
}

static void st_report(struct st *r)
{
	struct smmukit_model_stats ms;
	struct smmukit_dma_stats ds;
	uint64_t maps = 0, strict_stale = 0, sw_stale = 0, lazy_stale = 0;

	assert_int_equal(smmukit_model_get_stats(r->m, &ms), 0);
	assert_int_equal(smmukit_dma_get_stats(r->dma, &ds), 0);
	for (unsigned k = 0; k < SK_NR; k++)
		maps += r->maps[k];
	for (unsigned g = 3; g < NR_GRP; g++)
		strict_stale += r->grp[g].stale_unmapped + r->grp[g].stale_reused;
	for (unsigned g = 0; g < NR_GRP; g++) {
		sw_stale += r->grp[g].stale_switch;
		lazy_stale += g < 3 ? r->grp[g].stale_unmapped : 0;
	}
	printf("stack_threads: seed=0x%llx ops=%llu threads=%u+admin+rogue time=%.2fs\n"
	       "stack_threads:   maps=%llu (page %llu single %llu sg %llu big_sg %llu block %llu; identity %llu bounced %llu) "
	       "unmaps=%llu flushes=%llu (+admin %llu) rechecks=%llu\n"
	       "stack_threads:   refused: map_busy=%llu map_nodev=%llu flush_busy=%llu flush_nodev=%llu\n"
	       "stack_threads:   admin ops=%llu: switches=%llu (to DMA %llu, DMA-FQ %llu, identity %llu, blocked %llu; live DMA->DMA-FQ %llu) "
	       "same=%llu busy=%llu eperm=%llu attach=%llu attach_busy=%llu detach=%llu user_sessions=%llu (%llu pages) "
	       "drains=%llu (idle %llu)\n"
	       "stack_threads:   rogue=%llu (ok %llu) events=%llu fq_flushes=%llu (timer %llu full %llu) pending_max=%llu/%llu\n"
	       "stack_threads:   stale_unmapped=%llu (lazy %llu, strict groups %llu) stale_reused=%llu stale_in_flight=%llu "
	       "(+ during switches %llu, of which reused %llu) "
	       "free_violations=%llu v_stale=%llu v_free=%llu v_wrong_pa=%llu v_type=%llu v_pending=%llu errors=%llu\n",
	       (unsigned long long)r->seed, (unsigned long long)r->ops, NR_WORKERS,
	       r->seconds, (unsigned long long)maps,
	       (unsigned long long)r->maps[SK_PAGE], (unsigned long long)r->maps[SK_SINGLE],
	       (unsigned long long)r->maps[SK_SG], (unsigned long long)r->maps[SK_BIG_SG],
	       (unsigned long long)r->maps[SK_BLOCK], (unsigned long long)r->ident_maps,
	       (unsigned long long)r->bounced_maps, (unsigned long long)r->unmaps,
	       (unsigned long long)r->flushes, (unsigned long long)r->admin_flushes,
	       (unsigned long long)r->rechecks,
	       (unsigned long long)r->map_busy, (unsigned long long)r->map_nodev,
	       (unsigned long long)r->flush_busy, (unsigned long long)r->flush_nodev,
	       (unsigned long long)r->admin_ops,
	       (unsigned long long)(r->sw_ok + r->sw_upgrade),
	       (unsigned long long)r->sw_to[0], (unsigned long long)r->sw_to[1],
	       (unsigned long long)r->sw_to[2], (unsigned long long)r->sw_to[3],
	       (unsigned long long)r->sw_upgrade, (unsigned long long)r->sw_same,
	       (unsigned long long)r->sw_busy, (unsigned long long)r->sw_perm,
	       (unsigned long long)r->att_ok, (unsigned long long)r->att_busy,
	       (unsigned long long)r->det_ok, (unsigned long long)r->um_sessions,
	       (unsigned long long)r->um_pages, (unsigned long long)r->drain_waits,
	       (unsigned long long)r->drain_idle,
	       (unsigned long long)r->rogue_n, (unsigned long long)r->rogue_ok,
	       (unsigned long long)r->events, (unsigned long long)ds.fq_flushes,
	       (unsigned long long)ds.fq_timer_flushes,
	       (unsigned long long)ds.fq_full_flushes,
	       (unsigned long long)r->pending_max, (unsigned long long)r->pending_bound,
	       (unsigned long long)ms.stale_unmapped, (unsigned long long)lazy_stale,
	       (unsigned long long)strict_stale,
	       (unsigned long long)ms.stale_reused,
	       (unsigned long long)ms.stale_in_flight,
	       (unsigned long long)sw_stale,
	       (unsigned long long)r->stale_switch_reused,
	       (unsigned long long)ms.free_violations,
	       (unsigned long long)r->v_stale, (unsigned long long)r->v_free,
	       (unsigned long long)r->v_wrong_pa, (unsigned long long)r->v_type,
	       (unsigned long long)r->v_pending, (unsigned long long)r->v_errors);
	fflush(stdout);
	assert_int_equal(r->v_errors, 0);
	assert_int_equal(r->v_wrong_pa, 0);
	assert_int_equal(r->v_stale, 0);
	assert_int_equal(r->v_free, 0);
	assert_int_equal(r->v_type, 0);
	assert_int_equal(r->v_pending, 0);
	assert_int_equal(ms.stale_reused, r->stale_switch_reused);
	assert_int_equal(strict_stale, 0);
	assert_int_equal(ms.free_violations, 0);
	assert_int_equal(ms.sync_violations, 0);
	assert_int_equal(maps, r->unmaps);
	assert_int_equal(ds.fq_pending, 0);
	assert_int_equal(ds.iova_live, 0);
	/* The strict control and the untrusted device never became lazy. */
	assert_int_equal(grp_type(r, 3), SMMUKIT_DOMAIN_DMA);
	assert_false(smmukit_domain_type_is_lazy(grp_type(r, 4)));
}

static void st_teardown(struct st *r)
{
	struct smmukit_posix_stats ps;

	for (unsigned g = 0; g < NR_GRP; g++) {
		assert_int_equal(smmukit_iommu_domain_free(r->grp[g].um), 0);
		smmukit_plat_free_pages(r->p, &r->grp[g].um_buf);
		pthread_rwlock_destroy(&r->grp[g].gate);
	}
	for (unsigned i = 0; i < NR_DEV; i++)
		assert_int_equal(smmukit_iommu_release_device(r->dev[i].dev), 0);
	inv_core_down(r->core, r->dma, r->s);
	pthread_rwlock_destroy(&r->maplock);
	/* Nothing leaked: every table page, bounce page, IOVA node, domain. */
	smmukit_posix_get_stats(r->p, &ps);
	assert_int_equal(ps.pages_in_use, r->base_pages);
	assert_int_equal(ps.zallocs_in_use, r->base_zbytes);
	smmukit_model_destroy(r->m);
	smmukit_posix_destroy(r->p);
}

static void stack_threads(void **state)
{
	static struct st r;

	(void)state;
	st_setup(&r);
	st_run(&r);
	st_report(&r);
	st_teardown(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stack_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

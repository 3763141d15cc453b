/* SPDX-License-Identifier: MIT */
/*
 * The DMA-master side: a device reads or writes through the SMMU by stream
 * ID. Fast path: configuration cache hit, IOTLB hit, copy. Slow path
 * (out of line): walk (with the walk cache), fill, events.
 *
 * Checking mode compares every translation that came from a cache (IOTLB,
 * walk cache, or configuration cache) with a fresh walk of the current
 * tables and configuration, and counts a successful cached translation that
 * the tables no longer give as stale_reused (they map the address to another
 * physical address, whatever they permit) or stale_unmapped (they map it
 * nowhere, or no longer for this access) — unless an unmap covering it,
 * reported by software, is still in flight.
 */
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

struct xlate_out {
	unsigned event;		/* 0, event ID, SMMUKIT_MODEL_ABORT */
	bool recorded;
	uint64_t pa;
	uint64_t page_end;	/* first input address past this translation */
	uint64_t cost_ns;
	bool hit, stale;
};

static void raise_event(struct smmukit_model *m, uint32_t sid, uint32_t ssid,
			uint64_t iova, bool is_write, const struct xres *r,
			uint64_t now)
{
	struct smmuv3_event e = { 0 };

	e.id = (uint8_t)r->event;
	e.sid = sid;
	if (ssid != SMMUKIT_MODEL_NO_SSID) {
		e.ssv = true;
		e.ssid = ssid;
	}
	e.rnw = !is_write;
	e.s2 = r->s2;
	e.class_ = r->class_;
	e.input_addr = iova;
	if (smmuv3_event_has_fetch_addr(r->event))
		e.fetch_addr = r->fetch_addr & EVT3_FETCH_ADDR;
	else if (r->s2)
		e.ipa = r->ipa & EVT3_IPA;
	model_evtq_record(m, &e, now);
}

/* ---- in-flight unmaps ---- */

static struct xctx ctx_of(const struct xcfg *xc)
{
	struct xctx c = { 0 };

	c.kind = (uint8_t)((xc->s1 ? XK_S1 : 0) | (xc->s2 ? XK_S2 : 0));
	c.regime = (uint8_t)xc->regime;
	c.vmid = xc->vmid;
	c.asid = xc->s1 ? xc->asid : 0;
	return c;
}

static bool ctx_eq(const struct xctx *a, const struct xctx *b)
{
	return a->kind == b->kind && a->regime == b->regime &&
	       a->vmid == b->vmid && a->asid == b->asid;
}

/*
 * The context sid's traffic without a substream translates in, from the
 * tables as software wrote them now (a side-effect-free read, as the
 * checking walk does). false: it does not translate (SMMU off, bad or
 * aborting STE, bypass), so no cached translation of it can be stale.
 */
static bool resolve_ctx(struct smmukit_model *m, uint32_t sid,
			struct xctx *out)
{
	struct xcfg xc;
	struct xres r = { 0 };
	unsigned ev;

	if (!(m->cr0 & CR0_SMMUEN))
		return false;
	m->in_check = true;
	ev = model_get_config(m, sid, SMMUKIT_MODEL_NO_SSID, true, &xc, &r);
	m->in_check = false;
	if (ev || xc.bypass)
		return false;
	*out = ctx_of(&xc);
	return true;
}

static bool inflight_covers(const struct smmukit_model *m,
			    const struct xcfg *xc, uint64_t iova)
{
	struct xctx c = ctx_of(xc);

	for (unsigned i = 0; i < m->inflight_n; i++) {
		const struct inflight *f = &m->inflight[i];

		if (iova >= f->iova && iova <= f->last && ctx_eq(&f->ctx, &c))
			return true;
	}
	return false;
}

static bool range_args_ok(const struct smmukit_model *m, uint64_t iova,
			  uint64_t size)
{
	return m && size && iova + (size - 1) >= iova;
}

int smmukit_model_unmap_begin(struct smmukit_model *m, uint32_t sid,
			      uint64_t iova, uint64_t size)
{
	struct xctx c;
	struct inflight *f;
	int ret = 0;

	if (!range_args_ok(m, iova, size))
		return -SMMUKIT_EINVAL;
	pthread_mutex_lock(&m->lock);
	if (!resolve_ctx(m, sid, &c)) {
		ret = -SMMUKIT_EINVAL;
		goto out;
	}
	for (unsigned i = 0; i < m->inflight_n; i++) {
		f = &m->inflight[i];
		if (f->sid == sid && f->iova == iova &&
		    f->last == iova + (size - 1) && ctx_eq(&f->ctx, &c)) {
			if (f->count == UINT32_MAX)
				ret = -SMMUKIT_ENOSPC;
			else
				f->count++;
			goto out;
		}
	}
	if (m->inflight_n == m->inflight_cap) {
		unsigned cap = m->inflight_cap ? 2 * m->inflight_cap : 16;

		if (m->inflight_cap >= MODEL_INFLIGHT_MAX) {
			ret = -SMMUKIT_ENOSPC;
			goto out;
		}
		if (cap > MODEL_INFLIGHT_MAX)
			cap = MODEL_INFLIGHT_MAX;
		f = realloc(m->inflight, cap * sizeof(*f));
		if (!f) {
			ret = -SMMUKIT_ENOMEM;
			goto out;
		}
		m->inflight = f;
		m->inflight_cap = cap;
	}
	f = &m->inflight[m->inflight_n++];
	f->ctx = c;
	f->sid = sid;
	f->count = 1;
	f->iova = iova;
	f->last = iova + (size - 1);
out:
	pthread_mutex_unlock(&m->lock);
	return ret;
}

/*
 * The context may have changed since begin (domain detached): the range
 * begun with this very SID matches first, then one of the SID's context
 * now (another SID of the same domain named at begin).
 */
int smmukit_model_unmap_end(struct smmukit_model *m, uint32_t sid,
			    uint64_t iova, uint64_t size)
{
	struct inflight *f = NULL;
	struct xctx c;
	uint64_t last;
	int ret = 0;

	if (!range_args_ok(m, iova, size))
		return -SMMUKIT_EINVAL;
	last = iova + (size - 1);
	pthread_mutex_lock(&m->lock);
	for (unsigned i = 0; i < m->inflight_n && !f; i++)
		if (m->inflight[i].sid == sid && m->inflight[i].iova == iova &&
		    m->inflight[i].last == last)
			f = &m->inflight[i];
	if (!f && resolve_ctx(m, sid, &c)) {
		for (unsigned i = 0; i < m->inflight_n && !f; i++)
			if (m->inflight[i].iova == iova &&
			    m->inflight[i].last == last &&
			    ctx_eq(&m->inflight[i].ctx, &c))
				f = &m->inflight[i];
	}
	if (!f)
		ret = -SMMUKIT_ENOENT;
	else if (--f->count == 0)
		*f = m->inflight[--m->inflight_n];
	pthread_mutex_unlock(&m->lock);
	return ret;
}

/* ---- checking ---- */

/* Faults that say what the access may do, not where the tables point. */
static bool is_perm_fault(unsigned ev)
{
	return ev == SMMUV3_EVT_F_PERMISSION || ev == SMMUV3_EVT_F_ACCESS;
}

/*
 * Compare a cached translation (under configuration xc) with a fresh walk
 * of the current tables. Classified by where the tables point, permissions
 * aside: another PA is stale_reused (the device reaches another buffer,
 * even where the tables would now refuse this access); no PA is
 * stale_unmapped; the same PA is stale_unmapped only if the tables no
 * longer allow this access (docs/model.md, "Checking mode"), else fine.
 */
static bool check_stale(struct smmukit_model *m, const struct xcfg *xc,
			uint32_t sid, uint32_t ssid, uint64_t iova,
			bool is_write, uint64_t cached_pa, uint64_t now)
{
	struct xcfg fxc;
	struct xres fr = { 0 };
	unsigned ev;
	bool mapped, reused;
	uint64_t new_pa;
	struct smmukit_model_stale_rec *rec;
	struct smmukit_model_trace_rec t = { 0 };

	m->stats.checks++;
	m->in_check = true;
	ev = model_get_config(m, sid, ssid, true, &fxc, &fr);
	if (!ev)
		model_translate_walk(m, &fxc, iova, is_write, false, &fr, now);
	ev = ev ? ev : fr.event;
	mapped = !ev;
	new_pa = fr.pa;
	if (is_perm_fault(ev)) {
		struct xres pr = { 0 };

		m->check_any_perm = true;
		model_translate_walk(m, &fxc, iova, is_write, false, &pr, now);
		m->check_any_perm = false;
		mapped = !pr.event;
		new_pa = pr.pa;
	}
	m->in_check = false;
#ifdef SMMUKIT_BROKEN_CLASSIFY_BY_FAULT
	/*
	 * Deliberately wrong, only for the negative control of the invariant
	 * tests: any fault counts as unmapped, so reuse behind a permission
	 * fault goes unseen.
	 */
	mapped = !ev;
#endif
	if (!ev && new_pa == cached_pa)
		return false;
	/* Not stale yet: the unmap call has not returned. */
	if (m->inflight_n && inflight_covers(m, xc, iova)) {
		m->stats.stale_in_flight++;
		return false;
	}
	reused = mapped && new_pa != cached_pa;
	if (!mapped)
		new_pa = 0;
	if (reused)
		m->stats.stale_reused++;
	else
		m->stats.stale_unmapped++;
	rec = ring_push(&m->stalelog);
	if (rec) {
		rec->time_ns = now;
		rec->sid = sid;
		rec->ssid = ssid;
		rec->iova = iova;
		rec->old_pa = cached_pa;
		rec->new_pa = new_pa;
		rec->new_event = ev;
		rec->reused = reused;
		rec->is_write = is_write;
	}
	t.kind = SMMUKIT_MODEL_TRACE_STALE;
	t.time_ns = now;
	t.sid = sid;
	t.ssid = ssid;
	t.addr = iova;
	t.pa = cached_pa;
	t.new_pa = new_pa;
	t.new_event = ev;
	t.rnw = !is_write;
	t.code = reused;
	model_trace(m, &t);
	return true;
}

static void xlate_slow(struct smmukit_model *m, const struct xcfg *xc,
		       uint64_t iova, bool is_write, struct xres *r,
		       struct xlate_out *o, uint64_t now)
{
	const struct smmukit_model_profile *p = &m->prof;

	m->stats.iotlb_misses++;
	model_translate_walk(m, xc, iova, is_write, true, r, now);
	o->cost_ns += p->iotlb_miss_ns + (uint64_t)r->reads * p->walk_level_ns;
	m->stats.walk_reads += r->reads;
	if (r->event) {
		m->stats.walk_faults++;
		return;
	}
	model_tlb_insert(m, xc, iova, r, now);
}

/* Bypassed traffic is output as is: it must fit the OAS (= IAS). */
static bool beyond_oas(const struct smmukit_model *m, uint64_t iova)
{
	unsigned oas = model_ias_bits(m);

	return oas < 64 && (iova >> oas) != 0;
}

static void xlate(struct smmukit_model *m, uint32_t sid, uint32_t ssid,
		  uint64_t iova, bool is_write, struct xlate_out *o,
		  uint64_t now)
{
	struct xcfg xc;
	struct xres r = { 0 };
	struct tlb_entry *e;
	unsigned ev;

	memset(o, 0, sizeof(*o));
	m->stats.translations++;
	if (!(m->cr0 & CR0_SMMUEN)) {
		/* SMMU off: GBPA decides. */
		if (m->gbpa & GBPA_ABORT || beyond_oas(m, iova)) {
			/* Beyond OAS the address cannot be output: abort,
			 * and with SMMUEN = 0 there is no event queue. */
			o->event = SMMUKIT_MODEL_ABORT;
			return;
		}
		o->pa = iova;
		o->page_end = (iova | 0xfff) + 1;
		return;
	}
	ev = model_get_config(m, sid, ssid, false, &xc, &r);
	o->cost_ns += (uint64_t)xc.cfg_cost_reads * m->prof.cfg_fetch_ns;
	if (ev) {
		o->event = ev;
		if (ev == SMMUKIT_MODEL_ABORT)
			return;
		if (ev == SMMUV3_EVT_C_BAD_STREAMID &&
		    !(m->cr2 & CR2_RECINVSID))
			r.record = false;
		if (r.record) {
			raise_event(m, sid, ssid, iova, is_write, &r, now);
			o->recorded = true;
		}
		return;
	}
	if (xc.bypass) {
		if (beyond_oas(m, iova)) {
			/* A stage-1 address size fault, as if S1 ran. */
			r.event = SMMUV3_EVT_F_ADDR_SIZE;
			r.record = true;
			r.class_ = EVT1_CLASS_IN;
			o->event = r.event;
			raise_event(m, sid, ssid, iova, is_write, &r, now);
			o->recorded = true;
			return;
		}
		o->pa = iova;
		o->page_end = (iova | 0xfff) + 1;
		if (m->cfg.checking && xc.cfg_cached)
			o->stale = check_stale(m, &xc, sid, ssid, iova,
					       is_write, o->pa, now);
		return;
	}
	e = model_tlb_lookup(m, &xc, iova);
	if (smmukit_likely(e != NULL && (is_write ? e->w : e->r))) {
		m->stats.iotlb_hits++;
		o->hit = true;
		o->cost_ns += m->prof.iotlb_hit_ns;
		r.pa = e->pa + (iova - e->va);
		r.size_log2 = e->size_log2;
	} else {
		/*
		 * A miss, or a hit without the permission: drop the entry and
		 * walk, so the fault is reported with the stage and IPA the
		 * walk finds (an implementation may discard entries at will).
		 */
		if (e)
			model_tlb_drop(m, e, now);
		xlate_slow(m, &xc, iova, is_write, &r, o, now);
	}
	if (r.event) {
		o->event = r.event;
		if (r.record) {
			raise_event(m, sid, ssid, iova, is_write, &r, now);
			o->recorded = true;
		}
		return;
	}
	o->pa = r.pa;
	o->page_end = r.size_log2 >= 64 ? UINT64_MAX :
		      (iova | ((UINT64_C(1) << r.size_log2) - 1)) + 1;
	if (m->cfg.checking && (o->hit || r.used_walkcache || xc.cfg_cached))
		o->stale = check_stale(m, &xc, sid, ssid, iova, is_write,
				       o->pa, now);
}

static int dma_locked(struct smmukit_model *m, uint32_t sid, uint32_t ssid,
		      uint64_t iova, uint64_t len, bool is_write, void *buf,
		      struct smmukit_model_dma_result *res, uint64_t now)
{
	uint64_t done = 0;

	memset(res, 0, sizeof(*res));
	do {
		struct xlate_out o;
		uint64_t chunk;

		xlate(m, sid, ssid, iova + done, is_write, &o, now);
		res->cost_ns += o.cost_ns;
		res->stale |= o.stale;
		if (done == 0) {
			res->iotlb_hit = o.hit;
			res->pa = o.pa;
		}
		if (o.event) {
			res->event = o.event;
			res->recorded = o.recorded;
			res->pa = o.pa;
			break;
		}
		if (!buf)
			break;
		chunk = o.page_end - (iova + done);
		if (o.page_end == 0 || chunk > len - done)
			chunk = len - done;
		if (!model_copy(m, o.pa, (unsigned char *)buf + done, chunk,
				is_write)) {
			/* Translated outside RAM: the bus aborts it. */
			res->event = SMMUKIT_MODEL_ABORT;
			break;
		}
		done += chunk;
	} while (done < len);
	res->bytes = done;
	return (int)res->event;
}

/* One device access (buf NULL: translate only), with due work run first. */
static int access_now(struct smmukit_model *m, uint32_t sid, uint32_t ssid,
		      uint64_t iova, uint64_t len, bool is_write, void *buf,
		      struct smmukit_model_dma_result *res)
{
	struct smmukit_model_dma_result local;
	uint64_t now;
	int ret;

	if (!res)
		res = &local;
	now = smmukit_plat_clock_ns(m->plat);
	pthread_mutex_lock(&m->lock);
	model_run_locked(m, now);
	ret = dma_locked(m, sid, ssid, iova, len, is_write, buf, res, now);
	pthread_mutex_unlock(&m->lock);
	return ret;
}

int smmukit_model_dma(struct smmukit_model *m, uint32_t sid, uint32_t ssid,
		      uint64_t iova, uint64_t len, bool is_write, void *buf,
		      struct smmukit_model_dma_result *res)
{
	if (!m || !buf || !len || iova + len - 1 < iova)
		return -SMMUKIT_EINVAL;
	return access_now(m, sid, ssid, iova, len, is_write, buf, res);
}

int smmukit_model_translate(struct smmukit_model *m, uint32_t sid,
			    uint32_t ssid, uint64_t iova, bool is_write,
			    struct smmukit_model_dma_result *res)
{
	if (!m)
		return -SMMUKIT_EINVAL;
	return access_now(m, sid, ssid, iova, 1, is_write, NULL, res);
}

/* SPDX-License-Identifier: MIT */
/*
 * The model's page-table walker (stage 1, stage 2, nested), its IOTLB and
 * its walk cache. Everything here runs under the model lock.
 *
 * Cached translations are tagged like the architecture tags them — regime,
 * VMID, ASID (or global), stage — and stay usable until a matching TLBI,
 * applied at the completion of the next CMD_SYNC, removes them or capacity
 * evicts them. Walks that fault are never cached.
 */
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

/* Shift of the region one descriptor at `level` maps (granule 2^pg). */
static inline unsigned level_shift(unsigned pg, unsigned level)
{
	return pg + (3 - level) * (pg - 3);
}

static enum xkind xc_kind(const struct xcfg *xc)
{
	return (enum xkind)((xc->s1 ? XK_S1 : 0) | (xc->s2 ? XK_S2 : 0));
}

/* ---- walk cache ---- */

static struct walk_entry *wc_set(struct smmukit_model *m, unsigned level,
				 uint64_t va, unsigned shift)
{
	unsigned set = (unsigned)((va >> shift) & (m->wc_sets - 1));

	return &m->wc[((size_t)level * m->wc_sets + set) * m->wc_ways];
}

static bool wc_match(const struct walk_entry *w, unsigned stage,
		     const struct xcfg *xc, unsigned level, uint64_t va,
		     unsigned pg)
{
	return w->stage == stage && w->level == level && w->va == va &&
	       w->pgshift == pg && w->regime == (uint8_t)xc->regime &&
	       w->vmid == xc->vmid && (stage == 2 || w->asid == xc->asid);
}

/* Put one table descriptor in the walk cache (capacity may evict). */
static void wc_insert(struct smmukit_model *m, const struct walk_entry *src)
{
	unsigned shift = level_shift(src->pgshift, src->level);
	struct walk_entry *set, *w = NULL;

	set = wc_set(m, src->level, src->va, shift);
	for (unsigned i = 0; i < m->wc_ways; i++) {
		const struct walk_entry *e = &set[i];

		if (!e->stage ||
		    (e->stage == src->stage && e->level == src->level &&
		     e->va == src->va && e->pgshift == src->pgshift &&
		     e->regime == src->regime && e->vmid == src->vmid &&
		     e->asid == src->asid)) {
			w = &set[i];
			break;
		}
	}
	if (!w) {
		uint32_t *v = &m->wc_victim[src->level * m->wc_sets +
					    ((src->va >> shift) &
					     (m->wc_sets - 1))];
		w = &set[*v % m->wc_ways];
		*v = *v + 1;
		m->stats.walkcache_evictions++;
	}
	*w = *src;
}

/*
 * Note a table descriptor of the walk in progress; it reaches the walk
 * cache only when the whole translation succeeds (wc_commit).
 */
static void wc_note(struct smmukit_model *m, unsigned stage,
		    const struct xcfg *xc, unsigned level, uint64_t va,
		    unsigned pg, uint64_t next, uint64_t next_pa,
		    bool ap_rdonly, bool ap_noel0)
{
	struct walk_entry *w;

	if (level > 2 || !m->wc || m->wc_pend_n >= MODEL_WC_PEND_MAX)
		return;
	w = &m->wc_pend[m->wc_pend_n++];
	w->va = va;
	w->next = next;
	w->next_pa = next_pa;
	w->asid = stage == 2 ? 0 : xc->asid;
	w->vmid = xc->vmid;
	w->level = (uint8_t)level;
	w->stage = (uint8_t)stage;
	w->regime = (uint8_t)xc->regime;
	w->pgshift = (uint8_t)pg;
	w->ap_rdonly = ap_rdonly;
	w->ap_noel0 = ap_noel0;
}

static void wc_commit(struct smmukit_model *m)
{
	for (unsigned i = 0; i < m->wc_pend_n; i++)
		wc_insert(m, &m->wc_pend[i]);
	m->wc_pend_n = 0;
}

/* ---- the walker ---- */

struct stage_params {
	unsigned stage;
	uint64_t ttb;
	unsigned pg, start, top_bits, ias, oas;
	bool affd, had;
};

struct leaf {
	uint64_t oa;		/* output address of the input address */
	unsigned size_log2;
	unsigned level;
	bool r, w, global;
};

static void fault(struct xres *r, unsigned event, bool record)
{
	r->event = event;
	r->record = record;
}

static bool is_xlate_fault(unsigned ev)
{
	return ev >= SMMUV3_EVT_F_TRANSLATION && ev <= SMMUV3_EVT_F_PERMISSION;
}

static int walk_stage(struct smmukit_model *m, const struct xcfg *xc,
		      const struct stage_params *sp, uint64_t in,
		      bool is_write, bool use_wc, struct xres *r,
		      struct leaf *lf, uint64_t now);

/*
 * Stage-2 translation of an IPA that stage 1 (or the CD fetch) needs: a
 * fault there is reported as a stage-2 fault of the given class.
 */
static int s2_xlate(struct smmukit_model *m, const struct xcfg *xc,
		    uint64_t ipa, bool is_write, unsigned class_, bool use_wc,
		    struct xres *r, struct leaf *lf, uint64_t now)
{
	const struct ste_info *s = xc->ste;
	struct stage_params sp = {
		.stage = 2, .ttb = s->s2ttb, .pg = s->s2_pgshift,
		.start = s->s2_start_level, .top_bits = s->s2_top_bits,
		.ias = s->s2_ias, .oas = s->s2_oas, .affd = s->s2_affd,
	};

	if (walk_stage(m, xc, &sp, ipa, is_write, use_wc, r, lf, now)) {
		r->s2 = true;
		r->class_ = class_;
		r->ipa = ipa;
		if (is_xlate_fault(r->event))
			r->record = s->s2r;
		return -1;
	}
	return 0;
}

/*
 * The PA of a nested stage-1 table at IPA ipa, for the walk cache's free
 * check: a stage-2 walk as the checking mode does one, without caches,
 * statistics or events. false if stage 2 does not map it.
 */
static bool nested_table_pa(struct smmukit_model *m, const struct xcfg *xc,
			    uint64_t ipa, uint64_t *pa, uint64_t now)
{
	struct xres r2 = { 0 };
	struct leaf l2;
	bool in_check = m->in_check;
	int ret;

	m->in_check = true;
	ret = s2_xlate(m, xc, ipa, false, EVT1_CLASS_TT, false, &r2, &l2, now);
	m->in_check = in_check;
	if (ret)
		return false;
	*pa = l2.oa;
	return true;
}

/* Read one descriptor; nested stage-1 tables live at IPAs. */
static int read_desc(struct smmukit_model *m, const struct xcfg *xc,
		     const struct stage_params *sp, uint64_t addr,
		     bool use_wc, struct xres *r, uint64_t *desc, uint64_t now)
{
	uint64_t pa = addr;

	if (sp->stage == 1 && xc->s2) {
		struct leaf l2;

		if (s2_xlate(m, xc, addr, false, EVT1_CLASS_TT, use_wc, r, &l2,
			     now))
			return -1;
		pa = l2.oa;
	}
	r->reads++;
	if (!model_read_desc64(m, pa, desc)) {
		fault(r, SMMUV3_EVT_F_WALK_EABT, true);
		r->fetch_addr = pa;
		r->s2 = sp->stage == 2;
		r->class_ = EVT1_CLASS_TT;
		return -1;
	}
	return 0;
}

static bool block_allowed(unsigned pg, unsigned level, unsigned oas)
{
	if (pg == 12)
		return level == 1 || level == 2;
	if (pg == 14)
		return level == 2;
	return level == 2 || (level == 1 && oas == 52);
}

/*
 * One stage: from the top table (or the deepest walk-cache hit) to a leaf.
 * Returns 0 with *lf filled, or -1 with the fault in *r.
 */
static int walk_stage(struct smmukit_model *m, const struct xcfg *xc,
		      const struct stage_params *sp, uint64_t in,
		      bool is_write, bool use_wc, struct xres *r,
		      struct leaf *lf, uint64_t now)
{
	unsigned pg = sp->pg, level = sp->start;
	uint64_t table = sp->ttb, desc = 0;
	bool ap_rdonly = false, ap_noel0 = false;

	if (sp->ias < 64 && (in >> sp->ias) != 0) {
		fault(r, SMMUV3_EVT_F_TRANSLATION, true);
		return -1;
	}
	if (use_wc && m->wc) {
		/* Deepest cached table descriptor first. */
		for (int l = 2; l >= (int)sp->start; l--) {
			unsigned sh = level_shift(pg, (unsigned)l);
			uint64_t va = in & ~((UINT64_C(1) << sh) - 1);
			struct walk_entry *set = wc_set(m, (unsigned)l, va, sh);

			for (unsigned i = 0; i < m->wc_ways; i++) {
				if (wc_match(&set[i], sp->stage, xc, (unsigned)l,
					     va, pg)) {
					table = set[i].next;
					level = (unsigned)l + 1;
					ap_rdonly = set[i].ap_rdonly;
					ap_noel0 = set[i].ap_noel0;
					r->used_walkcache = true;
					m->stats.walkcache_hits++;
					goto found;
				}
			}
		}
	}
found:
	if (!m->in_check)
		m->stats.walks++;
	for (;;) {
		unsigned sh = level_shift(pg, level);
		unsigned nbits = level == sp->start ? sp->top_bits : pg - 3;
		uint64_t idx = (in >> sh) & ((UINT64_C(1) << nbits) - 1);
		unsigned type;

		if (read_desc(m, xc, sp, table + idx * 8, use_wc, r, &desc,
			      now))
			return -1;
		if (!(desc & LPAE_DESC_VALID)) {
			fault(r, SMMUV3_EVT_F_TRANSLATION, true);
			r->level = level;
			return -1;
		}
		type = (unsigned)smmukit_field_get(LPAE_DESC_TYPE, desc);
		if (level < 3 && type == LPAE_DESC_TYPE_TABLE) {
			uint64_t next = lpae_desc_to_oa(desc, pg);
			uint64_t next_pa = next;

			if (sp->oas < 64 && (next >> sp->oas) != 0) {
				fault(r, SMMUV3_EVT_F_ADDR_SIZE, true);
				r->level = level;
				return -1;
			}
			if (sp->stage == 1 && !sp->had) {
				ap_noel0 |= !!(smmukit_field_get(LPAE_TABLE_AP,
								 desc) & 1);
				ap_rdonly |= !!(smmukit_field_get(LPAE_TABLE_AP,
								  desc) & 2);
			}
			/* Nested stage 1: cache the table's PA, not its IPA. */
			if (use_wc && !m->in_check &&
			    (sp->stage == 2 || !xc->s2 ||
			     nested_table_pa(m, xc, next, &next_pa, now)))
				wc_note(m, sp->stage, xc, level,
					  in & ~((UINT64_C(1) << sh) - 1), pg,
					  next, next_pa, ap_rdonly, ap_noel0);
			table = next;
			level++;
			continue;
		}
		if (level == 3 ? type != LPAE_DESC_TYPE_PAGE :
				 !block_allowed(pg, level, sp->oas)) {
			fault(r, SMMUV3_EVT_F_TRANSLATION, true);
			r->level = level;
			return -1;
		}
		break;
	}
	{
		unsigned sh = level_shift(pg, level);
		uint64_t base = lpae_desc_to_oa(desc, pg) &
				~((UINT64_C(1) << sh) - 1);
		bool rd, wr;

		r->level = level;
		if (sp->oas < 64 && (base >> sp->oas) != 0) {
			fault(r, SMMUV3_EVT_F_ADDR_SIZE, true);
			return -1;
		}
		if (!(desc & LPAE_DESC_AF) && !sp->affd && !m->check_any_perm) {
			fault(r, SMMUV3_EVT_F_ACCESS, true);
			return -1;
		}
		if (sp->stage == 1) {
			/* Device transactions are unprivileged data accesses. */
			bool el0 = (desc & LPAE_S1_AP_UNPRIV) && !ap_noel0;

			rd = el0;
			wr = el0 && !(desc & LPAE_S1_AP_RDONLY) && !ap_rdonly;
			lf->global = !(desc & LPAE_S1_NG);
		} else {
			rd = !!(desc & LPAE_S2_S2AP_READ);
			wr = !!(desc & LPAE_S2_S2AP_WRITE);
			lf->global = false;
		}
		if ((is_write ? !wr : !rd) && !m->check_any_perm) {
			fault(r, SMMUV3_EVT_F_PERMISSION, true);
			return -1;
		}
		lf->oa = base | (in & ((UINT64_C(1) << sh) - 1));
		lf->size_log2 = sh;
		lf->level = level;
		lf->r = rd;
		lf->w = wr;
	}
	return 0;
}

static void translate_stages(struct smmukit_model *m, const struct xcfg *xc,
			     uint64_t iova, bool is_write, bool use_wc,
			     struct xres *r, uint64_t now)
{
	struct leaf l1 = { 0 }, l2 = { 0 };
	uint64_t ipa = iova;

	if (xc->bypass) {
		r->pa = iova;
		r->size_log2 = 12;
		r->r = r->w = true;
		return;
	}
	if (xc->s1) {
		const struct cd_info *cd = xc->cd;
		struct stage_params sp = { .stage = 1, .oas = cd->oas,
					   .affd = cd->affd };
		unsigned ias;

		/* TTB0 covers the bottom of the space, TTB1 the top. */
		if (cd->ias0 >= 64 || (iova >> cd->ias0) == 0) {
			if (cd->epd0)
				goto xlate_fault;
			sp.ttb = cd->ttb0;
			sp.pg = cd->pgshift0;
			sp.start = cd->start0;
			sp.top_bits = cd->top0;
			sp.had = cd->had0;
			ias = cd->ias0;
		} else if (!cd->epd1 && (~iova >> cd->ias1) == 0) {
			sp.ttb = cd->ttb1;
			sp.pg = cd->pgshift1;
			sp.start = cd->start1;
			sp.top_bits = cd->top1;
			sp.had = cd->had1;
			ias = cd->ias1;
		} else {
			goto xlate_fault;
		}
		/*
		 * The range was checked above; the walk indexes with the low
		 * bits only, so TTB1 addresses keep their top bits (and their
		 * own cache tags).
		 */
		(void)ias;
		sp.ias = 64;
		if (walk_stage(m, xc, &sp, iova, is_write, use_wc, r, &l1,
			       now)) {
			/* Stage-1 translation faults are CLASS=IN; a walk's
			 * external abort keeps CLASS=TT. */
			if (!r->s2 && is_xlate_fault(r->event)) {
				r->class_ = EVT1_CLASS_IN;
				r->record = cd->r;
			}
			return;
		}
		/* The output keeps the input's offset within the leaf. */
		ipa = l1.oa;
	}
	if (xc->s2) {
		unsigned ias = model_ias_bits(m);

		if (!xc->s1 && ias < 64 && (ipa >> ias) != 0) {
			/*
			 * Stage 1 bypassed: an input beyond IAS is a stage-1
			 * address size fault (S2 = 0, CLASS = IN), recorded
			 * as there is no CD.R to gate it. Inside IAS but
			 * beyond S2T0SZ it is a stage-2 translation fault.
			 */
			fault(r, SMMUV3_EVT_F_ADDR_SIZE, true);
			r->class_ = EVT1_CLASS_IN;
			return;
		}
		if (s2_xlate(m, xc, ipa, is_write, EVT1_CLASS_IN, use_wc, r, &l2,
			     now))
			return;
		r->pa = l2.oa;
		if (xc->s1) {
			r->size_log2 = l1.size_log2 < l2.size_log2 ?
					       l1.size_log2 : l2.size_log2;
			r->level = l1.level;
			r->r = l1.r && l2.r;
			r->w = l1.w && l2.w;
			r->s2r = l2.r;
			r->s2w = l2.w;
			r->global = l1.global;
		} else {
			r->size_log2 = l2.size_log2;
			r->level = l2.level;
			r->r = r->s2r = l2.r;
			r->w = r->s2w = l2.w;
		}
		return;
	}
	r->pa = l1.oa;
	r->size_log2 = l1.size_log2;
	r->level = l1.level;
	r->r = l1.r;
	r->w = l1.w;
	r->global = l1.global;
	return;

xlate_fault:
	fault(r, SMMUV3_EVT_F_TRANSLATION, xc->cd->r);
	r->class_ = EVT1_CLASS_IN;
}

/*
 * Full translation of iova for the configuration xc: stage 1, stage 2, or
 * both. r->event is 0 on success, with pa, size_log2, level, r/w, global.
 * The table descriptors it passed enter the walk cache only on success:
 * the architecture would allow caching the valid ones of a faulting walk,
 * but the model keeps the stricter rule that walks that fault are never
 * cached, so a fault leaves no trace in any cache.
 */
void model_translate_walk(struct smmukit_model *m, const struct xcfg *xc,
			  uint64_t iova, bool is_write, bool use_wc,
			  struct xres *r, uint64_t now)
{
	bool fill = use_wc && !m->in_check;

	if (fill)
		m->wc_pend_n = 0;
	translate_stages(m, xc, iova, is_write, use_wc, r, now);
	if (fill) {
		if (!r->event)
			wc_commit(m);
		m->wc_pend_n = 0;
	}
}

/* ---- IOTLB ---- */

/*
 * Record the end of an entry's life in the invalidation log: by a command
 * (opcode, consumed at cmd_ns, effective now) or, with opcode 0, by
 * capacity or a refetch — exposure windows end either way.
 */
static void inv_log(struct smmukit_model *m, const struct tlb_entry *e,
		    unsigned opcode, uint64_t cmd_ns, uint64_t now)
{
	struct smmukit_model_inval_rec *rec = ring_push(&m->invlog);

	if (!rec)
		return;
	rec->fill_ns = e->fill_ns;
	rec->cmd_ns = cmd_ns;
	rec->inval_ns = now;
	rec->iova = e->va;
	rec->pa = e->pa;
	rec->size_log2 = e->size_log2;
	rec->asid = e->asid;
	rec->vmid = e->vmid;
	rec->opcode = (uint8_t)opcode;
}

void model_tlb_drop(struct smmukit_model *m, struct tlb_entry *e, uint64_t now)
{
	inv_log(m, e, 0, 0, now);
	e->kind = 0;
}

static bool tlb_ctx_match(const struct tlb_entry *e, const struct xcfg *xc)
{
	return e->kind == (uint8_t)xc_kind(xc) &&
	       e->regime == (uint8_t)xc->regime && e->vmid == xc->vmid &&
	       (!xc->s1 || e->global || e->asid == xc->asid);
}

struct tlb_entry *model_tlb_lookup(struct smmukit_model *m,
				   const struct xcfg *xc, uint64_t iova)
{
	uint64_t sizes = m->tlb_sizes;

	while (sizes) {
		unsigned sh = smmukit_ctz64(sizes);
		uint64_t va = iova & ~((UINT64_C(1) << sh) - 1);
		struct tlb_entry *set =
			&m->tlb[(size_t)((va >> sh) & (m->tlb_sets - 1)) *
				m->tlb_ways];

		sizes &= sizes - 1;
		for (unsigned i = 0; i < m->tlb_ways; i++) {
			struct tlb_entry *e = &set[i];

			if (e->kind && e->size_log2 == sh && e->va == va &&
			    tlb_ctx_match(e, xc))
				return e;
		}
	}
	return NULL;
}

void model_tlb_insert(struct smmukit_model *m, const struct xcfg *xc,
		      uint64_t iova, const struct xres *r, uint64_t now)
{
	unsigned sh = r->size_log2;
	uint64_t va = iova & ~((UINT64_C(1) << sh) - 1);
	size_t set_idx = (size_t)((va >> sh) & (m->tlb_sets - 1));
	struct tlb_entry *set = &m->tlb[set_idx * m->tlb_ways], *e = NULL;

	if (xc->bypass || sh >= 64)
		return;
	for (unsigned i = 0; i < m->tlb_ways; i++) {
		if (!set[i].kind) {
			e = &set[i];
			break;
		}
	}
	if (!e) {
		e = &set[m->tlb_victim[set_idx]++ % m->tlb_ways];
		m->stats.iotlb_evictions++;
		inv_log(m, e, 0, 0, now);
	}
	e->va = va;
	e->pa = r->pa & ~((UINT64_C(1) << sh) - 1);
	e->fill_ns = now;
	e->asid = xc->s1 ? xc->asid : 0;
	e->vmid = xc->vmid;
	e->size_log2 = (uint8_t)sh;
	e->level = (uint8_t)r->level;
	e->kind = (uint8_t)xc_kind(xc);
	e->regime = (uint8_t)xc->regime;
	e->global = xc->s1 && r->global;
	e->r = r->r;
	e->w = r->w;
	e->s2r = xc->s2 ? r->s2r : true;
	e->s2w = xc->s2 ? r->s2w : true;
	m->tlb_sizes |= UINT64_C(1) << sh;
}

/* ---- invalidation ---- */

struct tlbi_scope {
	bool by_regime;
	uint8_t regime;
	bool by_vmid;
	uint32_t vmid;
	bool by_asid;		/* non-global entries with this ASID ... */
	bool asid_or_global;	/* ... or, for VA forms, global ones too */
	uint32_t asid;
	uint8_t kinds;		/* bit (1 << kind) */
	bool by_range;
	uint64_t start, end;	/* [start, end) */
	unsigned ttl;		/* level the leaf must be at, 0 = any */
	bool leaf_only;		/* walk-cache entries survive */
	uint8_t wc_stages;	/* bit (1 << stage) */
};

#define KIND_BIT(k) (uint8_t)(1u << (k))
#define KINDS_S1 (KIND_BIT(XK_S1) | KIND_BIT(XK_NESTED))
#define KINDS_ALL (KIND_BIT(XK_S1) | KIND_BIT(XK_S2) | KIND_BIT(XK_NESTED))

static bool scope_from_cmd(struct smmukit_model *m, const struct smmuv3_cmd *c,
			   struct tlbi_scope *s)
{
	memset(s, 0, sizeof(*s));
	s->by_regime = true;
	s->regime = REGIME_NH;
	s->kinds = KINDS_S1;
	s->wc_stages = 1u << 1;
	switch (c->opcode) {
	case SMMUV3_OP_TLBI_NH_ALL:
		s->by_vmid = true;
		s->vmid = c->tlbi.vmid;
		return true;
	case SMMUV3_OP_TLBI_NH_ASID:
		s->by_vmid = true;
		s->vmid = c->tlbi.vmid;
		s->by_asid = true;
		s->asid = c->tlbi.asid;
		return true;
	case SMMUV3_OP_TLBI_NH_VA:
	case SMMUV3_OP_TLBI_EL2_VA:
		s->by_asid = true;
		s->asid_or_global = true;
		s->asid = c->tlbi.asid;
		/* fall through */
	case SMMUV3_OP_TLBI_NH_VAA:
	case SMMUV3_OP_TLBI_EL2_VAA:
		if (c->opcode == SMMUV3_OP_TLBI_NH_VA ||
		    c->opcode == SMMUV3_OP_TLBI_NH_VAA) {
			s->by_vmid = true;
			s->vmid = c->tlbi.vmid;
		} else {
			s->regime = REGIME_EL2;
		}
		break;
	case SMMUV3_OP_TLBI_S2_IPA:
		s->by_vmid = true;
		s->vmid = c->tlbi.vmid;
		s->kinds = KIND_BIT(XK_S2);
		s->wc_stages = 1u << 2;
		break;
	case SMMUV3_OP_TLBI_S12_VMALL:
		s->by_vmid = true;
		s->vmid = c->tlbi.vmid;
		s->kinds = KINDS_ALL;
		s->wc_stages = (1u << 1) | (1u << 2);
		return true;
	case SMMUV3_OP_TLBI_NSNH_ALL:
		s->kinds = KINDS_ALL;
		s->wc_stages = (1u << 1) | (1u << 2);
		return true;
	case SMMUV3_OP_TLBI_EL2_ALL:
		s->regime = REGIME_EL2;
		return true;
	case SMMUV3_OP_TLBI_EL2_ASID:
		s->regime = REGIME_EL2;
		s->by_asid = true;
		s->asid = c->tlbi.asid;
		return true;
	default:
		return false;
	}
	/* Address forms. */
	s->by_range = true;
	if (smmuv3_range_tlbi_span(c, &s->start, &s->end) < 0 &&
	    s->end != UINT64_MAX)
		return false;
	s->leaf_only = c->tlbi.leaf;
	s->ttl = c->tlbi.tg ? c->tlbi.ttl : 0;
	(void)m;
	return true;
}

static bool range_hit(uint64_t va, unsigned sh, uint64_t start, uint64_t end)
{
	uint64_t last = sh >= 64 ? UINT64_MAX : va + ((UINT64_C(1) << sh) - 1);

	/* end == UINT64_MAX stands for "to the top" */
	return va <= (end == UINT64_MAX ? UINT64_MAX : end - 1) && last >= start;
}

static bool tlb_scope_hit(const struct tlb_entry *e, const struct tlbi_scope *s)
{
	if (!(s->kinds & KIND_BIT(e->kind)))
		return false;
	if (s->by_regime && e->regime != s->regime)
		return false;
	if (s->by_vmid && e->regime == REGIME_NH && e->vmid != s->vmid)
		return false;
	if (s->by_asid) {
		if (e->global ? !s->asid_or_global : e->asid != s->asid)
			return false;
	}
	if (s->by_range) {
		if (!range_hit(e->va, e->size_log2, s->start, s->end))
			return false;
		if (s->ttl && e->level != s->ttl)
			return false;
	}
	return true;
}

static bool wc_scope_hit(const struct walk_entry *w, const struct tlbi_scope *s)
{
	if (!(s->wc_stages & (1u << w->stage)))
		return false;
	if (s->by_regime && w->regime != s->regime)
		return false;
	if (s->by_vmid && w->regime == REGIME_NH && w->vmid != s->vmid)
		return false;
	/* Table entries are never global: asid_or_global means "this ASID". */
	if (s->by_asid && w->stage == 1 && w->asid != s->asid)
		return false;
	if (s->by_range) {
		if (s->leaf_only)
			return false;
		if (!range_hit(w->va, level_shift(w->pgshift, w->level),
			       s->start, s->end))
			return false;
	}
	return true;
}

/* Apply one consumed TLBI command now (its CMD_SYNC has completed). */
void model_tlbi(struct smmukit_model *m, const struct smmuv3_cmd *c,
		uint64_t cmd_ns, uint64_t now)
{
	struct tlbi_scope s;
	size_t n;

	if (!scope_from_cmd(m, c, &s))
		return;
	n = (size_t)m->tlb_sets * m->tlb_ways;
	for (size_t i = 0; i < n; i++) {
		struct tlb_entry *e = &m->tlb[i];

		if (!e->kind || !tlb_scope_hit(e, &s))
			continue;
		inv_log(m, e, c->opcode, cmd_ns, now);
		e->kind = 0;
		m->stats.iotlb_invalidated++;
	}
	if (!m->wc)
		return;
	n = (size_t)3 * m->wc_sets * m->wc_ways;
	for (size_t i = 0; i < n; i++) {
		struct walk_entry *w = &m->wc[i];

		if (w->stage && wc_scope_hit(w, &s)) {
			w->stage = 0;
			m->stats.walkcache_invalidated++;
		}
	}
}

int model_wc_check_free(struct smmukit_model *m, uint64_t pa, uint64_t len)
{
	size_t n = (size_t)3 * m->wc_sets * m->wc_ways;
	int found = 0;

	for (size_t i = 0; m->wc && i < n; i++) {
		const struct walk_entry *w = &m->wc[i];

		if (w->stage && w->next_pa >= pa && w->next_pa - pa < len)
			found++;
	}
	return found;
}

static unsigned round_pow2_down(uint64_t v)
{
	return v ? 1u << smmukit_ilog2(v) : 1u;
}

int model_caches_alloc(struct smmukit_model *m)
{
	const struct smmukit_model_profile *p = &m->prof;
	unsigned ways, sets;

	ways = (unsigned)(p->iotlb_ways ? p->iotlb_ways : 1);
	if (ways > 64)
		ways = 64;
	sets = round_pow2_down(p->iotlb_entries / ways);
	m->tlb_ways = ways;
	m->tlb_sets = sets;
	m->tlb = calloc((size_t)sets * ways, sizeof(*m->tlb));
	m->tlb_victim = calloc(sets, sizeof(*m->tlb_victim));

	if (p->walkcache_entries) {
		ways = (unsigned)(p->walkcache_ways ? p->walkcache_ways : 1);
		if (ways > 64)
			ways = 64;
		sets = round_pow2_down(p->walkcache_entries / ways);
		m->wc_ways = ways;
		m->wc_sets = sets;
		m->wc = calloc((size_t)3 * sets * ways, sizeof(*m->wc));
		m->wc_victim = calloc((size_t)3 * sets,
				      sizeof(*m->wc_victim));
		if (!m->wc || !m->wc_victim)
			return -SMMUKIT_ENOMEM;
	}

	ways = (unsigned)(p->cfgcache_ways ? p->cfgcache_ways : 1);
	if (ways > 64)
		ways = 64;
	sets = round_pow2_down(p->cfgcache_entries / ways);
	m->cc_ways = ways;
	m->cc_sets = sets;
	m->stec = calloc((size_t)sets * ways, sizeof(*m->stec));
	m->cdc = calloc((size_t)sets * ways, sizeof(*m->cdc));
	m->stec_victim = calloc(sets, sizeof(uint32_t));
	m->cdc_victim = calloc(sets, sizeof(uint32_t));
	if (!m->tlb || !m->tlb_victim || !m->stec || !m->cdc ||
	    !m->stec_victim || !m->cdc_victim)
		return -SMMUKIT_ENOMEM;
	return 0;
}

void model_caches_free(struct smmukit_model *m)
{
	free(m->tlb);
	free(m->tlb_victim);
	free(m->wc);
	free(m->wc_victim);
	free(m->stec);
	free(m->cdc);
	free(m->stec_victim);
	free(m->cdc_victim);
}

void model_caches_count(struct smmukit_model *m)
{
	uint64_t n = 0;

	for (size_t i = 0; i < (size_t)m->tlb_sets * m->tlb_ways; i++)
		n += m->tlb[i].kind != 0;
	m->stats.iotlb_valid = n;
	n = 0;
	for (size_t i = 0; m->wc && i < (size_t)3 * m->wc_sets * m->wc_ways;
	     i++)
		n += m->wc[i].stage != 0;
	m->stats.walkcache_valid = n;
	n = 0;
	for (size_t i = 0; i < (size_t)m->cc_sets * m->cc_ways; i++)
		n += m->stec[i].valid + m->cdc[i].valid;
	m->stats.cfgcache_valid = n;
}

/* SPDX-License-Identifier: MIT */
/*
 * Configuration: stream table lookup (linear and 2-level), STE and CD
 * decoding with the checks that make them bad, and the configuration cache
 * (one cache of STEs by SID, one of CDs by SID and CD index). Only valid,
 * well-formed descriptors are cached; cached ones stay in use until a
 * matching CFGI_* (applied at the next CMD_SYNC's completion) removes them.
 * Everything here runs under the model lock.
 */
#include <string.h>

#include "model_internal.h"

static unsigned idr_oas_bits(const struct smmukit_model *m)
{
	return model_ias_bits(m);
}

static bool gran_ok(const struct smmukit_model *m, unsigned pg)
{
	switch (pg) {
	case 12: return m->cfg.gran & SMMUKIT_MODEL_GRAN_4K;
	case 14: return m->cfg.gran & SMMUKIT_MODEL_GRAN_16K;
	case 16: return m->cfg.gran & SMMUKIT_MODEL_GRAN_64K;
	default: return false;
	}
}

static void cfg_fault(struct xres *r, unsigned ev, uint64_t fetch_addr)
{
	r->event = ev;
	r->record = true;
	r->fetch_addr = fetch_addr;
}

/* ---- stream table ---- */

/*
 * Find the STE of sid. Returns 0 with *ste_pa (and *l1_pa, ~0 for linear),
 * or an event ID with the fault in *r.
 */
static unsigned strtab_locate(struct smmukit_model *m, uint32_t sid,
			      uint64_t *ste_pa, uint64_t *l1_pa,
			      struct xres *r)
{
	unsigned log2size = (unsigned)smmukit_field_get(STRTAB_BASE_CFG_LOG2SIZE,
							m->strtab_base_cfg);
	unsigned fmt = (unsigned)smmukit_field_get(STRTAB_BASE_CFG_FMT,
						   m->strtab_base_cfg);
	uint64_t base = m->strtab_base & STRTAB_BASE_ADDR;

	if (log2size > m->cfg.sidsize)
		log2size = m->cfg.sidsize;
	*l1_pa = ~UINT64_C(0);
	if (log2size < 32 && (sid >> log2size) != 0)
		goto bad_sid;
	if (fmt == STRTAB_BASE_CFG_FMT_LINEAR) {
		/* Misaligned bases read as aligned, as hardware does. */
		base &= ~((UINT64_C(64) << log2size) - 1);
		*ste_pa = base + (uint64_t)sid * SMMUV3_STE_SIZE;
		return 0;
	}
	if (fmt == STRTAB_BASE_CFG_FMT_2LVL && m->cfg.strtab_2lvl) {
		unsigned split = (unsigned)smmukit_field_get(
			STRTAB_BASE_CFG_SPLIT, m->strtab_base_cfg);
		uint64_t l1, l2ptr;
		unsigned span;
		uint32_t l2idx;

		if (split != 6 && split != 8 && split != 10)
			goto bad_sid;
		if (split > log2size)
			split = log2size;
		*l1_pa = base + (uint64_t)(sid >> split) * SMMUV3_L1STD_SIZE;
		r->reads++;
		if (!model_read64(m, *l1_pa, &l1)) {
			cfg_fault(r, SMMUV3_EVT_F_STE_FETCH, *l1_pa);
			return r->event;
		}
		span = (unsigned)smmukit_field_get(L1STD_SPAN, l1);
		l2ptr = l1 & L1STD_L2PTR;
		l2idx = sid & (uint32_t)((UINT64_C(1) << split) - 1);
		if (span == 0 || span > split + 1 ||
		    l2idx >= (UINT64_C(1) << (span - 1)))
			goto bad_sid;
		*ste_pa = l2ptr + (uint64_t)l2idx * SMMUV3_STE_SIZE;
		return 0;
	}
bad_sid:
	cfg_fault(r, SMMUV3_EVT_C_BAD_STREAMID, 0);
	return r->event;
}

/* Decode an STE; returns 0 or C_BAD_STE (with the reason in *why). */
static unsigned ste_decode(struct smmukit_model *m, const uint64_t dw[4],
			   struct ste_info *s, const char **why)
{
	memset(s, 0, sizeof(*s));
	if (!(dw[0] & STE0_V)) {
		*why = "STE.V = 0";
		return SMMUV3_EVT_C_BAD_STE;
	}
	s->config = (unsigned)smmukit_field_get(STE0_CFG, dw[0]);
	switch (s->config) {
	case STE0_CFG_ABORT:
	case STE0_CFG_BYPASS:
		return 0;
	case STE0_CFG_S1_TRANS:
		if (!m->cfg.s1)
			goto no_stage;
		break;
	case STE0_CFG_S2_TRANS:
		if (!m->cfg.s2)
			goto no_stage;
		break;
	case STE0_CFG_NESTED:
		if (!m->cfg.s1 || !m->cfg.s2)
			goto no_stage;
		break;
	default:
		*why = "reserved STE.Config";
		return SMMUV3_EVT_C_BAD_STE;
	}
	s->strw = (unsigned)smmukit_field_get(STE1_STRW, dw[1]);
	if (s->strw != STE1_STRW_NSEL1 &&
	    !(s->strw == STE1_STRW_EL2 && m->cfg.hyp &&
	      s->config == STE0_CFG_S1_TRANS)) {
		*why = "STE.STRW not allowed";
		return SMMUV3_EVT_C_BAD_STE;
	}
	if (smmukit_field_get(STE1_EATS, dw[1])) {
		*why = "STE.EATS != 0 without ATS";
		return SMMUV3_EVT_C_BAD_STE;
	}
	if (s->config & 1) {	/* stage 1 */
		s->s1ctxptr = dw[0] & STE0_S1CONTEXTPTR;
		s->s1cdmax = (unsigned)smmukit_field_get(STE0_S1CDMAX, dw[0]);
		s->s1dss = (unsigned)smmukit_field_get(STE1_S1DSS, dw[1]);
		/* With S1CDMax = 0 there is one CD and S1Fmt is ignored. */
		if (s->s1cdmax &&
		    smmukit_field_get(STE0_S1FMT, dw[0]) != STE0_S1FMT_LINEAR) {
			*why = "STE.S1Fmt: 2-level CD tables not implemented";
			return SMMUV3_EVT_C_BAD_STE;
		}
		if (s->s1cdmax > m->cfg.ssidsize) {
			*why = "STE.S1CDMax > SSIDSIZE";
			return SMMUV3_EVT_C_BAD_STE;
		}
		if (s->s1cdmax && s->s1dss > STE1_S1DSS_SSID0) {
			*why = "reserved STE.S1DSS";
			return SMMUV3_EVT_C_BAD_STE;
		}
		if (dw[1] & STE1_S1STALLD) {
			*why = "STE.S1STALLD without stall support";
			return SMMUV3_EVT_C_BAD_STE;
		}
	}
	if (s->config & 2) {	/* stage 2 */
		unsigned tg = (unsigned)smmukit_field_get(STE2_S2TG, dw[2]);
		unsigned t0sz = (unsigned)smmukit_field_get(STE2_S2T0SZ, dw[2]);
		unsigned sl0 = (unsigned)smmukit_field_get(STE2_S2SL0, dw[2]);
		unsigned ps = (unsigned)smmukit_field_get(STE2_S2PS, dw[2]);
		unsigned pg, lower, oas;

		s->vmid = (uint32_t)smmukit_field_get(STE2_S2VMID, dw[2]);
		if (!(dw[2] & STE2_S2AA64) || (dw[2] & STE2_S2ENDI)) {
			*why = "STE.S2AA64 = 0 or S2ENDI = 1";
			return SMMUV3_EVT_C_BAD_STE;
		}
		if (dw[2] & (STE2_S2HA | STE2_S2HD | STE2_S2S)) {
			*why = "STE.S2HA/S2HD/S2S without support";
			return SMMUV3_EVT_C_BAD_STE;
		}
		if (!m->cfg.vmid16 && s->vmid > 0xff) {
			*why = "STE.S2VMID wider than 8 bits";
			return SMMUV3_EVT_C_BAD_STE;
		}
		pg = tg == STE2_S2TG_4K ? 12 : tg == STE2_S2TG_64K ? 16 :
		     tg == STE2_S2TG_16K ? 14 : 0;
		if (!gran_ok(m, pg)) {
			*why = "STE.S2TG: granule not supported";
			return SMMUV3_EVT_C_BAD_STE;
		}
		oas = smmuv3_oas_bits(ps);
		if (!oas) {
			*why = "reserved STE.S2PS";
			return SMMUV3_EVT_C_BAD_STE;
		}
		if (oas > idr_oas_bits(m))
			oas = idr_oas_bits(m);
		if (t0sz < 64 - 52 || t0sz > 64 - 24 ||
		    (64 - t0sz > 48 && !(pg == 16 && oas == 52))) {
			*why = "STE.S2T0SZ out of range";
			return SMMUV3_EVT_C_BAD_STE;
		}
		if (64 - t0sz > model_ias_bits(m)) {
			/* The stage-2 input is an IPA: at most IAS bits. */
			*why = "STE.S2T0SZ: input size beyond IAS";
			return SMMUV3_EVT_C_BAD_STE;
		}
		if (sl0 == 3) {
			*why = "reserved STE.S2SL0";
			return SMMUV3_EVT_C_BAD_STE;
		}
		s->s2_start_level = pg == 12 ? 2 - sl0 : 3 - sl0;
		s->s2_ias = 64 - t0sz;
		s->s2_pgshift = pg;
		lower = pg + (3 - s->s2_start_level) * (pg - 3);
		if (s->s2_ias <= lower || s->s2_ias - lower > pg - 3 + 4 ||
		    (s->s2_start_level == 0 && s->s2_ias - lower > pg - 3)) {
			*why = "STE.S2SL0 inconsistent with S2T0SZ";
			return SMMUV3_EVT_C_BAD_STE;
		}
		s->s2_top_bits = s->s2_ias - lower;
		s->s2_oas = oas;
		s->s2_affd = !!(dw[2] & STE2_S2AFFD);
		s->s2r = !!(dw[2] & STE2_S2R);
		s->s2ttb = dw[3] & STE3_S2TTB;
		if (s->s2ttb & ((UINT64_C(8) << s->s2_top_bits) - 1)) {
			*why = "STE.S2TTB not aligned to the table size";
			return SMMUV3_EVT_C_BAD_STE;
		}
		if (oas < 64 && (s->s2ttb >> oas)) {
			*why = "STE.S2TTB beyond S2PS";
			return SMMUV3_EVT_C_BAD_STE;
		}
	}
	return 0;
no_stage:
	*why = "STE.Config names a stage the SMMU lacks";
	return SMMUV3_EVT_C_BAD_STE;
}

/* One TTBx half of a CD. */
static const char *cd_ttb(struct smmukit_model *m, unsigned pg, unsigned tsz,
			  uint64_t ttb, unsigned oas, unsigned *ias,
			  unsigned *start, unsigned *top)
{
	unsigned levels;

	if (!gran_ok(m, pg))
		return "CD.TGx: granule not supported";
	if (tsz < 16 || tsz > 39)
		return "CD.TxSZ out of range";
	*ias = 64 - tsz;
	levels = (*ias - pg + (pg - 3) - 1) / (pg - 3);
	*start = 4 - levels;
	*top = *ias - pg - (levels - 1) * (pg - 3);
	if (ttb & ((UINT64_C(8) << *top) - 1) & ~UINT64_C(0xf))
		return "CD.TTBx not aligned to the table size";
	if (oas < 64 && (ttb >> oas))
		return "CD.TTBx beyond IPS";
	return NULL;
}

static unsigned cd_decode(struct smmukit_model *m, const uint64_t dw[4],
			  struct cd_info *c, const char **why)
{
	unsigned ips;

	memset(c, 0, sizeof(*c));
	if (!(dw[0] & CD0_V)) {
		*why = "CD.V = 0";
		return SMMUV3_EVT_C_BAD_CD;
	}
	if (!(dw[0] & CD0_AA64) || (dw[0] & CD0_ENDI)) {
		*why = "CD.AA64 = 0 or ENDI = 1";
		return SMMUV3_EVT_C_BAD_CD;
	}
	if (dw[0] & (CD0_HA | CD0_HD | CD0_S)) {
		*why = "CD.HA/HD/S without support";
		return SMMUV3_EVT_C_BAD_CD;
	}
	if (!(dw[0] & CD0_A)) {
		*why = "CD.A = 0 with IDR0.TERM_MODEL = 1";
		return SMMUV3_EVT_C_BAD_CD;
	}
	c->asid = (uint32_t)smmukit_field_get(CD0_ASID, dw[0]);
	if (!m->cfg.asid16 && c->asid > 0xff) {
		*why = "CD.ASID wider than 8 bits";
		return SMMUV3_EVT_C_BAD_CD;
	}
	ips = smmuv3_oas_bits((unsigned)smmukit_field_get(CD0_IPS, dw[0]));
	if (!ips) {
		*why = "reserved CD.IPS";
		return SMMUV3_EVT_C_BAD_CD;
	}
	c->oas = ips < idr_oas_bits(m) ? ips : idr_oas_bits(m);
	c->r = !!(dw[0] & CD0_R);
	c->a = true;
	c->affd = !!(dw[0] & CD0_AFFD);
	c->had0 = !!(dw[1] & CD1_HAD0);
	c->had1 = !!(dw[2] & CD2_HAD1);
	c->epd0 = !!(dw[0] & CD0_EPD0);
	c->epd1 = !!(dw[0] & CD0_EPD1);
	if (!c->epd0) {
		unsigned tg = (unsigned)smmukit_field_get(CD0_TG0, dw[0]);

		c->pgshift0 = tg == CD0_TG0_4K ? 12 : tg == CD0_TG0_64K ? 16 :
			      tg == CD0_TG0_16K ? 14 : 0;
		c->ttb0 = dw[1] & CD1_TTB0;
		*why = cd_ttb(m, c->pgshift0,
			      (unsigned)smmukit_field_get(CD0_T0SZ, dw[0]),
			      c->ttb0, c->oas, &c->ias0, &c->start0, &c->top0);
		if (*why)
			return SMMUV3_EVT_C_BAD_CD;
	} else {
		c->ias0 = 64 - (unsigned)smmukit_field_get(CD0_T0SZ, dw[0]);
		if (c->ias0 > 64 || c->ias0 < 25)
			c->ias0 = 48;
	}
	if (!c->epd1) {
		unsigned tg = (unsigned)smmukit_field_get(CD0_TG1, dw[0]);

		c->pgshift1 = tg == CD0_TG1_4K ? 12 : tg == CD0_TG1_64K ? 16 :
			      tg == CD0_TG1_16K ? 14 : 0;
		c->ttb1 = dw[2] & CD2_TTB1;
		*why = cd_ttb(m, c->pgshift1,
			      (unsigned)smmukit_field_get(CD0_T1SZ, dw[0]),
			      c->ttb1, c->oas, &c->ias1, &c->start1, &c->top1);
		if (*why)
			return SMMUV3_EVT_C_BAD_CD;
	} else {
		c->ias1 = 64;
	}
	return 0;
}

/* ---- the caches ---- */

static struct ste_centry *stec_find(struct smmukit_model *m, uint32_t sid)
{
	struct ste_centry *set =
		&m->stec[(size_t)(sid & (m->cc_sets - 1)) * m->cc_ways];

	for (unsigned i = 0; i < m->cc_ways; i++)
		if (set[i].valid && set[i].sid == sid)
			return &set[i];
	return NULL;
}

static size_t cd_set_idx(const struct smmukit_model *m, uint32_t sid,
			 uint32_t cdidx)
{
	return (size_t)((sid ^ (cdidx * 0x9e3779b1u)) & (m->cc_sets - 1));
}

static struct cd_centry *cdc_find(struct smmukit_model *m, uint32_t sid,
				  uint32_t cdidx)
{
	struct cd_centry *set = &m->cdc[cd_set_idx(m, sid, cdidx) * m->cc_ways];

	for (unsigned i = 0; i < m->cc_ways; i++)
		if (set[i].valid && set[i].sid == sid && set[i].ssid == cdidx)
			return &set[i];
	return NULL;
}

static struct ste_centry *stec_slot(struct smmukit_model *m, uint32_t sid)
{
	size_t si = (size_t)(sid & (m->cc_sets - 1));
	struct ste_centry *set = &m->stec[si * m->cc_ways];

	for (unsigned i = 0; i < m->cc_ways; i++)
		if (!set[i].valid)
			return &set[i];
	m->stats.cfgcache_evictions++;
	return &set[m->stec_victim[si]++ % m->cc_ways];
}

static struct cd_centry *cdc_slot(struct smmukit_model *m, uint32_t sid,
				  uint32_t cdidx)
{
	size_t si = cd_set_idx(m, sid, cdidx);
	struct cd_centry *set = &m->cdc[si * m->cc_ways];

	for (unsigned i = 0; i < m->cc_ways; i++)
		if (!set[i].valid)
			return &set[i];
	m->stats.cfgcache_evictions++;
	return &set[m->cdc_victim[si]++ % m->cc_ways];
}

static void log_bad_cfg(struct smmukit_model *m, unsigned ev, uint32_t sid,
			const char *why)
{
	smmukit_dbg(m->plat, "smmu-model: %s for SID %#x: %s",
		    smmuv3_event_name(ev), sid, why);
}

/*
 * Resolve the configuration of (sid, ssid) into *xc. Returns 0, an event ID
 * (fault in *r, record flag set), or SMMUKIT_MODEL_ABORT for a silent abort.
 * fresh: read the tables, neither using nor filling the caches (checking).
 */
unsigned model_get_config(struct smmukit_model *m, uint32_t sid, uint32_t ssid,
			  bool fresh, struct xcfg *xc, struct xres *r)
{
	struct ste_centry *se = NULL;
	struct cd_centry *ce = NULL;
	const char *why = "";
	uint32_t cdidx;
	unsigned ev;

	memset(xc, 0, sizeof(*xc));
	xc->sid = sid;
	xc->ssid = ssid;
	if (!fresh)
		se = stec_find(m, sid);
	if (se) {
		xc->ste_copy = se->info;
		xc->cfg_cached = true;
		m->stats.cfgcache_hits++;
	} else {
		uint64_t ste_pa, l1_pa, dw[4];

		if (!fresh)
			m->stats.cfgcache_misses++;
		ev = strtab_locate(m, sid, &ste_pa, &l1_pa, r);
		if (ev) {
			if (ev == SMMUV3_EVT_C_BAD_STREAMID)
				log_bad_cfg(m, ev, sid, "not in the stream table");
			return ev;
		}
		xc->cfg_cost_reads++;
		for (unsigned i = 0; i < 4; i++) {
			if (!model_read64(m, ste_pa + 8 * i, &dw[i])) {
				cfg_fault(r, SMMUV3_EVT_F_STE_FETCH,
					  ste_pa + 8 * i);
				return r->event;
			}
		}
		ev = ste_decode(m, dw, &xc->ste_copy, &why);
		if (ev) {
			log_bad_cfg(m, ev, sid, why);
			cfg_fault(r, ev, 0);
			return ev;
		}
		if (!fresh) {
			se = stec_slot(m, sid);
			se->valid = true;
			se->sid = sid;
			se->ste_pa = ste_pa;
			se->l1_pa = l1_pa;
			se->info = xc->ste_copy;
		}
	}
	xc->ste = &xc->ste_copy;
	switch (xc->ste->config) {
	case STE0_CFG_ABORT:
		r->event = SMMUKIT_MODEL_ABORT;
		return r->event;
	case STE0_CFG_BYPASS:
		xc->bypass = true;
		return 0;
	}
	xc->s2 = xc->ste->config & 2;
	xc->vmid = xc->ste->vmid;
	xc->regime = xc->ste->strw == STE1_STRW_EL2 ? REGIME_EL2 : REGIME_NH;
	if (xc->regime == REGIME_EL2)
		xc->vmid = 0;
	if (!(xc->ste->config & 1)) {
		if (ssid != SMMUKIT_MODEL_NO_SSID) {
			cfg_fault(r, SMMUV3_EVT_C_BAD_SUBSTREAMID, 0);
			return r->event;
		}
		return 0;
	}

	/* Stage 1: which CD? */
	if (ssid == SMMUKIT_MODEL_NO_SSID) {
		if (xc->ste->s1cdmax && xc->ste->s1dss == STE1_S1DSS_TERMINATE) {
			cfg_fault(r, SMMUV3_EVT_F_STREAM_DISABLED, 0);
			return r->event;
		}
		if (xc->ste->s1cdmax && xc->ste->s1dss == STE1_S1DSS_BYPASS) {
			xc->bypass = !xc->s2;
			return 0;
		}
		cdidx = 0;
	} else {
		if (!xc->ste->s1cdmax ||
		    (xc->ste->s1cdmax < 32 && (ssid >> xc->ste->s1cdmax))) {
			cfg_fault(r, SMMUV3_EVT_C_BAD_SUBSTREAMID, 0);
			r->ipa = 0;
			return r->event;
		}
		cdidx = ssid;
	}
	xc->s1 = true;
	if (!fresh)
		ce = cdc_find(m, sid, cdidx);
	if (ce) {
		xc->cd_copy = ce->info;
		xc->cfg_cached = true;
		m->stats.cfgcache_hits++;
	} else {
		uint64_t cd_addr = xc->ste->s1ctxptr +
				   (uint64_t)cdidx * SMMUV3_CD_SIZE;
		uint64_t cd_pa = cd_addr, dw[4];

		if (!fresh)
			m->stats.cfgcache_misses++;
		if (xc->s2) {
			/* Nested: the CD pointer is an IPA. */
			struct xres r2 = { 0 };

			xc->ste = &xc->ste_copy;
			model_translate_walk(m, &(struct xcfg){
				.sid = sid, .ssid = ssid, .s2 = true,
				.vmid = xc->vmid, .regime = xc->regime,
				.ste = &xc->ste_copy }, cd_addr, false,
				!fresh, &r2, 0);
			if (r2.event) {
				*r = r2;
				r->class_ = EVT1_CLASS_CD;
				r->s2 = true;
				r->ipa = cd_addr;
				return r->event;
			}
			cd_pa = r2.pa;
		}
		xc->cfg_cost_reads++;
		for (unsigned i = 0; i < 4; i++) {
			if (!model_read64(m, cd_pa + 8 * i, &dw[i])) {
				cfg_fault(r, SMMUV3_EVT_F_CD_FETCH, cd_pa + 8 * i);
				return r->event;
			}
		}
		ev = cd_decode(m, dw, &xc->cd_copy, &why);
		if (ev) {
			log_bad_cfg(m, ev, sid, why);
			cfg_fault(r, ev, 0);
			return ev;
		}
		if (!fresh) {
			ce = cdc_slot(m, sid, cdidx);
			ce->valid = true;
			ce->sid = sid;
			ce->ssid = cdidx;
			ce->cd_pa = cd_pa;
			ce->info = xc->cd_copy;
		}
	}
	xc->cd = &xc->cd_copy;
	xc->asid = xc->cd->asid;
	return 0;
}

/* Apply a CFGI_* command now (its CMD_SYNC has completed). */
void model_cfgi(struct smmukit_model *m, const struct smmuv3_cmd *c)
{
	uint32_t lo = 0, hi = 0;
	bool ste = false, all_cds = false;
	size_t n = (size_t)m->cc_sets * m->cc_ways;

	switch (c->opcode) {
	case SMMUV3_OP_CFGI_STE:
		lo = hi = c->cfgi.sid;
		ste = true;
		break;
	case SMMUV3_OP_CFGI_STE_RANGE: {
		unsigned range = c->cfgi.range >= 31 ? 32 : c->cfgi.range + 1;
		uint64_t span = UINT64_C(1) << range;

		lo = (uint32_t)(c->cfgi.sid & ~(span - 1));
		hi = (uint32_t)(lo + span - 1);
		ste = true;
		break;
	}
	case SMMUV3_OP_CFGI_CD:
		lo = hi = c->cfgi.sid;
		break;
	case SMMUV3_OP_CFGI_CD_ALL:
		lo = hi = c->cfgi.sid;
		all_cds = true;
		break;
	default:
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct ste_centry *se = &m->stec[i];
		struct cd_centry *ce = &m->cdc[i];

		if (ste && se->valid && se->sid >= lo && se->sid <= hi) {
			se->valid = false;
			m->stats.cfgcache_invalidated++;
		}
		if (!ce->valid || ce->sid < lo || ce->sid > hi)
			continue;
		/* An STE invalidation also drops the CDs reached through it. */
		if (ste || all_cds ||
		    ce->ssid == (c->cfgi.ssv ? c->cfgi.ssid : 0)) {
			ce->valid = false;
			m->stats.cfgcache_invalidated++;
		}
	}
}

static bool in_range(uint64_t a, uint64_t pa, uint64_t len)
{
	return a >= pa && a - pa < len;
}

/* Do [a, a + alen) and [pa, pa + len) overlap? (No overflow.) */
static bool overlaps(uint64_t a, uint64_t alen, uint64_t pa, uint64_t len)
{
	if (!alen || !len)
		return false;
	return a >= pa ? a - pa < len : pa - a < alen;
}

/* Whole root tables: 8 bytes per index of the top level (concatenated). */
static uint64_t root_bytes(unsigned top_bits)
{
	return UINT64_C(8) << top_bits;
}

int model_cfg_check_free(struct smmukit_model *m, uint64_t pa, uint64_t len)
{
	size_t n = (size_t)m->cc_sets * m->cc_ways;
	int found = 0;

	for (size_t i = 0; i < n; i++) {
		const struct ste_centry *se = &m->stec[i];
		const struct cd_centry *ce = &m->cdc[i];

		/*
		 * A cached stage-1 STE still reaches its whole CD table
		 * (2^S1CDMax CDs), even after CFGI_CD dropped the CDs. With
		 * nesting S1ContextPtr is an IPA: the cached CDs hold their
		 * PAs, and those are checked below.
		 */
		if (se->valid &&
		    (in_range(se->ste_pa, pa, len) ||
		     in_range(se->l1_pa, pa, len) ||
		     (se->info.config == STE0_CFG_S1_TRANS &&
		      overlaps(se->info.s1ctxptr,
			       (uint64_t)SMMUV3_CD_SIZE << se->info.s1cdmax,
			       pa, len)) ||
		     ((se->info.config & 2) &&
		      overlaps(se->info.s2ttb,
			       root_bytes(se->info.s2_top_bits), pa, len))))
			found++;
		if (ce->valid &&
		    (in_range(ce->cd_pa, pa, len) ||
		     (!ce->info.epd0 &&
		      overlaps(ce->info.ttb0, root_bytes(ce->info.top0), pa,
			       len)) ||
		     (!ce->info.epd1 &&
		      overlaps(ce->info.ttb1, root_bytes(ce->info.top1), pa,
			       len))))
			found++;
	}
	return found;
}

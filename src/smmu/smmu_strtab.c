/* SPDX-License-Identifier: MIT */
/*
 * Stream table (linear and 2-level) and context descriptors.
 *
 * Update order (IHI 0070 ch. 3; docs/smmu.md). A descriptor the SMMU may be reading is
 * only ever changed so that each 64-bit word is valid on its own:
 *  - a live STE that routes somewhere is first turned into an abort STE by
 *    one 64-bit store of DW0 (Config=abort ignores every other word), then
 *    CFGI_STE (+ CFGI_CD_ALL if it pointed at CDs) + CMD_SYNC; the CFGIs
 *    are issued for every SID that has an owner even when DW0 already
 *    reads abort (a retry after a failure between the store and the
 *    queueing of the CFGIs);
 *  - the new contents are then written DW7..DW1 first, a write barrier, and
 *    DW0 (which holds V and Config) last in one store, then CFGI_STE +
 *    CMD_SYNC.
 * This is the conservative "break before make" sequence rather than Linux's
 * hitless writer: attach/detach are not hot paths, and a transaction during
 * the window aborts instead of using a half-written STE.
 * A level-2 table is filled (with default STEs) and synced before its
 * level-1 descriptor is published, SPAN and L2Ptr in one store.
 */
#include "smmu_internal.h"

static uint64_t bytes_order(uint64_t bytes)
{
	unsigned order = 0;

	while ((SMMUKIT_PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

/*
 * Does an unattached sid bypass? With bypass_unattached: every SID of a
 * linear table; in a 2-level table only the SIDs initialised by
 * smmukit_smmu_init_stream, so that the answer never depends on which
 * neighbour's attach happened to allocate the level-2 table.
 */
static bool sid_bypasses(const struct smmukit_smmu *s, uint32_t sid)
{
	const struct strtab_chunk *c;
	uint32_t idx;

	if (!s->cfg.bypass_unattached)
		return false;
	if (!s->two_level)
		return true;
	c = &s->chunks[sid >> s->chunk_log2];
	idx = sid & ((UINT32_C(1) << s->chunk_log2) - 1);
	return c->allocated && (c->inited[idx / 64] >> (idx % 64) & 1);
}

/* The STE for streams attached to nothing: abort, or bypass. */
static void ste_default(bool bypass, uint64_t ste[SMMUV3_STE_DWORDS])
{
	for (unsigned i = 0; i < SMMUV3_STE_DWORDS; i++)
		ste[i] = 0;
	if (bypass) {
		ste[0] = STE0_V | smmukit_field_prep(STE0_CFG, STE0_CFG_BYPASS);
		ste[1] = smmukit_field_prep(STE1_SHCFG, STE1_SHCFG_INCOMING);
	} else {
		ste[0] = STE0_V | smmukit_field_prep(STE0_CFG, STE0_CFG_ABORT);
	}
}

void smmu_cd_build(const struct smmukit_smmu *s, const struct smmu_domain *d,
	      uint64_t cd[SMMUV3_CD_DWORDS])
{
	const struct smmukit_pgtable_s1_cfg *c = &d->pgt->cfg.s1;

	for (unsigned i = 0; i < SMMUV3_CD_DWORDS; i++)
		cd[i] = 0;
	/* R: record translation faults; A: abort with an error (required
	 * when TERM_MODEL=1, and what we want anyway); ASET: ASID private to
	 * the SMMU (no broadcast TLBI from CPUs); EPD1: TTB1 unused. */
	cd[0] = smmukit_field_prep(CD0_T0SZ, c->t0sz) |
		smmukit_field_prep(CD0_TG0, c->tg0) |
		smmukit_field_prep(CD0_IRGN0, c->irgn0) |
		smmukit_field_prep(CD0_ORGN0, c->orgn0) |
		smmukit_field_prep(CD0_SH0, c->sh0) | CD0_EPD1 | CD0_V |
		smmukit_field_prep(CD0_IPS, c->ips) | CD0_AA64 | CD0_R |
		CD0_A | CD0_ASET | smmukit_field_prep(CD0_ASID, d->asid);
	cd[1] = c->ttb & CD1_TTB0;
	cd[3] = c->mair;
	(void)s;
}

static void ste_build(const struct smmukit_smmu *s, const struct smmu_domain *d,
		      uint32_t sid, uint64_t ste[SMMUV3_STE_DWORDS])
{
	unsigned cache = s->coherent ? STE1_S1C_WBRA : STE1_S1C_NC;
	unsigned sh = s->coherent ? SMMUV3_SH_ISH : SMMUV3_SH_OSH;

	if (!d) {
		ste_default(sid_bypasses(s, sid), ste);
		return;
	}
	for (unsigned i = 0; i < SMMUV3_STE_DWORDS; i++)
		ste[i] = 0;
	if (d->dom.kind == SMMUKIT_IOMMU_DRV_DOMAIN_IDENTITY) {
		/* Bypass, with the incoming shareability (Linux's recipe). */
		ste[0] = STE0_V | smmukit_field_prep(STE0_CFG, STE0_CFG_BYPASS);
		ste[1] = smmukit_field_prep(STE1_SHCFG, STE1_SHCFG_INCOMING);
	} else if (d->dom.kind == SMMUKIT_IOMMU_DRV_DOMAIN_BLOCKED) {
		ste[0] = STE0_V | smmukit_field_prep(STE0_CFG, STE0_CFG_ABORT);
	} else if (d->dom.stage == 1) {
		ste[0] = STE0_V |
			 smmukit_field_prep(STE0_CFG, STE0_CFG_S1_TRANS) |
			 smmukit_field_prep(STE0_S1FMT, STE0_S1FMT_LINEAR) |
			 (d->cd_mem.pa & STE0_S1CONTEXTPTR) |
			 smmukit_field_prep(STE0_S1CDMAX, 0);
		ste[1] = smmukit_field_prep(STE1_S1CIR, cache) |
			 smmukit_field_prep(STE1_S1COR, cache) |
			 smmukit_field_prep(STE1_S1CSH, sh) |
			 smmukit_field_prep(STE1_STRW, STE1_STRW_NSEL1);
		/* Stalls disabled where the SMMU could stall (QEMU rejects
		 * S1STALLD when it cannot). */
		if (smmukit_field_get(IDR0_STALL_MODEL, s->info.idr[0]) ==
		    IDR0_STALL_MODEL_STALL)
			ste[1] |= STE1_S1STALLD;
	} else {
		const struct smmukit_pgtable_s2_cfg *c = &d->pgt->cfg.s2;

		ste[0] = STE0_V |
			 smmukit_field_prep(STE0_CFG, STE0_CFG_S2_TRANS);
		ste[2] = smmukit_field_prep(STE2_S2VMID, d->vmid) |
			 smmukit_field_prep(STE2_S2T0SZ, c->s2t0sz) |
			 smmukit_field_prep(STE2_S2SL0, c->s2sl0) |
			 smmukit_field_prep(STE2_S2IR0, c->s2ir0) |
			 smmukit_field_prep(STE2_S2OR0, c->s2or0) |
			 smmukit_field_prep(STE2_S2SH0, c->s2sh0) |
			 smmukit_field_prep(STE2_S2TG, c->s2tg) |
			 smmukit_field_prep(STE2_S2PS, c->s2ps) |
			 STE2_S2AA64 | STE2_S2R;
		ste[3] = c->vttb & STE3_S2TTB;
	}
}

int smmu_strtab_alloc(struct smmukit_smmu *s)
{
	unsigned sid_bits = s->info.sid_bits;
	uint64_t nchunks, bytes;

	/* The embedder's bound: no table for SIDs it will never use. */
	if (s->cfg.sid_bits && s->cfg.sid_bits < sid_bits)
		sid_bits = s->cfg.sid_bits;
	int ret;

	s->two_level = s->info.strtab_2lvl && !s->cfg.force_linear_strtab &&
		       sid_bits > STRTAB_SPLIT;
	if (s->two_level) {
		s->strtab_log2 = (unsigned)smmukit_min_u64(
			sid_bits, STRTAB_L1_MAX_LOG2 + STRTAB_SPLIT);
		s->chunk_log2 = STRTAB_SPLIT;
		nchunks = UINT64_C(1) << (s->strtab_log2 - STRTAB_SPLIT);
		bytes = nchunks * SMMUV3_L1STD_SIZE;
	} else {
		s->strtab_log2 = (unsigned)smmukit_min_u64(
			sid_bits, STRTAB_LINEAR_MAX_LOG2);
		s->chunk_log2 = s->strtab_log2;
		nchunks = 1;
		bytes = (UINT64_C(1) << s->strtab_log2) * SMMUV3_STE_SIZE;
	}
	if (s->strtab_log2 < sid_bits)
		smmukit_warn(s->plat,
			     "smmu: stream table covers %u of %u SID bits",
			     s->strtab_log2, sid_bits);
	/* Naturally aligned: the table is aligned to its size (>= 64 B). */
	ret = smmukit_plat_alloc_pages(s->plat, (unsigned)bytes_order(bytes),
				       &s->strtab_mem);
	if (ret)
		return ret;
	s->chunks = smmukit_plat_zalloc(s->plat, nchunks * sizeof(*s->chunks));
	if (!s->chunks)
		goto nomem;
	if (!s->two_level) {
		struct strtab_chunk *c = &s->chunks[0];
		uint64_t ste[SMMUV3_STE_DWORDS];
		volatile uint64_t *p = s->strtab_mem.cpu;

		c->owner = smmukit_plat_zalloc(
			s->plat, (sizeof(*c->owner)) << s->strtab_log2);
		if (!c->owner)
			goto nomem;
		c->mem = s->strtab_mem;
		c->allocated = true;
		ste_default(s->cfg.bypass_unattached, ste);
		for (uint64_t i = 0; i < (UINT64_C(1) << s->strtab_log2); i++)
			for (unsigned w = 0; w < SMMUV3_STE_DWORDS; w++)
				smmukit_write_once64(&p[i * SMMUV3_STE_DWORDS + w],
						     ste[w]);
	}
	/* Level-1 descriptors start as SPAN=0 (invalid): zeroed memory. */
	smmu_sync_dev(s, s->strtab_mem.pa, (size_t)bytes);
	s->info.strtab_2lvl_used = s->two_level;
	s->info.strtab_log2 = s->strtab_log2;
	s->info.strtab_split = s->two_level ? STRTAB_SPLIT : 0;
	return 0;
nomem:
	if (s->chunks)
		smmukit_plat_free(s->plat, s->chunks,
				  nchunks * sizeof(*s->chunks));
	s->chunks = NULL;
	smmukit_plat_free_pages(s->plat, &s->strtab_mem);
	return -SMMUKIT_ENOMEM;
}

void smmu_strtab_free(struct smmukit_smmu *s)
{
	uint64_t nchunks = UINT64_C(1) << (s->strtab_log2 - s->chunk_log2);

	if (!s->chunks)
		return;
	for (uint64_t i = 0; i < nchunks; i++) {
		struct strtab_chunk *c = &s->chunks[i];

		if (!c->allocated)
			continue;
		smmukit_plat_free(s->plat, c->owner,
				  sizeof(*c->owner) << s->chunk_log2);
		if (s->two_level)
			smmukit_plat_free_pages(s->plat, &c->mem);
	}
	smmukit_plat_free(s->plat, s->chunks, nchunks * sizeof(*s->chunks));
	s->chunks = NULL;
	/* An SMMU left enabled (no GBPA) may still read it. */
	if (!s->strtab_parked)
		smmukit_plat_free_pages(s->plat, &s->strtab_mem);
}

uint64_t smmu_strtab_base_cfg(const struct smmukit_smmu *s)
{
	uint64_t v = smmukit_field_prep(STRTAB_BASE_CFG_LOG2SIZE, s->strtab_log2);

	if (s->two_level)
		v |= smmukit_field_prep(STRTAB_BASE_CFG_FMT,
					STRTAB_BASE_CFG_FMT_2LVL) |
		     smmukit_field_prep(STRTAB_BASE_CFG_SPLIT, STRTAB_SPLIT);
	else
		v |= smmukit_field_prep(STRTAB_BASE_CFG_FMT,
					STRTAB_BASE_CFG_FMT_LINEAR);
	return v;
}

bool smmu_strtab_sid_valid(const struct smmukit_smmu *s, uint32_t sid)
{
	return (uint64_t)sid < (UINT64_C(1) << s->strtab_log2);
}

struct smmu_domain *smmu_strtab_owner(struct smmukit_smmu *s, uint32_t sid)
{
	struct strtab_chunk *c = &s->chunks[sid >> s->chunk_log2];

	if (!c->allocated)
		return NULL;
	return c->owner[sid & ((UINT64_C(1) << s->chunk_log2) - 1)];
}

static void set_owner(struct smmukit_smmu *s, uint32_t sid,
		      struct smmu_domain *d)
{
	struct strtab_chunk *c = &s->chunks[sid >> s->chunk_log2];

	c->owner[sid & ((UINT64_C(1) << s->chunk_log2) - 1)] = d;
}

static volatile uint64_t *ste_ptr(struct smmukit_smmu *s, uint32_t sid)
{
	struct strtab_chunk *c = &s->chunks[sid >> s->chunk_log2];
	uint64_t idx = sid & ((UINT64_C(1) << s->chunk_log2) - 1);

	return (volatile uint64_t *)c->mem.cpu + idx * SMMUV3_STE_DWORDS;
}

static smmukit_phys_t ste_pa(struct smmukit_smmu *s, uint32_t sid)
{
	struct strtab_chunk *c = &s->chunks[sid >> s->chunk_log2];
	uint64_t idx = sid & ((UINT64_C(1) << s->chunk_log2) - 1);

	return c->mem.pa + idx * SMMUV3_STE_SIZE;
}

int smmu_strtab_ensure(struct smmukit_smmu *s, uint32_t sid)
{
	uint64_t i = sid >> s->chunk_log2;
	struct strtab_chunk *c = &s->chunks[i];
	uint64_t nste = UINT64_C(1) << s->chunk_log2;
	uint64_t ste[SMMUV3_STE_DWORDS];
	volatile uint64_t *l1 = s->strtab_mem.cpu;
	volatile uint64_t *p;
	int ret;

	if (c->allocated)
		return 0;
	ret = smmukit_plat_alloc_pages(
		s->plat, (unsigned)bytes_order(nste * SMMUV3_STE_SIZE), &c->mem);
	if (ret)
		return ret;
	c->owner = smmukit_plat_zalloc(s->plat, sizeof(*c->owner) * nste);
	if (!c->owner) {
		smmukit_plat_free_pages(s->plat, &c->mem);
		return -SMMUKIT_ENOMEM;
	}
	p = c->mem.cpu;
	/* Nothing in a new level-2 table is initialised yet: all abort. */
	__builtin_memset(c->inited, 0, sizeof(c->inited));
	ste_default(false, ste);
	for (uint64_t k = 0; k < nste; k++)
		for (unsigned w = 0; w < SMMUV3_STE_DWORDS; w++)
			smmukit_write_once64(&p[k * SMMUV3_STE_DWORDS + w], ste[w]);
	smmu_sync_dev(s, c->mem.pa, (size_t)(nste * SMMUV3_STE_SIZE));
	/* The level-2 STEs must be visible before the descriptor that makes
	 * the SMMU fetch them. */
	smmukit_wmb();
	smmukit_write_once64(&l1[i],
			     smmukit_field_prep(L1STD_SPAN, STRTAB_SPLIT + 1) |
				     (c->mem.pa & L1STD_L2PTR));
	smmu_sync_dev(s, s->strtab_mem.pa + i * SMMUV3_L1STD_SIZE,
		      SMMUV3_L1STD_SIZE);
	c->allocated = true;
	return 0;
}

static int add_cfgi(struct smmukit_smmu *s, struct smmu_cmdq_batch *b, uint8_t op,
		    uint32_t sid)
{
	struct smmuv3_cmd c = { .opcode = op };

	c.cfgi.sid = sid;
	c.cfgi.leaf = op == SMMUV3_OP_CFGI_STE;
	return smmu_cmdq_batch_add(&s->cmdq, b, &c);
}

int smmu_strtab_install(struct smmukit_smmu *s, const uint32_t *sids, unsigned n,
		   struct smmu_domain *dom)
{
	uint64_t ste[SMMUV3_STE_DWORDS];
	uint64_t abort0 = STE0_V | smmukit_field_prep(STE0_CFG, STE0_CFG_ABORT);
	struct smmu_cmdq_batch b;
	bool broke = false;
	int ret = 0;

	/*
	 * Phase 1: break live STEs that route somewhere to abort. Whether
	 * the CFGIs are needed comes from the owner bookkeeping as well as
	 * from DW0: an earlier call may have written the abort DW0 and then
	 * failed before its CFGI_STE + CFGI_CD_ALL were queued, so a DW0 that
	 * reads abort does not prove the SMMU forgot the old STE and CD.
	 */
	smmu_cmdq_batch_init(&b);
	for (unsigned i = 0; i < n; i++) {
		volatile uint64_t *p = ste_ptr(s, sids[i]);
		uint64_t dw0 = smmukit_read_once64(&p[0]);
		unsigned cfg = (unsigned)smmukit_field_get(STE0_CFG, dw0);
		const struct smmu_domain *o = smmu_strtab_owner(s, sids[i]);
		bool routes = (dw0 & STE0_V) && cfg != STE0_CFG_ABORT;
		bool cd = (routes && (cfg == STE0_CFG_S1_TRANS ||
				      cfg == STE0_CFG_NESTED)) ||
			  (o && o->dom.kind == SMMUKIT_IOMMU_DRV_DOMAIN_PAGING &&
			   o->dom.stage == 1);

		if (!routes && !o)
			continue;
		if (routes) {
			smmukit_write_once64(&p[0], abort0);
			smmu_sync_dev(s, ste_pa(s, sids[i]), 8);
		}
		ret = add_cfgi(s, &b, SMMUV3_OP_CFGI_STE, sids[i]);
		if (!ret && cd)
			ret = add_cfgi(s, &b, SMMUV3_OP_CFGI_CD_ALL, sids[i]);
		if (ret)
			return ret;
		broke = true;
	}
	if (broke) {
		ret = smmu_cmdq_batch_submit(&s->cmdq, &b);
		if (ret)
			return ret;
	}

	/*
	 * Phase 2: write DW7..DW1, barrier, DW0; then CFGI + one sync. The SMMU
	 * may fetch an STE at any time (a miss needs no CFGI). Phase 1 left
	 * DW0 invalid/abort, so DW1..DW7 are ignored until the new DW0 lands,
	 * and DW0 must not become visible before them. On a non-coherent SMMU
	 * the device sees none of it until the one clean of the whole STE after
	 * DW0; before that it keeps reading the phase-1 abort STE.
	 */
	smmu_cmdq_batch_init(&b);
	for (unsigned i = 0; i < n; i++) {
		volatile uint64_t *p = ste_ptr(s, sids[i]);

		/* Per SID: the default STE depends on the SID (init_stream). */
		ste_build(s, dom, sids[i], ste);
		for (unsigned w = SMMUV3_STE_DWORDS - 1; w >= 1; w--)
			smmukit_write_once64(&p[w], ste[w]);
		smmukit_wmb();
		smmukit_write_once64(&p[0], ste[0]);
		smmu_sync_dev(s, ste_pa(s, sids[i]), SMMUV3_STE_SIZE);
		set_owner(s, sids[i], dom);
		ret = add_cfgi(s, &b, SMMUV3_OP_CFGI_STE, sids[i]);
		if (ret)
			return ret;
	}
	return smmu_cmdq_batch_submit(&s->cmdq, &b);
}

int smmu_strtab_init_sid(struct smmukit_smmu *s, uint32_t sid)
{
	struct strtab_chunk *c = &s->chunks[sid >> s->chunk_log2];
	uint32_t idx = sid & ((UINT32_C(1) << s->chunk_log2) - 1);
	bool before = sid_bypasses(s, sid);

	if (!s->two_level)
		return 0;	/* every SID of a linear table is initialised */
	c->inited[idx / 64] |= UINT64_C(1) << (idx % 64);
	/* An attached SID keeps its STE; detach installs the new default. */
	if (smmu_strtab_owner(s, sid) || before == sid_bypasses(s, sid))
		return 0;
	return smmu_strtab_install(s, &sid, 1, NULL);
}

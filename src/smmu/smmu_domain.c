/* SPDX-License-Identifier: MIT */
/*
 * Domains, attach/detach, and the invalidation paths (IHI 0070 ch. 4; docs/smmu.md;
 * §7.2), exposed through iommu_ops.
 *
 * Tags. A stage-1 domain owns an ASID, a stage-2 domain a VMID, from
 * [1, 2^bits - 1]. A tag goes back to its map only after a whole-context
 * invalidation of the freed domain (TLBI_NH_ASID / TLBI_S12_VMALL +
 * CMD_SYNC) has completed, so a reused tag never hits stale entries. If that
 * invalidation times out, the tag is never reused (leaked, with an error).
 *
 * Domain structs are pooled, never returned to the platform before the SMMU
 * is destroyed, so that a call on a freed domain finds state DOMAIN_FREE and
 * fails with -EINVAL instead of touching freed memory (until the struct is
 * reused by a later domain_alloc).
 */
#include "smmu_internal.h"

static struct smmu_domain *to_sd(struct smmukit_iommu_drv_domain *dom)
{
	return smmukit_container_of(dom, struct smmu_domain, dom);
}

static bool live(struct smmu_domain *d)
{
	return atomic_load_explicit(&d->state, memory_order_acquire) ==
	       DOMAIN_LIVE;
}

/* ---- tag maps (cfg_lock held) ---- */

static uint64_t map_words(unsigned bits)
{
	return ((UINT64_C(1) << bits) + 63) / 64;
}

static int tag_alloc(uint64_t *map, unsigned bits, uint32_t *out)
{
	uint64_t words = map_words(bits);

	for (uint64_t w = 0; w < words; w++) {
		uint64_t free_bits = ~map[w];

		if (w == 0)
			free_bits &= ~UINT64_C(1);	/* tag 0 is reserved */
		if (!free_bits)
			continue;
		unsigned b = smmukit_ctz64(free_bits);
		uint64_t tag = w * 64 + b;

		if (tag >= (UINT64_C(1) << bits))
			break;
		map[w] |= UINT64_C(1) << b;
		*out = (uint32_t)tag;
		return 0;
	}
	return -SMMUKIT_ENOSPC;
}

static void tag_free(uint64_t *map, uint32_t tag)
{
	map[tag / 64] &= ~(UINT64_C(1) << (tag % 64));
}

int smmu_domains_init(struct smmukit_smmu *s)
{
	s->asid_map = smmukit_plat_zalloc(
		s->plat, map_words(s->info.asid_bits) * sizeof(uint64_t));
	s->vmid_map = smmukit_plat_zalloc(
		s->plat, map_words(s->info.vmid_bits) * sizeof(uint64_t));
	if (!s->asid_map || !s->vmid_map)
		return -SMMUKIT_ENOMEM;
	return 0;
}

void smmu_domains_free(struct smmukit_smmu *s)
{
	struct smmu_domain *d = s->free_domains;

	while (d) {
		struct smmu_domain *next = d->next_free;

		smmukit_plat_free(s->plat, d, sizeof(*d));
		d = next;
	}
	s->free_domains = NULL;
	smmukit_plat_free(s->plat, s->asid_map,
			  map_words(s->info.asid_bits) * sizeof(uint64_t));
	smmukit_plat_free(s->plat, s->vmid_map,
			  map_words(s->info.vmid_bits) * sizeof(uint64_t));
	s->asid_map = s->vmid_map = NULL;
}

/* ---- invalidation ---- */

/* TLBI_NH_ASID (stage 1) or TLBI_S12_VMALL (stage 2), then CMD_SYNC. */
static int flush_context(struct smmu_domain *d)
{
	struct smmukit_smmu *s = d->smmu;
	struct smmuv3_cmd c = { 0 };
	struct smmu_cmdq_batch b;
	int ret;

	if (d->dom.stage == 1) {
		c.opcode = SMMUV3_OP_TLBI_NH_ASID;
		c.tlbi.asid = d->asid;
	} else {
		c.opcode = SMMUV3_OP_TLBI_S12_VMALL;
		c.tlbi.vmid = d->vmid;
	}
	smmu_cmdq_batch_init(&b);
	ret = smmu_cmdq_batch_add(&s->cmdq, &b, &c);
	if (ret)
		return ret;
	return smmu_cmdq_batch_submit(&s->cmdq, &b);
}

static void tlbi_base(const struct smmu_domain *d, bool leaf,
		      struct smmuv3_cmd *c)
{
	*c = (struct smmuv3_cmd){ 0 };
	if (d->dom.stage == 1) {
		c->opcode = SMMUV3_OP_TLBI_NH_VA;
		c->tlbi.asid = d->asid;
	} else {
		c->opcode = SMMUV3_OP_TLBI_S2_IPA;
		c->tlbi.vmid = d->vmid;
	}
	c->tlbi.leaf = leaf;
}

/*
 * Invalidate [iova, iova + size) and wait. leaf: only leaf entries of
 * step_size bytes were removed (strict unmap); otherwise tables were
 * removed too (walk flush), and walk-cache entries must go as well.
 * ttl_hint: every leaf removed is step_size bytes, so range commands may
 * carry the TTL of that level; without it (a range widened over several
 * page sizes) TTL=0, which hits entries of every level.
 * With RIL, range commands from the split helper; without, one command per
 * step. Past tlbi_max_cmds commands, one whole-context invalidation.
 *
 * Any failure of the by-address path (a split that cannot cover the range,
 * a command the encoder refuses, a batch or sync that fails) also ends in
 * the whole-context invalidation rather than an error: a walk flush has no
 * caller that could retry it, and table pages are freed on the strength of
 * it, so it must never be skipped. Only if that fails too is an error
 * returned.
 */
static int invalidate_range(struct smmu_domain *d, uint64_t iova,
			    uint64_t size, uint64_t step_size, bool leaf,
			    bool ttl_hint)
{
	struct smmukit_smmu *s = d->smmu;
	struct smmuv3_range_tlbi r[SMMUV3_RANGE_TLBI_MAX_CMDS];
	struct smmuv3_cmd c;
	struct smmu_cmdq_batch b;

	if (!size)
		return 0;	/* no sync for a zero-length invalidation */
	if (step_size < d->dom.granule || !smmukit_is_pow2(step_size))
		step_size = d->dom.granule;
	smmu_cmdq_batch_init(&b);
	if (s->info.ril) {
		int nr = smmuv3_range_tlbi_split(
			iova, size, d->pg_shift,
			leaf && ttl_hint ? smmukit_ilog2(step_size) : 0, leaf, r,
			SMMUV3_RANGE_TLBI_MAX_CMDS);

		if (nr < 0 || (unsigned)nr > s->tlbi_max_cmds ||
		    nr > (int)SMMUV3_RANGE_TLBI_MAX_CMDS)
			goto whole;
		for (int i = 0; i < nr; i++) {
			tlbi_base(d, leaf, &c);
			c.tlbi.addr = r[i].addr;
			c.tlbi.num = r[i].num;
			c.tlbi.scale = r[i].scale;
			c.tlbi.tg = r[i].tg;
			c.tlbi.ttl = r[i].ttl;
			if (smmu_cmdq_batch_add(&s->cmdq, &b, &c))
				goto whole;
		}
		if (smmu_cmdq_batch_submit(&s->cmdq, &b))
			goto whole;
		return 0;
	}
	/* Without RIL: the single-address form hits every entry holding the
	 * address, so one command per step (leaf size, or granule) covers it. */
	{
		uint64_t start = iova & ~(step_size - 1);
		uint64_t last = iova + size - 1;
		uint64_t count = ((last - start) >> smmukit_ilog2(step_size)) + 1;

		if (count > s->tlbi_max_cmds)
			goto whole;
		for (uint64_t i = 0; i < count; i++) {
			tlbi_base(d, leaf, &c);
			c.tlbi.addr = start + i * step_size;
			if (smmu_cmdq_batch_add(&s->cmdq, &b, &c))
				goto whole;
		}
		if (smmu_cmdq_batch_submit(&s->cmdq, &b))
			goto whole;
		return 0;
	}
whole:
	/* Commands still in b are dropped: the context flush covers them. */
	atomic_fetch_add_explicit(&s->stat_tlbi_fallbacks, 1,
				  memory_order_relaxed);
	return flush_context(d);
}

/* ---- flush ops handed to the page table ---- */

static void fo_flush_all(void *cookie)
{
	struct smmu_domain *d = cookie;
	int ret = flush_context(d);

	if (ret)
		smmukit_err(d->smmu->plat, "smmu: context flush failed: %s",
			    smmukit_errname(ret));
}

static int fo_flush_walk(void *cookie, uint64_t iova, uint64_t size,
			 uint64_t granule)
{
	struct smmu_domain *d = cookie;
	int ret;

#ifdef SMMUKIT_BROKEN_SKIP_WALK_FLUSH
	/* Deliberately broken variant (invariant tests): tables freed unflushed. */
	return 0;
#endif
	ret = invalidate_range(d, iova, size, granule, false, false);
	if (ret) {
		smmukit_err(d->smmu->plat, "smmu: walk flush failed: %s",
			    smmukit_errname(ret));
		/* The next sync escalates to a whole-context invalidation. */
		atomic_store_explicit(&d->walk_flush_failed, true,
				      memory_order_release);
	}
	return ret;
}

/*
 * If a walk flush of d failed since the last call, invalidate the whole
 * context now (the flag is taken first, so a failure during the flush sets
 * it again). 1 if that was done, 0 if not needed, or the error.
 */
static int escalate_failed_walk(struct smmu_domain *d)
{
	int ret;

	if (!atomic_exchange_explicit(&d->walk_flush_failed, false,
				      memory_order_acq_rel))
		return 0;
	ret = flush_context(d);
	if (ret) {
		atomic_store_explicit(&d->walk_flush_failed, true,
				      memory_order_release);
		return ret;
	}
	return 1;
}

static int sync_gathered(struct smmu_domain *d, struct smmukit_iotlb_gather *g)
{
	int ret;

	if (smmukit_pgtable_gather_empty(g))
		return 0;
	/* pgsize 0: widened after a failed sync, sizes mixed (fo_add_page). */
	ret = invalidate_range(d, g->start, g->end - g->start + 1,
			       g->pgsize ? g->pgsize : d->dom.granule, true,
			       g->pgsize != 0);
	if (!ret)
		smmukit_pgtable_gather_reset_range(g);
	return ret;
}

static void fo_add_page(struct smmukit_iotlb_gather *g, void *cookie,
			uint64_t iova, uint64_t granule)
{
	struct smmu_domain *d = cookie;

	/* A gap or another page size: invalidate what is gathered first. */
	if (smmukit_pgtable_gather_is_disjoint(g, iova, granule)) {
		int ret = sync_gathered(d, g);

		if (ret) {
			/* Keep the old range and widen it: over-invalidating
			 * later is safe, dropping it is not. The range now
			 * mixes page sizes (or had a gap filled), so no single
			 * TTL describes it: pgsize 0 makes sync_gathered
			 * invalidate it per granule with TTL=0, which hits a
			 * cached block of any size. It also keeps every later
			 * add_page disjoint, so the sync is retried then. */
			smmukit_err(d->smmu->plat, "smmu: gathered sync failed: %s",
				    smmukit_errname(ret));
			if (iova < g->start)
				g->start = iova;
			if (iova + granule - 1 > g->end)
				g->end = iova + granule - 1;
			g->pgsize = 0;
			return;
		}
	}
	smmukit_pgtable_gather_add_range(g, iova, granule);
}

static const struct smmukit_pgtable_flush_ops smmu_flush_ops = {
	.flush_all = fo_flush_all,
	.flush_walk = fo_flush_walk,
	.add_page = fo_add_page,
};

/* ---- iommu_ops ---- */

static struct smmu_domain *domain_get(struct smmukit_smmu *s)
{
	struct smmu_domain *d;

	smmukit_plat_lock(s->plat, &s->cfg_lock);
	d = s->free_domains;
	if (d)
		s->free_domains = d->next_free;
	smmukit_plat_unlock(s->plat, &s->cfg_lock);
	if (d) {
		d->next_free = NULL;
		return d;
	}
	d = smmukit_plat_zalloc(s->plat, sizeof(*d));
	if (d) {
		smmukit_plat_lock(s->plat, &s->cfg_lock);
		s->nr_domains++;
		smmukit_plat_unlock(s->plat, &s->cfg_lock);
		atomic_store_explicit(&d->state, DOMAIN_FREE,
				      memory_order_relaxed);
	}
	return d;
}

static void domain_put(struct smmukit_smmu *s, struct smmu_domain *d)
{
	atomic_store_explicit(&d->state, DOMAIN_FREE, memory_order_release);
	smmukit_plat_lock(s->plat, &s->cfg_lock);
	d->next_free = s->free_domains;
	s->free_domains = d;
	smmukit_plat_unlock(s->plat, &s->cfg_lock);
}

static uint64_t smallest_granule(uint64_t bitmap)
{
	if (bitmap & SMMUKIT_SZ_4K)
		return SMMUKIT_SZ_4K;
	if (bitmap & SMMUKIT_SZ_16K)
		return SMMUKIT_SZ_16K;
	return SMMUKIT_SZ_64K;
}

/* IDENTITY and BLOCKED: an STE recipe only, no table and no tag. */
static int alloc_passthrough_or_blocked(struct smmukit_smmu *s,
					const struct smmukit_iommu_drv_domain_cfg *c,
					struct smmukit_iommu_drv_domain **out)
{
	struct smmu_domain *d;

	if (c->kind != SMMUKIT_IOMMU_DRV_DOMAIN_IDENTITY &&
	    c->kind != SMMUKIT_IOMMU_DRV_DOMAIN_BLOCKED)
		return -SMMUKIT_EINVAL;
	d = domain_get(s);
	if (!d)
		return -SMMUKIT_ENOMEM;
	d->smmu = s;
	d->pgt = NULL;
	d->nr_attached = 0;
	d->asid = d->vmid = 0;
	d->cd_mem = (struct smmukit_dma_pages){ 0 };
	d->pg_shift = 0;
	d->dom = (struct smmukit_iommu_drv_domain){ .iommu = &s->iommu,
						.kind = c->kind };
	smmukit_plat_lock(s->plat, &s->cfg_lock);
	s->live_domains++;
	smmukit_plat_unlock(s->plat, &s->cfg_lock);
	atomic_store_explicit(&d->state, DOMAIN_LIVE, memory_order_release);
	*out = &d->dom;
	return 0;
}

static bool paging(const struct smmu_domain *d)
{
	return d->dom.kind == SMMUKIT_IOMMU_DRV_DOMAIN_PAGING;
}

static int op_domain_alloc(struct smmukit_iommu_drv *iommu,
			   const struct smmukit_iommu_drv_domain_cfg *cfg,
			   struct smmukit_iommu_drv_domain **out)
{
	struct smmukit_smmu *s = smmukit_container_of(iommu, struct smmukit_smmu,
						      iommu);
	struct smmukit_iommu_drv_domain_cfg c = { 0 };
	struct smmukit_pgtable_cfg pc = { 0 };
	unsigned max_oas = s->info.oas > 48 ? 48 : s->info.oas;
	unsigned max_ias;
	struct smmu_domain *d;
	uint64_t cd[SMMUV3_CD_DWORDS];
	int ret;

	if (cfg)
		c = *cfg;
	if (c.kind != SMMUKIT_IOMMU_DRV_DOMAIN_PAGING)
		return alloc_passthrough_or_blocked(s, &c, out);
	if (c.stage == 0)
		c.stage = s->info.s1 ? 1 : 2;
	if ((c.stage == 1 && !s->info.s1) || (c.stage == 2 && !s->info.s2) ||
	    c.stage > 2)
		return -SMMUKIT_EINVAL;
	if (c.granule == 0)
		c.granule = smallest_granule(s->info.pgsize_bitmap);
	if ((c.granule != SMMUKIT_SZ_4K && c.granule != SMMUKIT_SZ_16K &&
	     c.granule != SMMUKIT_SZ_64K) ||
	    !(s->info.pgsize_bitmap & c.granule))
		return -SMMUKIT_EINVAL;
	max_ias = c.stage == 1 ? 48 : max_oas;
	if (c.ias == 0)
		c.ias = max_ias;
	if (c.oas == 0)
		c.oas = max_oas;
	if (c.ias > max_ias || c.oas > max_oas || c.ias < 32 || c.oas < 32)
		return -SMMUKIT_EINVAL;

	d = domain_get(s);
	if (!d)
		return -SMMUKIT_ENOMEM;
	d->smmu = s;
	d->pgt = NULL;
	d->nr_attached = 0;
	d->asid = d->vmid = 0;
	d->cd_mem = (struct smmukit_dma_pages){ 0 };
	atomic_store_explicit(&d->walk_flush_failed, false,
			      memory_order_relaxed);

	smmukit_plat_lock(s->plat, &s->cfg_lock);
	if (c.stage == 1)
		ret = tag_alloc(s->asid_map, s->info.asid_bits, &d->asid);
	else
		ret = tag_alloc(s->vmid_map, s->info.vmid_bits, &d->vmid);
	smmukit_plat_unlock(s->plat, &s->cfg_lock);
	if (ret)
		goto put;

	pc.stage = c.stage;
	pc.granule = c.granule;
	pc.ias = c.ias;
	pc.oas = c.oas;
	/* A non-coherent SMMU walks memory the CPU must clean first. */
	pc.coherent_walk = s->coherent;
	pc.flush_ops = &smmu_flush_ops;
	pc.cookie = d;
	pc.platform = s->plat;
	ret = smmukit_pgtable_alloc(&pc, &d->pgt);
	if (ret)
		goto untag;

	d->dom.iommu = &s->iommu;
	d->dom.kind = SMMUKIT_IOMMU_DRV_DOMAIN_PAGING;
	d->dom.stage = c.stage;
	d->dom.granule = c.granule;
	d->dom.pgsize_bitmap = d->pgt->cfg.pgsize_bitmap;
	d->dom.ias = c.ias;
	d->dom.oas = c.oas;
	d->pg_shift = smmukit_ilog2(c.granule);

	if (c.stage == 1) {
		volatile uint64_t *p;

		ret = smmukit_plat_alloc_pages(s->plat, 0, &d->cd_mem);
		if (ret)
			goto free_pgt;
		/* The CD is written before any STE points at it, DW0 (V)
		 * last all the same. */
		smmu_cd_build(s, d, cd);
		p = d->cd_mem.cpu;
		for (unsigned w = SMMUV3_CD_DWORDS - 1; w >= 1; w--)
			smmukit_write_once64(&p[w], cd[w]);
		smmukit_wmb();
		smmukit_write_once64(&p[0], cd[0]);
		smmu_sync_dev(s, d->cd_mem.pa, SMMUV3_CD_SIZE);
	}
	smmukit_plat_lock(s->plat, &s->cfg_lock);
	s->live_domains++;
	smmukit_plat_unlock(s->plat, &s->cfg_lock);
	atomic_store_explicit(&d->state, DOMAIN_LIVE, memory_order_release);
	*out = &d->dom;
	return 0;

free_pgt:
	smmukit_pgtable_free(d->pgt);
	d->pgt = NULL;
untag:
	/* The tag never reached the hardware: no invalidation needed. */
	smmukit_plat_lock(s->plat, &s->cfg_lock);
	if (c.stage == 1)
		tag_free(s->asid_map, d->asid);
	else
		tag_free(s->vmid_map, d->vmid);
	smmukit_plat_unlock(s->plat, &s->cfg_lock);
put:
	domain_put(s, d);
	return ret;
}

static int op_domain_free(struct smmukit_iommu_drv_domain *dom)
{
	struct smmu_domain *d = to_sd(dom);
	struct smmukit_smmu *s = d->smmu;
	unsigned expect = DOMAIN_LIVE;
	int ret;

	smmukit_plat_lock(s->plat, &s->cfg_lock);
	if (!live(d)) {
		smmukit_plat_unlock(s->plat, &s->cfg_lock);
		return -SMMUKIT_EINVAL;
	}
	if (d->nr_attached) {
		smmukit_plat_unlock(s->plat, &s->cfg_lock);
		return -SMMUKIT_EBUSY;
	}
	/*
	 * From here no attach can succeed (state checked under cfg_lock).
	 * LIVE->FREE and the rollback below both happen under cfg_lock, and
	 * live() was just seen under it, so this exchange cannot fail.
	 */
	atomic_compare_exchange_strong(&d->state, &expect, DOMAIN_FREE);
	smmukit_plat_unlock(s->plat, &s->cfg_lock);

	if (!paging(d)) {
		/* No table, no tag, nothing cached to invalidate. */
		smmukit_plat_lock(s->plat, &s->cfg_lock);
		s->live_domains--;
		d->next_free = s->free_domains;
		s->free_domains = d;
		smmukit_plat_unlock(s->plat, &s->cfg_lock);
		return 0;
	}
	/* Invalidate the whole context before anything goes back. */
	ret = flush_context(d);
	if (ret) {
		/* Keep the domain (and its tag): nothing proves the SMMU forgot it. */
		smmukit_plat_lock(s->plat, &s->cfg_lock);
		atomic_store_explicit(&d->state, DOMAIN_LIVE,
				      memory_order_release);
		smmukit_plat_unlock(s->plat, &s->cfg_lock);
		return ret;
	}
	/* Tables: pgtable_free flushes again (cheap) and frees them. */
	smmukit_pgtable_free(d->pgt);
	d->pgt = NULL;
	if (d->cd_mem.cpu)
		smmukit_plat_free_pages(s->plat, &d->cd_mem);
	d->cd_mem = (struct smmukit_dma_pages){ 0 };

	smmukit_plat_lock(s->plat, &s->cfg_lock);
	if (d->dom.stage == 1)
		tag_free(s->asid_map, d->asid);
	else
		tag_free(s->vmid_map, d->vmid);
	s->live_domains--;
	d->next_free = s->free_domains;
	s->free_domains = d;
	smmukit_plat_unlock(s->plat, &s->cfg_lock);
	return 0;
}

/* Every SID in range, none repeated. */
static int check_dev(struct smmukit_smmu *s,
		     const struct smmukit_iommu_drv_device *dev)
{
	if (!dev->sids || dev->nr_sids == 0)
		return -SMMUKIT_EINVAL;
	for (unsigned i = 0; i < dev->nr_sids; i++) {
		if (!smmu_strtab_sid_valid(s, dev->sids[i]))
			return -SMMUKIT_EINVAL;
		for (unsigned j = 0; j < i; j++)
			if (dev->sids[j] == dev->sids[i])
				return -SMMUKIT_EINVAL;
	}
	return 0;
}

static int op_attach_dev(struct smmukit_iommu_drv_domain *dom,
			 const struct smmukit_iommu_drv_device *dev)
{
	struct smmu_domain *d = to_sd(dom);
	struct smmukit_smmu *s = d->smmu;
	int ret;

	if (!live(d))
		return -SMMUKIT_EINVAL;
	ret = check_dev(s, dev);
	if (ret)
		return ret;
	smmukit_plat_lock(s->plat, &s->cfg_lock);
	if (!live(d)) {
		ret = -SMMUKIT_EINVAL;
		goto out;
	}
	for (unsigned i = 0; i < dev->nr_sids; i++) {
		struct smmu_domain *o = smmu_strtab_owner(s, dev->sids[i]);

		if (o) {
			ret = o == d ? -SMMUKIT_EEXIST : -SMMUKIT_EBUSY;
			goto out;
		}
	}
	/* Level-2 tables first: an -ENOMEM leaves every STE as it was (a
	 * new level-2 table holds default STEs only). */
	for (unsigned i = 0; i < dev->nr_sids; i++) {
		ret = smmu_strtab_ensure(s, dev->sids[i]);
		if (ret)
			goto out;
	}
	ret = smmu_strtab_install(s, dev->sids, dev->nr_sids, d);
	/* Even on a timeout, STEs already written route to d: count exactly
	 * those (the owners say which), so that a later detach undoes them. */
	for (unsigned i = 0; i < dev->nr_sids; i++)
		if (smmu_strtab_owner(s, dev->sids[i]) == d)
			d->nr_attached++;
out:
	smmukit_plat_unlock(s->plat, &s->cfg_lock);
	return ret;
}

static int op_detach_dev(struct smmukit_iommu_drv_domain *dom,
			 const struct smmukit_iommu_drv_device *dev)
{
	struct smmu_domain *d = to_sd(dom);
	struct smmukit_smmu *s = d->smmu;
	int ret;

	if (!live(d))
		return -SMMUKIT_EINVAL;
	ret = check_dev(s, dev);
	if (ret)
		return ret;
	smmukit_plat_lock(s->plat, &s->cfg_lock);
	for (unsigned i = 0; i < dev->nr_sids; i++) {
		uint32_t sid = dev->sids[i];

		if (smmu_strtab_owner(s, sid) != d) {
			ret = -SMMUKIT_ENOENT;
			goto out;
		}
	}
	ret = smmu_strtab_install(s, dev->sids, dev->nr_sids, NULL);
	for (unsigned i = 0; i < dev->nr_sids; i++)
		if (smmu_strtab_owner(s, dev->sids[i]) != d)
			d->nr_attached--;
out:
	smmukit_plat_unlock(s->plat, &s->cfg_lock);
	return ret;
}

static int op_map_pages(struct smmukit_iommu_drv_domain *dom, uint64_t iova,
			smmukit_phys_t paddr, uint64_t pgsize, uint64_t pgcount,
			unsigned prot, uint64_t *mapped)
{
	struct smmu_domain *d = to_sd(dom);

	if (mapped)
		*mapped = 0;
	if (!live(d))
		return -SMMUKIT_EINVAL;
	if (!paging(d))
		return -SMMUKIT_EOPNOTSUPP;
	/* New entries need no invalidation: the SMMU caches no invalid
	 * descriptors (walks that fault are never cached). */
	return smmukit_pgtable_map_pages(d->pgt, iova, paddr, pgsize, pgcount,
					 prot, mapped);
}

static int64_t op_unmap_pages(struct smmukit_iommu_drv_domain *dom, uint64_t iova,
			      uint64_t pgsize, uint64_t pgcount,
			      struct smmukit_iotlb_gather *gather)
{
	struct smmu_domain *d = to_sd(dom);

	if (!live(d))
		return -SMMUKIT_EINVAL;
	if (!paging(d))
		return -SMMUKIT_EOPNOTSUPP;
	return smmukit_pgtable_unmap_pages(d->pgt, iova, pgsize, pgcount,
					   gather);
}

static int op_iotlb_sync(struct smmukit_iommu_drv_domain *dom,
			 struct smmukit_iotlb_gather *g)
{
	struct smmu_domain *d = to_sd(dom);
	int ret;

	if (!live(d))
		return -SMMUKIT_EINVAL;
	/* Lazy: the caller's flush queue flushes later and owns the pages. */
	if (smmukit_pgtable_gather_queued(g) || !paging(d))
		return 0;
	/* A failed walk flush: the whole context goes before anything is
	 * freed (it covers the gathered range too). */
	ret = escalate_failed_walk(d);
	if (ret < 0)
		return ret;	/* keep the table pages: see iommu_ops.h */
	if (ret > 0)
		smmukit_pgtable_gather_reset_range(g);
	ret = sync_gathered(d, g);
	if (ret)
		return ret;	/* keep the table pages: see iommu_ops.h */
	/* The walk flush for these pages completed inside unmap and the leaf
	 * invalidation just now: nothing can reach them any more. */
	smmukit_pgtable_free_freelist(d->smmu->plat, g);
	return 0;
}

static int op_flush_iotlb_all(struct smmukit_iommu_drv_domain *dom)
{
	struct smmu_domain *d = to_sd(dom);
	int ret;

	if (!live(d))
		return -SMMUKIT_EINVAL;
	if (!paging(d))
		return 0;
	ret = escalate_failed_walk(d);
	if (ret)
		return ret < 0 ? ret : 0;
	return flush_context(d);
}

static int op_iova_to_phys(struct smmukit_iommu_drv_domain *dom, uint64_t iova,
			   smmukit_phys_t *pa)
{
	struct smmu_domain *d = to_sd(dom);

	if (!live(d))
		return -SMMUKIT_EINVAL;
	if (d->dom.kind == SMMUKIT_IOMMU_DRV_DOMAIN_IDENTITY) {
		*pa = iova;
		return 0;
	}
	if (d->dom.kind == SMMUKIT_IOMMU_DRV_DOMAIN_BLOCKED)
		return -SMMUKIT_ENOENT;
	return smmukit_pgtable_iova_to_phys(d->pgt, iova, pa);
}

static bool op_capable(struct smmukit_iommu_drv *iommu, enum smmukit_iommu_drv_cap cap)
{
	/* TLBI by ASID/VMID is always available: a flush queue can batch. */
	return cap == SMMUKIT_IOMMU_DRV_CAP_DEFERRED_FLUSH;
}

const struct smmukit_iommu_drv_ops smmu_iommu_ops = {
	.domain_alloc = op_domain_alloc,
	.domain_free = op_domain_free,
	.attach_dev = op_attach_dev,
	.detach_dev = op_detach_dev,
	.map_pages = op_map_pages,
	.unmap_pages = op_unmap_pages,
	.iotlb_sync = op_iotlb_sync,
	.flush_iotlb_all = op_flush_iotlb_all,
	.iova_to_phys = op_iova_to_phys,
	.capable = op_capable,
};

int smmukit_smmu_domain_tag(const struct smmukit_iommu_drv_domain *dom,
			    uint32_t *asid, uint32_t *vmid)
{
	struct smmu_domain *d;

	if (!dom || !dom->iommu || dom->iommu->ops != &smmu_iommu_ops)
		return -SMMUKIT_EINVAL;
	d = smmukit_container_of(dom, struct smmu_domain, dom);
	/* Pooled structs stay readable: a freed domain says DOMAIN_FREE. */
	if (!live(d))
		return -SMMUKIT_EINVAL;
	if (asid)
		*asid = d->asid;
	if (vmid)
		*vmid = d->vmid;
	return 0;
}

int smmukit_smmu_init_stream(struct smmukit_smmu *s, uint32_t sid)
{
	int ret;

	if (!s || !smmu_strtab_sid_valid(s, sid))
		return -SMMUKIT_EINVAL;
	smmukit_plat_lock(s->plat, &s->cfg_lock);
	ret = smmu_strtab_ensure(s, sid);
	if (!ret)
		ret = smmu_strtab_init_sid(s, sid);
	smmukit_plat_unlock(s->plat, &s->cfg_lock);
	return ret;
}

/* SPDX-License-Identifier: MIT */
/*
 * The DMA API: map and unmap for device drivers, strict or lazy by the
 * domain's type. The flush queue is in fq.c.
 *
 * Hot paths (map_page, unmap_page) take no lock of their own: the IOVA
 * allocator's per-CPU magazines, the lock-free page table and, for lazy
 * unmaps, this CPU's flush-queue ring.
 */
#include "dma_internal.h"

static const char *const dir_names[] = {
	[SMMUKIT_DMA_BIDIRECTIONAL] = "bidir",
	[SMMUKIT_DMA_TO_DEVICE] = "to_device",
	[SMMUKIT_DMA_FROM_DEVICE] = "from_device",
};

static bool dir_valid(enum smmukit_dma_dir dir)
{
	return (unsigned)dir < SMMUKIT_ARRAY_SIZE(dir_names);
}

const char *smmukit_dma_dir_name(enum smmukit_dma_dir dir)
{
	return dir_valid(dir) ? dir_names[dir] : "?";
}

int smmukit_dma_dir_parse(const char *name, enum smmukit_dma_dir *out)
{
	if (!name || !out)
		return -SMMUKIT_EINVAL;
	for (unsigned i = 0; i < SMMUKIT_ARRAY_SIZE(dir_names); i++) {
		size_t n = 0;

		while (dir_names[i][n] && name[n] == dir_names[i][n])
			n++;
		if (!dir_names[i][n] && !name[n]) {
			*out = (enum smmukit_dma_dir)i;
			return 0;
		}
	}
	return -SMMUKIT_EINVAL;
}

/* A device reads what goes to it and writes what comes from it. */
unsigned smmukit_dma_dir_prot(enum smmukit_dma_dir dir)
{
	switch (dir) {
	case SMMUKIT_DMA_BIDIRECTIONAL:
		return SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE | SMMUKIT_PROT_CACHE;
	case SMMUKIT_DMA_TO_DEVICE:
		return SMMUKIT_PROT_READ | SMMUKIT_PROT_CACHE;
	case SMMUKIT_DMA_FROM_DEVICE:
		return SMMUKIT_PROT_WRITE | SMMUKIT_PROT_CACHE;
	}
	return 0;
}

/* ---- cookies: the core's hooks ---- */

void dma_iova_release(struct dma_cookie *cookie, uint64_t pfn, uint64_t pfns)
{
	int ret = smmukit_iova_free_fast(cookie->iovad, pfn, pfns);

	if (ret)
		smmukit_err(cookie->dma->plat,
			    "dma: IOVA pfn 0x%llx (%llu) could not be freed: %s",
			    (unsigned long long)pfn, (unsigned long long)pfns,
			    smmukit_errname(ret));
	else
		DMA_CTR_SUB(cookie->dma, iova_live, 1);
}

static void cookie_destroy(struct smmukit_dma *dma, struct dma_cookie *c)
{
	dma_fq_destroy(atomic_load(&c->fq));
	smmukit_iova_domain_destroy(c->iovad);
	smmukit_plat_free(dma->plat, c, sizeof(*c));
}

static int hook_cookie_init(void *arg, struct smmukit_domain *dom,
			    bool *fq_failed)
{
	struct smmukit_dma *dma = arg;
	struct smmukit_iova_config icfg = { 0 };
	struct dma_cookie *c;
	unsigned ias = smmukit_domain_ias(dom);
	int ret;

	*fq_failed = false;
	c = smmukit_plat_zalloc(dma->plat, sizeof(*c));
	if (!c)
		return -SMMUKIT_ENOMEM;
	c->dma = dma;
	c->dom = dom;
	atomic_init(&c->fq, NULL);
	atomic_init(&c->live, 0);
	if (smmukit_domain_get_type(dom) == SMMUKIT_DOMAIN_IDENTITY) {
		/* Only the count of live addresses: no IOVA space. */
		smmukit_domain_set_dma_cookie(dom, c);
		return 0;
	}
	c->granule = smmukit_domain_granule(dom);
	if (!smmukit_is_pow2(c->granule) || ias < 20 || ias > 64) {
		smmukit_plat_free(dma->plat, c, sizeof(*c));
		return -SMMUKIT_EINVAL;
	}
	c->shift = smmukit_ilog2(c->granule);
	c->limit_pfn = (ias >= 64 ? UINT64_MAX : (UINT64_C(1) << ias) - 1) >>
		       c->shift;
	icfg.granule = c->granule;
	icfg.start_pfn = 1;
	icfg.end_pfn = c->limit_pfn;
	ret = smmukit_iova_domain_create(dma->plat, &icfg, &c->iovad);
	if (ret) {
		smmukit_plat_free(dma->plat, c, sizeof(*c));
		return ret;
	}
	smmukit_domain_set_dma_cookie(dom, c);
	if (smmukit_domain_type_is_lazy(smmukit_domain_get_type(dom))) {
		struct dma_fq *fq;

		ret = dma_fq_create(c, &fq);
		if (ret) {
			/* The cookie stays, strict: the core downgrades. */
			*fq_failed = true;
			return ret;
		}
		atomic_store_explicit(&c->fq, fq, memory_order_release);
	}
	return 0;
}

static int hook_init_fq(void *arg, struct smmukit_domain *dom)
{
	struct dma_cookie *c = smmukit_domain_dma_cookie(dom);
	struct dma_fq *fq;
	int ret;

	(void)arg;
	if (!c)
		return -SMMUKIT_EINVAL;
	if (atomic_load(&c->fq))
		return 0;
	ret = dma_fq_create(c, &fq);
	if (ret)
		return ret;
	/* Fully built before anyone can see it. */
	atomic_store_explicit(&c->fq, fq, memory_order_release);
	return 0;
}

static bool hook_busy(void *arg, struct smmukit_domain *dom)
{
	struct dma_cookie *c = smmukit_domain_dma_cookie(dom);

	(void)arg;
	return c && atomic_load(&c->live) != 0;
}

static void hook_cookie_free(void *arg, struct smmukit_domain *dom)
{
	struct dma_cookie *c = smmukit_domain_dma_cookie(dom);

	if (!c)
		return;
	smmukit_domain_set_dma_cookie(dom, NULL);
	cookie_destroy(arg, c);
}

static const struct smmukit_iommu_dma_ops dma_hooks = {
	.cookie_init = hook_cookie_init,
	.init_fq = hook_init_fq,
	.busy = hook_busy,
	.cookie_free = hook_cookie_free,
};

int smmukit_dma_create(struct smmukit_iommu *iommu, struct smmukit_dma **out)
{
	struct smmukit_platform *plat;
	struct smmukit_dma *dma;
	int ret;

	if (!iommu || !out)
		return -SMMUKIT_EINVAL;
	plat = smmukit_iommu_platform(iommu);
	dma = smmukit_plat_zalloc(plat, sizeof(*dma));
	if (!dma)
		return -SMMUKIT_ENOMEM;
	dma->iommu = iommu;
	dma->plat = plat;
	atomic_init(&dma->timing, NULL);
	atomic_init(&dma->flush_timed, 0);
	atomic_init(&dma->flush_ns, 0);
	atomic_init(&dma->flush_ns_max, 0);
	smmukit_plat_lock_init(plat, &dma->bounce_lock);
	ret = smmukit_iommu_set_dma_ops(iommu, &dma_hooks, dma);
	if (ret) {
		smmukit_plat_lock_destroy(plat, &dma->bounce_lock);
		smmukit_plat_free(plat, dma, sizeof(*dma));
		return ret;
	}
	*out = dma;
	return 0;
}

void smmukit_dma_destroy(struct smmukit_dma *dma)
{
	if (!dma)
		return;
	/*
	 * With devices left, their domains' cookies point here: freeing the
	 * layer would leave them dangling. Refuse (the void API cannot say
	 * so otherwise) and keep everything usable.
	 */
	if (smmukit_iommu_set_dma_ops(dma->iommu, NULL, NULL)) {
		smmukit_err(dma->plat,
			    "dma: destroy with devices still probed: refused");
		return;
	}
	dma_bounce_drain(dma);
	if (dma->timing_mem)
		smmukit_plat_free(dma->plat, dma->timing_mem,
				  dma->timing_mem_size);
	smmukit_plat_lock_destroy(dma->plat, &dma->bounce_lock);
	smmukit_plat_free(dma->plat, dma, sizeof(*dma));
}

/* ---- the device's DMA domain ---- */

enum dma_path { PATH_TRANSLATED, PATH_IDENTITY };

/*
 * The domain the DMA API maps through: the group's default domain, while
 * the group is attached to it.
 */
static int dev_dma_domain(struct smmukit_device *dev, struct dma_cookie **cookie,
			  enum dma_path *path)
{
	enum smmukit_domain_type type;
	void *dc;

	/* -EBUSY: a user domain owns the group. */
	int ret = smmukit_device_dma_state(dev, &type, &dc);

	if (smmukit_unlikely(ret))
		return ret;
	if (type == SMMUKIT_DOMAIN_IDENTITY) {
		/* The cookie counts live addresses (NULL without the hooks). */
		*path = PATH_IDENTITY;
		*cookie = dc;
		return 0;
	}
	*cookie = dc;
	if (!smmukit_domain_type_is_dma_api(type) || !*cookie)
		return -SMMUKIT_ENODEV;
	*path = PATH_TRANSLATED;
	return 0;
}

/*
 * Through an identity domain an address is just the physical one, so what
 * is live is only counted: the domain stays busy (no type change, no
 * release) while any is, and an unmap with none live is -ENOENT. A count
 * cannot tell which address was mapped; it bounds how many unmaps are
 * believed.
 */
static void identity_get(struct dma_cookie *c)
{
	if (c)
		atomic_fetch_add_explicit(&c->live, 1, memory_order_relaxed);
}

static int identity_put(struct dma_cookie *c)
{
	uint64_t v;

	if (!c)
		return 0;
	v = atomic_load_explicit(&c->live, memory_order_relaxed);
	do {
		if (v == 0)
			return -SMMUKIT_ENOENT;
	} while (!atomic_compare_exchange_weak_explicit(&c->live, &v, v - 1,
							memory_order_relaxed,
							memory_order_relaxed));
	return 0;
}

static int map_checks(struct smmukit_device *dev, smmukit_phys_t pa,
		      uint64_t size, enum smmukit_dma_dir dir)
{
	if (!dev || size == 0 || !dir_valid(dir) || pa + size - 1 < pa)
		return -SMMUKIT_EINVAL;
	return 0;
}

/* Map [pa, pa+len) (granule-aligned) at a fresh IOVA; *iova on success. */
static int map_range(struct dma_cookie *c, smmukit_phys_t pa, uint64_t len,
		     enum smmukit_dma_dir dir, uint64_t *iova)
{
	struct dma_timing_cpu *tc = dma_timing_sample(c->dma, DMA_TIMING_MAP);
	uint64_t pfn, t0 = 0;
	int ret;

	if (smmukit_unlikely(tc))
		t0 = smmukit_plat_clock_ns(c->dma->plat);
	ret = smmukit_iova_alloc_fast(c->iovad, len >> c->shift, c->limit_pfn,
				      0, &pfn);
	if (smmukit_unlikely(tc)) {
		atomic_fetch_add_explicit(&tc->iova_ns,
					  smmukit_plat_clock_ns(c->dma->plat) - t0,
					  memory_order_relaxed);
		atomic_fetch_add_explicit(&tc->iova_n, 1, memory_order_relaxed);
	}
	if (ret)
		return ret;
	ret = smmukit_iommu_dma_map(c->dom, pfn << c->shift, pa, len,
				smmukit_dma_dir_prot(dir));
	if (ret) {
		smmukit_iova_free_fast(c->iovad, pfn, len >> c->shift);
		return ret;
	}
	atomic_fetch_add_explicit(&c->live, 1, memory_order_relaxed);
	DMA_CTR_ADD(c->dma, iova_live, 1);
	DMA_CTR_ADD(c->dma, maps, 1);
	*iova = pfn << c->shift;
	return 0;
}

/* An untrusted device's sub-granule buffer: map a copy (bounce.c). */
static int map_bounced(struct dma_cookie *c, smmukit_phys_t pa, uint64_t size,
		       enum smmukit_dma_dir dir, smmukit_dma_addr_t *out)
{
	smmukit_phys_t bpa;
	uint64_t span, iova;
	int ret = dma_bounce_map(c, pa, size, dir, &bpa, &span);

	if (ret)
		return ret;
	ret = map_range(c, bpa, span, dir, &iova);
	if (ret) {
		dma_bounce_finish(c->dma, dma_bounce_take(c->dma, bpa), false);
		return ret;
	}
	*out = iova;
	return 0;
}

int smmukit_dma_map_page(struct smmukit_device *dev, smmukit_phys_t pa,
			 uint64_t size, enum smmukit_dma_dir dir,
			 smmukit_dma_addr_t *out)
{
	struct dma_cookie *c;
	enum dma_path path;
	uint64_t off, iova;
	int ret;

	if (!out)
		return -SMMUKIT_EINVAL;
	*out = SMMUKIT_DMA_MAPPING_ERROR;
	ret = map_checks(dev, pa, size, dir);
	if (!ret)
		ret = dev_dma_domain(dev, &c, &path);
	if (ret)
		return ret;
	if (path == PATH_IDENTITY) {
		identity_get(c);
		*out = pa;
		return 0;
	}
	if (size > (c->limit_pfn << c->shift)) {
		ret = -SMMUKIT_ENOSPC;
		goto fail;
	}
	if (dma_needs_bounce(dev, c, pa, size)) {
		ret = map_bounced(c, pa, size, dir, out);
		if (ret)
			goto fail;
		return 0;
	}
	off = pa & (c->granule - 1);
	ret = map_range(c, pa - off, smmukit_align_up(off + size, c->granule),
			dir, &iova);
	if (ret)
		goto fail;
	*out = iova + off;
	return 0;
fail:
	DMA_CTR_ADD(c->dma, map_errors, 1);
	return ret;
}

int smmukit_dma_map_single(struct smmukit_device *dev, const void *cpu,
			   uint64_t size, enum smmukit_dma_dir dir,
			   smmukit_dma_addr_t *out)
{
	struct smmukit_platform *plat;
	smmukit_phys_t pa;

	if (out)
		*out = SMMUKIT_DMA_MAPPING_ERROR;
	if (!dev || !cpu || !out)
		return -SMMUKIT_EINVAL;
	plat = smmukit_iommu_platform(smmukit_device_iommu(dev));
	pa = smmukit_plat_virt_to_phys(plat, cpu);
	if (pa == ~(smmukit_phys_t)0)
		return -SMMUKIT_EFAULT;
	return smmukit_dma_map_page(dev, pa, size, dir, out);
}

/*
 * Unmap [iova, iova+len) (granule-aligned) of a translated domain:
 *  1. tell the observer the unmap starts;
 *  2. clear the PTEs: with a queued gather when the domain has a flush
 *     queue (no leaf invalidation), else gathering leaf invalidations;
 *  3. strict: iotlb_sync (TLBI + CMD_SYNC, then the removed table pages are
 *     freed), then the IOVA is freed; lazy: the range and table pages are
 *     queued and released after a covering flush;
 *  4. tell the observer the unmap returned.
 * A range that was only partly mapped (the caller's size is wrong) is still
 * invalidated, but its IOVA is not freed: keeping it is safe, guessing its
 * size is not.
 */
static int unmap_translated(struct dma_cookie *c, uint64_t iova, uint64_t len)
{
	struct smmukit_iotlb_gather gather;
	struct dma_fq *fq = atomic_load_explicit(&c->fq, memory_order_acquire);
	int64_t n;
	int ret = 0;

	smmukit_iommu_note_unmap(c->dom, iova, len, false);
	smmukit_pgtable_gather_init(&gather);
	gather.queued = fq != NULL;
	n = smmukit_iommu_dma_unmap_fast(c->dom, iova, len, &gather);
	if (n <= 0) {
		ret = n == 0 ? -SMMUKIT_ENOENT : (int)n;
		goto out;
	}
	if (fq && (uint64_t)n == len) {
#ifdef SMMUKIT_BROKEN_FQ_EARLY_FREE
		/* Deliberately broken variant: IOVA reusable before the flush. */
		dma_iova_release(c, iova >> c->shift, len >> c->shift);
		ret = dma_fq_queue(fq, 0, 0, &gather.freelist);
#else
		ret = dma_fq_queue(fq, iova >> c->shift, len >> c->shift,
				   &gather.freelist);
#endif
		if (!ret)
			DMA_CTR_ADD(c->dma, lazy_unmaps, 1);
		goto out;
	}
	if (fq) {
		/* Partial: settle it now, without the queue. */
		ret = smmukit_iommu_flush_iotlb_all(c->dom);
		if (!ret)
			smmukit_pgtable_freelist_free(c->dma->plat, &gather.freelist);
	} else {
#ifdef SMMUKIT_BROKEN_STRICT_NO_SYNC
		/* Deliberately broken variant: no leaf invalidation at all. */
		smmukit_pgtable_gather_reset_range(&gather);
#endif
		struct dma_timing_cpu *tc = dma_timing_sample(c->dma,
							      DMA_TIMING_UNMAP);
		uint64_t t0 = 0;

		if (smmukit_unlikely(tc))
			t0 = smmukit_plat_clock_ns(c->dma->plat);
		ret = smmukit_iommu_iotlb_sync(c->dom, &gather);
		if (smmukit_unlikely(tc)) {
			atomic_fetch_add_explicit(&tc->sync_ns,
						  smmukit_plat_clock_ns(c->dma->plat) - t0,
						  memory_order_relaxed);
			atomic_fetch_add_explicit(&tc->sync_n, 1,
						  memory_order_relaxed);
		}
	}
	if (ret)
		goto out;	/* not confirmed: keep the IOVA */
	if ((uint64_t)n != len) {
		smmukit_warn(c->dma->plat,
			     "dma: unmap of 0x%llx found %lld of %llu bytes mapped; IOVA kept",
			     (unsigned long long)iova, (long long)n,
			     (unsigned long long)len);
		ret = -SMMUKIT_EINVAL;
		goto out;
	}
	dma_iova_release(c, iova >> c->shift, len >> c->shift);
	DMA_CTR_ADD(c->dma, strict_unmaps, 1);
out:
	/* Whatever happened next, the PTEs are gone: the mapping is. */
	if (n > 0)
		atomic_fetch_sub_explicit(&c->live, 1, memory_order_relaxed);
	if (ret == 0)
		DMA_CTR_ADD(c->dma, unmaps, 1);
	smmukit_iommu_note_unmap(c->dom, iova, len, true);
	return ret;
}

/*
 * The bounce record behind a DMA address of an untrusted device, taken out
 * of the table (NULL if the mapping was not bounced).
 */
static struct bounce_rec *bounce_of(struct smmukit_device *dev,
				    struct dma_cookie *c, uint64_t iova)
{
	smmukit_phys_t pa;

	if (smmukit_likely(!smmukit_device_untrusted(dev)))
		return NULL;
	if (smmukit_iommu_iova_to_phys(c->dom, iova & ~(c->granule - 1), &pa))
		return NULL;
	return dma_bounce_take(c->dma, pa);
}

/* Unmap, then copy a bounced buffer out (or put its record back). */
static int unmap_with_bounce(struct dma_cookie *c, struct bounce_rec *r,
			     uint64_t iova, uint64_t len)
{
	int ret = unmap_translated(c, iova, len);

	if (ret == 0)
		dma_bounce_finish(c->dma, r, true);
	else
		dma_bounce_put_back(c->dma, r);
	return ret;
}

int smmukit_dma_unmap_page(struct smmukit_device *dev, smmukit_dma_addr_t addr,
			   uint64_t size, enum smmukit_dma_dir dir)
{
	struct dma_cookie *c;
	enum dma_path path;
	struct bounce_rec *r;
	uint64_t off;
	int ret;

	if (!dev || size == 0 || !dir_valid(dir) ||
	    addr == SMMUKIT_DMA_MAPPING_ERROR || addr + size - 1 < addr)
		return -SMMUKIT_EINVAL;
	ret = dev_dma_domain(dev, &c, &path);
	if (ret)
		return ret;
	if (path == PATH_IDENTITY)
		return identity_put(c);
	off = addr & (c->granule - 1);
	if (size > (c->limit_pfn << c->shift) || (addr >> c->shift) > c->limit_pfn)
		return -SMMUKIT_EINVAL;
	r = bounce_of(dev, c, addr);
	if (r)
		return unmap_with_bounce(c, r, addr - off,
					 smmukit_align_up(size, c->granule));
	return unmap_translated(c, addr - off,
				smmukit_align_up(off + size, c->granule));
}

int smmukit_dma_unmap_single(struct smmukit_device *dev,
			     smmukit_dma_addr_t addr, uint64_t size,
			     enum smmukit_dma_dir dir)
{
	return smmukit_dma_unmap_page(dev, addr, size, dir);
}

/* ---- scatter-gather ---- */

/*
 * Where a segment is mapped from and how many IOVA bytes it takes: its own
 * pages with its offset in the granule, padded to whole granules; or, when
 * bounced, its bounce pages from offset 0 (bounce_pa non-zero).
 */
struct sg_piece {
	smmukit_phys_t map_pa;
	uint64_t off;
	uint64_t span;
};

static void sg_piece(const struct smmukit_dma_sg *s, smmukit_phys_t bounce_pa,
		     uint64_t granule, struct sg_piece *out)
{
	if (bounce_pa) {
		out->map_pa = bounce_pa;
		out->off = 0;
		out->span = smmukit_align_up(s->len, granule);
	} else {
		out->off = s->pa & (granule - 1);
		out->map_pa = s->pa - out->off;
		out->span = smmukit_align_up(out->off + s->len, granule);
	}
}

static void sg_mark_error(struct smmukit_dma_sg *sg, unsigned nents)
{
	for (unsigned i = 0; i < nents; i++) {
		sg[i].dma_addr = SMMUKIT_DMA_MAPPING_ERROR;
		sg[i].dma_len = 0;
	}
}

static bool sg_seg_ok(const struct smmukit_dma_sg *s, uint64_t limit)
{
	return s->len != 0 && s->len <= limit && s->pa + s->len - 1 >= s->pa;
}

/*
 * Bounce an untrusted device's sub-granule segments first; dma_addr holds
 * the bounce pages' address until the segment is mapped (0: not bounced).
 */
static int sg_bounce_all(struct smmukit_device *dev, struct dma_cookie *c,
			 struct smmukit_dma_sg *sg, unsigned nents,
			 enum smmukit_dma_dir dir)
{
	for (unsigned i = 0; i < nents; i++)
		sg[i].dma_addr = 0;
	for (unsigned i = 0; i < nents; i++) {
		uint64_t span;
		int ret;

		if (!dma_needs_bounce(dev, c, sg[i].pa, sg[i].len))
			continue;
		ret = dma_bounce_map(c, sg[i].pa, sg[i].len, dir,
				     &sg[i].dma_addr, &span);
		if (ret)
			return ret;
	}
	return 0;
}

static void sg_unbounce_all(struct dma_cookie *c, struct smmukit_dma_sg *sg,
			    unsigned nents)
{
	for (unsigned i = 0; i < nents; i++)
		if (sg[i].dma_addr && sg[i].dma_addr != SMMUKIT_DMA_MAPPING_ERROR)
			dma_bounce_finish(c->dma,
					  dma_bounce_take(c->dma, sg[i].dma_addr),
					  false);
}

/*
 * 1. check every segment and bounce those an untrusted device must not
 *    see around; 2. one IOVA range for the padded total; 3. map each
 *    segment at its place; 4. on failure unmap what was mapped (strictly),
 *    free the IOVA and the bounce pages: nothing is left half-mapped.
 */
int smmukit_dma_map_sg(struct smmukit_device *dev, struct smmukit_dma_sg *sg,
		       unsigned nents, enum smmukit_dma_dir dir)
{
	struct dma_cookie *c;
	enum dma_path path;
	uint64_t total = 0, pfn, iova, pos = 0, limit;
	int ret;

	if (!dev || !sg || nents == 0 || nents > SMMUKIT_DMA_MAX_SG ||
	    !dir_valid(dir))
		return -SMMUKIT_EINVAL;
	ret = dev_dma_domain(dev, &c, &path);
	limit = ret || path == PATH_IDENTITY ? UINT64_MAX : c->limit_pfn << c->shift;
	for (unsigned i = 0; !ret && i < nents; i++)
		if (!sg_seg_ok(&sg[i], limit))
			ret = -SMMUKIT_EINVAL;
	if (ret) {
		sg_mark_error(sg, nents);
		return ret;
	}
	if (path == PATH_IDENTITY) {
		for (unsigned i = 0; i < nents; i++) {
			sg[i].dma_addr = sg[i].pa;
			sg[i].dma_len = sg[i].len;
		}
		identity_get(c);
		return (int)nents;
	}
	ret = sg_bounce_all(dev, c, sg, nents, dir);
	for (unsigned i = 0; !ret && i < nents; i++) {
		struct sg_piece pc;

		sg_piece(&sg[i], sg[i].dma_addr, c->granule, &pc);
		if (pc.span > limit - total)
			ret = -SMMUKIT_ENOSPC;
		else
			total += pc.span;
	}
	if (!ret)
		ret = smmukit_iova_alloc_fast(c->iovad, total >> c->shift,
					      c->limit_pfn, 0, &pfn);
	if (ret)
		goto fail_bounce;
	iova = pfn << c->shift;
	for (unsigned i = 0; i < nents; i++) {
		struct sg_piece pc;

		sg_piece(&sg[i], sg[i].dma_addr, c->granule, &pc);
		ret = smmukit_iommu_dma_map(c->dom, iova + pos, pc.map_pa, pc.span,
					smmukit_dma_dir_prot(dir));
		if (ret)
			break;
		pos += pc.span;
	}
	if (ret) {
		if (pos)
			smmukit_iommu_dma_unmap(c->dom, iova, pos);
		smmukit_iova_free_fast(c->iovad, pfn, total >> c->shift);
		goto fail_bounce;
	}
	pos = 0;
	for (unsigned i = 0; i < nents; i++) {
		struct sg_piece pc;

		sg_piece(&sg[i], sg[i].dma_addr, c->granule, &pc);
		sg[i].dma_addr = iova + pos + pc.off;
		sg[i].dma_len = sg[i].len;
		pos += pc.span;
	}
	atomic_fetch_add_explicit(&c->live, 1, memory_order_relaxed);
	DMA_CTR_ADD(c->dma, iova_live, 1);
	DMA_CTR_ADD(c->dma, maps, 1);
	return (int)nents;
fail_bounce:
	sg_unbounce_all(c, sg, nents);
	sg_mark_error(sg, nents);
	DMA_CTR_ADD(c->dma, map_errors, 1);
	return ret;
}

/*
 * The range is found from the DMA addresses map_sg gave (first segment's
 * granule to the end of the last one's), so bounced and direct segments
 * need no separate arithmetic.
 */
int smmukit_dma_unmap_sg(struct smmukit_device *dev,
			 const struct smmukit_dma_sg *sg, unsigned nents,
			 enum smmukit_dma_dir dir)
{
	struct dma_cookie *c;
	enum dma_path path;
	struct bounce_rec *taken = NULL;
	uint64_t iova, end;
	int ret;

	if (!dev || !sg || nents == 0 || nents > SMMUKIT_DMA_MAX_SG ||
	    !dir_valid(dir))
		return -SMMUKIT_EINVAL;
	for (unsigned i = 0; i < nents; i++)
		if (sg[i].dma_addr == SMMUKIT_DMA_MAPPING_ERROR || !sg[i].dma_len ||
		    sg[i].dma_addr + sg[i].dma_len - 1 < sg[i].dma_addr)
			return -SMMUKIT_EINVAL;
	ret = dev_dma_domain(dev, &c, &path);
	if (ret)
		return ret;
	if (path == PATH_IDENTITY)
		return identity_put(c);
	/*
	 * Ascending only through a translated domain: identity hands back the
	 * segments' own addresses, in whatever order the caller gave them.
	 */
	for (unsigned i = 1; i < nents; i++)
		if (sg[i].dma_addr < sg[i - 1].dma_addr + sg[i - 1].dma_len)
			return -SMMUKIT_EINVAL;
	iova = sg[0].dma_addr & ~(c->granule - 1);
	end = smmukit_align_up(sg[nents - 1].dma_addr + sg[nents - 1].dma_len,
			       c->granule);
	if (end == 0 || (end >> c->shift) - 1 > c->limit_pfn)
		return -SMMUKIT_EINVAL;
	for (unsigned i = 0; i < nents; i++) {
		struct bounce_rec *r = bounce_of(dev, c, sg[i].dma_addr);

		if (r)
			dma_bounce_chain(r, &taken);
	}
	ret = unmap_translated(c, iova, end - iova);
	while (taken) {
		struct bounce_rec *r = dma_bounce_unchain(&taken);

		if (ret == 0)
			dma_bounce_finish(c->dma, r, true);
		else
			dma_bounce_put_back(c->dma, r);
	}
	return ret;
}

/* Copy between a bounced buffer and its bounce pages (no-op otherwise). */
static int dma_sync(struct smmukit_device *dev, smmukit_dma_addr_t addr,
		    uint64_t size, enum smmukit_dma_dir dir, bool for_device)
{
	struct dma_cookie *c;
	enum dma_path path;
	smmukit_phys_t pa;
	uint64_t base;
	int ret;

	if (!dev || size == 0 || !dir_valid(dir) ||
	    addr == SMMUKIT_DMA_MAPPING_ERROR || addr + size - 1 < addr)
		return -SMMUKIT_EINVAL;
	ret = dev_dma_domain(dev, &c, &path);
	if (ret || path == PATH_IDENTITY || !smmukit_device_untrusted(dev))
		return ret;
	base = addr & ~(c->granule - 1);
	if (smmukit_iommu_iova_to_phys(c->dom, base, &pa))
		return -SMMUKIT_ENOENT;
	ret = dma_bounce_sync(c->dma, pa, addr - base, size, for_device);
	return ret > 0 ? 0 : ret;
}

int smmukit_dma_sync_single_for_cpu(struct smmukit_device *dev,
				    smmukit_dma_addr_t addr, uint64_t size,
				    enum smmukit_dma_dir dir)
{
	return dma_sync(dev, addr, size, dir, false);
}

int smmukit_dma_sync_single_for_device(struct smmukit_device *dev,
				       smmukit_dma_addr_t addr, uint64_t size,
				       enum smmukit_dma_dir dir)
{
	return dma_sync(dev, addr, size, dir, true);
}

/* ---- coherent allocations ---- */

static unsigned pages_order(uint64_t size)
{
	uint64_t pages = (size + SMMUKIT_PAGE_SIZE - 1) >> SMMUKIT_PAGE_SHIFT;

	return pages <= 1 ? 0 : smmukit_ilog2(pages - 1) + 1;
}

int smmukit_dma_alloc_coherent(struct smmukit_device *dev, uint64_t size,
			       void **cpu, smmukit_dma_addr_t *addr)
{
	struct smmukit_platform *plat;
	struct smmukit_dma_pages pg;
	unsigned order;
	int ret;

	if (addr)
		*addr = SMMUKIT_DMA_MAPPING_ERROR;
	if (cpu)
		*cpu = NULL;
	if (!dev || !cpu || !addr || size == 0 ||
	    size > (SMMUKIT_PAGE_SIZE << SMMUKIT_MAX_PAGE_ORDER))
		return -SMMUKIT_EINVAL;
	plat = smmukit_iommu_platform(smmukit_device_iommu(dev));
	order = pages_order(size);
	ret = smmukit_plat_alloc_pages(plat, order, &pg);
	if (ret)
		return ret;
	ret = smmukit_dma_map_page(dev, pg.pa, SMMUKIT_PAGE_SIZE << order,
				   SMMUKIT_DMA_BIDIRECTIONAL, addr);
	if (ret) {
		smmukit_plat_free_pages(plat, &pg);
		return ret;
	}
	*cpu = pg.cpu;
	return 0;
}

int smmukit_dma_free_coherent(struct smmukit_device *dev, uint64_t size,
			      void *cpu, smmukit_dma_addr_t addr)
{
	struct smmukit_platform *plat;
	struct smmukit_dma_pages pg;
	int ret;

	if (!dev || !cpu || size == 0 ||
	    size > (SMMUKIT_PAGE_SIZE << SMMUKIT_MAX_PAGE_ORDER))
		return -SMMUKIT_EINVAL;
	plat = smmukit_iommu_platform(smmukit_device_iommu(dev));
	pg.cpu = cpu;
	pg.order = pages_order(size);
	pg.pa = smmukit_plat_virt_to_phys(plat, cpu);
	if (pg.pa == ~(smmukit_phys_t)0)
		return -SMMUKIT_EFAULT;
	ret = smmukit_dma_unmap_page(dev, addr, SMMUKIT_PAGE_SIZE << pg.order,
				     SMMUKIT_DMA_BIDIRECTIONAL);
	if (ret)
		return ret;
	smmukit_plat_free_pages(plat, &pg);
	return 0;
}

/* ---- flush and statistics ---- */

int smmukit_dma_flush(struct smmukit_device *dev)
{
	struct dma_cookie *c;
	struct dma_fq *fq;
	enum dma_path path;
	int ret;

	if (!dev)
		return -SMMUKIT_EINVAL;
	ret = dev_dma_domain(dev, &c, &path);
	if (ret || path == PATH_IDENTITY)
		return ret;
	fq = atomic_load_explicit(&c->fq, memory_order_acquire);
	return fq ? dma_fq_flush_all(fq) : 0;
}

int smmukit_dma_get_stats(struct smmukit_dma *dma,
			  struct smmukit_dma_stats *out)
{
	if (!dma || !out)
		return -SMMUKIT_EINVAL;
	*out = (struct smmukit_dma_stats){ 0 };
#define LOAD(f) out->f = atomic_load_explicit(&dma->ctr.f, memory_order_relaxed)
	LOAD(maps);
	LOAD(unmaps);
	LOAD(map_errors);
	LOAD(strict_unmaps);
	LOAD(lazy_unmaps);
	LOAD(fq_flushes);
	LOAD(fq_full_flushes);
	LOAD(fq_timer_flushes);
	LOAD(fq_pending);
	LOAD(fq_reclaimed);
	LOAD(iova_live);
	LOAD(flush_errors);
	LOAD(bounced);
#undef LOAD
	return 0;
}

/* ---- the timing hook (benchmarks) ---- */

/* The per-CPU slots, allocated once: a timed call may still hold them. */
static int timing_alloc(struct smmukit_dma *dma)
{
	unsigned n = smmukit_plat_nr_cpus(dma->plat);
	size_t size;
	unsigned char *mem;

	if (dma->timing_mem)
		return 0;
	if (n == 0)
		n = 1;
	size = (size_t)n * sizeof(struct dma_timing_cpu) + 64;
	/* zalloc promises no alignment: over-allocate to align the slots. */
	mem = smmukit_plat_zalloc(dma->plat, size);
	if (!mem)
		return -SMMUKIT_ENOMEM;
	dma->nr_timing = n;
	dma->timing_mem_size = size;
	dma->timing_mem = mem;
	return 0;
}

static struct dma_timing_cpu *timing_slots(struct smmukit_dma *dma)
{
	unsigned char *mem = dma->timing_mem;

	return (struct dma_timing_cpu *)(void *)(mem +
		((64 - ((uintptr_t)mem & 63)) & 63));
}

int smmukit_dma_set_timing(struct smmukit_dma *dma, bool on)
{
	int ret = 0;

	if (!dma)
		return -SMMUKIT_EINVAL;
	smmukit_plat_lock(dma->plat, &dma->bounce_lock);
	if (on)
		ret = timing_alloc(dma);
	if (!ret)
		atomic_store_explicit(&dma->timing,
				      on ? timing_slots(dma) : NULL,
				      memory_order_release);
	smmukit_plat_unlock(dma->plat, &dma->bounce_lock);
	return ret;
}

int smmukit_dma_get_timing(struct smmukit_dma *dma,
			   struct smmukit_dma_timing *out)
{
	if (!dma || !out)
		return -SMMUKIT_EINVAL;
	*out = (struct smmukit_dma_timing){ 0 };
	smmukit_plat_lock(dma->plat, &dma->bounce_lock);
	if (dma->timing_mem) {
		struct dma_timing_cpu *t = timing_slots(dma);

		for (unsigned i = 0; i < dma->nr_timing; i++) {
#define SUM(to, f) out->to += atomic_load_explicit(&t[i].f, memory_order_relaxed)
			SUM(iova_samples, iova_n);
			SUM(iova_ns, iova_ns);
			SUM(sync_samples, sync_n);
			SUM(sync_ns, sync_ns);
#undef SUM
		}
	}
	smmukit_plat_unlock(dma->plat, &dma->bounce_lock);
	out->flushes = atomic_load_explicit(&dma->flush_timed,
					    memory_order_relaxed);
	out->flush_ns = atomic_load_explicit(&dma->flush_ns,
					     memory_order_relaxed);
	out->flush_ns_max = atomic_load_explicit(&dma->flush_ns_max,
						 memory_order_relaxed);
	return 0;
}

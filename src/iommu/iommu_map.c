/* SPDX-License-Identifier: MIT */
/*
 * The IOMMU core's map and unmap paths. No lock is taken here: the driver
 * and page table allow concurrent calls on non-overlapping ranges, and the
 * caller (the IOVA allocator, or a user of an unmanaged domain) owns range
 * exclusion. The only shared state read is the domain's fq_allowed flag.
 */
#include "iommu_internal.h"

/*
 * The largest page size of the domain that fits [iova, iova+size) and the
 * alignment of iova and pa, and how many of it to take before a larger size
 * could start (so that a long range gets blocks where it can).
 */
static uint64_t pick_pgsize(uint64_t bitmap, uint64_t iova, uint64_t pa,
			    uint64_t size, uint64_t *count)
{
	uint64_t addr_merge = iova | pa;
	uint64_t sizes = bitmap & SMMUKIT_GENMASK(smmukit_ilog2(size), 0);
	uint64_t pgsize, bigger, span;

	if (addr_merge)
		sizes &= SMMUKIT_GENMASK(smmukit_ctz64(addr_merge), 0);
	if (!sizes) {
		*count = 0;
		return 0;
	}
	pgsize = UINT64_C(1) << smmukit_ilog2(sizes);
	span = size;
	bigger = bitmap & ~SMMUKIT_GENMASK(smmukit_ilog2(pgsize), 0);
	if (bigger) {
		uint64_t next = UINT64_C(1) << smmukit_ctz64(bigger);
		uint64_t to_boundary = next - (addr_merge & (next - 1));

		if (to_boundary < span)
			span = to_boundary;
	}
	*count = span / pgsize;
	return pgsize;
}

static bool domain_is_paging(const struct smmukit_domain *dom)
{
	/* smmukit_domain_get_type() without the call (dom is not NULL here). */
	return smmukit_domain_type_is_paging((enum smmukit_domain_type)
		atomic_load_explicit(&((struct smmukit_domain *)dom)->type,
				     memory_order_acquire));
}

/*
 * Is the whole range one page of a size the domain maps, aligned to it
 * (addr: iova, or iova | pa)? Then pick_pgsize would answer (size, 1): the
 * largest size that fits is size itself, and a larger one's boundary
 * cannot fall inside it. The common DMA-API case, without the loop.
 */
static bool one_page(uint64_t bitmap, uint64_t addr, uint64_t size)
{
	return smmukit_is_pow2(size) && (bitmap & size) && !(addr & (size - 1));
}

static bool range_ok(const struct smmukit_domain *dom, uint64_t iova,
		     uint64_t size)
{
	uint64_t gran = dom->hw->granule;

	return size != 0 && iova + size - 1 >= iova &&
	       smmukit_is_aligned(iova | size, gran);
}

/*
 * A DMA-API domain's address space belongs to the layer that holds its
 * cookie (its IOVA allocator decides what is free): a mapping made or
 * removed behind its back would collide with a later IOVA or leave one
 * allocated forever. The user entry points refuse such domains; the owner
 * uses the smmukit_iommu_dma_* forms, so its paths pay nothing for this.
 */
static int user_domain_check(const struct smmukit_domain *dom)
{
	unsigned t;

	if (!dom)
		return -SMMUKIT_EINVAL;
	t = atomic_load_explicit(&((struct smmukit_domain *)dom)->type,
				 memory_order_acquire);
	if (!smmukit_domain_type_is_paging((enum smmukit_domain_type)t))
		return -SMMUKIT_EINVAL;
	if (smmukit_domain_type_is_dma_api((enum smmukit_domain_type)t))
		return -SMMUKIT_EPERM;
	return 0;
}

int smmukit_iommu_map(struct smmukit_domain *dom, uint64_t iova,
		      smmukit_phys_t pa, uint64_t size, unsigned prot)
{
	int ret = user_domain_check(dom);

	return ret ? ret : smmukit_iommu_dma_map(dom, iova, pa, size, prot);
}

int smmukit_iommu_dma_map(struct smmukit_domain *dom, uint64_t iova,
			  smmukit_phys_t pa, uint64_t size, unsigned prot)
{
	uint64_t done = 0;
	int ret = 0;

	if (!dom || !domain_is_paging(dom))
		return -SMMUKIT_EINVAL;
	if (!range_ok(dom, iova, size) || !smmukit_is_aligned(pa, dom->hw->granule) ||
	    pa + size - 1 < pa)
		return -SMMUKIT_EINVAL;
	if (smmukit_likely(one_page(dom->hw->pgsize_bitmap, iova | pa, size)))
		/* Nothing mapped on failure: no rollback to do. */
		return smmukit_iommu_drv_map_pages(dom->hw, iova, pa, size, 1,
						   prot, NULL);
	while (done < size) {
		uint64_t count, mapped = 0;
		uint64_t pgsize = pick_pgsize(dom->hw->pgsize_bitmap, iova + done,
					      pa + done, size - done, &count);

		if (!pgsize) {
			ret = -SMMUKIT_EINVAL;
			break;
		}
		ret = smmukit_iommu_drv_map_pages(dom->hw, iova + done, pa + done,
						  pgsize, count, prot, &mapped);
		done += mapped;
		if (ret)
			break;
	}
	if (ret && done) {
		/* All or nothing: take back what this call mapped, strictly. */
		int64_t undone = smmukit_iommu_dma_unmap(dom, iova, done);

		if (undone != (int64_t)done)
			smmukit_err(dom->iommu->plat,
				    "iommu: map rollback unmapped %lld of %llu bytes",
				    (long long)undone, (unsigned long long)done);
	}
	return ret;
}

/* Unmap with the pieces map used; stops at the first hole. */
static int64_t unmap_range(struct smmukit_domain *dom, uint64_t iova,
			   uint64_t size, struct smmukit_iotlb_gather *gather)
{
	uint64_t done = 0;

	if (smmukit_likely(one_page(dom->hw->pgsize_bitmap, iova, size)))
		return smmukit_iommu_drv_unmap_pages(dom->hw, iova, size, 1, gather);
	while (done < size) {
		uint64_t count;
		uint64_t pgsize = pick_pgsize(dom->hw->pgsize_bitmap, iova + done,
					      0, size - done, &count);
		int64_t n;

		if (!pgsize)
			return done ? (int64_t)done : -SMMUKIT_EINVAL;
		n = smmukit_iommu_drv_unmap_pages(dom->hw, iova + done, pgsize,
						  count, gather);
		if (n < 0)
			return done ? (int64_t)done : n;
		done += (uint64_t)n;
		if ((uint64_t)n < pgsize * count)
			break;
	}
	return (int64_t)done;
}

int64_t smmukit_iommu_unmap_fast(struct smmukit_domain *dom, uint64_t iova,
				 uint64_t size,
				 struct smmukit_iotlb_gather *gather)
{
	int ret = user_domain_check(dom);

	return ret ? ret : smmukit_iommu_dma_unmap_fast(dom, iova, size, gather);
}

int64_t smmukit_iommu_dma_unmap_fast(struct smmukit_domain *dom, uint64_t iova,
				     uint64_t size,
				     struct smmukit_iotlb_gather *gather)
{
	if (!dom || !gather || !domain_is_paging(dom) ||
	    !range_ok(dom, iova, size))
		return -SMMUKIT_EINVAL;
	/*
	 * Only a flush queue may defer: unmanaged domains, untrusted and
	 * opted-out devices are strict whatever the caller asks.
	 */
	if (gather->queued && !SMMUKIT_IOMMU_FQ_ALLOWED(dom))
		return -SMMUKIT_EPERM;
	return unmap_range(dom, iova, size, gather);
}

int smmukit_iommu_iotlb_sync(struct smmukit_domain *dom,
			     struct smmukit_iotlb_gather *gather)
{
	if (!dom || !gather)
		return -SMMUKIT_EINVAL;
	if (!dom->hw)
		return 0;
	if (gather->queued && !SMMUKIT_IOMMU_FQ_ALLOWED(dom))
		return -SMMUKIT_EPERM;
	return smmukit_iommu_drv_iotlb_sync(dom->hw, gather);
}

int64_t smmukit_iommu_unmap(struct smmukit_domain *dom, uint64_t iova,
			    uint64_t size)
{
	int ret = user_domain_check(dom);

	return ret ? ret : smmukit_iommu_dma_unmap(dom, iova, size);
}

int64_t smmukit_iommu_dma_unmap(struct smmukit_domain *dom, uint64_t iova,
				uint64_t size)
{
	struct smmukit_iotlb_gather gather;
	int64_t n;
	int ret;

	if (!dom || !domain_is_paging(dom) || !range_ok(dom, iova, size))
		return -SMMUKIT_EINVAL;
	smmukit_iommu_note_unmap(dom, iova, size, false);
	smmukit_pgtable_gather_init(&gather);
	n = unmap_range(dom, iova, size, &gather);
	ret = smmukit_iommu_drv_iotlb_sync(dom->hw, &gather);
	smmukit_iommu_note_unmap(dom, iova, size, true);
	if (ret)
		return ret;
	return n;
}

int smmukit_iommu_flush_iotlb_all(struct smmukit_domain *dom)
{
	if (!dom || !dom->hw)
		return -SMMUKIT_EINVAL;
	return smmukit_iommu_drv_flush_iotlb_all(dom->hw);
}

int smmukit_iommu_iova_to_phys(struct smmukit_domain *dom, uint64_t iova,
			       smmukit_phys_t *pa)
{
	if (!dom || !pa || !dom->hw)
		return -SMMUKIT_EINVAL;
	return smmukit_iommu_drv_iova_to_phys(dom->hw, iova, pa);
}

int smmukit_device_dma_state(const struct smmukit_device *dev,
			     enum smmukit_domain_type *type, void **cookie)
{
	struct smmukit_domain *def;

	if (!dev || !type || !cookie)
		return -SMMUKIT_EINVAL;
	def = atomic_load_explicit(&dev->group->default_domain,
				   memory_order_acquire);
	if (smmukit_unlikely(atomic_load_explicit(&dev->group->domain,
						  memory_order_acquire) != def))
		return -SMMUKIT_EBUSY;
	*type = def ? (enum smmukit_domain_type)atomic_load_explicit(
			      &def->type, memory_order_acquire) :
		      SMMUKIT_DOMAIN_BLOCKED;
	*cookie = def ? def->dma_cookie : NULL;
	return 0;
}

void smmukit_iommu_note_unmap(struct smmukit_domain *dom, uint64_t iova,
			      uint64_t size, bool returned)
{
	struct smmukit_iommu *iommu;

	if (!dom)
		return;
	iommu = dom->iommu;
	if (smmukit_likely(!atomic_load_explicit(&iommu->has_observer,
						 memory_order_acquire)))
		return;
	if (returned) {
		if (iommu->observer.unmap_end)
			iommu->observer.unmap_end(iommu->observer.arg, dom, iova,
						  size);
	} else if (iommu->observer.unmap_begin) {
		iommu->observer.unmap_begin(iommu->observer.arg, dom, iova, size);
	}
}

/* SPDX-License-Identifier: MIT */
/*
 * The iommu_ops seam: how the IOMMU core (and anything else above a
 * hardware driver) drives an IOMMU. Everything here is named
 * smmukit_iommu_drv_* so that it can never be confused with the IOMMU
 * core's own API (smmukit/iommu.h: smmukit_iommu_*, smmukit_domain_*), which
 * adds devices, groups, domain types and the invalidation policy on top. Nothing here is SMMUv3-specific: a
 * device is a set of stream IDs, a domain is an address space with a page
 * table, and invalidation is expressed with the page-table layer's gather.
 *
 * A driver embeds struct smmukit_iommu_drv in its device state and struct
 * smmukit_iommu_drv_domain in its domain state, and recovers its own structures
 * with smmukit_container_of(). Callers use the static inline wrappers below,
 * never the function pointers.
 *
 * Lazy versus strict. There is no per-domain lazy flag. A caller that will
 * flush later (a flush queue) sets gather.queued before unmap_pages: the
 * page table then gathers no leaf invalidation, and iotlb_sync on such a
 * gather invalidates nothing and leaves gather.freelist to the caller, who
 * frees it after its own flush_iotlb_all has completed. A strict caller
 * passes an unqueued gather to unmap_pages and then iotlb_sync: when that
 * returns 0 the unmapped range is invalidated and the removed table pages
 * are freed.
 *
 * Concurrency. map_pages, unmap_pages, iotlb_sync, flush_iotlb_all and
 * iova_to_phys may run concurrently from any threads on ranges that do not
 * overlap (the IOVA allocator gives that exclusion). attach/detach may run
 * concurrently with everything except domain_free of the same domain.
 * domain_free requires every device detached and no call in flight on the
 * domain.
 *
 * Errors are negative SMMUKIT_E* values; a failed call changes nothing
 * unless its description says otherwise.
 *
 * Error codes: the smmukit_iommu_drv_* wrappers return -EINVAL for a NULL
 * domain, device or op, else the driver's code (see smmu.h for SMMUv3).
 */
#ifndef SMMUKIT_IOMMU_OPS_H
#define SMMUKIT_IOMMU_OPS_H

#include "smmukit/base.h"
#include "smmukit/pgtable.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A DMA master as the IOMMU sees it: the stream IDs its transactions carry. */
struct smmukit_iommu_drv_device {
	const uint32_t *sids;
	unsigned nr_sids;
};

/*
 * What a domain does with its devices' DMA. The IOMMU core builds its
 * domain types on these: DMA, DMA-FQ and unmanaged domains are PAGING
 * (translated through a page table; lazy or strict is the caller's gather),
 * passthrough is IDENTITY, "blocked" is BLOCKED.
 */
enum smmukit_iommu_drv_domain_kind {
	SMMUKIT_IOMMU_DRV_DOMAIN_PAGING = 0,
	SMMUKIT_IOMMU_DRV_DOMAIN_IDENTITY = 1,	/* DMA untranslated */
	SMMUKIT_IOMMU_DRV_DOMAIN_BLOCKED = 2,	/* all DMA aborts */
};

/* What a domain translates with. Zero fields mean "the driver's default". */
struct smmukit_iommu_drv_domain_cfg {
	enum smmukit_iommu_drv_domain_kind kind;
	/* PAGING only: */
	unsigned stage;		/* 1 or 2; 0: stage 1 if the IOMMU has it */
	uint64_t granule;	/* SMMUKIT_SZ_4K/16K/64K; 0: the smallest supported */
	unsigned ias;		/* input address bits; 0: the IOMMU's maximum */
	unsigned oas;		/* output address bits; 0: the IOMMU's maximum */
};

enum smmukit_iommu_drv_cap {
	/*
	 * The IOMMU can defer invalidation: flush_iotlb_all is a cheap
	 * whole-context invalidation, so a flush queue may batch unmaps.
	 */
	SMMUKIT_IOMMU_DRV_CAP_DEFERRED_FLUSH = 1,
};

struct smmukit_iommu_drv;
struct smmukit_iommu_drv_domain;

struct smmukit_iommu_drv_ops {
	/* Allocate a domain with its own address space (ASID/VMID, tables). */
	int (*domain_alloc)(struct smmukit_iommu_drv *iommu,
			    const struct smmukit_iommu_drv_domain_cfg *cfg,
			    struct smmukit_iommu_drv_domain **out);
	/*
	 * Invalidate the domain's whole context, free its tables and release
	 * its hardware tag. -EBUSY (nothing changed) while a device is still
	 * attached; -EINVAL for a domain already freed.
	 */
	int (*domain_free)(struct smmukit_iommu_drv_domain *dom);
	/*
	 * Route every stream of dev through dom. -EINVAL for an invalid or
	 * repeated stream ID (or a freed dom), -EEXIST if one is already
	 * attached to dom itself, -EBUSY if one is attached to another
	 * domain (nothing changed in either case), -ENOMEM, -ETIMEDOUT if the
	 * hardware did not confirm.
	 */
	int (*attach_dev)(struct smmukit_iommu_drv_domain *dom,
			  const struct smmukit_iommu_drv_device *dev);
	/*
	 * Return every stream of dev to the IOMMU's state for unattached
	 * streams: abort, or bypass where the IOMMU was configured so (SMMUv3:
	 * bypass_unattached, for the streams it covers). -ENOENT (nothing
	 * changed) if one is not attached to dom.
	 */
	int (*detach_dev)(struct smmukit_iommu_drv_domain *dom,
			  const struct smmukit_iommu_drv_device *dev);
	/* As smmukit_pgtable_map_pages. */
	int (*map_pages)(struct smmukit_iommu_drv_domain *dom, uint64_t iova,
			 smmukit_phys_t paddr, uint64_t pgsize,
			 uint64_t pgcount, unsigned prot, uint64_t *mapped);
	/* As smmukit_pgtable_unmap_pages: bytes unmapped, or an error. */
	int64_t (*unmap_pages)(struct smmukit_iommu_drv_domain *dom, uint64_t iova,
			       uint64_t pgsize, uint64_t pgcount,
			       struct smmukit_iotlb_gather *gather);
	/*
	 * Complete the gathered invalidation (strict) and free the gather's
	 * table pages; reset the gather's range. A queued gather: no-op, its
	 * freelist stays with the caller. On -ETIMEDOUT the freelist is kept
	 * (freeing pages a walker may still reach would be worse than a leak).
	 */
	int (*iotlb_sync)(struct smmukit_iommu_drv_domain *dom,
			  struct smmukit_iotlb_gather *gather);
	/* Invalidate every cached translation of dom and wait. */
	int (*flush_iotlb_all)(struct smmukit_iommu_drv_domain *dom);
	/* 0 and *pa, -ENOENT if unmapped, -ERANGE beyond the input size. */
	int (*iova_to_phys)(struct smmukit_iommu_drv_domain *dom, uint64_t iova,
			    smmukit_phys_t *pa);
	bool (*capable)(struct smmukit_iommu_drv *iommu, enum smmukit_iommu_drv_cap cap);
};

/* One IOMMU instance, as the core sees it. Immutable after probe. */
struct smmukit_iommu_drv {
	const struct smmukit_iommu_drv_ops *ops;
	const char *name;
	uint64_t pgsize_bitmap;	/* every size map_pages may be given */
	unsigned max_ias;	/* largest input address size of any domain */
};

/* A domain, as the core sees it. Filled by domain_alloc; read-only above. */
struct smmukit_iommu_drv_domain {
	struct smmukit_iommu_drv *iommu;
	enum smmukit_iommu_drv_domain_kind kind;
	/*
	 * PAGING only (0 otherwise). IDENTITY and BLOCKED domains have no page
	 * table: map/unmap fail with -EOPNOTSUPP, iotlb_sync and
	 * flush_iotlb_all succeed with nothing to do, iova_to_phys gives iova
	 * (IDENTITY) or -ENOENT (BLOCKED).
	 */
	unsigned stage;
	uint64_t granule;
	uint64_t pgsize_bitmap;
	unsigned ias;
	unsigned oas;
};

/* ---- wrappers: the only way callers use the table ---- */

static inline int smmukit_iommu_drv_domain_alloc(struct smmukit_iommu_drv *iommu,
					     const struct smmukit_iommu_drv_domain_cfg *cfg,
					     struct smmukit_iommu_drv_domain **out)
{
	if (!iommu || !out)
		return -SMMUKIT_EINVAL;
	return iommu->ops->domain_alloc(iommu, cfg, out);
}

static inline int smmukit_iommu_drv_domain_free(struct smmukit_iommu_drv_domain *dom)
{
	if (!dom)
		return -SMMUKIT_EINVAL;
	return dom->iommu->ops->domain_free(dom);
}

static inline int smmukit_iommu_drv_attach_dev(struct smmukit_iommu_drv_domain *dom,
					   const struct smmukit_iommu_drv_device *dev)
{
	if (!dom || !dev)
		return -SMMUKIT_EINVAL;
	return dom->iommu->ops->attach_dev(dom, dev);
}

static inline int smmukit_iommu_drv_detach_dev(struct smmukit_iommu_drv_domain *dom,
					   const struct smmukit_iommu_drv_device *dev)
{
	if (!dom || !dev)
		return -SMMUKIT_EINVAL;
	return dom->iommu->ops->detach_dev(dom, dev);
}

static inline int smmukit_iommu_drv_map_pages(struct smmukit_iommu_drv_domain *dom,
					  uint64_t iova, smmukit_phys_t paddr,
					  uint64_t pgsize, uint64_t pgcount,
					  unsigned prot, uint64_t *mapped)
{
	if (mapped)
		*mapped = 0;
	if (!dom)
		return -SMMUKIT_EINVAL;
	return dom->iommu->ops->map_pages(dom, iova, paddr, pgsize, pgcount,
					  prot, mapped);
}

static inline int64_t smmukit_iommu_drv_unmap_pages(struct smmukit_iommu_drv_domain *dom,
						uint64_t iova, uint64_t pgsize,
						uint64_t pgcount,
						struct smmukit_iotlb_gather *gather)
{
	if (!dom)
		return -SMMUKIT_EINVAL;
	return dom->iommu->ops->unmap_pages(dom, iova, pgsize, pgcount, gather);
}

static inline int smmukit_iommu_drv_iotlb_sync(struct smmukit_iommu_drv_domain *dom,
					   struct smmukit_iotlb_gather *gather)
{
	if (!dom || !gather)
		return -SMMUKIT_EINVAL;
	return dom->iommu->ops->iotlb_sync(dom, gather);
}

static inline int smmukit_iommu_drv_flush_iotlb_all(struct smmukit_iommu_drv_domain *dom)
{
	if (!dom)
		return -SMMUKIT_EINVAL;
	return dom->iommu->ops->flush_iotlb_all(dom);
}

static inline int smmukit_iommu_drv_iova_to_phys(struct smmukit_iommu_drv_domain *dom,
					     uint64_t iova, smmukit_phys_t *pa)
{
	if (!dom || !pa)
		return -SMMUKIT_EINVAL;
	return dom->iommu->ops->iova_to_phys(dom, iova, pa);
}

static inline bool smmukit_iommu_drv_capable(struct smmukit_iommu_drv *iommu,
					 enum smmukit_iommu_drv_cap cap)
{
	if (!iommu || !iommu->ops->capable)
		return false;
	return iommu->ops->capable(iommu, cap);
}

#ifdef __cplusplus
}
#endif

#endif /* SMMUKIT_IOMMU_OPS_H */

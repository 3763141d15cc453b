/* SPDX-License-Identifier: MIT */
/*
 * The DMA API: what a device driver calls to hand buffers to its device,
 * on top of the IOMMU core (smmukit/iommu.h).
 *
 * A mapping gives the device an I/O virtual address (IOVA) for a buffer in
 * its default domain: an IOVA is allocated (per-CPU magazine fast path,
 * tree on a miss), the page table is written, and no invalidation is ever
 * issued on map. Identity domains hand back the physical address and never
 * invalidate.
 *
 * Unmap follows the domain's type:
 *  - DMA (strict): clear the PTEs with the leaf invalidations gathered,
 *    iotlb_sync (one TLBI, one range command when the SMMU has RIL, and
 *    one CMD_SYNC), free removed table pages, free the IOVA. When it
 *    returns, the device can no longer reach the buffer.
 *  - DMA-FQ (lazy): clear the PTEs without leaf invalidation, and queue the
 *    (IOVA range, removed table pages) on this CPU's flush-queue ring with
 *    the flush-start stamp. The IOVA and pages are released only after a
 *    whole-domain flush (TLBI by ASID/VMID + CMD_SYNC) that started after
 *    the PTE clear has completed: when the ring fills, or when the one-shot
 *    timer (iommu.fq_timeout_ms after the first queued entry) fires. Until
 *    then a device may still reach the old buffer through a stale TLB
 *    entry; it can never reach a new one through it.
 * Removed page-table pages are invalidated synchronously (walk flush) in
 * both modes, inside unmap.
 *
 * Errors: negative SMMUKIT_E* values; a failed map leaves nothing mapped
 * and nothing allocated. -ENODEV when the device's group is on a blocked
 * domain, -EBUSY when a user (unmanaged) domain owns the group.
 *
 * Concurrency: every call may run concurrently from any thread on distinct
 * mappings. A device's mappings must be unmapped before it is released.
 *
 * Error codes:
 *  -EINVAL   NULL pointer, size 0, unknown direction, an address range
 *            that wraps or leaves the domain, the mapping error value, an
 *            unmap whose size cannot be the mapping's, a bad sg list;
 *  -ENOENT   unmap (or sync) of an address that is not mapped: never
 *            mapped, or unmapped already; through an identity domain,
 *            more unmaps than maps;
 *  -ENOSPC   no IOVA space (the buffer is larger than the domain);
 *  -EFAULT   a CPU pointer outside DMA-able memory;
 *  -EBUSY    a user domain owns the group; create after devices exist;
 *  -ENODEV   the group is on a blocked domain;
 *  -E2BIG    a bounced buffer above 4 MiB;
 *  -ERANGE   a physical address beyond the SMMU's output size;
 *  -ENOMEM, -ETIMEDOUT (an invalidation not confirmed: IOVA kept).
 * smmukit_dma_destroy() with devices still probed is refused (logged):
 * their domains still point at the layer.
 */
#ifndef SMMUKIT_DMA_H
#define SMMUKIT_DMA_H

#include "smmukit/base.h"
#include "smmukit/iommu.h"
#include "smmukit/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t smmukit_dma_addr_t;
/* Never a valid DMA address (as Linux's DMA_MAPPING_ERROR). */
#define SMMUKIT_DMA_MAPPING_ERROR (~(smmukit_dma_addr_t)0)

enum smmukit_dma_dir {
	SMMUKIT_DMA_BIDIRECTIONAL = 0,	/* device reads and writes */
	SMMUKIT_DMA_TO_DEVICE = 1,	/* device reads only */
	SMMUKIT_DMA_FROM_DEVICE = 2,	/* device writes only */
};

/* "bidir", "to_device", "from_device"; "?" otherwise. */
const char *smmukit_dma_dir_name(enum smmukit_dma_dir dir);
/* The inverse; 0 or -SMMUKIT_EINVAL. */
int smmukit_dma_dir_parse(const char *name, enum smmukit_dma_dir *out);
/* Page permissions for a direction (SMMUKIT_PROT_*), 0 if invalid. */
unsigned smmukit_dma_dir_prot(enum smmukit_dma_dir dir);

struct smmukit_dma;

/*
 * The DMA layer over one IOMMU core instance: installs its hooks in the
 * core (before any device is probed). -EBUSY if devices exist already.
 */
int smmukit_dma_create(struct smmukit_iommu *iommu, struct smmukit_dma **out);
/* After every device is released. NULL is ignored. */
void smmukit_dma_destroy(struct smmukit_dma *dma);

/*
 * Map size bytes at physical address pa for dev. *out receives the DMA
 * address of pa (the IOVA keeps pa's offset within the granule), or
 * SMMUKIT_DMA_MAPPING_ERROR on error.
 */
int smmukit_dma_map_page(struct smmukit_device *dev, smmukit_phys_t pa,
			 uint64_t size, enum smmukit_dma_dir dir,
			 smmukit_dma_addr_t *out);
/* As map_page, for a CPU pointer into DMA-able memory (-EFAULT if not). */
int smmukit_dma_map_single(struct smmukit_device *dev, const void *cpu,
			   uint64_t size, enum smmukit_dma_dir dir,
			   smmukit_dma_addr_t *out);
/*
 * Unmap what map_page/map_single returned, with the same size and
 * direction. -ENOENT (nothing changed) if addr is not mapped; -EINVAL for
 * a size or direction that cannot be the mapping's.
 */
int smmukit_dma_unmap_page(struct smmukit_device *dev, smmukit_dma_addr_t addr,
			   uint64_t size, enum smmukit_dma_dir dir);
int smmukit_dma_unmap_single(struct smmukit_device *dev,
			     smmukit_dma_addr_t addr, uint64_t size,
			     enum smmukit_dma_dir dir);

/*
 * A scatter-gather list: the caller fills pa and len; map_sg fills
 * dma_addr and dma_len. Every segment but the first must start on a
 * granule boundary in IOVA terms: map_sg pads each segment to whole
 * granules, so one contiguous IOVA range covers the list and each segment
 * keeps its offset within its first granule.
 */
struct smmukit_dma_sg {
	smmukit_phys_t pa;
	uint64_t len;
	smmukit_dma_addr_t dma_addr;
	uint64_t dma_len;
};

#define SMMUKIT_DMA_MAX_SG 1024u

/*
 * Map nents segments into one contiguous IOVA range. Returns nents, or an
 * error with nothing mapped (every dma_addr set to the mapping error).
 */
int smmukit_dma_map_sg(struct smmukit_device *dev, struct smmukit_dma_sg *sg,
		       unsigned nents, enum smmukit_dma_dir dir);
/*
 * Unmap a list map_sg mapped (same list, as map_sg filled it: the range is
 * found from the segments' dma_addr and dma_len).
 */
int smmukit_dma_unmap_sg(struct smmukit_device *dev,
			 const struct smmukit_dma_sg *sg, unsigned nents,
			 enum smmukit_dma_dir dir);

/*
 * Untrusted devices: a buffer that does not fill whole granules (its
 * address or size not a multiple of the domain's granule) is never mapped
 * in place, since the device would reach the rest of its pages. It is
 * copied into zero-filled pages of its own which are mapped instead
 * ("bounced"): copied in at map (to_device, bidir), out at unmap
 * (from_device, bidir). Between map and unmap, the sync calls below copy
 * [addr, addr+size) of such a buffer (addr as map returned it): for_cpu
 * after the device wrote, for_device before it reads. For buffers that are
 * not bounced they do nothing (every device here is coherent or synced by
 * the page table). Bounced buffers are limited to 4 MiB (-E2BIG).
 */
int smmukit_dma_sync_single_for_cpu(struct smmukit_device *dev,
				    smmukit_dma_addr_t addr, uint64_t size,
				    enum smmukit_dma_dir dir);
int smmukit_dma_sync_single_for_device(struct smmukit_device *dev,
				       smmukit_dma_addr_t addr, uint64_t size,
				       enum smmukit_dma_dir dir);

/*
 * Allocate size bytes (rounded up to pages) of zeroed DMA-able memory and
 * map it bidirectionally: *cpu for the CPU, *addr for the device.
 */
int smmukit_dma_alloc_coherent(struct smmukit_device *dev, uint64_t size,
			       void **cpu, smmukit_dma_addr_t *addr);
int smmukit_dma_free_coherent(struct smmukit_device *dev, uint64_t size,
			      void *cpu, smmukit_dma_addr_t addr);

/*
 * Flush the device's default domain's flush queue now: one whole-domain
 * invalidation + sync, then every ring is reclaimed. 0 with nothing to do
 * for strict and identity domains.
 */
int smmukit_dma_flush(struct smmukit_device *dev);

struct smmukit_dma_stats {
	uint64_t maps;		/* successful map calls (sg: one per list) */
	uint64_t unmaps;	/* successful unmap calls */
	uint64_t map_errors;
	uint64_t strict_unmaps;	/* unmaps completed with iotlb_sync */
	uint64_t lazy_unmaps;	/* unmaps queued on a flush queue */
	uint64_t fq_flushes;	/* whole-domain flushes by the flush queues */
	uint64_t fq_full_flushes;	/* of those, because a ring was full */
	uint64_t fq_timer_flushes;	/* of those, by the timer */
	uint64_t fq_pending;	/* entries waiting in flush queues now */
	uint64_t fq_reclaimed;	/* entries released after their flush */
	uint64_t iova_live;	/* IOVA ranges allocated now */
	uint64_t flush_errors;	/* flushes whose completion was not seen */
	uint64_t bounced;	/* buffers copied to bounce pages (untrusted) */
};

/* Counters summed over every domain of this DMA layer. */
int smmukit_dma_get_stats(struct smmukit_dma *dma,
			  struct smmukit_dma_stats *out);

/*
 * Measurement hook for benchmarks (smmukit bench map): where the time of a
 * map/unmap goes. Off by default; the map and unmap paths then pay one
 * predictable branch on a pointer. When on, one call in
 * SMMUKIT_DMA_TIMING_SAMPLE per CPU reads the platform clock around its
 * IOVA allocation (map) or its iotlb_sync (strict unmap): a clock read
 * costs tens of ns on some hosts, so timing every call would slow what a
 * benchmark measures. Every flush-queue flush is timed (they are rare).
 * Counters are cumulative over every period the hook was on: take deltas.
 */
#define SMMUKIT_DMA_TIMING_SAMPLE 16u

struct smmukit_dma_timing {
	uint64_t iova_samples;	/* IOVA allocations timed */
	uint64_t iova_ns;	/* their total time */
	uint64_t sync_samples;	/* strict unmaps whose iotlb_sync was timed */
	uint64_t sync_ns;	/* their total time (TLBI + CMD_SYNC wait) */
	uint64_t flushes;	/* flush-queue flushes (every one is timed) */
	uint64_t flush_ns;	/* their total time */
	uint64_t flush_ns_max;	/* the longest one */
};

/* Switch the hook on or off. -ENOMEM the first time on, if out of memory. */
int smmukit_dma_set_timing(struct smmukit_dma *dma, bool on);
int smmukit_dma_get_timing(struct smmukit_dma *dma,
			   struct smmukit_dma_timing *out);

#ifdef __cplusplus
}
#endif

#endif /* SMMUKIT_DMA_H */

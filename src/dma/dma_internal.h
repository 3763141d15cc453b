/* SPDX-License-Identifier: MIT */
/* The DMA layer's private state. Only src/dma includes this. */
#ifndef SMMUKIT_DMA_INTERNAL_H
#define SMMUKIT_DMA_INTERNAL_H

#include "smmukit/dma.h"
#include "smmukit/iova.h"

/*
 * One queued lazy unmap: the IOVA range to give back and the table pages
 * removed with it, released once a flush that started after it completed.
 * pfn 0 means "no IOVA to free" (pfn 0 is never allocated).
 */
struct fq_entry {
	uint64_t pfn;
	uint64_t pfns;
	uint64_t counter;	/* flush_start_cnt when queued */
	struct smmukit_pgtable_freelist freelist;
};

/*
 * A ring of entries. Empty when head == tail, full when tail + 1 == head
 * (mod size): size - 1 usable slots. Entries from head to tail are in
 * stamp order. head, tail and the entries are protected by lock; the ring
 * is alone on its cache lines so CPUs do not share them.
 */
struct fq_ring {
	_Alignas(64) struct smmukit_lock lock;
	uint32_t head;
	uint32_t tail;
	uint32_t mask;
	struct fq_entry *entries;
};

struct dma_cookie;

/*
 * A domain's flush queue. The two counters implement the release rule
 * (see fq.c); they and timer_on are atomics shared by every CPU. rings,
 * nr_rings, size and timeout_ns are fixed when the queue is built.
 */
struct dma_fq {
	_Atomic uint64_t flush_start_cnt;
	_Atomic uint64_t flush_finish_cnt;
	_Atomic bool timer_on;
	struct smmukit_timer timer;
	struct dma_cookie *cookie;
	struct fq_ring *rings;
	unsigned nr_rings;
	uint32_t size;
	uint64_t timeout_ns;
	/* Entries queued and not yet reclaimed (statistics). */
	_Atomic uint64_t pending;
	/* Allocation of rings (one block), for freeing it whole. */
	void *rings_mem;
	size_t rings_mem_size;
	size_t entries_size;
};

/*
 * What the DMA layer keeps in a DMA-API domain (the core's dma_cookie).
 * Everything but fq and the counters is fixed at creation.
 */
struct dma_cookie {
	struct smmukit_dma *dma;
	struct smmukit_domain *dom;
	struct smmukit_iova_domain *iovad;
	unsigned shift;		/* log2 of the granule */
	uint64_t granule;
	uint64_t limit_pfn;	/* highest pfn of the domain's input range */
	/*
	 * NULL: strict. Published once with release ordering after it is
	 * fully built (a live DMA -> DMA-FQ change); unmaps read it with
	 * acquire, and one racing with the change may take the strict path
	 * once, which is harmless.
	 */
	_Atomic(struct dma_fq *) fq;
	/* Mappings handed out and not yet unmapped (busy check). */
	_Atomic uint64_t live;
};

/* Counters of the whole layer: relaxed atomics, read only for stats. */
struct dma_counters {
	_Atomic uint64_t maps;
	_Atomic uint64_t unmaps;
	_Atomic uint64_t map_errors;
	_Atomic uint64_t strict_unmaps;
	_Atomic uint64_t lazy_unmaps;
	_Atomic uint64_t fq_flushes;
	_Atomic uint64_t fq_full_flushes;
	_Atomic uint64_t fq_timer_flushes;
	_Atomic uint64_t fq_pending;
	_Atomic uint64_t fq_reclaimed;
	_Atomic uint64_t iova_live;
	_Atomic uint64_t flush_errors;
	_Atomic uint64_t bounced;
};

#define DMA_BOUNCE_BUCKETS 64u
struct bounce_rec;

/*
 * The timing hook's counters (smmukit_dma_set_timing), one cache line per
 * CPU so timed calls on different CPUs share nothing. Relaxed atomics:
 * several threads may share a CPU id, and readers only sum them.
 */
struct dma_timing_cpu {
	/* Calls seen, maps and unmaps apart (a shared count alternating
	 * between them would sample only one kind): they pick the samples. */
	_Alignas(64) _Atomic uint64_t tick[2];
	_Atomic uint64_t iova_n, iova_ns;
	_Atomic uint64_t sync_n, sync_ns;
};

struct smmukit_dma {
	struct smmukit_iommu *iommu;
	struct smmukit_platform *plat;
	struct dma_counters ctr;
	/* Bounce records by bounce-page address; under bounce_lock. */
	struct smmukit_lock bounce_lock;
	struct bounce_rec *bounce[DMA_BOUNCE_BUCKETS];
	/*
	 * Timing hook: NULL while off. timing_mem (nr_timing slots, aligned
	 * inside it) is allocated the first time the hook is switched on,
	 * under bounce_lock, and freed only by smmukit_dma_destroy, so a
	 * caller that loaded the pointer before it was switched off can
	 * still use it. Published with release, read with acquire.
	 */
	_Atomic(struct dma_timing_cpu *) timing;
	void *timing_mem;
	size_t timing_mem_size;
	unsigned nr_timing;
	/* Flush-queue flushes, timed whenever the hook is on (rare). */
	_Atomic uint64_t flush_timed, flush_ns, flush_ns_max;
};

/*
 * The timing hook's sample slot for this call, or NULL (hook off, or not
 * this call's turn). The first branch is the only cost when off.
 */
enum dma_timing_kind { DMA_TIMING_MAP, DMA_TIMING_UNMAP };

static inline struct dma_timing_cpu *dma_timing_sample(struct smmukit_dma *dma,
						       enum dma_timing_kind k)
{
	struct dma_timing_cpu *t =
		atomic_load_explicit(&dma->timing, memory_order_acquire);

	if (smmukit_likely(!t))
		return NULL;
	t += smmukit_plat_cpu_id(dma->plat) % dma->nr_timing;
	if (atomic_fetch_add_explicit(&t->tick[k], 1, memory_order_relaxed) %
	    SMMUKIT_DMA_TIMING_SAMPLE)
		return NULL;
	return t;
}


#define DMA_CTR_ADD(dma, field, n) \
	atomic_fetch_add_explicit(&(dma)->ctr.field, (n), memory_order_relaxed)
#define DMA_CTR_SUB(dma, field, n) \
	atomic_fetch_sub_explicit(&(dma)->ctr.field, (n), memory_order_relaxed)

/* fq.c */
int dma_fq_create(struct dma_cookie *cookie, struct dma_fq **out);
void dma_fq_destroy(struct dma_fq *fq);
/*
 * Queue a lazily unmapped range (its PTEs already cleared) and its removed
 * table pages (taken from freelist). -ETIMEDOUT if the ring was full and
 * the flush that should have made room was not confirmed: the range and
 * pages are then kept allocated for good, never reused unflushed.
 */
int dma_fq_queue(struct dma_fq *fq, uint64_t pfn, uint64_t pfns,
		 struct smmukit_pgtable_freelist *freelist);
/* Flush now and reclaim every ring. */
int dma_fq_flush_all(struct dma_fq *fq);

/* dma.c: give a range back to the IOVA allocator. */
void dma_iova_release(struct dma_cookie *cookie, uint64_t pfn, uint64_t pfns);

/* bounce.c: sub-granule buffers of untrusted devices (see there). */
bool dma_needs_bounce(struct smmukit_device *dev, const struct dma_cookie *c,
		      smmukit_phys_t pa, uint64_t size);
int dma_bounce_map(struct dma_cookie *c, smmukit_phys_t pa, uint64_t size,
		   enum smmukit_dma_dir dir, smmukit_phys_t *bounce_pa,
		   uint64_t *span);
struct bounce_rec *dma_bounce_take(struct smmukit_dma *dma, smmukit_phys_t pa);
void dma_bounce_put_back(struct smmukit_dma *dma, struct bounce_rec *r);
void dma_bounce_finish(struct smmukit_dma *dma, struct bounce_rec *r,
		       bool copy_out);
/* 1 if the page at bounce_page_pa is not a bounce page, else 0 or error. */
int dma_bounce_sync(struct smmukit_dma *dma, smmukit_phys_t bounce_page_pa,
		    uint64_t off, uint64_t size, bool for_device);
void dma_bounce_drain(struct smmukit_dma *dma);
/* A private list of records taken out of the table (linked by next). */
void dma_bounce_chain(struct bounce_rec *r, struct bounce_rec **list);
struct bounce_rec *dma_bounce_unchain(struct bounce_rec **list);

#endif /* SMMUKIT_DMA_INTERNAL_H */

/* SPDX-License-Identifier: MIT */
/*
 * The flush queue: lazy unmap's deferred invalidation.
 *
 * A lazily unmapped IOVA range cannot be handed out again until every
 * cached translation of it is gone, and the table pages removed with it
 * cannot be reused until no cached walk can point into them. Instead of one
 * invalidation + CMD_SYNC per unmap, the range and pages wait in a ring;
 * one whole-domain invalidation + CMD_SYNC (TLBI by ASID or VMID) covers
 * every entry queued before it started.
 *
 * The release rule, with two counters (flush_start_cnt, flush_finish_cnt):
 *  1. A flush increments start before it issues its TLBI, taking the new
 *     value as its ticket T, and only after its CMD_SYNC completed raises
 *     finish to T (if finish is not already higher).
 *  2. An entry is stamped with start as read after its PTEs were cleared
 *     (a full barrier orders the clears before the read). If the stamp is
 *     N, at most N flushes had begun by then, and only those could have
 *     issued their TLBI before the clear became visible.
 *  3. finish >= N + 1 means a flush with a ticket above N completed: it
 *     took its ticket after the stamp was read, so it began after it.
 *  4. That flush's TLBI was issued after the clear, so it removed every
 *     stale translation of the entry: the entry may be released.
 *  5. finish only ever holds the ticket of a completed flush, so
 *     overlapping flushes, flushes that finish out of order and flushes
 *     that fail (finish not raised) can only delay a release, never make
 *     one early. Linux counts completions instead (finish++); that is as
 *     safe, but a flush that fails would leave finish behind start for
 *     good, and every later entry would wait for one more flush per
 *     failure: a ring would never empty again.
 *
 * Rings: one per CPU (indexed by the platform's cpu_id(), fixed when the
 * queue is built) or a single shared one, each with its own lock. A ring
 * that is full is flushed at once. A one-shot timer, armed by the first
 * entry queued while it is idle and never pushed back, flushes and then
 * reclaims every ring, so a CPU that queued once and went idle still gets
 * its IOVAs back.
 *
 * No ring lock is held across a flush: the flush waits for a CMD_SYNC, and
 * that wait runs relax(), which on a polled-timer platform (bare metal, a
 * manual clock) may run this queue's timer on the same thread; the timer
 * takes ring locks.
 */
#include "dma_internal.h"

/* Whole-domain flushes a full ring tries before giving up on room. */
#define FQ_FULL_FLUSH_TRIES 4

static struct smmukit_platform *fq_plat(const struct dma_fq *fq)
{
	return fq->cookie->dma->plat;
}

static bool ring_full(const struct fq_ring *r)
{
	return ((r->tail + 1) & r->mask) == r->head;
}

/* One whole-domain flush, counted by the release rule (step 1). */
static int fq_flush_iotlb(struct dma_fq *fq)
{
	struct smmukit_dma *dma = fq->cookie->dma;
	/* The timing hook times every flush: they are few and costly. */
	bool timed = atomic_load_explicit(&dma->timing,
					  memory_order_relaxed) != NULL;
	uint64_t t0 = timed ? smmukit_plat_clock_ns(dma->plat) : 0;
	uint64_t ticket, finish;
	int ret;

	ticket = atomic_fetch_add_explicit(&fq->flush_start_cnt, 1,
					   memory_order_seq_cst) + 1;
	ret = smmukit_iommu_flush_iotlb_all(fq->cookie->dom);
	if (timed) {
		uint64_t ns = smmukit_plat_clock_ns(dma->plat) - t0;
		uint64_t max = atomic_load_explicit(&dma->flush_ns_max,
						    memory_order_relaxed);

		atomic_fetch_add_explicit(&dma->flush_ns, ns,
					  memory_order_relaxed);
		atomic_fetch_add_explicit(&dma->flush_timed, 1,
					  memory_order_relaxed);
		while (ns > max &&
		       !atomic_compare_exchange_weak_explicit(&dma->flush_ns_max,
							      &max, ns,
							      memory_order_relaxed,
							      memory_order_relaxed))
			;
	}
	if (ret) {
		DMA_CTR_ADD(dma, flush_errors, 1);
		return ret;
	}
	/* Raise finish to the ticket (step 1); a later flush may be there. */
	finish = atomic_load_explicit(&fq->flush_finish_cnt, memory_order_relaxed);
	while (finish < ticket &&
	       !atomic_compare_exchange_weak_explicit(&fq->flush_finish_cnt,
						      &finish, ticket,
						      memory_order_release,
						      memory_order_relaxed))
		;
	DMA_CTR_ADD(dma, fq_flushes, 1);
	return 0;
}

/* Release every entry a completed flush covers (ring lock held). */
static void ring_reclaim(struct dma_fq *fq, struct fq_ring *r)
{
	uint64_t finish = atomic_load_explicit(&fq->flush_finish_cnt,
					       memory_order_acquire);
	struct smmukit_platform *plat = fq_plat(fq);
	uint64_t n = 0;

	while (r->head != r->tail) {
		struct fq_entry *e = &r->entries[r->head];

		if (e->counter >= finish)
			break;	/* entries are in stamp order */
		if (e->freelist.count)	/* usually none: skip the call */
			smmukit_pgtable_freelist_free(plat, &e->freelist);
		if (e->pfn)
			dma_iova_release(fq->cookie, e->pfn, e->pfns);
		r->head = (r->head + 1) & r->mask;
		n++;
	}
	if (n) {
		atomic_fetch_sub_explicit(&fq->pending, n, memory_order_relaxed);
		DMA_CTR_SUB(fq->cookie->dma, fq_pending, n);
		DMA_CTR_ADD(fq->cookie->dma, fq_reclaimed, n);
	}
}

static void reclaim_all(struct dma_fq *fq)
{
	struct smmukit_platform *plat = fq_plat(fq);

	for (unsigned i = 0; i < fq->nr_rings; i++) {
		struct fq_ring *r = &fq->rings[i];

		smmukit_plat_hot_lock(plat, &r->lock);
		ring_reclaim(fq, r);
		smmukit_plat_hot_unlock(plat, &r->lock);
	}
}

static void fq_timer_fn(struct smmukit_timer *t)
{
	struct dma_fq *fq = smmukit_container_of(t, struct dma_fq, timer);

	/* Cleared first: an entry queued from now on arms a new expiry. */
	atomic_store_explicit(&fq->timer_on, false, memory_order_seq_cst);
	if (fq_flush_iotlb(fq) == 0)
		DMA_CTR_ADD(fq->cookie->dma, fq_timer_flushes, 1);
	reclaim_all(fq);
}

static void arm_timer(struct dma_fq *fq)
{
#ifdef SMMUKIT_BROKEN_FQ_NO_TIMER
	/* Deliberately broken variant (invariant tests): never flush late. */
	(void)fq;
	return;
#else
	struct smmukit_platform *plat = fq_plat(fq);

	/* Read first: most enqueues find it armed and write nothing. */
	if (atomic_load_explicit(&fq->timer_on, memory_order_relaxed))
		return;
	if (atomic_exchange_explicit(&fq->timer_on, true, memory_order_seq_cst))
		return;
	smmukit_plat_timer_arm(plat, &fq->timer,
			       smmukit_plat_clock_ns(plat) + fq->timeout_ns);
#endif
}

static struct fq_ring *this_cpu_ring(struct dma_fq *fq)
{
	unsigned cpu;

	if (fq->nr_rings == 1)
		return &fq->rings[0];
	cpu = smmukit_plat_cpu_id(fq_plat(fq));
	return &fq->rings[cpu < fq->nr_rings ? cpu : cpu % fq->nr_rings];
}

/*
 * Make room in a full ring (lock held on entry and on return, dropped
 * around each flush). -ETIMEDOUT if flushes were not confirmed.
 */
static int ring_make_room(struct dma_fq *fq, struct fq_ring *r)
{
	struct smmukit_platform *plat = fq_plat(fq);
	int ret = 0;

	for (int tries = 0; ring_full(r); tries++) {
		if (tries == FQ_FULL_FLUSH_TRIES)
			return ret ? ret : -SMMUKIT_ETIMEDOUT;
		smmukit_plat_hot_unlock(plat, &r->lock);
		ret = fq_flush_iotlb(fq);
		if (ret == 0)
			DMA_CTR_ADD(fq->cookie->dma, fq_full_flushes, 1);
		smmukit_plat_hot_lock(plat, &r->lock);
		ring_reclaim(fq, r);
	}
	return 0;
}

/*
 * Queue one lazy unmap:
 *  1. full barrier: the PTE clears before the stamp (release rule, step 2);
 *  2. this CPU's ring (or the single one), locked;
 *  3. reclaim what completed flushes already cover;
 *  4. a ring still full is flushed (lock dropped) and reclaimed again;
 *  5. the entry goes at the tail, stamped with flush_start_cnt read now;
 *  6. unlock, and arm the timer if it is idle.
 */
int dma_fq_queue(struct dma_fq *fq, uint64_t pfn, uint64_t pfns,
		 struct smmukit_pgtable_freelist *freelist)
{
	struct smmukit_platform *plat = fq_plat(fq);
	struct fq_ring *r;
	struct fq_entry *e;
	int ret;

	atomic_thread_fence(memory_order_seq_cst);
	r = this_cpu_ring(fq);
	smmukit_plat_hot_lock(plat, &r->lock);
	ring_reclaim(fq, r);
	ret = ring_make_room(fq, r);
	if (ret) {
		/* Keep the range and pages: never reuse them unflushed. */
		smmukit_plat_hot_unlock(plat, &r->lock);
		return ret;
	}
	e = &r->entries[r->tail];
	e->pfn = pfn;
	e->pfns = pfns;
	e->counter = atomic_load_explicit(&fq->flush_start_cnt,
					  memory_order_seq_cst);
	/* The whole list moves (usually empty): a splice into an empty one. */
	e->freelist = *freelist;
	*freelist = (struct smmukit_pgtable_freelist){ 0 };
	r->tail = (r->tail + 1) & r->mask;
	/*
	 * Counted before the unlock: once it is dropped, a flush on another
	 * CPU (or the timer) may reclaim the entry and subtract it.
	 */
	atomic_fetch_add_explicit(&fq->pending, 1, memory_order_relaxed);
	DMA_CTR_ADD(fq->cookie->dma, fq_pending, 1);
	smmukit_plat_hot_unlock(plat, &r->lock);
	arm_timer(fq);
	return 0;
}

int dma_fq_flush_all(struct dma_fq *fq)
{
	int ret = fq_flush_iotlb(fq);

	reclaim_all(fq);
	return ret;
}

int dma_fq_create(struct dma_cookie *cookie, struct dma_fq **out)
{
	struct smmukit_platform *plat = cookie->dma->plat;
	const struct smmukit_iommu_options *o =
		smmukit_iommu_get_options(cookie->dma->iommu);
	struct dma_fq *fq;
	unsigned nr_rings;
	uint32_t size = smmukit_iommu_options_fq_size(o);
	size_t rings_size, entries_size;
	unsigned char *mem;

	if (!smmukit_is_pow2(size) || size < 2)
		return -SMMUKIT_EINVAL;
	nr_rings = o->fq_mode == SMMUKIT_FQ_SINGLE ? 1 : smmukit_plat_nr_cpus(plat);
	if (nr_rings == 0)
		nr_rings = 1;
	fq = smmukit_plat_zalloc(plat, sizeof(*fq));
	if (!fq)
		return -SMMUKIT_ENOMEM;
	rings_size = (size_t)nr_rings * sizeof(struct fq_ring);
	entries_size = (size_t)nr_rings * size * sizeof(struct fq_entry);
	/* zalloc promises no alignment: over-allocate to align the rings. */
	mem = smmukit_plat_zalloc(plat, rings_size + entries_size + 64);
	if (!mem) {
		smmukit_plat_free(plat, fq, sizeof(*fq));
		return -SMMUKIT_ENOMEM;
	}
	fq->rings_mem = mem;
	fq->rings_mem_size = rings_size + entries_size + 64;
	fq->rings = (struct fq_ring *)(void *)(mem + ((64 - ((uintptr_t)mem & 63)) & 63));
	fq->entries_size = entries_size;
	fq->nr_rings = nr_rings;
	fq->size = size;
	fq->timeout_ns = (uint64_t)smmukit_iommu_options_fq_timeout_ms(o) * 1000000u;
	fq->cookie = cookie;
	for (unsigned i = 0; i < nr_rings; i++) {
		struct fq_ring *r = &fq->rings[i];

		smmukit_plat_hot_lock_init(plat, &r->lock);
		r->mask = size - 1;
		r->entries = (struct fq_entry *)(void *)((unsigned char *)fq->rings +
			     rings_size) + (size_t)i * size;
	}
	atomic_init(&fq->flush_start_cnt, 0);
	atomic_init(&fq->flush_finish_cnt, 0);
	atomic_init(&fq->timer_on, false);
	atomic_init(&fq->pending, 0);
	smmukit_plat_timer_init(plat, &fq->timer, fq_timer_fn);
	*out = fq;
	return 0;
}

/*
 * Teardown: cancel the timer synchronously (a running callback finishes
 * first), flush once if anything waits, then release every entry. If that
 * flush is not confirmed the table pages are leaked on purpose: a cached
 * walk may still point into them.
 */
void dma_fq_destroy(struct dma_fq *fq)
{
	struct smmukit_platform *plat;
	bool flushed = true;

	if (!fq)
		return;
	plat = fq_plat(fq);
	smmukit_plat_timer_cancel_sync(plat, &fq->timer);
	smmukit_plat_timer_destroy(plat, &fq->timer);
	if (atomic_load(&fq->pending))
		flushed = fq_flush_iotlb(fq) == 0;
	for (unsigned i = 0; i < fq->nr_rings; i++) {
		struct fq_ring *r = &fq->rings[i];
		uint64_t n = 0;

		for (; r->head != r->tail; r->head = (r->head + 1) & r->mask) {
			struct fq_entry *e = &r->entries[r->head];

			if (flushed) {
				smmukit_pgtable_freelist_free(plat, &e->freelist);
				if (e->pfn)
					dma_iova_release(fq->cookie, e->pfn, e->pfns);
			}
			n++;
		}
		if (n)
			DMA_CTR_SUB(fq->cookie->dma, fq_pending, n);
		smmukit_plat_hot_lock_destroy(plat, &r->lock);
	}
	smmukit_plat_free(plat, fq->rings_mem, fq->rings_mem_size);
	smmukit_plat_free(plat, fq, sizeof(*fq));
}

/* SPDX-License-Identifier: MIT */
/*
 * IOVA allocator: hands out ranges of I/O virtual addresses, in pfns of the
 * domain's granule, for the DMA layer to map.
 *
 * Two levels, as in Linux's drivers/iommu/iova.c (docs/iova.md):
 *
 *  - A balanced (AVL) tree of allocated and reserved ranges, protected by one
 *    platform lock per domain. Each node also records the free gap just below
 *    it and the largest such gap in its subtree, so an allocation is found
 *    top-down (highest address first, below the limit) in O(log n) steps
 *    whatever the fragmentation: a conservative pass (gap >= size + align - 1,
 *    which is sure to fit), then one bounded exact-fit pass that looks at no
 *    more than SMMUKIT_IOVA_EXACT_FIT_TRIES further gaps. Linux's cached-node
 *    search is linear in its worst case; this one is not. The price of the
 *    bound: an aligned request may fail while an aligned hole exists in some
 *    gap shorter than size + align - 1 that lies below the tried ones.
 *
 *  - Per-CPU magazine caches in front of the tree for sizes up to
 *    SMMUKIT_IOVA_CACHE_MAX_PFNS (smmukit_iova_alloc_fast / free_fast). Each
 *    CPU has, per size class, a loaded and a previous magazine of
 *    SMMUKIT_IOVA_MAG_PFNS entries; full magazines go to a per-class depot
 *    that grows on demand and shrinks by itself: a push that leaves a depot
 *    above depot_keep_mags arms a platform timer (unless already pending,
 *    so steady pushes never postpone it), and each expiry releases one
 *    magazine per class above keep and re-arms a period later while any
 *    class still is (Linux's delayed depot work). A pfn in a magazine is still allocated in
 *    the tree: only draining a magazine gives it back.
 *
 * Ranges are [pfn, pfn + size_pfns - 1]. pfn 0 is never handed out (the
 * domain's start_pfn is at least 1), so 0 can serve callers as "no IOVA".
 *
 * Limits are inclusive: an allocation below limit_pfn ends at or below it
 * (for a 32-bit DMA mask and a 4 KiB granule, limit_pfn = 0xfffff). A limit
 * above the domain's end_pfn is clipped to it.
 *
 * Concurrency: every function may be called from any thread, including a
 * timer callback, except create and destroy, which must not race with
 * anything else on the same domain. Lock order: per-CPU cache lock, then
 * depot lock, then tree lock; no platform op is called with the tree lock
 * held except the lock ops themselves.
 *
 * Per-CPU caches: the CPU is the platform's cpu_id(), a hint in
 * [0, nr_cpus) fixed when the domain is created; each (CPU, class) pair has
 * its own platform lock, so more threads than CPUs are correct. A thread
 * preempted while holding one of those locks (a few dozen instructions; a
 * depot push or pop; two magazines' worth of tree frees when the cache is
 * flushed) stalls, until it runs again (blocked on a sleeping lock such as
 * POSIX's, spinning on a spinning one):
 *  - the other threads that the platform maps to the same CPU id and that
 *    use the same size class;
 *  - every thread that walks all CPUs' locks: smmukit_iova_flush_caches,
 *    hence any alloc_fast that met -ENOSPC and flushes before its retry,
 *    smmukit_iova_flush_cpu of that CPU, and smmukit_iova_get_stats.
 * And since a CPU lock holder takes a depot lock (magazine exchange) and
 * the tree lock (drains), a thread preempted holding a depot lock stalls
 * the magazine exchanges of that class on every CPU, and one preempted
 * holding the tree lock stalls every tree operation and every exchange
 * that drains. Platform allocations (new magazines) and the trim timer's
 * arming happen with no lock held. No correctness depends on any of it.
 *
 * Error codes: -EINVAL (NULL pointer, granule not a power of two, size 0,
 * a range outside the domain, reserve lo > hi, a bad CPU number), -ENOSPC
 * (no free range below the limit), -ENOENT (free or find of a range that
 * is not allocated: double free, wrong size), -EBUSY (reserve over an
 * allocated range), -ENOMEM, -EIO (smmukit_iova_check found the tree
 * inconsistent). Void and counting functions ignore NULL.
 */
#ifndef SMMUKIT_IOVA_H
#define SMMUKIT_IOVA_H

#include "smmukit/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Sizes up to this many granules are cached per CPU (classes 1,2,4,...,32). */
#define SMMUKIT_IOVA_CACHE_MAX_PFNS 32u
#define SMMUKIT_IOVA_NR_CLASSES 6u
/* Entries per magazine: with the count, one magazine is exactly 1 KiB. */
#define SMMUKIT_IOVA_MAG_PFNS 127u
/* Gaps tried by the exact-fit pass after the conservative pass failed. */
#define SMMUKIT_IOVA_EXACT_FIT_TRIES 8u
/* Default depot trim period (Linux uses 100 ms). */
#define SMMUKIT_IOVA_DEFAULT_TRIM_NS UINT64_C(100000000)

/*
 * Domain flags.
 * CHECK_FAST_FREE: free_fast looks the range up in the tree (under the tree
 * lock) and refuses a range that is not allocated, has another size or
 * already sits in a cache: double frees through the fast path are then
 * detected, at the cost of the tree lock on every fast free and fast hit.
 * Without it a fast-path double free is undetected (as in Linux) and can make
 * the cache hand the same range out twice.
 */
#define SMMUKIT_IOVA_CHECK_FAST_FREE (1u << 0)

/* alloc_fast flags. NO_FLUSH: fail instead of flushing every cache. */
#define SMMUKIT_IOVA_NO_FLUSH (1u << 0)

struct smmukit_iova_config {
	/* Bytes per pfn: a power of two from 4 KiB to 64 KiB. */
	uint64_t granule;
	/* Lowest pfn handed out; 0 is raised to 1 so that IOVA 0 never is. */
	uint64_t start_pfn;
	/*
	 * Highest pfn of the domain, inclusive (the aperture end), at most
	 * UINT64_MAX >> log2(granule). 0 means that: the last granule of the
	 * 64-bit address space.
	 */
	uint64_t end_pfn;
	/* Depot trim timer period (one magazine per expiry); 0 = default. */
	uint64_t depot_trim_ns;
	/*
	 * Magazines per class the depot keeps however idle it is;
	 * 0 = nr_cpus (Linux's rule). UINT32_MAX disables trimming.
	 */
	uint32_t depot_keep_mags;
	uint32_t flags;	/* SMMUKIT_IOVA_* domain flags */
};

/* A range as the tree holds it. */
struct smmukit_iova_range {
	uint64_t pfn_lo;
	uint64_t pfn_hi;	/* inclusive */
	bool reserved;
};

/* Something to free in bulk (the lazy flush queue's entries). */
struct smmukit_iova_free_entry {
	uint64_t pfn;
	uint64_t size_pfns;
};

struct smmukit_iova_stats {
	uint64_t tree_ranges;		/* allocated + reserved nodes */
	uint64_t tree_height;		/* AVL height, 0 for an empty tree */
	uint64_t cached_ranges;		/* sitting in magazines (CPU + depot) */
	uint64_t depot_mags[SMMUKIT_IOVA_NR_CLASSES];
	uint64_t depot_mags_total;
	uint64_t mags_allocated;	/* magazines in existence */
	uint64_t cache_hits;		/* alloc_fast served by a magazine */
	uint64_t cache_misses;		/* alloc_fast that went to the tree */
	uint64_t flushes;		/* flush-all runs (explicit or retry) */
	uint64_t depot_trimmed;		/* magazines released by trimming */
};

struct smmukit_iova_domain;

/*
 * Create a domain. The platform must outlive it. Allocates the per-CPU
 * caches (2 magazines per CPU per class) up front, so that the fast paths
 * never see a missing magazine. Returns 0, -EINVAL (bad config) or -ENOMEM.
 */
int smmukit_iova_domain_create(struct smmukit_platform *plat,
			       const struct smmukit_iova_config *cfg,
			       struct smmukit_iova_domain **out);
/*
 * Free the domain, its tree and every magazine, whatever is still
 * allocated. Cancels the depot trim timer first (cancel_sync: must not be
 * called from a timer callback). No other call on the domain may run
 * concurrently or follow. NULL is ignored.
 */
void smmukit_iova_domain_destroy(struct smmukit_iova_domain *dom);

/* log2(granule), start_pfn and end_pfn as the domain uses them. */
unsigned smmukit_iova_shift(const struct smmukit_iova_domain *dom);
uint64_t smmukit_iova_start_pfn(const struct smmukit_iova_domain *dom);
uint64_t smmukit_iova_end_pfn(const struct smmukit_iova_domain *dom);

/*
 * Tree allocation of size_pfns granules ending at or below limit_pfn,
 * aligned to the next power of two >= size_pfns when size_aligned.
 * On success stores the first pfn in *pfn_out and returns 0. Errors:
 * -EINVAL (size 0 or larger than the domain, limit below start_pfn, NULL
 * pointer), -ENOSPC (no room; caches are not flushed), -ENOMEM (no tree
 * node). *pfn_out is untouched on error.
 */
int smmukit_iova_alloc(struct smmukit_iova_domain *dom, uint64_t size_pfns,
		       uint64_t limit_pfn, bool size_aligned,
		       uint64_t *pfn_out);

/*
 * Give back a range that smmukit_iova_alloc returned, with the same size.
 * -EINVAL for a bad argument, -ENOENT if [pfn, pfn+size) is not an
 * allocated range (a double free, or a wrong size, or a reserved range):
 * then nothing changes and an error is logged.
 */
int smmukit_iova_free(struct smmukit_iova_domain *dom, uint64_t pfn,
		      uint64_t size_pfns);

/*
 * Reserve [lo_pfn, hi_pfn] (MSI windows, holes): never handed out, never
 * freed. Parts outside the domain are ignored; overlapping or adjacent
 * reservations merge. -EINVAL if lo > hi, -EBUSY if it overlaps an
 * allocated range (ranges held by the caches count: reserve at setup, or
 * flush the caches first), -ENOMEM; nothing changes on error.
 */
int smmukit_iova_reserve(struct smmukit_iova_domain *dom, uint64_t lo_pfn,
			 uint64_t hi_pfn);

/*
 * The allocated or reserved range containing pfn (ranges held by caches
 * count as allocated). 0, or -ENOENT if pfn is free, -EINVAL.
 */
int smmukit_iova_find(struct smmukit_iova_domain *dom, uint64_t pfn,
		      struct smmukit_iova_range *out);

/*
 * The size the fast path really allocates for size_pfns: the next power of
 * two for cacheable sizes, size_pfns itself above SMMUKIT_IOVA_CACHE_MAX_PFNS.
 */
uint64_t smmukit_iova_fast_size(uint64_t size_pfns);

/*
 * Fast allocation: size rounded by smmukit_iova_fast_size (and then size
 * aligned); this CPU's magazines first, then the tree; if the tree has no
 * room, flush every cache (all CPUs and the depot) and retry once, unless
 * SMMUKIT_IOVA_NO_FLUSH. Returns as smmukit_iova_alloc, plus one error that
 * only a broken internal invariant produces: -EIO with CHECK_FAST_FREE
 * when a magazine held a pfn that the tree does not record as a cached
 * range of that size (logged). That pfn is dropped from the cache, which
 * loses nothing: the tree either has it free already or records another
 * owner, who frees it.
 */
int smmukit_iova_alloc_fast(struct smmukit_iova_domain *dom,
			    uint64_t size_pfns, uint64_t limit_pfn,
			    uint32_t flags, uint64_t *pfn_out);

/*
 * Give back what alloc_fast returned, with the size passed to alloc_fast.
 * Cacheable sizes go to this CPU's magazines (the range stays allocated in
 * the tree), others to the tree. Safe from any thread; never fails for lack
 * of memory (it falls back to the tree). -EINVAL for bad arguments,
 * including a cacheable size whose pfn is not aligned to the rounded size
 * or whose range runs past end_pfn (alloc_fast never returns such a range);
 * -ENOENT when the tree (or the CHECK_FAST_FREE check) finds no such range.
 */
int smmukit_iova_free_fast(struct smmukit_iova_domain *dom, uint64_t pfn,
			   uint64_t size_pfns);

/*
 * free_fast for n entries, as the lazy flush queue reclaims them: ranges too
 * large to cache are freed to the tree up to 64 per acquisition of its lock
 * (batched, yet other CPUs never wait behind a whole flush queue).
 * Every valid entry is freed even if others fail; returns 0 or the first
 * error met.
 */
int smmukit_iova_free_bulk(struct smmukit_iova_domain *dom,
			   const struct smmukit_iova_free_entry *entries,
			   size_t n);

/*
 * Give every cached range (all CPUs' magazines and the depot) back to the
 * tree. Magazines stay allocated for the CPUs; depot magazines are freed.
 */
void smmukit_iova_flush_caches(struct smmukit_iova_domain *dom);

/*
 * Give one CPU's magazines back to the tree (a CPU or thread going away, as
 * Linux's hotplug "dead" callback does). -EINVAL if cpu >= nr_cpus.
 */
int smmukit_iova_flush_cpu(struct smmukit_iova_domain *dom, unsigned cpu);

/*
 * One trim step now, what the domain's trim timer does at each expiry: for
 * each class holding more than depot_keep_mags magazines, release one (its
 * ranges back to the tree). The fast paths never call it; the timer (armed
 * by a depot push, see the top of this file) makes an idle depot shrink
 * without any call. Returns the number of magazines released.
 */
unsigned smmukit_iova_depot_trim(struct smmukit_iova_domain *dom);

/* A snapshot; counters are summed without stopping other threads. */
void smmukit_iova_get_stats(struct smmukit_iova_domain *dom,
			    struct smmukit_iova_stats *out);

/*
 * Check the tree's invariants (order, no overlap, balance, gap fields);
 * returns 0 or -EIO and logs the first broken one. For tests.
 */
int smmukit_iova_check(struct smmukit_iova_domain *dom);

#ifdef __cplusplus
}
#endif

#endif /* SMMUKIT_IOVA_H */

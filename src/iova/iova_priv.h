/* SPDX-License-Identifier: MIT */
/* IOVA allocator internals shared by the tree (iova.c) and caches (iova_rcache.c). */
#ifndef SMMUKIT_IOVA_PRIV_H
#define SMMUKIT_IOVA_PRIV_H

#include "smmukit/iova.h"

/*
 * One allocated or reserved range. Nodes sit in an AVL tree keyed by pfn_lo.
 * gap_pfns counts the free pfns just below pfn_lo (down to the previous
 * node's pfn_hi, or to start_pfn for the lowest node), so every free pfn of
 * the domain belongs to exactly one node's gap; max_gap_pfns is the largest
 * gap_pfns in the node's subtree. All fields: domain tree_lock.
 */
struct iova_node {
	struct iova_node *parent;
	struct iova_node *left;
	struct iova_node *right;
	uint64_t pfn_lo;
	uint64_t pfn_hi;
	uint64_t gap_pfns;
	uint64_t max_gap_pfns;
	int32_t height;
	uint8_t reserved;
	/* CHECK_FAST_FREE: the range sits in a magazine. */
	uint8_t cached;
};

/*
 * Entries plus count: 1 KiB. In the depot, next links the list. Protected by
 * whoever holds it: a CPU cache's lock, the depot's lock, or (detached for
 * draining) the one thread that detached it.
 */
struct iova_mag {
	union {
		uint64_t nr;
		struct iova_mag *next;
	} u;
	uint64_t pfns[SMMUKIT_IOVA_MAG_PFNS];
};

/*
 * Per-CPU caches and depots sit on cache lines of their own (CPUs hammer
 * their caches concurrently): both structs are _Alignas(IOVA_CACHE_LINE),
 * so their sizes are multiples of it, and iova_caches_init places them in
 * one block it aligns itself (platform zalloc promises no alignment).
 */
#define IOVA_CACHE_LINE 64u

/* One CPU's cache for one size class. All fields: lock. */
struct iova_cpu_cache {
	_Alignas(IOVA_CACHE_LINE) struct smmukit_lock lock;
	struct iova_mag *loaded;
	struct iova_mag *prev;
	uint64_t hits;
	uint64_t misses;
};

/* Full magazines of one class shared by all CPUs. All fields: lock. */
struct iova_depot {
	_Alignas(IOVA_CACHE_LINE) struct smmukit_lock lock;
	struct iova_mag *head;
	uint64_t nr_mags;
	uint64_t trimmed;
};

enum { FAST_CHECKED = 0, FAST_UNCHECKED = 1, FAST_LEAF = 2 };

struct smmukit_iova_domain {
	/* Set at creation, read-only afterwards: no lock. */
	struct smmukit_platform *plat;
	unsigned shift;
	uint32_t flags;
	unsigned nr_cpus;
	uint32_t depot_keep_mags;
	uint64_t start_pfn;
	uint64_t end_pfn;
	uint64_t depot_trim_ns;
	/*
	 * Highest start pfn of a range of each class that fits the domain,
	 * or 0 if the class does not fit: free_fast's whole range check.
	 */
	uint64_t cls_max_pfn[SMMUKIT_IOVA_NR_CLASSES];
	/*
	 * FAST_CHECKED: CHECK_FAST_FREE, every fast call takes the slow path.
	 * FAST_UNCHECKED: the magazines, no tree mark.
	 * FAST_LEAF: unchecked, one CPU and the platform's atomic hot-path
	 * locks: the common case is leaf code (no call for CPU or lock).
	 */
	uint8_t fast_mode;
	/* nr_cpus * SMMUKIT_IOVA_NR_CLASSES, indexed [cpu][class]; each own lock. */
	struct iova_cpu_cache *cpu_caches;
	struct iova_depot *depots;	/* SMMUKIT_IOVA_NR_CLASSES, each own lock */
	/* The zalloc'd block holding both, and its size (for free). */
	void *caches_mem;
	size_t caches_mem_size;
	/* Magazines in existence: atomic, for stats and leak reasoning. */
	_Atomic uint64_t mags_allocated;
	_Atomic uint64_t flushes;
	/*
	 * Depot trimming, as Linux's delayed work: armed by a push that
	 * leaves a depot above depot_keep_mags, unless already pending (a
	 * stream of pushes never postpones it); each expiry releases one
	 * magazine per class above keep and re-arms while any still is.
	 * trim_pending: set by whoever arms, cleared by the callback before
	 * it looks at the depots, so a push racing with it re-arms.
	 * trim_stopping: set by destroy before cancel_sync; the callback
	 * then no longer re-arms. trim_deadline_ns: written only by whoever
	 * set trim_pending, read by the callback before it clears it. The
	 * timer itself: the platform's lock.
	 */
	struct smmukit_timer trim_timer;
	uint64_t trim_deadline_ns;
	_Atomic bool trim_pending;
	_Atomic bool trim_stopping;

	/* The tree. root, anchor (at end_pfn + 1), nr_nodes: tree_lock. */
	struct smmukit_lock tree_lock;
	struct iova_node *root;
	struct iova_node *anchor;
	uint64_t nr_nodes;
	/*
	 * Freed nodes kept for the next tree allocation (a per-domain slab,
	 * like Linux's kmem_cache for iovas), linked through parent, at most
	 * IOVA_SPARE_NODES: a steady alloc/free stream makes no platform
	 * allocation. tree_lock.
	 */
	struct iova_node *spare;
	uint32_t nr_spare;
};

#define IOVA_SPARE_NODES 64u

/* ---- tree (iova.c), called with tree_lock NOT held unless noted ---- */

/*
 * Free n ranges [pfns[i], pfns[i] + size_pfns - 1] under one acquisition of
 * the tree lock (magazine drains). Ranges not found are logged and counted;
 * returns how many were not found.
 */
uint64_t iova_tree_free_many(struct smmukit_iova_domain *dom,
			     const uint64_t *pfns, uint64_t n,
			     uint64_t size_pfns);

/*
 * Free the entries whose size is at least min_size_pfns (bulk free of
 * uncacheable ranges), up to 64 per acquisition of the tree lock.
 * 0 or -ENOENT.
 */
int iova_tree_free_entries(struct smmukit_iova_domain *dom,
			   const struct smmukit_iova_free_entry *entries,
			   size_t n, uint64_t min_size_pfns);

void iova_tree_stats(struct smmukit_iova_domain *dom,
		     struct smmukit_iova_stats *out);

/* CHECK_FAST_FREE: set or clear the cached mark; -ENOENT if impossible. */
int iova_tree_mark_cached(struct smmukit_iova_domain *dom, uint64_t pfn,
			  uint64_t size_pfns, bool cached);

/* ---- caches (iova_rcache.c) ---- */
int iova_caches_init(struct smmukit_iova_domain *dom);
/* Frees every magazine without touching the tree (teardown only). */
void iova_caches_destroy(struct smmukit_iova_domain *dom);

#endif /* SMMUKIT_IOVA_PRIV_H */

/* SPDX-License-Identifier: MIT */
/*
 * Arm VMSAv8-64 (LPAE) page tables, as an SMMUv3 walks them: stage 1 and
 * stage 2, 4K/16K/64K granules, page and block mappings.
 *
 * The format is reached through a small ops table (map_pages, unmap_pages,
 * iova_to_phys) behind the static inline wrappers below; the owner (the SMMU
 * driver, or the IOMMU core on its behalf) is reached through a flush-ops
 * table handed in with the configuration. See docs/pgtable.md.
 *
 * Concurrency. map_pages, unmap_pages and iova_to_phys may run concurrently
 * from any number of threads provided no two calls touch overlapping IOVA
 * ranges; no lock is taken. Missing tables are installed with compare-and-swap
 * (the loser frees its page and walks the winner's), and every descriptor is
 * read and written with single-copy-atomic 64-bit accesses, so the walker (and
 * a thread walking a neighbouring range) sees either the old or the new value.
 * The caller owns range exclusion (the IOVA allocator gives it for free).
 * smmukit_pgtable_walk() and smmukit_pgtable_free() must not run concurrently
 * with an unmap (tables may be freed under them).
 *
 * Errors are negative SMMUKIT_E* values; a failed call leaves every
 * translation as it was (see each function).
 *
 * Error codes: -EINVAL (NULL pointer, bad config, size 0, misaligned
 * address or size, a page size the format does not have, bad prot),
 * -ERANGE (beyond the input or output address size), -EEXIST (map over a
 * live entry), -ENOENT (iova_to_phys of an unmapped address), -ENOMEM,
 * -EIO (the self-test failed a configuration). unmap returns the bytes
 * unmapped (0: nothing there).
 */
#ifndef SMMUKIT_PGTABLE_H
#define SMMUKIT_PGTABLE_H

#include "smmukit/base.h"
#include "smmukit/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- protection flags (the prot argument of map) ---- */
#define SMMUKIT_PROT_READ SMMUKIT_BIT(0)
#define SMMUKIT_PROT_WRITE SMMUKIT_BIT(1)
/* Normal write-back cacheable memory, inner shareable. */
#define SMMUKIT_PROT_CACHE SMMUKIT_BIT(2)
#define SMMUKIT_PROT_NOEXEC SMMUKIT_BIT(3)
/* Device memory (takes precedence over CACHE). */
#define SMMUKIT_PROT_MMIO SMMUKIT_BIT(4)
/* Privileged only (stage 1: AP[1] clear); ignored at stage 2. */
#define SMMUKIT_PROT_PRIV SMMUKIT_BIT(5)
#define SMMUKIT_PROT_ALL                                                   \
	(SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE | SMMUKIT_PROT_CACHE |     \
	 SMMUKIT_PROT_NOEXEC | SMMUKIT_PROT_MMIO | SMMUKIT_PROT_PRIV)

#define SMMUKIT_SZ_4K (UINT64_C(1) << 12)
#define SMMUKIT_SZ_16K (UINT64_C(1) << 14)
#define SMMUKIT_SZ_64K (UINT64_C(1) << 16)
#define SMMUKIT_SZ_2M (UINT64_C(1) << 21)
#define SMMUKIT_SZ_32M (UINT64_C(1) << 25)
#define SMMUKIT_SZ_512M (UINT64_C(1) << 29)
#define SMMUKIT_SZ_1G (UINT64_C(1) << 30)

/* ---- freed table pages ---- */

/*
 * A list of table pages removed from a page table, waiting to be freed once
 * an invalidation covering them has completed. It is linked through the pages
 * themselves (word 0: physical address of the next page, word 1: the page's
 * allocation order), so collecting pages never allocates on the unmap path.
 * That is safe because a page is only put on a list after the synchronous
 * walk flush: neither the walker nor its walk cache can reach it any more.
 * Owned by whoever holds it; not thread-safe.
 */
struct smmukit_pgtable_freelist {
	smmukit_phys_t head_pa;
	smmukit_phys_t tail_pa;
	uint64_t count;	/* pages on the list; 0 means head/tail are unused */
};

void smmukit_pgtable_freelist_init(struct smmukit_pgtable_freelist *fl);
/* Append every page of src to dst; src becomes empty. */
void smmukit_pgtable_freelist_splice(struct smmukit_platform *p,
				     struct smmukit_pgtable_freelist *dst,
				     struct smmukit_pgtable_freelist *src);
/* Free every page on the list; returns how many; the list becomes empty. */
uint64_t smmukit_pgtable_freelist_free(struct smmukit_platform *p,
				       struct smmukit_pgtable_freelist *fl);

/* ---- the gather: one unmap's invalidation work ---- */

/*
 * Filled by unmap, consumed by the owner's iotlb_sync (strict) or carried
 * into a flush-queue entry (lazy). Owned by the unmapping thread.
 *  - [start, end] (inclusive) and pgsize: the leaf range gathered so far by
 *    the owner's add_page; start == UINT64_MAX means empty.
 *  - queued: lazy mode; unmap then reports no leaf invalidation at all,
 *    because the flush queue's whole-context flush covers it.
 *  - freelist: removed table pages. The walk flush for them has completed
 *    inside unmap; the owner frees them after its own iotlb_sync (strict)
 *    or at flush-queue reclaim (lazy).
 */
struct smmukit_iotlb_gather {
	uint64_t start;
	uint64_t end;
	uint64_t pgsize;
	bool queued;
	struct smmukit_pgtable_freelist freelist;
};

static inline void smmukit_pgtable_gather_init(struct smmukit_iotlb_gather *g)
{
	if (!g)
		return;
	g->start = UINT64_MAX;
	g->end = 0;
	g->pgsize = 0;
	g->queued = false;
	/* smmukit_pgtable_freelist_init, inline: every unmap starts here. */
	g->freelist.head_pa = 0;
	g->freelist.tail_pa = 0;
	g->freelist.count = 0;
}

/* NULL-safe: a NULL gather is never queued. */
static inline bool smmukit_pgtable_gather_queued(const struct smmukit_iotlb_gather *g)
{
	return g && g->queued;
}

/* NULL-safe: a NULL gather is empty. */
static inline bool smmukit_pgtable_gather_empty(const struct smmukit_iotlb_gather *g)
{
	return !g || g->start == UINT64_MAX;
}

/*
 * For an owner's add_page: would adding [iova, iova+size) with this pgsize
 * leave a gap or mix page sizes? Then sync what is gathered first.
 */
static inline bool smmukit_pgtable_gather_is_disjoint(const struct smmukit_iotlb_gather *g,
						      uint64_t iova, uint64_t size)
{
	if (smmukit_pgtable_gather_empty(g))
		return false;
	if (g->pgsize != size)
		return true;
	return iova + size < g->start || iova > g->end + 1;
}

/* Extend the gathered range to cover [iova, iova+size). */
static inline void smmukit_pgtable_gather_add_range(struct smmukit_iotlb_gather *g,
						    uint64_t iova, uint64_t size)
{
	if (!g)
		return;
	if (iova < g->start)
		g->start = iova;
	if (iova + size - 1 > g->end || g->end < g->start)
		g->end = iova + size - 1;
	g->pgsize = size;
}

/* Forget the gathered range (after the owner invalidated it). */
static inline void smmukit_pgtable_gather_reset_range(struct smmukit_iotlb_gather *g)
{
	if (!g)
		return;
	g->start = UINT64_MAX;
	g->end = 0;
	g->pgsize = 0;
}

/* Free the gather's removed table pages (after the covering invalidation). */
static inline uint64_t smmukit_pgtable_free_freelist(struct smmukit_platform *p,
						     struct smmukit_iotlb_gather *g)
{
	return g ? smmukit_pgtable_freelist_free(p, &g->freelist) : 0;
}

/* ---- flush ops: the page table calls its owner ---- */

/*
 * All three may be called with the caller's locks held and must not call back
 * into this page table.
 *  - flush_all (required): invalidate every cached translation of this
 *    context, synchronously. Called by smmukit_pgtable_free().
 *  - flush_walk (required): invalidate every cached entry, walk-cache and
 *    leaf, for [iova, iova+size), and wait for completion (TLBI with Leaf=0
 *    + CMD_SYNC). Called inside unmap/map when a table is removed, before its
 *    pages are freed or listed, and to undo a failed map.
 *    Returns 0, or a negative error when the invalidation could not be
 *    confirmed (hardware that stopped answering): the page table then never
 *    frees or lists the removed table pages, leaking them on purpose, since a
 *    cached walk may still point into them (invariant 3, docs/architecture.md §4).
 *  - add_page (optional): note one leaf invalidation of granule bytes at iova
 *    into the gather (typically: sync first if
 *    smmukit_pgtable_gather_is_disjoint(), then
 *    smmukit_pgtable_gather_add_range()). Never called for a queued gather.
 *    Without it, the owner must invalidate unmapped ranges itself.
 */
struct smmukit_pgtable_flush_ops {
	void (*flush_all)(void *cookie);
	int (*flush_walk)(void *cookie, uint64_t iova, uint64_t size,
			  uint64_t granule);
	void (*add_page)(struct smmukit_iotlb_gather *gather, void *cookie,
			 uint64_t iova, uint64_t granule);
};

/* ---- configuration ---- */

/* Stage-1 context fields for a CD (names as in the CD; values unshifted). */
struct smmukit_pgtable_s1_cfg {
	smmukit_phys_t ttb;	/* CD.TTB0: root table */
	unsigned t0sz;		/* 64 - ias */
	unsigned tg0;		/* 0 = 4K, 1 = 64K, 2 = 16K */
	unsigned irgn0;		/* 1 = WB-WA when the walk is coherent, else 0 */
	unsigned orgn0;
	unsigned sh0;		/* 3 inner when coherent, else 2 outer */
	unsigned ips;		/* OAS encoding: 0=32 1=36 2=40 3=42 4=44 5=48 6=52 */
	uint64_t mair;		/* LPAE_MAIR_VALUE */
};

/* Stage-2 context fields for an STE (names as in the STE; values unshifted). */
struct smmukit_pgtable_s2_cfg {
	smmukit_phys_t vttb;	/* STE.S2TTB: root table (concatenated block) */
	unsigned s2t0sz;	/* 64 - ias */
	unsigned s2sl0;		/* start level (Arm DDI 0487 VTCR_EL2.SL0) */
	unsigned s2tg;		/* 0 = 4K, 1 = 64K, 2 = 16K */
	unsigned s2ir0;
	unsigned s2or0;
	unsigned s2sh0;
	unsigned s2ps;		/* OAS encoding, as ips */
};

struct smmukit_pgtable_cfg {
	/* ---- in ---- */
	unsigned stage;		/* 1 or 2 */
	uint64_t granule;	/* SMMUKIT_SZ_4K, _16K or _64K */
	unsigned ias;		/* input bits: 32..48; up to 52 with 64K */
	unsigned oas;		/* output bits: 32..48; 52 with 64K */
	/* The walker snoops CPU caches; otherwise every write is synced. */
	bool coherent_walk;
	const struct smmukit_pgtable_flush_ops *flush_ops;
	void *cookie;		/* passed to every flush op */
	struct smmukit_platform *platform;

	/* ---- out (filled by smmukit_pgtable_alloc) ---- */
	uint64_t pgsize_bitmap;	/* every mappable page/block size */
	unsigned levels;	/* lookup levels walked */
	unsigned start_level;	/* 4 - levels: level of the root table */
	unsigned concat_tables;	/* stage 2: tables concatenated at the root, else 1 */
	uint64_t root_size;	/* bytes of the root table (block) */
	struct smmukit_pgtable_s1_cfg s1;	/* valid when stage == 1 */
	struct smmukit_pgtable_s2_cfg s2;	/* valid when stage == 2 */
};

/* ---- the format ---- */

struct smmukit_pgtable;

/*
 * Walk callback: one valid descriptor. table_pa is the physical address of
 * the table page holding it (for a concatenated stage-2 root, the page of
 * that concatenated table), index its index there, level the architecture's
 * lookup level (0..3). Return non-zero to stop the walk (that value is
 * returned by smmukit_pgtable_walk).
 */
typedef int (*smmukit_pgtable_walk_fn)(void *arg, smmukit_phys_t table_pa,
				       unsigned level, unsigned index,
				       uint64_t desc);

struct smmukit_pgtable_ops {
	int (*map_pages)(struct smmukit_pgtable *pgt, uint64_t iova,
			 smmukit_phys_t paddr, uint64_t pgsize,
			 uint64_t pgcount, unsigned prot, uint64_t *mapped);
	int64_t (*unmap_pages)(struct smmukit_pgtable *pgt, uint64_t iova,
			       uint64_t pgsize, uint64_t pgcount,
			       struct smmukit_iotlb_gather *gather);
	int (*iova_to_phys)(struct smmukit_pgtable *pgt, uint64_t iova,
			    smmukit_phys_t *pa);
};

/* The public part of a page table; the format embeds it. Immutable after alloc. */
struct smmukit_pgtable {
	const struct smmukit_pgtable_ops *ops;
	struct smmukit_pgtable_cfg cfg;
};

/*
 * Check cfg, compute the geometry, allocate the root table and fill cfg's
 * outputs (also copied into the returned table). -EINVAL for an unsupported
 * stage/granule/ias/oas combination or missing flush ops, -ENOMEM.
 */
int smmukit_pgtable_alloc(struct smmukit_pgtable_cfg *cfg,
			  struct smmukit_pgtable **out);

/*
 * Tear down: flush_all, then free every table page. The owner has already
 * detached every device. NULL is a no-op.
 */
void smmukit_pgtable_free(struct smmukit_pgtable *pgt);

/* Physical address of the root table (TTB0 or S2TTB). */
static inline smmukit_phys_t smmukit_pgtable_root_pa(const struct smmukit_pgtable *pgt)
{
	return pgt->cfg.stage == 1 ? pgt->cfg.s1.ttb : pgt->cfg.s2.vttb;
}

/*
 * Map pgcount pages of pgsize bytes (one size of pgsize_bitmap) from iova to
 * paddr. *mapped (may be NULL) receives the bytes mapped: pgsize * pgcount on
 * success, 0 on failure. Empty tables left in the range by earlier unmaps are
 * removed (walk flush, then freed at once). Errors, with every translation
 * left as it was:
 *  -EINVAL  pgsize not in the bitmap, pgcount 0, iova/paddr not aligned to
 *           pgsize, prot with neither READ nor WRITE or with unknown bits;
 *  -ERANGE  the range goes beyond 2^ias or 2^oas (or wraps);
 *  -EEXIST  a valid leaf lies anywhere in the range;
 *  -ENOMEM  a table could not be allocated; leaves this call wrote are
 *           cleared and flushed (flush_walk); tables it installed stay, empty.
 */
static inline int smmukit_pgtable_map_pages(struct smmukit_pgtable *pgt,
					    uint64_t iova, smmukit_phys_t paddr,
					    uint64_t pgsize, uint64_t pgcount,
					    unsigned prot, uint64_t *mapped)
{
	if (mapped)
		*mapped = 0;
	if (!pgt)
		return -SMMUKIT_EINVAL;
	return pgt->ops->map_pages(pgt, iova, paddr, pgsize, pgcount, prot,
				   mapped);
}

/*
 * Unmap pgcount pages of pgsize bytes at iova. Returns the bytes unmapped: it
 * stops at the first entry that is not mapped (so 0 when iova is not mapped).
 * A table found where a pgsize leaf would be is removed whole (its bytes
 * count as unmapped): flush_walk, then its pages go on gather->freelist.
 * Leaves go to add_page unless the gather is queued.
 * With a NULL gather the unmap is synchronous: tables are freed at once and
 * the unmapped range is invalidated with flush_walk before returning.
 * Errors, with nothing changed: -EINVAL (bad pgsize/pgcount/alignment, or the
 * range covers only part of a larger block), -ERANGE (beyond 2^ias).
 */
static inline int64_t smmukit_pgtable_unmap_pages(struct smmukit_pgtable *pgt,
						  uint64_t iova, uint64_t pgsize,
						  uint64_t pgcount,
						  struct smmukit_iotlb_gather *gather)
{
	if (!pgt)
		return -SMMUKIT_EINVAL;
	return pgt->ops->unmap_pages(pgt, iova, pgsize, pgcount, gather);
}

/* Output address of iova: 0 and *pa, -ENOENT if not mapped, -ERANGE beyond ias. */
static inline int smmukit_pgtable_iova_to_phys(struct smmukit_pgtable *pgt,
					       uint64_t iova, smmukit_phys_t *pa)
{
	if (!pgt || !pa)
		return -SMMUKIT_EINVAL;
	return pgt->ops->iova_to_phys(pgt, iova, pa);
}

/*
 * Convenience: map size bytes (a multiple of the granule) using the largest
 * page sizes that the alignment of iova and paddr allows. Same errors as
 * map_pages. Bad arguments (alignment, prot, the range past 2^ias or
 * 2^oas) are found before anything is mapped and change nothing; on a later
 * failure whatever this call mapped is unmapped again.
 */
int smmukit_pgtable_map(struct smmukit_pgtable *pgt, uint64_t iova,
			smmukit_phys_t paddr, uint64_t size, unsigned prot,
			uint64_t *mapped);

/*
 * Convenience: unmap size bytes (a multiple of the granule) with the largest
 * page sizes iova's alignment allows; returns bytes unmapped (stops early at
 * an unmapped entry) or an error as unmap_pages. Every run is checked before
 * anything is cleared, so a block reaching outside the range (-EINVAL)
 * changes nothing.
 */
int64_t smmukit_pgtable_unmap(struct smmukit_pgtable *pgt, uint64_t iova,
			      uint64_t size, struct smmukit_iotlb_gather *gather);

/*
 * Visit every valid descriptor reachable from the root, depth first (a
 * table descriptor before the entries of its table), in index order.
 */
int smmukit_pgtable_walk(struct smmukit_pgtable *pgt,
			 smmukit_pgtable_walk_fn fn, void *arg);

/* Block/page size mapped by a leaf at level (0 if none at that level). */
uint64_t smmukit_pgtable_level_size(const struct smmukit_pgtable *pgt,
				    unsigned level);

/*
 * Encode a leaf descriptor for paddr at level with prot (no validation beyond
 * returning 0 for a bad level/prot): exposed for golden tests and the model's
 * tests. Same encoding as map uses.
 */
uint64_t smmukit_pgtable_encode_leaf(const struct smmukit_pgtable *pgt,
				     smmukit_phys_t paddr, unsigned level,
				     unsigned prot);

/* ---- self-test ---- */

struct smmukit_pgtable_selftest_result {
	unsigned stage, ias, oas;
	uint64_t granule;
	unsigned levels;	/* lookup levels, when allocated */
	int alloc_ret;		/* -EINVAL: a configuration the architecture lacks */
	const char *failure;	/* NULL when the sequence passed */
};

struct smmukit_pgtable_selftest_summary {
	unsigned pass, fail, refused;
};

typedef void (*smmukit_pgtable_selftest_fn)(
	void *arg, const struct smmukit_pgtable_selftest_result *r);

/*
 * The classic self-test over every stage x granule x ias <= oas (Linux's
 * arm_lpae_run_tests sequence, without block splitting), on the caller's
 * platform; report (may be NULL) sees each configuration. Returns 0 when all
 * pass, -EIO if any failed, -EINVAL without a platform. Page tables are freed
 * as it goes, so a caller can check its platform for leaks afterwards.
 */
int smmukit_pgtable_selftest(struct smmukit_platform *p,
			     smmukit_pgtable_selftest_fn report, void *arg,
			     struct smmukit_pgtable_selftest_summary *sum);

#ifdef __cplusplus
}
#endif

#endif /* SMMUKIT_PGTABLE_H */

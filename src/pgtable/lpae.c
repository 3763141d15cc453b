/* SPDX-License-Identifier: MIT */
/*
 * VMSAv8-64 LPAE page tables (stage 1 and 2; 4K, 16K, 64K granules).
 *
 * Tables are arrays of little-endian 64-bit descriptors in DMA-able pages. A
 * table page is one granule; the root may be smaller (down to 64 bytes) or,
 * at stage 2, several concatenated tables. Every descriptor is read and
 * written with single-copy-atomic accesses; tables are installed with
 * compare-and-swap, so maps and unmaps of disjoint ranges need no lock (see
 * include/smmukit/pgtable.h). Design notes: docs/pgtable.md.
 */
#include "pgtable_internal.h"
#include "smmukit/lpae_hw.h"

/*
 * Every field is immutable after alloc. The tables themselves take no lock:
 * descriptors change only by single-copy-atomic stores or compare-and-swap,
 * and the caller keeps concurrent operations on disjoint IOVA ranges, so a
 * table is only removed by the one operation whose range covers it.
 */
struct lpae {
	struct smmukit_pgtable pub;
	struct smmukit_platform *plat;
	const struct smmukit_pgtable_flush_ops *fops;
	void *cookie;
	unsigned pg_shift;
	unsigned bpl;		/* index bits per level below the root */
	unsigned start_level;
	unsigned pgd_bits;	/* index bits of the root (with concatenation) */
	unsigned table_order;	/* alloc order of one granule-sized table */
	unsigned stage;
	bool coherent;
	uint64_t granule;
	uint64_t ia_limit;	/* 2^ias */
	uint64_t oa_limit;	/* 2^oas */
	struct smmukit_dma_pages pgd;
	/* Precomputed per level so the walk needs no multiply or divide. */
	unsigned char shift[4];		/* log2 of the size one entry maps */
	unsigned entries[4];		/* entries in a table of that level */
	uint64_t idx_mask[4];		/* entries - 1 */
	signed char size_level[64];	/* log2(pgsize) -> level, -1 if none */
	/*
	 * Leaf attributes of every prot (SMMUKIT_PROT_ALL bits) without the
	 * descriptor type; 0 for a prot that is not valid. leaf_type: the
	 * type field of a leaf at each level. Computed once at alloc, so map
	 * validates and encodes a prot with one load.
	 */
	uint64_t prot_attr[SMMUKIT_PROT_ALL + 1];
	uint64_t leaf_type[4];
};

/*
 * Below this many pages, pgcount * pgsize cannot overflow (leaves are at
 * most 2^30 bytes): the fast argument test needs no division.
 */
#define FAST_MAX_PGCOUNT (UINT64_C(1) << 20)

/* Where a walk stands: one table, as the CPU and the device see it. */
struct tbl {
	uint64_t *cpu;
	smmukit_phys_t pa;
};

enum descend_result {
	DESCEND_OK = 0,
	DESCEND_ABSENT = 1,	/* an invalid entry above the target level */
	DESCEND_LEAF = 2,	/* a block above the target level */
};

static struct lpae *to_lpae(struct smmukit_pgtable *pgt)
{
	return smmukit_container_of(pgt, struct lpae, pub);
}

static unsigned lvl_shift(const struct lpae *d, unsigned level)
{
	return d->shift[level];
}

static uint64_t lvl_size(const struct lpae *d, unsigned level)
{
	return UINT64_C(1) << lvl_shift(d, level);
}

/* Entries in a table at level (the root's count includes concatenation). */
static unsigned lvl_entries(const struct lpae *d, unsigned level)
{
	return d->entries[level];
}

static SMMUKIT_ALWAYS_INLINE unsigned lvl_idx(const struct lpae *d,
					      unsigned level, uint64_t iova)
{
	return (unsigned)((iova >> lvl_shift(d, level)) & d->idx_mask[level]);
}

static bool desc_valid(uint64_t desc)
{
	return (desc & LPAE_DESC_VALID) != 0;
}

static bool desc_is_table(uint64_t desc, unsigned level)
{
	return level < 3 &&
	       smmukit_field_get(LPAE_DESC_TYPE, desc) == LPAE_DESC_TYPE_TABLE;
}

/* Valid leaves: blocks at levels 1-2, pages at level 3 (0b01 at 3 is reserved). */
static bool desc_is_leaf(uint64_t desc, unsigned level)
{
	uint64_t type = smmukit_field_get(LPAE_DESC_TYPE, desc);

	if (level == 3)
		return type == LPAE_DESC_TYPE_PAGE;
	return type == LPAE_DESC_TYPE_BLOCK;
}

/*
 * Read a descriptor that may point at a table another thread just installed:
 * acquire pairs with the release of that thread's compare-and-swap, so the
 * zeroes it wrote into the new table are seen before its entries are read.
 */
static uint64_t read_desc_acquire(const uint64_t *p)
{
	return atomic_load_explicit((const volatile _Atomic uint64_t *)p,
				    memory_order_acquire);
}

static SMMUKIT_ALWAYS_INLINE struct tbl next_table(const struct lpae *d,
						    uint64_t desc)
{
	struct tbl t;

	t.pa = lpae_desc_to_oa(desc, d->pg_shift);
	t.cpu = smmukit_plat_page_virt(d->plat, t.pa);
	return t;
}

static void sync_ptes(const struct lpae *d, const struct tbl *t, unsigned idx,
		      unsigned n)
{
	if (!d->coherent)
		smmukit_plat_dma_sync_for_device(d->plat, t->pa + (uint64_t)idx * 8,
						 (size_t)n * 8);
}

static uint64_t prot_to_attr(const struct lpae *d, unsigned prot,
			     unsigned level)
{
	uint64_t attr = LPAE_DESC_AF;

	attr |= smmukit_field_prep(LPAE_DESC_TYPE, level == 3 ?
				   LPAE_DESC_TYPE_PAGE : LPAE_DESC_TYPE_BLOCK);
	/* Shareability follows cacheability, as Linux does (ignored for Device). */
	attr |= smmukit_field_prep(LPAE_DESC_SH, (prot & SMMUKIT_PROT_CACHE) ?
				   LPAE_SH_INNER : LPAE_SH_OUTER);
	if (d->stage == 1) {
		unsigned idx = LPAE_MAIR_IDX_NC;

		/* ASID-tagged: DMA domains never share the CPU's global entries. */
		attr |= LPAE_S1_NG;
		if (!(prot & SMMUKIT_PROT_PRIV))
			attr |= LPAE_S1_AP_UNPRIV;
		/* Stage 1 cannot say write-only: WRITE alone maps read-write. */
		if (!(prot & SMMUKIT_PROT_WRITE))
			attr |= LPAE_S1_AP_RDONLY;
		if (prot & SMMUKIT_PROT_MMIO)
			idx = LPAE_MAIR_IDX_DEV;
		else if (prot & SMMUKIT_PROT_CACHE)
			idx = LPAE_MAIR_IDX_WBRWA;
		attr |= smmukit_field_prep(LPAE_S1_ATTRINDX, idx);
		if (prot & SMMUKIT_PROT_NOEXEC)
			attr |= LPAE_S1_PXN | LPAE_S1_UXN;
	} else {
		unsigned memattr = LPAE_S2_MEMATTR_NC;

		if (prot & SMMUKIT_PROT_READ)
			attr |= LPAE_S2_S2AP_READ;
		if (prot & SMMUKIT_PROT_WRITE)
			attr |= LPAE_S2_S2AP_WRITE;
		if (prot & SMMUKIT_PROT_MMIO)
			memattr = LPAE_S2_MEMATTR_DEVICE;
		else if (prot & SMMUKIT_PROT_CACHE)
			memattr = LPAE_S2_MEMATTR_WB;
		attr |= smmukit_field_prep(LPAE_S2_MEMATTR, memattr);
		/* XN[1:0] = 0b10: never executable, with or without XNX. */
		if (prot & SMMUKIT_PROT_NOEXEC)
			attr |= LPAE_S2_XN;
	}
	return attr;
}

/* A prot must grant READ or WRITE and hold no unknown bits. */
static bool prot_valid(unsigned prot)
{
	return !(prot & ~SMMUKIT_PROT_ALL) &&
	       (prot & (SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE));
}

/* Level whose leaf size is pgsize, or -1 if pgsize is not in the bitmap. */
static int pgsize_level(const struct lpae *d, uint64_t pgsize)
{
	if (!smmukit_is_pow2(pgsize))
		return -1;
	return d->size_level[smmukit_ilog2(pgsize)];
}

/* ---- table pages ---- */

static int alloc_table(struct lpae *d, struct tbl *t)
{
	struct smmukit_dma_pages pg;
	int ret = smmukit_plat_alloc_pages(d->plat, d->table_order, &pg);

	if (ret)
		return ret;
	t->cpu = pg.cpu;
	t->pa = pg.pa;
	/* A non-coherent walker must see the zeroes before any pointer to them. */
	if (!d->coherent)
		smmukit_plat_dma_sync_for_device(d->plat, pg.pa, d->granule);
	return 0;
}

static void free_table(struct lpae *d, const struct tbl *t)
{
	struct smmukit_dma_pages pg = {
		.cpu = t->cpu, .pa = t->pa, .order = d->table_order,
	};

	smmukit_plat_free_pages(d->plat, &pg);
}

/*
 * Dispose of a detached table (at level) and every table below it: onto fl,
 * or freed at once when fl is NULL. The caller has completed the walk flush.
 */
static void release_tree(struct lpae *d, struct tbl t, unsigned level,
			 struct smmukit_pgtable_freelist *fl)
{
	unsigned n = 1u << d->bpl;

	for (unsigned i = 0; level < 3 && i < n; i++) {
		uint64_t desc = smmukit_read_once64(&t.cpu[i]);

		if (desc_valid(desc) && desc_is_table(desc, level))
			release_tree(d, next_table(d, desc), level + 1, fl);
	}
	if (fl)
		smmukit_pgtable_freelist_add(d->plat, fl, t.pa, d->table_order);
	else
		free_table(d, &t);
}

/* Does the table tree below t (a table at level) hold any valid leaf? */
static bool tree_has_leaf(const struct lpae *d, struct tbl t, unsigned level)
{
	unsigned n = 1u << d->bpl;

	for (unsigned i = 0; i < n; i++) {
		uint64_t desc = smmukit_read_once64(&t.cpu[i]);

		if (!desc_valid(desc))
			continue;
		if (!desc_is_table(desc, level))
			return true;
		if (tree_has_leaf(d, next_table(d, desc), level + 1))
			return true;
	}
	return false;
}

/*
 * Make sure a non-coherent walker can see a table descriptor another thread
 * installed: whoever first finds it unsynced cleans it and marks it with the
 * software bit, so it is cleaned once (Linux's SW_SYNC scheme).
 */
static void sync_table_desc(struct lpae *d, const struct tbl *t, unsigned idx,
			    uint64_t desc)
{
	sync_ptes(d, t, idx, 1);
	smmukit_cmpxchg64(&t->cpu[idx], desc, desc | LPAE_DESC_SW_SYNC);
}

/*
 * Slow path of a map's descent: no table at t[idx]. Install a zeroed one with
 * compare-and-swap; if another thread won the race, free ours and use its.
 */
static int install_table(struct lpae *d, const struct tbl *t, unsigned idx,
			 uint64_t *desc_out)
{
	struct tbl nt;
	uint64_t new_desc, old;
	int ret = alloc_table(d, &nt);

	if (ret)
		return ret;
	new_desc = lpae_oa_to_desc(nt.pa, d->pg_shift) |
		   smmukit_field_prep(LPAE_DESC_TYPE, LPAE_DESC_TYPE_TABLE);
	/* acq_rel: the zeroed table is published before the pointer to it. */
	old = smmukit_cmpxchg64(&t->cpu[idx], 0, new_desc);
	if (old != 0) {
		/* Lost the race: use the winner's table, seen through acquire. */
		free_table(d, &nt);
		*desc_out = read_desc_acquire(&t->cpu[idx]);
		return 0;
	}
	if (!d->coherent) {
		sync_table_desc(d, t, idx, new_desc);
		new_desc |= LPAE_DESC_SW_SYNC;
	}
	*desc_out = new_desc;
	return 0;
}

/*
 * Walk from the root to the table at target level holding iova. With alloc,
 * missing tables are installed (-ENOMEM possible); without, an invalid entry
 * gives DESCEND_ABSENT. A leaf above the target gives DESCEND_LEAF.
 */
static int descend(struct lpae *d, uint64_t iova, unsigned target, bool alloc,
		   struct tbl *out)
{
	struct tbl t = { d->pgd.cpu, d->pgd.pa };

	for (unsigned level = d->start_level; level < target; level++) {
		unsigned idx = lvl_idx(d, level, iova);
		uint64_t desc = read_desc_acquire(&t.cpu[idx]);

		/* level < target <= 3: a valid table has type 0b11. */
		if (smmukit_likely((desc & 3) == 3) && smmukit_likely(d->coherent)) {
			t = next_table(d, desc);
			continue;
		}
		if (smmukit_unlikely(!desc_valid(desc))) {
			int ret;

			if (!alloc)
				return DESCEND_ABSENT;
			ret = install_table(d, &t, idx, &desc);
			if (ret)
				return ret;
		}
		if (smmukit_unlikely(!desc_is_table(desc, level)))
			return DESCEND_LEAF;
		if (smmukit_unlikely(!d->coherent && !(desc & LPAE_DESC_SW_SYNC)))
			sync_table_desc(d, &t, idx, desc);
		t = next_table(d, desc);
	}
	*out = t;
	return DESCEND_OK;
}

/* ---- unmap ---- */

/*
 * A table sits where a leaf of this level belongs: detach it, make the walker
 * forget it (synchronous walk flush), then list or free its pages.
 */
static void remove_table(struct lpae *d, const struct tbl *t, unsigned idx,
			 uint64_t desc, uint64_t iova, unsigned level,
			 struct smmukit_pgtable_freelist *fl)
{
	int ret;

	smmukit_write_once64(&t->cpu[idx], 0);
	sync_ptes(d, t, idx, 1);
	ret = d->fops->flush_walk(d->cookie, iova, lvl_size(d, level),
				  d->granule);
	if (smmukit_unlikely(ret)) {
		/*
		 * A cached walk may still point into the tree: reusing its
		 * pages could let the SMMU walk someone else's data. Leak them.
		 */
		smmukit_err(d->plat,
			    "pgtable: walk flush of 0x%llx failed (%s); table pages leaked",
			    (unsigned long long)iova, smmukit_errname(ret));
		return;
	}
	release_tree(d, next_table(d, desc), level + 1, fl);
}

/*
 * Would unmapping [iova, iova + pgcount*pgsize) at level hit a larger block
 * before its first unmapped entry? Read-only; used when the range spans
 * several tables so that a late -EINVAL cannot leave a half-done unmap.
 * Returns -EINVAL, 0 (all checked) or 1 (an unmapped entry ends the unmap).
 */
static int check_unmap(struct lpae *d, uint64_t iova, unsigned level,
		       uint64_t pgcount)
{
	uint64_t pgsize = lvl_size(d, level);

	while (pgcount) {
		struct tbl t;
		int ret = descend(d, iova, level, false, &t);
		unsigned idx, n;

		if (ret == DESCEND_LEAF)
			return -SMMUKIT_EINVAL;
		if (ret == DESCEND_ABSENT)
			return 1;
		idx = lvl_idx(d, level, iova);
		n = (unsigned)smmukit_min_u64(pgcount,
					      lvl_entries(d, level) - idx);
		for (unsigned i = 0; i < n; i++)
			if (!desc_valid(smmukit_read_once64(&t.cpu[idx + i])))
				return 1;
		pgcount -= n;
		iova += (uint64_t)n * pgsize;
	}
	return 0;
}

/*
 * The unmap proper, arguments already checked. fl receives removed tables
 * (NULL: free them at once). Returns bytes unmapped, or -EINVAL if the first
 * table reached holds a larger block (nothing changed then).
 */
static int64_t unmap_range(struct lpae *d, uint64_t iova, unsigned level,
			   uint64_t pgcount, struct smmukit_iotlb_gather *gather,
			   struct smmukit_pgtable_freelist *fl)
{
	uint64_t pgsize = lvl_size(d, level);
	uint64_t done = 0;
	bool add = gather && !gather->queued && d->fops->add_page;

	while (done < pgcount) {
		uint64_t chunk_iova = iova + done * pgsize;
		struct tbl t;
		int ret = descend(d, chunk_iova, level, false, &t);
		unsigned idx, n, i;

		if (ret == DESCEND_LEAF && done == 0)
			return -SMMUKIT_EINVAL;
		if (ret != DESCEND_OK)
			break;
		idx = lvl_idx(d, level, chunk_iova);
		n = (unsigned)smmukit_min_u64(pgcount - done,
					      lvl_entries(d, level) - idx);
		for (i = 0; i < n; i++) {
			uint64_t desc = smmukit_read_once64(&t.cpu[idx + i]);

			if (!desc_valid(desc))
				break;
			if (smmukit_unlikely(desc_is_table(desc, level)))
				remove_table(d, &t, idx + i, desc,
					     chunk_iova + i * pgsize, level, fl);
			else
				smmukit_write_once64(&t.cpu[idx + i], 0);
		}
		/* The walker must miss the cleared entries before any TLBI. */
		if (i)
			sync_ptes(d, &t, idx, i);
		/*
		 * Removed tables were already flushed by flush_walk; an extra
		 * leaf invalidation for them is harmless and keeps this simple.
		 */
		for (unsigned k = 0; add && k < i; k++)
			d->fops->add_page(gather, d->cookie,
					  chunk_iova + k * pgsize, pgsize);
		done += i;
		if (i < n)
			break;
	}
	return (int64_t)(done * pgsize);
}

/* Is [addr, addr + pgcount * pgsize) inside [0, limit)? pgsize is a power of 2. */
static int check_range(const struct lpae *d, uint64_t addr, uint64_t pgsize,
		       uint64_t pgcount, uint64_t limit)
{
	if (pgcount > (limit >> smmukit_ctz64(pgsize)) || addr >= limit ||
	    pgcount * pgsize > limit - addr)
		return -SMMUKIT_ERANGE;
	return 0;
}

static int64_t lpae_unmap_pages(struct smmukit_pgtable *pgt, uint64_t iova,
				uint64_t pgsize, uint64_t pgcount,
				struct smmukit_iotlb_gather *gather)
{
	struct lpae *d = to_lpae(pgt);
	int level = -1;
	int64_t bytes;
	int ret;

	if (smmukit_likely(pgsize && !(pgsize & (pgsize - 1))))
		level = d->size_level[smmukit_ilog2(pgsize)];
	/* The common case, one combined test: inside one table, in range. */
	if (smmukit_likely(level >= 0 && pgcount - 1 < FAST_MAX_PGCOUNT &&
			   !(iova & (pgsize - 1)) && iova < d->ia_limit &&
			   pgcount * pgsize <= d->ia_limit - iova &&
			   pgcount <= lvl_entries(d, (unsigned)level) -
					      lvl_idx(d, (unsigned)level, iova)))
		goto unmap;
	if (level < 0 || pgcount == 0 || !smmukit_is_aligned(iova, pgsize))
		return -SMMUKIT_EINVAL;
	ret = check_range(d, iova, pgsize, pgcount, d->ia_limit);
	if (ret)
		return ret;
	/* Several tables: rule out a late partial-block error first. */
	if (smmukit_unlikely(pgcount > lvl_entries(d, (unsigned)level) -
				       lvl_idx(d, (unsigned)level, iova))) {
		ret = check_unmap(d, iova, (unsigned)level, pgcount);
		if (ret < 0)
			return ret;
	}
unmap:
	bytes = unmap_range(d, iova, (unsigned)level, pgcount, gather,
			    gather ? &gather->freelist : NULL);
	/* No gather: the caller wants the unmap complete on return. */
	if (!gather && bytes > 0) {
		/* The translation is gone from the tables either way; say so. */
		ret = d->fops->flush_walk(d->cookie, iova, (uint64_t)bytes, pgsize);
		if (smmukit_unlikely(ret))
			smmukit_err(d->plat, "pgtable: unmap flush of 0x%llx failed (%s)",
				    (unsigned long long)iova, smmukit_errname(ret));
	}
	return bytes;
}

/* ---- map ---- */

/*
 * A table sits where a leaf is to go (left by earlier page unmaps). If it
 * maps nothing, remove it (walk flush, then free at once: map has no gather);
 * a live leaf below makes the map fail.
 */
static int replace_empty_table(struct lpae *d, const struct tbl *t,
			       unsigned idx, uint64_t desc, uint64_t iova,
			       unsigned level)
{
	if (tree_has_leaf(d, next_table(d, desc), level + 1))
		return -SMMUKIT_EEXIST;
	remove_table(d, t, idx, desc, iova, level, NULL);
	return 0;
}

/* map_pages' arguments, in the order of their diagnosis: 0 or the error. */
static SMMUKIT_COLD int map_check(const struct lpae *d, uint64_t iova,
				  smmukit_phys_t paddr, uint64_t pgsize,
				  uint64_t pgcount, unsigned prot)
{
	int level = pgsize_level(d, pgsize);
	int ret;

	if (level < 0 || pgcount == 0 || !smmukit_is_aligned(iova, pgsize) ||
	    !smmukit_is_aligned(paddr, pgsize) || !prot_valid(prot))
		return -SMMUKIT_EINVAL;
	ret = check_range(d, iova, pgsize, pgcount, d->ia_limit);
	if (!ret)
		ret = check_range(d, paddr, pgsize, pgcount, d->oa_limit);
	return ret;
}

static int lpae_map_pages(struct smmukit_pgtable *pgt, uint64_t iova,
			  smmukit_phys_t paddr, uint64_t pgsize,
			  uint64_t pgcount, unsigned prot, uint64_t *mapped)
{
	struct lpae *d = to_lpae(pgt);
	uint64_t attr = 0, bytes, done = 0;
	int level = -1, ret;

	/*
	 * One combined test of the common case; anything unusual (including
	 * a valid but huge pgcount) gets map_check's exact diagnosis.
	 */
	if (smmukit_likely(pgsize && !(pgsize & (pgsize - 1))))
		level = d->size_level[smmukit_ilog2(pgsize)];
	if (smmukit_likely(prot <= SMMUKIT_PROT_ALL))
		attr = d->prot_attr[prot];
	bytes = pgcount * pgsize;
	if (smmukit_unlikely(level < 0 || attr == 0 ||
			     pgcount - 1 >= FAST_MAX_PGCOUNT ||
			     ((iova | paddr) & (pgsize - 1)) ||
			     iova >= d->ia_limit || paddr >= d->oa_limit ||
			     bytes > d->ia_limit - iova ||
			     bytes > d->oa_limit - paddr)) {
		ret = map_check(d, iova, paddr, pgsize, pgcount, prot);
		if (ret)
			return ret;
		level = pgsize_level(d, pgsize);
		attr = d->prot_attr[prot];
	}
	attr |= d->leaf_type[level];

	while (done < pgcount) {
		uint64_t chunk_iova = iova + done * pgsize;
		smmukit_phys_t pa = paddr + done * pgsize;
		struct tbl t;
		unsigned idx, n, i;

		ret = descend(d, chunk_iova, (unsigned)level, true, &t);
		if (smmukit_unlikely(ret)) {
			if (ret == DESCEND_LEAF)
				ret = -SMMUKIT_EEXIST;
			goto undo;
		}
		idx = lvl_idx(d, (unsigned)level, chunk_iova);
		n = (unsigned)smmukit_min_u64(pgcount - done,
					      lvl_entries(d, (unsigned)level) - idx);
		for (i = 0; i < n; i++, pa += pgsize) {
			uint64_t old = smmukit_read_once64(&t.cpu[idx + i]);

			if (smmukit_unlikely(old != 0)) {
				ret = -SMMUKIT_EEXIST;
				if (desc_valid(old) && desc_is_table(old, (unsigned)level))
					ret = replace_empty_table(d, &t, idx + i, old,
								  chunk_iova + i * pgsize,
								  (unsigned)level);
				else if (!desc_valid(old))
					ret = 0;	/* junk in an invalid entry: overwrite */
				if (ret)
					break;
			}
			smmukit_write_once64(&t.cpu[idx + i],
					     lpae_oa_to_desc(pa, d->pg_shift) | attr);
		}
		if (i)
			sync_ptes(d, &t, idx, i);
		done += i;
		if (ret)
			goto undo;
	}
	/* Descriptors are in memory before the caller lets a device use them. */
	smmukit_wmb();
	if (mapped)
		*mapped = pgcount * pgsize;
	return 0;

undo:
	/*
	 * Everything written so far is ours (callers keep ranges disjoint):
	 * clear it and make the walker forget it. Tables we installed stay,
	 * empty; a later map over them or free() reclaims them.
	 */
	if (done) {
		unmap_range(d, iova, (unsigned)level, done, NULL, NULL);
		/* The map fails with its own error; a failed flush is only logged. */
		if (d->fops->flush_walk(d->cookie, iova, done * pgsize, pgsize))
			smmukit_err(d->plat, "pgtable: flush undoing a failed map at 0x%llx failed",
				    (unsigned long long)iova);
	}
	return ret;
}

/* ---- translate ---- */

static int lpae_iova_to_phys(struct smmukit_pgtable *pgt, uint64_t iova,
			     smmukit_phys_t *pa)
{
	struct lpae *d = to_lpae(pgt);
	struct tbl t = { d->pgd.cpu, d->pgd.pa };

	if (iova >= d->ia_limit)
		return -SMMUKIT_ERANGE;
	for (unsigned level = d->start_level; level <= 3; level++) {
		uint64_t desc = read_desc_acquire(&t.cpu[lvl_idx(d, level, iova)]);
		uint64_t size = lvl_size(d, level);

		if (!desc_valid(desc))
			return -SMMUKIT_ENOENT;
		if (desc_is_leaf(desc, level)) {
			/* A block where the granule allows none is a walk fault. */
			if (smmukit_unlikely(d->size_level[lvl_shift(d, level)] < 0))
				return -SMMUKIT_ENOENT;
			*pa = (lpae_desc_to_oa(desc, d->pg_shift) & ~(size - 1)) |
			      (iova & (size - 1));
			return 0;
		}
		if (!desc_is_table(desc, level))
			return -SMMUKIT_ENOENT;
		t = next_table(d, desc);
	}
	return -SMMUKIT_ENOENT;
}

static const struct smmukit_pgtable_ops lpae_ops = {
	.map_pages = lpae_map_pages,
	.unmap_pages = lpae_unmap_pages,
	.iova_to_phys = lpae_iova_to_phys,
};

/* ---- geometry and configuration ---- */

/* PS/IPS encoding of an output size: the smallest that covers it. */
static unsigned oas_encoding(unsigned oas)
{
	static const unsigned bits[] = { 32, 36, 40, 42, 44, 48, 52 };

	for (unsigned i = 0; i < SMMUKIT_ARRAY_SIZE(bits); i++)
		if (oas <= bits[i])
			return i;
	return 6;
}

/* TG0 / S2TG encoding of a granule shift. */
static unsigned tg_encoding(unsigned pg_shift)
{
	return pg_shift == 12 ? 0 : pg_shift == 16 ? 1 : 2;
}

/*
 * Compute levels, start level and root size. Stage 2 concatenates up to 16
 * tables at the root to save a level: always when it would start at level 0
 * with at most 16 entries (older Linux rule), and where Arm DDI 0487 makes it
 * mandatory (R_DXBSH, R_SRKBC, and AArch64.S2InvalidSL: SL0 = 0b10 is
 * invalid when PAMax < 44 with 4K and 64K, < 42 with 16K); configurations
 * that need concatenation but would need more than 16 tables are refused.
 */
static int compute_geometry(struct lpae *d, const struct smmukit_pgtable_cfg *cfg)
{
	unsigned va_bits = cfg->ias - d->pg_shift;
	unsigned levels = (va_bits + d->bpl - 1) / d->bpl;
	unsigned concat = 1;

	d->start_level = 4 - levels;
	d->pgd_bits = va_bits - d->bpl * (levels - 1);
	if (cfg->stage == 2) {
		/* PS rounds oas up: oas <= 40 is PAMax < 42, <= 42 is < 44. */
		bool s16k_l1_bad = d->pg_shift == 14 && cfg->oas <= 40;
		bool s64k_l1_bad = d->pg_shift == 16 && cfg->oas <= 42;
		bool want = d->start_level == 0 ||
			    (d->start_level == 1 && (s16k_l1_bad || s64k_l1_bad));

		if (want && d->pgd_bits <= 4) {
			concat = 1u << d->pgd_bits;
			d->pgd_bits += d->bpl;
			d->start_level++;
		}
		/* Start levels the architecture forbids for this PS. */
		if (d->start_level == 0 && (d->pg_shift != 12 || cfg->oas <= 42))
			return -SMMUKIT_EINVAL;
		if (d->start_level == 1 && (s16k_l1_bad || s64k_l1_bad))
			return -SMMUKIT_EINVAL;
	}
	for (unsigned level = 0; level < 4; level++) {
		d->shift[level] = (unsigned char)(d->pg_shift + d->bpl * (3 - level));
		d->entries[level] = 1u << (level == d->start_level ? d->pgd_bits : d->bpl);
	}
	d->pub.cfg.levels = 4 - d->start_level;
	d->pub.cfg.start_level = d->start_level;
	d->pub.cfg.concat_tables = concat;
	d->pub.cfg.root_size = smmukit_max_u64(64, UINT64_C(8) << d->pgd_bits);
	return 0;
}

static uint64_t compute_pgsizes(const struct lpae *d)
{
	uint64_t bitmap = 0;
	/* Lowest level with blocks: 1 for 4K, 2 for 16K and 64K. */
	unsigned first = d->pg_shift == 12 ? 1 : 2;

	for (unsigned level = first; level <= 3; level++)
		if (level >= d->start_level)
			bitmap |= lvl_size(d, level);
	return bitmap;
}

static int check_cfg(const struct smmukit_pgtable_cfg *cfg, unsigned *pg_shift)
{
	unsigned max_bits;

	if (!cfg->platform || !cfg->flush_ops || !cfg->flush_ops->flush_all ||
	    !cfg->flush_ops->flush_walk)
		return -SMMUKIT_EINVAL;
	if (cfg->stage != 1 && cfg->stage != 2)
		return -SMMUKIT_EINVAL;
	if (cfg->granule == SMMUKIT_SZ_4K)
		*pg_shift = 12;
	else if (cfg->granule == SMMUKIT_SZ_16K)
		*pg_shift = 14;
	else if (cfg->granule == SMMUKIT_SZ_64K)
		*pg_shift = 16;
	else
		return -SMMUKIT_EINVAL;
	/* 52-bit addresses exist only with the 64K granule (LVA/LPA). */
	max_bits = *pg_shift == 16 ? 52 : 48;
	if (cfg->ias < 32 || cfg->ias > max_bits)
		return -SMMUKIT_EINVAL;
	if (cfg->oas < 32 || (cfg->oas > 48 && !(cfg->oas == 52 && max_bits == 52)))
		return -SMMUKIT_EINVAL;
	return 0;
}

static void fill_context(struct lpae *d)
{
	struct smmukit_pgtable_cfg *c = &d->pub.cfg;
	/* Walks are cacheable and inner shareable only if the walker snoops. */
	unsigned rgn = d->coherent ? 1 : 0;
	unsigned sh = d->coherent ? LPAE_SH_INNER : LPAE_SH_OUTER;

	if (c->stage == 1) {
		c->s1.ttb = d->pgd.pa;
		c->s1.t0sz = 64 - c->ias;
		c->s1.tg0 = tg_encoding(d->pg_shift);
		c->s1.irgn0 = rgn;
		c->s1.orgn0 = rgn;
		c->s1.sh0 = sh;
		c->s1.ips = oas_encoding(c->oas);
		c->s1.mair = LPAE_MAIR_VALUE;
	} else {
		c->s2.vttb = d->pgd.pa;
		c->s2.s2t0sz = 64 - c->ias;
		/* SL0 counts from level 2 (4K) or level 3 (16K, 64K) upwards. */
		c->s2.s2sl0 = (d->pg_shift == 12 ? 2 : 3) - d->start_level;
		c->s2.s2tg = tg_encoding(d->pg_shift);
		c->s2.s2ir0 = rgn;
		c->s2.s2or0 = rgn;
		c->s2.s2sh0 = sh;
		c->s2.s2ps = oas_encoding(c->oas);
	}
}

int smmukit_pgtable_alloc(struct smmukit_pgtable_cfg *cfg,
			  struct smmukit_pgtable **out)
{
	struct lpae *d;
	unsigned pg_shift, root_order;
	int ret;

	if (!cfg || !out)
		return -SMMUKIT_EINVAL;
	ret = check_cfg(cfg, &pg_shift);
	if (ret)
		return ret;
	d = smmukit_plat_zalloc(cfg->platform, sizeof(*d));
	if (!d)
		return -SMMUKIT_ENOMEM;
	d->pub.ops = &lpae_ops;
	d->pub.cfg = *cfg;
	d->plat = cfg->platform;
	d->fops = cfg->flush_ops;
	d->cookie = cfg->cookie;
	d->pg_shift = pg_shift;
	d->bpl = pg_shift - 3;
	d->stage = cfg->stage;
	d->coherent = cfg->coherent_walk;
	d->granule = cfg->granule;
	d->table_order = pg_shift - SMMUKIT_PAGE_SHIFT;
	d->ia_limit = UINT64_C(1) << cfg->ias;
	d->oa_limit = UINT64_C(1) << cfg->oas;
	ret = compute_geometry(d, cfg);
	if (ret)
		goto err_free;
	d->pub.cfg.pgsize_bitmap = compute_pgsizes(d);
	for (unsigned b = 0; b < 64; b++)
		d->size_level[b] = -1;
	for (unsigned prot = 0; prot <= SMMUKIT_PROT_ALL; prot++)
		d->prot_attr[prot] = prot_valid(prot) ?
			prot_to_attr(d, prot, 3) &
			~smmukit_field_prep(LPAE_DESC_TYPE, 3) : 0;
	for (unsigned level = 0; level < 4; level++) {
		d->leaf_type[level] = smmukit_field_prep(
			LPAE_DESC_TYPE, level == 3 ? LPAE_DESC_TYPE_PAGE :
						     LPAE_DESC_TYPE_BLOCK);
		d->idx_mask[level] = d->entries[level] - 1;
	}
	for (unsigned level = d->start_level; level < 4; level++)
		if (lvl_size(d, level) & d->pub.cfg.pgsize_bitmap)
			d->size_level[lvl_shift(d, level)] = (signed char)level;
	root_order = d->pub.cfg.root_size <= SMMUKIT_PAGE_SIZE ? 0 :
		     smmukit_ilog2(d->pub.cfg.root_size) - SMMUKIT_PAGE_SHIFT;
	ret = smmukit_plat_alloc_pages(d->plat, root_order, &d->pgd);
	if (ret)
		goto err_free;
	if (!d->coherent)
		smmukit_plat_dma_sync_for_device(d->plat, d->pgd.pa,
						 (size_t)d->pub.cfg.root_size);
	fill_context(d);
	/* Hand the outputs back, and keep the same view in the table. */
	*cfg = d->pub.cfg;
	*out = &d->pub;
	return 0;

err_free:
	smmukit_plat_free(cfg->platform, d, sizeof(*d));
	return ret;
}

void smmukit_pgtable_free(struct smmukit_pgtable *pgt)
{
	struct lpae *d;
	unsigned n;

	if (!pgt)
		return;
	d = to_lpae(pgt);
	/* Nothing cached may point into the tables once they are gone. */
	d->fops->flush_all(d->cookie);
	n = 1u << d->pgd_bits;
	for (unsigned i = 0; i < n; i++) {
		uint64_t desc = smmukit_read_once64(&((uint64_t *)d->pgd.cpu)[i]);

		if (desc_valid(desc) && desc_is_table(desc, d->start_level))
			release_tree(d, next_table(d, desc), d->start_level + 1,
				     NULL);
	}
	smmukit_plat_free_pages(d->plat, &d->pgd);
	smmukit_plat_free(d->plat, d, sizeof(*d));
}

/* ---- helpers over the format ---- */

uint64_t smmukit_pgtable_level_size(const struct smmukit_pgtable *pgt,
				    unsigned level)
{
	const struct lpae *d;

	if (!pgt || level > 3)
		return 0;
	d = smmukit_container_of(pgt, const struct lpae, pub);
	if (!(lvl_size(d, level) & pgt->cfg.pgsize_bitmap))
		return 0;
	return lvl_size(d, level);
}

uint64_t smmukit_pgtable_encode_leaf(const struct smmukit_pgtable *pgt,
				     smmukit_phys_t paddr, unsigned level,
				     unsigned prot)
{
	const struct lpae *d;

	if (!pgt || level > 3 || !prot_valid(prot))
		return 0;
	d = smmukit_container_of(pgt, const struct lpae, pub);
	return lpae_oa_to_desc(paddr, d->pg_shift) | prot_to_attr(d, prot, level);
}

static int walk_table(struct lpae *d, struct tbl t, unsigned level,
		      smmukit_pgtable_walk_fn fn, void *arg)
{
	unsigned n = lvl_entries(d, level);

	for (unsigned i = 0; i < n; i++) {
		uint64_t desc = smmukit_read_once64(&t.cpu[i]);
		/* A concatenated root reports each of its tables separately. */
		smmukit_phys_t page_pa = t.pa + ((uint64_t)(i >> d->bpl) << d->pg_shift);
		int ret;

		if (!desc_valid(desc))
			continue;
		ret = fn(arg, page_pa, level, i & ((1u << d->bpl) - 1), desc);
		if (ret)
			return ret;
		if (desc_is_table(desc, level)) {
			ret = walk_table(d, next_table(d, desc), level + 1, fn, arg);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int smmukit_pgtable_walk(struct smmukit_pgtable *pgt,
			 smmukit_pgtable_walk_fn fn, void *arg)
{
	struct lpae *d;
	struct tbl root;

	if (!pgt || !fn)
		return -SMMUKIT_EINVAL;
	d = to_lpae(pgt);
	root.cpu = d->pgd.cpu;
	root.pa = d->pgd.pa;
	return walk_table(d, root, d->start_level, fn, arg);
}

/* ---- convenience: arbitrary sizes ---- */

/*
 * The next run for [iova, iova+size) -> paddr: the largest page size both
 * addresses are aligned to, and as many of them as fit before a larger size
 * could take over. Same answer for the map and for undoing it.
 */
static void next_run(const struct lpae *d, uint64_t iova, smmukit_phys_t paddr,
		     uint64_t size, uint64_t *pgsize, uint64_t *count)
{
	uint64_t bitmap = d->pub.cfg.pgsize_bitmap;
	uint64_t addr_merge = iova | paddr;
	uint64_t pg = 0, bigger, n;

	for (uint64_t m = bitmap; m; m &= m - 1) {
		uint64_t s = m & -m;

		if (s <= size && smmukit_is_aligned(addr_merge, s))
			pg = s;
	}
	n = size / pg;
	/* The next larger size, if iova and paddr could reach it together. */
	bigger = bitmap & ~((pg << 1) - 1);
	if (bigger) {
		uint64_t b = bigger & -bigger;

		if (((iova ^ paddr) & (b - 1)) == 0) {
			uint64_t until = (smmukit_align_up(iova, b) - iova) / pg;

			if (until && until < n)
				n = until;
		}
	}
	*pgsize = pg;
	*count = n;
}

int smmukit_pgtable_map(struct smmukit_pgtable *pgt, uint64_t iova,
			smmukit_phys_t paddr, uint64_t size, unsigned prot,
			uint64_t *mapped)
{
	struct lpae *d;
	uint64_t done = 0;
	int ret = 0;

	if (mapped)
		*mapped = 0;
	if (!pgt)
		return -SMMUKIT_EINVAL;
	d = to_lpae(pgt);
	/*
	 * The whole request, before any run: map_pages checks only its own
	 * run, so a range crossing 2^ias or 2^oas would map the runs below the
	 * limit, allocate tables for them, and only then fail. Undoing those
	 * runs leaves the tables behind; bad input must change nothing.
	 */
	if (size == 0 || !smmukit_is_aligned(size | iova | paddr, d->granule) ||
	    !prot_valid(prot))
		return -SMMUKIT_EINVAL;
	if (check_range(d, iova, d->granule, size >> d->pg_shift, d->ia_limit) ||
	    check_range(d, paddr, d->granule, size >> d->pg_shift, d->oa_limit))
		return -SMMUKIT_ERANGE;
	while (done < size) {
		uint64_t pgsize, count;

		next_run(d, iova + done, paddr + done, size - done, &pgsize, &count);
		ret = smmukit_pgtable_map_pages(pgt, iova + done, paddr + done,
						pgsize, count, prot, NULL);
		if (ret)
			break;
		done += pgsize * count;
	}
	if (ret) {
		/* Undo in the same runs the map used. */
		uint64_t undone = 0;

		while (undone < done) {
			uint64_t pgsize, count;

			next_run(d, iova + undone, paddr + undone, done - undone,
				 &pgsize, &count);
			smmukit_pgtable_unmap_pages(pgt, iova + undone, pgsize,
						    count, NULL);
			undone += pgsize * count;
		}
		return ret;
	}
	if (mapped)
		*mapped = size;
	return 0;
}

int64_t smmukit_pgtable_unmap(struct smmukit_pgtable *pgt, uint64_t iova,
			      uint64_t size, struct smmukit_iotlb_gather *gather)
{
	struct lpae *d;
	uint64_t done = 0;

	if (!pgt)
		return -SMMUKIT_EINVAL;
	d = to_lpae(pgt);
	if (size == 0 || !smmukit_is_aligned(size | iova, d->granule))
		return -SMMUKIT_EINVAL;
	if (check_range(d, iova, d->granule, size >> d->pg_shift, d->ia_limit))
		return -SMMUKIT_ERANGE;
	/* Check every run first, so a partial block fails before any change. */
	while (done < size) {
		uint64_t pgsize, count;
		int ret;

		next_run(d, iova + done, iova + done, size - done, &pgsize, &count);
		ret = check_unmap(d, iova + done, (unsigned)pgsize_level(d, pgsize),
				  count);
		if (ret < 0)
			return ret;
		if (ret > 0)
			break;
		done += pgsize * count;
	}
	done = 0;
	while (done < size) {
		uint64_t pgsize, count;
		int64_t got;

		next_run(d, iova + done, iova + done, size - done, &pgsize, &count);
		got = smmukit_pgtable_unmap_pages(pgt, iova + done, pgsize, count,
						  gather);
		if (got < 0)
			return done ? (int64_t)done : got;
		done += (uint64_t)got;
		if ((uint64_t)got < pgsize * count)
			break;
	}
	return (int64_t)done;
}

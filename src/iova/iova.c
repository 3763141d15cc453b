/* SPDX-License-Identifier: MIT */
/*
 * IOVA domain and range tree.
 *
 * The tree is an AVL tree of allocated and reserved ranges with parent
 * pointers. Each node owns the free gap just below it (gap_pfns) and knows
 * the largest gap in its subtree (max_gap_pfns). An anchor node at
 * end_pfn + 1 owns the gap at the top of the domain, so every free pfn lies
 * in exactly one node's gap and every real node has a successor.
 *
 * Every modification ends with fixup() from the lowest changed node: it
 * recomputes height and max gap and rebalances on the way up, which is
 * O(log n) for inserts and deletes alike, and usually stops well below the
 * root.
 */
#include "iova_priv.h"

/* ---------------------------------------------------------------- tree -- */

static int32_t height_of(const struct iova_node *n)
{
	return n ? n->height : 0;
}

static uint64_t max_gap_of(const struct iova_node *n)
{
	return n ? n->max_gap_pfns : 0;
}

static void update_node(struct iova_node *n)
{
	int32_t hl = height_of(n->left), hr = height_of(n->right);
	uint64_t m = n->gap_pfns;

	n->height = 1 + (hl > hr ? hl : hr);
	m = smmukit_max_u64(m, max_gap_of(n->left));
	m = smmukit_max_u64(m, max_gap_of(n->right));
	n->max_gap_pfns = m;
}

static void replace_child(struct smmukit_iova_domain *dom,
			  struct iova_node *parent, struct iova_node *old,
			  struct iova_node *new_child)
{
	if (!parent)
		dom->root = new_child;
	else if (parent->left == old)
		parent->left = new_child;
	else
		parent->right = new_child;
	if (new_child)
		new_child->parent = parent;
}

/* Rotations keep in-order, so gap_pfns stays; heights and maxima are redone. */
static struct iova_node *rotate_left(struct smmukit_iova_domain *dom,
				     struct iova_node *x)
{
	struct iova_node *y = x->right;

	replace_child(dom, x->parent, x, y);
	x->right = y->left;
	if (y->left)
		y->left->parent = x;
	y->left = x;
	x->parent = y;
	update_node(x);
	update_node(y);
	return y;
}

static struct iova_node *rotate_right(struct smmukit_iova_domain *dom,
				      struct iova_node *x)
{
	struct iova_node *y = x->left;

	replace_child(dom, x->parent, x, y);
	x->left = y->right;
	if (y->right)
		y->right->parent = x;
	y->right = x;
	x->parent = y;
	update_node(x);
	update_node(y);
	return y;
}

/*
 * Walk up from n recomputing height and max gap and rebalancing. Every node
 * up to and including 'must' (an ancestor of n, or NULL for the root) is
 * refreshed; above it the walk stops at the first subtree whose height and
 * maximum came out unchanged, since nothing above can change then.
 */
static void fixup(struct smmukit_iova_domain *dom, struct iova_node *n,
		  const struct iova_node *must)
{
	bool passed = false;

	while (n) {
		int32_t old_h = n->height, bal;
		uint64_t old_m = n->max_gap_pfns;

		if (n == must)
			passed = true;
		update_node(n);
		bal = height_of(n->left) - height_of(n->right);
		if (bal > 1) {
			if (height_of(n->left->left) < height_of(n->left->right))
				rotate_left(dom, n->left);
			n = rotate_right(dom, n);
		} else if (bal < -1) {
			if (height_of(n->right->right) < height_of(n->right->left))
				rotate_right(dom, n->right);
			n = rotate_left(dom, n);
		}
		if (passed && n->height == old_h && n->max_gap_pfns == old_m)
			return;
		n = n->parent;
	}
}

static struct iova_node *leftmost(struct iova_node *n)
{
	while (n->left)
		n = n->left;
	return n;
}

static struct iova_node *next_node(struct iova_node *n)
{
	if (n->right)
		return leftmost(n->right);
	while (n->parent && n->parent->right == n)
		n = n->parent;
	return n->parent;
}

/* The node whose range contains pfn, or NULL. */
static struct iova_node *lookup(struct smmukit_iova_domain *dom, uint64_t pfn)
{
	struct iova_node *n = dom->root;

	while (n) {
		if (pfn < n->pfn_lo)
			n = n->left;
		else if (pfn > n->pfn_hi)
			n = n->right;
		else
			return n;
	}
	return NULL;
}

/* Leftmost node with pfn_lo > pfn: the owner of the gap holding pfn + 1 if free. */
static struct iova_node *first_above(struct smmukit_iova_domain *dom,
				     uint64_t pfn)
{
	struct iova_node *n = dom->root, *best = NULL;

	while (n) {
		if (n->pfn_lo > pfn) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

/*
 * Link node (pfn_lo/pfn_hi set) into the free gap owned by succ, which must
 * contain the node's range. The gap splits: the part below the node becomes
 * the node's, the part above stays succ's.
 */
static void insert_below(struct smmukit_iova_domain *dom, struct iova_node *succ,
			 struct iova_node *node)
{
	uint64_t gap_lo = succ->pfn_lo - succ->gap_pfns;
	struct iova_node *parent;

	node->gap_pfns = node->pfn_lo - gap_lo;
	succ->gap_pfns = succ->pfn_lo - node->pfn_hi - 1;
	node->left = node->right = NULL;
	node->height = 1;
	node->max_gap_pfns = node->gap_pfns;
	if (!succ->left) {
		succ->left = node;
		parent = succ;
	} else {
		parent = succ->left;
		while (parent->right)
			parent = parent->right;
		parent->right = node;
	}
	node->parent = parent;
	/* succ is an ancestor of node, so one walk refreshes its gap too. */
	fixup(dom, parent, succ);
	dom->nr_nodes++;
}

/*
 * Unlink node; its range and gap join its successor's gap. One walk to the
 * root refreshes both the successor and the splice point: the successor is
 * either an ancestor of the splice point, or (node without a left child)
 * the lowest node of the subtree that takes node's place, or (two
 * children) the node that takes node's place.
 */
static void erase(struct smmukit_iova_domain *dom, struct iova_node *node)
{
	struct iova_node *succ = next_node(node), *from, *must;

	succ->gap_pfns += node->gap_pfns + (node->pfn_hi - node->pfn_lo + 1);
	if (!node->left) {
		/* succ, if below, sits under the splice point node->parent. */
		from = node->right ? succ : node->parent;
		must = node->right ? node->parent : succ;
		replace_child(dom, node->parent, node, node->right);
	} else if (!node->right) {
		from = node->parent;
		must = succ;
		replace_child(dom, node->parent, node, node->left);
	} else {
		/* succ is leftmost of node->right; it takes node's place. */
		if (succ->parent == node) {
			from = succ;
		} else {
			from = succ->parent;
			replace_child(dom, succ->parent, succ, succ->right);
			succ->right = node->right;
			succ->right->parent = succ;
		}
		replace_child(dom, node->parent, node, succ);
		succ->left = node->left;
		succ->left->parent = succ;
		/* What node's parent last saw, for fixup's early stop. */
		succ->height = node->height;
		succ->max_gap_pfns = node->max_gap_pfns;
		must = succ;
	}
	fixup(dom, from, must);
	dom->nr_nodes--;
}

/*
 * Descend towards key_pfn. Returns the last node with pfn_lo <= key_pfn on
 * the path (the rightmost such node in the tree); *above gets the leftmost
 * node with pfn_lo > key_pfn, whose gap may straddle the key. Either may be
 * NULL.
 */
static struct iova_node *descend(struct smmukit_iova_domain *dom,
				 uint64_t key_pfn, struct iova_node **above)
{
	struct iova_node *n = dom->root, *last = NULL;

	*above = NULL;
	while (n) {
		if (n->pfn_lo <= key_pfn) {
			last = n;
			n = n->right;
		} else {
			*above = n;
			n = n->left;
		}
	}
	return last;
}

/*
 * Rightmost node at or below 'last' (in address order) with
 * gap_pfns >= need, where 'last' comes from descend(). The subtrees hanging
 * left of the descent path hold every other candidate, ordered along it, so
 * the first one (from the bottom) whose maximum qualifies contains the
 * answer, reached by always preferring the right child whose maximum
 * qualifies. O(log n).
 */
static struct iova_node *rightmost_fit_from(struct iova_node *n, uint64_t need)
{
	/* 1. Walk back up over the nodes at or below the key. */
	while (n) {
		if (n->gap_pfns >= need)
			return n;
		if (max_gap_of(n->left) >= need) {
			n = n->left;
			break;
		}
		while (n->parent && n->parent->left == n)
			n = n->parent;
		n = n->parent;
	}
	if (!n)
		return NULL;
	/* 2. Inside a whole subtree: the rightmost qualifying node. */
	for (;;) {
		if (max_gap_of(n->right) >= need)
			n = n->right;
		else if (n->gap_pfns >= need)
			return n;
		else
			n = n->left;
	}
}

/*
 * Highest aligned start of size pfns in the gap of node, ending at or below
 * top_pfn; 0 if none (pfn 0 is never valid: start_pfn >= 1).
 */
static uint64_t fit_in_gap(const struct iova_node *n, uint64_t top_pfn,
			   uint64_t size, uint64_t align)
{
	uint64_t gap_lo = n->pfn_lo - n->gap_pfns;
	uint64_t hi = smmukit_min_u64(top_pfn, n->pfn_lo - 1);
	uint64_t cand;

	if (n->gap_pfns == 0 || hi < gap_lo || hi - gap_lo + 1 < size)
		return 0;
	cand = (hi - size + 1) & ~(align - 1);
	return cand >= gap_lo ? cand : 0;
}

/*
 * The allocation search, tree_lock held. Returns the start pfn and the
 * successor node that owns the chosen gap, or 0.
 * 1. The gap straddling the limit, exactly (it is clipped).
 * 2. Conservative: the highest gap wholly below the limit with
 *    gap >= size + align - 1, where any alignment fits.
 * 3. Exact, bounded: the next SMMUKIT_IOVA_EXACT_FIT_TRIES gaps >= size
 *    from the top, each checked exactly. Each try is one O(log n) search.
 */
static uint64_t search(struct smmukit_iova_domain *dom, uint64_t size,
		       uint64_t limit_pfn, uint64_t align,
		       struct iova_node **succ_out)
{
	struct iova_node *n, *last, *above;
	uint64_t key = limit_pfn + 1, pfn;

	if (smmukit_unlikely(dom->root->max_gap_pfns < size))
		return 0;
	last = descend(dom, key, &above);
	if (above && (pfn = fit_in_gap(above, limit_pfn, size, align))) {
		*succ_out = above;
		return pfn;
	}
	n = rightmost_fit_from(last, size + align - 1);
	if (smmukit_likely(n)) {
		*succ_out = n;
		return fit_in_gap(n, limit_pfn, size, align);
	}
	if (align == 1)
		return 0;
	for (unsigned i = 0; i < SMMUKIT_IOVA_EXACT_FIT_TRIES; i++) {
		n = rightmost_fit_from(last, size);
		if (!n)
			return 0;
		pfn = fit_in_gap(n, limit_pfn, size, align);
		if (pfn) {
			*succ_out = n;
			return pfn;
		}
		last = descend(dom, n->pfn_lo - 1, &above);
	}
	return 0;
}

/* ------------------------------------------------------------- domain -- */

static struct iova_node *node_new(struct smmukit_iova_domain *dom)
{
	return smmukit_plat_zalloc(dom->plat, sizeof(struct iova_node));
}

static void node_free(struct smmukit_iova_domain *dom, struct iova_node *n)
{
	smmukit_plat_free(dom->plat, n, sizeof(*n));
}

/* A cached node, zeroed as zalloc would give it, or NULL. tree_lock held. */
static struct iova_node *spare_pop_locked(struct smmukit_iova_domain *dom)
{
	struct iova_node *n = dom->spare;

	if (n) {
		dom->spare = n->parent;
		dom->nr_spare--;
		*n = (struct iova_node){ 0 };
	}
	return n;
}

/* Keep n for reuse if there is room; false: the caller frees it unlocked. */
static bool spare_push_locked(struct smmukit_iova_domain *dom,
			      struct iova_node *n)
{
	if (dom->nr_spare >= IOVA_SPARE_NODES)
		return false;
	n->parent = dom->spare;
	dom->spare = n;
	dom->nr_spare++;
	return true;
}

int smmukit_iova_domain_create(struct smmukit_platform *plat,
			       const struct smmukit_iova_config *cfg,
			       struct smmukit_iova_domain **out)
{
	struct smmukit_iova_domain *dom;
	uint64_t start, end, max_pfn;
	unsigned shift, nr_cpus;
	int ret;

	if (!plat || !cfg || !out)
		return -SMMUKIT_EINVAL;
	if (!smmukit_is_pow2(cfg->granule) || cfg->granule < 4096 ||
	    cfg->granule > 65536 || (cfg->flags & ~SMMUKIT_IOVA_CHECK_FAST_FREE))
		return -SMMUKIT_EINVAL;
	shift = smmukit_ilog2(cfg->granule);
	/*
	 * The last granule of the 64-bit space. With shift >= 12 the anchor
	 * at end_pfn + 1 (at most 2^52) and every sum of two sizes or of a
	 * pfn and a size still fit in 64 bits.
	 */
	max_pfn = UINT64_MAX >> shift;
	start = cfg->start_pfn ? cfg->start_pfn : 1;
	end = cfg->end_pfn ? cfg->end_pfn : max_pfn;
	if (end > max_pfn || start > end)
		return -SMMUKIT_EINVAL;
	nr_cpus = smmukit_plat_nr_cpus(plat);
	if (nr_cpus == 0)
		return -SMMUKIT_EINVAL;

	dom = smmukit_plat_zalloc(plat, sizeof(*dom));
	if (!dom)
		return -SMMUKIT_ENOMEM;
	dom->plat = plat;
	dom->shift = shift;
	dom->flags = cfg->flags;
	dom->nr_cpus = nr_cpus;
	dom->start_pfn = start;
	dom->end_pfn = end;
	dom->depot_trim_ns = cfg->depot_trim_ns ? cfg->depot_trim_ns :
						   SMMUKIT_IOVA_DEFAULT_TRIM_NS;
	dom->depot_keep_mags = cfg->depot_keep_mags ? cfg->depot_keep_mags :
						      nr_cpus;
	dom->anchor = node_new(dom);
	if (!dom->anchor) {
		ret = -SMMUKIT_ENOMEM;
		goto err_dom;
	}
	dom->anchor->pfn_lo = dom->anchor->pfn_hi = end + 1;
	dom->anchor->gap_pfns = end + 1 - start;
	dom->anchor->reserved = 1;
	update_node(dom->anchor);
	dom->root = dom->anchor;
	ret = iova_caches_init(dom);
	if (ret)
		goto err_anchor;
	smmukit_plat_hot_lock_init(plat, &dom->tree_lock);
	*out = dom;
	return 0;

err_anchor:
	node_free(dom, dom->anchor);
err_dom:
	smmukit_plat_free(plat, dom, sizeof(*dom));
	return ret;
}

void smmukit_iova_domain_destroy(struct smmukit_iova_domain *dom)
{
	struct iova_node *n;

	if (!dom)
		return;
	iova_caches_destroy(dom);
	/* Post-order through parent pointers: no stack, no recursion. */
	n = dom->root;
	while (n) {
		if (n->left) {
			n = n->left;
		} else if (n->right) {
			n = n->right;
		} else {
			struct iova_node *p = n->parent;

			if (p) {
				if (p->left == n)
					p->left = NULL;
				else
					p->right = NULL;
			}
			node_free(dom, n);
			n = p;
		}
	}
	while (dom->spare) {
		n = dom->spare;
		dom->spare = n->parent;
		node_free(dom, n);
	}
	smmukit_plat_hot_lock_destroy(dom->plat, &dom->tree_lock);
	smmukit_plat_free(dom->plat, dom, sizeof(*dom));
}

unsigned smmukit_iova_shift(const struct smmukit_iova_domain *dom)
{
	return dom ? dom->shift : 0;
}

uint64_t smmukit_iova_start_pfn(const struct smmukit_iova_domain *dom)
{
	return dom ? dom->start_pfn : 0;
}

uint64_t smmukit_iova_end_pfn(const struct smmukit_iova_domain *dom)
{
	return dom ? dom->end_pfn : 0;
}

/* ---------------------------------------------------------- alloc/free -- */

static uint64_t roundup_pow2(uint64_t v)
{
	return v <= 1 ? 1 : UINT64_C(1) << (smmukit_ilog2(v - 1) + 1);
}

int smmukit_iova_alloc(struct smmukit_iova_domain *dom, uint64_t size_pfns,
		       uint64_t limit_pfn, bool size_aligned,
		       uint64_t *pfn_out)
{
	struct iova_node *node, *succ = NULL;
	uint64_t align, pfn;

	if (!dom || !pfn_out || size_pfns == 0 ||
	    size_pfns > dom->end_pfn - dom->start_pfn + 1 ||
	    limit_pfn < dom->start_pfn)
		return -SMMUKIT_EINVAL;
	limit_pfn = smmukit_min_u64(limit_pfn, dom->end_pfn);
	align = size_aligned ? roundup_pow2(size_pfns) : 1;
	if (limit_pfn - dom->start_pfn + 1 < size_pfns)
		return -SMMUKIT_ENOSPC;

	smmukit_plat_hot_lock(dom->plat, &dom->tree_lock);
	node = spare_pop_locked(dom);
	if (smmukit_unlikely(!node)) {
		/* The tree lock never covers a platform allocation. */
		smmukit_plat_hot_unlock(dom->plat, &dom->tree_lock);
		node = node_new(dom);
		if (!node)
			return -SMMUKIT_ENOMEM;
		smmukit_plat_hot_lock(dom->plat, &dom->tree_lock);
	}
	pfn = search(dom, size_pfns, limit_pfn, align, &succ);
	if (pfn) {
		node->pfn_lo = pfn;
		node->pfn_hi = pfn + size_pfns - 1;
		insert_below(dom, succ, node);
	} else if (spare_push_locked(dom, node)) {
		node = NULL;
	}
	smmukit_plat_hot_unlock(dom->plat, &dom->tree_lock);
	if (!pfn) {
		node_free(dom, node);
		return -SMMUKIT_ENOSPC;
	}
	*pfn_out = pfn;
	return 0;
}

/*
 * tree_lock held. Unlinks and returns the node for [pfn, +size), or NULL.
 * A range marked as cached (CHECK_FAST_FREE) is free for its user: only a
 * cache drain (from_cache) may take it.
 */
static struct iova_node *take_range(struct smmukit_iova_domain *dom,
				    uint64_t pfn, uint64_t size_pfns,
				    bool from_cache)
{
	struct iova_node *n = lookup(dom, pfn);

	if (!n || n->reserved || n->pfn_lo != pfn ||
	    n->pfn_hi - n->pfn_lo + 1 != size_pfns ||
	    (n->cached && !from_cache))
		return NULL;
	erase(dom, n);
	return n;
}

static void report_bad_free(struct smmukit_iova_domain *dom, uint64_t pfn,
			    uint64_t size_pfns)
{
	smmukit_err(dom->plat,
		    "iova: free of pfn 0x%llx size %llu that is not allocated "
		    "(double free, wrong size or reserved range)",
		    (unsigned long long)pfn, (unsigned long long)size_pfns);
}

int smmukit_iova_free(struct smmukit_iova_domain *dom, uint64_t pfn,
		      uint64_t size_pfns)
{
	struct iova_node *n;
	bool found;

	if (!dom || size_pfns == 0 || pfn == 0)
		return -SMMUKIT_EINVAL;
	smmukit_plat_hot_lock(dom->plat, &dom->tree_lock);
	n = take_range(dom, pfn, size_pfns, false);
	found = n != NULL;
	if (found && spare_push_locked(dom, n))
		n = NULL;
	smmukit_plat_hot_unlock(dom->plat, &dom->tree_lock);
	if (smmukit_unlikely(!found)) {
		report_bad_free(dom, pfn, size_pfns);
		return -SMMUKIT_ENOENT;
	}
	if (n)
		node_free(dom, n);
	return 0;
}

uint64_t iova_tree_free_many(struct smmukit_iova_domain *dom,
			     const uint64_t *pfns, uint64_t n,
			     uint64_t size_pfns)
{
	struct iova_node *list = NULL, *node;
	uint64_t bad = 0;

	smmukit_plat_hot_lock(dom->plat, &dom->tree_lock);
	for (uint64_t i = 0; i < n; i++) {
		node = take_range(dom, pfns[i], size_pfns, true);
		if (!node) {
			bad++;
			continue;
		}
		/* Unlinked nodes chain through parent until freed unlocked. */
		node->parent = list;
		list = node;
	}
	smmukit_plat_hot_unlock(dom->plat, &dom->tree_lock);
	while (list) {
		node = list;
		list = node->parent;
		node_free(dom, node);
	}
	if (bad)
		smmukit_err(dom->plat,
			    "iova: %llu cached ranges of size %llu were not "
			    "allocated (fast-path double free?)",
			    (unsigned long long)bad,
			    (unsigned long long)size_pfns);
	return bad;
}

/*
 * Bound on tree frees per acquisition of the tree lock in a bulk free: a
 * flush queue can hand over thousands of ranges at once, and other CPUs'
 * allocations must not wait behind all of them: Linux's flush-queue reclaim
 * bulk-freed large mappings into its tree under one lock and caused
 * 20-second lockups on a 448-core machine.
 */
#define BULK_FREES_PER_LOCK 64u

int iova_tree_free_entries(struct smmukit_iova_domain *dom,
			   const struct smmukit_iova_free_entry *entries,
			   size_t n, uint64_t min_size_pfns)
{
	struct iova_node *list = NULL, *node;
	size_t i = 0;
	int ret = 0;

	while (i < n) {
		unsigned done = 0;

		smmukit_plat_hot_lock(dom->plat, &dom->tree_lock);
		for (; i < n && done < BULK_FREES_PER_LOCK; i++) {
			if (entries[i].size_pfns < min_size_pfns)
				continue;
			done++;
			node = take_range(dom, entries[i].pfn,
					  entries[i].size_pfns, false);
			if (!node) {
				if (!ret)
					ret = -SMMUKIT_ENOENT;
				continue;
			}
			node->parent = list;
			list = node;
		}
		smmukit_plat_hot_unlock(dom->plat, &dom->tree_lock);
		while (list) {
			node = list;
			list = node->parent;
			node_free(dom, node);
		}
	}
	if (ret)
		smmukit_err(dom->plat, "iova: bulk free met ranges that are "
			    "not allocated (double free?)");
	return ret;
}

int iova_tree_mark_cached(struct smmukit_iova_domain *dom, uint64_t pfn,
			  uint64_t size_pfns, bool cached)
{
	struct iova_node *n;
	int ret = -SMMUKIT_ENOENT;

	smmukit_plat_hot_lock(dom->plat, &dom->tree_lock);
	n = lookup(dom, pfn);
	if (n && !n->reserved && n->pfn_lo == pfn &&
	    n->pfn_hi - n->pfn_lo + 1 == size_pfns && n->cached != cached) {
		n->cached = cached;
		ret = 0;
	}
	smmukit_plat_hot_unlock(dom->plat, &dom->tree_lock);
	return ret;
}

/* ------------------------------------------------------ reserve/find -- */

int smmukit_iova_reserve(struct smmukit_iova_domain *dom, uint64_t lo_pfn,
			 uint64_t hi_pfn)
{
	struct iova_node *node, *n, *list = NULL;
	int ret = 0;

	if (!dom || lo_pfn > hi_pfn)
		return -SMMUKIT_EINVAL;
	if (hi_pfn < dom->start_pfn || lo_pfn > dom->end_pfn)
		return 0;
	lo_pfn = smmukit_max_u64(lo_pfn, dom->start_pfn);
	hi_pfn = smmukit_min_u64(hi_pfn, dom->end_pfn);

	node = node_new(dom);
	if (!node)
		return -SMMUKIT_ENOMEM;
	node->pfn_lo = lo_pfn;
	node->pfn_hi = hi_pfn;
	node->reserved = 1;
	smmukit_plat_hot_lock(dom->plat, &dom->tree_lock);
	/*
	 * 1. Every node touching [lo - 1, hi + 1] must be a reservation (an
	 *    adjacent allocation is left alone); they give the merged extent.
	 * 2. Unlink the reservations inside the extent. 3. Insert one node.
	 * Reservations are made at setup, so the walk's length does not matter.
	 */
	n = lookup(dom, lo_pfn - 1);
	if (!n)
		n = first_above(dom, lo_pfn - 1);
	for (; n != dom->anchor && n->pfn_lo <= hi_pfn + 1; n = next_node(n)) {
		if (!n->reserved) {
			if (n->pfn_lo <= hi_pfn && n->pfn_hi >= lo_pfn) {
				ret = -SMMUKIT_EBUSY;
				goto out;
			}
			continue;
		}
		node->pfn_lo = smmukit_min_u64(node->pfn_lo, n->pfn_lo);
		node->pfn_hi = smmukit_max_u64(node->pfn_hi, n->pfn_hi);
	}
	for (;;) {
		n = first_above(dom, node->pfn_lo - 1);
		if (n == dom->anchor || n->pfn_lo > node->pfn_hi)
			break;
		erase(dom, n);
		n->parent = list;
		list = n;
	}
	insert_below(dom, first_above(dom, node->pfn_hi), node);
	node = NULL;
out:
	smmukit_plat_hot_unlock(dom->plat, &dom->tree_lock);
	while (list) {
		n = list;
		list = n->parent;
		node_free(dom, n);
	}
	if (node)
		node_free(dom, node);
	return ret;
}

int smmukit_iova_find(struct smmukit_iova_domain *dom, uint64_t pfn,
		      struct smmukit_iova_range *out)
{
	struct iova_node *n;
	int ret = -SMMUKIT_ENOENT;

	if (!dom || !out)
		return -SMMUKIT_EINVAL;
	smmukit_plat_hot_lock(dom->plat, &dom->tree_lock);
	n = lookup(dom, pfn);
	if (n && n != dom->anchor) {
		out->pfn_lo = n->pfn_lo;
		out->pfn_hi = n->pfn_hi;
		out->reserved = n->reserved;
		ret = 0;
	}
	smmukit_plat_hot_unlock(dom->plat, &dom->tree_lock);
	return ret;
}

/* -------------------------------------------------------------- check -- */

/* One node's invariants given its predecessor's pfn_hi; 0 or a reason. */
static const char *check_node(const struct smmukit_iova_domain *dom,
			      const struct iova_node *n, uint64_t prev_hi)
{
	int32_t hl = height_of(n->left), hr = height_of(n->right);
	uint64_t m = n->gap_pfns;

	if (n->pfn_lo > n->pfn_hi)
		return "inverted range";
	if (n->pfn_lo <= prev_hi || n->pfn_lo - prev_hi - 1 != n->gap_pfns)
		return "overlap or wrong gap";
	if (n->height != 1 + (hl > hr ? hl : hr) || hl - hr > 1 || hr - hl > 1)
		return "height or balance";
	m = smmukit_max_u64(m, max_gap_of(n->left));
	m = smmukit_max_u64(m, max_gap_of(n->right));
	if (m != n->max_gap_pfns)
		return "max gap";
	if ((n->left && n->left->parent != n) ||
	    (n->right && n->right->parent != n))
		return "parent link";
	if (n != dom->anchor && (n->pfn_lo < dom->start_pfn ||
				 n->pfn_hi > dom->end_pfn))
		return "outside the domain";
	return NULL;
}

int smmukit_iova_check(struct smmukit_iova_domain *dom)
{
	struct iova_node *n;
	uint64_t prev_hi, count = 0;
	const char *why = NULL;

	if (!dom)
		return -SMMUKIT_EINVAL;
	smmukit_plat_hot_lock(dom->plat, &dom->tree_lock);
	prev_hi = dom->start_pfn - 1;
	if (dom->root->parent)
		why = "root has a parent";
	for (n = leftmost(dom->root); n && !why; n = next_node(n)) {
		why = check_node(dom, n, prev_hi);
		prev_hi = n->pfn_hi;
		count++;
		if (!why && !next_node(n) && n != dom->anchor)
			why = "anchor is not last";
	}
	if (!why && count != dom->nr_nodes + 1)
		why = "node count";
	smmukit_plat_hot_unlock(dom->plat, &dom->tree_lock);
	if (why) {
		smmukit_err(dom->plat, "iova: tree invariant broken: %s", why);
		return -SMMUKIT_EIO;
	}
	return 0;
}

void iova_tree_stats(struct smmukit_iova_domain *dom,
		     struct smmukit_iova_stats *out)
{
	smmukit_plat_hot_lock(dom->plat, &dom->tree_lock);
	out->tree_ranges = dom->nr_nodes;
	out->tree_height = (uint64_t)dom->root->height;
	smmukit_plat_hot_unlock(dom->plat, &dom->tree_lock);
}

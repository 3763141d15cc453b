/* SPDX-License-Identifier: MIT */
/*
 * A plain cached-node top-down IOVA allocator, for comparison only (used by
 * bench_iova.c; not part of the library). It follows the algorithm of
 * Linux's drivers/iommu/iova.c (docs/iova.md describes it):
 * ranges in a balanced tree (an AVL tree here, a red-black tree there), a
 * cached node per address class (below 4 GiB and above) where the next
 * search starts, a walk over predecessors until a hole fits, one retry from
 * the node covering the limit, and a "known 32-bit failure size" fast fail.
 * The walk is linear in the number of ranges when no hole fits: that is
 * what the benchmark shows against the gap-augmented tree.
 *
 * Single-threaded (the benchmark measures the search, not the lock).
 */
#ifndef BENCH_IOVA_CACHED_NODE_H
#define BENCH_IOVA_CACHED_NODE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

struct cn_node {
	struct cn_node *parent, *left, *right;
	uint64_t pfn_lo, pfn_hi;
	int height;
};

struct cn_domain {
	struct cn_node *root;
	struct cn_node anchor;	/* at end_pfn + 1: every real node has a successor */
	struct cn_node *cached;	/* search start above the 32-bit boundary */
	struct cn_node *cached32;	/* search start below it */
	uint64_t start_pfn;
	uint64_t dma_32bit_pfn;	/* first pfn at or above 4 GiB */
	uint64_t max32_alloc_size;	/* smallest size known to fail below 4 GiB */
	uint64_t nr_nodes;
	uint64_t walk_steps;	/* predecessors visited, for the report */
};

static inline int cn_h(const struct cn_node *n)
{
	return n ? n->height : 0;
}

static inline void cn_update(struct cn_node *n)
{
	int l = cn_h(n->left), r = cn_h(n->right);

	n->height = 1 + (l > r ? l : r);
}

static inline void cn_replace(struct cn_domain *d, struct cn_node *parent,
			      struct cn_node *old, struct cn_node *nw)
{
	if (!parent)
		d->root = nw;
	else if (parent->left == old)
		parent->left = nw;
	else
		parent->right = nw;
	if (nw)
		nw->parent = parent;
}

static inline struct cn_node *cn_rot_left(struct cn_domain *d, struct cn_node *x)
{
	struct cn_node *y = x->right;

	cn_replace(d, x->parent, x, y);
	x->right = y->left;
	if (y->left)
		y->left->parent = x;
	y->left = x;
	x->parent = y;
	cn_update(x);
	cn_update(y);
	return y;
}

static inline struct cn_node *cn_rot_right(struct cn_domain *d, struct cn_node *x)
{
	struct cn_node *y = x->left;

	cn_replace(d, x->parent, x, y);
	x->left = y->right;
	if (y->right)
		y->right->parent = x;
	y->right = x;
	x->parent = y;
	cn_update(x);
	cn_update(y);
	return y;
}

static inline void cn_fixup(struct cn_domain *d, struct cn_node *n)
{
	while (n) {
		int bal;

		cn_update(n);
		bal = cn_h(n->left) - cn_h(n->right);
		if (bal > 1) {
			if (cn_h(n->left->left) < cn_h(n->left->right))
				cn_rot_left(d, n->left);
			n = cn_rot_right(d, n);
		} else if (bal < -1) {
			if (cn_h(n->right->right) < cn_h(n->right->left))
				cn_rot_right(d, n->right);
			n = cn_rot_left(d, n);
		}
		n = n->parent;
	}
}

static inline struct cn_node *cn_prev(struct cn_node *n)
{
	if (n->left) {
		n = n->left;
		while (n->right)
			n = n->right;
		return n;
	}
	while (n->parent && n->parent->left == n)
		n = n->parent;
	return n->parent;
}

static inline struct cn_node *cn_next(struct cn_node *n)
{
	if (n->right) {
		n = n->right;
		while (n->left)
			n = n->left;
		return n;
	}
	while (n->parent && n->parent->right == n)
		n = n->parent;
	return n->parent;
}

static inline void cn_insert(struct cn_domain *d, struct cn_node *node)
{
	struct cn_node **link = &d->root, *parent = NULL;

	while (*link) {
		parent = *link;
		link = node->pfn_lo < parent->pfn_lo ? &parent->left : &parent->right;
	}
	node->parent = parent;
	node->left = node->right = NULL;
	node->height = 1;
	*link = node;
	cn_fixup(d, parent);
	d->nr_nodes++;
}

static inline void cn_erase(struct cn_domain *d, struct cn_node *node)
{
	struct cn_node *from;

	if (!node->left || !node->right) {
		from = node->parent;
		cn_replace(d, node->parent, node, node->left ? node->left : node->right);
	} else {
		struct cn_node *s = node->right;

		while (s->left)
			s = s->left;
		if (s->parent == node) {
			from = s;
		} else {
			from = s->parent;
			cn_replace(d, s->parent, s, s->right);
			s->right = node->right;
			s->right->parent = s;
		}
		cn_replace(d, node->parent, node, s);
		s->left = node->left;
		s->left->parent = s;
	}
	cn_fixup(d, from);
	d->nr_nodes--;
}

static inline void cn_init(struct cn_domain *d, uint64_t start_pfn,
			   uint64_t end_pfn, unsigned shift)
{
	*d = (struct cn_domain){ 0 };
	d->start_pfn = start_pfn;
	d->dma_32bit_pfn = (UINT64_C(1) << 32) >> shift;
	d->max32_alloc_size = d->dma_32bit_pfn;
	d->anchor.pfn_lo = d->anchor.pfn_hi = end_pfn + 1;
	d->anchor.height = 1;
	d->root = &d->anchor;
	d->cached = d->cached32 = &d->anchor;
}

static inline void cn_destroy(struct cn_domain *d)
{
	struct cn_node *n = d->root;

	while (n) {
		if (n->left) {
			n = n->left;
		} else if (n->right) {
			n = n->right;
		} else {
			struct cn_node *p = n->parent;

			if (p) {
				if (p->left == n)
					p->left = NULL;
				else
					p->right = NULL;
			}
			if (n != &d->anchor)
				free(n);
			n = p;
		}
	}
	d->root = NULL;
}

/* Lowest node with pfn_lo >= pfn (the anchor if none). */
static inline struct cn_node *cn_find_at_or_above(struct cn_domain *d, uint64_t pfn)
{
	struct cn_node *n = d->root, *best = &d->anchor;

	while (n) {
		if (n->pfn_lo >= pfn) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

/*
 * Allocate size pfns ending at or below limit_pfn (inclusive, as in the
 * library); 0 or -1.
 */
static inline int cn_alloc(struct cn_domain *d, uint64_t size, uint64_t limit_pfn,
			   bool size_aligned, uint64_t *pfn_out)
{
	uint64_t limit = limit_pfn + 1;	/* exclusive from here on */
	uint64_t align_mask = ~UINT64_C(0), high, low = d->start_pfn;
	uint64_t new_pfn = 0, retry_pfn;
	struct cn_node *curr, *node;

	if (size_aligned) {
		unsigned bits = 0;

		while ((UINT64_C(1) << bits) < size)
			bits++;
		align_mask <<= bits;
	}
	if (limit <= d->dma_32bit_pfn && size >= d->max32_alloc_size)
		return -1;
	curr = limit <= d->dma_32bit_pfn ? d->cached32 : d->cached;
	retry_pfn = curr->pfn_hi;
	high = limit;
retry:
	/* Walk predecessors until the hole below curr holds the candidate. */
	for (;;) {
		struct cn_node *prev;

		if (curr->pfn_lo < high)
			high = curr->pfn_lo;
		new_pfn = high >= size ? (high - size) & align_mask : 0;
		prev = cn_prev(curr);
		d->walk_steps++;
		if (!prev || high < size || new_pfn > prev->pfn_hi || new_pfn < low)
			break;
		curr = prev;
	}
	if (high < size || new_pfn < low) {
		if (low == d->start_pfn && retry_pfn < limit) {
			/* The hole above the cached node, searched once. */
			high = limit;
			low = retry_pfn + 1;
			curr = cn_find_at_or_above(d, limit);
			goto retry;
		}
		d->max32_alloc_size = size;
		return -1;
	}
	node = malloc(sizeof(*node));
	if (!node)
		return -1;
	node->pfn_lo = new_pfn;
	node->pfn_hi = new_pfn + size - 1;
	cn_insert(d, node);
	if (node->pfn_hi < d->dma_32bit_pfn)
		d->cached32 = node;
	else
		d->cached = node;
	*pfn_out = new_pfn;
	return 0;
}

static inline int cn_free(struct cn_domain *d, uint64_t pfn)
{
	struct cn_node *n = d->root, *c;

	while (n && !(pfn >= n->pfn_lo && pfn <= n->pfn_hi))
		n = pfn < n->pfn_lo ? n->left : n->right;
	if (!n || n == &d->anchor)
		return -1;
	/* Move the cached nodes up past the freed range, as Linux does. */
	c = d->cached32;
	if (n == c || (n->pfn_hi < d->dma_32bit_pfn && n->pfn_lo >= c->pfn_lo))
		d->cached32 = cn_next(n);
	if (n->pfn_lo < d->dma_32bit_pfn)
		d->max32_alloc_size = d->dma_32bit_pfn;
	if (n->pfn_lo >= d->cached->pfn_lo)
		d->cached = cn_next(n);
	cn_erase(d, n);
	free(n);
	return 0;
}

/* Ranges in order, disjoint, inside the domain; returns the number of faults. */
static inline uint64_t cn_check(struct cn_domain *d)
{
	struct cn_node *n = d->root, *prev = NULL;
	uint64_t faults = 0, count = 0;

	while (n && n->left)
		n = n->left;
	for (; n; prev = n, n = cn_next(n), count++) {
		if (n->pfn_lo > n->pfn_hi || n->pfn_lo < d->start_pfn)
			faults++;
		if (prev && prev->pfn_hi >= n->pfn_lo)
			faults++;
	}
	return faults + (count != d->nr_nodes + 1);
}

#endif /* BENCH_IOVA_CACHED_NODE_H */

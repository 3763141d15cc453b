/* SPDX-License-Identifier: MIT */
/*
 * Shared by the tests/unit/pgtable_*.c tests: a platform with simulated
 * memory, recording flush ops, and a page table built from a few numbers.
 * Include after <cmocka.h>.
 */
#ifndef PGTABLE_TEST_H
#define PGTABLE_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smmukit/pgtable.h"
#include "smmukit/platform_posix.h"

/* What the page table asked its owner to do. */
struct flush_rec {
	unsigned flush_all;
	unsigned flush_walk;
	unsigned add_page;
	uint64_t walk_iova, walk_size, walk_granule;	/* last flush_walk */
	uint64_t add_bytes;	/* sum of add_page granules */
	uint64_t pgsize_bitmap;	/* add_page granules must be in it */
	bool bad;		/* a callback saw something wrong */
	int walk_ret;		/* what flush_walk answers (inject a failure) */
};

static void rec_flush_all(void *cookie)
{
	struct flush_rec *r = cookie;

	r->flush_all++;
}

static int rec_flush_walk(void *cookie, uint64_t iova, uint64_t size,
			  uint64_t granule)
{
	struct flush_rec *r = cookie;

	r->flush_walk++;
	r->walk_iova = iova;
	r->walk_size = size;
	r->walk_granule = granule;
	if (size == 0 || !(granule & r->pgsize_bitmap) || (iova & (granule - 1)))
		r->bad = true;
	return r->walk_ret;
}

static void rec_add_page(struct smmukit_iotlb_gather *g, void *cookie,
			 uint64_t iova, uint64_t granule)
{
	struct flush_rec *r = cookie;

	r->add_page++;
	r->add_bytes += granule;
	if (!(granule & r->pgsize_bitmap) || smmukit_pgtable_gather_queued(g))
		r->bad = true;
	smmukit_pgtable_gather_add_range(g, iova, granule);
}

static const struct smmukit_pgtable_flush_ops rec_flush_ops = {
	.flush_all = rec_flush_all,
	.flush_walk = rec_flush_walk,
	.add_page = rec_add_page,
};

static inline struct smmukit_platform *test_platform(bool record_syncs)
{
	struct smmukit_posix_config cfg = {
		.manual_clock = true,
		.nr_cpus = 4,
		.record_syncs = record_syncs,
		.log_level = SMMUKIT_LOG_WARN,
	};
	struct smmukit_platform *p = NULL;

	assert_int_equal(smmukit_posix_create(&cfg, &p), 0);
	return p;
}

static inline uint64_t test_pages_in_use(struct smmukit_platform *p)
{
	struct smmukit_posix_stats st;

	smmukit_posix_get_stats(p, &st);
	return st.pages_in_use;
}

/* Fill cfg for the given geometry; returns smmukit_pgtable_alloc's result. */
static inline int test_pgtable(struct smmukit_platform *p, unsigned stage,
			       uint64_t granule, unsigned ias, unsigned oas,
			       bool coherent, struct flush_rec *rec,
			       struct smmukit_pgtable_cfg *cfg,
			       struct smmukit_pgtable **out)
{
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	memset(rec, 0, sizeof(*rec));
	cfg->stage = stage;
	cfg->granule = granule;
	cfg->ias = ias;
	cfg->oas = oas;
	cfg->coherent_walk = coherent;
	cfg->flush_ops = &rec_flush_ops;
	cfg->cookie = rec;
	cfg->platform = p;
	ret = smmukit_pgtable_alloc(cfg, out);
	if (!ret)
		rec->pgsize_bitmap = cfg->pgsize_bitmap;
	return ret;
}

/* Count table pages (in 4K pages) reachable from the root, root included. */
struct count_ctx {
	uint64_t pages;
	uint64_t table_pages;	/* 4K pages per table */
	uint64_t leaves;
};

static int count_one(void *arg, smmukit_phys_t table_pa, unsigned level,
		     unsigned index, uint64_t desc)
{
	struct count_ctx *c = arg;

	if (level < 3 && (desc & 3) == 3)
		c->pages += c->table_pages;
	else
		c->leaves++;
	return 0;
}

static inline uint64_t test_table_pages(struct smmukit_pgtable *pgt,
					uint64_t *leaves)
{
	struct count_ctx c = { .table_pages = pgt->cfg.granule / SMMUKIT_PAGE_SIZE };
	uint64_t root = pgt->cfg.root_size < SMMUKIT_PAGE_SIZE ? 1 :
			pgt->cfg.root_size / SMMUKIT_PAGE_SIZE;

	assert_int_equal(smmukit_pgtable_walk(pgt, count_one, &c), 0);
	if (leaves)
		*leaves = c.leaves;
	return c.pages + root;
}

static inline bool test_translates(struct smmukit_pgtable *pgt, uint64_t iova,
				   uint64_t want_pa)
{
	smmukit_phys_t pa = 0;

	return smmukit_pgtable_iova_to_phys(pgt, iova, &pa) == 0 && pa == want_pa;
}

static inline bool test_unmapped(struct smmukit_pgtable *pgt, uint64_t iova)
{
	smmukit_phys_t pa;

	return smmukit_pgtable_iova_to_phys(pgt, iova, &pa) == -SMMUKIT_ENOENT;
}

#endif /* PGTABLE_TEST_H */

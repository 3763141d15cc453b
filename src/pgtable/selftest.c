/* SPDX-License-Identifier: MIT */
/*
 * The classic LPAE self-test, in the library so that any embedder (the tool,
 * a bare-metal harness on QEMU) can run it on its own platform: for every
 * stage x granule x ias <= oas, an empty table translates nothing, each page
 * size maps and translates, an overlapping map is refused, partial unmap of a
 * block is refused, full unmap and remap work, and the highest slot of the
 * input range maps and unmaps. The flush ops check their arguments.
 */
#include "smmukit/pgtable.h"

struct selftest_flush {
	unsigned flush_all;
	bool bad;
};

static void st_flush_all(void *cookie)
{
	((struct selftest_flush *)cookie)->flush_all++;
}

static int st_flush_walk(void *cookie, uint64_t iova, uint64_t size,
			  uint64_t granule)
{
	struct selftest_flush *c = cookie;

	if (!size || !granule || (iova & (granule - 1)))
		c->bad = true;
	return 0;
}

static const struct smmukit_pgtable_flush_ops selftest_flush_ops = {
	.flush_all = st_flush_all,
	.flush_walk = st_flush_walk,
};

static bool translates_to(struct smmukit_pgtable *pgt, uint64_t iova,
			  uint64_t want)
{
	smmukit_phys_t pa;

	return smmukit_pgtable_iova_to_phys(pgt, iova, &pa) == 0 && pa == want;
}

static bool unmapped(struct smmukit_pgtable *pgt, uint64_t iova)
{
	smmukit_phys_t pa;

	return smmukit_pgtable_iova_to_phys(pgt, iova, &pa) == -SMMUKIT_ENOENT;
}

/* Returns NULL on success, else what failed. */
static const char *selftest_one(struct smmukit_pgtable *pgt)
{
	const uint64_t gig = SMMUKIT_SZ_1G;
	const unsigned rwnc = SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE |
			      SMMUKIT_PROT_NOEXEC | SMMUKIT_PROT_CACHE;
	uint64_t bitmap = pgt->cfg.pgsize_bitmap, iova, size, largest;

	if (!unmapped(pgt, 42) || !unmapped(pgt, gig + 42) ||
	    !unmapped(pgt, 2 * gig + 42))
		return "empty table translates";
	iova = 0;
	for (uint64_t m = bitmap; m; m &= m - 1, iova += gig) {
		size = m & -m;
		if (smmukit_pgtable_map_pages(pgt, iova, iova, size, 1, rwnc, NULL))
			return "map of each page size";
		if (smmukit_pgtable_map_pages(pgt, iova, iova + size, size, 1,
					      SMMUKIT_PROT_READ, NULL) !=
		    -SMMUKIT_EEXIST)
			return "overlapping map not refused";
		if (!translates_to(pgt, iova + 42, iova + 42))
			return "translate";
	}
	size = bitmap & -bitmap;
	if (smmukit_pgtable_unmap_pages(pgt, gig + size, size, 1, NULL) !=
	    -SMMUKIT_EINVAL)
		return "partial unmap of a block not refused";
	iova = 0;
	for (uint64_t m = bitmap; m; m &= m - 1, iova += gig) {
		size = m & -m;
		if (smmukit_pgtable_unmap_pages(pgt, iova, size, 1, NULL) !=
		    (int64_t)size)
			return "unmap";
		if (!unmapped(pgt, iova + 42))
			return "translate after unmap";
		if (smmukit_pgtable_map_pages(pgt, iova, iova, size, 1,
					      SMMUKIT_PROT_WRITE, NULL))
			return "remap";
		if (!translates_to(pgt, iova + 42, iova + 42))
			return "translate after remap";
	}
	largest = UINT64_C(1) << smmukit_ilog2(bitmap);
	iova = (UINT64_C(1) << pgt->cfg.ias) - largest;
	if (smmukit_pgtable_map_pages(pgt, iova, 0, largest, 1, rwnc, NULL) ||
	    smmukit_pgtable_unmap_pages(pgt, iova, largest, 1, NULL) !=
		    (int64_t)largest)
		return "highest slot";
	return NULL;
}

int smmukit_pgtable_selftest(struct smmukit_platform *p,
			     smmukit_pgtable_selftest_fn report, void *arg,
			     struct smmukit_pgtable_selftest_summary *sum)
{
	static const uint64_t granules[] = { SMMUKIT_SZ_4K, SMMUKIT_SZ_16K,
					     SMMUKIT_SZ_64K };
	static const unsigned bits[] = { 32, 36, 40, 42, 44, 48, 52 };
	struct smmukit_pgtable_selftest_summary total = { 0 };

	if (!p)
		return -SMMUKIT_EINVAL;
	for (unsigned s = 1; s <= 2; s++)
	for (unsigned g = 0; g < SMMUKIT_ARRAY_SIZE(granules); g++)
	for (unsigned i = 0; i < SMMUKIT_ARRAY_SIZE(bits); i++)
	for (unsigned o = i; o < SMMUKIT_ARRAY_SIZE(bits); o++) {
		struct selftest_flush fl = { 0 };
		struct smmukit_pgtable_cfg cfg = {
			.stage = s, .granule = granules[g], .ias = bits[i],
			.oas = bits[o], .coherent_walk = true,
			.flush_ops = &selftest_flush_ops, .cookie = &fl,
			.platform = p,
		};
		struct smmukit_pgtable_selftest_result r = {
			.stage = s, .granule = granules[g], .ias = bits[i],
			.oas = bits[o],
		};
		struct smmukit_pgtable *pgt;

		/* 52-bit addresses exist only with the 64K granule. */
		if (bits[o] > 48 && granules[g] != SMMUKIT_SZ_64K)
			continue;
		r.alloc_ret = smmukit_pgtable_alloc(&cfg, &pgt);
		if (r.alloc_ret == -SMMUKIT_EINVAL) {
			/* The architecture has no such configuration. */
			total.refused++;
		} else if (r.alloc_ret) {
			r.failure = "page-table allocation";
		} else {
			r.levels = cfg.levels;
			r.failure = selftest_one(pgt);
			smmukit_pgtable_free(pgt);
			if (!r.failure && fl.bad)
				r.failure = "bad flush_walk arguments";
			if (!r.failure && fl.flush_all != 1)
				r.failure = "free did not flush once";
		}
		if (r.failure)
			total.fail++;
		else if (!r.alloc_ret)
			total.pass++;
		if (report)
			report(arg, &r);
	}
	if (sum)
		*sum = total;
	return total.fail ? -SMMUKIT_EIO : 0;
}

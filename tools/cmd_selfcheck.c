/* SPDX-License-Identifier: MIT */
/*
 * smmukit selfcheck: the page-table self-check over every granule, input size
 * and stage, with a one-screen summary (the main job of `make run` until the
 * strict/lazy comparison exists).
 *
 * Per configuration, the classic sequence: an empty table translates nothing;
 * each page size maps and translates; an overlapping map fails with -EEXIST;
 * a full unmap removes the translation and a remap restores it; the highest
 * slot of the input range maps and unmaps. Every table page must be returned.
 */
#include <stdlib.h>
#include <string.h>

#include "smmukit/pgtable.h"
#include "smmukit/platform_posix.h"
#include "tool.h"

struct check_ctx {
	unsigned flush_all, flush_walk, add_page;
};

static void count_flush_all(void *cookie)
{
	((struct check_ctx *)cookie)->flush_all++;
}

static void count_flush_walk(void *cookie, uint64_t iova, uint64_t size,
			     uint64_t granule)
{
	((struct check_ctx *)cookie)->flush_walk++;
}

static void count_add_page(struct smmukit_iotlb_gather *g, void *cookie,
			   uint64_t iova, uint64_t granule)
{
	((struct check_ctx *)cookie)->add_page++;
	smmukit_pgtable_gather_add_range(g, iova, granule);
}

static const struct smmukit_pgtable_flush_ops check_flush_ops = {
	.flush_all = count_flush_all,
	.flush_walk = count_flush_walk,
	.add_page = count_add_page,
};

struct config_result {
	unsigned stage, ias, oas, levels, start_level;
	uint64_t granule;
	unsigned checks, failures;
	const char *first_failure;
};

#define CHECK(res, cond, what)                                   \
	do {                                                     \
		(res)->checks++;                                 \
		if (!(cond)) {                                   \
			(res)->failures++;                       \
			if (!(res)->first_failure)               \
				(res)->first_failure = (what);   \
		}                                                \
	} while (0)

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

static void run_sequence(struct smmukit_pgtable *pgt, struct config_result *res)
{
	const uint64_t sizes = pgt->cfg.pgsize_bitmap;
	const uint64_t span = UINT64_C(1) << 30;
	uint64_t iova = 0, bit;
	struct smmukit_iotlb_gather g;
	const unsigned rw = SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE |
			    SMMUKIT_PROT_NOEXEC | SMMUKIT_PROT_CACHE;

	CHECK(res, unmapped(pgt, 42), "empty table translates 42");
	CHECK(res, unmapped(pgt, span + 42), "empty table translates 1G+42");

	/* Map each page size at 0, 1G, 2G, ... (identity), ascending. */
	for (uint64_t s = sizes; s; s &= s - 1) {
		bit = s & -s;
		if (iova + bit > (UINT64_C(1) << res->ias) ||
		    iova + bit > (UINT64_C(1) << res->oas))
			break;
		CHECK(res, smmukit_pgtable_map_pages(pgt, iova, iova, bit, 1, rw,
						     NULL) == 0,
		      "map each page size");
		CHECK(res, smmukit_pgtable_map_pages(pgt, iova, iova + bit, bit,
						     1, SMMUKIT_PROT_READ,
						     NULL) == -SMMUKIT_EEXIST,
		      "overlapping map fails with -EEXIST");
		CHECK(res, translates_to(pgt, iova + 42, iova + 42),
		      "translate mapped page");
		iova += span > bit ? span : bit;
	}

	/* Full unmap, then remap write-only, for each size. */
	iova = 0;
	for (uint64_t s = sizes; s; s &= s - 1) {
		bit = s & -s;
		if (iova + bit > (UINT64_C(1) << res->ias) ||
		    iova + bit > (UINT64_C(1) << res->oas))
			break;
		smmukit_pgtable_gather_init(&g);
		CHECK(res, smmukit_pgtable_unmap_pages(pgt, iova, bit, 1, &g) ==
				   (int64_t)bit,
		      "unmap returns the size");
		smmukit_pgtable_free_freelist(pgt->cfg.platform, &g);
		CHECK(res, unmapped(pgt, iova + 42), "unmapped page translates");
		CHECK(res, smmukit_pgtable_map_pages(pgt, iova, iova, bit, 1,
						     SMMUKIT_PROT_WRITE,
						     NULL) == 0,
		      "remap write-only");
		CHECK(res, translates_to(pgt, iova + 42, iova + 42),
		      "translate remapped page");
		iova += span > bit ? span : bit;
	}

	/* The highest slot of the input range, with the largest page size. */
	bit = UINT64_C(1) << smmukit_ilog2(sizes);
	iova = (UINT64_C(1) << res->ias) - bit;
	if (bit <= (UINT64_C(1) << res->oas) &&
	    iova >= (UINT64_C(1) << 32)) {	/* clear of the sequence above */
		uint64_t mapped = 0;

		CHECK(res, smmukit_pgtable_map_pages(pgt, iova, 0, bit, 1, rw,
						     &mapped) == 0 && mapped == bit,
		      "map the highest slot");
		smmukit_pgtable_gather_init(&g);
		CHECK(res, smmukit_pgtable_unmap_pages(pgt, iova, bit, 1, &g) ==
				   (int64_t)bit,
		      "unmap the highest slot");
		smmukit_pgtable_free_freelist(pgt->cfg.platform, &g);
	}
}

static int run_config(struct smmukit_platform *plat, struct config_result *res)
{
	struct check_ctx ctx = { 0 };
	struct smmukit_pgtable_cfg cfg = {
		.stage = res->stage, .granule = res->granule, .ias = res->ias,
		.oas = res->oas, .coherent_walk = true,
		.flush_ops = &check_flush_ops, .cookie = &ctx, .platform = plat,
	};
	struct smmukit_pgtable *pgt;
	struct smmukit_posix_stats st;
	int ret;

	ret = smmukit_pgtable_alloc(&cfg, &pgt);
	if (ret)
		return ret;
	res->levels = cfg.levels;
	res->start_level = cfg.start_level;
	run_sequence(pgt, res);
	smmukit_pgtable_free(pgt);
	smmukit_posix_get_stats(plat, &st);
	CHECK(res, st.pages_in_use == 0, "every table page returned");
	return 0;
}

static void usage(void)
{
	printf("usage: smmukit selfcheck [--json]\n"
	       "Runs the page-table self-check over stage 1 and 2, granules\n"
	       "4K/16K/64K and input sizes 32..48 (52 with 64K), OAS 48.\n");
}

int tool_cmd_selfcheck(int argc, char **argv);
int tool_cmd_selfcheck(int argc, char **argv)
{
	static const uint64_t granules[] = { SMMUKIT_SZ_4K, SMMUKIT_SZ_16K,
					     SMMUKIT_SZ_64K };
	static const unsigned ias_list[] = { 32, 36, 40, 42, 44, 48, 52 };
	struct smmukit_platform *plat;
	unsigned configs = 0, failed = 0, checks = 0;
	bool json = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage();
			return 0;
		} else
			tool_fail("selfcheck: unknown argument '%s'", argv[i]);
	}
	if (smmukit_posix_create(NULL, &plat))
		tool_fail("selfcheck: cannot create the platform");
	if (!json)
		printf("%-5s %-7s %-4s %-4s %-6s %-6s %s\n", "stage", "granule",
		       "ias", "oas", "levels", "checks", "result");
	for (unsigned stage = 1; stage <= 2; stage++) {
		for (size_t g = 0; g < SMMUKIT_ARRAY_SIZE(granules); g++) {
			for (size_t a = 0; a < SMMUKIT_ARRAY_SIZE(ias_list); a++) {
				struct config_result res = {
					.stage = stage, .granule = granules[g],
					.ias = ias_list[a],
					.oas = ias_list[a] == 52 ? 52 : 48,
				};
				int ret;

				if (res.ias == 52 && res.granule != SMMUKIT_SZ_64K)
					continue;
				ret = run_config(plat, &res);
				if (ret) {
					res.failures++;
					res.first_failure = "page table refused the configuration";
				}
				configs++;
				checks += res.checks;
				failed += res.failures != 0;
				if (json) {
					printf("{\"stage\":%u,\"granule\":%llu,\"ias\":%u,"
					       "\"oas\":%u,\"levels\":%u,\"checks\":%u,"
					       "\"failures\":%u}\n",
					       res.stage,
					       (unsigned long long)res.granule,
					       res.ias, res.oas, res.levels,
					       res.checks, res.failures);
				} else {
					printf("%-5u %-7s %-4u %-4u %-6u %-6u %s%s\n",
					       res.stage,
					       res.granule == SMMUKIT_SZ_4K ? "4K" :
					       res.granule == SMMUKIT_SZ_16K ? "16K" : "64K",
					       res.ias, res.oas, res.levels, res.checks,
					       res.failures ? "FAIL: " : "ok",
					       res.failures ? res.first_failure : "");
				}
			}
		}
	}
	smmukit_posix_destroy(plat);
	if (json)
		printf("{\"configs\":%u,\"checks\":%u,\"passed\":%u,\"failed\":%u}\n",
		       configs, checks, configs - failed, failed);
	else
		printf("\npage-table self-check: %u configurations, %u checks: "
		       "%u passed, %u failed\n",
		       configs, checks, configs - failed, failed);
	return failed ? 1 : 0;
}

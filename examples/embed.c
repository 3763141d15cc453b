/* SPDX-License-Identifier: MIT */
/*
 * A minimal embedding of smmukit through its public headers only: a hosted
 * platform, one stage-1 page table, a mapping translated and removed again.
 * An embedder with its own machine supplies its own struct smmukit_platform
 * instead of the POSIX backend.
 */
#include <stdio.h>

#include <smmukit/pgtable.h>
#include <smmukit/platform_posix.h>

/* With no SMMU behind it, there is nothing to invalidate. */
static void no_flush_all(void *cookie)
{
}

static int no_flush_walk(void *cookie, uint64_t iova, uint64_t size,
			  uint64_t granule)
{
	return 0;
}

static const struct smmukit_pgtable_flush_ops flush_ops = {
	.flush_all = no_flush_all,
	.flush_walk = no_flush_walk,
};

int main(void)
{
	struct smmukit_platform *plat;
	struct smmukit_pgtable *pgt;
	struct smmukit_dma_pages buf;
	smmukit_phys_t pa = 0;
	const uint64_t iova = 0x40000000;
	int ret;

	ret = smmukit_posix_create(NULL, &plat);
	if (ret) {
		fprintf(stderr, "platform: %s\n", smmukit_errname(ret));
		return 1;
	}
	struct smmukit_pgtable_cfg cfg = {
		.stage = 1, .granule = SMMUKIT_SZ_4K, .ias = 48, .oas = 48,
		.coherent_walk = true, .flush_ops = &flush_ops,
		.platform = plat,
	};
	ret = smmukit_pgtable_alloc(&cfg, &pgt);
	if (!ret)
		ret = smmukit_plat_alloc_pages(plat, 0, &buf);
	if (!ret)
		ret = smmukit_pgtable_map(pgt, iova, buf.pa, SMMUKIT_SZ_4K,
					  SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE,
					  NULL);
	if (!ret)
		ret = smmukit_pgtable_iova_to_phys(pgt, iova + 0x123, &pa);
	if (ret) {
		fprintf(stderr, "embed: %s\n", smmukit_errname(ret));
		return 1;
	}
	printf("stage-1 table at 0x%llx (%u levels): IOVA 0x%llx -> PA 0x%llx\n",
	       (unsigned long long)smmukit_pgtable_root_pa(pgt),
	       cfg.levels, (unsigned long long)(iova + 0x123),
	       (unsigned long long)pa);
	printf("unmapped %lld bytes\n",
	       (long long)smmukit_pgtable_unmap(pgt, iova, SMMUKIT_SZ_4K, NULL));
	smmukit_plat_free_pages(plat, &buf);
	smmukit_pgtable_free(pgt);
	smmukit_posix_destroy(plat);
	return pa == buf.pa + 0x123 ? 0 : 1;
}

/* SPDX-License-Identifier: MIT */
/*
 * The library keeps no global state: two SMMUs, each with its own platform
 * and model, live in one process, with domains that use the same IOVAs, ASIDs
 * and stream IDs, and nothing done to one shows in the other.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "smmu_harness.h"

#define IOVA_X UINT64_C(0x40000000)

static void test_two_smmus_independent(void **state)
{
	struct harness a, b;
	struct smmukit_iommu_drv_domain *da, *db;
	uint32_t sid = 0x10;
	struct smmukit_iommu_drv_device dev = { &sid, 1 };
	struct smmukit_dma_pages pa, pb;
	struct smmukit_iotlb_gather g;
	unsigned char buf[4];

	h_up(&a, "ril");
	h_up(&b, "stages=s2,strtab=linear");
	pa = h_buf(&a, 0, 0xaa);
	pb = h_buf(&b, 0, 0xbb);
	assert_int_equal(smmukit_iommu_drv_domain_alloc(a.iommu, NULL, &da), 0);
	assert_int_equal(smmukit_iommu_drv_domain_alloc(b.iommu, NULL, &db), 0);
	/* Same stream ID and IOVA on both SMMUs. */
	assert_int_equal(smmukit_iommu_drv_attach_dev(da, &dev), 0);
	assert_int_equal(smmukit_iommu_drv_attach_dev(db, &dev), 0);
	assert_int_equal(smmukit_iommu_drv_map_pages(da, IOVA_X, pa.pa, SMMUKIT_SZ_4K, 1,
						 SMMUKIT_PROT_READ, NULL), 0);
	assert_int_equal(smmukit_iommu_drv_map_pages(db, IOVA_X, pb.pa, SMMUKIT_SZ_4K, 1,
						 SMMUKIT_PROT_READ, NULL), 0);
	assert_int_equal(h_dma_read(&a, sid, IOVA_X, buf, 4), 0);
	assert_int_equal(buf[0], 0xaa);
	assert_int_equal(h_dma_read(&b, sid, IOVA_X, buf, 4), 0);
	assert_int_equal(buf[0], 0xbb);

	/* A strict unmap on A leaves B's translation, TLB and queue alone. */
	smmukit_pgtable_gather_init(&g);
	assert_int_equal(smmukit_iommu_drv_unmap_pages(da, IOVA_X, SMMUKIT_SZ_4K, 1, &g),
			 (int64_t)SMMUKIT_SZ_4K);
	assert_int_equal(smmukit_iommu_drv_iotlb_sync(da, &g), 0);
	assert_int_equal(h_dma_read(&a, sid, IOVA_X, buf, 4), SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(h_dma_read(&b, sid, IOVA_X, buf, 4), 0);
	assert_int_equal(buf[0], 0xbb);
	assert_int_equal(h_mstats(&b).cerrors, 0);
	assert_int_equal(h_mstats(&b).stale_unmapped + h_mstats(&b).stale_reused, 0);
	assert_int_equal(smmukit_smmu_handle_evtq_irq(a.s), 1);
	assert_int_equal(smmukit_smmu_handle_evtq_irq(b.s), 0);
	assert_int_equal(a.nr_events, 1);
	assert_int_equal(b.nr_events, 0);

	assert_int_equal(smmukit_iommu_drv_detach_dev(da, &dev), 0);
	assert_int_equal(smmukit_iommu_drv_detach_dev(db, &dev), 0);
	assert_int_equal(smmukit_iommu_drv_domain_free(da), 0);
	assert_int_equal(smmukit_iommu_drv_domain_free(db), 0);
	smmukit_plat_free_pages(a.p, &pa);
	smmukit_plat_free_pages(b.p, &pb);
	h_down(&a);
	h_down(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_smmus_independent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * Bad input through iommu_ops: every refusal is a negative errno with no
 * state change (checked by DMA through the streams and by the model's
 * command count); allocation-failure sweeps over domain_alloc and attach.
 */
#include "smmu_harness.h"

#define IOVA UINT64_C(0x30000000)
#define RW (SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE)

static uint64_t cmds_consumed(struct harness *h)
{
	return h_mstats(h).cmds;
}

static void test_attach_detach_errors(void **state)
{
	struct harness h;
	struct smmukit_iommu_drv_domain *a, *b;
	uint32_t s1[] = { 1, 2 };
	uint32_t s2[] = { 2, 3 };
	uint32_t dup[] = { 4, 4 };
	uint32_t bad[] = { 5, 1u << 16 };
	uint32_t three = 3;
	struct smmukit_iommu_drv_device d1 = { s1, 2 }, d2 = { s2, 2 };
	struct smmukit_iommu_drv_device ddup = { dup, 2 }, dbad = { bad, 2 };
	struct smmukit_iommu_drv_device d3 = { &three, 1 }, dnone = { s1, 0 };
	struct smmukit_iommu_drv_device dnull = { NULL, 1 };
	struct smmukit_dma_pages pa, pb;
	unsigned char v;
	uint64_t before;

	h_up(&h, "sidsize=16");
	pa = h_buf(&h, 0, 0xaa);
	pb = h_buf(&h, 0, 0xbb);
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, NULL, &a), 0);
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, NULL, &b), 0);
	assert_int_equal(smmukit_iommu_drv_map_pages(a, IOVA, pa.pa, SMMUKIT_SZ_4K, 1, RW, NULL), 0);
	assert_int_equal(smmukit_iommu_drv_map_pages(b, IOVA, pb.pa, SMMUKIT_SZ_4K, 1, RW, NULL), 0);
	assert_int_equal(smmukit_iommu_drv_attach_dev(a, &d1), 0);

	before = cmds_consumed(&h);
	assert_int_equal(smmukit_iommu_drv_attach_dev(a, &d1), -SMMUKIT_EEXIST);
	assert_int_equal(smmukit_iommu_drv_attach_dev(b, &d2), -SMMUKIT_EBUSY);
	assert_int_equal(smmukit_iommu_drv_attach_dev(b, &ddup), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iommu_drv_attach_dev(b, &dbad), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iommu_drv_attach_dev(b, &dnone), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iommu_drv_attach_dev(b, &dnull), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iommu_drv_attach_dev(b, NULL), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iommu_drv_detach_dev(b, &d1), -SMMUKIT_ENOENT);
	assert_int_equal(smmukit_iommu_drv_detach_dev(a, &d2), -SMMUKIT_ENOENT);
	assert_int_equal(smmukit_iommu_drv_detach_dev(a, &d3), -SMMUKIT_ENOENT);
	assert_int_equal(smmukit_iommu_drv_domain_free(a), -SMMUKIT_EBUSY);
	/* Nothing reached the hardware, and the streams still route to a. */
	assert_int_equal(cmds_consumed(&h), before);
	assert_int_equal(h_dma_read(&h, 1, IOVA, &v, 1), 0);
	assert_int_equal(v, 0xaa);
	assert_int_equal(h_dma_read(&h, 2, IOVA, &v, 1), 0);
	assert_int_equal(v, 0xaa);
	assert_int_equal(h_dma_read(&h, 3, IOVA, &v, 1), SMMUKIT_MODEL_ABORT);

	/* Move stream 2 to b: detach from a, attach to b. */
	{
		uint32_t two = 2;
		struct smmukit_iommu_drv_device dtwo = { &two, 1 };

		assert_int_equal(smmukit_iommu_drv_detach_dev(a, &dtwo), 0);
		assert_int_equal(h_dma_read(&h, 2, IOVA, &v, 1), SMMUKIT_MODEL_ABORT);
		assert_int_equal(smmukit_iommu_drv_attach_dev(b, &d2), 0);
		assert_int_equal(h_dma_read(&h, 2, IOVA, &v, 1), 0);
		assert_int_equal(v, 0xbb);
		assert_int_equal(h_dma_read(&h, 3, IOVA, &v, 1), 0);
		assert_int_equal(v, 0xbb);
		assert_int_equal(h_dma_read(&h, 1, IOVA, &v, 1), 0);
		assert_int_equal(v, 0xaa);
		{
			uint32_t one = 1;
			struct smmukit_iommu_drv_device done = { &one, 1 };

			assert_int_equal(smmukit_iommu_drv_detach_dev(a, &done), 0);
		}
	}
	assert_int_equal(smmukit_iommu_drv_detach_dev(b, &d2), 0);
	assert_int_equal(h_mstats(&h).stale_reused, 0);

	/* Freed domains refuse everything. */
	assert_int_equal(smmukit_iommu_drv_domain_free(a), 0);
	{
		struct smmukit_iotlb_gather g;
		smmukit_phys_t pa_out;
		uint64_t mapped = 7;

		smmukit_pgtable_gather_init(&g);
		assert_int_equal(smmukit_iommu_drv_domain_free(a), -SMMUKIT_EINVAL);
		assert_int_equal(smmukit_iommu_drv_map_pages(a, IOVA + SMMUKIT_SZ_4K, pa.pa,
							 SMMUKIT_SZ_4K, 1, RW, &mapped),
				 -SMMUKIT_EINVAL);
		assert_int_equal(mapped, 0);
		assert_int_equal(smmukit_iommu_drv_unmap_pages(a, IOVA, SMMUKIT_SZ_4K, 1, &g),
				 -SMMUKIT_EINVAL);
		assert_int_equal(smmukit_iommu_drv_iotlb_sync(a, &g), -SMMUKIT_EINVAL);
		assert_int_equal(smmukit_iommu_drv_flush_iotlb_all(a), -SMMUKIT_EINVAL);
		assert_int_equal(smmukit_iommu_drv_iova_to_phys(a, IOVA, &pa_out), -SMMUKIT_EINVAL);
		assert_int_equal(smmukit_iommu_drv_attach_dev(a, &d1), -SMMUKIT_EINVAL);
		assert_int_equal(smmukit_iommu_drv_detach_dev(a, &d1), -SMMUKIT_EINVAL);
	}
	assert_int_equal(smmukit_iommu_drv_domain_free(b), 0);
	smmukit_plat_free_pages(h.p, &pa);
	smmukit_plat_free_pages(h.p, &pb);
	h_down(&h);
}

static void test_domain_alloc_errors(void **state)
{
	struct harness h;
	struct smmukit_iommu_drv_domain *d = NULL;
	struct smmukit_iommu_drv_domain_cfg c;

	h_up(&h, "stages=s1,gran=4k");
	c = (struct smmukit_iommu_drv_domain_cfg){ .stage = 2 };
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, &c, &d), -SMMUKIT_EINVAL);
	c = (struct smmukit_iommu_drv_domain_cfg){ .stage = 3 };
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, &c, &d), -SMMUKIT_EINVAL);
	c = (struct smmukit_iommu_drv_domain_cfg){ .granule = SMMUKIT_SZ_64K };
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, &c, &d), -SMMUKIT_EINVAL);
	c = (struct smmukit_iommu_drv_domain_cfg){ .granule = 8192 };
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, &c, &d), -SMMUKIT_EINVAL);
	c = (struct smmukit_iommu_drv_domain_cfg){ .ias = 52 };
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, &c, &d), -SMMUKIT_EINVAL);
	c = (struct smmukit_iommu_drv_domain_cfg){ .oas = 20 };
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, &c, &d), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, NULL, NULL), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iommu_drv_domain_alloc(NULL, NULL, &d), -SMMUKIT_EINVAL);
	assert_null(d);
	c = (struct smmukit_iommu_drv_domain_cfg){ .ias = 39 };
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, &c, &d), 0);
	assert_int_equal(d->ias, 39);
	assert_int_equal(d->stage, 1);
	assert_int_equal(d->granule, SMMUKIT_SZ_4K);
	assert_true(smmukit_iommu_drv_capable(h.iommu, SMMUKIT_IOMMU_DRV_CAP_DEFERRED_FLUSH));
	assert_false(smmukit_iommu_drv_capable(h.iommu, (enum smmukit_iommu_drv_cap)99));
	assert_int_equal(smmukit_iommu_drv_domain_free(d), 0);
	h_down(&h);
}

/* ASIDs run out: 8-bit ASIDs give 255 domains, then -ENOSPC. */
static void test_asid_exhaustion(void **state)
{
	struct harness h;
	static struct smmukit_iommu_drv_domain *d[256];
	struct smmukit_iommu_drv_domain *extra;
	unsigned n = 0;

	h_up(&h, "asid16=0,stages=s1");
	while (n < 256 && smmukit_iommu_drv_domain_alloc(h.iommu, NULL, &d[n]) == 0)
		n++;
	assert_int_equal(n, 255);
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, NULL, &extra), -SMMUKIT_ENOSPC);
	assert_int_equal(smmukit_iommu_drv_domain_free(d[100]), 0);
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, NULL, &extra), 0);
	{
		uint32_t asid;

		assert_int_equal(smmukit_smmu_domain_tag(extra, &asid, NULL), 0);
		assert_int_equal(asid, 101);
	}
	d[100] = extra;
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(smmukit_iommu_drv_domain_free(d[i]), 0);
	/* domain_tag refuses NULL, foreign and freed domains. */
	{
		struct smmukit_iommu_drv_domain orphan = { 0 };
		uint32_t asid = 77, vmid = 77;

		assert_int_equal(smmukit_smmu_domain_tag(NULL, &asid, &vmid), -SMMUKIT_EINVAL);
		assert_int_equal(smmukit_smmu_domain_tag(&orphan, &asid, &vmid), -SMMUKIT_EINVAL);
		assert_int_equal(smmukit_smmu_domain_tag(d[0], &asid, &vmid), -SMMUKIT_EINVAL);
		assert_int_equal(asid, 77);
		assert_int_equal(vmid, 77);
	}
	h_down(&h);
}

/* Allocation failures in domain_alloc and attach: clean errors, no leak. */
static void test_alloc_failure_sweeps(void **state)
{
	struct harness h;
	uint64_t pages;
	uint32_t sids[] = { 0x1001, 0x2002 };
	struct smmukit_iommu_drv_device dev = { sids, 2 };
	struct smmukit_iommu_drv_domain *d;
	unsigned char v;

	h_up(&h, "strtab=2lvl");
	pages = h_pages(&h);
	for (uint64_t n = 1;; n++) {
		int ret;

		d = NULL;
		smmukit_posix_fail_nth_alloc(h.p, n);
		ret = smmukit_iommu_drv_domain_alloc(h.iommu, NULL, &d);
		smmukit_posix_fail_nth_alloc(h.p, 0);
		if (ret == 0)
			break;
		assert_int_equal(ret, -SMMUKIT_ENOMEM);
		assert_int_equal(h_pages(&h), pages);
	}
	for (uint64_t n = 1;; n++) {
		int ret;

		smmukit_posix_fail_nth_alloc(h.p, n);
		ret = smmukit_iommu_drv_attach_dev(d, &dev);
		smmukit_posix_fail_nth_alloc(h.p, 0);
		if (ret == 0)
			break;
		assert_int_equal(ret, -SMMUKIT_ENOMEM);
		/* Still not attached: the streams abort or are unknown. */
		assert_true(h_dma_read(&h, 0x1001, IOVA, &v, 1) != 0);
		assert_int_equal(smmukit_iommu_drv_detach_dev(d, &dev), -SMMUKIT_ENOENT);
	}
	assert_int_equal(h_dma_read(&h, 0x2002, IOVA, &v, 1), SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(smmukit_iommu_drv_detach_dev(d, &dev), 0);
	assert_int_equal(smmukit_iommu_drv_domain_free(d), 0);
	h_down(&h);
}

/* Unattached streams may bypass, by configuration. */
static void test_bypass_unattached(void **state)
{
	struct harness h;
	struct smmukit_smmu_config cfg = { .bypass_unattached = true };
	struct smmukit_dma_pages pg;
	unsigned char v = 0;

	h_up_cfg(&h, "strtab=linear,sidsize=6", &cfg);
	pg = h_buf(&h, 0, 0x3c);
	assert_int_equal(h_dma_read(&h, 9, pg.pa + 5, &v, 1), 0);
	assert_int_equal(v, 0x3c);
	assert_int_equal(smmukit_smmu_init_stream(h.s, 9), 0);
	assert_int_equal(smmukit_smmu_init_stream(h.s, 64), -SMMUKIT_EINVAL);
	smmukit_plat_free_pages(h.p, &pg);
	h_down(&h);
}

/*
 * 2-level: bypass only for streams pre-created with init_stream, whatever
 * happened to a neighbour in the same level-2 table (history-independent).
 */
static void test_bypass_unattached_2lvl(void **state)
{
	struct harness h;
	struct smmukit_smmu_config cfg = { .bypass_unattached = true };
	struct smmukit_iommu_drv_domain *d;
	struct smmukit_dma_pages pg;
	uint32_t six = 6, five = 5;
	struct smmukit_iommu_drv_device d6 = { &six, 1 }, d5 = { &five, 1 };
	unsigned char v = 0;

	h_up_cfg(&h, "strtab=2lvl,sidsize=16", &cfg);
	pg = h_buf(&h, 0, 0x3c);
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, NULL, &d), 0);
	/* No level-2 table yet: C_BAD_STREAMID. */
	assert_int_equal(h_dma_read(&h, 5, pg.pa + 5, &v, 1),
			 SMMUV3_EVT_C_BAD_STREAMID);
	/* A neighbour's attach + detach creates the table: 5 still does not
	 * bypass, and neither does 6 (never initialised) after its detach. */
	assert_int_equal(smmukit_iommu_drv_attach_dev(d, &d6), 0);
	assert_int_equal(smmukit_iommu_drv_detach_dev(d, &d6), 0);
	assert_int_equal(h_dma_read(&h, 5, pg.pa + 5, &v, 1), SMMUKIT_MODEL_ABORT);
	assert_int_equal(h_dma_read(&h, 6, pg.pa + 5, &v, 1), SMMUKIT_MODEL_ABORT);
	/* Pre-created streams bypass, before and after an attach. */
	assert_int_equal(smmukit_smmu_init_stream(h.s, 5), 0);
	assert_int_equal(smmukit_smmu_init_stream(h.s, 5), 0);
	v = 0;
	assert_int_equal(h_dma_read(&h, 5, pg.pa + 5, &v, 1), 0);
	assert_int_equal(v, 0x3c);
	assert_int_equal(smmukit_iommu_drv_attach_dev(d, &d5), 0);
	assert_int_equal(h_dma_read(&h, 5, pg.pa + 5, &v, 1), SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(smmukit_iommu_drv_detach_dev(d, &d5), 0);
	v = 0;
	assert_int_equal(h_dma_read(&h, 5, pg.pa + 5, &v, 1), 0);
	assert_int_equal(v, 0x3c);
	/* A stream in a level-2 table nothing created yet. */
	assert_int_equal(smmukit_smmu_init_stream(h.s, 0x1234), 0);
	v = 0;
	assert_int_equal(h_dma_read(&h, 0x1234, pg.pa + 5, &v, 1), 0);
	assert_int_equal(v, 0x3c);
	assert_int_equal(h_dma_read(&h, 0x1235, pg.pa + 5, &v, 1), SMMUKIT_MODEL_ABORT);
	assert_int_equal(smmukit_smmu_init_stream(h.s, 1u << 16), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iommu_drv_domain_free(d), 0);
	(void)smmukit_smmu_handle_evtq_irq(h.s);
	smmukit_plat_free_pages(h.p, &pg);
	h_down(&h);
}

/* IDENTITY (passthrough) and BLOCKED domains: STE recipes, no tables. */
static void test_identity_and_blocked(void **state)
{
	struct harness h;
	struct smmukit_iommu_drv_domain_cfg ci = { .kind = SMMUKIT_IOMMU_DRV_DOMAIN_IDENTITY };
	struct smmukit_iommu_drv_domain_cfg cb = { .kind = SMMUKIT_IOMMU_DRV_DOMAIN_BLOCKED };
	struct smmukit_iommu_drv_domain_cfg cx = { .kind = (enum smmukit_iommu_drv_domain_kind)7 };
	struct smmukit_iommu_drv_domain *id, *bl, *pg, *x = NULL;
	uint32_t sid = 0x77;
	struct smmukit_iommu_drv_device dev = { &sid, 1 };
	struct smmukit_dma_pages buf;
	struct smmukit_iotlb_gather g;
	smmukit_phys_t pa;
	unsigned char v = 0;

	h_up(&h, "checking");
	buf = h_buf(&h, 0, 0x5e);
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, &cx, &x), -SMMUKIT_EINVAL);
	assert_null(x);
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, &ci, &id), 0);
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, &cb, &bl), 0);
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, NULL, &pg), 0);
	assert_int_equal(id->kind, SMMUKIT_IOMMU_DRV_DOMAIN_IDENTITY);
	assert_int_equal(pg->kind, SMMUKIT_IOMMU_DRV_DOMAIN_PAGING);
	assert_int_equal(smmukit_iommu_drv_map_pages(id, IOVA, buf.pa, SMMUKIT_SZ_4K, 1, RW, NULL),
			 -SMMUKIT_EOPNOTSUPP);
	assert_int_equal(smmukit_iommu_drv_map_pages(bl, IOVA, buf.pa, SMMUKIT_SZ_4K, 1, RW, NULL),
			 -SMMUKIT_EOPNOTSUPP);
	smmukit_pgtable_gather_init(&g);
	assert_int_equal(smmukit_iommu_drv_unmap_pages(id, IOVA, SMMUKIT_SZ_4K, 1, &g),
			 -SMMUKIT_EOPNOTSUPP);
	assert_int_equal(smmukit_iommu_drv_iotlb_sync(id, &g), 0);
	assert_int_equal(smmukit_iommu_drv_flush_iotlb_all(bl), 0);
	assert_int_equal(smmukit_iommu_drv_iova_to_phys(id, 0x1234, &pa), 0);
	assert_int_equal(pa, 0x1234);
	assert_int_equal(smmukit_iommu_drv_iova_to_phys(bl, 0x1234, &pa), -SMMUKIT_ENOENT);

	/* Passthrough: the device reaches physical addresses directly. */
	assert_int_equal(smmukit_iommu_drv_attach_dev(id, &dev), 0);
	assert_int_equal(h_dma_read(&h, sid, buf.pa + 9, &v, 1), 0);
	assert_int_equal(v, 0x5e);
	assert_int_equal(smmukit_iommu_drv_domain_free(id), -SMMUKIT_EBUSY);
	/* Move to a paging domain, then to blocked. */
	assert_int_equal(smmukit_iommu_drv_detach_dev(id, &dev), 0);
	assert_int_equal(smmukit_iommu_drv_map_pages(pg, IOVA, buf.pa, SMMUKIT_SZ_4K, 1, RW, NULL), 0);
	assert_int_equal(smmukit_iommu_drv_attach_dev(pg, &dev), 0);
	assert_int_equal(h_dma_read(&h, sid, buf.pa + 9, &v, 1), SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(h_dma_read(&h, sid, IOVA + 9, &v, 1), 0);
	assert_int_equal(smmukit_iommu_drv_detach_dev(pg, &dev), 0);
	assert_int_equal(smmukit_iommu_drv_attach_dev(bl, &dev), 0);
	assert_int_equal(h_dma_read(&h, sid, IOVA + 9, &v, 1), SMMUKIT_MODEL_ABORT);
	assert_int_equal(h_dma_read(&h, sid, buf.pa, &v, 1), SMMUKIT_MODEL_ABORT);
	assert_int_equal(smmukit_iommu_drv_detach_dev(bl, &dev), 0);
	assert_int_equal(h_mstats(&h).stale_unmapped, 0);
	assert_int_equal(smmukit_iommu_drv_domain_free(id), 0);
	assert_int_equal(smmukit_iommu_drv_domain_free(bl), 0);
	assert_int_equal(smmukit_iommu_drv_domain_free(pg), 0);
	assert_int_equal(smmukit_iommu_drv_domain_free(id), -SMMUKIT_EINVAL);
	(void)smmukit_smmu_handle_evtq_irq(h.s);
	smmukit_plat_free_pages(h.p, &buf);
	h_down(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attach_detach_errors),
		cmocka_unit_test(test_domain_alloc_errors),
		cmocka_unit_test(test_asid_exhaustion),
		cmocka_unit_test(test_alloc_failure_sweeps),
		cmocka_unit_test(test_bypass_unattached),
		cmocka_unit_test(test_bypass_unattached_2lvl),
		cmocka_unit_test(test_identity_and_blocked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

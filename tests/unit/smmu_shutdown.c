/* SPDX-License-Identifier: MIT */
/*
 * Shutdown must leave DMA aborting, with or without GBPA; and the
 * embedder's bound on stream IDs (config.sid_bits) sizes the stream table.
 *
 * An SMMU without GBPA (QEMU before 8.0, the model's no_gbpa) bypasses
 * every stream while SMMUEN=0, so a driver that disables it on destroy hands
 * physical memory to every device. The driver reads GBPA.ABORT back and,
 * where it did not stick, stays enabled with every stream aborting and keeps
 * the stream table (the only memory the SMMU still reads).
 */
#include "smmu_harness.h"

/* Write 32 bytes as sid at the physical address of a page we own: 0 if the
 * write went through (bypass), else the fault/abort; memory tells too. */
static int dma_to_own_page(struct harness *h, uint32_t sid, bool *landed)
{
	struct smmukit_dma_pages pg = h_buf(h, 0, 0);
	unsigned char wr[32];
	int ret;

	memset(wr, 0xee, sizeof(wr));
	ret = h_dma_write(h, sid, pg.pa + 128, wr, sizeof(wr));
	*landed = ((unsigned char *)pg.cpu)[128] == 0xee;
	smmukit_plat_free_pages(h->p, &pg);
	return ret;
}

/* Attach sid to a stage-1 domain, map a page, use it, tear it down. */
static void use_sid(struct harness *h, uint32_t sid)
{
	struct smmukit_iommu_drv_domain_cfg dc = { .stage = 1 };
	struct smmukit_iommu_drv_device dev = { &sid, 1 };
	struct smmukit_iommu_drv_domain *dom = NULL;
	struct smmukit_dma_pages pg = h_buf(h, 0, 0x5a);
	struct smmukit_iotlb_gather g;
	unsigned char buf[16];
	uint64_t mapped;

	assert_int_equal(smmukit_iommu_drv_domain_alloc(h->iommu, &dc, &dom), 0);
	assert_int_equal(smmukit_iommu_drv_attach_dev(dom, &dev), 0);
	assert_int_equal(smmukit_iommu_drv_map_pages(dom, 0x100000, pg.pa, 4096, 1,
						     SMMUKIT_PROT_READ, &mapped), 0);
	assert_int_equal(h_dma_read(h, sid, 0x100000, buf, sizeof(buf)), 0);
	assert_int_equal(buf[15], 0x5a);
	smmukit_pgtable_gather_init(&g);
	assert_int_equal(smmukit_iommu_drv_unmap_pages(dom, 0x100000, 4096, 1, &g),
			 4096);
	assert_int_equal(smmukit_iommu_drv_iotlb_sync(dom, &g), 0);
	assert_int_equal(smmukit_iommu_drv_detach_dev(dom, &dev), 0);
	assert_int_equal(smmukit_iommu_drv_domain_free(dom), 0);
	smmukit_plat_free_pages(h->p, &pg);
}

static uint32_t reg32(struct harness *h, uint64_t off)
{
	struct smmukit_mmio mm = smmukit_model_mmio(h->m);

	return mm.ops->read32(mm.ctx, off);
}

/* After destroy: which streams may still reach memory, and what is kept. */
static void shutdown_case(const char *keys, bool bypass_unattached,
			  bool expect_parked, uint64_t kept_pages)
{
	struct smmukit_smmu_config cfg = { 0 };
	struct harness h;
	bool landed;
	uint64_t before;

	cfg.bypass_unattached = bypass_unattached;
	h_up_cfg(&h, keys, &cfg);
	use_sid(&h, 3);
	use_sid(&h, 300);
	/* The table is in use: nothing bypasses while enabled, unless asked. */
	if (!bypass_unattached) {
		assert_int_not_equal(dma_to_own_page(&h, 7, &landed), 0);
		assert_false(landed);
	}
	smmukit_smmu_destroy(h.s);
	h.s = NULL;
	before = h_pages(&h);
	if (expect_parked) {
		/* Still enabled, queues off, tables kept. */
		assert_int_equal(reg32(&h, SMMUV3_CR0), (uint32_t)CR0_SMMUEN);
		assert_int_equal(before - h.base_pages, kept_pages);
	} else {
		assert_int_equal(reg32(&h, SMMUV3_CR0), 0);
		assert_true(reg32(&h, SMMUV3_GBPA) & GBPA_ABORT);
		assert_int_equal(before, h.base_pages);
	}
	for (uint32_t sid = 0; sid < 512; sid += 3) {
		assert_int_not_equal(dma_to_own_page(&h, sid, &landed), 0);
		assert_false(landed);
	}
	/* The model's checker: no cached entry points into freed memory. */
	assert_int_equal(h_mstats(&h).free_violations, 0);
	smmukit_model_destroy(h.m);
	smmukit_posix_destroy(h.p);
}

/* With GBPA: disabled and aborting, everything freed. */
static void test_gbpa_disables(void **state)
{
	shutdown_case("strtab=linear,sidsize=10", false, false, 0);
	shutdown_case("sidsize=16", true, false, 0);
}

/*
 * Without GBPA: disabling would bypass (the old driver's behaviour, which
 * failed here). Linear: 2^10 STEs x 64 B = 16 pages kept; 2-level: the
 * level-1 table of 2^(16-8) descriptors x 8 B = 1 page kept.
 */
static void test_no_gbpa_stays_on_aborting(void **state)
{
	shutdown_case("strtab=linear,sidsize=10,no_gbpa", false, true, 16);
	shutdown_case("strtab=linear,sidsize=10,no_gbpa", true, true, 16);
	shutdown_case("sidsize=16,no_gbpa", false, true, 1);
	shutdown_case("sidsize=16,no_gbpa", true, true, 1);
}

/* The model without GBPA really bypasses while disabled (the hazard). */
static void test_no_gbpa_model_bypasses(void **state)
{
	struct harness h;
	struct smmukit_mmio mm;
	bool landed;

	h_model(&h, "no_gbpa");
	mm = smmukit_model_mmio(h.m);
	mm.ops->write32(mm.ctx, SMMUV3_GBPA, (uint32_t)(GBPA_UPDATE | GBPA_ABORT));
	assert_int_equal(reg32(&h, SMMUV3_GBPA), 0);
	assert_int_equal(dma_to_own_page(&h, 1, &landed), 0);
	assert_true(landed);
	h_down(&h);
}

/* A reset of a running SMMU without GBPA warns about the bypass window,
 * and still comes back translating. */
static void test_no_gbpa_reset(void **state)
{
	struct harness h;

	h_up(&h, "no_gbpa,sidsize=12");
	assert_int_equal(smmukit_smmu_reset(h.s), 0);
	use_sid(&h, 5);
	smmukit_smmu_destroy(h.s);
	/* The level-1 table (2^4 descriptors) stays with the SMMU. */
	assert_int_equal(h_pages(&h) - h.base_pages, 1);
	assert_int_equal(h_mstats(&h).free_violations, 0);
	smmukit_model_destroy(h.m);
	smmukit_posix_destroy(h.p);
}

static void test_sid_bits(void **state)
{
	static const struct {
		const char *keys;
		bool linear;
		unsigned sid_bits, want_log2;
		bool two_level;
	} cases[] = {
		/* A linear table of every SID is 2^16 x 64 B = 4 MiB. */
		{ "sidsize=16", true, 0, 16, false },
		{ "sidsize=16", true, 8, 8, false },
		{ "sidsize=16", false, 12, 12, true },
		{ "sidsize=16", false, 8, 8, false },	/* <= SPLIT: linear */
		{ "sidsize=10", true, 20, 10, false },	/* clamped to SIDSIZE */
	};

	for (size_t i = 0; i < SMMUKIT_ARRAY_SIZE(cases); i++) {
		struct smmukit_smmu_config cfg = { 0 };
		struct smmukit_iommu_drv_domain_cfg dc = { .stage = 1 };
		struct smmukit_iommu_drv_domain *dom = NULL;
		struct smmukit_smmu_info in;
		struct harness h;
		uint32_t last = (UINT32_C(1) << cases[i].want_log2) - 1;
		uint32_t beyond = last + 1;
		struct smmukit_iommu_drv_device ok_dev = { &last, 1 };
		struct smmukit_iommu_drv_device bad_dev = { &beyond, 1 };
		uint64_t table_pages;

		cfg.force_linear_strtab = cases[i].linear;
		cfg.sid_bits = cases[i].sid_bits;
		h_up_cfg(&h, cases[i].keys, &cfg);
		assert_int_equal(smmukit_smmu_get_info(h.s, &in), 0);
		assert_int_equal(in.strtab_log2, cases[i].want_log2);
		assert_int_equal(in.strtab_2lvl_used, cases[i].two_level);
		table_pages = h_pages(&h) - h.base_pages;
		if (!cases[i].two_level)
			/* The linear table dominates what probe allocated. */
			assert_true(table_pages >=
				    ((UINT64_C(64) << cases[i].want_log2) >> 12));
		if (cases[i].linear && cases[i].sid_bits == 8)
			assert_true(table_pages < 64);	/* not 4 MiB */
		assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, &dc, &dom), 0);
		assert_int_equal(smmukit_iommu_drv_attach_dev(dom, &ok_dev), 0);
		if (cases[i].want_log2 < 16 || cases[i].sid_bits)
			assert_int_equal(smmukit_iommu_drv_attach_dev(dom, &bad_dev),
					 -SMMUKIT_EINVAL);
		assert_int_equal(smmukit_iommu_drv_detach_dev(dom, &ok_dev), 0);
		assert_int_equal(smmukit_iommu_drv_domain_free(dom), 0);
		h_down(&h);
	}
	/* More than 32 bits is a bad configuration. */
	{
		struct smmukit_smmu_config cfg;
		struct smmukit_smmu *s = NULL;
		struct harness h;

		h_model(&h, NULL);
		h_config(&h, &cfg);
		cfg.sid_bits = 33;
		assert_int_equal(smmukit_smmu_probe(&cfg, &s), -SMMUKIT_EINVAL);
		h_down(&h);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gbpa_disables),
		cmocka_unit_test(test_no_gbpa_stays_on_aborting),
		cmocka_unit_test(test_no_gbpa_model_bypasses),
		cmocka_unit_test(test_no_gbpa_reset),
		cmocka_unit_test(test_sid_bits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

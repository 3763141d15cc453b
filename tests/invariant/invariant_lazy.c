/* SPDX-License-Identifier: MIT */
/*
 * Invariant 2, lazy: an IOVA is never handed out again before an
 * invalidation covering it has completed; a device never reaches a new
 * buffer through an old translation.
 *
 * iommu.strict=0 (DMA-FQ), per-CPU rings and one shared ring. The stress
 * (two mappers, a rogue device) is checked three ways:
 *  - the model counts no stale_reused access (stale_unmapped is the price
 *    of lazy mode and allowed);
 *  - directly: every IOVA page a map returns that an earlier unmap freed
 *    must have seen a whole-domain TLBI + CMD_SYNC retire since that unmap
 *    began (inv_check_reuse in inv_stress.h says why this is sound);
 *  - the mapper's own device reaches exactly the buffer it just mapped.
 * Also: fq_pending never above (ring size - 1) x rings.
 *
 * And one directed case for the model's classification: an IOVA whose
 * PTE is cleared without any invalidation and remapped read-only to
 * another buffer; a write through the stale read-write entry reaches the
 * old buffer and must count as stale_reused, though a fresh walk would
 * fault with a permission fault.
 *
 * Negative controls (CTest WILL_FAIL): SMMUKIT_BROKEN_FQ_EARLY_FREE (the
 * IOVA is freed before the flush) and SMMUKIT_BROKEN_CLASSIFY_BY_FAULT
 * (the model counts reuse behind a permission fault as unmapped).
 */
#include "inv_stress.h"

static void reuse_behind_permission_fault(void **state)
{
	struct inv r;
	const struct inv_config cfg = {
		.test = "invariant_lazy", .mode = "reuse-readonly",
		.strict = false,
	};
	struct inv_target *t;
	struct smmukit_dma_pages a, b;
	struct smmukit_iotlb_gather g;
	struct smmukit_model_dma_result res;
	struct smmukit_model_stats ms;
	unsigned char x = 0x5a;
	uint64_t iova;

	(void)state;
	inv_setup(&r, &cfg);
	atomic_store(&r.observe_only, true);
	t = inv_add_unmanaged(&r, "vfio", 9);
	iova = t->um_base;
	assert_int_equal(smmukit_plat_alloc_pages(r.p, 0, &a), 0);
	assert_int_equal(smmukit_plat_alloc_pages(r.p, 0, &b), 0);
	assert_int_equal(smmukit_iommu_map(t->dom, iova, a.pa, 4096,
					   SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE), 0);
	/* The device caches a read-write translation to a. */
	assert_int_equal(smmukit_model_dma(r.m, t->sid, SMMUKIT_MODEL_NO_SSID,
					   iova, 1, true, &x, &res), 0);
	/* PTE cleared, the invalidation gathered and never issued. */
	smmukit_pgtable_gather_init(&g);
	assert_int_equal(smmukit_iommu_unmap_fast(t->dom, iova, 4096, &g), 4096);
	assert_int_equal(smmukit_iommu_map(t->dom, iova, b.pa, 4096,
					   SMMUKIT_PROT_READ), 0);
	/* The stale entry still takes a write, to a: someone else's buffer. */
	assert_int_equal(smmukit_model_dma(r.m, t->sid, SMMUKIT_MODEL_NO_SSID,
					   iova, 1, true, &x, &res), 0);
	assert_int_equal(res.pa, a.pa);
	assert_int_equal(smmukit_model_get_stats(r.m, &ms), 0);
	printf("invariant_lazy[reuse-readonly]: stale_reused=%llu stale_unmapped=%llu (want 1 and 0)\n",
	       (unsigned long long)ms.stale_reused,
	       (unsigned long long)ms.stale_unmapped);
	if (ms.stale_reused != 1 || ms.stale_unmapped != 0 ||
	    t->stale_reused != 1)
		inv_violation(&r, &r.v_stale,
			      "a write reaching another buffer through a stale entry was not counted as stale_reused");
	assert_int_equal(ms.stale_reused, 1);
	assert_int_equal(ms.stale_unmapped, 0);
	assert_int_equal(t->stale_reused, 1);
	/* Clean up strictly: the stale entry goes with the leaf TLBI. */
	assert_int_equal(smmukit_iommu_unmap(t->dom, iova, 4096), 4096);
	assert_int_equal(smmukit_model_dma(r.m, t->sid, SMMUKIT_MODEL_NO_SSID,
					   iova, 1, true, &x, &res),
			 SMMUV3_EVT_F_TRANSLATION);
	smmukit_plat_free_pages(r.p, &a);
	smmukit_plat_free_pages(r.p, &b);
	inv_teardown(&r);
}

static void lazy_run(const char *mode, enum smmukit_fq_mode fq_mode,
		     uint32_t fq_size)
{
	struct inv r;
	const struct inv_config cfg = {
		.test = "invariant_lazy", .mode = mode, .strict = false,
		.fq_mode = fq_mode, .fq_size = fq_size, .big_per_mille = 5,
		.check_reuse = true,
	};

	inv_setup(&r, &cfg);
	inv_add_dma(&r, "nvme", 8, false, SMMUKIT_DOMAIN_DMA_FQ);
	inv_run(&r);
	inv_report(&r);
	/* The check ran: IOVAs were handed out again. */
	assert_true(r.reuse_checked > 0);
	inv_teardown(&r);
}

static void lazy_percpu(void **state)
{
	(void)state;
	lazy_run("lazy-percpu", SMMUKIT_FQ_PERCPU, 0);
}

static void lazy_single(void **state)
{
	(void)state;
	/* Smaller than the single ring's default, so that it fills. */
	lazy_run("lazy-single", SMMUKIT_FQ_SINGLE, 1024);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reuse_behind_permission_fault),
		cmocka_unit_test(lazy_percpu),
		cmocka_unit_test(lazy_single),
	};

	return inv_finish("invariant_lazy",
			  cmocka_run_group_tests(tests, NULL, NULL));
}

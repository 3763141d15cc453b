/* SPDX-License-Identifier: MIT */
/*
 * Invariant 4, who may be lazy: unmanaged domains (user-owned, VFIO-like)
 * and untrusted devices are always strict, whatever the options say.
 *
 * iommu.strict=0, three devices under one stress: an untrusted one on the
 * DMA API (its default domain must be DMA, not DMA-FQ), one whose group a
 * user moved onto an unmanaged domain (smmukit_iommu_map/unmap, IOVAs
 * reused at once by the next map of the same slot), and a trusted one on
 * the DMA API as the control (DMA-FQ: stale_unmapped allowed on it only).
 * On the first two the model must count no stale access at all.
 *
 * Negative control (CTest WILL_FAIL): SMMUKIT_BROKEN_LAZY_UNTRUSTED (the
 * core lets untrusted devices be lazy).
 */
#include "inv_stress.h"

static void who_may_be_lazy(void **state)
{
	struct inv r;
	const struct inv_config cfg = {
		.test = "invariant_who_may_be_lazy", .mode = "strict=0",
		.strict = false, .big_per_mille = 5,
	};

	(void)state;
	inv_setup(&r, &cfg);
	inv_add_dma(&r, "thunderbolt", 10, true, SMMUKIT_DOMAIN_DMA);
	inv_add_unmanaged(&r, "vfio", 11);
	inv_add_dma(&r, "nvme", 12, false, SMMUKIT_DOMAIN_DMA_FQ);
	inv_run(&r);
	inv_report(&r);
	assert_int_equal(r.tgt[0].stale_unmapped + r.tgt[0].stale_reused, 0);
	assert_int_equal(r.tgt[1].stale_unmapped + r.tgt[1].stale_reused, 0);
	inv_teardown(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(who_may_be_lazy),
	};

	return inv_finish("invariant_who_may_be_lazy",
			  cmocka_run_group_tests(tests, NULL, NULL));
}

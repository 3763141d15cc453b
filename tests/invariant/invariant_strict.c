/* SPDX-License-Identifier: MIT */
/*
 * Invariant 1, strict: once a strict unmap returns, no device access to
 * that IOVA succeeds through a translation the tables no longer give.
 *
 * iommu.strict=1; two mappers run map -> device DMA -> unmap cycles through
 * map_page, map_single and map_sg (with a few 2 MiB lists and blocks)
 * while a rogue device keeps using live IOVAs, IOVAs being unmapped and
 * IOVAs whose unmap has returned. The model (checking mode) must count no
 * stale access at all: stale_unmapped = stale_reused = 0.
 *
 * Negative control: built with SMMUKIT_BROKEN_STRICT_NO_SYNC (strict unmap
 * issues no leaf TLBI) this test must fail (CTest WILL_FAIL).
 */
#include "inv_stress.h"

static void strict_dma_api(void **state)
{
	struct inv r;
	const struct inv_config cfg = {
		.test = "invariant_strict", .mode = "strict",
		.strict = true, .big_per_mille = 5,
	};

	(void)state;
	inv_setup(&r, &cfg);
	inv_add_dma(&r, "nvme", 8, false, SMMUKIT_DOMAIN_DMA);
	inv_run(&r);
	inv_report(&r);
	inv_teardown(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strict_dma_api),
	};

	return inv_finish("invariant_strict",
			  cmocka_run_group_tests(tests, NULL, NULL));
}

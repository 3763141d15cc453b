/* SPDX-License-Identifier: MIT */
/*
 * Invariant 3, table pages: a page-table page is never freed or reused
 * while a cached walk may still point at it (non-leaf unmaps are
 * synchronous in both modes).
 *
 * The stress makes the page table grow and shrink: a good share of the
 * operations map 2 MiB and more, as scatter lists of small segments (one
 * level-3 table full of 4K pages), as blocks (which replace tables left
 * empty by earlier page unmaps), and, on an unmanaged domain, as 512
 * separately mapped pages; the mappers' devices touch them (filling the
 * walk cache) and the whole range is unmapped at once, so the level-3
 * table is removed. The model's free check must find no freed table page
 * still referenced by a cached walk (free_violations = 0), strict and
 * lazy, alongside the stale-access rules of each mode.
 *
 * Negative control (CTest WILL_FAIL): SMMUKIT_BROKEN_SKIP_WALK_FLUSH (the
 * driver skips the walk flush when a table is removed).
 */
#include "inv_stress.h"

static void tables_strict(void **state)
{
	struct inv r;
	const struct inv_config cfg = {
		.test = "invariant_tables", .mode = "strict", .strict = true,
		.big_per_mille = 60,
	};

	(void)state;
	inv_setup(&r, &cfg);
	inv_add_dma(&r, "nvme", 8, false, SMMUKIT_DOMAIN_DMA);
	inv_add_unmanaged(&r, "vfio", 9);
	inv_run(&r);
	inv_report(&r);
	assert_true(r.big_maps > 0);
	inv_teardown(&r);
}

static void tables_lazy(void **state)
{
	struct inv r;
	const struct inv_config cfg = {
		.test = "invariant_tables", .mode = "lazy", .strict = false,
		.big_per_mille = 60,
	};

	(void)state;
	inv_setup(&r, &cfg);
	inv_add_dma(&r, "nvme", 8, false, SMMUKIT_DOMAIN_DMA_FQ);
	inv_run(&r);
	inv_report(&r);
	assert_true(r.big_maps > 0);
	inv_teardown(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tables_strict),
		cmocka_unit_test(tables_lazy),
	};

	return inv_finish("invariant_tables",
			  cmocka_run_group_tests(tests, NULL, NULL));
}

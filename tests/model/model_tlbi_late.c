/* SPDX-License-Identifier: MIT */
/*
 * SMMUKIT_MODEL_FAULT_TLBI_LATE: a TLB invalidation that completes long
 * after the command queue consumed it.
 *
 * The architecture lets CONS pass a TLBI before the invalidation is done;
 * only a completed CMD_SYNC promises that every invalidation before it
 * has completed. With the fault on, each TLBI completes
 * SMMUKIT_MODEL_TLBI_LATE_NS after it is consumed and a sync behind it
 * waits for that.
 *
 *  - model level, by hand on the manual clock: the TLBI is consumed at
 *    once, the old translation keeps answering, the sync completes exactly
 *    SMMUKIT_MODEL_TLBI_LATE_NS later and only then does the translation
 *    fault; a sync with no TLBI before it is not delayed; TLBIs fetched
 *    while the fault was on stay late after it is switched off;
 *  - the DMA layer, one unmap at a time: a strict unmap and a lazy flush
 *    each take at least the delay, and a device access after the strict
 *    unmap returned faults;
 *  - the invariant stress (tests/invariant/inv_stress.h: two mappers, a
 *    rogue device, the model in checking mode, the unmap observer) with
 *    the fault on: strict, no stale access at all after an unmap returned;
 *    lazy, no stale access to a reused IOVA, no IOVA handed out before a
 *    covering invalidation completed, and the exposure bound still holds
 *    once each flush is allowed its extra delay.
 */
#include "../invariant/inv_stress.h"
#include "model_testlib.h"

#define LATE SMMUKIT_MODEL_TLBI_LATE_NS
/* Costs, so that the late completion is measured from a non-zero base. */
#define TLBI_NS 500u
#define SYNC_NS 200u
#define PROFILE "cmd_tlbi_va_ns=500\ncmd_tlbi_asid_ns=500\ncmd_sync_ns=200\n"
/* Stress size per mode (SMMUKIT_STRESS_OPS overrides). */
#define LATE_OPS 4000u

static uint64_t now(struct mt *t)
{
	return smmukit_plat_clock_ns(t->plat);
}

/* The hardware's view, by hand: consumed is not completed. */
static void late_tlbi_holds_its_sync(void **state)
{
	struct mt t;
	struct mt_pt pt;
	uint64_t a, t0;
	uint32_t sync;
	const uint64_t iova = 0x40000;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, PROFILE), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_s1_stream(&t, 1, 1, &pt), 0);
	a = mt_alloc(&t, 0);
	assert_int_equal(mt_pt_map(&t, &pt, iova, a, 12, MT_RW), 0);
	assert_int_equal(mt_pa_of(&t, 1, iova), a);	/* cached */
	assert_int_equal(mt_pt_unmap(&t, &pt, iova), 0);

	/* Fault off: the sync completes at TLBI + SYNC cost. */
	t0 = now(&t);
	mt_tlbi_va(&t, 1, iova, true);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(now(&t) - t0, TLBI_NS + SYNC_NS);
	assert_int_equal(mt_pa_of(&t, 1, iova), 0);

	/* Cache it again, then the late invalidation. */
	assert_int_equal(mt_pt_map(&t, &pt, iova, a, 12, MT_RW), 0);
	assert_int_equal(mt_pa_of(&t, 1, iova), a);
	assert_int_equal(mt_pt_unmap(&t, &pt, iova), 0);
	assert_int_equal(smmukit_model_inject(t.m, SMMUKIT_MODEL_FAULT_TLBI_LATE,
					      true), 0);
	t0 = now(&t);
	mt_tlbi_va(&t, 1, iova, true);
	smmukit_posix_clock_advance(t.plat, TLBI_NS);
	/* CONS has passed the TLBI: consumed, not complete. */
	assert_int_equal(mt_rd32(&t, SMMUV3_CMDQ_CONS), t.cmdq_prod);
	assert_int_equal(mt_pa_of(&t, 1, iova), a);
	sync = mt_sync_submit(&t);
	smmukit_posix_clock_set(t.plat, t0 + TLBI_NS + LATE - 1);
	assert_false(mt_consumed(&t, sync));
	assert_int_equal(mt_pa_of(&t, 1, iova), a);	/* still answers */
	smmukit_posix_clock_set(t.plat, t0 + TLBI_NS + LATE);
	assert_true(mt_consumed(&t, sync));
	assert_int_equal(mt_pa_of(&t, 1, iova), 0);	/* now gone */

	/* A sync with no invalidation before it is not delayed. */
	t0 = now(&t);
	mt_cfgi_ste(&t, 1);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(now(&t) - t0, SYNC_NS);

	/* A TLBI fetched while the fault was on stays late after it is off. */
	assert_int_equal(mt_pt_map(&t, &pt, iova, a, 12, MT_RW), 0);
	assert_int_equal(mt_pa_of(&t, 1, iova), a);
	assert_int_equal(mt_pt_unmap(&t, &pt, iova), 0);
	t0 = now(&t);
	mt_tlbi_va(&t, 1, iova, true);
	assert_int_equal(smmukit_model_inject(t.m, SMMUKIT_MODEL_FAULT_TLBI_LATE,
					      false), 0);
	assert_int_equal(mt_sync(&t), 0);
	assert_true(now(&t) - t0 >= TLBI_NS + LATE);
	assert_int_equal(mt_pa_of(&t, 1, iova), 0);
	/* And the next one is on time again. */
	t0 = now(&t);
	mt_tlbi_va(&t, 1, iova, true);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(now(&t) - t0, TLBI_NS + SYNC_NS);

	assert_int_equal(mt_stats(&t).cerrors, 0);
	mt_free(&t, a, 0);
	mt_teardown(&t);
}

/* Observer-checked stack (inv_stress.h), the fault switched on. */
static struct inv_target *late_stack(struct inv *r, const char *mode,
				     bool strict, bool check_exposure)
{
	const struct inv_config cfg = {
		.test = "model_tlbi_late", .mode = mode, .strict = strict,
		.manual_clock = true, .max_step_ns = 60000,
		.big_per_mille = 5, .check_reuse = !strict,
		.check_exposure = check_exposure,
	};
	struct inv_target *t;

	inv_setup(r, &cfg);
	if (!getenv("SMMUKIT_STRESS_OPS"))
		r->ops = LATE_OPS;
	t = inv_add_dma(r, "nvme", 8, false,
			strict ? SMMUKIT_DOMAIN_DMA : SMMUKIT_DOMAIN_DMA_FQ);
	assert_int_equal(smmukit_model_inject(r->m, SMMUKIT_MODEL_FAULT_TLBI_LATE,
					      true), 0);
	/* The exposure check takes an unmap time of 0 for "never unmapped". */
	smmukit_posix_clock_advance(r->p, 1000);
	/*
	 * Each flush now takes the delay more; the timer's flush may queue
	 * behind one flush of every other CPU (inv_setup), each late too.
	 */
	r->exposure_bound_ns += INV_CPUS * LATE;
	return t;
}

/* One strict unmap and one lazy flush take at least the delay. */
static void dma_waits_for_the_late_tlbi(void **state)
{
	struct inv r;
	struct inv_target *t;
	struct smmukit_dma_pages buf;
	smmukit_dma_addr_t a;
	struct smmukit_model_dma_result res;
	struct smmukit_model_stats ms;
	unsigned char b = 0;
	uint64_t t0;

	(void)state;
	for (int strict = 1; strict >= 0; strict--) {
		t = late_stack(&r, strict ? "one-strict" : "one-lazy", strict,
			       false);
		assert_int_equal(smmukit_plat_alloc_pages(r.p, 0, &buf), 0);
		assert_int_equal(smmukit_dma_map_page(t->dev, buf.pa, 4096,
						      SMMUKIT_DMA_TO_DEVICE, &a), 0);
		assert_int_equal(smmukit_model_dma(r.m, t->sid, SMMUKIT_MODEL_NO_SSID,
						   a, 1, false, &b, &res), 0);
		t0 = smmukit_plat_clock_ns(r.p);
		assert_int_equal(smmukit_dma_unmap_page(t->dev, a, 4096,
							SMMUKIT_DMA_TO_DEVICE), 0);
		if (!strict) {
			/* Lazy: the unmap queued; the flush is what waits. */
			assert_true(smmukit_plat_clock_ns(r.p) - t0 < LATE);
			t0 = smmukit_plat_clock_ns(r.p);
			assert_int_equal(smmukit_dma_flush(t->dev), 0);
		}
		assert_true(smmukit_plat_clock_ns(r.p) - t0 >= LATE);
		assert_int_equal(smmukit_model_dma(r.m, t->sid, SMMUKIT_MODEL_NO_SSID,
						   a, 1, false, &b, &res),
				 SMMUV3_EVT_F_TRANSLATION);
		assert_int_equal(smmukit_model_get_stats(r.m, &ms), 0);
		assert_int_equal(ms.stale_unmapped, 0);
		assert_int_equal(ms.stale_reused, 0);
		smmukit_plat_free_pages(r.p, &buf);
		smmukit_smmu_handle_evtq_irq(r.s);
		inv_teardown(&r);
	}
}

static void stress_strict(void **state)
{
	struct inv r;

	(void)state;
	late_stack(&r, "strict", true, false);
	inv_run(&r);
	inv_report(&r);
	inv_teardown(&r);
}

static void stress_lazy(void **state)
{
	struct inv r;

	(void)state;
	late_stack(&r, "lazy", false, true);
	inv_run(&r);
	inv_report(&r);
	assert_true(r.reuse_checked > 0);
	inv_teardown(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(late_tlbi_holds_its_sync),
		cmocka_unit_test(dma_waits_for_the_late_tlbi),
		cmocka_unit_test(stress_strict),
		cmocka_unit_test(stress_lazy),
	};

	return inv_finish("model_tlbi_late",
			  cmocka_run_group_tests(tests, NULL, NULL));
}

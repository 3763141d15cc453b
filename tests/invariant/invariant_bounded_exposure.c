/* SPDX-License-Identifier: MIT */
/*
 * Invariant 5, bounded exposure: in lazy mode a stale translation lives at
 * most the flush timeout plus one flush, and at most (ring size - 1) x
 * rings entries wait.
 *
 * On the manual clock, in lockstep (inv_stress.h): each round every mapper
 * does a few operations, then one of them moves the clock by a random step
 * of up to max_step_ns, and the flush-queue timer fires inside that call
 * when its deadline has passed. The rogue device runs freely. For every stale
 * access the model reports (time t, IOVA), the time u at which the last
 * unmap of that page returned is looked up; t - u must stay within
 *   fq_timeout + max_step (the timer's lateness on this clock)
 *   + INV_CPUS flushes (the timer's TLBI + CMD_SYNC, queued behind at most
 *     one batch of each other CPU; profile costs below).
 * The rings are sized so that, without the timer, they fill only several
 * timeouts later. fq_pending is checked after every operation.
 *
 * Negative control (CTest WILL_FAIL): SMMUKIT_BROKEN_FQ_NO_TIMER (the
 * timer is never armed: stale translations live until a ring fills).
 */
#include "inv_stress.h"

/* A big IOTLB keeps stale entries long enough to be seen. */
#define EXPOSURE_PROFILE \
	"cmd_tlbi_asid_ns=2000,cmd_sync_ns=500,iotlb_entries=4096,iotlb_ways=8"

static void exposure_run(const char *mode, enum smmukit_fq_mode fq_mode,
			 uint32_t fq_size, uint32_t timeout_ms)
{
	struct inv r;
	struct smmukit_dma_stats ds;
	const struct inv_config cfg = {
		.test = "invariant_bounded_exposure", .mode = mode,
		.strict = false, .fq_mode = fq_mode, .fq_size = fq_size,
		.fq_timeout_ms = timeout_ms, .manual_clock = true,
		.max_step_ns = 60000, .big_per_mille = 2,
		.check_exposure = true, .profile = EXPOSURE_PROFILE,
	};

	inv_setup(&r, &cfg);
	inv_add_dma(&r, "nvme", 8, false, SMMUKIT_DOMAIN_DMA_FQ);
	inv_run(&r);
	assert_int_equal(smmukit_dma_get_stats(r.dma, &ds), 0);
	inv_report(&r);
	/* The bound was exercised: the timer fired and stale accesses seen. */
	assert_true(ds.fq_timer_flushes > 0);
	assert_true(r.tgt[0].stale_unmapped > 0);
	inv_teardown(&r);
}

static void exposure_percpu(void **state)
{
	(void)state;
	exposure_run("percpu", SMMUKIT_FQ_PERCPU, 256, 1);
}

static void exposure_single(void **state)
{
	(void)state;
	exposure_run("single", SMMUKIT_FQ_SINGLE, 1024, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exposure_percpu),
		cmocka_unit_test(exposure_single),
	};

	return inv_finish("invariant_bounded_exposure",
			  cmocka_run_group_tests(tests, NULL, NULL));
}

/* SPDX-License-Identifier: MIT */
/*
 * Hardware faults injected by the model while the driver runs.
 */
#include "smmu_harness.h"

/*
 * A CMD_SYNC whose MSI write never lands still completes: CONS passes it.
 * The waiter must notice through CONS long before its timeout.
 */
static void test_lost_msi_falls_back_to_cons(void **state)
{
	struct harness h;
	struct smmukit_smmu_stats st;
	struct smmuv3_cmd c = { .opcode = SMMUV3_OP_CFGI_STE };
	uint64_t t0;

	(void)state;
	h_up(&h, "msi");
	assert_int_equal(smmukit_smmu_sync(h.s), 0);
	assert_int_equal(smmukit_model_inject(h.m, SMMUKIT_MODEL_FAULT_NO_MSI, true), 0);
	t0 = smmukit_plat_clock_ns(h.p);
	/* A command before each sync, so no sync coalesces with an old one. */
	c.cfgi.sid = 0x3e;
	c.cfgi.leaf = true;
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(smmukit_smmu_issue_cmds(h.s, &c, 1, true), 0);
	/* Each well inside its poll timeout (2 ms): a tenth of it. */
	assert_true(smmukit_plat_clock_ns(h.p) - t0 < 8 * 2000000 / 10);
	assert_int_equal(smmukit_smmu_get_stats(h.s, &st), 0);
	assert_int_equal(st.sync_timeouts, 0);
	assert_true(st.msi_fallbacks >= 8);
	/* MSIs back: no more fallbacks. */
	assert_int_equal(smmukit_model_inject(h.m, SMMUKIT_MODEL_FAULT_NO_MSI, false), 0);
	assert_int_equal(smmukit_smmu_issue_cmds(h.s, &c, 1, true), 0);
	{
		struct smmukit_smmu_stats st2;

		assert_int_equal(smmukit_smmu_get_stats(h.s, &st2), 0);
		assert_int_equal(st2.msi_fallbacks, st.msi_fallbacks);
	}
	h_down(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lost_msi_falls_back_to_cons),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

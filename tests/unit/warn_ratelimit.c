/* SPDX-License-Identifier: MIT */
/*
 * SMMUKIT_WARN_ON (once per site, counted, error on the path) and rate
 * limiting of messages that repeat without bound: command-queue timeouts
 * and event floods.
 */
#include "smmu_harness.h"
#include "smmukit/warn.h"

/* The platform's log, captured by swapping its ops table. */
static struct smmukit_platform_ops cap_ops;
static unsigned cap_lines, cap_warnings, cap_timeouts, cap_events,
	cap_suppressed;

static void cap_log(struct smmukit_platform *p, enum smmukit_log_level level,
		    const char *fmt, va_list ap)
{
	char buf[512];

	(void)p;
	(void)level;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	cap_lines++;
	cap_warnings += strstr(buf, "WARNING at") != NULL;
	cap_timeouts += strstr(buf, "timeout") != NULL;
	cap_events += strstr(buf, "smmu: event ") != NULL;
	cap_suppressed += strstr(buf, "suppressed") != NULL;
}

static void capture(struct smmukit_platform *p)
{
	cap_ops = *p->ops;
	cap_ops.log = cap_log;
	p->ops = &cap_ops;
	cap_lines = cap_warnings = cap_timeouts = cap_events = 0;
	cap_suppressed = 0;
}

static bool check(struct smmukit_platform *p, int v)
{
	return SMMUKIT_WARN_ON(p, v == 1);
}

static void test_warn_on_once_per_site(void **state)
{
	struct smmukit_platform *p;
	struct smmukit_posix_config pc = { .manual_clock = true };
	uint64_t c0 = smmukit_warn_count();
	bool was = smmukit_warn_set_fatal(false);

	(void)state;
	assert_int_equal(smmukit_posix_create(&pc, &p), 0);
	capture(p);
	assert_false(check(p, 0));
	assert_int_equal(smmukit_warn_count(), c0);
	for (int i = 0; i < 5; i++)
		assert_true(check(p, 1));
	assert_int_equal(smmukit_warn_count(), c0 + 5);
	assert_int_equal(cap_warnings, 1);
	/* Another site logs its own first hit. */
	assert_true(SMMUKIT_WARN_ON(p, 2 > 1));
	assert_int_equal(cap_warnings, 2);
	smmukit_warn_set_fatal(was);
	smmukit_posix_destroy(p);
}

static void test_ratelimit_window(void **state)
{
	struct smmukit_platform *p;
	struct smmukit_posix_config pc = { .manual_clock = true,
					   .log_level = SMMUKIT_LOG_DEBUG };
	struct smmukit_ratelimit rl;
	unsigned ok = 0;

	(void)state;
	assert_int_equal(smmukit_posix_create(&pc, &p), 0);
	capture(p);
	smmukit_ratelimit_init(&rl, 1000000, 3);
	for (int i = 0; i < 10; i++)
		ok += smmukit_ratelimit(p, &rl, "x");
	assert_int_equal(ok, 3);
	assert_int_equal(atomic_load(&rl.suppressed), 7);
	smmukit_posix_clock_advance(p, 1000000);
	assert_true(smmukit_ratelimit(p, &rl, "x"));
	assert_int_equal(cap_suppressed, 1);
	smmukit_posix_destroy(p);
}

/* A stopped command queue fails every caller; the log must not. */
static void test_cmdq_timeouts_ratelimited(void **state)
{
	struct harness h;
	struct smmukit_smmu_stats st;
	struct smmuv3_cmd c = { .opcode = SMMUV3_OP_CFGI_STE };

	(void)state;
	h_up(&h, "");
	capture(h.p);
	c.cfgi.sid = 0x3e;
	c.cfgi.leaf = true;
	assert_int_equal(smmukit_model_inject(h.m, SMMUKIT_MODEL_FAULT_CMDQ_STALL, true), 0);
	for (int i = 0; i < 40; i++)
		assert_int_equal(smmukit_smmu_issue_cmds(h.s, &c, 1, true),
				 -SMMUKIT_ETIMEDOUT);
	assert_true(cap_timeouts <= SMMUKIT_RATELIMIT_BURST);
	assert_int_equal(smmukit_smmu_get_stats(h.s, &st), 0);
	assert_int_equal(st.sync_timeouts, 40);
	assert_true(st.msgs_suppressed >= 40 - SMMUKIT_RATELIMIT_BURST);
	/* Next interval: one line says how many were dropped. */
	smmukit_posix_clock_advance(h.p, SMMUKIT_RATELIMIT_INTERVAL_NS);
	assert_int_equal(smmukit_smmu_issue_cmds(h.s, &c, 1, true), -SMMUKIT_ETIMEDOUT);
	assert_true(cap_suppressed >= 1);
	assert_int_equal(smmukit_model_inject(h.m, SMMUKIT_MODEL_FAULT_CMDQ_STALL, false), 0);
	assert_int_equal(smmukit_smmu_sync(h.s), 0);
	h_down(&h);
}

/* No event handler: a device faulting in a loop logs a bounded number. */
static void test_event_flood_ratelimited(void **state)
{
	struct harness h;
	struct smmukit_smmu_config cfg;
	uint32_t sid = 3;
	struct smmukit_iommu_drv_device dev = { &sid, 1 };
	struct smmukit_iommu_drv_domain *dom;
	unsigned char b[8];
	int handled = 0;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	h_model(&h, "");
	h_config(&h, &cfg);
	cfg.event_handler = NULL;
	assert_int_equal(smmukit_smmu_probe(&cfg, &h.s), 0);
	h.iommu = smmukit_smmu_iommu(h.s);
	capture(h.p);
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, NULL, &dom), 0);
	assert_int_equal(smmukit_iommu_drv_attach_dev(dom, &dev), 0);
	for (int i = 0; i < 100; i++) {
		h_dma_read(&h, sid, 0x1000 + (uint64_t)i * 4096, b, sizeof(b));
		handled += smmukit_smmu_handle_evtq_irq(h.s);
	}
	assert_int_equal(handled, 100);
	assert_true(cap_events <= SMMUKIT_RATELIMIT_BURST);
	assert_int_equal(smmukit_iommu_drv_detach_dev(dom, &dev), 0);
	assert_int_equal(smmukit_iommu_drv_domain_free(dom), 0);
	h_down(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_warn_on_once_per_site),
		cmocka_unit_test(test_ratelimit_window),
		cmocka_unit_test(test_cmdq_timeouts_ratelimited),
		cmocka_unit_test(test_event_flood_ratelimited),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

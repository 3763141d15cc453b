/* SPDX-License-Identifier: MIT */
/*
 * An option that is parsed but never read is a bug: each "smmu." key, set
 * through the parser, changes what the driver does on the model, and each
 * "model." key lands in the profile field the model reads (the same one
 * the model's own profile parser sets), with one timing key shown end to
 * end. The "iommu." keys' effects are the IOMMU core's and DMA layer's
 * tests (default domain type, flush queue size and timeout).
 */
#include "smmu_harness.h"

#include "smmukit/options.h"

#define IOVA UINT64_C(0x10000000)
#define RAM UINT64_C(0x80000000)

/* A config with only the option string applied (zero otherwise). */
static struct smmukit_smmu_config opts(const char *s)
{
	struct smmukit_smmu_config c;
	struct smmukit_option_binding b = { &smmukit_smmu_option_table, &c };
	char err[160];

	memset(&c, 0, sizeof(c));
	if (smmukit_parse_options(s, &b, 1, NULL, NULL, err, sizeof(err)))
		fail_msg("'%s': %s", s, err);
	return c;
}

static struct smmukit_smmu_info up_info(struct harness *h, const char *keys,
					const char *options)
{
	struct smmukit_smmu_config c = opts(options);
	struct smmukit_smmu_info in;

	h_up_cfg(h, keys, &c);
	assert_int_equal(smmukit_smmu_get_info(h->s, &in), 0);
	return in;
}

static void test_strtab(void **state)
{
	struct harness h;

	assert_true(up_info(&h, "", "").strtab_2lvl_used);
	h_down(&h);
	assert_false(up_info(&h, "", "smmu.strtab=linear").strtab_2lvl_used);
	h_down(&h);
	assert_true(up_info(&h, "", "smmu.strtab=linear smmu.strtab=auto").strtab_2lvl_used);
	h_down(&h);
}

static void test_msi_sync(void **state)
{
	struct harness h;

	assert_true(up_info(&h, "msi", "").msi_sync);
	assert_int_equal(smmukit_smmu_sync(h.s), 0);
	assert_true(h_mstats(&h).msi_writes > 0);
	h_down(&h);

	assert_false(up_info(&h, "msi", "smmu.msi_sync=0").msi_sync);
	assert_int_equal(smmukit_smmu_sync(h.s), 0);
	assert_int_equal(h_mstats(&h).msi_writes, 0);
	assert_true(h_mstats(&h).syncs > 0);
	h_down(&h);
}

static void test_queue_sizes(void **state)
{
	struct smmuv3_cmd cmds[100];
	struct smmukit_smmu_info in;
	struct harness h;

	in = up_info(&h, "", "");
	assert_int_equal(in.cmdq_log2, 10);	/* the model's 2^10 */
	assert_int_equal(in.evtq_log2, 8);
	h_down(&h);

	in = up_info(&h, "", "smmu.cmdq_log2_max=5 smmu.evtq_log2_max=3");
	assert_int_equal(in.cmdq_log2, 5);
	assert_int_equal(in.evtq_log2, 3);
	/* A queue of 32 still takes 100 commands, in smaller batches. */
	for (unsigned i = 0; i < 100; i++)
		cmds[i] = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_ALL };
	assert_int_equal(smmukit_smmu_issue_cmds(h.s, cmds, 100, true), 0);
	h_down(&h);
}

static void test_bypass_unattached(void **state)
{
	unsigned char buf[8];
	struct harness h;

	/* A linear table initialises every SID: SID 5 is unattached. */
	up_info(&h, "strtab=linear,sidsize=6", "");
	assert_int_equal(h_dma_read(&h, 5, RAM, buf, sizeof(buf)),
			 SMMUKIT_MODEL_ABORT);
	h_down(&h);
	up_info(&h, "strtab=linear,sidsize=6", "smmu.bypass_unattached=1");
	assert_int_equal(h_dma_read(&h, 5, RAM, buf, sizeof(buf)), 0);
	h_down(&h);
}

/* How long a TLBI + CMD_SYNC on a stalled queue takes to give up, in ns. */
static uint64_t stalled_sync_ns(const char *options)
{
	struct smmuv3_cmd tlbi = { .opcode = SMMUV3_OP_TLBI_NH_ALL };
	struct harness h;
	uint64_t t0, dt;

	up_info(&h, "", options);
	assert_int_equal(smmukit_model_inject(h.m, SMMUKIT_MODEL_FAULT_CMDQ_STALL, true), 0);
	t0 = smmukit_plat_clock_ns(h.p);
	assert_int_equal(smmukit_smmu_issue_cmds(h.s, &tlbi, 1, true),
			 -SMMUKIT_ETIMEDOUT);
	dt = smmukit_plat_clock_ns(h.p) - t0;
	assert_int_equal(smmukit_model_inject(h.m, SMMUKIT_MODEL_FAULT_CMDQ_STALL, false), 0);
	h_down(&h);
	return dt;
}

static void test_poll_timeout(void **state)
{
	uint64_t a = stalled_sync_ns("smmu.poll_timeout_ms=3");
	uint64_t b = stalled_sync_ns("smmu.poll_timeout_ms=7");

	assert_true(a >= UINT64_C(3000000));
	assert_true(a < UINT64_C(7000000));
	assert_true(b >= UINT64_C(7000000));
}

/* Fallbacks to a whole-context invalidation for 16 pages, without RIL. */
static uint64_t fallbacks_16_pages(const char *options)
{
	struct smmukit_iommu_drv_domain_cfg dc = { .stage = 1 };
	struct smmukit_iommu_drv_domain *dom;
	uint32_t sid = 3;
	struct smmukit_iommu_drv_device dev = { &sid, 1 };
	struct smmukit_iotlb_gather g;
	struct smmukit_smmu_stats st;
	struct harness h;

	up_info(&h, "ril=0", options);
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, &dc, &dom), 0);
	assert_int_equal(smmukit_iommu_drv_attach_dev(dom, &dev), 0);
	smmukit_pgtable_gather_init(&g);
	g.start = IOVA;
	g.end = IOVA + 16 * SMMUKIT_SZ_4K - 1;
	g.pgsize = SMMUKIT_SZ_4K;
	assert_int_equal(smmukit_iommu_drv_iotlb_sync(dom, &g), 0);
	assert_int_equal(smmukit_smmu_get_stats(h.s, &st), 0);
	assert_int_equal(smmukit_iommu_drv_detach_dev(dom, &dev), 0);
	assert_int_equal(smmukit_iommu_drv_domain_free(dom), 0);
	h_down(&h);
	return st.tlbi_fallbacks;
}

static void test_tlbi_max_cmds(void **state)
{
	assert_int_equal(fallbacks_16_pages(""), 0);
	assert_int_equal(fallbacks_16_pages("smmu.tlbi_max_cmds=16"), 0);
	assert_int_equal(fallbacks_16_pages("smmu.tlbi_max_cmds=15"), 1);
}

/* Each model.KEY sets the field the model's own profile parser sets. */
static void test_sid_bits(void **state)
{
	struct harness h;

	(void)state;
	assert_int_equal(up_info(&h, "strtab=linear", "").strtab_log2, 16);
	h_down(&h);
	assert_int_equal(up_info(&h, "strtab=linear", "smmu.sid_bits=8").strtab_log2, 8);
	h_down(&h);
	assert_int_equal(up_info(&h, "", "smmu.sid_bits=6").strtab_log2, 6);
	h_down(&h);
}

static void test_model_keys_land(void **state)
{
	const struct smmukit_option_table *t = &smmukit_model_option_table;
	struct smmukit_option_binding b;
	struct smmukit_model_profile via_opt, via_profile;
	char s[128], val[24], err[160];

	for (unsigned i = 0; i < t->nr_opts; i++) {
		const char *key = t->opts[i].name;
		/* A value unlike any default: the range's upper end. */
		uint64_t v = t->opts[i].max > 48 ? 48 : t->opts[i].max;

		snprintf(val, sizeof(val), "%llu", (unsigned long long)v);
		smmukit_model_profile_zero(&via_opt);
		smmukit_model_profile_zero(&via_profile);
		b = (struct smmukit_option_binding){ t, &via_opt };
		snprintf(s, sizeof(s), "model.%s=%s", key, val);
		assert_int_equal(smmukit_parse_options(s, &b, 1, NULL, NULL, err,
						       sizeof(err)), 0);
		assert_int_equal(smmukit_model_profile_set(&via_profile, key, val), 0);
		assert_memory_equal(&via_opt, &via_profile, sizeof(via_opt));
		smmukit_model_profile_zero(&via_profile);
		assert_memory_not_equal(&via_opt, &via_profile, sizeof(via_opt));
	}
}

/* model.cmd_sync_ns end to end: the parsed profile times the model. */
static void test_model_cmd_sync_ns(void **state)
{
	struct smmukit_model_profile prof;
	struct smmukit_option_binding b = { &smmukit_model_option_table, &prof };
	struct smmukit_smmu_config c = opts("");
	struct harness h;
	struct smmuv3_cmd tlbi = { .opcode = SMMUV3_OP_TLBI_NH_ALL };
	char err[160];
	uint64_t t0, dt;

	smmukit_model_profile_zero(&prof);
	assert_int_equal(smmukit_parse_options("model.cmd_sync_ns=25000", &b, 1,
					       NULL, NULL, err, sizeof(err)), 0);
	assert_int_equal(smmukit_model_profile_check(&prof, err, sizeof(err)), 0);
	h_model_prof(&h, "", &prof);
	c.platform = h.p;
	c.mmio = smmukit_model_mmio(h.m);
	c.poll_timeout_ns = 2000000;
	assert_int_equal(smmukit_smmu_probe(&c, &h.s), 0);
	t0 = smmukit_plat_clock_ns(h.p);
	assert_int_equal(smmukit_smmu_issue_cmds(h.s, &tlbi, 1, true), 0);
	dt = smmukit_plat_clock_ns(h.p) - t0;
	if (dt < 25000 || dt > 30000)
		fail_msg("a TLBI + CMD_SYNC took %llu ns", (unsigned long long)dt);
	h_down(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strtab),
		cmocka_unit_test(test_msi_sync),
		cmocka_unit_test(test_queue_sizes),
		cmocka_unit_test(test_bypass_unattached),
		cmocka_unit_test(test_poll_timeout),
		cmocka_unit_test(test_tlbi_max_cmds),
		cmocka_unit_test(test_sid_bits),
		cmocka_unit_test(test_model_keys_land),
		cmocka_unit_test(test_model_cmd_sync_ns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

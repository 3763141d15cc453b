/* SPDX-License-Identifier: MIT */
/*
 * Events and errors: faults delivered to the handler with the right fields,
 * configuration errors, event-queue overflow and its acknowledgement,
 * CERROR_ILL recovery (from a waiter and from the GERROR entry point).
 */
#include "smmu_harness.h"

#define IOVA UINT64_C(0x20000000)

static void test_fault_fields(void **state)
{
	struct harness h;
	struct smmukit_iommu_drv_domain *dom;
	uint32_t sids[] = { 0x21, 0x300 };
	struct smmukit_iommu_drv_device dev = { sids, 2 };
	struct smmukit_dma_pages pg;
	unsigned char b[8] = { 0 };
	struct smmukit_smmu_stats st;

	h_up(&h, "");
	pg = h_buf(&h, 0, 0);
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, NULL, &dom), 0);
	assert_int_equal(smmukit_iommu_drv_attach_dev(dom, &dev), 0);
	assert_int_equal(smmukit_iommu_drv_map_pages(dom, IOVA, pg.pa, SMMUKIT_SZ_4K, 1,
						 SMMUKIT_PROT_READ, NULL), 0);

	/* Write to a read-only page: F_PERMISSION, RnW = 0, on sid 0x300. */
	assert_int_equal(h_dma_write(&h, 0x300, IOVA + 0x10, b, 4),
			 SMMUV3_EVT_F_PERMISSION);
	/* Unmapped address: F_TRANSLATION, read. */
	assert_int_equal(h_dma_read(&h, 0x21, IOVA + SMMUKIT_SZ_4K, b, 4),
			 SMMUV3_EVT_F_TRANSLATION);
	/* A SID whose level-2 table does not exist: C_BAD_STREAMID. */
	assert_int_equal(h_dma_read(&h, 0x4000, IOVA, b, 4),
			 SMMUV3_EVT_C_BAD_STREAMID);
	/* An unattached SID in an existing level-2 table aborts silently. */
	assert_int_equal(h_dma_read(&h, 0x22, IOVA, b, 4), SMMUKIT_MODEL_ABORT);

	assert_int_equal(smmukit_smmu_handle_evtq_irq(h.s), 3);
	assert_int_equal(h.nr_events, 3);
	assert_int_equal(h.events[0].id, SMMUV3_EVT_F_PERMISSION);
	assert_string_equal(h.events[0].name, "F_PERMISSION");
	assert_int_equal(h.events[0].sid, 0x300);
	assert_int_equal(h.events[0].addr, IOVA + 0x10);
	assert_false(h.events[0].rnw);
	assert_false(h.events[0].s2);
	assert_int_equal(h.events[1].id, SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(h.events[1].sid, 0x21);
	assert_int_equal(h.events[1].addr, IOVA + SMMUKIT_SZ_4K);
	assert_true(h.events[1].rnw);
	assert_int_equal(h.events[2].id, SMMUV3_EVT_C_BAD_STREAMID);
	assert_string_equal(h.events[2].name, "C_BAD_STREAMID");
	assert_int_equal(h.events[2].sid, 0x4000);
	/* Drained: nothing more. */
	assert_int_equal(smmukit_smmu_handle_evtq_irq(h.s), 0);
	assert_int_equal(smmukit_smmu_get_stats(h.s, &st), 0);
	assert_int_equal(st.events, 3);
	assert_int_equal(smmukit_smmu_handle_evtq_irq(NULL), -SMMUKIT_EINVAL);

	assert_int_equal(smmukit_iommu_drv_detach_dev(dom, &dev), 0);
	assert_int_equal(smmukit_iommu_drv_domain_free(dom), 0);
	smmukit_plat_free_pages(h.p, &pg);
	h_down(&h);
}

/* A non-coherent SMMU's event records are made visible before they are read. */
static void test_fault_noncoherent(void **state)
{
	struct harness h;
	struct smmukit_iommu_drv_domain *dom;
	uint32_t sid = 0x21;
	struct smmukit_iommu_drv_device dev = { &sid, 1 };
	struct smmukit_posix_stats before, after;
	unsigned char b[8] = { 0 };

	h_up(&h, "coherent=0");
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, NULL, &dom), 0);
	assert_int_equal(smmukit_iommu_drv_attach_dev(dom, &dev), 0);
	assert_int_equal(h_dma_read(&h, sid, IOVA, b, 4), SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(h_dma_read(&h, sid, IOVA + 0x40, b, 4), SMMUV3_EVT_F_TRANSLATION);
	smmukit_posix_get_stats(h.p, &before);
	assert_int_equal(smmukit_smmu_handle_evtq_irq(h.s), 2);
	smmukit_posix_get_stats(h.p, &after);
	assert_int_equal(after.cpu_syncs - before.cpu_syncs, 2);
	assert_int_equal(h.events[1].addr, IOVA + 0x40);
	assert_int_equal(h.real_sync_violations, 0);
	assert_int_equal(smmukit_iommu_drv_detach_dev(dom, &dev), 0);
	assert_int_equal(smmukit_iommu_drv_domain_free(dom), 0);
	h_down(&h);
}

/* A stage-2 fault says so. */
static void test_fault_stage2(void **state)
{
	struct harness h;
	struct smmukit_iommu_drv_domain_cfg dc = { .stage = 2 };
	struct smmukit_iommu_drv_domain *dom;
	uint32_t sid = 5;
	struct smmukit_iommu_drv_device dev = { &sid, 1 };
	unsigned char b[4];

	h_up(&h, "stages=s2");
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, &dc, &dom), 0);
	assert_int_equal(smmukit_iommu_drv_attach_dev(dom, &dev), 0);
	assert_int_equal(h_dma_read(&h, sid, IOVA, b, 4), SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(smmukit_smmu_handle_evtq_irq(h.s), 1);
	assert_true(h.events[0].s2);
	assert_int_equal(h.events[0].addr, IOVA);
	assert_int_equal(smmukit_iommu_drv_detach_dev(dom, &dev), 0);
	assert_int_equal(smmukit_iommu_drv_domain_free(dom), 0);
	h_down(&h);
}

/* Overflow: records dropped while full are reported, then acknowledged. */
static void test_evtq_overflow(void **state)
{
	struct harness h;
	struct smmukit_smmu_stats st;
	unsigned char b[4];
	int n;

	h_up(&h, "evtq_log2=2");
	/* 10 faults into a 4-entry queue. */
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(h_dma_read(&h, 0x8000 + i, IOVA, b, 4),
				 SMMUV3_EVT_C_BAD_STREAMID);
	n = smmukit_smmu_handle_evtq_irq(h.s);
	assert_true(n >= 3 && n <= 4);
	assert_int_equal(smmukit_smmu_get_stats(h.s, &st), 0);
	assert_int_equal(st.events_lost, 1);
	assert_true(h_mstats(&h).events_lost >= 6);
	/* After the acknowledgement new records arrive normally. */
	assert_int_equal(h_dma_read(&h, 0x9999, IOVA, b, 4),
			 SMMUV3_EVT_C_BAD_STREAMID);
	assert_int_equal(smmukit_smmu_handle_evtq_irq(h.s), 1);
	assert_int_equal(h.events[h.nr_events - 1].sid, 0x9999);
	assert_int_equal(smmukit_smmu_get_stats(h.s, &st), 0);
	assert_int_equal(st.events_lost, 1);
	h_down(&h);
}

/*
 * CERROR_ILL: TLBI_EL2_ALL on an SMMU without HYP is illegal there. The
 * waiter of the sync behind it finds the queue stopped, the offending
 * command is replaced by a CMD_SYNC, acknowledged, and everything after it
 * runs: the sync completes, no command is lost.
 */
static void test_cerror_ill_recovery_from_waiter(void **state)
{
	struct harness h;
	struct smmuv3_cmd cmds[3] = {
		{ .opcode = SMMUV3_OP_TLBI_NH_ASID },
		{ .opcode = SMMUV3_OP_TLBI_EL2_ALL },
		{ .opcode = SMMUV3_OP_TLBI_NH_ALL },
	};
	struct smmukit_model_cmd_rec r[64];
	struct smmukit_smmu_stats st;
	uint64_t cursor = 0;
	size_t n;

	cmds[0].tlbi.asid = 3;
	h_up(&h, "hyp=0");
	while (h_cmdlog(&h, &cursor, r, 64) == 64)
		;
	assert_int_equal(smmukit_smmu_issue_cmds(h.s, cmds, 3, true), 0);
	assert_int_equal(smmukit_smmu_get_stats(h.s, &st), 0);
	assert_int_equal(st.cerrors, 1);
	assert_int_equal(h_mstats(&h).cerrors, 1);
	n = h_cmdlog(&h, &cursor, r, 64);
	/* NH_ASID, the replacement CMD_SYNC, NH_ALL, the sync. */
	assert_int_equal(n, 4);
	assert_int_equal(r[0].dw[0] & 0xff, SMMUV3_OP_TLBI_NH_ASID);
	assert_int_equal(r[1].dw[0] & 0xff, SMMUV3_OP_CMD_SYNC);
	assert_int_equal(r[2].dw[0] & 0xff, SMMUV3_OP_TLBI_NH_ALL);
	assert_int_equal(r[3].dw[0] & 0xff, SMMUV3_OP_CMD_SYNC);
	/* GERROR is quiet again and the queue keeps working. */
	assert_int_equal(smmukit_smmu_handle_gerror_irq(h.s), 0);
	assert_int_equal(smmukit_smmu_sync(h.s), 0);
	h_down(&h);
}

/* The same error handled from the GERROR interrupt entry point. */
static void test_cerror_ill_recovery_from_gerror_irq(void **state)
{
	struct harness h;
	struct smmuv3_cmd bad = { .opcode = SMMUV3_OP_TLBI_EL2_ALL };
	struct smmukit_smmu_stats st;
	int ret;

	h_up(&h, "hyp=0");
	assert_int_equal(smmukit_smmu_issue_cmds(h.s, &bad, 1, false), 0);
	smmukit_plat_relax(h.p);
	ret = smmukit_smmu_handle_gerror_irq(h.s);
	assert_int_equal(ret, (int)GERROR_CMDQ_ERR);
	assert_int_equal(smmukit_smmu_get_stats(h.s, &st), 0);
	assert_int_equal(st.cerrors, 1);
	assert_int_equal(st.gerrors, 1);
	assert_int_equal(smmukit_smmu_handle_gerror_irq(h.s), 0);
	assert_int_equal(smmukit_smmu_sync(h.s), 0);
	/* An encoder-refused command submits nothing at all. */
	{
		struct smmuv3_cmd two[2] = {
			{ .opcode = SMMUV3_OP_TLBI_NH_ALL },
			{ .opcode = 0x07 },
		};
		struct smmukit_smmu_stats st2;

		assert_int_equal(smmukit_smmu_issue_cmds(h.s, two, 2, true),
				 -SMMUKIT_EINVAL);
		assert_int_equal(smmukit_smmu_get_stats(h.s, &st2), 0);
		assert_int_equal(st2.cmds, st.cmds);
	}
	assert_int_equal(smmukit_smmu_issue_cmds(NULL, &bad, 1, true), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_smmu_issue_cmds(h.s, NULL, 1, true), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_smmu_handle_gerror_irq(NULL), -SMMUKIT_EINVAL);
	h_down(&h);
}

/* Back-to-back syncs are coalesced; a sync with nothing pending is one. */
static void test_sync_coalescing(void **state)
{
	struct harness h;
	struct smmukit_smmu_stats a, b;
	struct smmuv3_cmd c = { .opcode = SMMUV3_OP_TLBI_NH_ALL };

	h_up(&h, "");
	assert_int_equal(smmukit_smmu_get_stats(h.s, &a), 0);
	assert_int_equal(smmukit_smmu_issue_cmds(h.s, &c, 1, true), 0);
	assert_int_equal(smmukit_smmu_sync(h.s), 0);
	assert_int_equal(smmukit_smmu_sync(h.s), 0);
	assert_int_equal(smmukit_smmu_get_stats(h.s, &b), 0);
	assert_int_equal(b.syncs - a.syncs, 1);
	assert_int_equal(b.syncs_coalesced - a.syncs_coalesced, 2);
	assert_int_equal(smmukit_smmu_issue_cmds(h.s, &c, 1, true), 0);
	assert_int_equal(smmukit_smmu_get_stats(h.s, &a), 0);
	assert_int_equal(a.syncs - b.syncs, 1);
	h_down(&h);
}

/* MSI completion: the SMMU writes the sequence number, CONS is not polled. */
static void test_msi_sync(void **state)
{
	struct harness h;
	struct smmuv3_cmd c = { .opcode = SMMUV3_OP_TLBI_NH_ALL };
	struct smmukit_smmu_info in;
	uint64_t before;

	h_up(&h, "msi");
	assert_int_equal(smmukit_smmu_get_info(h.s, &in), 0);
	assert_true(in.msi_sync);
	before = h_mstats(&h).msi_writes;
	for (unsigned i = 0; i < 300; i++)	/* wraps a 2^8..2^12 queue too */
		assert_int_equal(smmukit_smmu_issue_cmds(h.s, &c, 1, true), 0);
	assert_int_equal(h_mstats(&h).msi_writes - before, 300);
	h_down(&h);

	/* With MSI disabled by configuration: polled. */
	{
		struct smmukit_smmu_config cfg = { .disable_msi_sync = true };

		h_up_cfg(&h, "msi", &cfg);
		assert_int_equal(smmukit_smmu_get_info(h.s, &in), 0);
		assert_false(in.msi_sync);
		assert_int_equal(smmukit_smmu_issue_cmds(h.s, &c, 1, true), 0);
		assert_int_equal(h_mstats(&h).msi_writes, 0);
		h_down(&h);
	}
}

/*
 * A waiter really waits: with CMD_SYNC costing 1 us of modelled time, a
 * sync returns no earlier than its completion, in polled and MSI mode, and
 * every sync the driver wrote has completed in the model (including the
 * first one, whose MSI value must differ from the word's initial 0).
 */
static void test_sync_waits_for_completion(void **state)
{
	static const char *const keys[] = { "", "msi", "sev" };

	for (unsigned k = 0; k < 3; k++) {
		struct harness h;
		struct smmukit_model_profile prof;
		struct smmukit_smmu_config c;
		struct smmukit_smmu_stats st;
		struct smmuv3_cmd cmd = { .opcode = SMMUV3_OP_TLBI_NH_ALL };
		uint64_t t0;

		smmukit_model_profile_zero(&prof);
		assert_int_equal(smmukit_model_profile_set(&prof, "cmd_sync_ns", "1000"), 0);
		assert_int_equal(smmukit_model_profile_set(&prof, "cmd_tlbi_all_ns", "300"), 0);
		h_model_prof(&h, keys[k], &prof);
		h_config(&h, &c);
		assert_int_equal(smmukit_smmu_probe(&c, &h.s), 0);
		assert_int_equal(smmukit_smmu_get_stats(h.s, &st), 0);
		assert_int_equal(h_mstats(&h).syncs, st.syncs);
		for (unsigned i = 0; i < 5; i++) {
			t0 = smmukit_plat_clock_ns(h.p);
			assert_int_equal(smmukit_smmu_issue_cmds(h.s, &cmd, 1, true), 0);
			assert_true(smmukit_plat_clock_ns(h.p) - t0 >= 1300);
			assert_int_equal(smmukit_smmu_get_stats(h.s, &st), 0);
			assert_int_equal(h_mstats(&h).syncs, st.syncs);
		}
		h_down(&h);
	}
}

/*
 * A polled timer callback (what a flush queue's timeout is under a manual
 * clock or bare metal) runs inside relax() while another submitter waits
 * for queue space, and submits commands itself: no deadlock, both complete.
 */
struct cb_ctx {
	struct smmukit_timer t;
	struct smmukit_iommu_drv_domain *dom;
	int ret;
	unsigned runs;
};

static void timer_cb(struct smmukit_timer *t)
{
	struct cb_ctx *c = smmukit_container_of(t, struct cb_ctx, t);

	c->runs++;
	c->ret = smmukit_iommu_drv_flush_iotlb_all(c->dom);
}

static void test_timer_callback_submits_during_wait(void **state)
{
	struct harness h;
	struct smmukit_model_profile prof;
	struct smmukit_smmu_config c;
	struct cb_ctx cb = { .ret = 1 };
	struct smmuv3_cmd cmds[40];
	struct smmukit_smmu_stats st;

	smmukit_model_profile_zero(&prof);
	assert_int_equal(smmukit_model_profile_set(&prof, "cmd_tlbi_va_ns", "1000"), 0);
	h_model_prof(&h, "", &prof);
	h_config(&h, &c);
	c.cmdq_log2_max = 3;	/* 8 entries: the 40 commands wait for space */
	assert_int_equal(smmukit_smmu_probe(&c, &h.s), 0);
	h.iommu = smmukit_smmu_iommu(h.s);
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, NULL, &cb.dom), 0);
	for (unsigned i = 0; i < 40; i++) {
		cmds[i] = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_VA };
		cmds[i].tlbi.asid = 1;
		cmds[i].tlbi.addr = (uint64_t)i << 12;
	}
	smmukit_plat_timer_init(h.p, &cb.t, timer_cb);
	smmukit_plat_timer_arm(h.p, &cb.t, smmukit_plat_clock_ns(h.p) + 2500);
	assert_int_equal(smmukit_smmu_issue_cmds(h.s, cmds, 40, true), 0);
	assert_int_equal(cb.runs, 1);
	assert_int_equal(cb.ret, 0);
	assert_int_equal(smmukit_smmu_get_stats(h.s, &st), 0);
	assert_int_equal(h_mstats(&h).syncs, st.syncs);
	smmukit_plat_timer_cancel_sync(h.p, &cb.t);
	smmukit_plat_timer_destroy(h.p, &cb.t);
	assert_int_equal(smmukit_iommu_drv_domain_free(cb.dom), 0);
	h_down(&h);
}

/* Queue wrap: many more commands than entries, in every batch shape. */
static void test_queue_wrap(void **state)
{
	struct harness h;
	struct smmukit_smmu_config cfg = { .cmdq_log2_max = 3 };
	struct smmuv3_cmd c[10];
	struct smmukit_model_cmd_rec r[64];
	uint64_t cursor = 0;
	unsigned seen = 0;

	h_up_cfg(&h, "cmdlog=65536", &cfg);
	while (h_cmdlog(&h, &cursor, r, 64) == 64)
		;
	for (unsigned i = 0; i < 10; i++) {
		c[i] = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_ASID };
		c[i].tlbi.asid = i + 1;
	}
	/* 8 entries, batches of 4: 10 commands need 3 batches and wrap. */
	for (unsigned k = 0; k < 50; k++)
		assert_int_equal(smmukit_smmu_issue_cmds(h.s, c, 1 + k % 10, k % 3 != 0), 0);
	assert_int_equal(smmukit_smmu_sync(h.s), 0);
	for (;;) {
		size_t n = h_cmdlog(&h, &cursor, r, 64);

		if (!n)
			break;
		seen += (unsigned)(n - h_count_op(r, n, SMMUV3_OP_CMD_SYNC));
	}
	/* sum over k of 1 + k % 10 */
	assert_int_equal(seen, 5 * 55);
	h_down(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault_fields),
		cmocka_unit_test(test_fault_noncoherent),
		cmocka_unit_test(test_fault_stage2),
		cmocka_unit_test(test_evtq_overflow),
		cmocka_unit_test(test_cerror_ill_recovery_from_waiter),
		cmocka_unit_test(test_cerror_ill_recovery_from_gerror_irq),
		cmocka_unit_test(test_sync_coalescing),
		cmocka_unit_test(test_msi_sync),
		cmocka_unit_test(test_queue_wrap),
		cmocka_unit_test(test_sync_waits_for_completion),
		cmocka_unit_test(test_timer_callback_submits_during_wait),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * Command errors: an illegal command stops the queue with CONS at it,
 * CONS.ERR = CERROR_ILL and GERROR.CMDQ_ERR toggled; nothing after it is
 * consumed until software overwrites it (with a CMD_SYNC) and acknowledges
 * through GERRORN. Also CERROR_ABT for a queue outside memory, and the
 * "stop consuming" fault option.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "model_testlib.h"

static uint32_t cons_err(struct mt *t)
{
	return (uint32_t)smmukit_field_get(CMDQ_CONS_ERR,
					   mt_rd32(t, SMMUV3_CMDQ_CONS));
}

static bool cmdq_err_active(struct mt *t)
{
	return (mt_rd32(t, SMMUV3_GERROR) ^ mt_rd32(t, SMMUV3_GERRORN)) &
	       GERROR_CMDQ_ERR;
}

/* Submit good, bad, good; check the stop, fix, acknowledge, resume. */
static void stop_fix_resume(struct mt *t, uint64_t bad0, uint64_t bad1)
{
	uint32_t bad_slot, cons;
	uint64_t before = mt_stats(t).cmds, pa, dw[2];

	mt_tlbi_asid(t, 1, 0);
	bad_slot = t->cmdq_prod;
	mt_cmd_raw(t, bad0, bad1);
	mt_tlbi_asid(t, 2, 0);
	assert_int_equal(mt_sync(t), -SMMUKIT_ETIMEDOUT);
	cons = mt_rd32(t, SMMUV3_CMDQ_CONS);
	assert_int_equal(smmuv3_q_ptr(cons, t->cmdq_log2), bad_slot);
	assert_int_equal(cons_err(t), SMMUV3_CERROR_ILL);
	assert_true(cmdq_err_active(t));
	assert_int_equal(mt_stats(t).cmds, before + 1);
	/* Software replaces the bad command with a CMD_SYNC ... */
	assert_int_equal(smmuv3_cmd_encode(&(struct smmuv3_cmd){
					   .opcode = SMMUV3_OP_CMD_SYNC }, dw), 0);
	pa = t->cmdq_pa + smmuv3_q_idx(bad_slot, t->cmdq_log2) * 16;
	mt_w64(t, pa, dw[0]);
	mt_w64(t, pa + 8, dw[1]);
	/* ... and acknowledges; the queue resumes at CONS. */
	mt_wr32(t, SMMUV3_GERRORN, mt_rd32(t, SMMUV3_GERROR));
	assert_false(cmdq_err_active(t));
	assert_int_equal(mt_sync(t), 0);
	assert_int_equal(cons_err(t), 0);
	assert_int_equal(mt_stats(t).cmds, before + 5);
}

static void test_ill_variants(void **state)
{
	struct mt t;
	uint64_t dw[2];
	const struct { uint64_t dw0, dw1; } bad[] = {
		{ 0x07, 0 },		/* no CFGI_ALL opcode */
		{ 0x00, 0 },
		{ 0x7f, 0 },
		{ 0x46 | (3u << 12), 0 },	/* CMD_SYNC CS = 3 */
		{ 0x11 | SMMUKIT_BIT(10), 0 },	/* SSec = 1 */
		{ 0x20, 0 },			/* TLBI_EL2_ALL without HYP */
		{ 0x18, 0 },			/* TLBI_EL3_ALL */
		{ 0x45, 0 },			/* STALL_TERM without stalls */
		{ 0x11, 1 },			/* reserved DW1 bit */
	};

	(void)state;
	assert_int_equal(mt_setup(&t, "ril=0", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	for (size_t i = 0; i < SMMUKIT_ARRAY_SIZE(bad); i++)
		stop_fix_resume(&t, bad[i].dw0, bad[i].dw1);
	/* A range TLBI on an SMMU without RIL. */
	assert_int_equal(smmuv3_cmd_encode(&(struct smmuv3_cmd){
			.opcode = SMMUV3_OP_TLBI_NH_VA,
			.tlbi = { .asid = 1, .addr = 0x1000, .leaf = true,
				  .tg = CMD1_TG_4K, .ttl = 3, .num = 1 } }, dw), 0);
	stop_fix_resume(&t, dw[0], dw[1]);
	assert_int_equal(mt_stats(&t).cerrors, SMMUKIT_ARRAY_SIZE(bad) + 1);
	mt_teardown(&t);
}

static void test_trace_reports_cerror(void **state)
{
	struct mt t;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	/* Range TLBI with NUM = SCALE = TTL = 0 is reserved. */
	stop_fix_resume(&t, 0x12, 0x1000 | (1u << 10));
	assert_true(mt_stats(&t).gerrors >= 1);
	mt_teardown(&t);
}

static void keep_cerror_why(void *arg, const struct smmukit_model_trace_rec *r)
{
	if (r->kind == SMMUKIT_MODEL_TRACE_CERROR)
		*(const char **)arg = r->why;
}

/*
 * A range TLBI whose Addr is not aligned to the block of its TTL level
 * (TTL = 2 with 4K pages: 2 MiB) names no architected range; the encoder
 * refuses it, and the model raises CERROR_ILL with the reason traced,
 * instead of dropping it silently.
 */
static void test_range_tlbi_misaligned_ttl(void **state)
{
	struct mt t;
	struct mt_pt pt;
	const char *why = NULL;
	uint64_t a, b, dw[2];
	struct smmukit_model_dma_result r;
	const struct smmuv3_cmd c = {
		.opcode = SMMUV3_OP_TLBI_NH_VA,
		.tlbi = { .asid = 3, .addr = 0x3ff00000, .leaf = true,
			  .tg = CMD1_TG_4K, .ttl = 2, .num = 0, .scale = 10 },
	};

	(void)state;
	assert_int_equal(smmuv3_cmd_encode(&c, dw), -SMMUKIT_EINVAL);
	assert_int_equal(mt_setup(&t, "ril", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	smmukit_model_set_trace(t.m, SMMUKIT_MODEL_TRACE_CERROR,
				keep_cerror_why, &why);
	assert_int_equal(mt_s1_stream(&t, 1, 3, &pt), 0);
	a = mt_alloc(&t, 9);
	b = mt_alloc(&t, 9);
	mt_pt_map(&t, &pt, 0x40000000, a, 21, MT_RW);
	assert_int_equal(smmukit_model_translate(t.m, 1, SMMUKIT_MODEL_NO_SSID,
						 0x40000000, false, &r), 0);
	assert_int_equal(r.pa, a);
	mt_pt_map(&t, &pt, 0x40000000, b, 21, MT_RW);
	/*
	 * 4 MiB from 0x3ff00000 (NUM 0, SCALE 10), Leaf, TTL 2, ASID 3 (the
	 * helper's own TLBIs name ASIDs 1 and 2).
	 */
	stop_fix_resume(&t, 0x12 | (UINT64_C(10) << 20) | (UINT64_C(3) << 48),
			0x3ff00000 | 1 | (2u << 8) | (1u << 10));
	assert_non_null(why);
	assert_non_null(strstr(why, "TTL"));
	/* Nothing was invalidated: the old block is still cached. */
	assert_int_equal(smmukit_model_translate(t.m, 1, SMMUKIT_MODEL_NO_SSID,
						 0x40000000, false, &r), 0);
	assert_int_equal(r.pa, a);
	/* The aligned form is accepted and takes effect. */
	mt_cmd_raw(&t, 0x12 | (UINT64_C(1) << 20) | (UINT64_C(3) << 48),
		   0x40000000 | 1 | (2u << 8) | (1u << 10));
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(smmukit_model_translate(t.m, 1, SMMUKIT_MODEL_NO_SSID,
						 0x40000000, false, &r), 0);
	assert_int_equal(r.pa, b);
	assert_int_equal(mt_stats(&t).cerrors, 1);
	mt_teardown(&t);
}

/*
 * A GERRORN write that toggles a bit whose error is not active is refused:
 * accepting it would make the next real error of that kind look
 * acknowledged, hiding it.
 */
static void test_gerrorn_inactive_toggle_refused(void **state)
{
	struct mt t;
	uint64_t refused;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	refused = mt_stats(&t).refused_writes;
	mt_wr32(&t, SMMUV3_GERRORN, (uint32_t)GERROR_CMDQ_ERR);
	assert_int_equal(mt_rd32(&t, SMMUV3_GERRORN), 0);
	assert_int_equal(mt_stats(&t).refused_writes, refused + 1);
	/* The next real command error is visible and handled as usual. */
	stop_fix_resume(&t, 0x07, 0);
	/* Acknowledging an active error is not refused. */
	assert_int_equal(mt_stats(&t).refused_writes, refused + 1);
	/* With CMDQ_ERR active, toggling another bit as well is refused. */
	mt_tlbi_asid(&t, 1, 0);
	mt_cmd_raw(&t, 0x07, 0);
	assert_int_equal(mt_sync(&t), -SMMUKIT_ETIMEDOUT);
	assert_true(cmdq_err_active(&t));
	mt_wr32(&t, SMMUV3_GERRORN, mt_rd32(&t, SMMUV3_GERROR) ^
					    (uint32_t)GERROR_EVENTQ_ABT_ERR);
	assert_true(cmdq_err_active(&t));
	assert_int_equal(mt_stats(&t).refused_writes, refused + 2);
	mt_teardown(&t);
}

static void test_abt_outside_memory(void **state)
{
	struct mt t;
	uint32_t cons;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	mt_wr64(&t, SMMUV3_CMDQ_BASE, 0x1000 | 4);
	mt_wr32(&t, SMMUV3_CR0, (uint32_t)CR0_CMDQEN);
	mt_wr32(&t, SMMUV3_CMDQ_PROD, 1);
	for (int i = 0; i < 10; i++)
		smmukit_plat_relax(t.plat);
	cons = mt_rd32(&t, SMMUV3_CMDQ_CONS);
	assert_int_equal(smmukit_field_get(CMDQ_CONS_ERR, cons),
			 SMMUV3_CERROR_ABT);
	assert_int_equal(smmuv3_q_ptr(cons, 4), 0);
	assert_true(mt_rd32(&t, SMMUV3_GERROR) & GERROR_CMDQ_ERR);
	mt_teardown(&t);
}

static void test_stall_fault(void **state)
{
	struct mt t;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	mt_teardown(&t);
	assert_int_equal(mt_setup(&t, "cmdq_stall", NULL), 0);
	/* Bring-up itself times out: CONS never moves. */
	assert_int_equal(mt_enable(&t, 6, false), -SMMUKIT_ETIMEDOUT);
	assert_int_equal(smmuv3_q_ptr(mt_rd32(&t, SMMUV3_CMDQ_CONS), 8), 0);
	assert_int_equal(mt_stats(&t).cmds, 0);
	mt_teardown(&t);
}

static void test_stall_at_runtime(void **state)
{
	struct mt t;
	uint32_t slot;
	uint64_t word;

	(void)state;
	assert_int_equal(mt_setup(&t, "msi", "cmd_sync_ns=100\n"), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(smmukit_model_inject(t.m, SMMUKIT_MODEL_FAULT_CMDQ_STALL,
					      true), 0);
	slot = mt_sync_submit(&t);
	for (int i = 0; i < 1000; i++)
		smmukit_plat_relax(t.plat);
	assert_false(mt_consumed(&t, slot));
	assert_int_equal(smmukit_model_next_due_ns(t.m), UINT64_MAX);
	/* Released: the queued sync completes after its own cost. */
	assert_int_equal(smmukit_model_inject(t.m, SMMUKIT_MODEL_FAULT_CMDQ_STALL,
					      false), 0);
	assert_int_equal(smmukit_model_next_due_ns(t.m),
			 smmukit_plat_clock_ns(t.plat) + 100);
	assert_int_equal(mt_sync(&t), 0);
	assert_true(mt_consumed(&t, slot));
	/* NO_MSI: the sync completes, the MSI never lands. */
	word = mt_alloc(&t, 0);
	mt_w64(&t, word, 7);
	assert_int_equal(smmukit_model_inject(t.m, SMMUKIT_MODEL_FAULT_NO_MSI,
					      true), 0);
	mt_cmd(&t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_CMD_SYNC,
					 .sync = { .cs = CMD0_CS_IRQ,
						   .msiaddr = word } });
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(mt_r64(&t, word), 7);
	assert_int_equal(smmukit_model_inject(t.m, 99, true), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_model_inject(NULL, SMMUKIT_MODEL_FAULT_NO_MSI,
					      true), -SMMUKIT_EINVAL);
	mt_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ill_variants),
		cmocka_unit_test(test_trace_reports_cerror),
		cmocka_unit_test(test_range_tlbi_misaligned_ttl),
		cmocka_unit_test(test_gerrorn_inactive_toggle_refused),
		cmocka_unit_test(test_abt_outside_memory),
		cmocka_unit_test(test_stall_fault),
		cmocka_unit_test(test_stall_at_runtime),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

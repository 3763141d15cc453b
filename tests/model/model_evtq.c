/* SPDX-License-Identifier: MIT */
/*
 * The event queue: records in order with their fields, wrap, overflow
 * (OVFLG toggled once per episode, records dropped, acknowledged through
 * OVACKFLG), a disabled queue, a queue outside memory (EVENTQ_ABT_ERR),
 * and the registers' state rules.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "model_testlib.h"

#define SID 6

static void fault_at(struct mt *t, uint64_t iova, bool w)
{
	assert_int_equal(smmukit_model_translate(t->m, SID, SMMUKIT_MODEL_NO_SSID,
						 iova, w, NULL),
			 SMMUV3_EVT_F_TRANSLATION);
}

static void test_order_and_wrap(void **state)
{
	struct mt t;
	struct mt_pt pt;
	struct smmuv3_event e;

	(void)state;
	assert_int_equal(mt_setup(&t, "evtq_log2=2", NULL), 0);	/* 4 entries */
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_s1_stream(&t, SID, 1, &pt), 0);
	for (uint64_t round = 0; round < 5; round++) {
		for (uint64_t i = 0; i < 3; i++)
			fault_at(&t, (round * 3 + i) << 12, i & 1);
		for (uint64_t i = 0; i < 3; i++) {
			assert_int_equal(mt_evt_next(&t, &e), 1);
			assert_int_equal(e.id, SMMUV3_EVT_F_TRANSLATION);
			assert_int_equal(e.sid, SID);
			assert_false(e.ssv);
			assert_int_equal(e.input_addr, (round * 3 + i) << 12);
			assert_int_equal(e.rnw, !(i & 1));
			assert_false(e.s2);
		}
		assert_int_equal(mt_evt_next(&t, &e), 0);
	}
	assert_int_equal(mt_stats(&t).events, 15);
	mt_teardown(&t);
}

static void test_overflow(void **state)
{
	struct mt t;
	struct mt_pt pt;
	struct smmuv3_event e;
	uint32_t prod;

	(void)state;
	assert_int_equal(mt_setup(&t, "evtq_log2=2", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_s1_stream(&t, SID, 1, &pt), 0);
	for (uint64_t i = 0; i < 4; i++)
		fault_at(&t, i << 12, false);
	prod = mt_rd32(&t, SMMUV3_EVENTQ_PROD);
	assert_true(smmuv3_q_full(prod, t.evtq_cons, 2));
	assert_false(prod & EVENTQ_PROD_OVFLG);
	/* Full: dropped, OVFLG toggles once for the episode. */
	fault_at(&t, 0x10000, false);
	fault_at(&t, 0x11000, false);
	prod = mt_rd32(&t, SMMUV3_EVENTQ_PROD);
	assert_true(prod & EVENTQ_PROD_OVFLG);
	assert_int_equal(mt_stats(&t).events_lost, 2);
	/* The four recorded ones are intact. */
	for (uint64_t i = 0; i < 4; i++) {
		assert_int_equal(mt_evt_next(&t, &e), 1);
		assert_int_equal(e.input_addr, i << 12);
	}
	/* Acknowledge: OVACKFLG = OVFLG on the next CONS write. */
	t.evtq_cons |= EVENTQ_CONS_OVACKFLG;
	mt_wr32(&t, SMMUV3_EVENTQ_CONS, t.evtq_cons);
	assert_true(mt_rd32(&t, SMMUV3_EVENTQ_CONS) & EVENTQ_CONS_OVACKFLG);
	for (uint64_t i = 0; i < 5; i++)
		fault_at(&t, (0x20 + i) << 12, false);
	/* A new episode toggles OVFLG back. */
	prod = mt_rd32(&t, SMMUV3_EVENTQ_PROD);
	assert_false(prod & EVENTQ_PROD_OVFLG);
	assert_int_equal(mt_stats(&t).events_lost, 3);
	mt_teardown(&t);
}

static void test_disabled_and_abort(void **state)
{
	struct mt t;
	struct mt_pt pt;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_s1_stream(&t, SID, 1, &pt), 0);
	/* Base and PROD are refused while enabled. */
	mt_wr32(&t, SMMUV3_EVENTQ_PROD, 3);
	mt_wr64(&t, SMMUV3_EVENTQ_BASE, 0);
	assert_int_equal(mt_stats(&t).refused_writes, 2);
	assert_int_equal(mt_rd32(&t, SMMUV3_EVENTQ_PROD), 0);
	/* Disabled: events are discarded. */
	mt_wr32(&t, SMMUV3_CR0, (uint32_t)(CR0_SMMUEN | CR0_CMDQEN));
	fault_at(&t, 0x1000, false);
	assert_int_equal(mt_stats(&t).events_dropped, 1);
	assert_int_equal(mt_rd32(&t, SMMUV3_EVENTQ_PROD), 0);
	/* A queue outside memory: EVENTQ_ABT_ERR. */
	mt_wr64(&t, SMMUV3_EVENTQ_BASE, 0x2000 | 3);
	mt_wr32(&t, SMMUV3_CR0, (uint32_t)(CR0_SMMUEN | CR0_CMDQEN |
					   CR0_EVENTQEN));
	fault_at(&t, 0x1000, false);
	assert_true((mt_rd32(&t, SMMUV3_GERROR) ^ mt_rd32(&t, SMMUV3_GERRORN)) &
		    GERROR_EVENTQ_ABT_ERR);
	/* Once acknowledged it can be raised again. */
	mt_wr32(&t, SMMUV3_GERRORN, mt_rd32(&t, SMMUV3_GERROR));
	fault_at(&t, 0x1000, false);
	assert_true((mt_rd32(&t, SMMUV3_GERROR) ^ mt_rd32(&t, SMMUV3_GERRORN)) &
		    GERROR_EVENTQ_ABT_ERR);
	mt_teardown(&t);
}

struct trace_count {
	unsigned events, recorded;
};

static void count_trace(void *arg, const struct smmukit_model_trace_rec *r)
{
	struct trace_count *c = arg;

	if (r->kind == SMMUKIT_MODEL_TRACE_EVENT) {
		c->events++;
		c->recorded += r->recorded;
	}
}

static void test_trace_point(void **state)
{
	struct mt t;
	struct mt_pt pt;
	struct trace_count c = { 0 };

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_s1_stream(&t, SID, 1, &pt), 0);
	fault_at(&t, 0x1000, false);
	smmukit_model_set_trace(t.m, SMMUKIT_MODEL_TRACE_EVENT, count_trace, &c);
	fault_at(&t, 0x2000, false);
	mt_wr32(&t, SMMUV3_CR0, (uint32_t)(CR0_SMMUEN | CR0_CMDQEN));
	fault_at(&t, 0x3000, false);
	/* Without a callback the trace points go to the platform log. */
	smmukit_model_set_trace(t.m, SMMUKIT_MODEL_TRACE_ALL, NULL, NULL);
	fault_at(&t, 0x4000, false);
	smmukit_model_set_trace(t.m, 0, NULL, NULL);
	fault_at(&t, 0x5000, false);
	assert_int_equal(c.events, 2);
	assert_int_equal(c.recorded, 1);
	mt_teardown(&t);
}

static void test_irqs(void **state)
{
	struct mt t;
	struct mt_pt pt;
	struct smmukit_model_stats s;
	uint64_t msi;

	(void)state;
	assert_int_equal(mt_setup(&t, "msi", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_s1_stream(&t, SID, 1, &pt), 0);
	msi = mt_alloc(&t, 0);
	/* Disabled: no interrupt. */
	fault_at(&t, 0x1000, false);
	assert_int_equal(mt_stats(&t).evtq_irqs, 0);
	mt_wr64(&t, SMMUV3_EVENTQ_IRQ_CFG0, msi);
	mt_wr32(&t, SMMUV3_EVENTQ_IRQ_CFG1, 0xe1);
	mt_wr64(&t, SMMUV3_GERROR_IRQ_CFG0, msi + 8);
	mt_wr32(&t, SMMUV3_GERROR_IRQ_CFG1, 0x6e);
	mt_wr32(&t, SMMUV3_IRQ_CTRL, (uint32_t)(IRQ_CTRL_EVENTQ_IRQEN |
						IRQ_CTRL_GERROR_IRQEN));
	assert_int_equal(mt_rd32(&t, SMMUV3_IRQ_CTRLACK),
			 IRQ_CTRL_EVENTQ_IRQEN | IRQ_CTRL_GERROR_IRQEN);
	/* The MSI configuration is locked while its IRQ is enabled. */
	mt_wr32(&t, SMMUV3_EVENTQ_IRQ_CFG1, 0);
	assert_int_equal(mt_stats(&t).refused_writes, 1);
	fault_at(&t, 0x2000, false);
	assert_int_equal(mt_r64(&t, msi), 0xe1);
	/* A GERROR (command error) raises the GERROR MSI. */
	mt_cmd_raw(&t, 0x07, 0);
	for (int i = 0; i < 10; i++)
		smmukit_plat_relax(t.plat);
	assert_int_equal(mt_r64(&t, msi + 8), 0x6e);
	s = mt_stats(&t);
	assert_int_equal(s.evtq_irqs, 1);
	assert_int_equal(s.gerror_irqs, 1);
	assert_int_equal(s.irq_msi_writes, 2);
	mt_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_wrap),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_disabled_and_abort),
		cmocka_unit_test(test_trace_point),
		cmocka_unit_test(test_irqs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

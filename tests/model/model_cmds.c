/* SPDX-License-Identifier: MIT */
/*
 * Every command the model accepts is consumed and counted; CMD_SYNC
 * signals with CS = NONE, IRQ (MSI write of MSIData to MSIAddr when the
 * SMMU has MSIs) and SEV; the command log holds each consumed command, in
 * order, exactly once; the queue wraps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <pthread.h>

#include "model_testlib.h"

static void test_every_command(void **state)
{
	const struct smmuv3_cmd cmds[] = {
		{ .opcode = SMMUV3_OP_PREFETCH_CONFIG, .prefetch = { .sid = 1 } },
		{ .opcode = SMMUV3_OP_PREFETCH_ADDR,
		  .prefetch = { .sid = 1, .addr = 0x1000 } },
		{ .opcode = SMMUV3_OP_CFGI_STE, .cfgi = { .sid = 1, .leaf = true } },
		{ .opcode = SMMUV3_OP_CFGI_STE_RANGE, .cfgi = { .range = 4 } },
		{ .opcode = SMMUV3_OP_CFGI_CD, .cfgi = { .sid = 1 } },
		{ .opcode = SMMUV3_OP_CFGI_CD_ALL, .cfgi = { .sid = 1 } },
		{ .opcode = SMMUV3_OP_TLBI_NH_ALL },
		{ .opcode = SMMUV3_OP_TLBI_NH_ASID, .tlbi = { .asid = 1 } },
		{ .opcode = SMMUV3_OP_TLBI_NH_VA,
		  .tlbi = { .asid = 1, .addr = 0x1000, .leaf = true } },
		{ .opcode = SMMUV3_OP_TLBI_NH_VAA, .tlbi = { .addr = 0x2000 } },
		{ .opcode = SMMUV3_OP_TLBI_EL2_ALL },
		{ .opcode = SMMUV3_OP_TLBI_EL2_ASID, .tlbi = { .asid = 1 } },
		{ .opcode = SMMUV3_OP_TLBI_EL2_VA,
		  .tlbi = { .asid = 1, .addr = 0x1000 } },
		{ .opcode = SMMUV3_OP_TLBI_EL2_VAA, .tlbi = { .addr = 0x1000 } },
		{ .opcode = SMMUV3_OP_TLBI_S12_VMALL, .tlbi = { .vmid = 1 } },
		{ .opcode = SMMUV3_OP_TLBI_S2_IPA,
		  .tlbi = { .vmid = 1, .addr = 0x1000, .leaf = true } },
		{ .opcode = SMMUV3_OP_TLBI_NSNH_ALL },
		{ .opcode = SMMUV3_OP_ATC_INV,
		  .atc = { .sid = 1, .size = 52 } },
		{ .opcode = SMMUV3_OP_TLBI_NH_VA,
		  .tlbi = { .asid = 1, .addr = 0x10000, .leaf = true,
			    .tg = CMD1_TG_4K, .ttl = 3, .num = 7, .scale = 1 } },
		/*
		 * Leaf=0 with a TTL hint is legal (IHI 0070 4.4.1.1: table
		 * entries above the TTL level are invalidated too).
		 */
		{ .opcode = SMMUV3_OP_TLBI_NH_VA,
		  .tlbi = { .asid = 1, .addr = 0x200000, .leaf = false,
			    .tg = CMD1_TG_4K, .ttl = 2 } },
	};
	struct mt t;
	struct smmukit_model_stats s;
	struct smmukit_model_cmd_rec log[64];
	uint64_t cursor = 0, lost = 0;
	size_t n;
	unsigned before;

	(void)state;
	assert_int_equal(mt_setup(&t, "hyp", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	/* mt_enable issued CFGI_ALL, TLBI_NSNH_ALL, CMD_SYNC. */
	n = smmukit_model_read_cmdlog(t.m, &cursor, log, 64, &lost);
	assert_int_equal(n, 3);
	before = (unsigned)mt_stats(&t).cmds;
	for (size_t i = 0; i < SMMUKIT_ARRAY_SIZE(cmds); i++)
		mt_cmd(&t, &cmds[i]);
	assert_int_equal(mt_sync(&t), 0);
	s = mt_stats(&t);
	assert_int_equal(s.cerrors, 0);
	assert_int_equal(s.cmds, before + SMMUKIT_ARRAY_SIZE(cmds) + 1);
	assert_int_equal(s.cmds_by_op[SMMUV3_OP_TLBI_NH_VA], 3);
	assert_int_equal(s.cmds_by_op[SMMUV3_OP_ATC_INV], 1);
	assert_int_equal(s.cmds_by_op[SMMUV3_OP_CMD_SYNC], 2);
	assert_int_equal(s.syncs, 2);
	/* The log holds each command once, in order, as written. */
	n = smmukit_model_read_cmdlog(t.m, &cursor, log, 64, &lost);
	assert_int_equal(n, SMMUKIT_ARRAY_SIZE(cmds) + 1);
	assert_int_equal(lost, 0);
	for (size_t i = 0; i < SMMUKIT_ARRAY_SIZE(cmds); i++) {
		uint64_t dw[2];

		assert_int_equal(smmuv3_cmd_encode(&cmds[i], dw), 0);
		assert_int_equal(log[i].dw[0], dw[0]);
		assert_int_equal(log[i].dw[1], dw[1]);
		assert_int_equal(log[i].seq, 3 + i);
		assert_int_equal(log[i].cmd.opcode, cmds[i].opcode);
	}
	assert_int_equal(smmukit_field_get(CMD0_OP, log[n - 1].dw[0]),
			 SMMUV3_OP_CMD_SYNC);
	mt_teardown(&t);
}

static void test_sync_signals(void **state)
{
	struct mt t;
	struct smmukit_model_stats s;
	uint64_t word;
	uint32_t slot;

	(void)state;
	assert_int_equal(mt_setup(&t, "msi,sev", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	word = mt_alloc(&t, 0);
	mt_w64(&t, word, UINT64_C(0xffffffffffffffff));
	/* CS = IRQ: MSIData written to MSIAddr at completion. */
	mt_cmd(&t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_CMD_SYNC,
					 .sync = { .cs = CMD0_CS_IRQ,
						   .msidata = 0x1234,
						   .msiaddr = word + 4 } });
	for (int i = 0; i < 100 && (mt_r64(&t, word) >> 32) != 0x1234; i++)
		smmukit_plat_relax(t.plat);
	assert_int_equal(mt_r64(&t, word), UINT64_C(0x00001234ffffffff));
	/* MSI into the sync's own slot zeroes its first word (Linux trick). */
	slot = t.cmdq_prod;
	mt_cmd(&t, &(struct smmuv3_cmd){
			   .opcode = SMMUV3_OP_CMD_SYNC,
			   .sync = { .cs = CMD0_CS_IRQ, .msidata = 0,
				     .msiaddr = t.cmdq_pa +
						smmuv3_q_idx(slot, t.cmdq_log2) * 16 } });
	for (int i = 0; i < 100 && mt_consumed(&t, slot) == false; i++)
		smmukit_plat_relax(t.plat);
	assert_int_equal((uint32_t)mt_r64(&t, t.cmdq_pa +
					      smmuv3_q_idx(slot, t.cmdq_log2) * 16),
			 0);
	/* CS = SEV. */
	mt_cmd(&t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_CMD_SYNC,
					 .sync = { .cs = CMD0_CS_SEV } });
	assert_int_equal(mt_sync(&t), 0);
	s = mt_stats(&t);
	assert_int_equal(s.msi_writes, 2);
	assert_int_equal(s.sevs, 1);
	/* MSI outside RAM: GERROR.MSI_CMDQ_ABT_ERR. */
	mt_cmd(&t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_CMD_SYNC,
					 .sync = { .cs = CMD0_CS_IRQ,
						   .msiaddr = 0x1000 } });
	assert_int_equal(mt_sync(&t), 0);
	assert_true((mt_rd32(&t, SMMUV3_GERROR) ^ mt_rd32(&t, SMMUV3_GERRORN)) &
		    GERROR_MSI_CMDQ_ABT_ERR);
	mt_teardown(&t);
}

static void test_no_msi_feature(void **state)
{
	struct mt t;
	uint64_t word;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	word = mt_alloc(&t, 0);
	mt_w64(&t, word, 0xffffffff);
	mt_cmd(&t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_CMD_SYNC,
					 .sync = { .cs = CMD0_CS_IRQ,
						   .msidata = 0, .msiaddr = word } });
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(mt_r64(&t, word), 0xffffffff);
	assert_int_equal(mt_stats(&t).msi_writes, 0);
	mt_teardown(&t);
}

static void test_queue_wrap(void **state)
{
	struct mt t;
	struct smmukit_model_cmd_rec rec;
	uint64_t cursor = 0, lost;
	uint32_t prev = 0;

	(void)state;
	/* An 8-entry queue, 100 commands: wraps many times. */
	assert_int_equal(mt_setup(&t, "cmdq_log2=3,cmdlog=4", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	for (unsigned i = 0; i < 100; i++)
		mt_cmd(&t, &(struct smmuv3_cmd){
				   .opcode = SMMUV3_OP_TLBI_NH_ASID,
				   .tlbi = { .asid = i } });
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(mt_stats(&t).cmds, 3 + 100 + 1);
	assert_true(smmuv3_q_empty(mt_rd32(&t, SMMUV3_CMDQ_CONS), t.cmdq_prod,
				   3));
	/* The log kept the last 4; the rest are reported lost. */
	assert_int_equal(smmukit_model_read_cmdlog(t.m, &cursor, &rec, 1, &lost),
			 1);
	assert_int_equal(lost, 100);
	assert_int_equal(rec.seq, 100);
	assert_int_equal(smmukit_field_get(CMD0_ASID, rec.dw[0]), 97);
	prev = rec.slot;
	assert_int_equal(smmukit_model_read_cmdlog(t.m, &cursor, &rec, 1, &lost),
			 1);
	assert_int_equal(rec.slot, smmuv3_q_advance(prev, 1, 3));
	mt_teardown(&t);
}

struct conc {
	struct mt *t;
	unsigned dma_errors;
};

static void *device_thread(void *arg)
{
	struct conc *c = arg;
	char buf[16];

	for (unsigned i = 0; i < 20000; i++)
		if (mt_dma_read(c->t, 1, 0x1000 + (i & 0xff0), buf, sizeof(buf)))
			c->dma_errors++;
	return NULL;
}

/*
 * DMA from a device thread while a driver thread submits invalidations
 * and waits for syncs: the model's one lock keeps both consistent (and
 * ThreadSanitizer quiet), every sync completes, every command is logged.
 */
static void test_concurrent_dma_and_commands(void **state)
{
	struct mt t;
	struct mt_pt pt;
	struct conc c = { .t = &t };
	pthread_t dev;
	uint64_t cursor = 0, lost = 0, total = 0, base;
	struct smmukit_model_cmd_rec rec[64];
	size_t n;

	(void)state;
	assert_int_equal(mt_setup(&t, "cmdlog=8192", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_s1_stream(&t, 1, 1, &pt), 0);
	mt_pt_map(&t, &pt, 0x1000, mt_alloc(&t, 0), 12, MT_RW);
	base = mt_stats(&t).cmds;
	assert_int_equal(pthread_create(&dev, NULL, device_thread, &c), 0);
	for (unsigned i = 0; i < 500; i++) {
		mt_tlbi_asid(&t, 1, 0);
		assert_int_equal(mt_sync(&t), 0);
	}
	assert_int_equal(pthread_join(dev, NULL), 0);
	assert_int_equal(c.dma_errors, 0);
	assert_int_equal(mt_stats(&t).cmds, base + 1000);
	while ((n = smmukit_model_read_cmdlog(t.m, &cursor, rec, 64, &lost)))
		total += n;
	assert_int_equal(lost, 0);
	assert_int_equal(total, base + 1000);
	mt_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_command),
		cmocka_unit_test(test_sync_signals),
		cmocka_unit_test(test_no_msi_feature),
		cmocka_unit_test(test_queue_wrap),
		cmocka_unit_test(test_concurrent_dma_and_commands),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * The NVMe-like device model on the manual clock: bytes really move through
 * the SMMU model (a read returns what the last write stored, zeros before),
 * the service time and the per-direction rate give exact completion times,
 * queues refuse what they cannot hold, bad commands are refused, blocks
 * outside the namespace complete with LBA Out of Range, and a DMA the SMMU
 * aborts completes with a Data Transfer Error.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "model_testlib.h"
#include "smmukit/model_nvme.h"

struct nt {
	struct mt t;
	struct smmukit_nvme *d;
};

static struct nt *setup_dev(const char *features, uint64_t rd_iops,
			    uint64_t wr_iops, uint64_t lat, unsigned depth)
{
	static struct nt n;
	struct smmukit_nvme_config c;

	memset(&n, 0, sizeof(n));
	/* no_gbpa: with SMMUEN = 0 every stream bypasses to physical memory. */
	assert_int_equal(mt_setup(&n.t, features, NULL), 0);
	smmukit_nvme_config_default(&c);
	c.sid = 3;
	c.nr_blocks = 1024;
	c.nr_queues = 2;
	c.queue_depth = depth;
	c.read_iops = rd_iops;
	c.write_iops = wr_iops;
	c.latency_ns = lat;
	assert_int_equal(smmukit_nvme_create(n.t.m, n.t.plat, &c, &n.d), 0);
	return &n;
}

static void teardown_dev(struct nt *n)
{
	smmukit_nvme_destroy(n->d);
	mt_teardown(&n->t);
}

static int io(struct nt *n, unsigned qid, uint8_t op, uint16_t cid,
	      uint64_t lba, uint64_t pa, uint32_t nlb)
{
	uint64_t prp[SMMUKIT_NVME_MAX_PRPS];
	struct smmukit_nvme_cmd cmd = {
		.opcode = op, .cid = cid, .slba = lba, .nlb = nlb,
		.nr_prps = nlb, .prp = prp,
	};

	for (uint32_t i = 0; i < nlb; i++)
		prp[i] = pa + (uint64_t)i * 4096;
	return smmukit_nvme_submit(n->d, qid, &cmd);
}

/* Run the clock to the device's next event until one completion comes. */
static struct smmukit_nvme_cpl wait_one(struct nt *n, unsigned qid)
{
	struct smmukit_nvme_cpl c;

	for (int guard = 0; guard < 100; guard++) {
		uint64_t t = smmukit_nvme_next_due_ns(n->d);

		if (smmukit_nvme_poll(n->d, qid, &c, 1) == 1)
			return c;
		assert_true(t != UINT64_MAX);
		smmukit_posix_clock_set(n->t.plat, t);
	}
	fail_msg("no completion");
	return c;
}

static void test_bytes_move(void **state)
{
	struct nt *n = setup_dev("no_gbpa", 0, 0, 1000, 8);
	uint64_t a = mt_alloc(&n->t, 1), b = mt_alloc(&n->t, 1);
	uint8_t *pa = mt_va(&n->t, a), *pb = mt_va(&n->t, b);
	struct smmukit_nvme_cpl c;
	struct smmukit_nvme_stats s;

	(void)state;
	/* A block never written reads as zeros. */
	memset(pb, 0xee, 8192);
	assert_int_equal(io(n, 0, SMMUKIT_NVME_OP_READ, 1, 7, b, 2), 0);
	c = wait_one(n, 0);
	assert_int_equal(c.cid, 1);
	assert_int_equal(c.status, SMMUKIT_NVME_SC_SUCCESS);
	for (int i = 0; i < 8192; i++)
		assert_int_equal(pb[i], 0);
	/* Write two blocks, then read them back into another buffer. */
	for (int i = 0; i < 8192; i++)
		pa[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(io(n, 1, SMMUKIT_NVME_OP_WRITE, 2, 7, a, 2), 0);
	c = wait_one(n, 1);
	assert_int_equal(c.status, SMMUKIT_NVME_SC_SUCCESS);
	memset(pa, 0, 8192);	/* the device keeps its own copy */
	assert_int_equal(io(n, 0, SMMUKIT_NVME_OP_READ, 3, 7, b, 2), 0);
	c = wait_one(n, 0);
	assert_int_equal(c.status, SMMUKIT_NVME_SC_SUCCESS);
	for (int i = 0; i < 8192; i++)
		assert_int_equal(pb[i], (uint8_t)(i * 7 + 3));
	/* The last write wins: overwrite the second block only. */
	memset(pa, 0x5a, 4096);
	assert_int_equal(io(n, 0, SMMUKIT_NVME_OP_WRITE, 4, 8, a, 1), 0);
	wait_one(n, 0);
	assert_int_equal(io(n, 0, SMMUKIT_NVME_OP_READ, 5, 7, b, 2), 0);
	wait_one(n, 0);
	assert_int_equal(pb[0], 3);
	assert_int_equal(pb[4096], 0x5a);
	assert_int_equal(smmukit_nvme_get_stats(n->d, &s), 0);
	assert_int_equal(s.completed, 5);
	assert_int_equal(s.bytes_written, 3 * 4096);
	assert_int_equal(s.bytes_read, 6 * 4096);
	assert_int_equal(s.in_flight, 0);
	mt_free(&n->t, a, 1);
	mt_free(&n->t, b, 1);
	teardown_dev(n);
}

static void test_timing(void **state)
{
	/* 1M reads/s: one every 1000 ns; 500K writes/s: one every 2000 ns. */
	struct nt *n = setup_dev("no_gbpa", 1000000, 500000, 5000, 8);
	uint64_t buf = mt_alloc(&n->t, 3), t0;
	struct smmukit_nvme_cpl c;

	(void)state;
	smmukit_posix_clock_set(n->t.plat, 100000);
	t0 = smmukit_plat_clock_ns(n->t.plat);
	for (uint16_t i = 0; i < 3; i++)
		assert_int_equal(io(n, 0, SMMUKIT_NVME_OP_READ, i, i, buf + i * 4096, 1), 0);
	/* Writes use their own direction's slots, from t0 too. */
	assert_int_equal(io(n, 1, SMMUKIT_NVME_OP_WRITE, 9, 100, buf + 3 * 4096, 1), 0);
	assert_int_equal(io(n, 1, SMMUKIT_NVME_OP_WRITE, 10, 101, buf + 4 * 4096, 1), 0);
	/* Nothing before the service time. */
	assert_int_equal(smmukit_nvme_queue_next_ns(n->d, 0), t0 + 5000);
	assert_int_equal(smmukit_nvme_poll(n->d, 0, &c, 1), 0);
	for (uint16_t i = 0; i < 3; i++) {
		c = wait_one(n, 0);
		assert_int_equal(c.cid, i);
		assert_int_equal(c.submit_ns, t0);
		assert_int_equal(c.done_ns, t0 + 5000 + 1000u * i);
	}
	c = wait_one(n, 1);
	assert_int_equal(c.done_ns, t0 + 5000);
	c = wait_one(n, 1);
	assert_int_equal(c.done_ns, t0 + 2000 + 5000);
	/* An 8 KiB read holds the read direction for two 4 KiB slots. */
	smmukit_posix_clock_set(n->t.plat, t0 + 100000);
	t0 += 100000;
	assert_int_equal(io(n, 0, SMMUKIT_NVME_OP_READ, 20, 0, buf, 2), 0);
	assert_int_equal(io(n, 0, SMMUKIT_NVME_OP_READ, 21, 0, buf, 1), 0);
	assert_int_equal(wait_one(n, 0).done_ns, t0 + 5000);
	assert_int_equal(wait_one(n, 0).done_ns, t0 + 2000 + 5000);
	assert_int_equal(smmukit_nvme_next_due_ns(n->d), UINT64_MAX);
	mt_free(&n->t, buf, 3);
	teardown_dev(n);
}

static void test_limits(void **state)
{
	struct nt *n = setup_dev("no_gbpa", 0, 0, 1000, 2);
	uint64_t buf = mt_alloc(&n->t, 0), prp[2] = { 0, 0 };
	struct smmukit_nvme_cmd bad = { .opcode = SMMUKIT_NVME_OP_READ, .nlb = 1,
					.nr_prps = 1, .prp = prp };
	struct smmukit_nvme_config c;
	struct smmukit_nvme *d2;
	struct smmukit_nvme_cpl cpl;

	(void)state;
	prp[0] = buf;
	/* The queue holds queue_depth commands, completions not yet polled too. */
	assert_int_equal(io(n, 0, SMMUKIT_NVME_OP_READ, 1, 0, buf, 1), 0);
	assert_int_equal(io(n, 0, SMMUKIT_NVME_OP_READ, 2, 0, buf, 1), 0);
	assert_int_equal(io(n, 0, SMMUKIT_NVME_OP_READ, 3, 0, buf, 1), -SMMUKIT_EBUSY);
	smmukit_posix_clock_advance(n->t.plat, 10000);
	assert_int_equal(io(n, 0, SMMUKIT_NVME_OP_READ, 3, 0, buf, 1), -SMMUKIT_EBUSY);
	assert_int_equal(smmukit_nvme_poll(n->d, 0, &cpl, 1), 1);
	assert_int_equal(io(n, 0, SMMUKIT_NVME_OP_READ, 3, 0, buf, 1), 0);
	/* Refused commands. */
	assert_int_equal(smmukit_nvme_submit(n->d, 2, &bad), -SMMUKIT_EINVAL);
	bad.opcode = 0x7f;
	assert_int_equal(smmukit_nvme_submit(n->d, 1, &bad), -SMMUKIT_EINVAL);
	bad.opcode = SMMUKIT_NVME_OP_READ;
	bad.nlb = 2;	/* 8 KiB needs two PRP entries */
	assert_int_equal(smmukit_nvme_submit(n->d, 1, &bad), -SMMUKIT_EINVAL);
	bad.nr_prps = 2;
	prp[1] = buf + 12;	/* later entries must be page-aligned */
	assert_int_equal(smmukit_nvme_submit(n->d, 1, &bad), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_nvme_submit(NULL, 0, &bad), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_nvme_poll(n->d, 9, &cpl, 1), -SMMUKIT_EINVAL);
	/* Beyond the namespace: accepted, completes with LBA Out of Range. */
	bad.nlb = 1;
	bad.nr_prps = 1;
	bad.slba = 1024;
	bad.cid = 8;
	assert_int_equal(smmukit_nvme_submit(n->d, 1, &bad), 0);
	cpl = wait_one(n, 1);
	assert_int_equal(cpl.cid, 8);
	assert_int_equal(cpl.status, SMMUKIT_NVME_SC_LBA_RANGE);
	/* Bad configurations. */
	smmukit_nvme_config_default(&c);
	c.block_size = 1000;
	assert_int_equal(smmukit_nvme_create(n->t.m, n->t.plat, &c, &d2), -SMMUKIT_EINVAL);
	smmukit_nvme_config_default(&c);
	c.nr_queues = 0;
	assert_int_equal(smmukit_nvme_create(n->t.m, n->t.plat, &c, &d2), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_nvme_create(NULL, n->t.plat, &c, &d2), -SMMUKIT_EINVAL);
	mt_free(&n->t, buf, 0);
	teardown_dev(n);
}

static void test_dma_abort(void **state)
{
	/* At reset GBPA.ABORT = 1: the SMMU aborts the device's transfer. */
	struct nt *n = setup_dev("", 0, 0, 1000, 4);
	uint64_t buf = mt_alloc(&n->t, 0);
	struct smmukit_nvme_cpl c;
	struct smmukit_nvme_stats s;

	(void)state;
	assert_int_equal(io(n, 0, SMMUKIT_NVME_OP_READ, 1, 0, buf, 1), 0);
	c = wait_one(n, 0);
	assert_int_equal(c.status, SMMUKIT_NVME_SC_DATA_XFER_ERROR);
	assert_int_equal(c.dma_event, SMMUKIT_MODEL_ABORT);
	assert_int_equal(smmukit_nvme_get_stats(n->d, &s), 0);
	assert_int_equal(s.dma_errors, 1);
	mt_free(&n->t, buf, 0);
	teardown_dev(n);
}

static void test_profile_keys(void **state)
{
	struct smmukit_model_profile p;
	struct smmukit_nvme_config c;
	char err[128];

	(void)state;
	smmukit_model_profile_zero(&p);
	assert_int_equal(smmukit_model_profile_parse(&p,
		"device_read_iops = 573000\ndevice_write_iops=513000\n"
		"device_latency_ns = 80000\n", err, sizeof(err)), 0);
	smmukit_nvme_config_default(&c);
	smmukit_nvme_config_from_profile(&c, &p);
	assert_int_equal(c.read_iops, 573000);
	assert_int_equal(c.write_iops, 513000);
	assert_int_equal(c.latency_ns, 80000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes_move),
		cmocka_unit_test(test_timing),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_dma_abort),
		cmocka_unit_test(test_profile_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

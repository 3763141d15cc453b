/* SPDX-License-Identifier: MIT */
/*
 * Command-queue submission under threads. Not a benchmark: it checks that
 * with several threads inserting batches concurrently into a small queue
 * (so it wraps and fills constantly), every CMD_SYNC completes, and the
 * model's command log holds every command exactly once, each thread's
 * commands in its order and each batch contiguous, and right after each
 * synced issue returns, the model has consumed that batch and everything
 * issued before it (its TLBI_NH_VA count).
 *
 * Each command is a TLBI_NH_VA whose address encodes (thread, batch,
 * index), so the log identifies it. Runs with the zero profile on the real
 * clock and with CMD_SYNC costing time on the manual clock, and in MSI
 * mode. SMMUKIT_STRESS_OPS sets batches per thread (default 20000).
 *
 * The model's command log is a ring that overwrites its oldest records, so
 * the workers run in rounds of at most ROUND_BATCHES batches each, and the
 * log is read and checked between rounds: any SMMUKIT_STRESS_OPS fits.
 */
#include <pthread.h>
#include <stdlib.h>

#include "../unit/smmu_harness.h"

#define NR_THREADS 3
#define MAX_BATCH 12
#define LOG_ENTRIES (1u << 20)
#define ROUND_BATCHES 20000u
/* Worst case of one round: each batch plus its CMD_SYNC, one final sync. */
_Static_assert((uint64_t)NR_THREADS * (ROUND_BATCHES * (MAX_BATCH + 1) + 1) <=
		       LOG_ENTRIES,
	       "a round of commands must fit the command log");
#define READ_CHUNK (1u << 16)

struct run {
	struct smmukit_platform *p;
	struct smmukit_model *m;
	struct smmukit_smmu *s;
	unsigned batches;
	unsigned b_begin, b_end;	/* this round's batches [begin, end) */
	_Atomic unsigned failures;
	_Atomic unsigned syncs_done;
	/* TLBI_NH_VA commands whose issue call has returned (any thread). */
	_Atomic uint64_t returned_cmds;
	uint64_t base_consumed;	/* the model's TLBI_NH_VA count at start */
	_Atomic unsigned early_returns;
};

/* TLBI_NH_VA commands the model has consumed since the workers started. */
static uint64_t consumed_tlbis(struct run *r)
{
	struct smmukit_model_stats st;

	if (smmukit_model_get_stats(r->m, &st) != 0)
		return 0;
	return st.cmds_by_op[SMMUV3_OP_TLBI_NH_VA] - r->base_consumed;
}

struct worker {
	struct run *run;
	unsigned id;
};

static unsigned batch_len(unsigned t, unsigned b)
{
	return 1 + (t * 7 + b * 13) % MAX_BATCH;
}

static uint64_t addr_of(unsigned t, unsigned b, unsigned i)
{
	return ((uint64_t)(t + 1) << 40) | ((uint64_t)b << 16) |
	       ((uint64_t)i << 12);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->run;
	struct smmuv3_cmd c[MAX_BATCH];

	smmukit_posix_set_cpu(r->p, w->id % 2);
	for (unsigned b = r->b_begin; b < r->b_end; b++) {
		unsigned n = batch_len(w->id, b);
		bool sync = (b % 4) != 3;	/* some batches ride unsynced */

		for (unsigned i = 0; i < n; i++) {
			c[i] = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_VA };
			c[i].tlbi.asid = w->id + 1;
			c[i].tlbi.addr = addr_of(w->id, b, i);
			c[i].tlbi.leaf = true;
		}
		/*
		 * Every command whose issue returned before this call was
		 * published before this batch's CMD_SYNC: once that sync
		 * returns, the model must have consumed all of them and this
		 * batch (checked right after the return).
		 */
		uint64_t before = atomic_load(&r->returned_cmds);

		if (smmukit_smmu_issue_cmds(r->s, c, n, sync) != 0) {
			atomic_fetch_add(&r->failures, 1);
			continue;
		}
		if (sync) {
			if (consumed_tlbis(r) < before + n)
				atomic_fetch_add(&r->early_returns, 1);
			atomic_fetch_add(&r->syncs_done, 1);
		}
		atomic_fetch_add(&r->returned_cmds, n);
	}
	/* A final sync covers the unsynced tail of the round. */
	if (smmukit_smmu_sync(r->s) != 0)
		atomic_fetch_add(&r->failures, 1);
	return NULL;
}

/* What the log check carries from one window of the log to the next. */
struct log_check {
	unsigned next_b[NR_THREADS], next_i[NR_THREADS];
	int last_t;
	uint64_t expect;	/* TLBIs not yet seen */
	uint64_t logged_syncs;
	uint64_t seen;		/* records checked */
};

static void check_records(struct log_check *lc,
			  const struct smmukit_model_cmd_rec *log, size_t n)
{
	for (size_t k = 0; k < n; k++, lc->seen++) {
		unsigned op = log[k].dw[0] & 0xff;
		struct smmuv3_cmd c;
		uint64_t dw[2] = { log[k].dw[0], log[k].dw[1] };
		unsigned t, b, i;

		if (op == SMMUV3_OP_CMD_SYNC) {
			lc->logged_syncs++;
			lc->last_t = -1;
			continue;
		}
		assert_int_equal(op, SMMUV3_OP_TLBI_NH_VA);
		assert_int_equal(smmuv3_cmd_decode(dw, &c), SMMUV3_CERROR_NONE);
		t = (unsigned)(c.tlbi.addr >> 40) - 1;
		b = (unsigned)((c.tlbi.addr >> 16) & 0xffffff);
		i = (unsigned)((c.tlbi.addr >> 12) & 0xf);
		assert_true(t < NR_THREADS);
		assert_int_equal(c.tlbi.asid, t + 1);
		/* Exactly once, in the thread's order: the next expected one. */
		if (b != lc->next_b[t] || i != lc->next_i[t])
			fail_msg("log[%llu]: thread %u batch %u cmd %u, expected batch %u cmd %u",
				 (unsigned long long)lc->seen, t, b, i,
				 lc->next_b[t], lc->next_i[t]);
		/* A batch is contiguous: inside it, the previous command was
		 * this thread's. */
		if (i > 0 && lc->last_t != (int)t)
			fail_msg("log[%llu]: batch %u of thread %u interleaved",
				 (unsigned long long)lc->seen, b, t);
		lc->last_t = (int)t;
		if (++lc->next_i[t] == batch_len(t, b)) {
			lc->next_i[t] = 0;
			lc->next_b[t]++;
		}
		lc->expect--;
	}
}

/* Read and check everything logged since *cursor; nothing may be lost. */
static void drain_log(struct run *r, uint64_t *cursor,
		      struct smmukit_model_cmd_rec *log, struct log_check *lc)
{
	size_t n;
	uint64_t lost = 0;

	while ((n = smmukit_model_read_cmdlog(r->m, cursor, log, READ_CHUNK,
					      &lost)) > 0) {
		assert_int_equal(lost, 0);
		check_records(lc, log, n);
	}
	assert_int_equal(lost, 0);
}

static void run_stress(const char *keys, bool manual, const char *sync_ns)
{
	struct smmukit_posix_config pc = {
		.manual_clock = manual, .nr_cpus = 2, .mem_size = 128u << 20,
		.log_level = SMMUKIT_LOG_WARN,
	};
	struct smmukit_model_config mc;
	struct smmukit_model_profile prof;
	struct smmukit_smmu_config sc = { 0 };
	struct run r = { 0 };
	struct worker w[NR_THREADS];
	pthread_t th[NR_THREADS];
	const char *ops = getenv("SMMUKIT_STRESS_OPS");
	struct smmukit_model_cmd_rec *log;
	uint64_t cursor = 0, lost = 0;
	struct log_check lc = { .last_t = -1 };
	char err[128];
	struct smmukit_smmu_stats st, st0;

	r.batches = ops ? (unsigned)strtoul(ops, NULL, 0) : 20000;
	/* The command's address holds the batch number in 24 bits. */
	assert_true(r.batches <= 0xffffff);
	print_message("%u threads x %u batches, model '%s', %s clock, sync %s ns\n",
		      NR_THREADS, r.batches, keys, manual ? "manual" : "real", sync_ns);
	assert_int_equal(smmukit_posix_create(&pc, &r.p), 0);
	smmukit_model_config_default(&mc);
	assert_int_equal(smmukit_model_config_parse(&mc, keys, err, sizeof(err)), 0);
	mc.cmdlog_entries = LOG_ENTRIES;
	smmukit_model_profile_zero(&prof);
	assert_int_equal(smmukit_model_profile_set(&prof, "cmd_sync_ns", sync_ns), 0);
	assert_int_equal(smmukit_model_create(r.p, &mc, &prof, &r.m), 0);
	sc.platform = r.p;
	sc.mmio = smmukit_model_mmio(r.m);
	sc.cmdq_log2_max = 5;	/* 32 entries: constant wrap and full queue */
	assert_int_equal(smmukit_smmu_probe(&sc, &r.s), 0);
	/* Skip the bring-up commands. */
	log = calloc(READ_CHUNK, sizeof(*log));
	assert_non_null(log);
	while (smmukit_model_read_cmdlog(r.m, &cursor, log, READ_CHUNK, &lost))
		assert_int_equal(lost, 0);
	assert_int_equal(lost, 0);
	assert_int_equal(smmukit_smmu_get_stats(r.s, &st0), 0);
	{
		struct smmukit_model_stats ms;

		assert_int_equal(smmukit_model_get_stats(r.m, &ms), 0);
		r.base_consumed = ms.cmds_by_op[SMMUV3_OP_TLBI_NH_VA];
	}
	for (unsigned t = 0; t < NR_THREADS; t++)
		for (unsigned b = 0; b < r.batches; b++)
			lc.expect += batch_len(t, b);

	for (r.b_begin = 0; r.b_begin < r.batches; r.b_begin = r.b_end) {
		r.b_end = r.batches - r.b_begin > ROUND_BATCHES ?
				  r.b_begin + ROUND_BATCHES : r.batches;
		for (unsigned t = 0; t < NR_THREADS; t++) {
			w[t].run = &r;
			w[t].id = t;
			assert_int_equal(pthread_create(&th[t], NULL, worker_main,
							&w[t]), 0);
		}
		for (unsigned t = 0; t < NR_THREADS; t++)
			pthread_join(th[t], NULL);
		assert_int_equal(atomic_load(&r.failures), 0);
		/* No synced issue returned before the model consumed its
		 * commands. */
		assert_int_equal(atomic_load(&r.early_returns), 0);
		drain_log(&r, &cursor, log, &lc);
		for (unsigned t = 0; t < NR_THREADS; t++)
			assert_int_equal(lc.next_b[t], r.b_end);
	}

	assert_int_equal(lc.expect, 0);
	for (unsigned t = 0; t < NR_THREADS; t++)
		assert_int_equal(lc.next_b[t], r.batches);
	assert_int_equal(smmukit_smmu_get_stats(r.s, &st), 0);
	assert_int_equal(lc.logged_syncs, st.syncs - st0.syncs);
	assert_int_equal(st.sync_timeouts, 0);
	assert_int_equal(st.cerrors, 0);
	print_message("  %llu commands, %llu syncs written, %llu coalesced, %u waited\n",
		      (unsigned long long)st.cmds, (unsigned long long)st.syncs,
		      (unsigned long long)st.syncs_coalesced,
		      atomic_load(&r.syncs_done));
	free(log);
	smmukit_smmu_destroy(r.s);
	smmukit_model_destroy(r.m);
	smmukit_posix_destroy(r.p);
}

static void test_zero_profile_real_clock(void **state)
{
	run_stress("", false, "0");
}

static void test_costly_sync_manual_clock(void **state)
{
	run_stress("", true, "500");
}

static void test_msi_sync(void **state)
{
	run_stress("msi", true, "200");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zero_profile_real_clock),
		cmocka_unit_test(test_costly_sync_manual_clock),
		cmocka_unit_test(test_msi_sync),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

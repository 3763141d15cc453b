/* SPDX-License-Identifier: MIT */
/*
 * The locked SMMUv3 command queue (Linux 4.20's arm-smmu-v3.c design; docs/smmu.md).
 *
 * Positions. Every command ever written gets a 64-bit position; PROD and
 * CONS registers hold positions modulo 2^(n+1) ((wrap, index) form). A
 * waiter for a CMD_SYNC at position S is done once the SMMU has consumed
 * more than S commands. The architecture's wrap-bit test ("has CONS passed
 * slot S") is only valid while producers cannot lap the waiter twice, which
 * Linux guarantees by holding a lock while it waits; we wait outside the
 * lock, so instead we keep cons64, a monotonic lower bound of the consumed
 * count. A CONS value c is extended against a cons64 snapshot a taken
 * before the register read: e = a + ((c - a) mod 2^(n+1)). The true count
 * t is >= a and congruent to c, so e <= t always: cons64 = max(cons64, e)
 * never overestimates, and a waiter never sees its sync complete early,
 * however the queue laps. e is exact when t <= a + 2^n, which holds unless
 * other CPUs refilled and the SMMU drained more than a queue's worth
 * between the snapshot and the read (producers never let prod64 exceed
 * cons64 + 2^n); then the waiter just polls again with a fresher snapshot.
 */
#include "smmu_internal.h"

#define CMDQ_CONS_PTR_MASK(q) ((uint32_t)((UINT64_C(2) << (q)->log2size) - 1))

static uint64_t now_ns(struct smmu_cmdq *q)
{
	return smmukit_plat_clock_ns(q->plat);
}

int smmu_cmdq_init(struct smmu_cmdq *q, struct smmukit_smmu *smmu,
	      unsigned log2size, bool coherent, bool msi, bool sev)
{
	uint64_t bytes = (UINT64_C(1) << log2size) * SMMUV3_CMDQ_ENT_SIZE;
	unsigned order = 0;
	int ret;

	__builtin_memset(q, 0, sizeof(*q));
	q->smmu = smmu;
	q->plat = smmu->plat;
	q->log2size = log2size;
	q->batch_max = (unsigned)smmukit_min_u64(CMDQ_BATCH_MAX,
						 (UINT64_C(1) << log2size) / 2);
	q->coherent = coherent;
	q->msi = msi;
	q->sev = sev;
	/* The MSI word starts at 0: the first sync must wait for 1. */
	q->msi_seq = 1;
	smmukit_ratelimit_init(&q->rl_timeout, SMMUKIT_RATELIMIT_INTERVAL_NS,
			       SMMUKIT_RATELIMIT_BURST);
	while ((SMMUKIT_PAGE_SIZE << order) < bytes)
		order++;
	/* alloc_pages gives naturally aligned runs: the ring is aligned to
	 * its size, as CMDQ_BASE requires (low bits are treated as zero). */
	ret = smmukit_plat_alloc_pages(q->plat, order, &q->mem);
	if (ret)
		return ret;
	q->ring = q->mem.cpu;
	if (msi) {
		ret = smmukit_plat_alloc_pages(q->plat, 0, &q->msi_mem);
		if (ret) {
			smmukit_plat_free_pages(q->plat, &q->mem);
			return ret;
		}
		q->msi_word = q->msi_mem.cpu;
		q->msi_pa = q->msi_mem.pa;
	}
	smmukit_plat_lock_init(q->plat, &q->lock);
	return 0;
}

void smmu_cmdq_free(struct smmu_cmdq *q)
{
	if (!q->ring)
		return;
	smmukit_plat_lock_destroy(q->plat, &q->lock);
	if (q->msi_word)
		smmukit_plat_free_pages(q->plat, &q->msi_mem);
	smmukit_plat_free_pages(q->plat, &q->mem);
	q->ring = NULL;
}

uint64_t smmu_cmdq_base_reg(const struct smmu_cmdq *q)
{
	return Q_BASE_RA | (q->mem.pa & Q_BASE_ADDR) |
	       smmukit_field_prep(Q_BASE_LOG2SIZE, q->log2size);
}

void smmu_cmdq_reset_state(struct smmu_cmdq *q)
{
	smmukit_plat_lock(q->plat, &q->lock);
	q->prod64 = 0;
	q->last_is_sync = false;
	atomic_store_explicit(&q->cons64, 0, memory_order_release);
	/* The MSI word keeps counting from where it was: sequence numbers
	 * stay monotonic across a reset. */
	smmukit_plat_unlock(q->plat, &q->lock);
}

/*
 * Read CMDQ_CONS and raise cons64 to the consumed count it shows. Returns
 * the raw register (with ERR).
 */
static uint32_t refresh_cons(struct smmu_cmdq *q)
{
	uint64_t a = atomic_load_explicit(&q->cons64, memory_order_acquire);
	uint32_t reg = smmu_read32(q->smmu, SMMUV3_CMDQ_CONS);
	uint32_t mask = CMDQ_CONS_PTR_MASK(q);
	uint64_t e = a + (uint64_t)((reg - (uint32_t)a) & mask);

	while (e > a && !atomic_compare_exchange_weak_explicit(
				&q->cons64, &a, e, memory_order_acq_rel,
				memory_order_acquire))
		;
	/* Order the CONS observation before the caller's later reads (the
	 * control dependency that makes freeing IOVAs safe, docs/smmu.md). */
	smmukit_rmb();
	return reg;
}

/*
 * Waiters look at GERROR (two MMIO reads) only every GERROR_POLL_EVERY
 * polls, and at every poll once half the deadline has passed: a command
 * error stops the queue, so it shows up as a wait that does not end, and
 * the common case of a sync completing after a few polls costs no GERROR
 * read at all (in MSI mode a poll is then a plain memory load).
 * CMDQ_CONS.ERR is no trigger on its own: it may keep the code of an error
 * already handled (QEMU keeps it), which would make every poll a slow one.
 */
#define GERROR_POLL_EVERY 64u

static bool gerror_due(struct smmu_cmdq *q, unsigned *polls, uint64_t start)
{
	if (++*polls % GERROR_POLL_EVERY == 0)
		return true;
	return (now_ns(q) - start) * 2 >= q->smmu->timeout_ns;
}

/* SFM_ERR was reported: the SMMU is off until reset, nothing completes. */
static bool smmu_failed(struct smmu_cmdq *q)
{
	return atomic_load_explicit(&q->smmu->failed, memory_order_acquire);
}

static bool gerror_cmdq_active(struct smmu_cmdq *q)
{
	uint32_t g = smmu_read32(q->smmu, SMMUV3_GERROR);
	uint32_t gn = smmu_read32(q->smmu, SMMUV3_GERRORN);

	return ((g ^ gn) & GERROR_CMDQ_ERR) != 0;
}

/* Lock held. The body of smmu_cmdq_handle_cerror. */
static int cerror_locked(struct smmu_cmdq *q)
{
	struct smmukit_smmu *s = q->smmu;
	uint32_t g, gn, cons, err, idx;
	struct smmuv3_cmd sync = { .opcode = SMMUV3_OP_CMD_SYNC };
	uint64_t bad[2], fix[2];
	volatile uint64_t *slot;

	smmukit_plat_lock(q->plat, &s->gerror_lock);
	g = smmu_read32(s, SMMUV3_GERROR);
	gn = smmu_read32(s, SMMUV3_GERRORN);
	if (!((g ^ gn) & GERROR_CMDQ_ERR)) {
		smmukit_plat_unlock(q->plat, &s->gerror_lock);
		return 0;
	}
	cons = smmu_read32(s, SMMUV3_CMDQ_CONS);
	err = (uint32_t)smmukit_field_get(CMDQ_CONS_ERR, cons);
	idx = smmuv3_q_idx(cons, q->log2size);
	slot = q->ring + (size_t)idx * SMMUV3_CMDQ_ENT_DWORDS;
	bad[0] = smmukit_read_once64(&slot[0]);
	bad[1] = smmukit_read_once64(&slot[1]);
	smmukit_err(q->plat,
		    "smmu: command error %s at CONS 0x%x: %s (0x%016llx 0x%016llx)",
		    smmuv3_cerror_name(err), cons,
		    smmuv3_cmd_name((unsigned)smmukit_field_get(CMD0_OP, bad[0])),
		    (unsigned long long)bad[0], (unsigned long long)bad[1]);
	switch (err) {
	case SMMUV3_CERROR_ILL:
		/*
		 * Replace the illegal command by a CMD_SYNC (signal none):
		 * everything around it still runs and nobody waits on it.
		 * The SMMU restarts at CONS once acknowledged; we never move
		 * CONS ourselves while CMDQEN=1.
		 */
		sync.sync.cs = CMD0_CS_NONE;
		sync.sync.msh = SMMUV3_SH_ISH;
		sync.sync.msiattr = SMMUV3_MEMATTR_OIWB;
		if (smmuv3_cmd_encode(&sync, fix) == 0) {
			smmukit_write_once64(&slot[1], fix[1]);
			smmukit_write_once64(&slot[0], fix[0]);
			if (!q->coherent)
				smmukit_plat_dma_sync_for_device(
					q->plat,
					q->mem.pa + (uint64_t)idx * SMMUV3_CMDQ_ENT_SIZE,
					SMMUV3_CMDQ_ENT_SIZE);
		}
		break;
	case SMMUV3_CERROR_ABT:
	case SMMUV3_CERROR_ATC_INV_SYNC:
	default:
		/* The SMMU retries the fetch / the sync on acknowledgement. */
		break;
	}
	/* The fixed slot must be visible before the SMMU resumes. */
	smmukit_wmb();
	smmu_write32(s, SMMUV3_GERRORN,
		     (gn & ~(uint32_t)GERROR_CMDQ_ERR) | (g & GERROR_CMDQ_ERR));
	smmukit_plat_unlock(q->plat, &s->gerror_lock);
	atomic_fetch_add_explicit(&q->stat_cerrors, 1, memory_order_relaxed);
	return 1;
}

int smmu_cmdq_handle_cerror(struct smmu_cmdq *q)
{
	int ret;

	smmukit_plat_lock(q->plat, &q->lock);
	ret = cerror_locked(q);
	smmukit_plat_unlock(q->plat, &q->lock);
	return ret;
}

/* ---- insertion, one function per step ---- */

/*
 * Step 1 (lock held on entry and return, dropped while relaxing): wait
 * until `need` slots are free, under one deadline.
 */
static int wait_for_space(struct smmu_cmdq *q, unsigned need)
{
	uint64_t size = UINT64_C(1) << q->log2size;
	uint64_t start = now_ns(q);
	unsigned polls = 0;
	uint32_t reg = 0;

	for (;;) {
		uint64_t cons = atomic_load_explicit(&q->cons64,
						     memory_order_acquire);

		if (q->prod64 + need - cons <= size)
			return 0;
		reg = refresh_cons(q);
		cons = atomic_load_explicit(&q->cons64, memory_order_acquire);
		if (q->prod64 + need - cons <= size)
			return 0;
		if (smmu_failed(q))
			return -SMMUKIT_EIO;
		if (gerror_due(q, &polls, start))
			cerror_locked(q);
		if (now_ns(q) - start >= q->smmu->timeout_ns) {
			atomic_fetch_add_explicit(&q->stat_timeouts, 1,
						  memory_order_relaxed);
			if (smmukit_ratelimit(q->plat, &q->rl_timeout,
					      "smmu: CMDQ timeouts"))
				smmukit_err(q->plat,
					    "smmu: CMDQ timeout waiting for %u free slots: PROD 0x%x CONS 0x%x",
					    need,
					    smmu_read32(q->smmu, SMMUV3_CMDQ_PROD),
					    reg);
			return -SMMUKIT_ETIMEDOUT;
		}
		/*
		 * relax() may run polled timer callbacks (a flush queue's
		 * timeout) that submit commands themselves: never hold the
		 * queue lock across it. prod64 is re-read on the next pass.
		 */
		smmukit_plat_unlock(q->plat, &q->lock);
		smmukit_plat_relax(q->plat);
		smmukit_plat_lock(q->plat, &q->lock);
	}
}

/* Step 2 (lock held): copy commands into the ring from prod64 on. */
static void write_cmds(struct smmu_cmdq *q, const uint64_t (*dw)[2], unsigned n)
{
	uint64_t mask = (UINT64_C(1) << q->log2size) - 1;

	for (unsigned i = 0; i < n; i++) {
		uint64_t idx = (q->prod64 + i) & mask;
		volatile uint64_t *slot = q->ring + idx * SMMUV3_CMDQ_ENT_DWORDS;

		smmukit_write_once64(&slot[0], dw[i][0]);
		smmukit_write_once64(&slot[1], dw[i][1]);
	}
}

/* Step 3 (lock held): build the CMD_SYNC for position prod64. */
static int build_sync(struct smmu_cmdq *q, uint64_t dw[2])
{
	struct smmuv3_cmd c = { .opcode = SMMUV3_OP_CMD_SYNC };

	c.sync.msh = SMMUV3_SH_ISH;
	c.sync.msiattr = SMMUV3_MEMATTR_OIWB;
	if (q->msi) {
		/*
		 * MSI-counter completion (Linux 4.20): the SMMU writes the
		 * sequence number into msi_word. Taken under the lock, so
		 * syncs enter the queue in number order (0f02477d1698).
		 */
		c.sync.cs = CMD0_CS_IRQ;
		c.sync.msidata = q->msi_seq;
		c.sync.msiaddr = q->msi_pa;
	} else {
		c.sync.cs = q->sev ? CMD0_CS_SEV : CMD0_CS_NONE;
	}
	/* Our own constant command: the encoder must take it. */
	if (SMMUKIT_WARN_ON(q->plat, smmuv3_cmd_encode(&c, dw) != 0))
		return -SMMUKIT_EIO;
	return 0;
}

/* Step 4 (lock held): make the slots visible, then publish PROD. */
static void publish(struct smmu_cmdq *q, uint64_t first, unsigned n)
{
	uint64_t size = UINT64_C(1) << q->log2size;
	uint64_t idx = first & (size - 1);

	if (!q->coherent) {
		uint64_t run = smmukit_min_u64(n, size - idx);

		smmukit_plat_dma_sync_for_device(
			q->plat, q->mem.pa + idx * SMMUV3_CMDQ_ENT_SIZE,
			(size_t)(run * SMMUV3_CMDQ_ENT_SIZE));
		if (run < n)
			smmukit_plat_dma_sync_for_device(
				q->plat, q->mem.pa,
				(size_t)((n - run) * SMMUV3_CMDQ_ENT_SIZE));
	}
	/* Commands (and every STE, CD and PTE written before them) must be
	 * visible before the SMMU sees the new PROD. */
	smmukit_wmb();
	smmu_write32(q->smmu, SMMUV3_CMDQ_PROD,
		     (uint32_t)(q->prod64 & CMDQ_CONS_PTR_MASK(q)));
}

struct sync_wait {
	struct smmu_cmdq *q;
	uint64_t pos;
	uint32_t seq;
};

static bool sync_done(struct sync_wait *w)
{
	struct smmu_cmdq *q = w->q;

	if (q->msi) {
		/*
		 * Acquire, like the rmb after a CONS read: nothing the caller
		 * frees on the strength of this sync (IOVAs, table pages) may
		 * be reordered before it sees the SMMU's write.
		 */
		uint32_t v = atomic_load_explicit(q->msi_word,
						  memory_order_acquire);

		/* Wrap-safe: the counter is a 32-bit sequence. */
		return (int32_t)(v - w->seq) >= 0;
	}
	return atomic_load_explicit(&q->cons64, memory_order_acquire) > w->pos;
}

/*
 * In MSI mode the MSI is only a faster notification: completion is CONS
 * passing the sync. An MSI that never lands (an emulator advertising MSIs
 * it does not send, a lost write) must not cost a whole timeout, so a
 * waiter also reads CONS every MSI_CONS_EVERY polls and always before
 * declaring a timeout; each sync found complete that way is counted.
 */
#define MSI_CONS_EVERY 16u

static bool sync_done_by_cons(struct sync_wait *w)
{
	struct smmu_cmdq *q = w->q;

	refresh_cons(q);
	if (atomic_load_explicit(&q->cons64, memory_order_acquire) <= w->pos)
		return false;
	if (q->msi && !sync_done(w))
		atomic_fetch_add_explicit(&q->stat_msi_fallbacks, 1,
					  memory_order_relaxed);
	return true;
}

/* Step 5 (no lock): wait for the sync, recovering command errors; -EIO
 * as soon as SFM_ERR is seen. */
static int wait_for_sync(struct smmu_cmdq *q, struct sync_wait *w)
{
	uint64_t start = now_ns(q);
	unsigned polls = 0;

	for (;;) {
		if (!q->msi)
			refresh_cons(q);
		if (sync_done(w))
			return 0;
		if (q->msi && (polls + 1) % MSI_CONS_EVERY == 0 &&
		    sync_done_by_cons(w))
			return 0;
		if (smmu_failed(q))
			return -SMMUKIT_EIO;
		if (gerror_due(q, &polls, start) && gerror_cmdq_active(q))
			smmu_cmdq_handle_cerror(q);
		if (now_ns(q) - start >= q->smmu->timeout_ns) {
			if (sync_done(w) || sync_done_by_cons(w))
				return 0;
			atomic_fetch_add_explicit(&q->stat_timeouts, 1,
						  memory_order_relaxed);
			if (smmukit_ratelimit(q->plat, &q->rl_timeout,
					      "smmu: CMDQ timeouts"))
				smmukit_err(q->plat,
					    "smmu: CMD_SYNC timeout: sync at 0x%llx, PROD 0x%x CONS 0x%x",
					    (unsigned long long)w->pos,
					    smmu_read32(q->smmu, SMMUV3_CMDQ_PROD),
					    smmu_read32(q->smmu, SMMUV3_CMDQ_CONS));
			return -SMMUKIT_ETIMEDOUT;
		}
		smmukit_plat_relax(q->plat);
	}
}

/*
 * Insert n commands, plus a CMD_SYNC when sync is set:
 *  1. take the queue lock and wait (bounded, one deadline) until n + 1
 *     slots are free, refreshing cons64 from CMDQ_CONS and recovering a
 *     command error if the queue stopped (GERROR looked at every 64 polls
 *     and in the second half of the deadline; -EIO after SFM_ERR); the
 *     lock is dropped around each relax(), which may run timer callbacks
 *     that submit commands;
 *  2. write the n commands at prod64 (single-copy-atomic stores);
 *  3. if a sync is wanted and no command was added since the last
 *     CMD_SYNC, coalesce: wait for that one instead; otherwise build a
 *     CMD_SYNC (MSI sequence number taken here, under the lock) after them;
 *  4. sync the slots for a non-coherent SMMU, barrier, write CMDQ_PROD,
 *     advance prod64 and drop the lock;
 *  5. outside the lock, wait for the sync: the MSI word reaching its
 *     sequence number, or cons64 passing its position.
 */
int smmu_cmdq_issue(struct smmu_cmdq *q, const uint64_t (*dw)[2], unsigned n,
	       bool sync)
{
	uint64_t sync_dw[1][2];
	struct sync_wait w = { .q = q };
	unsigned total;
	uint64_t first;
	int ret;

	if (n > q->batch_max || (n == 0 && !sync))
		return n ? -SMMUKIT_EINVAL : 0;
	/* After SFM_ERR the queue is off until reset: fail at once. */
	if (atomic_load_explicit(&q->smmu->failed, memory_order_acquire))
		return -SMMUKIT_EIO;

	smmukit_plat_lock(q->plat, &q->lock);
	ret = wait_for_space(q, n + (sync ? 1u : 0u));
	if (ret) {
		smmukit_plat_unlock(q->plat, &q->lock);
		return ret;
	}
	first = q->prod64;
	write_cmds(q, dw, n);
	q->prod64 += n;
	total = n;
	if (n)
		q->last_is_sync = false;
	if (sync) {
		if (q->last_is_sync) {
			w.pos = q->last_sync_pos;
			w.seq = q->last_sync_seq;
			atomic_fetch_add_explicit(&q->stat_coalesced, 1,
						  memory_order_relaxed);
		} else {
			if (build_sync(q, sync_dw[0])) {
				/* The commands still go out; no sync covers them. */
				if (total)
					publish(q, first, total);
				smmukit_plat_unlock(q->plat, &q->lock);
				return -SMMUKIT_EIO;
			}
			write_cmds(q, (const uint64_t (*)[2])sync_dw, 1);
			w.pos = q->prod64;
			w.seq = q->msi_seq++;
			q->last_is_sync = true;
			q->last_sync_pos = w.pos;
			q->last_sync_seq = w.seq;
			q->prod64++;
			total++;
			atomic_fetch_add_explicit(&q->stat_syncs, 1,
						  memory_order_relaxed);
		}
	}
	if (total)
		publish(q, first, total);
	smmukit_plat_unlock(q->plat, &q->lock);

	atomic_fetch_add_explicit(&q->stat_cmds, n, memory_order_relaxed);
	atomic_fetch_add_explicit(&q->stat_batches, 1, memory_order_relaxed);
	if (!sync)
		return 0;
	return wait_for_sync(q, &w);
}

int smmu_cmdq_batch_add(struct smmu_cmdq *q, struct smmu_cmdq_batch *b,
		   const struct smmuv3_cmd *cmd)
{
	int ret;

	if (b->n >= q->batch_max) {
		/* A full batch goes out without a sync; one ends the work. */
		ret = smmu_cmdq_issue(q, (const uint64_t (*)[2])b->dw, b->n, false);
		if (ret)
			return ret;
		b->n = 0;
	}
	ret = smmuv3_cmd_encode(cmd, b->dw[b->n]);
	if (ret)
		return ret;
	b->n++;
	return 0;
}

int smmu_cmdq_batch_submit(struct smmu_cmdq *q, struct smmu_cmdq_batch *b)
{
	int ret = smmu_cmdq_issue(q, (const uint64_t (*)[2])b->dw, b->n, true);

	b->n = 0;
	return ret;
}

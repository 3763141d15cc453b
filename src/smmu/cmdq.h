/* SPDX-License-Identifier: MIT */
/*
 * The SMMUv3 command queue, behind a small internal interface so that a
 * lock-free variant (smmu.cmdq=lockfree, as Linux 5.5 added) can sit beside this
 * locked one later: everything outside cmdq.c uses only the functions below
 * and struct smmu_cmdq_batch.
 *
 * This is the command queue of Linux 4.20's era: one lock around "wait for
 * space, write, publish PROD"; the CMD_SYNC is waited for outside the lock,
 * by polling CONS, or by the MSI-counter method when the SMMU has MSIs and
 * is coherent. See cmdq.c for the insertion algorithm and the reasoning.
 */
#ifndef SMMUKIT_SMMU_CMDQ_H
#define SMMUKIT_SMMU_CMDQ_H

#include "smmukit/platform.h"
#include "smmukit/smmuv3_hw.h"
#include "smmukit/warn.h"

struct smmukit_smmu;

/* Commands per batch: a full batch goes out without a sync, as in Linux. */
#define CMDQ_BATCH_MAX 64u

struct smmu_cmdq {
	struct smmukit_smmu *smmu;
	struct smmukit_platform *plat;
	struct smmukit_dma_pages mem;
	volatile uint64_t *ring;	/* 2^log2size entries of 2 dwords */
	unsigned log2size;
	unsigned batch_max;	/* min(64, size / 2): a batch + sync always fits */
	bool coherent;		/* else every queue write is synced for the device */
	bool msi;		/* CMD_SYNC completion by MSI counter */
	bool sev;		/* CS=SEV (a WFE-capable waiter could sleep) */

	/*
	 * lock protects the ring contents, prod64, last_sync_* and msi_seq.
	 * Commands are numbered by a 64-bit count of every command ever
	 * written (prod64); CMDQ_PROD/CONS carry that count modulo 2^(n+1).
	 */
	struct smmukit_lock lock;
	uint64_t prod64;
	bool last_is_sync;	/* the last command written is a CMD_SYNC */
	uint64_t last_sync_pos;	/* its position (count) */
	uint32_t last_sync_seq;	/* its MSI sequence number */
	uint32_t msi_seq;	/* sequence of the next MSI sync */

	/*
	 * cons64: a lower bound of how many commands the SMMU consumed, only
	 * ever raised (atomic CAS max); read without the lock by sync waiters.
	 * A CONS register value c is extended against a snapshot a as
	 * a + ((c - a) mod 2^(n+1)): never above the true count, and exact
	 * when at most 2^n commands were consumed since a; otherwise the
	 * waiter simply polls again (see cmdq.c).
	 */
	_Atomic uint64_t cons64;

	/* MSI mode: the word the SMMU writes MSIData to. */
	struct smmukit_dma_pages msi_mem;
	_Atomic uint32_t *msi_word;
	smmukit_phys_t msi_pa;

	/* Counters (relaxed atomics). */
	_Atomic uint64_t stat_cmds;
	_Atomic uint64_t stat_syncs;
	_Atomic uint64_t stat_coalesced;
	_Atomic uint64_t stat_batches;
	_Atomic uint64_t stat_timeouts;
	_Atomic uint64_t stat_cerrors;
	/* MSI mode: syncs seen complete through CONS, their MSI missing. */
	_Atomic uint64_t stat_msi_fallbacks;
	/* Timeout messages (a stopped queue fails every caller). */
	struct smmukit_ratelimit rl_timeout;
};

/* A batch of encoded commands being built by one thread (on its stack). */
struct smmu_cmdq_batch {
	uint64_t dw[CMDQ_BATCH_MAX][2];
	unsigned n;
};

/* Allocate the ring (and the MSI word). 0 or -ENOMEM. */
int smmu_cmdq_init(struct smmu_cmdq *q, struct smmukit_smmu *smmu,
	      unsigned log2size, bool coherent, bool msi, bool sev);
void smmu_cmdq_free(struct smmu_cmdq *q);
/* Value for CMDQ_BASE. */
uint64_t smmu_cmdq_base_reg(const struct smmu_cmdq *q);
/*
 * Forget every command: call only while CMDQEN=0 (reset), after writing
 * CMDQ_PROD = CMDQ_CONS = 0.
 */
void smmu_cmdq_reset_state(struct smmu_cmdq *q);

/*
 * Insert n encoded commands (n <= batch_max), plus a CMD_SYNC when sync,
 * and wait for that sync. 0, -ETIMEDOUT (reported with PROD/CONS), or
 * -EIO once SFM_ERR was reported (also noticed by a waiter already waiting).
 */
int smmu_cmdq_issue(struct smmu_cmdq *q, const uint64_t (*dw)[2], unsigned n,
	       bool sync);

/*
 * If GERROR.CMDQ_ERR is active: decode CMDQ_CONS.ERR, log the offending
 * command, replace it by a CMD_SYNC when it was illegal, acknowledge.
 * Returns 1 if an error was handled, 0 if none was active.
 */
int smmu_cmdq_handle_cerror(struct smmu_cmdq *q);

/* Batches: encode with the one encoder; a full batch is issued unsynced. */
static inline void smmu_cmdq_batch_init(struct smmu_cmdq_batch *b)
{
	b->n = 0;
}

/* -EINVAL if the encoder refuses cmd, -ETIMEDOUT from a flush. */
int smmu_cmdq_batch_add(struct smmu_cmdq *q, struct smmu_cmdq_batch *b,
		   const struct smmuv3_cmd *cmd);
/* Issue what is left, ended by one CMD_SYNC, and wait. */
int smmu_cmdq_batch_submit(struct smmu_cmdq *q, struct smmu_cmdq_batch *b);

#endif /* SMMUKIT_SMMU_CMDQ_H */

/* SPDX-License-Identifier: MIT */
/*
 * The Arm SMMUv3 driver: probe and reset, stream tables (linear and
 * 2-level), context descriptors, a batched command queue with CMD_SYNC,
 * the event queue and global errors, and every invalidation path. It reaches
 * the SMMU only through a struct smmukit_mmio and the platform's memory, so
 * the same code drives the hardware model, QEMU's SMMUv3 and silicon.
 *
 * Above this header, only include/smmukit/iommu_ops.h is used: the IOMMU core
 * never sees SMMUv3 types. The low-level entry points here (raw command
 * submission, statistics) are for tests, benchmarks and the tool.
 *
 * Threads: every function may be called from any thread unless it says
 * otherwise. smmukit_smmu_reset and smmukit_smmu_destroy need the caller to
 * have quiesced every other use of the SMMU.
 *
 * Error codes: -EINVAL (NULL pointer, bad config or command), -ENODEV (the
 * registers describe no usable SMMUv3: version, features, sizes), -ENOMEM,
 * -ETIMEDOUT (a CMD_SYNC or register ack not seen in time), -EIO (the SMMU
 * reported an error: GERROR, a command error), -EBUSY/-EEXIST (a stream
 * attached elsewhere / already here), -ENOENT (detach of a stream not
 * attached), -ENOSPC (no ASID/VMID left), -EOPNOTSUPP (a stage or feature
 * the SMMU lacks).
 */
#ifndef SMMUKIT_SMMU_H
#define SMMUKIT_SMMU_H

#include "smmukit/base.h"
#include "smmukit/iommu_ops.h"
#include "smmukit/options.h"
#include "smmukit/platform.h"
#include "smmukit/smmuv3_hw.h"

#ifdef __cplusplus
extern "C" {
#endif

struct smmukit_smmu;

/* A decoded event record, handed to the registered event handler. */
struct smmukit_smmu_event {
	unsigned id;		/* SMMUV3_EVT_* */
	const char *name;	/* "F_TRANSLATION", never NULL */
	uint32_t sid;
	uint32_t ssid;
	bool ssv;
	bool rnw;		/* 1: read */
	bool s2;		/* fault at stage 2 */
	unsigned class_;	/* EVT1_CLASS_* */
	uint64_t addr;		/* input address (IOVA) */
	uint64_t ipa;		/* stage-2 faults */
	uint64_t fetch_addr;	/* *_FETCH, F_WALK_EABT */
	uint64_t raw[4];
};

/*
 * Runs in the context that drains the event queue -- only the caller of
 * smmukit_smmu_handle_evtq_irq (command-queue waiters never drain events) --
 * with the event-queue lock held: it must not call back into the driver.
 */
typedef void (*smmukit_smmu_event_fn)(void *arg,
				      const struct smmukit_smmu_event *ev);

struct smmukit_smmu_config {
	struct smmukit_platform *platform;	/* required */
	struct smmukit_mmio mmio;		/* required */
	/* Upper bounds on queue sizes (log2 entries); 0: the driver's default. */
	unsigned cmdq_log2_max;
	unsigned evtq_log2_max;
	/* Use a linear stream table even when 2-level is supported. */
	bool force_linear_strtab;
	/*
	 * The embedder's stream IDs are all below 2^sid_bits: the stream
	 * table (linear or 2-level) covers only those, and other SIDs are
	 * out of range (their transactions abort, C_BAD_STREAMID). A linear
	 * table of the 2^16 SIDs an SMMU commonly has is 4 MiB to allocate
	 * and initialise. 0: every SID the SMMU has (IDR1.SIDSIZE); larger
	 * than SIDSIZE: SIDSIZE. At most 32 (-EINVAL).
	 */
	unsigned sid_bits;
	/* Wait for CMD_SYNC by polling CONS even when MSI completion is possible. */
	bool disable_msi_sync;
	/*
	 * Unattached streams bypass instead of abort: every SID of a linear
	 * stream table, and in a 2-level table the SIDs initialised with
	 * smmukit_smmu_init_stream (see there).
	 */
	bool bypass_unattached;
	/* Bound on every register and queue wait; 0: 1 s (Linux's value). */
	uint64_t poll_timeout_ns;
	/*
	 * Invalidations needing more TLBI commands than this use one
	 * whole-context invalidation instead; 0: 64 (one batch).
	 */
	unsigned tlbi_max_cmds;
	smmukit_smmu_event_fn event_handler;	/* may be NULL */
	void *event_arg;
};

/*
 * The "smmu." option keys (smmukit_parse_options), bound to a struct
 * smmukit_smmu_config; they fill the fields above, never platform, mmio or
 * the event handler:
 *   smmu.bypass_unattached=0|1   -> bypass_unattached
 *   smmu.msi_sync=0|1 (1)        -> disable_msi_sync = !value
 *   smmu.strtab=auto|linear      -> force_linear_strtab
 *   smmu.cmdq_log2_max=0..19     -> cmdq_log2_max (0: driver default)
 *   smmu.evtq_log2_max=0..19     -> evtq_log2_max (0: driver default)
 *   smmu.poll_timeout_ms=N (1000) -> poll_timeout_ns
 *   smmu.tlbi_max_cmds=N (64)    -> tlbi_max_cmds
 */
extern const struct smmukit_option_table smmukit_smmu_option_table;

/* What probe found and what the driver chose. */
struct smmukit_smmu_info {
	bool s1, s2, ril, msi, sev, coherent, hyp, asid16, vmid16;
	bool strtab_2lvl;	/* the hardware supports 2-level tables */
	bool btm, ats, pri;
	/* Chosen configuration. */
	bool strtab_2lvl_used;
	bool msi_sync;		/* CMD_SYNC completion by MSI counter */
	unsigned ias, oas;	/* address sizes, bits */
	unsigned sid_bits;	/* IDR1.SIDSIZE */
	unsigned strtab_log2;	/* stream IDs covered by the table */
	unsigned strtab_split;	/* 2-level: SPLIT */
	unsigned cmdq_log2, evtq_log2;
	unsigned asid_bits, vmid_bits;
	uint64_t pgsize_bitmap;
	uint32_t idr[6];	/* IDR0..IDR5 as read */
	uint32_t iidr, aidr;
};

/* Counters, all monotonic since probe. */
struct smmukit_smmu_stats {
	uint64_t cmds;		/* commands written to the queue */
	uint64_t syncs;		/* CMD_SYNCs written */
	uint64_t syncs_coalesced;	/* syncs satisfied by an earlier one */
	uint64_t batches;	/* queue insertions */
	uint64_t sync_timeouts;
	uint64_t cerrors;	/* command errors recovered */
	uint64_t events;	/* event records handled */
	uint64_t events_lost;	/* overflows seen */
	uint64_t gerrors;	/* global errors handled */
	uint64_t tlbi_fallbacks;	/* ranges done as one whole-context invalidation */
	uint64_t msi_fallbacks;	/* CMD_SYNCs seen complete by CONS, MSI missing */
	uint64_t msgs_suppressed;	/* rate-limited log lines (timeouts, events) */
};

/*
 * Probe the SMMU behind cfg->mmio, allocate its queues and stream table,
 * and reset it into a working state (SMMUEN=1, every stream aborting or
 * bypassing). Logs one summary line. Errors: -EINVAL (bad config),
 * -ENODEV (an SMMU this driver cannot drive: no AArch64 tables, big-endian
 * only, preset or relative tables, stall model forced, no usable stage or
 * granule), -ENOMEM,
 * -ETIMEDOUT (a register handshake or CMD_SYNC did not complete).
 */
int smmukit_smmu_probe(const struct smmukit_smmu_config *cfg,
		       struct smmukit_smmu **out);

/*
 * Reset again with the existing tables, queues and attachments: what an
 * embedder calls on resume after the SMMU lost power (its registers, not
 * memory). Caller quiesces every other use. 0 or -ETIMEDOUT.
 */
int smmukit_smmu_reset(struct smmukit_smmu *smmu);

/*
 * Disable the SMMU (abort while disabled) and free everything. Every domain
 * must have been freed first (otherwise they are leaked, with a warning).
 */
void smmukit_smmu_destroy(struct smmukit_smmu *smmu);

int smmukit_smmu_get_info(const struct smmukit_smmu *smmu,
			  struct smmukit_smmu_info *out);
int smmukit_smmu_get_stats(struct smmukit_smmu *smmu,
			   struct smmukit_smmu_stats *out);

/* The IOMMU this SMMU is, for the core. */
struct smmukit_iommu_drv *smmukit_smmu_iommu(struct smmukit_smmu *smmu);

/*
 * Interrupt entry points (or call them to poll). handle_evtq_irq drains the
 * event queue through the handler and returns the records handled (>= 0).
 * handle_gerror_irq handles the active global errors in the architected
 * order and returns the bits it acknowledged (0: not ours), or -EIO after
 * SFM_ERR (the SMMU is then disabled until reset).
 * Context: both take platform locks (smmukit_plat_lock: the event-queue,
 * command-queue and GERROR locks), which may sleep, and handle_gerror_irq
 * may wait for the command queue. Call them from a threaded or deferred
 * interrupt context (a Linux threaded IRQ, a bottom half, a polling
 * thread), never from a hard-IRQ handler that must not sleep.
 */
int smmukit_smmu_handle_evtq_irq(struct smmukit_smmu *smmu);
int smmukit_smmu_handle_gerror_irq(struct smmukit_smmu *smmu);

/*
 * Submit n commands (n <= 64 per call is one batch; more are split into
 * batches), followed by a CMD_SYNC and its completion when sync is true.
 * Tests and benchmarks use it; the driver's own paths go through it too.
 * -EINVAL for a command the encoder refuses (nothing submitted),
 * -ETIMEDOUT if the queue stopped draining, -EIO after SFM_ERR until
 * smmukit_smmu_reset (every path that submits commands returns these).
 */
int smmukit_smmu_issue_cmds(struct smmukit_smmu *smmu,
			    const struct smmuv3_cmd *cmds, unsigned n,
			    bool sync);
/* A CMD_SYNC and its completion (coalesced with a pending one if possible). */
int smmukit_smmu_sync(struct smmukit_smmu *smmu);

/*
 * Pre-create a stream, as Linux does at device probe: allocate sid's
 * level-2 table (2-level format) and mark sid initialised, so that while
 * unattached it gets the default STE -- bypass with bypass_unattached,
 * abort otherwise. Idempotent; does not change an attached stream's STE
 * (its detach installs the default). With a 2-level table, an unattached
 * SID that was not initialised never bypasses, whatever was attached
 * before: it reports C_BAD_STREAMID while its level-2 table does not
 * exist, and aborts silently (STE Config=abort) once a neighbour's attach
 * or init created it. With a linear table every SID is initialised at
 * probe. 0, -EINVAL (sid beyond the stream table), -ENOMEM, or a
 * command-queue error (-ETIMEDOUT, -EIO) from the STE update.
 */
int smmukit_smmu_init_stream(struct smmukit_smmu *smmu, uint32_t sid);

/*
 * Hardware tag of a live domain created by this driver: ASID (stage 1) or
 * VMID (stage 2); the other is 0, and both are 0 for IDENTITY/BLOCKED
 * domains. -EINVAL for NULL, a domain of another IOMMU, or a freed domain.
 */
int smmukit_smmu_domain_tag(const struct smmukit_iommu_drv_domain *dom,
			    uint32_t *asid, uint32_t *vmid);

#ifdef __cplusplus
}
#endif

#endif /* SMMUKIT_SMMU_H */

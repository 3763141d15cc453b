/* SPDX-License-Identifier: MIT */
/*
 * An NVMe-like storage device model behind the SMMUv3 model (part of
 * libsmmukit-model). It is a DMA master with its own stream ID: every data
 * transfer goes through smmukit_model_dma(), so it is translated, cached in
 * the IOTLB, faulted and checked exactly as any device's DMA.
 *
 * Commands are PRP-style: a READ or WRITE names a starting block, a block
 * count and one DMA address per 4 KiB page of the data (the first may
 * carry an offset into its page, every later one is page-aligned). A READ
 * makes the device write the host buffer through the SMMU; a WRITE makes it
 * read the host buffer. The bytes really move: the namespace is backed by
 * host memory, and a READ returns what the last completed WRITE of each
 * block stored (zeros for a block never written).
 *
 * Time. The device is passive like the SMMU model: it works inside calls
 * made to it (submit, poll, run) and there performs whatever has become due
 * on the platform clock. Each direction has a maximum rate (4 KiB I/Os per
 * second; larger I/Os occupy the direction for proportionally longer), kept
 * with a busy-until time per direction, and every I/O has a service time
 * (latency) once it has its slot:
 *   start    = max(submit, busy_until[dir]);  busy_until[dir] += interval
 *   WRITE:   data fetched at start (translation cost c), stored and
 *            completed at start + c + latency
 *   READ:    data read from the media and written to the host at
 *            start + latency (translation cost c), completed at that + c
 * The SMMU model's translation cost thus adds latency, never throughput:
 * the device pipelines as many I/Os as its queues hold.
 *
 * Threads: every entry point may be called from any thread; one device lock
 * (taken before the SMMU model's own) serialises them.
 *
 * Error codes: -EINVAL (NULL pointer, bad config: block size, namespace,
 * queues, depth; bad queue, opcode, block count or PRP list), -EBUSY (the
 * queue is full), -ENOMEM. Blocks outside the namespace are not an error
 * code but a completion status (SMMUKIT_NVME_SC_LBA_RANGE); a refused DMA
 * is SMMUKIT_NVME_SC_DATA_XFER_ERROR. NULL device pointers are ignored by
 * the void and time functions (UINT64_MAX: nothing due).
 */
#ifndef SMMUKIT_MODEL_NVME_H
#define SMMUKIT_MODEL_NVME_H

#include "smmukit/base.h"
#include "smmukit/model.h"
#include "smmukit/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

struct smmukit_nvme;

#define SMMUKIT_NVME_PAGE_SIZE 4096u
#define SMMUKIT_NVME_MAX_QUEUES 256u
#define SMMUKIT_NVME_MAX_DEPTH 4096u
/* At most this many PRP entries per command: 1 MiB of data plus an offset. */
#define SMMUKIT_NVME_MAX_PRPS 257u

struct smmukit_nvme_config {
	uint32_t sid;		/* the device's stream ID */
	uint32_t block_size;	/* 512..65536, a power of two; 0: 4096 */
	uint64_t nr_blocks;	/* namespace size; 0: 64 MiB worth */
	unsigned nr_queues;	/* I/O queue pairs, 1..MAX_QUEUES */
	unsigned queue_depth;	/* commands in flight per queue, 1..MAX_DEPTH */
	uint64_t read_iops;	/* 4 KiB reads per second; 0: unlimited */
	uint64_t write_iops;	/* 4 KiB writes per second; 0: unlimited */
	uint64_t latency_ns;	/* service time of one I/O */
};

/* Defaults: SID 0, 4 KiB blocks, 64 MiB, 1 queue of 32, unlimited, 0 ns. */
void smmukit_nvme_config_default(struct smmukit_nvme_config *cfg);
/* Take the device_* keys of a profile (rates and service time). */
void smmukit_nvme_config_from_profile(struct smmukit_nvme_config *cfg,
				      const struct smmukit_model_profile *prof);

enum smmukit_nvme_opcode {
	SMMUKIT_NVME_OP_WRITE = 0x01,	/* NVMe I/O command set opcodes */
	SMMUKIT_NVME_OP_READ = 0x02,
};

/* Completion status codes (NVMe generic command status values). */
#define SMMUKIT_NVME_SC_SUCCESS 0x00
#define SMMUKIT_NVME_SC_INVALID_FIELD 0x02
#define SMMUKIT_NVME_SC_DATA_XFER_ERROR 0x04	/* the DMA faulted */
#define SMMUKIT_NVME_SC_LBA_RANGE 0x80

struct smmukit_nvme_cmd {
	uint8_t opcode;		/* SMMUKIT_NVME_OP_* */
	uint16_t cid;		/* returned in the completion */
	uint64_t slba;		/* first block */
	uint32_t nlb;		/* number of blocks, >= 1 */
	unsigned nr_prps;	/* entries in prp[] */
	const uint64_t *prp;	/* copied at submission */
};

struct smmukit_nvme_cpl {
	uint16_t cid;
	uint16_t status;	/* SMMUKIT_NVME_SC_* */
	unsigned dma_event;	/* the SMMU's answer when the DMA failed */
	uint64_t submit_ns;
	uint64_t done_ns;	/* when the device posted it */
};

struct smmukit_nvme_stats {
	uint64_t submitted;
	uint64_t completed;
	uint64_t reads, writes;
	uint64_t bytes_read, bytes_written;	/* moved by completed I/Os */
	uint64_t dma_errors;	/* I/Os whose transfer the SMMU refused */
	uint64_t iotlb_hits;	/* data pages whose translation hit the IOTLB */
	uint64_t iotlb_misses;
	uint64_t translation_ns;	/* modelled translation cost, summed */
	uint64_t in_flight;
};

/*
 * Create a device behind model m; the clock is plat's (the platform the
 * software runs on, which may be another view of the model's). Returns 0,
 * -EINVAL (bad config), -ENOMEM.
 */
int smmukit_nvme_create(struct smmukit_model *m, struct smmukit_platform *plat,
			const struct smmukit_nvme_config *cfg,
			struct smmukit_nvme **out);
/* I/Os still in flight are dropped. NULL is ignored. */
void smmukit_nvme_destroy(struct smmukit_nvme *d);

/*
 * Submit one command on queue qid at the current time. Returns 0;
 * -EBUSY when the queue holds queue_depth commands already (nothing
 * done); -EINVAL for a bad queue, opcode, block count or PRP list (a
 * command whose blocks fall outside the namespace is accepted and
 * completes with SMMUKIT_NVME_SC_LBA_RANGE, as a drive does).
 */
int smmukit_nvme_submit(struct smmukit_nvme *d, unsigned qid,
			const struct smmukit_nvme_cmd *cmd);

/*
 * Perform what is due, then move up to max completions of queue qid, in
 * the order the device posted them, into out. Returns how many (>= 0), or
 * -EINVAL.
 */
int smmukit_nvme_poll(struct smmukit_nvme *d, unsigned qid,
		      struct smmukit_nvme_cpl *out, unsigned max);

/* Perform what has become due by now (DMA transfers, completions). */
void smmukit_nvme_run(struct smmukit_nvme *d);
/* Time of the device's next pending event, or UINT64_MAX. */
uint64_t smmukit_nvme_next_due_ns(struct smmukit_nvme *d);

/*
 * When queue qid next has something for its poller: now if completions
 * wait in it, else the earliest next event of its I/Os (UINT64_MAX if it
 * has none), so a polling CPU need not look before then.
 */
uint64_t smmukit_nvme_queue_next_ns(struct smmukit_nvme *d, unsigned qid);

int smmukit_nvme_get_stats(struct smmukit_nvme *d,
			   struct smmukit_nvme_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* SMMUKIT_MODEL_NVME_H */

/* SPDX-License-Identifier: MIT */
/*
 * An fio-like I/O engine on the whole stack: an NVMe-like device model
 * (smmukit/model_nvme.h) behind the SMMUv3 model, driven by N jobs, each
 * a simulated CPU in virtual time (tool_vtime.h) keeping D I/Os in flight.
 * Per I/O: dma_map, submit, completion by polling, dma_unmap, latency.
 * Used by `smmukit bench io` and `smmukit compare`.
 */
#ifndef SMMUKIT_TOOL_IO_ENGINE_H
#define SMMUKIT_TOOL_IO_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

enum io_mode { IO_MODE_STRICT, IO_MODE_LAZY, IO_MODE_PASSTHROUGH };
enum io_rw { IO_RANDREAD, IO_RANDWRITE, IO_RANDRW };

#define IO_MAX_JOBS 64u
#define IO_MAX_IODEPTH 1024u
#define IO_MAX_BS (UINT64_C(1) << 20)
/* Every job's buffers together: simulated RAM is 1 GiB. */
#define IO_MAX_BUFFERS (UINT64_C(512) << 20)
#define IO_MAX_SECONDS 10.0
#define IO_DEVICE_SID 0x10u
/* Service time of the device when the profile gives none (device_latency_ns = 0). */
#define IO_DEFAULT_DEVICE_LATENCY_NS 10000u

const char *io_mode_name(enum io_mode m);
const char *io_rw_name(enum io_rw rw);
/* 0 or -1 for an unknown name. */
int io_mode_parse(const char *s, enum io_mode *out);
int io_rw_parse(const char *s, enum io_rw *out);

struct io_cfg {
	const char *cmd;	/* subcommand, for messages */
	enum io_mode mode;
	enum io_rw rw;
	uint64_t bs;		/* bytes, a multiple of 4 KiB */
	unsigned iodepth;
	unsigned jobs;
	double seconds;		/* measured window, modelled (virtual) time */
	const char *profile;	/* NAME|PATH */
	const char *model_keys;	/* --model, may be empty */
	/* Appended after the user's --cmdline, so it wins ("model.K=V"). */
	const char *extra_cmdline;
	uint64_t seed;
	bool progress;		/* a progress line on stderr while it runs */
	const char *progress_label;
};

void io_cfg_default(struct io_cfg *c, const char *cmd);

struct io_result {
	const char *domain;	/* the device's domain type */
	uint64_t ios;		/* completed in the measured window */
	uint64_t reads, writes;
	double seconds;		/* the measured window (modelled) */
	double iops, bw_mib_s;
	double lat_p50_us, lat_p99_us, lat_p999_us;
	uint64_t cmds, tlbi, syncs, flushes;
	double tlb_hit_rate;	/* device data pages hitting the IOTLB */
	double host_cpu;	/* host CPU seconds per wall second */
	double host_wall_s;
	double host_us_per_io;	/* host CPU time per simulated I/O */
	uint64_t errors;	/* failed maps, unmaps, submissions, I/Os */
	uint64_t verify_errors;	/* a read returned another block's data */
};

/*
 * Run one workload. Input errors (options, profile) exit 2 from inside;
 * returns 0, or a negative error after printing what failed (then the
 * result says nothing). r->errors or r->verify_errors non-zero means an
 * operation failed.
 */
int io_run(const struct io_cfg *c, struct io_result *r);

/* Check the engine's own limits; on error, one line naming the limit. */
void io_cfg_check(const struct io_cfg *c);

#endif /* SMMUKIT_TOOL_IO_ENGINE_H */

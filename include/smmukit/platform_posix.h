/* SPDX-License-Identifier: MIT */
/*
 * The hosted (POSIX) platform backend.
 *
 * Simulated physical memory: one large anonymous mapping, lazily backed by the
 * host, is the machine's RAM; physical address = offset + phys_base. Page
 * allocations, the hardware model's walks and its DMA all go through it.
 *
 * Clocks: the real monotonic clock, or a manual clock for tests whose time only
 * moves when the test advances it or when relax() jumps it to the next due
 * event (the model's, or a timer's), so timing tests are exact.
 *
 * Test hooks let a hardware model observe relax(), free_pages() and
 * dma_sync_for_device(); failure injection makes the Nth allocation fail.
 *
 * Error codes: smmukit_posix_create() returns -EINVAL (NULL, a bad size or
 * CPU count) or -ENOMEM; the other functions ignore a NULL platform.
 */
#ifndef SMMUKIT_PLATFORM_POSIX_H
#define SMMUKIT_PLATFORM_POSIX_H

#include "smmukit/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

struct smmukit_posix_config {
	/* Simulated RAM; defaults 1 GiB at 0x8000_0000 when 0. */
	uint64_t mem_size;
	smmukit_phys_t phys_base;
	/* Simulated CPUs; 0 means the host's online CPU count. */
	unsigned nr_cpus;
	/* Manual clock (tests) instead of CLOCK_MONOTONIC. */
	bool manual_clock;
	/*
	 * Polled timers: callbacks run from smmukit_plat_timer_poll() and
	 * relax() instead of a timer thread (what a bare-metal backend does).
	 * A manual clock implies polled timers.
	 */
	bool polled_timers;
	/* Count dma_sync_for_device() calls and keep the last range. */
	bool record_syncs;
	enum smmukit_log_level log_level;
	/*
	 * Publish no fast data (no linear map, no atomic hot-path locks):
	 * every hot path goes through the ops table, as with a backend that
	 * offers nothing more (tests of the generic paths).
	 */
	bool ops_only;
};

/*
 * Hooks for a hardware model (one set per platform). All optional.
 *  - run_due(arg, now): perform what has become due by now.
 *  - next_due_ns(arg): time of the next pending hardware event, or UINT64_MAX.
 *    Under a manual clock relax() jumps to min(next_due, next timer).
 *  - on_free(arg, pa, len): about to free [pa, pa+len) (checking mode).
 *  - on_sync(arg, pa, len): the CPU made [pa, pa+len) visible to devices.
 */
struct smmukit_posix_hooks {
	void (*run_due)(void *arg, uint64_t now_ns);
	uint64_t (*next_due_ns)(void *arg);
	void (*on_free)(void *arg, smmukit_phys_t pa, uint64_t len);
	void (*on_sync)(void *arg, smmukit_phys_t pa, uint64_t len);
	void *arg;
};

struct smmukit_posix_stats {
	uint64_t pages_in_use;	/* 4K pages currently allocated */
	uint64_t allocs;	/* page runs handed out */
	uint64_t zallocs_in_use;	/* bytes of zalloc memory outstanding */
	uint64_t syncs;		/* dma_sync_for_device calls */
	uint64_t cpu_syncs;	/* dma_sync_for_cpu calls */
	smmukit_phys_t last_sync_pa;
	uint64_t last_sync_len;
	uint64_t relax_calls;
};

/* Create a platform; NULL config means all defaults. Returns 0 or -errno. */
int smmukit_posix_create(const struct smmukit_posix_config *cfg,
			 struct smmukit_platform **out);
/* Stops the timer thread and unmaps memory. Outstanding pages are dropped. */
void smmukit_posix_destroy(struct smmukit_platform *p);

void smmukit_posix_set_hooks(struct smmukit_platform *p,
			     const struct smmukit_posix_hooks *hooks);
void smmukit_posix_clear_hooks(struct smmukit_platform *p);

/* Simulated RAM bounds. */
smmukit_phys_t smmukit_posix_phys_base(struct smmukit_platform *p);
uint64_t smmukit_posix_mem_size(struct smmukit_platform *p);
/* Host pointer for [pa, pa+len) if it lies wholly inside simulated RAM. */
void *smmukit_posix_phys_range(struct smmukit_platform *p, smmukit_phys_t pa,
			       uint64_t len);

/*
 * Manual clock: move time forward to now+delta (or to t), firing due timers
 * in the caller. Ignored with the real clock.
 */
void smmukit_posix_clock_advance(struct smmukit_platform *p, uint64_t delta_ns);
void smmukit_posix_clock_set(struct smmukit_platform *p, uint64_t t_ns);

/*
 * Pin the calling thread to a simulated CPU (tests and benchmarks); by
 * default threads get ids round-robin in the order they first ask.
 */
void smmukit_posix_set_cpu(struct smmukit_platform *p, unsigned cpu);

/*
 * Failure injection: counting from now, the nth allocation (page or zalloc)
 * fails with -ENOMEM; 0 disables. Returns how many allocations happened since
 * the last call (so a sweep knows when it has passed the last one).
 */
uint64_t smmukit_posix_fail_nth_alloc(struct smmukit_platform *p, uint64_t nth);

void smmukit_posix_get_stats(struct smmukit_platform *p,
			     struct smmukit_posix_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* SMMUKIT_PLATFORM_POSIX_H */

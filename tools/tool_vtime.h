/* SPDX-License-Identifier: MIT */
/*
 * Simulated CPUs in virtual time: a platform that runs N software CPUs
 * deterministically, one at a time, on the hosted platform's manual clock,
 * so the modelled hardware and never this host's core count bounds a
 * benchmark.
 *
 * Each simulated CPU has its own virtual clock. A scheduler always resumes
 * the runnable CPU with the earliest clock (ties: the lowest number), and
 * the clock of a CPU moves only where it waits:
 *  - relax() (every spin-wait of the library goes through it) performs the
 *    hardware's due work (the SMMU model and any registered device) and
 *    moves the CPU to the next hardware event, or by at most
 *    TOOL_VTIME_RELAX_MAX_NS when none is pending;
 *  - a contended lock blocks the CPU until its holder releases it; it
 *    resumes at the release time;
 *  - timers run on a CPU of their own at their deadline.
 * Software costs no virtual time: between two waits a CPU runs at one
 * instant. What the modelled rates show is therefore what the modelled
 * hardware (SMMU command costs, device rates and latencies) and the
 * software's waits and serialisation allow, never host speed or load.
 *
 * Because the earliest CPU always runs next, the global time seen by the
 * hardware models only moves forward; it is kept in the underlying hosted
 * platform's manual clock, which the models read.
 *
 * Host threads: each simulated CPU is a host thread, but only the one that
 * holds the baton runs (handed over under one mutex and a condition
 * variable per thread), so the run is deterministic and every access is
 * ordered by the hand-over (ThreadSanitizer sees the ordering).
 *
 * Outside tool_vtime_run() (building and tearing the stack down, on the
 * caller's thread) the platform behaves as the manual-clock hosted one:
 * relax() performs due work and jumps to the next event.
 */
#ifndef SMMUKIT_TOOL_VTIME_H
#define SMMUKIT_TOOL_VTIME_H

#include <stdint.h>

#include "smmukit/model.h"
#include "smmukit/platform.h"

#define TOOL_VTIME_MAX_CPUS 256u
#define TOOL_VTIME_MAX_SOURCES 4u
/* A spinning CPU with no hardware event pending re-checks this often. */
#define TOOL_VTIME_RELAX_MAX_NS 10000u

struct tool_vtime;

/*
 * A platform over inner (a hosted platform on a manual clock, which the
 * model m was created on) with nr_cpus simulated CPUs. Memory, logging and
 * failure injection are inner's. Returns 0, -EINVAL or -ENOMEM.
 */
int tool_vtime_create(struct smmukit_platform *inner, struct smmukit_model *m,
		      unsigned nr_cpus, struct tool_vtime **out);
/* After everything built on the platform is gone. NULL is ignored. */
void tool_vtime_destroy(struct tool_vtime *vt);

struct smmukit_platform *tool_vtime_platform(struct tool_vtime *vt);

/*
 * Another passive hardware model (a device) whose due work relax()
 * performs and whose next event bounds how far a waiting CPU moves.
 */
int tool_vtime_add_source(struct tool_vtime *vt, void (*run)(void *arg),
			  uint64_t (*next_due_ns)(void *arg), void *arg);

/*
 * Run fn(arg, cpu) on simulated CPUs 0..n-1 (n <= nr_cpus), all starting
 * at the current time; returns when every one has returned. Returns 0, or
 * -EINVAL, -ENOMEM, -EAGAIN (a thread could not be started).
 */
int tool_vtime_run(struct tool_vtime *vt, unsigned n,
		   void (*fn)(void *arg, unsigned cpu), void *arg);

/*
 * For a simulated CPU that polls for something it knows cannot change
 * before t (its own queue's next device event): perform the due hardware
 * work as relax() does, then sleep until t (at least until the next
 * nanosecond). Outside a run it is relax(). The observed times are those a
 * relax() loop would give; only fewer wake-ups are spent on the way.
 */
void tool_vtime_relax_until(struct tool_vtime *vt, uint64_t t);

struct tool_vtime_stats {
	uint64_t switches;	/* hand-overs between host threads */
	uint64_t relaxes;	/* relax() calls on simulated CPUs */
	uint64_t lock_waits;	/* times a CPU blocked on a lock */
	uint64_t timer_runs;	/* timer callbacks run */
};
void tool_vtime_get_stats(struct tool_vtime *vt, struct tool_vtime_stats *out);

#endif /* SMMUKIT_TOOL_VTIME_H */

/* SPDX-License-Identifier: MIT */
/*
 * The whole stack for a subcommand, built one way for all of them (dma,
 * bench, attack): the hosted platform, the SMMUv3 model, the SMMUv3 driver
 * probed on it, the IOMMU core, the DMA layer, and an unmap observer that
 * tells the model when each unmap starts and returns.
 *
 *   struct tool_stack_config cfg;
 *   struct tool_stack st;
 *
 *   tool_stack_config_init(&cfg, "dma");
 *   for (...)                        // the subcommand's argument loop
 *           if (tool_stack_parse_arg(&cfg, argc, argv, &i))
 *                   continue;        // --model / --profile consumed
 *   tool_stack_create(&st, &cfg);    // input errors exit 2; else 0/-errno
 *   ... tool_stack_add_device(&st, "nvme", &sid, 1, false, &d) ...
 *   tool_stack_destroy(&st);         // reverse order, everything released
 *
 * Options: --cmdline (or $SMMUKIT_CMDLINE) "iommu.*" keys fill struct
 * smmukit_iommu_options, "smmu.*" the driver's config, "model.*" the
 * profile. Bad keys, values, model features or profiles are input errors:
 * one line on stderr and exit 2, before anything is built.
 *
 * Logging: the platform log (stderr, never stdout) at info level by
 * default, so the core's policy lines and the probe summary are shown.
 *
 * Single-threaded use of the struct itself: the subcommand's thread builds,
 * uses and destroys it. The unmap observer reads the device table from
 * whichever thread unmaps, without a lock: a multi-threaded user must
 * finish adding devices and changing domains before it maps and unmaps
 * from other threads. Its own bookkeeping is under notes_lock.
 */
#ifndef SMMUKIT_TOOL_STACK_H
#define SMMUKIT_TOOL_STACK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "smmukit/dma.h"
#include "smmukit/iommu.h"
#include "smmukit/model.h"
#include "smmukit/platform_posix.h"
#include "smmukit/smmu.h"

#define TOOL_STACK_MAX_DEVICES 64u
#define TOOL_STACK_MODEL_KEYS_MAX 1024u

struct tool_stack_config {
	const char *cmd;	/* subcommand name, for messages */
	/* Real monotonic clock and a timer thread (benchmarks); else manual. */
	bool real_clock;
	bool checking;		/* model checking mode */
	unsigned nr_cpus;	/* simulated CPUs; 0: the host's count */
	uint64_t mem_size;	/* simulated RAM; 0: 1 GiB */
	enum smmukit_log_level log_level;
	/* --model KEYS, every occurrence appended ("a,b" then "c" is "a,b,c"). */
	char model_keys[TOOL_STACK_MODEL_KEYS_MAX];
	const char *profile;	/* --profile NAME|PATH; default "zero" */
	/* The option string; tool_stack_config_init takes tool_globals'. */
	const char *cmdline;
	/* SMMU event records go here; NULL: counted in the stack only. */
	smmukit_smmu_event_fn event_handler;
	void *event_arg;
	/*
	 * Optional: the driver, the core and the DMA layer run on another
	 * view of the platform (simulated CPUs in virtual time). Called once
	 * the model exists, with the hosted platform and the model; the view
	 * must stay valid until tool_stack_destroy returns (its maker frees
	 * it afterwards). NULL from it fails the build.
	 */
	struct smmukit_platform *(*wrap_platform)(void *arg,
						  struct smmukit_platform *plat,
						  struct smmukit_model *m);
	void *wrap_arg;
};

/* An unmap range the model refused to begin: its end is not reported. */
#define TOOL_STACK_MAX_REFUSED 64u
struct tool_stack_range {
	uint32_t sid;
	uint64_t iova, size;
};

/* A device the stack probed, and the user (unmanaged) domain it may be on. */
struct tool_stack_dev {
	char name[SMMUKIT_DEVICE_NAME_MAX];
	struct smmukit_device *dev;
	struct smmukit_domain *user_dom;	/* NULL: on its default domain */
	/*
	 * Domains the unmap observer matches to this device's first SID:
	 * refreshed by tool_stack_refresh() after every domain change.
	 */
	struct smmukit_domain *cur_dom;
	struct smmukit_domain *def_dom;
	uint32_t sid;		/* the first stream ID, reported to the model */
};

struct tool_stack {
	struct tool_stack_config cfg;
	struct smmukit_platform *plat;
	/* What the layers above the model run on: plat, or wrap_platform's. */
	struct smmukit_platform *lib_plat;
	struct smmukit_model *model;
	struct smmukit_smmu *smmu;
	struct smmukit_iommu *iommu;
	struct smmukit_dma *dma;
	struct smmukit_model_config model_cfg;
	struct smmukit_model_profile profile;
	struct smmukit_iommu_options iommu_opts;
	struct smmukit_smmu_config smmu_cfg;
	struct tool_stack_dev devs[TOOL_STACK_MAX_DEVICES];
	unsigned nr_devs;
	uint64_t events;	/* SMMU event records drained */
	/* The unmap observer's state, which may run on any thread. */
	pthread_mutex_t notes_lock;	/* protects refused[] and the error count */
	uint64_t unmap_notes;	/* begin+end reports seen */
	uint64_t unmap_note_errors;	/* begins the model refused */
	struct tool_stack_range refused[TOOL_STACK_MAX_REFUSED];
	unsigned nr_refused;
};

/* Defaults: manual clock, checking off, info log, options from --cmdline. */
void tool_stack_config_init(struct tool_stack_config *cfg, const char *cmd);

/*
 * Consume a stack option at argv[*i] (--model KEYS, --profile NAME|PATH,
 * also as --model=KEYS): returns true and moves *i past its value, or false
 * if argv[*i] is not one of them. A missing value exits 2.
 */
bool tool_stack_parse_arg(struct tool_stack_config *cfg, int argc,
			  char **argv, int *i);

/* Help text lines for the options tool_stack_parse_arg takes. */
void tool_stack_usage(FILE *f);

/*
 * Build the stack. Input errors (options, model keys, profile) print one
 * line and exit 2. Returns 0, or a negative error after printing what
 * failed on stderr, with nothing left allocated.
 */
int tool_stack_create(struct tool_stack *st, const struct tool_stack_config *cfg);

/*
 * Tear down in reverse order: every device's user domain detached and
 * freed, every device released, then the DMA layer, the core, the driver,
 * the model and the platform. Mappings must be gone (the caller unmaps
 * them; a device with live mappings cannot be released and is reported).
 * Returns 0 or the first error seen.
 */
int tool_stack_destroy(struct tool_stack *st);

/*
 * Probe a device with nr_sids stream IDs (each initialised in the driver
 * first, so that 2-level stream tables have them). -EEXIST for a name in
 * use, -ENOSPC past TOOL_STACK_MAX_DEVICES, else the core's error.
 */
int tool_stack_add_device(struct tool_stack *st, const char *name,
			  const uint32_t *sids, unsigned nr_sids,
			  bool untrusted, struct tool_stack_dev **out);
struct tool_stack_dev *tool_stack_find(struct tool_stack *st,
				       const char *name);

/* The domain the device is on now, and its type. */
struct smmukit_domain *tool_stack_domain(const struct tool_stack_dev *d);
enum smmukit_domain_type tool_stack_domain_type(const struct tool_stack_dev *d);

/*
 * Put the device on a domain of this type: "unmanaged" allocates a user
 * domain and attaches the group to it; the others detach and free the
 * user domain (when user_idle says the caller has nothing mapped in it)
 * and set the default domain's type. 0 or a negative error; the device's
 * domain afterwards is whatever the core left it on.
 */
int tool_stack_set_domain(struct tool_stack *st, struct tool_stack_dev *d,
			  enum smmukit_domain_type type, bool user_idle);

/* Re-read the device's domains after a change made behind the stack's back. */
void tool_stack_refresh(struct tool_stack_dev *d);

/* Move the manual clock and run the timers that became due. */
void tool_stack_advance(struct tool_stack *st, uint64_t ns);

/* Drain the SMMU's event queue (polled: no interrupt thread). */
void tool_stack_drain_events(struct tool_stack *st);

#endif /* SMMUKIT_TOOL_STACK_H */

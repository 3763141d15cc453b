/* SPDX-License-Identifier: MIT */
/*
 * The IOMMU core: devices, groups, domains and the invalidation policy, on
 * top of a hardware driver reached only through the iommu_ops seam
 * (smmukit/iommu_ops.h, smmukit_iommu_drv_*). Nothing here is SMMUv3
 * specific.
 *
 * Objects.
 *  - struct smmukit_iommu: one IOMMU instance and its options.
 *  - struct smmukit_device: a DMA master with one or more stream IDs and a
 *    trusted/untrusted flag. Every device belongs to a group.
 *  - struct smmukit_group: devices the IOMMU cannot tell apart; they share
 *    one default domain and are attached and detached together.
 *  - struct smmukit_domain: an address space of one type (below).
 *
 * Domain types, as Linux names them (type bits: PAGING, DMA_API, PT, DMA_FQ):
 *  - "blocked"   : every access aborts;
 *  - "identity"  : passthrough, DMA untranslated;
 *  - "unmanaged" : owned by a user (as VFIO's are); map/unmap by that user,
 *                  and an unmap is always strict: it is never deferred;
 *  - "DMA"       : the DMA API's domain, strict invalidation;
 *  - "DMA-FQ"    : the DMA API's domain, lazy invalidation through a flush
 *                  queue (smmukit/dma.h).
 * Test the bits, not the value: a DMA-FQ domain is also a DMA-API domain.
 *
 * Policy (who may be lazy), decided when a default domain is built:
 *  - iommu.passthrough=1: default domains are identity; else DMA-API;
 *  - iommu.strict=0 (or iommu.non_strict=1): DMA-FQ, else DMA;
 *  - untrusted devices always get DMA (strict), whatever the options;
 *  - an IOMMU without SMMUKIT_IOMMU_DRV_CAP_DEFERRED_FLUSH, a device that
 *    opts out (no_deferred_flush), or a flush queue that cannot be
 *    allocated: DMA-FQ is downgraded to DMA, silently;
 *  - a running DMA domain may become DMA-FQ (never back) without losing a
 *    mapping or stopping DMA: the flush queue is built first, then the type
 *    flips. Every other change rebuilds the default domain and needs it
 *    idle (no DMA-API mapping live).
 *
 * Concurrency. map, unmap, unmap_fast, iotlb_sync, flush_iotlb_all and
 * iova_to_phys may run concurrently on non-overlapping ranges of a domain.
 * Device probe/release, attach/detach, domain alloc/free and type changes
 * are serialised by the instance's configuration lock; they may run
 * concurrently with map/unmap of other domains. Changing a domain's type
 * to DMA-FQ may run concurrently with DMA on that domain.
 *
 * Errors are negative SMMUKIT_E* values; a failed call changes nothing.
 *
 * Error codes (per function below where the meaning narrows):
 *  -EINVAL   NULL pointer, unknown domain type, bad device config (name,
 *            SIDs, a SID in use), size 0, misaligned or wrapping range,
 *            a non-paging domain for map/unmap, objects of two instances;
 *  -EPERM    a lazy (queued) gather where the domain may not be lazy;
 *            DMA-FQ for an untrusted device; user map/unmap of a DMA or
 *            DMA-FQ domain (the DMA layer owns its addresses);
 *  -EBUSY    live DMA-API mappings (or identity addresses handed out) in
 *            the way of a type change, release, attach or rebuild; a user
 *            domain owns the group; destroy with devices or user domains;
 *  -EEXIST   map over a live mapping; attach to the domain already had;
 *  -ENOENT   detach from a domain the group is not on; iova_to_phys of an
 *            unmapped address;
 *  -ERANGE   beyond the domain's input or output address size;
 *  -ENOMEM, -ETIMEDOUT (invalidation not confirmed) and the driver's own.
 * Use after release or free (a freed domain or device pointer) cannot be
 * detected: the pointers are the caller's to stop using.
 */
#ifndef SMMUKIT_IOMMU_H
#define SMMUKIT_IOMMU_H

#include "smmukit/base.h"
#include "smmukit/iommu_ops.h"
#include "smmukit/options.h"
#include "smmukit/pgtable.h"
#include "smmukit/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- domain types ---- */

#define SMMUKIT_DOMAIN_BIT_PAGING SMMUKIT_BIT(0)
#define SMMUKIT_DOMAIN_BIT_DMA_API SMMUKIT_BIT(1)
#define SMMUKIT_DOMAIN_BIT_PT SMMUKIT_BIT(2)
#define SMMUKIT_DOMAIN_BIT_DMA_FQ SMMUKIT_BIT(3)

enum smmukit_domain_type {
	SMMUKIT_DOMAIN_BLOCKED = 0,
	SMMUKIT_DOMAIN_IDENTITY = SMMUKIT_DOMAIN_BIT_PT,
	SMMUKIT_DOMAIN_UNMANAGED = SMMUKIT_DOMAIN_BIT_PAGING,
	SMMUKIT_DOMAIN_DMA = SMMUKIT_DOMAIN_BIT_PAGING |
			     SMMUKIT_DOMAIN_BIT_DMA_API,
	SMMUKIT_DOMAIN_DMA_FQ = SMMUKIT_DOMAIN_BIT_PAGING |
				SMMUKIT_DOMAIN_BIT_DMA_API |
				SMMUKIT_DOMAIN_BIT_DMA_FQ,
};

static inline bool smmukit_domain_type_is_paging(enum smmukit_domain_type t)
{
	return (t & SMMUKIT_DOMAIN_BIT_PAGING) != 0;
}

static inline bool smmukit_domain_type_is_dma_api(enum smmukit_domain_type t)
{
	return (t & SMMUKIT_DOMAIN_BIT_DMA_API) != 0;
}

static inline bool smmukit_domain_type_is_lazy(enum smmukit_domain_type t)
{
	return (t & SMMUKIT_DOMAIN_BIT_DMA_FQ) != 0;
}

/* "blocked", "identity", "unmanaged", "DMA", "DMA-FQ"; "?" otherwise. */
const char *smmukit_domain_type_name(enum smmukit_domain_type t);
/* The inverse (exact names); 0 or -SMMUKIT_EINVAL. */
int smmukit_domain_type_parse(const char *name, enum smmukit_domain_type *out);

/* ---- options: the "iommu." keys ---- */

enum smmukit_fq_mode {
	SMMUKIT_FQ_PERCPU = 0,	/* one ring per CPU (default) */
	SMMUKIT_FQ_SINGLE = 1,	/* one shared ring */
};

#define SMMUKIT_FQ_PERCPU_SIZE 256u
#define SMMUKIT_FQ_PERCPU_TIMEOUT_MS 10u
#define SMMUKIT_FQ_SINGLE_SIZE 32768u
#define SMMUKIT_FQ_SINGLE_TIMEOUT_MS 1000u
#define SMMUKIT_FQ_MAX_SIZE (1u << 20)
#define SMMUKIT_FQ_MAX_TIMEOUT_MS 60000u

struct smmukit_iommu_options {
	bool strict;		/* iommu.strict (iommu.non_strict inverted) */
	bool passthrough;	/* iommu.passthrough */
	enum smmukit_fq_mode fq_mode;	/* iommu.fq_mode */
	/* iommu.fq_size / fq_timeout_ms: the mode's default unless given. */
	uint32_t fq_size;
	uint32_t fq_timeout_ms;
	bool fq_size_given;
	bool fq_timeout_given;
	/* Set by the parser: the policy came from the command line. */
	bool strict_given;
	bool passthrough_given;
};

/* Linux's defaults: strict, translated, per-CPU rings of 256, 10 ms. */
void smmukit_iommu_options_default(struct smmukit_iommu_options *o);

/*
 * The table of "iommu." keys for smmukit_parse_options(), bound to a
 * struct smmukit_iommu_options.
 */
extern const struct smmukit_option_table smmukit_iommu_option_table;

/* Ring size and timeout the options give (the mode's defaults applied). */
uint32_t smmukit_iommu_options_fq_size(const struct smmukit_iommu_options *o);
uint32_t smmukit_iommu_options_fq_timeout_ms(const struct smmukit_iommu_options *o);

/* ---- the instance ---- */

struct smmukit_iommu;
struct smmukit_group;
struct smmukit_device;
struct smmukit_domain;

/*
 * How the DMA layer (or another user of DMA-API domains) keeps its state
 * in a domain: the core calls these from above, under its configuration
 * lock, so that it never depends on the layer above it.
 *  - cookie_init: a DMA or DMA-FQ domain, or an identity default domain,
 *    was created (before any device is attached). For DMA-FQ it also builds the flush queue; if that
 *    alone fails it returns -ENOMEM with *fq_failed set, and the core
 *    downgrades the domain to DMA.
 *  - init_fq: a live DMA domain is about to become DMA-FQ: build the
 *    flush queue and publish it (may run while DMA is in progress).
 *  - busy: DMA-API mappings are live, or addresses handed out through an
 *    identity default domain (a type change must wait).
 *  - cookie_free: the domain is being destroyed (devices detached).
 */
struct smmukit_iommu_dma_ops {
	int (*cookie_init)(void *arg, struct smmukit_domain *dom,
			   bool *fq_failed);
	int (*init_fq)(void *arg, struct smmukit_domain *dom);
	bool (*busy)(void *arg, struct smmukit_domain *dom);
	void (*cookie_free)(void *arg, struct smmukit_domain *dom);
};

/*
 * Told when an unmap starts and when it returns, for every unmap the core
 * or the DMA layer performs (a checker uses it: an access is stale only if
 * issued after the unmap call returned). Runs on the unmapping thread; must
 * not call back into the core for that domain.
 */
struct smmukit_unmap_observer {
	void (*unmap_begin)(void *arg, struct smmukit_domain *dom,
			    uint64_t iova, uint64_t size);
	void (*unmap_end)(void *arg, struct smmukit_domain *dom,
			  uint64_t iova, uint64_t size);
	void *arg;
};

struct smmukit_iommu_config {
	struct smmukit_platform *platform;	/* required */
	struct smmukit_iommu_drv *drv;		/* required */
	const struct smmukit_iommu_options *options;	/* NULL: defaults */
};

/*
 * Create the core over one driver instance. Logs the effective policy in
 * Linux's words, one line each (info level):
 *   "Default domain type: Translated" | "... Passthrough"
 *   "DMA domain TLB invalidation policy: lazy mode" | "strict mode"
 * each followed by " (set via kernel command line)" when an option set it.
 */
int smmukit_iommu_create(const struct smmukit_iommu_config *cfg,
			 struct smmukit_iommu **out);
/*
 * Destroy: every device released and every domain allocated with
 * smmukit_iommu_domain_alloc freed first (-EBUSY otherwise). NULL: 0.
 */
int smmukit_iommu_destroy(struct smmukit_iommu *iommu);

/* Install the DMA layer's hooks; before the first device (-EBUSY after). */
int smmukit_iommu_set_dma_ops(struct smmukit_iommu *iommu,
			      const struct smmukit_iommu_dma_ops *ops,
			      void *arg);
/* Install (or with NULL remove) the unmap observer; the struct is copied. */
void smmukit_iommu_set_unmap_observer(struct smmukit_iommu *iommu,
				      const struct smmukit_unmap_observer *obs);

struct smmukit_platform *smmukit_iommu_platform(const struct smmukit_iommu *iommu);
const struct smmukit_iommu_options *smmukit_iommu_get_options(const struct smmukit_iommu *iommu);
/* The type a new default domain gets for a trusted, opted-in device. */
enum smmukit_domain_type smmukit_iommu_default_type(const struct smmukit_iommu *iommu);

/* ---- devices and groups ---- */

#define SMMUKIT_DEVICE_MAX_SIDS 8u
#define SMMUKIT_DEVICE_NAME_MAX 32u	/* including the NUL */

struct smmukit_device_config {
	const char *name;		/* copied; at most NAME_MAX - 1 chars */
	const uint32_t *sids;
	unsigned nr_sids;		/* 1..SMMUKIT_DEVICE_MAX_SIDS */
	/* External-facing: never lazy (Linux's pci untrusted). */
	bool untrusted;
	/* The device opts out of deferred flushing (as s390 ISM does). */
	bool no_deferred_flush;
	/* Devices with the same non-zero group_id share a group; 0: own. */
	unsigned group_id;
};

/*
 * Add a device: find or create its group, build the group's default domain
 * by the policy above (or reuse it; an untrusted device joining an idle
 * lazy group rebuilds it strict, a busy one is -EBUSY) and attach it.
 * -EINVAL (bad config, a SID another device has), -ENOMEM, or the driver's
 * attach error.
 */
int smmukit_iommu_probe_device(struct smmukit_iommu *iommu,
			       const struct smmukit_device_config *cfg,
			       struct smmukit_device **out);
/*
 * Remove a device: detach it, and free its group (and the group's default
 * domain) with the last member. -EBUSY while its default domain has live
 * DMA-API mappings or a user domain is attached to its group.
 */
int smmukit_iommu_release_device(struct smmukit_device *dev);

const char *smmukit_device_name(const struct smmukit_device *dev);
bool smmukit_device_untrusted(const struct smmukit_device *dev);
unsigned smmukit_device_nr_sids(const struct smmukit_device *dev);
uint32_t smmukit_device_sid(const struct smmukit_device *dev, unsigned i);
struct smmukit_group *smmukit_device_group(const struct smmukit_device *dev);
struct smmukit_iommu *smmukit_device_iommu(const struct smmukit_device *dev);
/* The domain the device's group is attached to now (default or user). */
struct smmukit_domain *smmukit_device_domain(const struct smmukit_device *dev);
/* The group's default domain (what the DMA API maps through). */
struct smmukit_domain *smmukit_device_default_domain(const struct smmukit_device *dev);
/*
 * The DMA API's hot-path view in one call: -EBUSY when the group is not
 * attached to its default domain; else 0 with the default domain's type
 * (BLOCKED if there is none) and its DMA cookie (NULL if none), as
 * smmukit_device_default_domain, smmukit_device_domain,
 * smmukit_domain_get_type and smmukit_domain_dma_cookie would give them.
 */
int smmukit_device_dma_state(const struct smmukit_device *dev,
			     enum smmukit_domain_type *type, void **cookie);

/*
 * Change the type of the device's group's default domain (Linux's sysfs
 * "type"): DMA -> DMA-FQ live; identity, blocked, DMA or DMA-FQ otherwise
 * by rebuilding the default domain, which must be idle (-EBUSY) and
 * attached (-EBUSY while a user domain owns the group). DMA-FQ for an
 * untrusted device: -EPERM. unmanaged: -EINVAL (use domain_alloc +
 * attach_group). DMA-FQ where lazy cannot be honoured gives DMA (0).
 */
int smmukit_iommu_set_default_domain_type(struct smmukit_device *dev,
					  enum smmukit_domain_type type);

/* ---- domains ---- */

/*
 * A domain for a user (unmanaged, identity or blocked; DMA types: -EINVAL,
 * they are only ever default domains).
 */
int smmukit_iommu_domain_alloc(struct smmukit_iommu *iommu,
			       enum smmukit_domain_type type,
			       struct smmukit_domain **out);
/* -EBUSY while a group is attached to it; -EINVAL for default domains. */
int smmukit_iommu_domain_free(struct smmukit_domain *dom);
/*
 * Move the device's whole group onto a user domain (as VFIO does): -EBUSY
 * if the group's default domain has live DMA-API mappings, or the group is
 * already on another user domain.
 */
int smmukit_iommu_attach_group(struct smmukit_domain *dom,
			       struct smmukit_device *dev);
/* Return the group to its default domain. -ENOENT if not on dom. */
int smmukit_iommu_detach_group(struct smmukit_domain *dom,
			       struct smmukit_device *dev);

enum smmukit_domain_type smmukit_domain_get_type(const struct smmukit_domain *dom);
struct smmukit_iommu *smmukit_domain_iommu(const struct smmukit_domain *dom);
/* The page-size bitmap and smallest granule (0 for non-paging domains). */
uint64_t smmukit_domain_pgsize_bitmap(const struct smmukit_domain *dom);
uint64_t smmukit_domain_granule(const struct smmukit_domain *dom);
/* Input address bits of a paging domain (0 otherwise). */
unsigned smmukit_domain_ias(const struct smmukit_domain *dom);
/* The DMA layer's state in this domain (see smmukit_iommu_dma_ops). */
void *smmukit_domain_dma_cookie(const struct smmukit_domain *dom);
void smmukit_domain_set_dma_cookie(struct smmukit_domain *dom, void *cookie);
/* Is a group attached to it now? */
bool smmukit_domain_attached(const struct smmukit_domain *dom);

/* ---- map and unmap ---- */

/*
 * Map [iova, iova+size) to [pa, pa+size) with the largest page sizes that
 * fit. All or nothing: on error what this call mapped is unmapped again
 * (strictly). -EINVAL (size 0, misaligned to the granule, iova+size or
 * pa+size wrapping, bad prot, a non-paging domain), -EPERM (a DMA or
 * DMA-FQ domain: its addresses belong to the DMA layer), -ERANGE (beyond
 * the domain's input or output size), -EEXIST, -ENOMEM.
 */
int smmukit_iommu_map(struct smmukit_domain *dom, uint64_t iova,
		      smmukit_phys_t pa, uint64_t size, unsigned prot);

/*
 * Strict unmap, in every paging domain a user owns: clear the PTEs,
 * invalidate, wait. Returns the bytes unmapped (stops at the first hole; 0
 * if iova is not mapped) or an error (-EINVAL, -EPERM for a DMA or DMA-FQ
 * domain, -ERANGE, -ETIMEDOUT if the invalidation was not confirmed: the
 * PTEs are cleared nevertheless).
 */
int64_t smmukit_iommu_unmap(struct smmukit_domain *dom, uint64_t iova,
			    uint64_t size);

/*
 * Clear the PTEs and gather the invalidation; the caller completes it with
 * smmukit_iommu_iotlb_sync() (strict), or sets gather->queued first and
 * flushes later with smmukit_iommu_flush_iotlb_all() (lazy: only a DMA-FQ
 * domain's flush queue may; anything else gets -EPERM, nothing changed).
 * A DMA or DMA-FQ domain: -EPERM (see smmukit_iommu_dma_unmap_fast).
 */
int64_t smmukit_iommu_unmap_fast(struct smmukit_domain *dom, uint64_t iova,
				 uint64_t size,
				 struct smmukit_iotlb_gather *gather);

/*
 * map, unmap and unmap_fast for the owner of a DMA or DMA-FQ domain (the
 * layer whose smmukit_iommu_dma_ops are installed; its IOVA allocator
 * decides which addresses are free): the same, without the -EPERM check
 * that keeps everyone else out of that domain's address space.
 */
int smmukit_iommu_dma_map(struct smmukit_domain *dom, uint64_t iova,
			  smmukit_phys_t pa, uint64_t size, unsigned prot);
int64_t smmukit_iommu_dma_unmap(struct smmukit_domain *dom, uint64_t iova,
				uint64_t size);
int64_t smmukit_iommu_dma_unmap_fast(struct smmukit_domain *dom, uint64_t iova,
				     uint64_t size,
				     struct smmukit_iotlb_gather *gather);
/* Complete a strict gather: invalidate, wait, free removed table pages. */
int smmukit_iommu_iotlb_sync(struct smmukit_domain *dom,
			     struct smmukit_iotlb_gather *gather);
/* Invalidate every cached translation of the domain and wait. */
int smmukit_iommu_flush_iotlb_all(struct smmukit_domain *dom);
/* 0 and *pa; -ENOENT if unmapped; identity gives iova. */
int smmukit_iommu_iova_to_phys(struct smmukit_domain *dom, uint64_t iova,
			       smmukit_phys_t *pa);

/* For the DMA layer: report the start/return of an unmap to the observer. */
void smmukit_iommu_note_unmap(struct smmukit_domain *dom, uint64_t iova,
			      uint64_t size, bool returned);

#ifdef __cplusplus
}
#endif

#endif /* SMMUKIT_IOMMU_H */

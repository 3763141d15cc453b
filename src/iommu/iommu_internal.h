/* SPDX-License-Identifier: MIT */
/* The IOMMU core's private state. Only src/iommu includes this. */
#ifndef SMMUKIT_IOMMU_INTERNAL_H
#define SMMUKIT_IOMMU_INTERNAL_H

#include "smmukit/iommu.h"

struct smmukit_domain {
	struct smmukit_iommu *iommu;
	/* The driver's domain: fixed for the domain's life. */
	struct smmukit_iommu_drv_domain *hw;
	/*
	 * The type is read without a lock by the map/unmap paths; it changes
	 * only from DMA to DMA-FQ (relaxed store after the flush queue is
	 * published, so a reader that sees DMA-FQ finds the queue).
	 */
	_Atomic unsigned type;
	/*
	 * May a queued (lazy) gather be used on this domain? Set before the
	 * DMA layer publishes its flush queue, cleared if that fails; never
	 * set for unmanaged domains or for groups with an untrusted or
	 * opted-out device. This is what enforces "who may be lazy" at the
	 * core, whatever the layer above does.
	 */
	_Atomic bool fq_allowed;
	bool is_default;
	/* Groups attached now. Protected by the instance's cfg_lock. */
	unsigned attached;
	/* Owned by the DMA layer; set under cfg_lock before any attach. */
	void *dma_cookie;
	/* User domains: list of the instance, under cfg_lock. */
	struct smmukit_domain *next;
};

struct smmukit_group {
	struct smmukit_iommu *iommu;
	unsigned id;	/* 0: private to its one device */
	/* Members; under cfg_lock. */
	struct smmukit_device *devices;
	unsigned nr_devices;
	/*
	 * Written under cfg_lock, read lock-free by the DMA layer (acquire):
	 * the default domain, and the domain attached now (default or user).
	 */
	_Atomic(struct smmukit_domain *) default_domain;
	_Atomic(struct smmukit_domain *) domain;
	struct smmukit_group *next;	/* under cfg_lock */
};

struct smmukit_device {
	struct smmukit_iommu *iommu;
	struct smmukit_group *group;	/* fixed from probe to release */
	char name[SMMUKIT_DEVICE_NAME_MAX];
	uint32_t sids[SMMUKIT_DEVICE_MAX_SIDS];
	unsigned nr_sids;
	bool untrusted;
	bool no_deferred_flush;
	/* The seam's view: points into sids. */
	struct smmukit_iommu_drv_device drv_dev;
	struct smmukit_device *group_next;	/* under cfg_lock */
	struct smmukit_device *next;		/* under cfg_lock */
};

struct smmukit_iommu {
	struct smmukit_platform *plat;
	struct smmukit_iommu_drv *drv;
	struct smmukit_iommu_options opts;	/* immutable after create */
	/*
	 * Serialises every configuration change: devices, groups, domain
	 * alloc/free, attach/detach, type changes. Never taken on map/unmap.
	 */
	struct smmukit_lock cfg_lock;
	struct smmukit_device *devices;
	struct smmukit_group *groups;
	struct smmukit_domain *user_domains;
	/* Set before the first device, then read-only. */
	const struct smmukit_iommu_dma_ops *dma_ops;
	void *dma_arg;
	/*
	 * The unmap observer: installed before DMA starts (a test or tool
	 * sets it up front); has_observer is the one flag the unmap paths
	 * read.
	 */
	struct smmukit_unmap_observer observer;
	_Atomic bool has_observer;
};

/* May this domain take queued (lazy) gathers? See fq_allowed. */
#define SMMUKIT_IOMMU_FQ_ALLOWED(dom) \
	atomic_load_explicit(&(dom)->fq_allowed, memory_order_acquire)

#endif /* SMMUKIT_IOMMU_INTERNAL_H */

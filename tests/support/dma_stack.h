/* SPDX-License-Identifier: MIT */
/*
 * The whole stack for the cmocka tests of the upper layers: the harness
 * (manual-clock platform, model, driver; tests/unit/smmu_harness.h), the
 * IOMMU core and the DMA layer on it, with CPU 0 current. Every step
 * asserts, like the harness it builds on; rel_stack.h is the variant that
 * returns errors instead, for allocation-failure sweeps and fuzzers.
 */
#ifndef SMMUKIT_DMA_STACK_H
#define SMMUKIT_DMA_STACK_H

#include "../unit/smmu_harness.h"

#include "smmukit/dma.h"
#include "smmukit/iommu.h"

/*
 * One test's stack. Built and torn down by the test's own thread; what
 * other threads do with it between is guarded by the layers' own locks.
 */
struct dma_stack {
	struct harness h;
	struct smmukit_iommu *core;
	struct smmukit_dma *dma;
	struct smmukit_iommu_options opts;	/* given to the core */
	struct smmukit_device *dev;	/* released by ds_down unless NULL */
};

/*
 * The core (on drv; NULL: the harness's driver) and the DMA layer on a
 * harness that is up, with the options in s->opts.
 */
static inline void ds_core_up(struct dma_stack *s, struct smmukit_iommu_drv *drv)
{
	struct smmukit_iommu_config cfg = { 0 };

	cfg.platform = s->h.p;
	cfg.drv = drv ? drv : s->h.iommu;
	cfg.options = &s->opts;
	assert_int_equal(smmukit_iommu_create(&cfg, &s->core), 0);
	assert_int_equal(smmukit_dma_create(s->core, &s->dma), 0);
	smmukit_posix_set_cpu(s->h.p, 0);
}

/* Harness with model features keys, then core and DMA layer (o NULL: defaults). */
static inline void ds_up(struct dma_stack *s, const char *keys,
			 const struct smmukit_iommu_options *o)
{
	memset(s, 0, sizeof(*s));
	h_up(&s->h, keys);
	if (o)
		s->opts = *o;
	else
		smmukit_iommu_options_default(&s->opts);
	ds_core_up(s, NULL);
}

static inline struct smmukit_device *ds_dev(struct dma_stack *s,
					    const char *name, uint32_t sid,
					    bool untrusted, unsigned group)
{
	struct smmukit_device_config dc = {
		.name = name, .sids = &sid, .nr_sids = 1,
		.untrusted = untrusted, .group_id = group,
	};
	struct smmukit_device *d;

	assert_int_equal(smmukit_iommu_probe_device(s->core, &dc, &d), 0);
	return d;
}

static inline struct smmukit_dma_stats ds_stats(struct dma_stack *s)
{
	struct smmukit_dma_stats st;

	assert_int_equal(smmukit_dma_get_stats(s->dma, &st), 0);
	return st;
}

/* Release s->dev (if set), then the layers; h_down checks nothing leaked. */
static inline void ds_down(struct dma_stack *s)
{
	if (s->dev)
		assert_int_equal(smmukit_iommu_release_device(s->dev), 0);
	s->dev = NULL;
	smmukit_dma_destroy(s->dma);
	assert_int_equal(smmukit_iommu_destroy(s->core), 0);
	h_down(&s->h);
}

#endif /* SMMUKIT_DMA_STACK_H */

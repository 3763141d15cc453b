/* SPDX-License-Identifier: MIT */
/*
 * The whole stack (manual-clock platform, model, driver, IOMMU core, DMA
 * layer) for the reliability tests and fuzzers, without cmocka: every
 * step returns 0 or an error, so allocation-failure sweeps can build it
 * under failure injection and fuzzers can use it as well.
 */
#ifndef SMMUKIT_REL_STACK_H
#define SMMUKIT_REL_STACK_H

#include <string.h>

#include "smmukit/dma.h"
#include "smmukit/iommu.h"
#include "smmukit/model.h"
#include "smmukit/platform_posix.h"
#include "smmukit/smmu.h"

struct rel_stack {
	struct smmukit_platform *p;
	struct smmukit_model *m;
	struct smmukit_smmu *s;
	struct smmukit_iommu *core;
	struct smmukit_dma *dma;
	struct smmukit_iommu_options opts;
};

/* Platform and model only (manual clock unless real_clock). */
static inline int rel_platform(struct rel_stack *r, const char *features,
			       bool real_clock, unsigned cpus)
{
	struct smmukit_posix_config pc = {
		.manual_clock = !real_clock, .nr_cpus = cpus ? cpus : 2,
		.mem_size = 128u << 20, .log_level = SMMUKIT_LOG_ERR,
	};
	struct smmukit_model_config mc;
	char err[128];
	int ret;

	memset(r, 0, sizeof(*r));
	ret = smmukit_posix_create(&pc, &r->p);
	if (ret)
		return ret;
	smmukit_model_config_default(&mc);
	mc.cmdlog_entries = mc.invlog_entries = mc.stalelog_entries = 256;
	if (features && *features &&
	    (ret = smmukit_model_config_parse(&mc, features, err, sizeof(err))))
		return ret;
	return smmukit_model_create(r->p, &mc, NULL, &r->m);
}

/* Driver, core and DMA layer on the platform (each may fail: sweeps). */
static inline int rel_stack_up(struct rel_stack *r, bool strict)
{
	struct smmukit_smmu_config sc;
	struct smmukit_iommu_config ic = { 0 };
	int ret;

	memset(&sc, 0, sizeof(sc));
	sc.platform = r->p;
	sc.mmio = smmukit_model_mmio(r->m);
	sc.poll_timeout_ns = 2000000;
	ret = smmukit_smmu_probe(&sc, &r->s);
	if (ret)
		return ret;
	smmukit_iommu_options_default(&r->opts);
	r->opts.strict = strict;
	ic.platform = r->p;
	ic.drv = smmukit_smmu_iommu(r->s);
	ic.options = &r->opts;
	ret = smmukit_iommu_create(&ic, &r->core);
	if (ret)
		return ret;
	return smmukit_dma_create(r->core, &r->dma);
}

/* Tear down whatever rel_stack_up built (also after a partial failure). */
static inline int rel_stack_down(struct rel_stack *r)
{
	int ret = 0;

	if (r->dma)
		smmukit_dma_destroy(r->dma);
	if (r->core)
		ret = smmukit_iommu_destroy(r->core);
	if (r->s)
		smmukit_smmu_destroy(r->s);
	r->dma = NULL;
	r->core = NULL;
	r->s = NULL;
	return ret;
}

static inline void rel_platform_down(struct rel_stack *r)
{
	smmukit_model_destroy(r->m);
	smmukit_posix_destroy(r->p);
}

static inline int rel_dev(struct rel_stack *r, const char *name, uint32_t sid,
			  bool untrusted, struct smmukit_device **out)
{
	struct smmukit_device_config dc = {
		.name = name, .sids = &sid, .nr_sids = 1, .untrusted = untrusted,
	};

	return smmukit_iommu_probe_device(r->core, &dc, out);
}

static inline uint64_t rel_pages(struct rel_stack *r)
{
	struct smmukit_posix_stats st;

	smmukit_posix_get_stats(r->p, &st);
	return st.pages_in_use;
}

static inline uint64_t rel_zbytes(struct rel_stack *r)
{
	struct smmukit_posix_stats st;

	smmukit_posix_get_stats(r->p, &st);
	return st.zallocs_in_use;
}

static inline struct smmukit_model_stats rel_mstats(struct rel_stack *r)
{
	struct smmukit_model_stats st;

	memset(&st, 0, sizeof(st));
	smmukit_model_get_stats(r->m, &st);
	return st;
}

/* Device read of one byte: 0 or the fault. */
static inline int rel_read(struct rel_stack *r, uint32_t sid, uint64_t iova)
{
	unsigned char b;
	struct smmukit_model_dma_result res;
	int ret = smmukit_model_dma(r->m, sid, SMMUKIT_MODEL_NO_SSID, iova, 1,
				    false, &b, &res);

	return ret < 0 ? ret : ret ? (int)res.event : 0;
}

#endif /* SMMUKIT_REL_STACK_H */

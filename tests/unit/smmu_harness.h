/* SPDX-License-Identifier: MIT */
/*
 * Shared by the smmu_* tests: a manual-clock POSIX platform, the hardware
 * model built from "KEY=VAL,..." features, and the driver probed on it,
 * with an event handler that records what it is given.
 */
#ifndef SMMU_HARNESS_H
#define SMMU_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "smmukit/iommu_ops.h"
#include "smmukit/model.h"
#include "smmukit/platform_posix.h"
#include "smmukit/smmu.h"

#define H_MAX_EVENTS 256

struct harness {
	struct smmukit_platform *p;
	struct smmukit_model *m;
	struct smmukit_smmu *s;
	struct smmukit_iommu_drv *iommu;
	uint64_t base_pages;	/* pages in use before the driver */
	unsigned nr_events;
	/* Sync violations other than the page table's SW_SYNC marker bit. */
	unsigned real_sync_violations;
	struct smmukit_smmu_event events[H_MAX_EVENTS];
};

static void h_event(void *arg, const struct smmukit_smmu_event *ev)
{
	struct harness *h = arg;

	if (h->nr_events < H_MAX_EVENTS)
		h->events[h->nr_events] = *ev;
	h->nr_events++;
}

static SMMUKIT_UNUSED uint64_t h_pages(struct harness *h)
{
	struct smmukit_posix_stats st;

	smmukit_posix_get_stats(h->p, &st);
	return st.pages_in_use;
}

/*
 * Every descriptor, STE, CD and queue entry the SMMU reads must have been
 * synced (the model ignores the IGNORED software bits of LPAE descriptors,
 * which the page table sets after syncing, as Linux does).
 */
static void h_trace(void *arg, const struct smmukit_model_trace_rec *r)
{
	struct harness *h = arg;

	if (r->kind == SMMUKIT_MODEL_TRACE_VIOLATION && r->why &&
	    strstr(r->why, "dma_sync"))
		h->real_sync_violations++;
}

/* Platform + model only (tests that probe by hand); prof NULL = zero. */
static SMMUKIT_UNUSED void h_model_prof(struct harness *h, const char *keys,
					const struct smmukit_model_profile *prof)
{
	struct smmukit_posix_config pc = {
		.manual_clock = true, .nr_cpus = 4, .mem_size = 256u << 20,
		.record_syncs = true, .log_level = SMMUKIT_LOG_WARN,
	};
	struct smmukit_model_config mc;
	char err[160];

	memset(h, 0, sizeof(*h));
	assert_int_equal(smmukit_posix_create(&pc, &h->p), 0);
	smmukit_model_config_default(&mc);
	if (keys && *keys) {
		int ret = smmukit_model_config_parse(&mc, keys, err, sizeof(err));

		if (ret)
			fail_msg("model keys '%s': %s", keys, err);
	}
	assert_int_equal(smmukit_model_create(h->p, &mc, prof, &h->m), 0);
	smmukit_model_set_trace(h->m, SMMUKIT_MODEL_TRACE_VIOLATION, h_trace, h);
	h->base_pages = h_pages(h);
}

static SMMUKIT_UNUSED void h_model(struct harness *h, const char *keys)
{
	h_model_prof(h, keys, NULL);
}

static SMMUKIT_UNUSED void h_config(struct harness *h,
				    struct smmukit_smmu_config *c)
{
	memset(c, 0, sizeof(*c));
	c->platform = h->p;
	c->mmio = smmukit_model_mmio(h->m);
	c->event_handler = h_event;
	c->event_arg = h;
	/* Short enough for fault tests on the manual clock, long enough for
	 * any queue in the zero profile. */
	c->poll_timeout_ns = 2000000;
}

static SMMUKIT_UNUSED void h_up_cfg(struct harness *h, const char *keys,
				    const struct smmukit_smmu_config *cfg)
{
	struct smmukit_smmu_config c;

	h_model(h, keys);
	if (cfg) {
		c = *cfg;
		c.platform = h->p;
		c.mmio = smmukit_model_mmio(h->m);
		c.event_handler = h_event;
		c.event_arg = h;
		if (!c.poll_timeout_ns)
			c.poll_timeout_ns = 2000000;
	} else {
		h_config(h, &c);
	}
	assert_int_equal(smmukit_smmu_probe(&c, &h->s), 0);
	h->iommu = smmukit_smmu_iommu(h->s);
}

static SMMUKIT_UNUSED void h_up(struct harness *h, const char *keys)
{
	h_up_cfg(h, keys, NULL);
}

static SMMUKIT_UNUSED void h_down(struct harness *h)
{
	if (h->s)
		smmukit_smmu_destroy(h->s);
	/* Nothing the driver allocated may survive it, and no cached entry
	 * may point into what it freed (checking mode). */
	assert_int_equal(h_pages(h), h->base_pages);
	{
		struct smmukit_model_stats st;

		assert_int_equal(smmukit_model_get_stats(h->m, &st), 0);
		assert_int_equal(st.free_violations, 0);
	}
	smmukit_model_destroy(h->m);
	smmukit_posix_destroy(h->p);
}

static SMMUKIT_UNUSED struct smmukit_model_stats h_mstats(struct harness *h)
{
	struct smmukit_model_stats st;

	assert_int_equal(smmukit_model_get_stats(h->m, &st), 0);
	return st;
}

/* A DMA-able page of simulated RAM, filled with a byte. */
static SMMUKIT_UNUSED struct smmukit_dma_pages h_buf(struct harness *h,
						     unsigned order,
						     unsigned char fill)
{
	struct smmukit_dma_pages pg;

	assert_int_equal(smmukit_plat_alloc_pages(h->p, order, &pg), 0);
	memset(pg.cpu, fill, SMMUKIT_PAGE_SIZE << order);
	return pg;
}

/* Device read of len bytes at iova on sid: 0 or the fault's event ID. */
static SMMUKIT_UNUSED int h_dma_read(struct harness *h, uint32_t sid,
				     uint64_t iova, void *buf, uint64_t len)
{
	struct smmukit_model_dma_result r;
	int ret = smmukit_model_dma(h->m, sid, SMMUKIT_MODEL_NO_SSID, iova,
				    len, false, buf, &r);

	assert_true(ret >= 0);
	return ret ? (int)r.event : 0;
}

static SMMUKIT_UNUSED int h_dma_write(struct harness *h, uint32_t sid,
				      uint64_t iova, const void *buf,
				      uint64_t len)
{
	struct smmukit_model_dma_result r;
	int ret = smmukit_model_dma(h->m, sid, SMMUKIT_MODEL_NO_SSID, iova,
				    len, true, (void *)buf, &r);

	assert_true(ret >= 0);
	return ret ? (int)r.event : 0;
}

/* Read every command the model consumed since *cursor. */
static SMMUKIT_UNUSED size_t h_cmdlog(struct harness *h, uint64_t *cursor,
				      struct smmukit_model_cmd_rec *out,
				      size_t max)
{
	uint64_t lost = 0;
	size_t n = smmukit_model_read_cmdlog(h->m, cursor, out, max, &lost);

	assert_int_equal(lost, 0);
	return n;
}

static SMMUKIT_UNUSED unsigned h_count_op(const struct smmukit_model_cmd_rec *r,
					  size_t n, unsigned op)
{
	unsigned c = 0;

	for (size_t i = 0; i < n; i++)
		if ((r[i].dw[0] & 0xff) == op)
			c++;
	return c;
}

#endif /* SMMU_HARNESS_H */

/* SPDX-License-Identifier: MIT */
/*
 * Driver bring-up across feature configurations of the model, DMA through
 * attached domains in each, fault delivery, refusal of SMMUs the driver
 * cannot drive, register-handshake timeouts, and resume.
 */
#include "smmu_harness.h"

#define IOVA UINT64_C(0x40000000)

/* Map one page, DMA through it both ways, unmap strictly, see it fault. */
static void dma_roundtrip(struct harness *h, unsigned stage, const uint32_t *sids,
			  unsigned nr)
{
	struct smmukit_iommu_drv_domain_cfg dc = { .stage = stage };
	struct smmukit_iommu_drv_device dev = { sids, nr };
	struct smmukit_iommu_drv_domain *dom = NULL;
	struct smmukit_dma_pages pg;
	struct smmukit_iotlb_gather g;
	uint64_t gran;
	unsigned char buf[64], wr[32];
	smmukit_phys_t pa;
	uint64_t mapped;
	unsigned ev0;

	assert_int_equal(smmukit_iommu_drv_domain_alloc(h->iommu, &dc, &dom), 0);
	assert_int_equal(dom->stage, stage);
	gran = dom->granule;
	pg = h_buf(h, smmukit_ilog2(gran) - 12, 0x5a);
	assert_int_equal(smmukit_iommu_drv_attach_dev(dom, &dev), 0);
	assert_int_equal(smmukit_iommu_drv_map_pages(dom, IOVA, pg.pa, gran,
						 1, SMMUKIT_PROT_READ |
						 SMMUKIT_PROT_WRITE, &mapped), 0);
	assert_int_equal(mapped, gran);
	assert_int_equal(smmukit_iommu_drv_iova_to_phys(dom, IOVA + 5, &pa), 0);
	assert_int_equal(pa, pg.pa + 5);

	for (unsigned i = 0; i < nr; i++) {
		memset(buf, 0, sizeof(buf));
		assert_int_equal(h_dma_read(h, sids[i], IOVA + 64, buf, sizeof(buf)), 0);
		for (unsigned k = 0; k < sizeof(buf); k++)
			assert_int_equal(buf[k], 0x5a);
		memset(wr, 0xc0 + i, sizeof(wr));
		assert_int_equal(h_dma_write(h, sids[i], IOVA + 256, wr, sizeof(wr)), 0);
		assert_int_equal(((unsigned char *)pg.cpu)[256 + 31], 0xc0 + i);
	}

	/* Strict unmap: after iotlb_sync no access may succeed. */
	smmukit_pgtable_gather_init(&g);
	assert_int_equal(smmukit_iommu_drv_unmap_pages(dom, IOVA, gran, 1, &g), gran);
	assert_int_equal(smmukit_iommu_drv_iotlb_sync(dom, &g), 0);
	assert_true(smmukit_pgtable_gather_empty(&g));
	ev0 = h->nr_events;
	assert_int_equal(h_dma_read(h, sids[0], IOVA + 8, buf, 8),
			 SMMUV3_EVT_F_TRANSLATION);
	assert_true(smmukit_smmu_handle_evtq_irq(h->s) >= 1);
	assert_true(h->nr_events > ev0);
	assert_int_equal(h->events[ev0].id, SMMUV3_EVT_F_TRANSLATION);
	assert_string_equal(h->events[ev0].name, "F_TRANSLATION");
	assert_int_equal(h->events[ev0].sid, sids[0]);
	assert_int_equal(h->events[ev0].addr, IOVA + 8);
	assert_true(h->events[ev0].rnw);
	assert_int_equal(h->events[ev0].s2, stage == 2);
	assert_int_equal(h->events[ev0].class_, EVT1_CLASS_IN);

	assert_int_equal(smmukit_iommu_drv_detach_dev(dom, &dev), 0);
	assert_int_equal(smmukit_iommu_drv_domain_free(dom), 0);
	smmukit_plat_free_pages(h->p, &pg);
	/* Detached streams abort; the abort STE is now cached, and destroy
	 * must invalidate it before freeing the table (h_down checks). */
	for (unsigned i = 0; i < nr; i++)
		assert_int_equal(h_dma_read(h, sids[i], IOVA, buf, 4),
				 SMMUKIT_MODEL_ABORT);
}

struct bringup {
	const char *keys;
	unsigned stage;
	bool two_level;
};

static void test_bringup_matrix(void **state)
{
	static const struct bringup cases[] = {
		{ "strtab=linear", 1, false },
		{ "strtab=2lvl", 1, true },
		{ "ril=0", 1, true },
		{ "ril", 1, true },
		{ "msi", 1, true },
		{ "msi,coherent=0", 1, true },
		{ "coherent=0", 1, true },
		{ "coherent=0,strtab=linear,sidsize=8", 2, false },
		{ "asid16=0", 1, true },
		{ "vmid16=0", 2, true },
		{ "stages=s1", 1, true },
		{ "stages=s2", 2, true },
		{ "stages=s2,ril=0", 2, true },
		{ "sev", 1, true },
		{ "hyp", 1, true },
		{ "gran=64k", 1, true },
		{ "gran=16k,stages=s2", 2, true },
		{ "oas=40", 1, true },
		{ "sidsize=5", 1, false },
		{ "sidsize=32", 1, true },
		{ "strtab=linear,sidsize=20", 2, false },
	};

	for (unsigned i = 0; i < SMMUKIT_ARRAY_SIZE(cases); i++) {
		const struct bringup *b = &cases[i];
		char keys[128];
		struct harness h;
		struct smmukit_smmu_info in;
		struct smmukit_model_stats ms;
		uint32_t sids_1lvl[] = { 3, 17 };
		uint32_t sids_2lvl[] = { 3, 0x1234, 0xffff };

		snprintf(keys, sizeof(keys), "%s,checking", b->keys);
		print_message("bring-up: %s\n", keys);
		h_up(&h, keys);
		assert_int_equal(smmukit_smmu_get_info(h.s, &in), 0);
		assert_int_equal(in.strtab_2lvl_used, b->two_level);
		assert_int_equal(in.ril, strstr(b->keys, "ril=0") == NULL);
		assert_int_equal(in.coherent, strstr(b->keys, "coherent=0") == NULL);
		assert_int_equal(in.msi, strstr(b->keys, "msi") != NULL);
		assert_int_equal(in.msi_sync, in.msi && in.coherent);
		assert_int_equal(in.asid_bits, strstr(b->keys, "asid16=0") ? 8 : 16);
		assert_int_equal(in.vmid_bits, strstr(b->keys, "vmid16=0") ? 8 : 16);
		assert_int_equal(in.hyp, strstr(b->keys, "hyp") != NULL);
		assert_int_equal(in.sev, strstr(b->keys, "sev") != NULL);
		if (strstr(b->keys, "oas=40"))
			assert_int_equal(in.oas, 40);
		if (b->two_level)
			dma_roundtrip(&h, b->stage, sids_2lvl, 3);
		else
			dma_roundtrip(&h, b->stage, sids_1lvl, 2);
		{
			struct smmukit_posix_stats ps;

			/* Coherent: nothing extra; otherwise every write is
			 * made visible with dma_sync_for_device. */
			smmukit_posix_get_stats(h.p, &ps);
			if (in.coherent)
				assert_int_equal(ps.syncs, 0);
			else
				assert_true(ps.syncs > 10);
		}
		ms = h_mstats(&h);
		assert_int_equal(ms.stale_unmapped, 0);
		assert_int_equal(ms.stale_reused, 0);
		assert_int_equal(h.real_sync_violations, 0);
		assert_int_equal(ms.free_violations, 0);
		assert_int_equal(ms.cerrors, 0);
		assert_int_equal(ms.refused_writes, 0);
		h_down(&h);
	}
}

/* The probe refuses what it cannot drive, and frees what it took. */
static void test_bad_config(void **state)
{
	struct harness h;
	struct smmukit_smmu_config c;
	struct smmukit_smmu *s = NULL;

	h_model(&h, "");
	h_config(&h, &c);
	assert_int_equal(smmukit_smmu_probe(NULL, &s), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_smmu_probe(&c, NULL), -SMMUKIT_EINVAL);
	c.platform = NULL;
	assert_int_equal(smmukit_smmu_probe(&c, &s), -SMMUKIT_EINVAL);
	h_config(&h, &c);
	c.cmdq_log2_max = 40;
	assert_int_equal(smmukit_smmu_probe(&c, &s), -SMMUKIT_EINVAL);
	assert_null(s);
	assert_int_equal(h_pages(&h), h.base_pages);
	h_down(&h);
}

/* An MMIO shim over the model that lies about some ID registers. */
struct lie {
	struct smmukit_mmio real;
	uint64_t off;
	uint32_t set, clr;
};

static uint32_t lie_r32(void *ctx, uint64_t off)
{
	struct lie *l = ctx;
	uint32_t v = l->real.ops->read32(l->real.ctx, off);

	return off == l->off ? (v & ~l->clr) | l->set : v;
}

static uint64_t lie_r64(void *ctx, uint64_t off)
{
	struct lie *l = ctx;

	return l->real.ops->read64(l->real.ctx, off);
}

static void lie_w32(void *ctx, uint64_t off, uint32_t v)
{
	struct lie *l = ctx;

	l->real.ops->write32(l->real.ctx, off, v);
}

static void lie_w64(void *ctx, uint64_t off, uint64_t v)
{
	struct lie *l = ctx;

	l->real.ops->write64(l->real.ctx, off, v);
}

static const struct smmukit_mmio_ops lie_ops = { lie_r32, lie_r64, lie_w32, lie_w64 };

static void test_refuses_undrivable(void **state)
{
	static const struct {
		uint64_t off;
		uint32_t set, clr;
	} lies[] = {
		{ SMMUV3_IDR0, 0, (uint32_t)IDR0_TTF },	/* no table format */
		{ SMMUV3_IDR0, (uint32_t)1 << 2,
		  (uint32_t)IDR0_TTF },			/* AArch32 only */
		{ SMMUV3_IDR0, (uint32_t)IDR0_TTENDIAN, 0 },	/* BE only */
		{ SMMUV3_IDR0, 0, (uint32_t)(IDR0_S1P | IDR0_S2P) },
		{ SMMUV3_IDR1, (uint32_t)IDR1_REL, 0 },
		{ SMMUV3_IDR1, (uint32_t)IDR1_TABLES_PRESET, 0 },
		{ SMMUV3_IDR1, (uint32_t)IDR1_QUEUES_PRESET, 0 },
		{ SMMUV3_IDR5, 0, (uint32_t)(IDR5_GRAN4K | IDR5_GRAN16K | IDR5_GRAN64K) },
		{ SMMUV3_AIDR, 0x10, 0 },
		/* Stall forced (STALL_MODEL, bits 25:24, = 2): no stall handling. */
		{ SMMUV3_IDR0, (uint32_t)IDR0_STALL_MODEL_FORCE << 24,
		  (uint32_t)IDR0_STALL_MODEL },
	};

	for (unsigned i = 0; i < SMMUKIT_ARRAY_SIZE(lies); i++) {
		struct harness h;
		struct smmukit_smmu_config c;
		struct smmukit_smmu *s = NULL;
		struct lie l;

		h_model(&h, "");
		h_config(&h, &c);
		l.real = c.mmio;
		l.off = lies[i].off;
		l.set = lies[i].set;
		l.clr = lies[i].clr;
		c.mmio.ops = &lie_ops;
		c.mmio.ctx = &l;
		assert_int_equal(smmukit_smmu_probe(&c, &s), -SMMUKIT_ENODEV);
		assert_null(s);
		h_down(&h);
	}
}

/* A stalled command queue: probe reports a timeout instead of hanging. */
static void test_stalled_queue_times_out(void **state)
{
	struct harness h;
	struct smmukit_smmu_config c;
	struct smmukit_smmu *s = NULL;

	h_model(&h, "cmdq_stall");
	h_config(&h, &c);
	assert_int_equal(smmukit_smmu_probe(&c, &s), -SMMUKIT_ETIMEDOUT);
	assert_null(s);
	/* Left disabled: nothing points at the memory the probe gave back. */
	{
		struct smmukit_mmio mm = smmukit_model_mmio(h.m);

		assert_int_equal(mm.ops->read32(mm.ctx, SMMUV3_CR0ACK), 0);
	}
	h_down(&h);
}

/* Allocation failures during probe: clean error, nothing leaked. */
static void test_probe_alloc_failures(void **state)
{
	struct harness h;
	struct smmukit_smmu_config c;

	h_model(&h, "");
	h_config(&h, &c);
	unsigned fallbacks = 0;

	for (uint64_t n = 1;; n++) {
		struct smmukit_smmu *s = NULL;
		struct smmukit_smmu_info in;
		uint64_t allocs;
		int ret;

		smmukit_posix_fail_nth_alloc(h.p, n);
		ret = smmukit_smmu_probe(&c, &s);
		allocs = smmukit_posix_fail_nth_alloc(h.p, 0);
		if (ret == 0) {
			/* Either the failure fell on a queue, which is then
			 * smaller, or n is past the last allocation. */
			assert_non_null(s);
			assert_int_equal(smmukit_smmu_get_info(s, &in), 0);
			if (in.cmdq_log2 < 10 || in.evtq_log2 < 8)
				fallbacks++;
			smmukit_smmu_destroy(s);
			assert_int_equal(h_pages(&h), h.base_pages);
			if (allocs < n) {
				assert_true(n > 3);
				break;
			}
			continue;
		}
		assert_int_equal(ret, -SMMUKIT_ENOMEM);
		assert_null(s);
		assert_int_equal(h_pages(&h), h.base_pages);
	}
	/* Both queues halved once when their allocation failed. */
	assert_int_equal(fallbacks, 2);
	h_down(&h);
}

/*
 * Resume: the SMMU loses its register state (disabled, bases clobbered)
 * but memory survives; reset restores translation for existing domains.
 */
static void test_resume(void **state)
{
	struct harness h;
	struct smmukit_mmio mm;
	struct smmukit_iommu_drv_domain *dom;
	uint32_t sid = 0x42;
	struct smmukit_iommu_drv_device dev = { &sid, 1 };
	struct smmukit_dma_pages pg;
	unsigned char b[16];

	h_up(&h, "checking");
	pg = h_buf(&h, 0, 0x77);
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, NULL, &dom), 0);
	assert_int_equal(smmukit_iommu_drv_attach_dev(dom, &dev), 0);
	assert_int_equal(smmukit_iommu_drv_map_pages(dom, IOVA, pg.pa, SMMUKIT_SZ_4K, 1,
						 SMMUKIT_PROT_READ, NULL), 0);
	assert_int_equal(h_dma_read(&h, sid, IOVA, b, sizeof(b)), 0);

	/* Power loss, as the registers see it. */
	mm = smmukit_model_mmio(h.m);
	mm.ops->write32(mm.ctx, SMMUV3_CR0, 0);
	for (int i = 0; i < 100 && mm.ops->read32(mm.ctx, SMMUV3_CR0ACK); i++)
		smmukit_plat_relax(h.p);
	mm.ops->write64(mm.ctx, SMMUV3_STRTAB_BASE, 0);
	mm.ops->write32(mm.ctx, SMMUV3_STRTAB_BASE_CFG, 0);
	mm.ops->write64(mm.ctx, SMMUV3_CMDQ_BASE, 0);
	mm.ops->write64(mm.ctx, SMMUV3_EVENTQ_BASE, 0);
	mm.ops->write32(mm.ctx, SMMUV3_CMDQ_PROD, 0);
	mm.ops->write32(mm.ctx, SMMUV3_CMDQ_CONS, 0);

	assert_int_equal(smmukit_smmu_reset(h.s), 0);
	memset(b, 0, sizeof(b));
	assert_int_equal(h_dma_read(&h, sid, IOVA, b, sizeof(b)), 0);
	assert_int_equal(b[15], 0x77);
	/* And the queue works after the reset: a strict unmap still bites. */
	{
		struct smmukit_iotlb_gather g;

		smmukit_pgtable_gather_init(&g);
		assert_int_equal(smmukit_iommu_drv_unmap_pages(dom, IOVA, SMMUKIT_SZ_4K, 1, &g),
				 SMMUKIT_SZ_4K);
		assert_int_equal(smmukit_iommu_drv_iotlb_sync(dom, &g), 0);
		assert_int_equal(h_dma_read(&h, sid, IOVA, b, 4), SMMUV3_EVT_F_TRANSLATION);
	}
	/* Reset twice in a row (enabled this time) is fine too. */
	assert_int_equal(smmukit_smmu_reset(h.s), 0);
	assert_int_equal(smmukit_smmu_reset(NULL), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iommu_drv_detach_dev(dom, &dev), 0);
	assert_int_equal(smmukit_iommu_drv_domain_free(dom), 0);
	smmukit_plat_free_pages(h.p, &pg);
	assert_int_equal(h_mstats(&h).stale_unmapped, 0);
	h_down(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bringup_matrix),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_refuses_undrivable),
		cmocka_unit_test(test_stalled_queue_times_out),
		cmocka_unit_test(test_probe_alloc_failures),
		cmocka_unit_test(test_resume),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

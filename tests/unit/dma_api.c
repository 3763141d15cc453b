/* SPDX-License-Identifier: MIT */
/*
 * The IOMMU core and the DMA API on the driver and model: strict and lazy
 * unmap with their command counts, the flush queue's ring and timer, the
 * policy (untrusted, unmanaged, passthrough, opt-out), the live DMA ->
 * DMA-FQ change, scatter-gather, coherent memory, and bad input.
 */
#include "dma_stack.h"

struct stack {
	struct dma_stack ds;
	uint64_t cursor;
};

static void st_up_opts(struct stack *s, const char *keys,
		       const struct smmukit_iommu_options *o)
{
	memset(s, 0, sizeof(*s));
	ds_up(&s->ds, keys, o);
}

static void st_up(struct stack *s, bool strict)
{
	struct smmukit_iommu_options o;

	smmukit_iommu_options_default(&o);
	o.strict = strict;
	st_up_opts(s, "checking", &o);
}

static void st_down(struct stack *s)
{
	ds_down(&s->ds);
}

static struct smmukit_device *st_dev(struct stack *s, const char *name,
				     uint32_t sid, bool untrusted)
{
	return ds_dev(&s->ds, name, sid, untrusted, 0);
}

/* Commands consumed since the last call, counted by opcode. */
struct cmd_counts {
	unsigned tlbi_leaf, tlbi_ctx, sync, total;
};

static struct cmd_counts st_cmds(struct stack *s)
{
	struct smmukit_model_cmd_rec r[512];
	struct cmd_counts c = { 0 };
	size_t n;

	while ((n = h_cmdlog(&s->ds.h, &s->cursor, r, 512)) > 0) {
		c.total += (unsigned)n;
		c.tlbi_leaf += h_count_op(r, n, SMMUV3_OP_TLBI_NH_VA) +
			       h_count_op(r, n, SMMUV3_OP_TLBI_S2_IPA);
		c.tlbi_ctx += h_count_op(r, n, SMMUV3_OP_TLBI_NH_ASID) +
			      h_count_op(r, n, SMMUV3_OP_TLBI_S12_VMALL);
		c.sync += h_count_op(r, n, SMMUV3_OP_CMD_SYNC);
	}
	return c;
}

static int dev_read(struct stack *s, uint32_t sid, uint64_t iova)
{
	unsigned char b;

	return h_dma_read(&s->ds.h, sid, iova, &b, 1);
}

static void strict_unmap_is_one_tlbi_one_sync(void **state)
{
	struct stack s;
	struct smmukit_device *d;
	struct smmukit_dma_pages buf;
	smmukit_dma_addr_t a;
	struct cmd_counts c;

	(void)state;
	st_up(&s, true);
	d = st_dev(&s, "nvme", 8, false);
	assert_int_equal(smmukit_domain_get_type(smmukit_device_domain(d)),
			 SMMUKIT_DOMAIN_DMA);
	buf = h_buf(&s.ds.h, 2, 0x5a);
	st_cmds(&s);
	assert_int_equal(smmukit_dma_map_page(d, buf.pa + 0x123, 3 * 4096,
					      SMMUKIT_DMA_BIDIRECTIONAL, &a), 0);
	assert_int_equal(a & 0xfff, 0x123);
	c = st_cmds(&s);
	assert_int_equal(c.total, 0);	/* nothing on map */
	assert_int_equal(dev_read(&s, 8, a), 0);
	assert_int_equal(smmukit_dma_unmap_page(d, a, 3 * 4096,
						SMMUKIT_DMA_BIDIRECTIONAL), 0);
	c = st_cmds(&s);
	assert_int_equal(c.tlbi_leaf, 1);	/* one range command (RIL) */
	assert_int_equal(c.tlbi_ctx, 0);
	assert_int_equal(c.sync, 1);
	assert_int_equal(dev_read(&s, 8, a), SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(h_mstats(&s.ds.h).stale_unmapped, 0);
	/* A second unmap finds nothing: -ENOENT, no command. */
	assert_int_equal(smmukit_dma_unmap_page(d, a, 3 * 4096,
						SMMUKIT_DMA_BIDIRECTIONAL),
			 -SMMUKIT_ENOENT);
	assert_int_equal(st_cmds(&s).total, 0);
	smmukit_plat_free_pages(s.ds.h.p, &buf);
	assert_int_equal(smmukit_iommu_release_device(d), 0);
	st_down(&s);
}

static void lazy_unmap_defers_to_one_flush(void **state)
{
	struct stack s;
	struct smmukit_device *d;
	struct smmukit_dma_pages buf;
	smmukit_dma_addr_t a[8];
	struct smmukit_dma_stats ds;
	struct cmd_counts c;

	(void)state;
	st_up(&s, false);
	d = st_dev(&s, "nvme", 8, false);
	assert_int_equal(smmukit_domain_get_type(smmukit_device_domain(d)),
			 SMMUKIT_DOMAIN_DMA_FQ);
	buf = h_buf(&s.ds.h, 3, 0x11);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(smmukit_dma_map_page(d, buf.pa + i * 4096u, 4096,
						      SMMUKIT_DMA_TO_DEVICE, &a[i]), 0);
		assert_int_equal(dev_read(&s, 8, a[i]), 0);	/* cache it */
	}
	st_cmds(&s);
	for (int i = 0; i < 8; i++)
		assert_int_equal(smmukit_dma_unmap_page(d, a[i], 4096,
							SMMUKIT_DMA_TO_DEVICE), 0);
	c = st_cmds(&s);
	assert_int_equal(c.total, 0);	/* no invalidation per unmap */
	/* The stale TLB entry still answers: the price of lazy mode. */
	assert_int_equal(dev_read(&s, 8, a[0]), 0);
	assert_int_equal(h_mstats(&s.ds.h).stale_unmapped, 1);
	assert_int_equal(smmukit_dma_get_stats(s.ds.dma, &ds), 0);
	assert_int_equal(ds.fq_pending, 8);
	assert_int_equal(ds.iova_live, 8);
	/* The timer (10 ms, armed by the first entry) flushes once. */
	smmukit_posix_clock_advance(s.ds.h.p, 9999999);
	assert_int_equal(st_cmds(&s).total, 0);
	smmukit_posix_clock_advance(s.ds.h.p, 1);
	c = st_cmds(&s);
	assert_int_equal(c.tlbi_ctx, 1);
	assert_int_equal(c.tlbi_leaf, 0);
	assert_int_equal(c.sync, 1);
	assert_int_equal(dev_read(&s, 8, a[0]), SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(smmukit_dma_get_stats(s.ds.dma, &ds), 0);
	assert_int_equal(ds.fq_pending, 0);
	assert_int_equal(ds.iova_live, 0);
	assert_int_equal(ds.fq_timer_flushes, 1);
	assert_int_equal(h_mstats(&s.ds.h).stale_reused, 0);
	smmukit_plat_free_pages(s.ds.h.p, &buf);
	assert_int_equal(smmukit_iommu_release_device(d), 0);
	st_down(&s);
}

/* A full ring flushes synchronously; never more than size - 1 wait. */
static void full_ring_flushes(void **state)
{
	struct stack s;
	struct smmukit_iommu_options o;
	struct smmukit_device *d;
	struct smmukit_dma_pages buf;
	struct smmukit_dma_stats ds;
	smmukit_dma_addr_t a;
	struct cmd_counts c;

	(void)state;
	smmukit_iommu_options_default(&o);
	o.strict = false;
	o.fq_size = 8;
	o.fq_size_given = true;
	st_up_opts(&s, "checking", &o);
	d = st_dev(&s, "nvme", 8, false);
	buf = h_buf(&s.ds.h, 0, 0);
	st_cmds(&s);
	for (int i = 0; i < 7; i++) {
		assert_int_equal(smmukit_dma_map_page(d, buf.pa, 4096,
						      SMMUKIT_DMA_FROM_DEVICE, &a), 0);
		assert_int_equal(smmukit_dma_unmap_page(d, a, 4096,
							SMMUKIT_DMA_FROM_DEVICE), 0);
	}
	assert_int_equal(smmukit_dma_get_stats(s.ds.dma, &ds), 0);
	assert_int_equal(ds.fq_pending, 7);
	assert_int_equal(st_cmds(&s).total, 0);
	assert_int_equal(smmukit_dma_map_page(d, buf.pa, 4096,
					      SMMUKIT_DMA_FROM_DEVICE, &a), 0);
	assert_int_equal(smmukit_dma_unmap_page(d, a, 4096,
						SMMUKIT_DMA_FROM_DEVICE), 0);
	c = st_cmds(&s);
	assert_int_equal(c.tlbi_ctx, 1);
	assert_int_equal(c.sync, 1);
	assert_int_equal(smmukit_dma_get_stats(s.ds.dma, &ds), 0);
	assert_int_equal(ds.fq_full_flushes, 1);
	assert_int_equal(ds.fq_pending, 1);
	/* An explicit flush reclaims the rest. */
	assert_int_equal(smmukit_dma_flush(d), 0);
	assert_int_equal(smmukit_dma_get_stats(s.ds.dma, &ds), 0);
	assert_int_equal(ds.fq_pending, 0);
	assert_int_equal(ds.iova_live, 0);
	smmukit_plat_free_pages(s.ds.h.p, &buf);
	assert_int_equal(smmukit_iommu_release_device(d), 0);
	st_down(&s);
}

static void untrusted_and_optout_stay_strict(void **state)
{
	struct stack s;
	struct smmukit_device *u, *o, *t;
	uint32_t sid = 12;
	struct smmukit_device_config dc = {
		.name = "ism", .sids = &sid, .nr_sids = 1,
		.no_deferred_flush = true,
	};

	(void)state;
	st_up(&s, false);
	u = st_dev(&s, "thunderbolt", 10, true);
	t = st_dev(&s, "nvme", 11, false);
	assert_int_equal(smmukit_iommu_probe_device(s.ds.core, &dc, &o), 0);
	assert_int_equal(smmukit_domain_get_type(smmukit_device_domain(u)),
			 SMMUKIT_DOMAIN_DMA);
	assert_int_equal(smmukit_domain_get_type(smmukit_device_domain(o)),
			 SMMUKIT_DOMAIN_DMA);
	assert_int_equal(smmukit_domain_get_type(smmukit_device_domain(t)),
			 SMMUKIT_DOMAIN_DMA_FQ);
	/* Asking for lazy: refused for untrusted, downgraded for opt-out. */
	assert_int_equal(smmukit_iommu_set_default_domain_type(u, SMMUKIT_DOMAIN_DMA_FQ),
			 -SMMUKIT_EPERM);
	assert_int_equal(smmukit_iommu_set_default_domain_type(o, SMMUKIT_DOMAIN_DMA_FQ), 0);
	assert_int_equal(smmukit_domain_get_type(smmukit_device_domain(o)),
			 SMMUKIT_DOMAIN_DMA);
	/* And the core refuses a queued gather on their domains. */
	{
		struct smmukit_iotlb_gather g;

		smmukit_pgtable_gather_init(&g);
		g.queued = true;
		assert_int_equal(smmukit_iommu_unmap_fast(smmukit_device_domain(u),
							  0x1000, 0x1000, &g),
				 -SMMUKIT_EPERM);
	}
	assert_int_equal(smmukit_iommu_release_device(u), 0);
	assert_int_equal(smmukit_iommu_release_device(o), 0);
	assert_int_equal(smmukit_iommu_release_device(t), 0);
	st_down(&s);
}

static void unmanaged_is_always_strict(void **state)
{
	struct stack s;
	struct smmukit_device *d;
	struct smmukit_domain *ud;
	struct smmukit_dma_pages buf;
	struct smmukit_iotlb_gather g;
	smmukit_dma_addr_t a;
	struct cmd_counts c;

	(void)state;
	st_up(&s, false);
	d = st_dev(&s, "vfio", 9, false);
	buf = h_buf(&s.ds.h, 0, 0x33);
	assert_int_equal(smmukit_iommu_domain_alloc(s.ds.core, SMMUKIT_DOMAIN_UNMANAGED, &ud), 0);
	/* Busy with a DMA mapping: the user cannot take the group. */
	assert_int_equal(smmukit_dma_map_page(d, buf.pa, 4096,
					      SMMUKIT_DMA_BIDIRECTIONAL, &a), 0);
	assert_int_equal(smmukit_iommu_attach_group(ud, d), -SMMUKIT_EBUSY);
	assert_int_equal(smmukit_dma_unmap_page(d, a, 4096,
						SMMUKIT_DMA_BIDIRECTIONAL), 0);
	assert_int_equal(smmukit_dma_flush(d), 0);
	assert_int_equal(smmukit_iommu_attach_group(ud, d), 0);
	assert_ptr_equal(smmukit_device_domain(d), ud);
	assert_int_equal(smmukit_dma_map_page(d, buf.pa, 4096,
					      SMMUKIT_DMA_BIDIRECTIONAL, &a),
			 -SMMUKIT_EBUSY);
	assert_int_equal(smmukit_iommu_map(ud, 0x40000000, buf.pa, 4096,
					   SMMUKIT_PROT_READ), 0);
	assert_int_equal(dev_read(&s, 9, 0x40000000), 0);
	st_cmds(&s);
	smmukit_pgtable_gather_init(&g);
	g.queued = true;
	assert_int_equal(smmukit_iommu_unmap_fast(ud, 0x40000000, 4096, &g),
			 -SMMUKIT_EPERM);
	assert_int_equal(smmukit_iommu_unmap(ud, 0x40000000, 4096), 4096);
	c = st_cmds(&s);
	assert_int_equal(c.tlbi_leaf, 1);
	assert_int_equal(c.sync, 1);
	assert_int_equal(dev_read(&s, 9, 0x40000000), SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(smmukit_iommu_domain_free(ud), -SMMUKIT_EBUSY);
	assert_int_equal(smmukit_iommu_detach_group(ud, d), 0);
	assert_int_equal(smmukit_iommu_domain_free(ud), 0);
	smmukit_plat_free_pages(s.ds.h.p, &buf);
	assert_int_equal(smmukit_iommu_release_device(d), 0);
	st_down(&s);
}

static void passthrough_is_identity(void **state)
{
	struct stack s;
	struct smmukit_iommu_options o;
	struct smmukit_device *d, *u;
	smmukit_dma_addr_t a;

	(void)state;
	smmukit_iommu_options_default(&o);
	o.passthrough = true;
	st_up_opts(&s, "checking", &o);
	d = st_dev(&s, "nic", 3, false);
	u = st_dev(&s, "ext", 4, true);
	assert_int_equal(smmukit_domain_get_type(smmukit_device_domain(d)),
			 SMMUKIT_DOMAIN_IDENTITY);
	/* Untrusted devices are translated even in passthrough. */
	assert_int_equal(smmukit_domain_get_type(smmukit_device_domain(u)),
			 SMMUKIT_DOMAIN_DMA);
	st_cmds(&s);
	assert_int_equal(smmukit_dma_map_page(d, 0x80001234, 100,
					      SMMUKIT_DMA_BIDIRECTIONAL, &a), 0);
	assert_int_equal(a, 0x80001234);
	assert_int_equal(smmukit_dma_unmap_page(d, a, 100,
						SMMUKIT_DMA_BIDIRECTIONAL), 0);
	assert_int_equal(st_cmds(&s).total, 0);
	assert_int_equal(smmukit_iommu_release_device(d), 0);
	assert_int_equal(smmukit_iommu_release_device(u), 0);
	st_down(&s);
}

/* DMA -> DMA-FQ while a mapping is live and in use; never back. */
static void live_upgrade_keeps_mappings(void **state)
{
	struct stack s;
	struct smmukit_device *d;
	struct smmukit_dma_pages buf;
	smmukit_dma_addr_t a, b;
	struct cmd_counts c;

	(void)state;
	st_up(&s, true);
	d = st_dev(&s, "nvme", 8, false);
	buf = h_buf(&s.ds.h, 1, 0x44);
	assert_int_equal(smmukit_dma_map_page(d, buf.pa, 4096,
					      SMMUKIT_DMA_BIDIRECTIONAL, &a), 0);
	assert_int_equal(dev_read(&s, 8, a), 0);
	assert_int_equal(smmukit_iommu_set_default_domain_type(d, SMMUKIT_DOMAIN_DMA_FQ), 0);
	assert_int_equal(smmukit_domain_get_type(smmukit_device_domain(d)),
			 SMMUKIT_DOMAIN_DMA_FQ);
	assert_int_equal(dev_read(&s, 8, a), 0);	/* still mapped */
	/* Never back while busy. */
	assert_int_equal(smmukit_iommu_set_default_domain_type(d, SMMUKIT_DOMAIN_DMA),
			 -SMMUKIT_EBUSY);
	st_cmds(&s);
	assert_int_equal(smmukit_dma_map_page(d, buf.pa + 4096, 4096,
					      SMMUKIT_DMA_BIDIRECTIONAL, &b), 0);
	assert_int_equal(smmukit_dma_unmap_page(d, a, 4096,
						SMMUKIT_DMA_BIDIRECTIONAL), 0);
	assert_int_equal(smmukit_dma_unmap_page(d, b, 4096,
						SMMUKIT_DMA_BIDIRECTIONAL), 0);
	c = st_cmds(&s);
	assert_int_equal(c.total, 0);	/* lazy now */
	assert_int_equal(smmukit_dma_flush(d), 0);
	/* Idle: a rebuild back to strict is allowed. */
	assert_int_equal(smmukit_iommu_set_default_domain_type(d, SMMUKIT_DOMAIN_DMA), 0);
	assert_int_equal(smmukit_domain_get_type(smmukit_device_domain(d)),
			 SMMUKIT_DOMAIN_DMA);
	smmukit_plat_free_pages(s.ds.h.p, &buf);
	assert_int_equal(smmukit_iommu_release_device(d), 0);
	st_down(&s);
}

static void sg_and_coherent(void **state)
{
	struct stack s;
	struct smmukit_device *d;
	struct smmukit_dma_pages b0, b1;
	struct smmukit_dma_sg sg[2];
	void *cpu;
	smmukit_dma_addr_t a;
	unsigned char x;

	(void)state;
	st_up(&s, true);
	d = st_dev(&s, "nvme", 8, false);
	b0 = h_buf(&s.ds.h, 0, 0xa0);
	b1 = h_buf(&s.ds.h, 1, 0xb1);
	sg[0].pa = b0.pa + 0x800;
	sg[0].len = 0x800;
	sg[1].pa = b1.pa;
	sg[1].len = 0x1800;
	assert_int_equal(smmukit_dma_map_sg(d, sg, 2, SMMUKIT_DMA_TO_DEVICE), 2);
	assert_int_equal(sg[1].dma_addr, (sg[0].dma_addr & ~0xfffull) + 0x1000);
	assert_int_equal(h_dma_read(&s.ds.h, 8, sg[0].dma_addr, &x, 1), 0);
	assert_int_equal(x, 0xa0);
	assert_int_equal(h_dma_read(&s.ds.h, 8, sg[1].dma_addr + 0x1000, &x, 1), 0);
	assert_int_equal(x, 0xb1);
	/* TO_DEVICE: the device may not write. */
	assert_int_equal(h_dma_write(&s.ds.h, 8, sg[1].dma_addr, &x, 1),
			 SMMUV3_EVT_F_PERMISSION);
	assert_int_equal(smmukit_dma_unmap_sg(d, sg, 2, SMMUKIT_DMA_TO_DEVICE), 0);
	assert_int_equal(h_dma_read(&s.ds.h, 8, sg[0].dma_addr, &x, 1),
			 SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(smmukit_dma_alloc_coherent(d, 10000, &cpu, &a), 0);
	memset(cpu, 0x77, 10000);
	assert_int_equal(h_dma_read(&s.ds.h, 8, a + 9999, &x, 1), 0);
	assert_int_equal(x, 0x77);
	assert_int_equal(smmukit_dma_free_coherent(d, 10000, cpu, a), 0);
	smmukit_plat_free_pages(s.ds.h.p, &b0);
	smmukit_plat_free_pages(s.ds.h.p, &b1);
	assert_int_equal(smmukit_iommu_release_device(d), 0);
	st_down(&s);
}

static void bad_input(void **state)
{
	struct stack s;
	struct smmukit_device *d;
	smmukit_dma_addr_t a;
	struct smmukit_dma_sg sg = { .pa = 0x80000000, .len = 0 };
	uint32_t sid = 8;
	struct smmukit_device_config dc = { .name = "dup", .sids = &sid,
					    .nr_sids = 1 };
	struct smmukit_device *dup;

	(void)state;
	st_up(&s, false);
	d = st_dev(&s, "nvme", 8, false);
	assert_int_equal(smmukit_dma_map_page(NULL, 0x80000000, 4096, 0, &a),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_dma_map_page(d, 0x80000000, 0, 0, &a),
			 -SMMUKIT_EINVAL);
	assert_int_equal(a, SMMUKIT_DMA_MAPPING_ERROR);
	assert_int_equal(smmukit_dma_map_page(d, 0x80000000, 4096,
					      (enum smmukit_dma_dir)7, &a),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_dma_map_page(d, UINT64_MAX - 10, 4096, 0, &a),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_dma_map_single(d, &a, 8, 0, &a),
			 -SMMUKIT_EFAULT);
	assert_int_equal(smmukit_dma_unmap_page(d, SMMUKIT_DMA_MAPPING_ERROR,
						4096, 0), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_dma_unmap_page(d, 0x12345000, 4096, 0),
			 -SMMUKIT_ENOENT);
	assert_int_equal(smmukit_dma_map_sg(d, &sg, 1, 0), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_dma_map_sg(d, &sg, 0, 0), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iommu_probe_device(s.ds.core, &dc, &dup),
			 -SMMUKIT_EINVAL);
	dc.nr_sids = 0;
	assert_int_equal(smmukit_iommu_probe_device(s.ds.core, &dc, &dup),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iommu_set_default_domain_type(d, SMMUKIT_DOMAIN_UNMANAGED),
			 -SMMUKIT_EINVAL);
	{
		enum smmukit_domain_type t;
		struct smmukit_domain *ud;

		assert_int_equal(smmukit_iommu_domain_alloc(s.ds.core, SMMUKIT_DOMAIN_DMA_FQ, &ud),
				 -SMMUKIT_EINVAL);

		assert_int_equal(smmukit_domain_type_parse("DMA-FQ", &t), 0);
		assert_int_equal(t, SMMUKIT_DOMAIN_DMA_FQ);
		assert_int_equal(smmukit_domain_type_parse("dma", &t), -SMMUKIT_EINVAL);
		assert_string_equal(smmukit_domain_type_name(SMMUKIT_DOMAIN_UNMANAGED),
				    "unmanaged");
	}
	assert_int_equal(smmukit_iommu_destroy(s.ds.core), -SMMUKIT_EBUSY);
	assert_int_equal(smmukit_iommu_release_device(d), 0);
	st_down(&s);
}

/*
 * Sub-granule buffers: a trusted device reaches the rest of the page
 * (the granule is the unit of protection); an untrusted one gets a bounce
 * copy and reaches only its bytes and zeros.
 */
static void untrusted_sub_page_is_bounced(void **state)
{
	struct stack s;
	struct smmukit_device *t, *u;
	struct smmukit_dma_pages pg;
	struct smmukit_dma_stats ds;
	struct smmukit_dma_sg sg[3];
	smmukit_dma_addr_t a;
	unsigned char x, buf[100], *cpu;

	(void)state;
	st_up(&s, true);
	t = st_dev(&s, "nic", 20, false);
	u = st_dev(&s, "usb4", 21, true);
	pg = h_buf(&s.ds.h, 0, 0xee);	/* "secrets" all over the page */
	cpu = pg.cpu;
	memset(cpu + 0x80, 0x42, 100);

	/* Trusted: mapped in place; the rest of the page is reachable. */
	assert_int_equal(smmukit_dma_map_page(t, pg.pa + 0x80, 100,
					      SMMUKIT_DMA_TO_DEVICE, &a), 0);
	assert_int_equal(h_dma_read(&s.ds.h, 20, a + 0x200, &x, 1), 0);
	assert_int_equal(x, 0xee);
	assert_int_equal(smmukit_dma_unmap_page(t, a, 100, SMMUKIT_DMA_TO_DEVICE), 0);

	/* Untrusted, to_device: the copy, then zeros, never the secrets. */
	assert_int_equal(smmukit_dma_map_page(u, pg.pa + 0x80, 100,
					      SMMUKIT_DMA_TO_DEVICE, &a), 0);
	assert_int_equal(h_dma_read(&s.ds.h, 21, a, buf, 100), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(buf[i], 0x42);
	assert_int_equal(h_dma_read(&s.ds.h, 21, a + 100, &x, 1), 0);
	assert_int_equal(x, 0);
	assert_int_equal(h_dma_read(&s.ds.h, 21, a + 0xfff, &x, 1), 0);
	assert_int_equal(x, 0);
	assert_int_equal(smmukit_dma_unmap_page(u, a, 100, SMMUKIT_DMA_TO_DEVICE), 0);
	assert_int_equal(h_dma_read(&s.ds.h, 21, a, &x, 1), SMMUV3_EVT_F_TRANSLATION);

	/* Untrusted, from_device: written back at unmap, nothing beside. */
	assert_int_equal(smmukit_dma_map_page(u, pg.pa + 0x80, 100,
					      SMMUKIT_DMA_FROM_DEVICE, &a), 0);
	memset(buf, 0x99, sizeof(buf));
	assert_int_equal(h_dma_write(&s.ds.h, 21, a, buf, 100), 0);
	assert_int_equal(cpu[0x80], 0x42);	/* not yet: still bounced */
	assert_int_equal(smmukit_dma_sync_single_for_cpu(u, a, 100,
							 SMMUKIT_DMA_FROM_DEVICE), 0);
	assert_int_equal(cpu[0x80], 0x99);
	x = 0x77;
	assert_int_equal(h_dma_write(&s.ds.h, 21, a + 99, &x, 1), 0);
	assert_int_equal(smmukit_dma_unmap_page(u, a, 100, SMMUKIT_DMA_FROM_DEVICE), 0);
	assert_int_equal(cpu[0x80 + 98], 0x99);
	assert_int_equal(cpu[0x80 + 99], 0x77);
	assert_int_equal(cpu[0x7f], 0xee);
	assert_int_equal(cpu[0x80 + 100], 0xee);

	/* Scatter-gather: aligned segments in place, the others bounced. */
	sg[0].pa = pg.pa + 0x80;
	sg[0].len = 100;
	sg[1].pa = pg.pa;
	sg[1].len = 4096;
	sg[2].pa = pg.pa + 0x10;
	sg[2].len = 8;
	assert_int_equal(smmukit_dma_map_sg(u, sg, 3, SMMUKIT_DMA_BIDIRECTIONAL), 3);
	assert_int_equal(h_dma_read(&s.ds.h, 21, sg[0].dma_addr + 200, &x, 1), 0);
	assert_int_equal(x, 0);
	assert_int_equal(h_dma_read(&s.ds.h, 21, sg[1].dma_addr + 0x200, &x, 1), 0);
	assert_int_equal(x, 0xee);	/* a whole page, in place */
	assert_int_equal(h_dma_read(&s.ds.h, 21, sg[2].dma_addr, &x, 1), 0);
	assert_int_equal(x, 0xee);
	x = 0x55;
	assert_int_equal(h_dma_write(&s.ds.h, 21, sg[2].dma_addr + 7, &x, 1), 0);
	assert_int_equal(smmukit_dma_unmap_sg(u, sg, 3, SMMUKIT_DMA_BIDIRECTIONAL), 0);
	assert_int_equal(cpu[0x17], 0x55);
	assert_int_equal(smmukit_dma_get_stats(s.ds.dma, &ds), 0);
	assert_int_equal(ds.bounced, 4);
	assert_int_equal(ds.iova_live, 0);
	smmukit_plat_free_pages(s.ds.h.p, &pg);
	assert_int_equal(smmukit_iommu_release_device(t), 0);
	assert_int_equal(smmukit_iommu_release_device(u), 0);
	st_down(&s);	/* no bounce page may be left */
}

/*
 * The flush-queue timer on a real clock, in both platform timer modes:
 * a backend thread (threaded), or only when the embedder polls (what a
 * bare-metal backend does). Bounded waits: the timer is 10 ms.
 */
static void timer_on_real_clock(bool polled)
{
	struct smmukit_posix_config pc = { .nr_cpus = 2, .mem_size = 64u << 20,
					   .polled_timers = polled,
					   .log_level = SMMUKIT_LOG_WARN };
	struct smmukit_platform *p;
	struct smmukit_model *m;
	struct smmukit_model_config mc;
	struct smmukit_smmu_config sc = { 0 };
	struct smmukit_smmu *smmu;
	struct smmukit_iommu_options o;
	struct smmukit_iommu_config ic = { 0 };
	struct smmukit_iommu *core;
	struct smmukit_dma *dma;
	struct smmukit_device *dev;
	uint32_t sid = 5;
	struct smmukit_device_config dc = { .name = "nic", .sids = &sid,
					    .nr_sids = 1 };
	struct smmukit_dma_pages buf;
	struct smmukit_dma_stats ds;
	smmukit_dma_addr_t a;
	uint64_t start;

	assert_int_equal(smmukit_posix_create(&pc, &p), 0);
	smmukit_model_config_default(&mc);
	mc.checking = true;
	assert_int_equal(smmukit_model_create(p, &mc, NULL, &m), 0);
	sc.platform = p;
	sc.mmio = smmukit_model_mmio(m);
	assert_int_equal(smmukit_smmu_probe(&sc, &smmu), 0);
	smmukit_iommu_options_default(&o);
	o.strict = false;
	ic.platform = p;
	ic.drv = smmukit_smmu_iommu(smmu);
	ic.options = &o;
	assert_int_equal(smmukit_iommu_create(&ic, &core), 0);
	assert_int_equal(smmukit_dma_create(core, &dma), 0);
	assert_int_equal(smmukit_iommu_probe_device(core, &dc, &dev), 0);
	assert_int_equal(smmukit_plat_alloc_pages(p, 0, &buf), 0);
	assert_int_equal(smmukit_dma_map_single(dev, buf.cpu, 512,
						SMMUKIT_DMA_FROM_DEVICE, &a), 0);
	/* Before the unmap that arms the timer: a thread descheduled right
	 * after it must not make the timer look early. */
	start = smmukit_plat_clock_ns(p);
	assert_int_equal(smmukit_dma_unmap_single(dev, a, 512,
						  SMMUKIT_DMA_FROM_DEVICE), 0);
	assert_int_equal(smmukit_dma_get_stats(dma, &ds), 0);
	assert_int_equal(ds.fq_pending, 1);
	do {
		if (polled)
			smmukit_plat_timer_poll(p);
		assert_int_equal(smmukit_dma_get_stats(dma, &ds), 0);
		if (ds.fq_pending == 0)
			break;
		smmukit_plat_relax(p);
	} while (smmukit_plat_clock_ns(p) - start < UINT64_C(5000000000));
	assert_int_equal(ds.fq_pending, 0);
	assert_int_equal(ds.fq_timer_flushes, 1);
	/* Not before its time: 10 ms after the entry was queued. */
	assert_true(smmukit_plat_clock_ns(p) - start >= UINT64_C(9000000));
	smmukit_plat_free_pages(p, &buf);
	assert_int_equal(smmukit_iommu_release_device(dev), 0);
	smmukit_dma_destroy(dma);
	assert_int_equal(smmukit_iommu_destroy(core), 0);
	smmukit_smmu_destroy(smmu);
	smmukit_model_destroy(m);
	smmukit_posix_destroy(p);
}

static void timer_threaded(void **state)
{
	(void)state;
	timer_on_real_clock(false);
}

static void timer_polled(void **state)
{
	(void)state;
	timer_on_real_clock(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strict_unmap_is_one_tlbi_one_sync),
		cmocka_unit_test(lazy_unmap_defers_to_one_flush),
		cmocka_unit_test(full_ring_flushes),
		cmocka_unit_test(untrusted_and_optout_stay_strict),
		cmocka_unit_test(unmanaged_is_always_strict),
		cmocka_unit_test(passthrough_is_identity),
		cmocka_unit_test(live_upgrade_keeps_mappings),
		cmocka_unit_test(sg_and_coherent),
		cmocka_unit_test(bad_input),
		cmocka_unit_test(untrusted_sub_page_is_bounced),
		cmocka_unit_test(timer_threaded),
		cmocka_unit_test(timer_polled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

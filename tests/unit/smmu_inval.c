/* SPDX-License-Identifier: MIT */
/*
 * Every invalidation path, checked by the model's stale-access counters and
 * its command log: strict unmap + iotlb_sync (range TLBI with RIL, one
 * TLBI per page without, whole-context past the threshold), flush_iotlb_all,
 * the synchronous walk flush for removed tables, ASID/VMID reuse, and the
 * negative controls that show each check can fail.
 */
#include "smmu_harness.h"

#define IOVA UINT64_C(0x10000000)
#define RW (SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE)

struct ctx {
	struct harness h;
	struct smmukit_iommu_drv_domain *dom;
	uint32_t sid;
	struct smmukit_iommu_drv_device dev;
	uint64_t cursor;	/* command-log cursor */
};

static void ctx_up_cfg(struct ctx *c, const char *keys, unsigned stage,
		       const struct smmukit_smmu_config *cfg)
{
	struct smmukit_iommu_drv_domain_cfg dc = { .stage = stage };

	h_up_cfg(&c->h, keys, cfg);
	c->sid = 7;
	c->dev.sids = &c->sid;
	c->dev.nr_sids = 1;
	assert_int_equal(smmukit_iommu_drv_domain_alloc(c->h.iommu, &dc, &c->dom), 0);
	assert_int_equal(smmukit_iommu_drv_attach_dev(c->dom, &c->dev), 0);
	/* Skip the commands of bring-up and attach. */
	{
		struct smmukit_model_cmd_rec r[256];

		while (h_cmdlog(&c->h, &c->cursor, r, 256) == 256)
			;
	}
}

static void ctx_up(struct ctx *c, const char *keys, unsigned stage)
{
	ctx_up_cfg(c, keys, stage, NULL);
}

static void ctx_down(struct ctx *c)
{
	assert_int_equal(smmukit_iommu_drv_detach_dev(c->dom, &c->dev), 0);
	assert_int_equal(smmukit_iommu_drv_domain_free(c->dom), 0);
	assert_int_equal(h_mstats(&c->h).free_violations, 0);
	h_down(&c->h);
}

static int rd(struct ctx *c, uint64_t iova, unsigned char *out)
{
	return h_dma_read(&c->h, c->sid, iova, out, 1);
}

/* A strict gather over [iova, iova + size) with leaf size pgsize. */
static void gather_of(struct smmukit_iotlb_gather *g, uint64_t iova,
		      uint64_t size, uint64_t pgsize)
{
	smmukit_pgtable_gather_init(g);
	g->start = iova;
	g->end = iova + size - 1;
	g->pgsize = pgsize;
}

/*
 * The negative control and the two ways to fix it: change a mapping without
 * invalidation and the device reaches the old page (stale_reused); after
 * flush_iotlb_all it reaches the new one.
 */
static void stale_then_flush_all(unsigned stage)
{
	struct ctx c = { 0 };
	struct smmukit_dma_pages a, b;
	struct smmukit_iotlb_gather g;
	struct smmukit_model_stats ms;
	struct smmukit_model_cmd_rec r[16];
	unsigned char v;
	size_t n;

	ctx_up(&c, "checking", stage);
	a = h_buf(&c.h, 0, 0xaa);
	b = h_buf(&c.h, 0, 0xbb);
	assert_int_equal(smmukit_iommu_drv_map_pages(c.dom, IOVA, a.pa, SMMUKIT_SZ_4K, 1,
						 RW, NULL), 0);
	assert_int_equal(rd(&c, IOVA, &v), 0);
	assert_int_equal(v, 0xaa);

	/* Queued (lazy) unmap: no invalidation yet. Remap to b. */
	smmukit_pgtable_gather_init(&g);
	g.queued = true;
	assert_int_equal(smmukit_iommu_drv_unmap_pages(c.dom, IOVA, SMMUKIT_SZ_4K, 1, &g),
			 SMMUKIT_SZ_4K);
	assert_int_equal(smmukit_iommu_drv_iotlb_sync(c.dom, &g), 0);	/* no-op */
	assert_int_equal(smmukit_iommu_drv_map_pages(c.dom, IOVA, b.pa, SMMUKIT_SZ_4K, 1,
						 RW, NULL), 0);
	assert_int_equal(rd(&c, IOVA, &v), 0);
	assert_int_equal(v, 0xaa);	/* the stale translation */
	ms = h_mstats(&c.h);
	assert_int_equal(ms.stale_reused, 1);

	/* flush_iotlb_all: TLBI_NH_ASID / TLBI_S12_VMALL + CMD_SYNC. */
	assert_int_equal(smmukit_iommu_drv_flush_iotlb_all(c.dom), 0);
	n = h_cmdlog(&c.h, &c.cursor, r, 16);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].dw[0] & 0xff, stage == 1 ? SMMUV3_OP_TLBI_NH_ASID :
							  SMMUV3_OP_TLBI_S12_VMALL);
	assert_int_equal(r[1].dw[0] & 0xff, SMMUV3_OP_CMD_SYNC);
	assert_int_equal(rd(&c, IOVA, &v), 0);
	assert_int_equal(v, 0xbb);
	ms = h_mstats(&c.h);
	assert_int_equal(ms.stale_reused, 1);
	assert_int_equal(ms.stale_unmapped, 0);

	smmukit_pgtable_gather_init(&g);
	assert_int_equal(smmukit_iommu_drv_unmap_pages(c.dom, IOVA, SMMUKIT_SZ_4K, 1, &g),
			 SMMUKIT_SZ_4K);
	assert_int_equal(smmukit_iommu_drv_iotlb_sync(c.dom, &g), 0);
	smmukit_plat_free_pages(c.h.p, &a);
	smmukit_plat_free_pages(c.h.p, &b);
	ctx_down(&c);
}

static void test_stale_control_and_flush_all_s1(void **state)
{
	stale_then_flush_all(1);
}

static void test_stale_control_and_flush_all_s2(void **state)
{
	stale_then_flush_all(2);
}

/*
 * Strict unmap of many pages (and a block), each config: after iotlb_sync
 * no access succeeds, the unmapped range faults, and no stale hit.
 */
static void strict_unmap(const char *keys, unsigned stage, bool expect_range)
{
	struct ctx c = { 0 };
	struct smmukit_dma_pages big;
	struct smmukit_iotlb_gather g;
	struct smmukit_model_cmd_rec r[128];
	unsigned char v;
	size_t n;
	unsigned ranged = 0;

	ctx_up(&c, keys, stage);
	big = h_buf(&c.h, 9, 0x11);	/* 2 MiB */
	/* 16 pages as pages, and a 2 MiB block. */
	assert_int_equal(smmukit_iommu_drv_map_pages(c.dom, IOVA, big.pa, SMMUKIT_SZ_4K,
						 16, RW, NULL), 0);
	assert_int_equal(smmukit_iommu_drv_map_pages(c.dom, IOVA + SMMUKIT_SZ_2M, big.pa,
						 SMMUKIT_SZ_2M, 1, RW, NULL), 0);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(rd(&c, IOVA + i * SMMUKIT_SZ_4K, &v), 0);
	assert_int_equal(rd(&c, IOVA + SMMUKIT_SZ_2M + 0x1234, &v), 0);

	/* Unmap pages 2..13 strictly. */
	smmukit_pgtable_gather_init(&g);
	assert_int_equal(smmukit_iommu_drv_unmap_pages(c.dom, IOVA + 2 * SMMUKIT_SZ_4K,
						   SMMUKIT_SZ_4K, 12, &g),
			 12 * SMMUKIT_SZ_4K);
	assert_int_equal(smmukit_iommu_drv_iotlb_sync(c.dom, &g), 0);
	n = h_cmdlog(&c.h, &c.cursor, r, 128);
	assert_true(n >= 2);
	assert_int_equal(r[n - 1].dw[0] & 0xff, SMMUV3_OP_CMD_SYNC);
	for (size_t i = 0; i + 1 < n; i++) {
		unsigned op = r[i].dw[0] & 0xff;

		assert_true(op == (stage == 1 ? SMMUV3_OP_TLBI_NH_VA : SMMUV3_OP_TLBI_S2_IPA));
		assert_true(r[i].dw[1] & CMD1_LEAF);
		if (smmukit_field_get(CMD1_TG, r[i].dw[1]))
			ranged++;
	}
	if (expect_range) {
		/* 12 pages = 0b1100: one command (NUM 2, SCALE 2). */
		assert_int_equal(n, 2);
		assert_int_equal(ranged, 1);
		assert_int_equal(smmukit_field_get(CMD0_NUM, r[0].dw[0]), 2);
		assert_int_equal(smmukit_field_get(CMD0_SCALE, r[0].dw[0]), 2);
	} else {
		assert_int_equal(n, 13);	/* one per page + sync */
		assert_int_equal(ranged, 0);
	}
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(rd(&c, IOVA + i * SMMUKIT_SZ_4K, &v),
				 (i >= 2 && i < 14) ? SMMUV3_EVT_F_TRANSLATION : 0);

	/* The block: one leaf invalidation of a 2 MiB entry. */
	smmukit_pgtable_gather_init(&g);
	assert_int_equal(smmukit_iommu_drv_unmap_pages(c.dom, IOVA + SMMUKIT_SZ_2M,
						   SMMUKIT_SZ_2M, 1, &g),
			 SMMUKIT_SZ_2M);
	assert_int_equal(g.pgsize, SMMUKIT_SZ_2M);
	assert_int_equal(smmukit_iommu_drv_iotlb_sync(c.dom, &g), 0);
	n = h_cmdlog(&c.h, &c.cursor, r, 128);
	if (expect_range) {
		/* (0, 9), TTL 2: the worked example. */
		assert_int_equal(n, 2);
		assert_int_equal(smmukit_field_get(CMD0_SCALE, r[0].dw[0]), 9);
		assert_int_equal(smmukit_field_get(CMD0_NUM, r[0].dw[0]), 0);
		assert_int_equal(smmukit_field_get(CMD1_TTL, r[0].dw[1]), 2);
	} else {
		assert_int_equal(n, 2);	/* one per leaf: one block */
	}
	assert_int_equal(rd(&c, IOVA + SMMUKIT_SZ_2M + 0x1234, &v),
			 SMMUV3_EVT_F_TRANSLATION);

	assert_int_equal(h_mstats(&c.h).stale_unmapped, 0);
	assert_int_equal(h_mstats(&c.h).stale_reused, 0);
	(void)smmukit_smmu_handle_evtq_irq(c.h.s);
	smmukit_pgtable_gather_init(&g);
	smmukit_iommu_drv_unmap_pages(c.dom, IOVA, SMMUKIT_SZ_4K, 2, &g);
	smmukit_iommu_drv_unmap_pages(c.dom, IOVA + 14 * SMMUKIT_SZ_4K, SMMUKIT_SZ_4K, 2, &g);
	assert_int_equal(smmukit_iommu_drv_iotlb_sync(c.dom, &g), 0);
	smmukit_plat_free_pages(c.h.p, &big);
	ctx_down(&c);
}

static void test_strict_unmap_ril_s1(void **state)
{
	strict_unmap("checking,ril", 1, true);
}

static void test_strict_unmap_noril_s1(void **state)
{
	strict_unmap("checking,ril=0", 1, false);
}

static void test_strict_unmap_ril_s2(void **state)
{
	strict_unmap("checking,ril", 2, true);
}

static void test_strict_unmap_noril_s2(void **state)
{
	strict_unmap("checking,ril=0,coherent=0", 2, false);
}

/*
 * The strict path without its sync proves the check can fail: a leaf
 * unmapped and then accessed before iotlb_sync hits the stale entry.
 */
static void test_missing_sync_is_caught(void **state)
{
	struct ctx c = { 0 };
	struct smmukit_dma_pages a = { 0 };
	struct smmukit_iotlb_gather g;
	unsigned char v;

	ctx_up(&c, "checking", 1);
	a = h_buf(&c.h, 0, 0x31);
	assert_int_equal(smmukit_iommu_drv_map_pages(c.dom, IOVA, a.pa, SMMUKIT_SZ_4K, 1,
						 RW, NULL), 0);
	assert_int_equal(rd(&c, IOVA, &v), 0);
	smmukit_pgtable_gather_init(&g);
	assert_int_equal(smmukit_iommu_drv_unmap_pages(c.dom, IOVA, SMMUKIT_SZ_4K, 1, &g),
			 SMMUKIT_SZ_4K);
	assert_int_equal(rd(&c, IOVA, &v), 0);	/* stale: not yet synced */
	assert_int_equal(h_mstats(&c.h).stale_unmapped, 1);
	assert_int_equal(smmukit_iommu_drv_iotlb_sync(c.dom, &g), 0);
	assert_int_equal(rd(&c, IOVA, &v), SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(h_mstats(&c.h).stale_unmapped, 1);
	smmukit_plat_free_pages(c.h.p, &a);
	ctx_down(&c);
}

/* Range-invalidation worked examples (IHI 0070 §4.4), through iotlb_sync and the command log. */
static void test_ril_worked_examples(void **state)
{
	static const struct {
		uint64_t pages;
		uint64_t pgsize;
		unsigned ncmds;
		unsigned num[2], scale[2], ttl;
	} ex[] = {
		{ 1, SMMUKIT_SZ_4K, 1, { 0 }, { 0 }, 3 },
		{ 33, SMMUKIT_SZ_4K, 2, { 0, 0 }, { 0, 5 }, 3 },
		{ 100, SMMUKIT_SZ_4K, 1, { 24 }, { 2 }, 3 },
		{ 256, SMMUKIT_SZ_4K, 1, { 0 }, { 8 }, 3 },
		{ 1000, SMMUKIT_SZ_4K, 2, { 28, 2 }, { 3, 8 }, 3 },
		{ 512, SMMUKIT_SZ_2M, 1, { 0 }, { 9 }, 2 },
	};
	struct ctx c = { 0 };
	struct smmukit_model_cmd_rec r[16];
	uint32_t asid;

	ctx_up(&c, "ril", 1);
	assert_int_equal(smmukit_smmu_domain_tag(c.dom, &asid, NULL), 0);
	assert_int_equal(asid, 1);
	for (unsigned i = 0; i < SMMUKIT_ARRAY_SIZE(ex); i++) {
		struct smmukit_iotlb_gather g;
		uint64_t size = ex[i].pgsize == SMMUKIT_SZ_2M ? SMMUKIT_SZ_2M :
							      ex[i].pages * SMMUKIT_SZ_4K;
		size_t n;

		gather_of(&g, IOVA, size, ex[i].pgsize);
		assert_int_equal(smmukit_iommu_drv_iotlb_sync(c.dom, &g), 0);
		n = h_cmdlog(&c.h, &c.cursor, r, 16);
		assert_int_equal(n, ex[i].ncmds + 1);
		for (unsigned k = 0; k < ex[i].ncmds; k++) {
			assert_int_equal(r[k].dw[0] & 0xff, SMMUV3_OP_TLBI_NH_VA);
			assert_int_equal(smmukit_field_get(CMD0_NUM, r[k].dw[0]), ex[i].num[k]);
			assert_int_equal(smmukit_field_get(CMD0_SCALE, r[k].dw[0]),
					 ex[i].scale[k]);
			assert_int_equal(smmukit_field_get(CMD1_TTL, r[k].dw[1]), ex[i].ttl);
			assert_int_equal(smmukit_field_get(CMD1_TG, r[k].dw[1]), CMD1_TG_4K);
		}
		assert_int_equal(r[ex[i].ncmds].dw[0] & 0xff, SMMUV3_OP_CMD_SYNC);
		if (ex[i].pages == 33) {
			/* Typed from the worked example. */
			assert_int_equal(r[0].dw[0], UINT64_C(0x0001000000000012));
			assert_int_equal(r[0].dw[1], UINT64_C(0x10000701));
			assert_int_equal(r[1].dw[0], UINT64_C(0x0001000000500012));
			assert_int_equal(r[1].dw[1], UINT64_C(0x10001701));
		}
	}
	ctx_down(&c);
}

/* Past the command threshold: one whole-context invalidation instead. */
static void test_threshold_falls_back_to_context(void **state)
{
	struct ctx c = { 0 };
	struct smmukit_iotlb_gather g;
	struct smmukit_model_cmd_rec r[128];
	struct smmukit_smmu_stats st;
	size_t n;

	ctx_up(&c, "ril=0", 1);
	gather_of(&g, IOVA, 64 * SMMUKIT_SZ_4K, SMMUKIT_SZ_4K);
	assert_int_equal(smmukit_iommu_drv_iotlb_sync(c.dom, &g), 0);
	n = h_cmdlog(&c.h, &c.cursor, r, 128);
	assert_int_equal(n, 65);	/* exactly at the threshold: per page */
	assert_int_equal(h_count_op(r, n, SMMUV3_OP_CMD_SYNC), 1);
	gather_of(&g, IOVA, 65 * SMMUKIT_SZ_4K, SMMUKIT_SZ_4K);
	assert_int_equal(smmukit_iommu_drv_iotlb_sync(c.dom, &g), 0);
	n = h_cmdlog(&c.h, &c.cursor, r, 128);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].dw[0] & 0xff, SMMUV3_OP_TLBI_NH_ASID);
	assert_int_equal(smmukit_smmu_get_stats(c.h.s, &st), 0);
	assert_int_equal(st.tlbi_fallbacks, 1);
	/* An empty gather issues nothing at all (no sync either). */
	smmukit_pgtable_gather_init(&g);
	assert_int_equal(smmukit_iommu_drv_iotlb_sync(c.dom, &g), 0);
	assert_int_equal(h_cmdlog(&c.h, &c.cursor, r, 128), 0);
	ctx_down(&c);
}

/*
 * Table removal: unmapping a whole table's range runs the walk flush
 * (non-leaf TLBI + CMD_SYNC) inside unmap, the table pages ride on the
 * gather, and iotlb_sync frees them; the model sees no premature free.
 */
static void walk_flush(const char *keys, bool ril)
{
	struct ctx c = { 0 };
	struct smmukit_dma_pages big;
	struct smmukit_iotlb_gather g;
	struct smmukit_model_cmd_rec r[128];
	uint64_t pages_before;
	unsigned char v;
	size_t n;
	bool nonleaf = false;

	ctx_up(&c, keys, 1);
	big = h_buf(&c.h, 9, 0x22);
	assert_int_equal(smmukit_iommu_drv_map_pages(c.dom, IOVA, big.pa, SMMUKIT_SZ_4K,
						 512, RW, NULL), 0);
	for (unsigned i = 0; i < 512; i += 64)
		assert_int_equal(rd(&c, IOVA + i * SMMUKIT_SZ_4K, &v), 0);
	pages_before = h_pages(&c.h);
	smmukit_pgtable_gather_init(&g);
	assert_int_equal(smmukit_iommu_drv_unmap_pages(c.dom, IOVA, SMMUKIT_SZ_2M, 1, &g),
			 SMMUKIT_SZ_2M);
	/* The walk flush already completed, before unmap returned. */
	n = h_cmdlog(&c.h, &c.cursor, r, 128);
	assert_true(n >= 2);
	for (size_t i = 0; i < n; i++)
		if ((r[i].dw[0] & 0xff) == SMMUV3_OP_TLBI_NH_VA &&
		    !(r[i].dw[1] & CMD1_LEAF)) {
			nonleaf = true;
			assert_int_equal(smmukit_field_get(CMD1_TTL, r[i].dw[1]), 0);
		}
	assert_true(nonleaf || (!ril && h_count_op(r, n, SMMUV3_OP_TLBI_NH_ASID) == 1));
	assert_int_equal(r[n - 1].dw[0] & 0xff, SMMUV3_OP_CMD_SYNC);
	assert_true(g.freelist.count >= 1);
	for (unsigned i = 0; i < 512; i += 64)
		assert_int_equal(rd(&c, IOVA + i * SMMUKIT_SZ_4K, &v),
				 SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(smmukit_iommu_drv_iotlb_sync(c.dom, &g), 0);
	assert_int_equal(g.freelist.count, 0);
	assert_true(h_pages(&c.h) < pages_before);
	assert_int_equal(h_mstats(&c.h).free_violations, 0);
	assert_int_equal(h_mstats(&c.h).stale_unmapped, 0);
	smmukit_plat_free_pages(c.h.p, &big);
	ctx_down(&c);
}

static void test_walk_flush_ril(void **state)
{
	walk_flush("checking,ril", true);
}

static void test_walk_flush_noril(void **state)
{
	walk_flush("checking,ril=0", false);
}

/*
 * Ranges too big for one five-bit SCALE: 2^14 blocks of 1 GiB (2^44 bytes,
 * 2^32 pages of 4K) at IOVA 2^44 in a 48-bit domain. Unmapped without a
 * gather (the walk flush must be complete on return) and again strictly
 * with a gather: each time the device must miss afterwards. With RIL one
 * command with NUM 1, SCALE 31 covers it; without RIL the 16384 blocks are
 * past the threshold and the whole context goes instead.
 */
static void huge_range(const char *keys, bool ril)
{
	const uint64_t base = UINT64_C(1) << 44, size = UINT64_C(1) << 44;
	const uint64_t nblocks = size / SMMUKIT_SZ_1G;
	struct ctx c = { 0 };
	struct smmukit_dma_pages buf;
	struct smmukit_iotlb_gather g;
	struct smmukit_model_cmd_rec r[16];
	struct smmukit_smmu_stats st;
	uint64_t blk_pa, off;
	unsigned char v;
	size_t n;

	ctx_up(&c, keys, 1);
	assert_int_equal(c.dom->ias, 48);
	buf = h_buf(&c.h, 0, 0x5a);
	/* The block holding buf, so that one address reaches real memory. */
	blk_pa = buf.pa & ~(SMMUKIT_SZ_1G - 1);
	off = buf.pa - blk_pa;
	for (int pass = 0; pass < 2; pass++) {
		bool strict_gather = pass == 1;

		assert_int_equal(smmukit_iommu_drv_map_pages(c.dom, base, blk_pa,
							 SMMUKIT_SZ_1G, nblocks,
							 RW, NULL), 0);
		assert_int_equal(rd(&c, base + off, &v), 0);	/* now cached */
		assert_int_equal(v, 0x5a);
		if (strict_gather) {
			smmukit_pgtable_gather_init(&g);
			assert_int_equal(smmukit_iommu_drv_unmap_pages(c.dom, base,
								   SMMUKIT_SZ_1G,
								   nblocks, &g),
					 (int64_t)size);
			assert_int_equal(g.pgsize, SMMUKIT_SZ_1G);
			assert_int_equal(smmukit_iommu_drv_iotlb_sync(c.dom, &g), 0);
		} else {
			assert_int_equal(smmukit_iommu_drv_unmap_pages(c.dom, base,
								   SMMUKIT_SZ_1G,
								   nblocks, NULL),
					 (int64_t)size);
		}
		n = h_cmdlog(&c.h, &c.cursor, r, 16);
		assert_int_equal(n, 2);
		assert_int_equal(r[1].dw[0] & 0xff, SMMUV3_OP_CMD_SYNC);
		if (ril) {
			assert_int_equal(r[0].dw[0] & 0xff, SMMUV3_OP_TLBI_NH_VA);
			assert_int_equal(smmukit_field_get(CMD0_NUM, r[0].dw[0]), 1);
			assert_int_equal(smmukit_field_get(CMD0_SCALE, r[0].dw[0]), 31);
			assert_int_equal(smmukit_field_get(CMD1_TG, r[0].dw[1]),
					 CMD1_TG_4K);
			/* Leaf 1 GiB entries: TTL 1; a walk flush: TTL 0. */
			assert_int_equal(smmukit_field_get(CMD1_TTL, r[0].dw[1]),
					 strict_gather ? 1 : 0);
			assert_int_equal(!!(r[0].dw[1] & CMD1_LEAF), strict_gather);
			assert_int_equal(r[0].dw[1] & ~UINT64_C(0xfff), base);
		} else {
			assert_int_equal(r[0].dw[0] & 0xff, SMMUV3_OP_TLBI_NH_ASID);
		}
		assert_int_equal(rd(&c, base + off, &v), SMMUV3_EVT_F_TRANSLATION);
		assert_int_equal(h_mstats(&c.h).stale_unmapped, 0);
		assert_int_equal(h_mstats(&c.h).stale_reused, 0);
	}
	assert_int_equal(smmukit_smmu_get_stats(c.h.s, &st), 0);
	assert_int_equal(st.tlbi_fallbacks, ril ? 0 : 2);
	(void)smmukit_smmu_handle_evtq_irq(c.h.s);
	smmukit_plat_free_pages(c.h.p, &buf);
	ctx_down(&c);
}

static void test_huge_range_ril(void **state)
{
	huge_range("checking,ril", true);
}

static void test_huge_range_noril(void **state)
{
	huge_range("checking,ril=0", false);
}

/*
 * The sync add_page does in the middle of an unmap when the next page is
 * disjoint (a gap) or of another size: what was gathered is invalidated
 * before the unmap call returns, so the device misses it at once, before
 * the caller's iotlb_sync.
 */
static void mid_unmap_sync(const char *keys)
{
	struct ctx c = { 0 };
	struct smmukit_dma_pages pg, blk;
	struct smmukit_iotlb_gather g;
	struct smmukit_model_cmd_rec r[64];
	const uint64_t p1 = IOVA, p2 = IOVA + 4 * SMMUKIT_SZ_4K;
	const uint64_t b = IOVA + 2 * SMMUKIT_SZ_2M;
	unsigned char v;
	size_t n;

	ctx_up(&c, keys, 1);
	pg = h_buf(&c.h, 0, 0x61);
	blk = h_buf(&c.h, 9, 0x62);
	assert_int_equal(smmukit_iommu_drv_map_pages(c.dom, p1, pg.pa, SMMUKIT_SZ_4K, 1, RW, NULL), 0);
	assert_int_equal(smmukit_iommu_drv_map_pages(c.dom, p2, pg.pa, SMMUKIT_SZ_4K, 1, RW, NULL), 0);
	assert_int_equal(smmukit_iommu_drv_map_pages(c.dom, b, blk.pa, SMMUKIT_SZ_2M, 1, RW, NULL), 0);
	assert_int_equal(rd(&c, p1, &v), 0);
	assert_int_equal(rd(&c, p2, &v), 0);
	assert_int_equal(rd(&c, b + 0x3000, &v), 0);
	assert_int_equal(v, 0x62);
	while (h_cmdlog(&c.h, &c.cursor, r, 64) > 0)
		;

	smmukit_pgtable_gather_init(&g);
	assert_int_equal(smmukit_iommu_drv_unmap_pages(c.dom, p1, SMMUKIT_SZ_4K, 1, &g),
			 SMMUKIT_SZ_4K);
	assert_int_equal(h_cmdlog(&c.h, &c.cursor, r, 64), 0);	/* gathered */
	/* A gap: p1 is invalidated inside this unmap. */
	assert_int_equal(smmukit_iommu_drv_unmap_pages(c.dom, p2, SMMUKIT_SZ_4K, 1, &g),
			 SMMUKIT_SZ_4K);
	n = h_cmdlog(&c.h, &c.cursor, r, 64);
	assert_int_equal(h_count_op(r, n, SMMUV3_OP_TLBI_NH_VA), 1);
	assert_int_equal(r[n - 1].dw[0] & 0xff, SMMUV3_OP_CMD_SYNC);
	assert_int_equal(rd(&c, p1, &v), SMMUV3_EVT_F_TRANSLATION);
	/* Another page size: p2 is invalidated inside this unmap. */
	assert_int_equal(smmukit_iommu_drv_unmap_pages(c.dom, b, SMMUKIT_SZ_2M, 1, &g),
			 SMMUKIT_SZ_2M);
	n = h_cmdlog(&c.h, &c.cursor, r, 64);
	assert_int_equal(h_count_op(r, n, SMMUV3_OP_TLBI_NH_VA), 1);
	assert_int_equal(smmukit_field_get(CMD1_TTL, r[0].dw[1]) == 0 ||
			 smmukit_field_get(CMD1_TTL, r[0].dw[1]) == 3, 1);
	assert_int_equal(rd(&c, p2, &v), SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(h_mstats(&c.h).stale_unmapped, 0);
	/* The block goes with the caller's sync. */
	assert_int_equal(smmukit_iommu_drv_iotlb_sync(c.dom, &g), 0);
	assert_int_equal(rd(&c, b + 0x3000, &v), SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(h_mstats(&c.h).stale_unmapped, 0);
	assert_int_equal(h_mstats(&c.h).stale_reused, 0);
	(void)smmukit_smmu_handle_evtq_irq(c.h.s);
	smmukit_plat_free_pages(c.h.p, &pg);
	smmukit_plat_free_pages(c.h.p, &blk);
	ctx_down(&c);
}

static void test_mid_unmap_sync_ril(void **state)
{
	mid_unmap_sync("checking,ril");
}

static void test_mid_unmap_sync_noril(void **state)
{
	mid_unmap_sync("checking,ril=0");
}

/*
 * Without RIL, a walk flush below the threshold is one non-leaf
 * TLBI_NH_VA per granule (LEAF=0, TTL=0), not the whole context: a 2 MiB
 * table at 4K with tlbi_max_cmds raised to 512.
 */
static void test_walk_flush_noril_per_granule(void **state)
{
	struct ctx c = { 0 };
	struct smmukit_smmu_config cfg = { .tlbi_max_cmds = 512 };
	struct smmukit_dma_pages big;
	struct smmukit_iotlb_gather g;
	static struct smmukit_model_cmd_rec r[1024];
	struct smmukit_smmu_stats st;
	uint64_t next = IOVA;
	unsigned nonleaf = 0;
	unsigned char v;
	size_t n;

	ctx_up_cfg(&c, "checking,ril=0", 1, &cfg);
	big = h_buf(&c.h, 9, 0x22);
	assert_int_equal(smmukit_iommu_drv_map_pages(c.dom, IOVA, big.pa, SMMUKIT_SZ_4K,
						 512, RW, NULL), 0);
	for (unsigned i = 0; i < 512; i += 32)
		assert_int_equal(rd(&c, IOVA + i * SMMUKIT_SZ_4K, &v), 0);
	smmukit_pgtable_gather_init(&g);
	assert_int_equal(smmukit_iommu_drv_unmap_pages(c.dom, IOVA, SMMUKIT_SZ_2M, 1, &g),
			 SMMUKIT_SZ_2M);
	n = h_cmdlog(&c.h, &c.cursor, r, 1024);
	assert_int_equal(h_count_op(r, n, SMMUV3_OP_TLBI_NH_ASID), 0);
	for (size_t i = 0; i < n; i++) {
		if ((r[i].dw[0] & 0xff) != SMMUV3_OP_TLBI_NH_VA)
			continue;
		assert_int_equal(r[i].dw[1] & CMD1_LEAF, 0);
		assert_int_equal(smmukit_field_get(CMD1_TTL, r[i].dw[1]), 0);
		assert_int_equal(r[i].dw[1] & ~UINT64_C(0xfff), next);
		next += SMMUKIT_SZ_4K;
		nonleaf++;
	}
	assert_int_equal(nonleaf, 512);
	assert_int_equal(r[n - 1].dw[0] & 0xff, SMMUV3_OP_CMD_SYNC);
	assert_int_equal(smmukit_smmu_get_stats(c.h.s, &st), 0);
	assert_int_equal(st.tlbi_fallbacks, 0);
	for (unsigned i = 0; i < 512; i += 32)
		assert_int_equal(rd(&c, IOVA + i * SMMUKIT_SZ_4K, &v),
				 SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(smmukit_iommu_drv_iotlb_sync(c.dom, &g), 0);
	assert_int_equal(h_mstats(&c.h).stale_unmapped, 0);
	assert_int_equal(h_mstats(&c.h).free_violations, 0);
	(void)smmukit_smmu_handle_evtq_irq(c.h.s);
	smmukit_plat_free_pages(c.h.p, &big);
	ctx_down(&c);
}

/* A queued gather keeps its table pages for the caller. */
static void test_queued_gather_keeps_freelist(void **state)
{
	struct ctx c = { 0 };
	struct smmukit_dma_pages big;
	struct smmukit_iotlb_gather g;

	ctx_up(&c, "checking", 1);
	big = h_buf(&c.h, 9, 0x22);
	assert_int_equal(smmukit_iommu_drv_map_pages(c.dom, IOVA, big.pa, SMMUKIT_SZ_4K,
						 512, RW, NULL), 0);
	smmukit_pgtable_gather_init(&g);
	g.queued = true;
	assert_int_equal(smmukit_iommu_drv_unmap_pages(c.dom, IOVA, SMMUKIT_SZ_2M, 1, &g),
			 SMMUKIT_SZ_2M);
	assert_true(g.freelist.count >= 1);
	assert_int_equal(smmukit_iommu_drv_iotlb_sync(c.dom, &g), 0);
	assert_true(g.freelist.count >= 1);	/* still the caller's */
	/* The caller's flush, then its reclaim. */
	assert_int_equal(smmukit_iommu_drv_flush_iotlb_all(c.dom), 0);
	smmukit_pgtable_free_freelist(c.h.p, &g);
	assert_int_equal(h_mstats(&c.h).free_violations, 0);
	smmukit_plat_free_pages(c.h.p, &big);
	ctx_down(&c);
}

/*
 * A freed domain's tag is invalidated before reuse: the next domain gets
 * the same ASID/VMID and never hits the old domain's entries.
 */
static void tag_reuse(unsigned stage)
{
	struct harness h;
	struct smmukit_iommu_drv_domain_cfg dc = { .stage = stage };
	struct smmukit_iommu_drv_domain *d1, *d2;
	uint32_t sid = 9, t1a, t1v, t2a, t2v;
	struct smmukit_iommu_drv_device dev = { &sid, 1 };
	struct smmukit_dma_pages a, b;
	unsigned char v;

	h_up(&h, "checking");
	a = h_buf(&h, 0, 0xa1);
	b = h_buf(&h, 0, 0xb2);
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, &dc, &d1), 0);
	assert_int_equal(smmukit_iommu_drv_attach_dev(d1, &dev), 0);
	assert_int_equal(smmukit_iommu_drv_map_pages(d1, IOVA, a.pa, SMMUKIT_SZ_4K, 1,
						 RW, NULL), 0);
	assert_int_equal(h_dma_read(&h, sid, IOVA, &v, 1), 0);
	assert_int_equal(v, 0xa1);
	assert_int_equal(smmukit_smmu_domain_tag(d1, &t1a, &t1v), 0);
	assert_int_equal(smmukit_iommu_drv_detach_dev(d1, &dev), 0);
	assert_int_equal(smmukit_iommu_drv_domain_free(d1), 0);

	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, &dc, &d2), 0);
	assert_int_equal(smmukit_smmu_domain_tag(d2, &t2a, &t2v), 0);
	assert_int_equal(t1a, t2a);
	assert_int_equal(t1v, t2v);
	assert_int_equal(smmukit_iommu_drv_map_pages(d2, IOVA, b.pa, SMMUKIT_SZ_4K, 1,
						 RW, NULL), 0);
	assert_int_equal(smmukit_iommu_drv_attach_dev(d2, &dev), 0);
	assert_int_equal(h_dma_read(&h, sid, IOVA, &v, 1), 0);
	assert_int_equal(v, 0xb2);
	assert_int_equal(h_mstats(&h).stale_reused, 0);
	assert_int_equal(h_mstats(&h).free_violations, 0);
	assert_int_equal(smmukit_iommu_drv_detach_dev(d2, &dev), 0);
	assert_int_equal(smmukit_iommu_drv_domain_free(d2), 0);
	smmukit_plat_free_pages(h.p, &a);
	smmukit_plat_free_pages(h.p, &b);
	h_down(&h);
}

static void test_asid_reuse(void **state)
{
	tag_reuse(1);
}

static void test_vmid_reuse(void **state)
{
	tag_reuse(2);
}

/* The 64-bit word at pa in simulated RAM. */
static volatile uint64_t *word_at(struct harness *h, uint64_t pa)
{
	volatile uint64_t *p = smmukit_posix_phys_range(h->p, pa, 8);

	assert_non_null((void *)p);
	return p;
}

/* Where the translation-table base of sid's STE (stage 2) or CD lives. */
static uint64_t ttb_word_pa(struct harness *h, uint32_t sid, unsigned stage)
{
	uint64_t strtab = smmukit_model_mmio(h->m).ops->read64(
		smmukit_model_mmio(h->m).ctx, SMMUV3_STRTAB_BASE) & STRTAB_BASE_ADDR;
	uint64_t ste = strtab + (uint64_t)sid * SMMUV3_STE_SIZE;

	if (stage == 2)
		return ste + 3 * 8;
	return (*word_at(h, ste) & STE0_S1CONTEXTPTR) + 8;
}

/*
 * The negative control for tag reuse, built by hand: the tag of d1 is made
 * to name d2's tables (its CD's TTB0, or its STE's S2TTB, rewritten and the
 * configuration invalidated) without the TLBI by ASID/VMID that domain_free
 * does before a tag is reused. The device then hits d1's cached entry
 * (stale_reused); after the TLBI it reaches d2's page.
 */
static void tag_reuse_control(unsigned stage)
{
	struct harness h;
	struct smmukit_iommu_drv_domain_cfg dc = { .stage = stage };
	struct smmukit_iommu_drv_domain *d1, *d2;
	uint32_t s1 = 9, s2 = 10, asid, vmid;
	struct smmukit_iommu_drv_device dev1 = { &s1, 1 }, dev2 = { &s2, 1 };
	struct smmukit_dma_pages a, b;
	struct smmuv3_cmd cfgi = { 0 }, tlbi = { 0 };
	uint64_t w1, w2, saved;
	unsigned char v;

	h_up(&h, "checking,strtab=linear,sidsize=8");
	a = h_buf(&h, 0, 0xa1);
	b = h_buf(&h, 0, 0xb2);
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, &dc, &d1), 0);
	assert_int_equal(smmukit_iommu_drv_domain_alloc(h.iommu, &dc, &d2), 0);
	assert_int_equal(smmukit_iommu_drv_map_pages(d1, IOVA, a.pa, SMMUKIT_SZ_4K, 1, RW, NULL), 0);
	assert_int_equal(smmukit_iommu_drv_map_pages(d2, IOVA, b.pa, SMMUKIT_SZ_4K, 1, RW, NULL), 0);
	assert_int_equal(smmukit_iommu_drv_attach_dev(d1, &dev1), 0);
	assert_int_equal(smmukit_iommu_drv_attach_dev(d2, &dev2), 0);
	assert_int_equal(h_dma_read(&h, s1, IOVA, &v, 1), 0);
	assert_int_equal(v, 0xa1);	/* cached under d1's tag */
	assert_int_equal(smmukit_smmu_domain_tag(d1, &asid, &vmid), 0);

	w1 = ttb_word_pa(&h, s1, stage);
	w2 = ttb_word_pa(&h, s2, stage);
	saved = *word_at(&h, w1);
	*word_at(&h, w1) = *word_at(&h, w2);
	smmukit_plat_dma_sync_for_device(h.p, w1, 8);
	cfgi.opcode = stage == 1 ? SMMUV3_OP_CFGI_CD_ALL : SMMUV3_OP_CFGI_STE;
	cfgi.cfgi.sid = s1;
	cfgi.cfgi.leaf = stage == 2;
	assert_int_equal(smmukit_smmu_issue_cmds(h.s, &cfgi, 1, true), 0);
	/* No TLBI: the old translation is still used. */
	assert_int_equal(h_dma_read(&h, s1, IOVA, &v, 1), 0);
	assert_int_equal(v, 0xa1);
	assert_int_equal(h_mstats(&h).stale_reused, 1);
	/* The TLBI that domain_free issues before a tag goes back. */
	if (stage == 1) {
		tlbi.opcode = SMMUV3_OP_TLBI_NH_ASID;
		tlbi.tlbi.asid = asid;
	} else {
		tlbi.opcode = SMMUV3_OP_TLBI_S12_VMALL;
		tlbi.tlbi.vmid = vmid;
	}
	assert_int_equal(smmukit_smmu_issue_cmds(h.s, &tlbi, 1, true), 0);
	assert_int_equal(h_dma_read(&h, s1, IOVA, &v, 1), 0);
	assert_int_equal(v, 0xb2);
	assert_int_equal(h_mstats(&h).stale_reused, 1);

	/* Put d1's word back, then tear down as usual. */
	*word_at(&h, w1) = saved;
	smmukit_plat_dma_sync_for_device(h.p, w1, 8);
	assert_int_equal(smmukit_smmu_issue_cmds(h.s, &cfgi, 1, true), 0);
	assert_int_equal(smmukit_smmu_issue_cmds(h.s, &tlbi, 1, true), 0);
	assert_int_equal(smmukit_iommu_drv_detach_dev(d1, &dev1), 0);
	assert_int_equal(smmukit_iommu_drv_detach_dev(d2, &dev2), 0);
	assert_int_equal(smmukit_iommu_drv_domain_free(d1), 0);
	assert_int_equal(smmukit_iommu_drv_domain_free(d2), 0);
	smmukit_plat_free_pages(h.p, &a);
	smmukit_plat_free_pages(h.p, &b);
	h_down(&h);
}

static void test_asid_reuse_control(void **state)
{
	tag_reuse_control(1);
}

static void test_vmid_reuse_control(void **state)
{
	tag_reuse_control(2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stale_control_and_flush_all_s1),
		cmocka_unit_test(test_stale_control_and_flush_all_s2),
		cmocka_unit_test(test_strict_unmap_ril_s1),
		cmocka_unit_test(test_strict_unmap_noril_s1),
		cmocka_unit_test(test_strict_unmap_ril_s2),
		cmocka_unit_test(test_strict_unmap_noril_s2),
		cmocka_unit_test(test_missing_sync_is_caught),
		cmocka_unit_test(test_ril_worked_examples),
		cmocka_unit_test(test_threshold_falls_back_to_context),
		cmocka_unit_test(test_walk_flush_ril),
		cmocka_unit_test(test_walk_flush_noril),
		cmocka_unit_test(test_huge_range_ril),
		cmocka_unit_test(test_huge_range_noril),
		cmocka_unit_test(test_queued_gather_keeps_freelist),
		cmocka_unit_test(test_asid_reuse),
		cmocka_unit_test(test_vmid_reuse),
		cmocka_unit_test(test_mid_unmap_sync_ril),
		cmocka_unit_test(test_mid_unmap_sync_noril),
		cmocka_unit_test(test_walk_flush_noril_per_granule),
		cmocka_unit_test(test_asid_reuse_control),
		cmocka_unit_test(test_vmid_reuse_control),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

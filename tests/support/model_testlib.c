/* SPDX-License-Identifier: MIT */
/* Helpers for the register-level model tests; see model_testlib.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_testlib.h"

int mt_setup(struct mt *t, const char *features, const char *profile)
{
	struct smmukit_posix_config pc = {
		.mem_size = UINT64_C(256) << 20,
		.manual_clock = true,
		.polled_timers = true,
		.log_level = SMMUKIT_LOG_ERR,
	};
	struct smmukit_model_profile prof;
	char err[160];
	int ret;

	memset(t, 0, sizeof(*t));
	smmukit_model_config_default(&t->cfg);
	if (features &&
	    smmukit_model_config_parse(&t->cfg, features, err, sizeof(err))) {
		fprintf(stderr, "mt_setup: %s\n", err);
		return -SMMUKIT_EINVAL;
	}
	smmukit_model_profile_zero(&prof);
	if (profile &&
	    smmukit_model_profile_parse(&prof, profile, err, sizeof(err))) {
		fprintf(stderr, "mt_setup: %s\n", err);
		return -SMMUKIT_EINVAL;
	}
	ret = smmukit_posix_create(&pc, &t->plat);
	if (ret)
		return ret;
	ret = smmukit_model_create(t->plat, &t->cfg, &prof, &t->m);
	if (ret) {
		smmukit_posix_destroy(t->plat);
		return ret;
	}
	t->mmio = smmukit_model_mmio(t->m);
	return 0;
}

void mt_teardown(struct mt *t)
{
	smmukit_model_destroy(t->m);
	smmukit_posix_destroy(t->plat);
	memset(t, 0, sizeof(*t));
}

uint64_t mt_alloc(struct mt *t, unsigned order)
{
	struct smmukit_dma_pages pg;

	if (smmukit_plat_alloc_pages(t->plat, order, &pg))
		return 0;
	return pg.pa;
}

void mt_free(struct mt *t, uint64_t pa, unsigned order)
{
	struct smmukit_dma_pages pg = {
		.cpu = smmukit_plat_phys_to_virt(t->plat, pa), .pa = pa,
		.order = order,
	};

	smmukit_plat_free_pages(t->plat, &pg);
}

void *mt_va(struct mt *t, uint64_t pa)
{
	return smmukit_plat_phys_to_virt(t->plat, pa);
}

void mt_w64(struct mt *t, uint64_t pa, uint64_t v)
{
	smmukit_write_once64(mt_va(t, pa), v);
	if (!t->cfg.coherent)
		smmukit_plat_dma_sync_for_device(t->plat, pa, 8);
}

uint64_t mt_r64(struct mt *t, uint64_t pa)
{
	return smmukit_read_once64(mt_va(t, pa));
}

uint32_t mt_rd32(struct mt *t, uint64_t off)
{
	return t->mmio.ops->read32(t->mmio.ctx, off);
}

uint64_t mt_rd64(struct mt *t, uint64_t off)
{
	return t->mmio.ops->read64(t->mmio.ctx, off);
}

void mt_wr32(struct mt *t, uint64_t off, uint32_t v)
{
	t->mmio.ops->write32(t->mmio.ctx, off, v);
}

void mt_wr64(struct mt *t, uint64_t off, uint64_t v)
{
	t->mmio.ops->write64(t->mmio.ctx, off, v);
}

static unsigned order_for(uint64_t bytes)
{
	unsigned o = 0;

	while ((SMMUKIT_PAGE_SIZE << o) < bytes)
		o++;
	return o;
}

int mt_enable(struct mt *t, unsigned strtab_log2, bool two_level)
{
	uint64_t bytes;

	t->strtab_log2 = strtab_log2;
	t->two_level = two_level;
	t->split = 8;
	bytes = two_level ? (UINT64_C(8) << (strtab_log2 > 8 ?
						  strtab_log2 - 8 : 0)) :
			    (UINT64_C(64) << strtab_log2);
	t->strtab_pa = mt_alloc(t, order_for(bytes));
	t->cmdq_log2 = t->cfg.cmdq_log2 < 8 ? t->cfg.cmdq_log2 : 8;
	t->cmdq_pa = mt_alloc(t, order_for(16u << t->cmdq_log2));
	t->evtq_log2 = t->cfg.evtq_log2 < 7 ? t->cfg.evtq_log2 : 7;
	t->evtq_pa = mt_alloc(t, order_for(32u << t->evtq_log2));
	if (!t->strtab_pa || !t->cmdq_pa || !t->evtq_pa)
		return -SMMUKIT_ENOMEM;

	mt_wr32(t, SMMUV3_CR0, 0);
	mt_wr32(t, SMMUV3_CR1, 0xD75);
	mt_wr32(t, SMMUV3_CR2, (uint32_t)(CR2_PTM | CR2_RECINVSID));
	mt_wr64(t, SMMUV3_STRTAB_BASE, t->strtab_pa | STRTAB_BASE_RA);
	mt_wr32(t, SMMUV3_STRTAB_BASE_CFG,
		(uint32_t)(smmukit_field_prep(STRTAB_BASE_CFG_LOG2SIZE,
					      strtab_log2) |
			   smmukit_field_prep(STRTAB_BASE_CFG_SPLIT,
					      two_level ? t->split : 0) |
			   smmukit_field_prep(STRTAB_BASE_CFG_FMT,
					      two_level ? STRTAB_BASE_CFG_FMT_2LVL :
							  STRTAB_BASE_CFG_FMT_LINEAR)));
	mt_wr64(t, SMMUV3_CMDQ_BASE,
		t->cmdq_pa | smmukit_field_prep(Q_BASE_LOG2SIZE, t->cmdq_log2));
	mt_wr32(t, SMMUV3_CMDQ_PROD, 0);
	mt_wr32(t, SMMUV3_CMDQ_CONS, 0);
	t->cmdq_prod = 0;
	mt_wr32(t, SMMUV3_CR0, (uint32_t)CR0_CMDQEN);
	if (mt_rd32(t, SMMUV3_CR0ACK) != CR0_CMDQEN)
		return -SMMUKIT_EIO;
	mt_cfgi_all(t);
	mt_cmd(t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NSNH_ALL });
	if (mt_sync(t))
		return -SMMUKIT_ETIMEDOUT;
	mt_wr64(t, SMMUV3_EVENTQ_BASE,
		t->evtq_pa | smmukit_field_prep(Q_BASE_LOG2SIZE, t->evtq_log2));
	mt_wr32(t, SMMUV3_EVENTQ_PROD, 0);
	mt_wr32(t, SMMUV3_EVENTQ_CONS, 0);
	t->evtq_cons = 0;
	mt_wr32(t, SMMUV3_CR0, (uint32_t)(CR0_CMDQEN | CR0_EVENTQEN));
	mt_wr32(t, SMMUV3_CR0, (uint32_t)(CR0_CMDQEN | CR0_EVENTQEN | CR0_SMMUEN));
	if (mt_rd32(t, SMMUV3_CR0ACK) != (CR0_CMDQEN | CR0_EVENTQEN | CR0_SMMUEN))
		return -SMMUKIT_EIO;
	return 0;
}

uint64_t mt_ste_ptr(struct mt *t, uint32_t sid)
{
	uint64_t l1, l1_pa, l2;

	if (!t->two_level)
		return t->strtab_pa + (uint64_t)sid * SMMUV3_STE_SIZE;
	l1_pa = t->strtab_pa + (uint64_t)(sid >> t->split) * 8;
	l1 = mt_r64(t, l1_pa);
	if (!l1) {
		l2 = mt_alloc(t, order_for(64u << t->split));
		mt_w64(t, l1_pa, l2 | smmukit_field_prep(L1STD_SPAN,
							  t->split + 1));
		l1 = mt_r64(t, l1_pa);
	}
	return (l1 & L1STD_L2PTR) +
	       (uint64_t)(sid & ((1u << t->split) - 1)) * SMMUV3_STE_SIZE;
}

void mt_ste_write(struct mt *t, uint32_t sid, const uint64_t dw[4])
{
	uint64_t pa = mt_ste_ptr(t, sid);

	for (unsigned i = 1; i < 4; i++)
		mt_w64(t, pa + 8 * i, dw[i]);
	smmukit_wmb();
	mt_w64(t, pa, dw[0]);
}

void mt_cmd_raw(struct mt *t, uint64_t dw0, uint64_t dw1)
{
	uint64_t pa = t->cmdq_pa +
		      (uint64_t)smmuv3_q_idx(t->cmdq_prod, t->cmdq_log2) * 16;

	/* Wait for space like a driver would. */
	for (unsigned i = 0; i < 100000 &&
			     smmuv3_q_full(t->cmdq_prod,
					   mt_rd32(t, SMMUV3_CMDQ_CONS),
					   t->cmdq_log2);
	     i++)
		smmukit_plat_relax(t->plat);
	mt_w64(t, pa, dw0);
	mt_w64(t, pa + 8, dw1);
	smmukit_wmb();
	t->cmdq_prod = smmuv3_q_advance(t->cmdq_prod, 1, t->cmdq_log2);
	mt_wr32(t, SMMUV3_CMDQ_PROD, t->cmdq_prod);
}

void mt_cmd(struct mt *t, const struct smmuv3_cmd *c)
{
	uint64_t dw[2];

	if (smmuv3_cmd_encode(c, dw)) {
		/* A test that meant to send this command must not pass. */
		fprintf(stderr, "mt_cmd: cannot encode opcode %#x\n", c->opcode);
		abort();
	}
	mt_cmd_raw(t, dw[0], dw[1]);
}

uint32_t mt_sync_submit(struct mt *t)
{
	uint32_t slot = t->cmdq_prod;

	mt_cmd(t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_CMD_SYNC,
					.sync = { .cs = CMD0_CS_NONE,
						  .msh = SMMUV3_SH_ISH,
						  .msiattr = SMMUV3_MEMATTR_OIWB } });
	return slot;
}

bool mt_consumed(struct mt *t, uint32_t slot)
{
	return smmuv3_q_consumed(mt_rd32(t, SMMUV3_CMDQ_CONS), slot,
				 t->cmdq_log2);
}

int mt_sync(struct mt *t)
{
	uint32_t slot = mt_sync_submit(t);

	for (unsigned i = 0; i < 100000; i++) {
		if (mt_consumed(t, slot))
			return 0;
		smmukit_plat_relax(t->plat);
	}
	return -SMMUKIT_ETIMEDOUT;
}

void mt_cfgi_ste(struct mt *t, uint32_t sid)
{
	mt_cmd(t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_CFGI_STE,
					.cfgi = { .sid = sid, .leaf = true } });
}

void mt_cfgi_all(struct mt *t)
{
	mt_cmd(t, &(struct smmuv3_cmd){
			  .opcode = SMMUV3_OP_CFGI_STE_RANGE,
			  .cfgi = { .range = SMMUV3_CFGI_RANGE_ALL } });
}

void mt_tlbi_asid(struct mt *t, uint32_t asid, uint32_t vmid)
{
	mt_cmd(t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_ASID,
					.tlbi = { .asid = asid, .vmid = vmid } });
}

void mt_tlbi_va(struct mt *t, uint32_t asid, uint64_t va, bool leaf)
{
	mt_cmd(t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NH_VA,
					.tlbi = { .asid = asid, .addr = va,
						  .leaf = leaf } });
}

int mt_evt_next(struct mt *t, struct smmuv3_event *e)
{
	uint32_t prod = mt_rd32(t, SMMUV3_EVENTQ_PROD);
	uint64_t dw[4], pa;

	if (smmuv3_q_empty(prod, t->evtq_cons, t->evtq_log2))
		return 0;
	pa = t->evtq_pa +
	     (uint64_t)smmuv3_q_idx(t->evtq_cons, t->evtq_log2) * 32;
	for (unsigned i = 0; i < 4; i++)
		dw[i] = mt_r64(t, pa + 8 * i);
	smmuv3_event_decode(dw, e);
	t->evtq_cons = smmuv3_q_advance(t->evtq_cons, 1, t->evtq_log2);
	mt_wr32(t, SMMUV3_EVENTQ_CONS, t->evtq_cons);
	return 1;
}

unsigned mt_evt_drain(struct mt *t)
{
	struct smmuv3_event e;
	unsigned n = 0;

	while (mt_evt_next(t, &e))
		n++;
	return n;
}

/* ---- page tables ---- */

static unsigned lvl_shift(const struct mt_pt *pt, unsigned level)
{
	return pt->pg + (3 - level) * (pt->pg - 3);
}

int mt_pt_init(struct mt *t, struct mt_pt *pt, unsigned stage, unsigned pg,
	       unsigned ias)
{
	unsigned levels = (ias - pg + (pg - 3) - 1) / (pg - 3);
	uint64_t bytes;

	pt->stage = stage;
	pt->pg = pg;
	pt->ias = ias;
	pt->start = 4 - levels;
	pt->top_bits = ias - pg - (levels - 1) * (pg - 3);
	bytes = UINT64_C(8) << pt->top_bits;
	pt->root = mt_alloc(t, order_for(bytes < (UINT64_C(1) << pg) ?
						 (UINT64_C(1) << pg) : bytes));
	return pt->root ? 0 : -SMMUKIT_ENOMEM;
}

uint64_t mt_pt_slot(struct mt *t, struct mt_pt *pt, uint64_t iova,
		    unsigned level)
{
	uint64_t table = pt->root;

	for (unsigned l = pt->start;; l++) {
		unsigned nbits = l == pt->start ? pt->top_bits : pt->pg - 3;
		uint64_t idx = (iova >> lvl_shift(pt, l)) &
			       ((UINT64_C(1) << nbits) - 1);
		uint64_t slot = table + idx * 8, d;

		if (l == level)
			return slot;
		d = mt_r64(t, slot);
		if (!(d & LPAE_DESC_VALID) ||
		    smmukit_field_get(LPAE_DESC_TYPE, d) != LPAE_DESC_TYPE_TABLE) {
			uint64_t next = mt_alloc(t, order_for(UINT64_C(1) << pt->pg));

			if (!next)
				return 0;
			d = lpae_oa_to_desc(next, pt->pg) |
			    smmukit_field_prep(LPAE_DESC_TYPE,
					       LPAE_DESC_TYPE_TABLE);
			mt_w64(t, slot, d);
		}
		table = lpae_desc_to_oa(d, pt->pg);
	}
}

int mt_pt_map(struct mt *t, struct mt_pt *pt, uint64_t iova, uint64_t pa,
	      unsigned size_log2, unsigned prot)
{
	unsigned level = 3;
	uint64_t d, slot;

	while (lvl_shift(pt, level) < size_log2)
		level--;
	if (lvl_shift(pt, level) != size_log2)
		return -SMMUKIT_EINVAL;
	slot = mt_pt_slot(t, pt, iova, level);
	if (!slot)
		return -SMMUKIT_ENOMEM;
	d = lpae_oa_to_desc(pa, pt->pg) | LPAE_DESC_VALID |
	    smmukit_field_prep(LPAE_DESC_SH, LPAE_SH_INNER);
	if (level == 3)
		d |= smmukit_field_prep(LPAE_DESC_TYPE, LPAE_DESC_TYPE_PAGE);
	if (!(prot & MT_NOAF))
		d |= LPAE_DESC_AF;
	if (pt->stage == 1) {
		d |= smmukit_field_prep(LPAE_S1_ATTRINDX, LPAE_MAIR_IDX_WBRWA);
		if (!(prot & MT_GLOBAL))
			d |= LPAE_S1_NG;
		if (!(prot & MT_PRIV))
			d |= LPAE_S1_AP_UNPRIV;
		if (!(prot & MT_W))
			d |= LPAE_S1_AP_RDONLY;
	} else {
		d |= smmukit_field_prep(LPAE_S2_MEMATTR, LPAE_S2_MEMATTR_WB);
		if (prot & MT_R)
			d |= LPAE_S2_S2AP_READ;
		if (prot & MT_W)
			d |= LPAE_S2_S2AP_WRITE;
	}
	mt_w64(t, slot, d);
	return 0;
}

int mt_pt_unmap(struct mt *t, struct mt_pt *pt, uint64_t iova)
{
	uint64_t table = pt->root;

	for (unsigned l = pt->start; l <= 3; l++) {
		unsigned nbits = l == pt->start ? pt->top_bits : pt->pg - 3;
		uint64_t idx = (iova >> lvl_shift(pt, l)) &
			       ((UINT64_C(1) << nbits) - 1);
		uint64_t slot = table + idx * 8, d = mt_r64(t, slot);

		if (!(d & LPAE_DESC_VALID))
			return -SMMUKIT_ENOENT;
		if (l == 3 || smmukit_field_get(LPAE_DESC_TYPE, d) !=
				      LPAE_DESC_TYPE_TABLE) {
			mt_w64(t, slot, 0);
			return 0;
		}
		table = lpae_desc_to_oa(d, pt->pg);
	}
	return -SMMUKIT_ENOENT;
}

static unsigned oas_field(unsigned bits)
{
	for (unsigned i = 0; i <= IDR5_OAS_52; i++)
		if (smmuv3_oas_bits(i) == bits)
			return i;
	return IDR5_OAS_48;
}

void mt_cd_write(struct mt *t, uint64_t cd_pa, uint32_t asid,
		 const struct mt_pt *pt)
{
	unsigned tg = pt->pg == 12 ? CD0_TG0_4K : pt->pg == 16 ? CD0_TG0_64K :
							     CD0_TG0_16K;
	uint64_t dw0 = smmukit_field_prep(CD0_T0SZ, 64 - pt->ias) |
		       smmukit_field_prep(CD0_TG0, tg) |
		       smmukit_field_prep(CD0_IRGN0, SMMUV3_RGN_WBWA) |
		       smmukit_field_prep(CD0_ORGN0, SMMUV3_RGN_WBWA) |
		       smmukit_field_prep(CD0_SH0, SMMUV3_SH_ISH) | CD0_EPD1 |
		       CD0_V | smmukit_field_prep(CD0_IPS, oas_field(t->cfg.oas)) |
		       CD0_AA64 | CD0_R | CD0_A | CD0_ASET |
		       smmukit_field_prep(CD0_ASID, asid);

	mt_w64(t, cd_pa + 8, pt->root & CD1_TTB0);
	mt_w64(t, cd_pa + 24, LPAE_MAIR_VALUE);
	smmukit_wmb();
	mt_w64(t, cd_pa, dw0);
}

void mt_ste_s1(uint64_t dw[4], uint64_t cd_pa)
{
	dw[0] = STE0_V | smmukit_field_prep(STE0_CFG, STE0_CFG_S1_TRANS) |
		(cd_pa & STE0_S1CONTEXTPTR);
	dw[1] = smmukit_field_prep(STE1_S1CIR, STE1_S1C_WBRA) |
		smmukit_field_prep(STE1_S1COR, STE1_S1C_WBRA) |
		smmukit_field_prep(STE1_S1CSH, SMMUV3_SH_ISH);
	dw[2] = 0;
	dw[3] = 0;
}

static uint64_t s2_dw2(uint32_t vmid, const struct mt_pt *pt, unsigned ps_bits)
{
	unsigned tg = pt->pg == 12 ? STE2_S2TG_4K : pt->pg == 16 ?
				     STE2_S2TG_64K : STE2_S2TG_16K;
	unsigned sl0 = pt->pg == 12 ? 2 - pt->start : 3 - pt->start;

	return smmukit_field_prep(STE2_S2VMID, vmid) |
	       smmukit_field_prep(STE2_S2T0SZ, 64 - pt->ias) |
	       smmukit_field_prep(STE2_S2SL0, sl0) |
	       smmukit_field_prep(STE2_S2IR0, SMMUV3_RGN_WBWA) |
	       smmukit_field_prep(STE2_S2OR0, SMMUV3_RGN_WBWA) |
	       smmukit_field_prep(STE2_S2SH0, SMMUV3_SH_ISH) |
	       smmukit_field_prep(STE2_S2TG, tg) |
	       smmukit_field_prep(STE2_S2PS, oas_field(ps_bits)) | STE2_S2AA64 |
	       STE2_S2R;
}

void mt_ste_s2(uint64_t dw[4], uint32_t vmid, const struct mt_pt *pt,
	       unsigned ps_bits)
{
	dw[0] = STE0_V | smmukit_field_prep(STE0_CFG, STE0_CFG_S2_TRANS);
	dw[1] = smmukit_field_prep(STE1_SHCFG, STE1_SHCFG_INCOMING);
	dw[2] = s2_dw2(vmid, pt, ps_bits);
	dw[3] = pt->root & STE3_S2TTB;
}

void mt_ste_nested(uint64_t dw[4], uint64_t cd_ipa, uint32_t vmid,
		   const struct mt_pt *s2, unsigned ps_bits)
{
	mt_ste_s1(dw, cd_ipa);
	dw[0] = (dw[0] & ~STE0_CFG) |
		smmukit_field_prep(STE0_CFG, STE0_CFG_NESTED);
	dw[2] = s2_dw2(vmid, s2, ps_bits);
	dw[3] = s2->root & STE3_S2TTB;
}

int mt_s1_stream(struct mt *t, uint32_t sid, uint32_t asid, struct mt_pt *pt)
{
	uint64_t cd = mt_alloc(t, 0), dw[4];

	if (!cd || mt_pt_init(t, pt, 1, 12, 48))
		return -SMMUKIT_ENOMEM;
	mt_cd_write(t, cd, asid, pt);
	mt_ste_s1(dw, cd);
	mt_ste_write(t, sid, dw);
	mt_cfgi_ste(t, sid);
	return mt_sync(t);
}

int mt_dma_read(struct mt *t, uint32_t sid, uint64_t iova, void *buf,
		uint64_t len)
{
	return smmukit_model_dma(t->m, sid, SMMUKIT_MODEL_NO_SSID, iova, len,
				 false, buf, NULL);
}

int mt_dma_write(struct mt *t, uint32_t sid, uint64_t iova, const void *buf,
		 uint64_t len)
{
	return smmukit_model_dma(t->m, sid, SMMUKIT_MODEL_NO_SSID, iova, len,
				 true, (void *)buf, NULL);
}

uint64_t mt_pa_of(struct mt *t, uint32_t sid, uint64_t iova)
{
	struct smmukit_model_dma_result r;

	if (smmukit_model_translate(t->m, sid, SMMUKIT_MODEL_NO_SSID, iova,
				    false, &r))
		return 0;
	return r.pa;
}

struct smmukit_model_stats mt_stats(struct mt *t)
{
	struct smmukit_model_stats s;

	smmukit_model_get_stats(t->m, &s);
	return s;
}

/* SPDX-License-Identifier: MIT */
/*
 * SMMUv3 probe, reset, event queue and global errors (IHI 0070 ch. 6 and 7; docs/smmu.md).
 */
#include "smmu_internal.h"

/* ---- register handshakes: every wait bounded, every iteration relaxes ---- */

struct reg_wait {
	struct smmukit_smmu *s;
	uint64_t off;
	uint32_t mask;
	uint32_t want;
};

static bool reg_matches(void *arg)
{
	struct reg_wait *w = arg;

	return (smmu_read32(w->s, w->off) & w->mask) == w->want;
}

static int wait_reg(struct smmukit_smmu *s, uint64_t off, uint32_t mask,
		    uint32_t want, const char *what)
{
	struct reg_wait w = { s, off, mask, want };

	if (smmukit_plat_poll_until(s->plat, reg_matches, &w, s->timeout_ns))
		return 0;
	smmukit_err(s->plat, "smmu: %s timeout (register 0x%llx = 0x%x, want 0x%x)",
		    what, (unsigned long long)off, smmu_read32(s, off), want);
	return -SMMUKIT_ETIMEDOUT;
}

/* Write CR0 and wait until CR0ACK confirms it. */
static int write_cr0(struct smmukit_smmu *s, uint32_t val)
{
	smmu_write32(s, SMMUV3_CR0, val);
	return wait_reg(s, SMMUV3_CR0ACK, (uint32_t)CR0_VALID_MASK, val,
			"CR0ACK");
}

static int write_irq_ctrl(struct smmukit_smmu *s, uint32_t val)
{
	smmu_write32(s, SMMUV3_IRQ_CTRL, val);
	return wait_reg(s, SMMUV3_IRQ_CTRLACK, 0x7, val, "IRQ_CTRLACK");
}

/* GBPA: wait UPDATE=0, write with UPDATE=1, wait UPDATE=0 again. */
static int update_gbpa(struct smmukit_smmu *s, uint32_t set, uint32_t clr)
{
	uint32_t v;
	int ret = wait_reg(s, SMMUV3_GBPA, (uint32_t)GBPA_UPDATE, 0, "GBPA");

	if (ret)
		return ret;
	v = smmu_read32(s, SMMUV3_GBPA);
	v = (v & ~clr) | set;
	smmu_write32(s, SMMUV3_GBPA, v | (uint32_t)GBPA_UPDATE);
	return wait_reg(s, SMMUV3_GBPA, (uint32_t)GBPA_UPDATE, 0, "GBPA");
}

/*
 * Make the SMMU abort while disabled, and say whether that took: GBPA may
 * be absent (QEMU before 8.0 reads it as 0 and ignores writes), and then
 * a disabled SMMU lets every stream bypass to physical memory.
 */
static bool set_gbpa_abort(struct smmukit_smmu *s)
{
	if (update_gbpa(s, (uint32_t)GBPA_ABORT, 0))
		return false;
	return (smmu_read32(s, SMMUV3_GBPA) & GBPA_ABORT) != 0;
}

/* ---- probe ---- */

static int probe_idrs(struct smmukit_smmu *s)
{
	struct smmukit_smmu_info *in = &s->info;
	uint32_t idr0, idr1, idr3, idr5;
	unsigned ttf, endian, oas_enc;

	for (unsigned i = 0; i < 6; i++)
		in->idr[i] = smmu_read32(s, SMMUV3_IDR0 + 4u * i);
	in->iidr = smmu_read32(s, SMMUV3_IIDR);
	in->aidr = smmu_read32(s, SMMUV3_AIDR);
	idr0 = in->idr[0];
	idr1 = in->idr[1];
	idr3 = in->idr[3];
	idr5 = in->idr[5];

	if (smmukit_field_get(AIDR_ARCH_MAJOR, in->aidr) != 0) {
		smmukit_err(s->plat, "smmu: not an SMMUv3 (AIDR 0x%x)", in->aidr);
		return -SMMUKIT_ENODEV;
	}
	ttf = (unsigned)smmukit_field_get(IDR0_TTF, idr0);
	if (!(ttf & IDR0_TTF_AARCH64)) {
		smmukit_err(s->plat, "smmu: no AArch64 table format (IDR0.TTF %u)", ttf);
		return -SMMUKIT_ENODEV;
	}
	endian = (unsigned)smmukit_field_get(IDR0_TTENDIAN, idr0);
	if (endian == IDR0_TTENDIAN_BE || endian == 1) {
		smmukit_err(s->plat, "smmu: big-endian-only or reserved TTENDIAN %u",
			    endian);
		return -SMMUKIT_ENODEV;
	}
	if (idr1 & (IDR1_REL | IDR1_QUEUES_PRESET | IDR1_TABLES_PRESET)) {
		smmukit_err(s->plat,
			    "smmu: preset or relative tables/queues (IDR1 0x%x) unsupported",
			    idr1);
		return -SMMUKIT_ENODEV;
	}
	/* Stall forced: faulting transactions always stall and must be
	 * resumed (CD.S=1 required); the driver has no stall handling. */
	if (smmukit_field_get(IDR0_STALL_MODEL, idr0) == IDR0_STALL_MODEL_FORCE) {
		smmukit_err(s->plat, "smmu: stall model forced (IDR0.STALL_MODEL 2) unsupported");
		return -SMMUKIT_ENODEV;
	}
	in->s1 = idr0 & IDR0_S1P;
	in->s2 = idr0 & IDR0_S2P;
	if (!in->s1 && !in->s2) {
		smmukit_err(s->plat, "smmu: neither stage 1 nor stage 2");
		return -SMMUKIT_ENODEV;
	}
	in->coherent = idr0 & IDR0_COHACC;
	in->btm = idr0 & IDR0_BTM;
	in->hyp = idr0 & IDR0_HYP;
	in->ats = idr0 & IDR0_ATS;
	in->asid16 = idr0 & IDR0_ASID16;
	in->msi = idr0 & IDR0_MSI;
	in->sev = idr0 & IDR0_SEV;
	in->pri = idr0 & IDR0_PRI;
	in->vmid16 = idr0 & IDR0_VMID16;
	in->strtab_2lvl = smmukit_field_get(IDR0_ST_LEVEL, idr0) ==
			  IDR0_ST_LEVEL_2LVL;
	in->ril = idr3 & IDR3_RIL;
	in->asid_bits = in->asid16 ? 16 : 8;
	in->vmid_bits = in->vmid16 ? 16 : 8;
	in->sid_bits = (unsigned)smmukit_field_get(IDR1_SIDSIZE, idr1);

	oas_enc = (unsigned)smmukit_field_get(IDR5_OAS, idr5);
	in->oas = smmuv3_oas_bits(oas_enc);
	if (!in->oas) {
		/* Reserved encoding: assume the largest we know (Linux). */
		smmukit_warn(s->plat, "smmu: reserved IDR5.OAS %u, using 48 bits",
			     oas_enc);
		in->oas = 48;
	}
	in->pgsize_bitmap = 0;
	if (idr5 & IDR5_GRAN4K)
		in->pgsize_bitmap |= SMMUKIT_SZ_4K | SMMUKIT_SZ_2M | SMMUKIT_SZ_1G;
	if (idr5 & IDR5_GRAN16K)
		in->pgsize_bitmap |= SMMUKIT_SZ_16K | SMMUKIT_SZ_32M;
	if (idr5 & IDR5_GRAN64K)
		in->pgsize_bitmap |= SMMUKIT_SZ_64K | SMMUKIT_SZ_512M;
	if (!in->pgsize_bitmap) {
		smmukit_err(s->plat, "smmu: no translation granule (IDR5 0x%x)", idr5);
		return -SMMUKIT_ENODEV;
	}
	/* Stage-1 input: 48-bit VAs (52 would need VAX and 64K tables; the
	 * page-table layer stops at 48). Stage-2 input: the IPA = OAS. */
	in->ias = in->s1 ? 48 : 0;
	if (in->s2 && in->oas > in->ias)
		in->ias = in->oas;
	return 0;
}

static unsigned queue_log2(unsigned hw, unsigned cfg_max, unsigned dflt)
{
	unsigned lim = cfg_max ? cfg_max : dflt;

	if (lim > SMMUV3_Q_MAX_LOG2SIZE)
		lim = SMMUV3_Q_MAX_LOG2SIZE;
	return hw < lim ? hw : lim;
}

static int alloc_evtq(struct smmukit_smmu *s)
{
	uint64_t bytes = (UINT64_C(1) << s->evtq_log2) * SMMUV3_EVTQ_ENT_SIZE;
	unsigned order = 0;

	while ((SMMUKIT_PAGE_SIZE << order) < bytes)
		order++;
	return smmukit_plat_alloc_pages(s->plat, order, &s->evtq_mem);
}

static void log_summary(struct smmukit_smmu *s)
{
	const struct smmukit_smmu_info *in = &s->info;

	smmukit_info(s->plat,
		     "smmu: SMMUv3.%u IIDR 0x%08x:%s%s%s%s%s%s%s%s%s%s ias %u oas %u, cmdq 2^%u evtq 2^%u, %s stream table (%u SID bits%s), %s sync",
		     (unsigned)smmukit_field_get(AIDR_ARCH_MINOR, in->aidr),
		     in->iidr, in->s1 ? " s1" : "", in->s2 ? " s2" : "",
		     in->ril ? " ril" : "", in->msi ? " msi" : "",
		     in->sev ? " sev" : "", in->coherent ? " coherent" : "",
		     in->hyp ? " hyp" : "", in->asid16 ? " asid16" : "",
		     in->vmid16 ? " vmid16" : "",
		     in->strtab_2lvl ? " 2lvl" : "", in->ias, in->oas,
		     in->cmdq_log2, in->evtq_log2,
		     in->strtab_2lvl_used ? "2-level" : "linear",
		     in->strtab_log2, in->strtab_2lvl_used ? ", split 8" : "",
		     in->msi_sync ? "MSI" : "polled");
}

static void release(struct smmukit_smmu *s)
{
	smmu_domains_free(s);
	smmu_strtab_free(s);
	if (s->evtq_mem.cpu)
		smmukit_plat_free_pages(s->plat, &s->evtq_mem);
	smmu_cmdq_free(&s->cmdq);
	smmukit_plat_lock_destroy(s->plat, &s->cfg_lock);
	smmukit_plat_lock_destroy(s->plat, &s->evtq_lock);
	smmukit_plat_lock_destroy(s->plat, &s->gerror_lock);
	smmukit_plat_free(s->plat, s, sizeof(*s));
}

int smmukit_smmu_probe(const struct smmukit_smmu_config *cfg,
		       struct smmukit_smmu **out)
{
	struct smmukit_smmu *s;
	struct smmukit_platform *p;
	int ret;

	if (!cfg || !out || !cfg->platform || !cfg->mmio.ops ||
	    !cfg->mmio.ops->read32 || !cfg->mmio.ops->write32 ||
	    !cfg->mmio.ops->read64 || !cfg->mmio.ops->write64 ||
	    cfg->cmdq_log2_max > SMMUV3_Q_MAX_LOG2SIZE ||
	    cfg->evtq_log2_max > SMMUV3_Q_MAX_LOG2SIZE || cfg->sid_bits > 32)
		return -SMMUKIT_EINVAL;
	p = cfg->platform;
	s = smmukit_plat_zalloc(p, sizeof(*s));
	if (!s)
		return -SMMUKIT_ENOMEM;
	s->plat = p;
	s->cfg = *cfg;
	s->mmio = cfg->mmio;
	s->timeout_ns = cfg->poll_timeout_ns ? cfg->poll_timeout_ns :
					       POLL_TIMEOUT_DEFAULT_NS;
	s->tlbi_max_cmds = cfg->tlbi_max_cmds ? cfg->tlbi_max_cmds :
						TLBI_MAX_CMDS_DEFAULT;
	smmukit_plat_lock_init(p, &s->cfg_lock);
	smmukit_plat_lock_init(p, &s->evtq_lock);
	smmukit_plat_lock_init(p, &s->gerror_lock);
	smmukit_ratelimit_init(&s->rl_events, SMMUKIT_RATELIMIT_INTERVAL_NS,
			       SMMUKIT_RATELIMIT_BURST);

	ret = probe_idrs(s);
	if (ret)
		goto fail;
	s->coherent = s->info.coherent;
	/* MSI completion writes into our memory: only sound when the SMMU's
	 * writes are coherent with the CPU's view (Linux's rule). */
	s->info.msi_sync = s->info.msi && s->info.coherent &&
			   !cfg->disable_msi_sync;
	s->info.cmdq_log2 = queue_log2(
		(unsigned)smmukit_field_get(IDR1_CMDQS, s->info.idr[1]),
		cfg->cmdq_log2_max, CMDQ_DEFAULT_MAX_LOG2);
	s->info.evtq_log2 = queue_log2(
		(unsigned)smmukit_field_get(IDR1_EVENTQS, s->info.idr[1]),
		cfg->evtq_log2_max, EVTQ_DEFAULT_MAX_LOG2);
	if (s->info.cmdq_log2 < 1) {
		smmukit_err(s->plat, "smmu: command queue of one entry");
		ret = -SMMUKIT_ENODEV;
		goto fail;
	}
	s->evtq_log2 = s->info.evtq_log2;

	/*
	 * Queues as large as memory allows: halve on -ENOMEM (modern Linux),
	 * down to 2^7 commands (two batches) and 2^2 events.
	 */
	for (;;) {
		ret = smmu_cmdq_init(&s->cmdq, s, s->info.cmdq_log2, s->coherent,
				     s->info.msi_sync, s->info.sev);
		if (ret != -SMMUKIT_ENOMEM || s->info.cmdq_log2 <= 7)
			break;
		s->info.cmdq_log2--;
	}
	if (ret)
		goto fail;
	for (;;) {
		ret = alloc_evtq(s);
		if (ret != -SMMUKIT_ENOMEM || s->evtq_log2 <= 2)
			break;
		s->evtq_log2--;
	}
	s->info.evtq_log2 = s->evtq_log2;
	if (ret)
		goto fail;
	ret = smmu_strtab_alloc(s);
	if (ret)
		goto fail;
	ret = smmu_domains_init(s);
	if (ret)
		goto fail;

	s->iommu.ops = &smmu_iommu_ops;
	s->iommu.name = "smmuv3";
	s->iommu.pgsize_bitmap = s->info.pgsize_bitmap;
	s->iommu.max_ias = s->info.ias;

	ret = smmukit_smmu_reset(s);
	if (ret) {
		/* The SMMU may already point at our queues and tables: turn
		 * it off (aborting) before they go back to the platform. */
		(void)update_gbpa(s, (uint32_t)GBPA_ABORT, 0);
		(void)write_cr0(s, 0);
		goto fail;
	}
	log_summary(s);
	*out = s;
	return 0;
fail:
	release(s);
	return ret;
}

/* ---- reset (docs/smmu.md); also the resume path ---- */

static int issue_one(struct smmukit_smmu *s, struct smmuv3_cmd *c)
{
	uint64_t dw[1][2];
	int ret = smmuv3_cmd_encode(c, dw[0]);

	if (ret)
		return ret;
	return smmu_cmdq_issue(&s->cmdq, (const uint64_t (*)[2])dw, 1, true);
}

int smmukit_smmu_reset(struct smmukit_smmu *s)
{
	uint32_t cr1, cr2, enables;
	unsigned ic, sh;
	struct smmuv3_cmd c;
	int ret;

	if (!s)
		return -SMMUKIT_EINVAL;
	ic = s->coherent ? CR1_CACHE_WB : CR1_CACHE_NC;
	sh = s->coherent ? SMMUV3_SH_ISH : SMMUV3_SH_OSH;

	/* 1. Firmware (or our previous life) may have left it enabled: abort
	 * all traffic through GBPA before disabling, so that disabling does
	 * not open a bypass window. */
	if (smmu_read32(s, SMMUV3_CR0) & CR0_SMMUEN) {
		ret = update_gbpa(s, (uint32_t)GBPA_ABORT, 0);
		if (ret)
			return ret;
		if (!(smmu_read32(s, SMMUV3_GBPA) & GBPA_ABORT))
			smmukit_warn(s->plat,
				     "smmu: GBPA.ABORT cannot be set (no GBPA): DMA bypasses the SMMU until it is enabled again");
	}
	ret = write_cr0(s, 0);
	if (ret)
		return ret;

	/* 2-3. Table/queue attributes; PTM (no broadcast TLBI from CPUs),
	 * RECINVSID (report out-of-range SIDs). */
	cr1 = (uint32_t)(smmukit_field_prep(CR1_QUEUE_IC, ic) |
			 smmukit_field_prep(CR1_QUEUE_OC, ic) |
			 smmukit_field_prep(CR1_QUEUE_SH, sh) |
			 smmukit_field_prep(CR1_TABLE_IC, ic) |
			 smmukit_field_prep(CR1_TABLE_OC, ic) |
			 smmukit_field_prep(CR1_TABLE_SH, sh));
	smmu_write32(s, SMMUV3_CR1, cr1);
	cr2 = (uint32_t)(CR2_PTM | CR2_RECINVSID);
	smmu_write32(s, SMMUV3_CR2, cr2);

	/* 4. Stream table. */
	smmu_write64(s, SMMUV3_STRTAB_BASE,
		     STRTAB_BASE_RA | (s->strtab_mem.pa & STRTAB_BASE_ADDR));
	smmu_write32(s, SMMUV3_STRTAB_BASE_CFG, (uint32_t)smmu_strtab_base_cfg(s));

	/* 5-6. Command queue, from empty. */
	smmu_write64(s, SMMUV3_CMDQ_BASE, smmu_cmdq_base_reg(&s->cmdq));
	smmu_write32(s, SMMUV3_CMDQ_PROD, 0);
	smmu_write32(s, SMMUV3_CMDQ_CONS, 0);
	smmu_cmdq_reset_state(&s->cmdq);
	enables = (uint32_t)CR0_CMDQEN;
	ret = write_cr0(s, enables);
	if (ret)
		return ret;
	/* The queue works again (a previous SFM_ERR is behind us). */
	atomic_store_explicit(&s->failed, false, memory_order_release);

	/* 7-9. Forget every cached configuration and translation. */
	c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_CFGI_STE_RANGE };
	c.cfgi.range = SMMUV3_CFGI_RANGE_ALL;
	ret = issue_one(s, &c);
	if (!ret && s->info.hyp) {
		c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_EL2_ALL };
		ret = issue_one(s, &c);
	}
	if (!ret) {
		c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NSNH_ALL };
		ret = issue_one(s, &c);
	}
	if (ret)
		return ret;

	/* 10. Event queue. */
	smmu_write64(s, SMMUV3_EVENTQ_BASE,
		     Q_BASE_WA | (s->evtq_mem.pa & Q_BASE_ADDR) |
			     smmukit_field_prep(Q_BASE_LOG2SIZE, s->evtq_log2));
	smmu_write32(s, SMMUV3_EVENTQ_PROD, 0);
	smmu_write32(s, SMMUV3_EVENTQ_CONS, 0);
	smmukit_plat_lock(s->plat, &s->evtq_lock);
	s->evtq_cons = 0;
	smmukit_plat_unlock(s->plat, &s->evtq_lock);
	enables |= (uint32_t)CR0_EVENTQEN;
	ret = write_cr0(s, enables);
	if (ret)
		return ret;

	/* 11-12. No PRI queue, no ATS checking: this driver uses neither. */

	/* 13. Interrupts: wired (no MSI for GERROR/EVTQ); the embedder calls
	 * the handle_*_irq entry points, or polls them. */
	ret = write_irq_ctrl(s, 0);
	if (!ret)
		ret = write_irq_ctrl(s, (uint32_t)(IRQ_CTRL_GERROR_IRQEN |
						   IRQ_CTRL_EVENTQ_IRQEN));
	if (ret)
		return ret;

	/* 14. Translate. */
	enables |= (uint32_t)CR0_SMMUEN;
	return write_cr0(s, enables);
}

/*
 * Shutdown where GBPA cannot make a disabled SMMU abort: stay enabled with
 * every stream aborting instead. Linear: every STE becomes abort; 2-level:
 * every level-1 descriptor becomes invalid (SPAN 0: the SID is out of any
 * table and its transactions abort). Then forget every cached STE, CD and
 * translation, and turn the queues off (nothing more is written into the
 * memory we free). The stream table itself (the linear table or the
 * level-1 table) stays allocated for as long as the SMMU may read it:
 * forever, as far as we know. false (nothing freed, nothing kept) if the
 * command queue is not usable; the caller then disables the SMMU.
 */
static bool park_aborting(struct smmukit_smmu *s)
{
	uint64_t abort0 = STE0_V | smmukit_field_prep(STE0_CFG, STE0_CFG_ABORT);
	volatile uint64_t *t = s->strtab_mem.cpu;
	uint64_t n, bytes;
	struct smmuv3_cmd c = { .opcode = SMMUV3_OP_CFGI_STE_RANGE };
	int ret;

	if (atomic_load_explicit(&s->failed, memory_order_acquire))
		return false;
	smmukit_plat_lock(s->plat, &s->cfg_lock);
	if (s->two_level) {
		n = UINT64_C(1) << (s->strtab_log2 - s->chunk_log2);
		bytes = n * SMMUV3_L1STD_SIZE;
		for (uint64_t i = 0; i < n; i++)
			smmukit_write_once64(&t[i], 0);
	} else {
		n = UINT64_C(1) << s->strtab_log2;
		bytes = n * SMMUV3_STE_SIZE;
		/* Config=abort in DW0 makes the other words irrelevant. */
		for (uint64_t i = 0; i < n; i++)
			smmukit_write_once64(&t[i * SMMUV3_STE_DWORDS], abort0);
	}
	smmu_sync_dev(s, s->strtab_mem.pa, (size_t)bytes);
	smmukit_plat_unlock(s->plat, &s->cfg_lock);

	c.cfgi.range = SMMUV3_CFGI_RANGE_ALL;
	ret = issue_one(s, &c);
	if (!ret && s->info.hyp) {
		c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_EL2_ALL };
		ret = issue_one(s, &c);
	}
	if (!ret) {
		c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NSNH_ALL };
		ret = issue_one(s, &c);
	}
	if (!ret)
		ret = write_irq_ctrl(s, 0);
	if (!ret)
		ret = write_cr0(s, (uint32_t)CR0_SMMUEN);
	if (ret)
		return false;
	s->strtab_parked = true;
	smmukit_warn(s->plat,
		     "smmu: GBPA not implemented: left enabled with every stream aborting (stream table of %llu bytes kept)",
		     (unsigned long long)bytes);
	return true;
}

void smmukit_smmu_destroy(struct smmukit_smmu *s)
{
	if (!s)
		return;
	if (s->live_domains)
		smmukit_warn(s->plat, "smmu: destroyed with %u live domains",
			     s->live_domains);
	/*
	 * Forget every cached STE, CD and translation before the tables go
	 * back to the platform: a cache entry must never outlive the memory
	 * it came from (a later enable could use it). Then abort (not
	 * bypass) once disabled, and disable. Failures here are already
	 * logged; we free our memory regardless.
	 */
	if (!atomic_load_explicit(&s->failed, memory_order_acquire)) {
		struct smmuv3_cmd c = { .opcode = SMMUV3_OP_CFGI_STE_RANGE };

		c.cfgi.range = SMMUV3_CFGI_RANGE_ALL;
		(void)issue_one(s, &c);
		if (s->info.hyp) {
			c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_EL2_ALL };
			(void)issue_one(s, &c);
		}
		c = (struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_NSNH_ALL };
		(void)issue_one(s, &c);
	}
	/* No GBPA: disabling would open a bypass, so stay on and abort. */
	if (set_gbpa_abort(s) || !park_aborting(s))
		(void)write_cr0(s, 0);
	release(s);
}

int smmukit_smmu_get_info(const struct smmukit_smmu *s,
			  struct smmukit_smmu_info *out)
{
	if (!s || !out)
		return -SMMUKIT_EINVAL;
	*out = s->info;
	return 0;
}

int smmukit_smmu_get_stats(struct smmukit_smmu *s,
			   struct smmukit_smmu_stats *out)
{
	if (!s || !out)
		return -SMMUKIT_EINVAL;
	out->cmds = atomic_load(&s->cmdq.stat_cmds);
	out->syncs = atomic_load(&s->cmdq.stat_syncs);
	out->syncs_coalesced = atomic_load(&s->cmdq.stat_coalesced);
	out->batches = atomic_load(&s->cmdq.stat_batches);
	out->sync_timeouts = atomic_load(&s->cmdq.stat_timeouts);
	out->cerrors = atomic_load(&s->cmdq.stat_cerrors);
	out->events = atomic_load(&s->stat_events);
	out->events_lost = atomic_load(&s->stat_events_lost);
	out->gerrors = atomic_load(&s->stat_gerrors);
	out->tlbi_fallbacks = atomic_load(&s->stat_tlbi_fallbacks);
	out->msi_fallbacks = atomic_load(&s->cmdq.stat_msi_fallbacks);
	out->msgs_suppressed = atomic_load(&s->cmdq.rl_timeout.suppressed) +
			       atomic_load(&s->rl_events.suppressed);
	return 0;
}

struct smmukit_iommu_drv *smmukit_smmu_iommu(struct smmukit_smmu *s)
{
	return s ? &s->iommu : NULL;
}

/* ---- commands ---- */

int smmukit_smmu_issue_cmds(struct smmukit_smmu *s,
			    const struct smmuv3_cmd *cmds, unsigned n, bool sync)
{
	uint64_t dw[CMDQ_BATCH_MAX][2];
	unsigned done = 0;
	int ret;

	if (!s || (n && !cmds))
		return -SMMUKIT_EINVAL;
	/* Encode everything first: a refused command submits nothing. */
	for (unsigned i = 0; i < n; i++) {
		ret = smmuv3_cmd_encode(&cmds[i], dw[0]);
		if (ret)
			return ret;
	}
	do {
		unsigned k = (unsigned)smmukit_min_u64(n - done,
						       s->cmdq.batch_max);
		bool last = done + k == n;

		for (unsigned i = 0; i < k; i++)
			(void)smmuv3_cmd_encode(&cmds[done + i], dw[i]);
		ret = smmu_cmdq_issue(&s->cmdq, (const uint64_t (*)[2])dw, k,
				 last && sync);
		if (ret)
			return ret;
		done += k;
	} while (done < n);
	return 0;
}

int smmukit_smmu_sync(struct smmukit_smmu *s)
{
	if (!s)
		return -SMMUKIT_EINVAL;
	return smmu_cmdq_issue(&s->cmdq, NULL, 0, true);
}

/* ---- event queue (IHI 0070 ch. 7) ---- */

static void report_event(struct smmukit_smmu *s, const uint64_t dw[4])
{
	struct smmuv3_event e;
	struct smmukit_smmu_event ev;

	smmuv3_event_decode(dw, &e);
	ev.id = e.id;
	ev.name = smmuv3_event_name(e.id);
	ev.sid = e.sid;
	ev.ssid = e.ssid;
	ev.ssv = e.ssv;
	ev.rnw = e.rnw;
	ev.s2 = e.s2;
	ev.class_ = e.class_;
	ev.addr = e.input_addr;
	ev.ipa = e.ipa;
	ev.fetch_addr = e.fetch_addr;
	for (unsigned i = 0; i < 4; i++)
		ev.raw[i] = dw[i];
	if (s->cfg.event_handler)
		s->cfg.event_handler(s->cfg.event_arg, &ev);
	else if (smmukit_ratelimit(s->plat, &s->rl_events, "smmu: events"))
		smmukit_warn(s->plat,
			     "smmu: event %s sid 0x%x addr 0x%llx %s class %u%s",
			     ev.name, ev.sid, (unsigned long long)ev.addr,
			     ev.rnw ? "read" : "write", ev.class_,
			     ev.s2 ? " stage 2" : "");
}

/*
 * Records were dropped while the queue was full (PROD.OVFLG differs from
 * CONS.OVACKFLG): count and report it, and return CONS with the flag copied,
 * which acknowledges it once written.
 */
static uint32_t ack_evtq_overflow(struct smmukit_smmu *s, uint32_t prod,
				  uint32_t cons)
{
	if ((prod & EVENTQ_PROD_OVFLG) == (cons & EVENTQ_CONS_OVACKFLG))
		return cons;
	if (smmukit_ratelimit(s->plat, &s->rl_events, "smmu: events"))
		smmukit_warn(s->plat, "smmu: event queue overflow: events lost");
	atomic_fetch_add_explicit(&s->stat_events_lost, 1, memory_order_relaxed);
	return (cons & ~(uint32_t)EVENTQ_CONS_OVACKFLG) |
	       (prod & (uint32_t)EVENTQ_PROD_OVFLG);
}

int smmukit_smmu_handle_evtq_irq(struct smmukit_smmu *s)
{
	const volatile uint64_t *ring;
	uint32_t prod, cons, acked;
	int handled = 0;
	unsigned n;

	if (!s)
		return -SMMUKIT_EINVAL;
	n = s->evtq_log2;
	ring = s->evtq_mem.cpu;
	smmukit_plat_lock(s->plat, &s->evtq_lock);
	cons = s->evtq_cons;
	/*
	 * Bounded: a device faulting without pause must not keep an interrupt
	 * handler here forever. Past two queues' worth, return; the embedder
	 * calls again (the interrupt stays pending while PROD != CONS).
	 */
	for (unsigned pass = 0; pass < 2; pass++) {
		prod = smmu_read32(s, SMMUV3_EVENTQ_PROD);
		/* Records are read only after PROD says they are there. */
		smmukit_rmb();
		if (smmuv3_q_empty(prod, cons, n))
			break;
		while (!smmuv3_q_empty(prod, cons, n)) {
			uint64_t dw[4];
			uint32_t idx = smmuv3_q_idx(cons, n);

			/* A non-coherent SMMU wrote the record past the CPU's caches. */
			if (!s->coherent)
				smmukit_plat_dma_sync_for_cpu(
					s->plat,
					s->evtq_mem.pa + (uint64_t)idx * SMMUV3_EVTQ_ENT_SIZE,
					SMMUV3_EVTQ_ENT_SIZE);
			for (unsigned i = 0; i < 4; i++)
				dw[i] = smmukit_read_once64(
					&ring[(size_t)idx * SMMUV3_EVTQ_ENT_DWORDS + i]);
			report_event(s, dw);
			handled++;
			cons = smmuv3_q_advance(cons, 1, n);
		}
		cons = ack_evtq_overflow(s, prod, cons);
		/* Free the slots before looking again. */
		smmu_write32(s, SMMUV3_EVENTQ_CONS, cons);
	}
	/* An overflow seen with an empty queue still needs its ack. */
	acked = ack_evtq_overflow(s, prod, cons);
	if (acked != cons) {
		cons = acked;
		smmu_write32(s, SMMUV3_EVENTQ_CONS, cons);
	}
	s->evtq_cons = cons;
	smmukit_plat_unlock(s->plat, &s->evtq_lock);
	atomic_fetch_add_explicit(&s->stat_events, (uint64_t)handled,
				  memory_order_relaxed);
	return handled;
}

/* ---- global errors (IHI 0070 ch. 7, GERROR) ---- */

int smmukit_smmu_handle_gerror_irq(struct smmukit_smmu *s)
{
	uint32_t g, gn, active, acked;
	int ret = 0;

	if (!s)
		return -SMMUKIT_EINVAL;
	g = smmu_read32(s, SMMUV3_GERROR);
	gn = smmu_read32(s, SMMUV3_GERRORN);
	active = (g ^ gn) & (uint32_t)GERROR_VALID_MASK;
	if (!active)
		return 0;
	atomic_fetch_add_explicit(&s->stat_gerrors, 1, memory_order_relaxed);
	if (active & GERROR_SFM_ERR) {
		/* Service failure mode: nothing works until a reset. */
		smmukit_err(s->plat, "smmu: GERROR SFM_ERR: disabling; reset required");
		atomic_store_explicit(&s->failed, true, memory_order_release);
		(void)update_gbpa(s, (uint32_t)GBPA_ABORT, 0);
		(void)write_cr0(s, 0);
		ret = -SMMUKIT_EIO;
	}
	if (active & (GERROR_MSI_CMDQ_ABT_ERR | GERROR_MSI_EVENTQ_ABT_ERR |
		      GERROR_MSI_PRIQ_ABT_ERR | GERROR_MSI_GERROR_ABT_ERR))
		smmukit_warn(s->plat, "smmu: GERROR: MSI write aborted (0x%x)",
			     active);
	if (active & GERROR_EVENTQ_ABT_ERR)
		smmukit_err(s->plat, "smmu: GERROR EVENTQ_ABT_ERR: event queue write aborted");
	if (active & GERROR_PRIQ_ABT_ERR)
		smmukit_err(s->plat, "smmu: GERROR PRIQ_ABT_ERR");
	acked = active;
	if (active & GERROR_CMDQ_ERR) {
		/* Recovered and acknowledged by the queue, under its lock. */
		(void)smmu_cmdq_handle_cerror(&s->cmdq);
		acked &= ~(uint32_t)GERROR_CMDQ_ERR;
	}
	if (acked) {
		smmukit_plat_lock(s->plat, &s->gerror_lock);
		gn = smmu_read32(s, SMMUV3_GERRORN);
		smmu_write32(s, SMMUV3_GERRORN, (gn & ~acked) | (g & acked));
		smmukit_plat_unlock(s->plat, &s->gerror_lock);
	}
	if (ret)
		return ret;
	return (int)active;
}

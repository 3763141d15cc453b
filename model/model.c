/* SPDX-License-Identifier: MIT */
/*
 * SMMUv3 model: life cycle, the register file (MMIO), platform hooks,
 * statistics, logs and trace points.
 *
 * The register file is deliberately stricter than hardware: a write the
 * architecture forbids in the current state (a queue base while that queue
 * is enabled, CR1 while anything is enabled, GBPA without UPDATE, a read-only
 * register, a reserved CR0 bit, a wrong access width) is refused, counted in
 * stats.refused_writes, logged, and traced, so host tests catch what silicon
 * would turn into silent misbehaviour.
 *
 * Locking: see model_internal.h. Every entry point reads the platform clock
 * first and then takes m->lock for the rest of the call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

/* ---- logs and trace ---- */

void *ring_push(struct ring_log *l)
{
	unsigned char *rec;

	if (!l->cap)
		return NULL;
	rec = (unsigned char *)l->recs + (l->next_seq % l->cap) * l->rec_size;
	memset(rec, 0, l->rec_size);
	/* Every record type starts with its uint64_t seq. */
	memcpy(rec, &l->next_seq, sizeof(uint64_t));
	l->next_seq++;
	return rec;
}

static size_t ring_read(struct ring_log *l, uint64_t *cursor, void *out,
			size_t max, uint64_t *lost)
{
	uint64_t first = l->next_seq > l->cap ? l->next_seq - l->cap : 0;
	uint64_t seq = *cursor;
	size_t n = 0;

	if (lost)
		*lost = 0;
	if (seq < first) {
		if (lost)
			*lost = first - seq;
		seq = first;
	}
	while (n < max && seq < l->next_seq) {
		memcpy((unsigned char *)out + n * l->rec_size,
		       (unsigned char *)l->recs + (seq % l->cap) * l->rec_size,
		       l->rec_size);
		n++;
		seq++;
	}
	*cursor = seq;
	return n;
}

static int ring_init(struct ring_log *l, size_t cap, size_t rec_size)
{
	l->cap = cap;
	l->rec_size = rec_size;
	l->next_seq = 0;
	l->recs = NULL;
	if (!cap)
		return 0;
	l->recs = calloc(cap, rec_size);
	return l->recs ? 0 : -SMMUKIT_ENOMEM;
}

static const char *trace_kind_name(enum smmukit_model_trace_kind k)
{
	switch (k) {
	case SMMUKIT_MODEL_TRACE_CMD: return "cmd";
	case SMMUKIT_MODEL_TRACE_SYNC: return "sync";
	case SMMUKIT_MODEL_TRACE_EVENT: return "event";
	case SMMUKIT_MODEL_TRACE_CERROR: return "cerror";
	case SMMUKIT_MODEL_TRACE_STALE: return "stale";
	case SMMUKIT_MODEL_TRACE_REFUSED: return "refused";
	case SMMUKIT_MODEL_TRACE_VIOLATION: return "violation";
	case SMMUKIT_MODEL_TRACE_GERROR: return "gerror";
	default: return "?";
	}
}

void model_trace(struct smmukit_model *m, struct smmukit_model_trace_rec *r)
{
	if (!(m->trace_mask & r->kind))
		return;
	if (m->trace_fn) {
		m->trace_fn(m->trace_arg, r);
		return;
	}
	smmukit_dbg(m->plat,
		    "smmu-model trace %s t=%llu code=%#x sid=%#x addr=%#llx%s%s",
		    trace_kind_name(r->kind), (unsigned long long)r->time_ns,
		    r->code, r->sid, (unsigned long long)r->addr,
		    r->why ? " " : "", r->why ? r->why : "");
}

void model_refuse(struct smmukit_model *m, uint64_t off, const char *why)
{
	struct smmukit_model_trace_rec t = {
		.kind = SMMUKIT_MODEL_TRACE_REFUSED, .addr = off, .why = why,
	};

	m->stats.refused_writes++;
	smmukit_warn(m->plat, "smmu-model: access at %#llx refused: %s",
		     (unsigned long long)off, why);
	model_trace(m, &t);
}

/*
 * Signal the event-queue or GERROR interrupt if enabled: an MSI (the SMMU
 * has MSIs and *_IRQ_CFG0 holds an address) or the wired line otherwise,
 * which only the counters observe (drivers on the model poll).
 */
void model_irq(struct smmukit_model *m, bool evtq, uint64_t now)
{
	uint32_t en = evtq ? IRQ_CTRL_EVENTQ_IRQEN : IRQ_CTRL_GERROR_IRQEN;
	uint64_t addr = (evtq ? m->evtq_irq_cfg0 : m->gerror_irq_cfg0) &
			IRQ_CFG0_ADDR;
	uint32_t data = evtq ? m->evtq_irq_cfg1 : m->gerror_irq_cfg1;

	if (!(m->irq_ctrl & en))
		return;
	if (evtq)
		m->stats.evtq_irqs++;
	else
		m->stats.gerror_irqs++;
	if (!m->cfg.msi || !addr)
		return;
	smmukit_wmb();
	if (model_write32(m, addr, data))
		m->stats.irq_msi_writes++;
	else
		model_gerror_toggle(m, evtq ? GERROR_MSI_EVENTQ_ABT_ERR :
					      GERROR_MSI_GERROR_ABT_ERR, now);
}

/* Raise a global error: toggle its GERROR bit unless already active. */
void model_gerror_toggle(struct smmukit_model *m, uint32_t bit, uint64_t now)
{
	struct smmukit_model_trace_rec t = {
		.kind = SMMUKIT_MODEL_TRACE_GERROR, .time_ns = now, .code = bit,
	};

	if ((m->gerror ^ m->gerrorn) & bit)
		return;
	m->gerror ^= bit;
	m->stats.gerrors++;
	model_trace(m, &t);
	/* An aborted GERROR MSI must not raise another one. */
	if (bit != GERROR_MSI_GERROR_ABT_ERR)
		model_irq(m, false, now);
}

/* ---- time ---- */

void model_update_next_due(struct smmukit_model *m)
{
	uint64_t next = UINT64_MAX;

	if (m->pend_count && !m->cfg.cmdq_stall)
		next = m->pend[m->pend_head].done_ns;
	atomic_store_explicit(&m->next_due_atomic, next, memory_order_relaxed);
}

void model_run_locked(struct smmukit_model *m, uint64_t now)
{
	model_cmdq_retire(m, now);
	model_cmdq_fetch(m, now);
	model_cmdq_retire(m, now);
	model_update_next_due(m);
}

static uint64_t now_ns(struct smmukit_model *m)
{
	return smmukit_plat_clock_ns(m->plat);
}

void smmukit_model_run(struct smmukit_model *m)
{
	uint64_t now;

	if (!m)
		return;
	now = now_ns(m);
	pthread_mutex_lock(&m->lock);
	model_run_locked(m, now);
	pthread_mutex_unlock(&m->lock);
}

uint64_t smmukit_model_next_due_ns(struct smmukit_model *m)
{
	if (!m)
		return UINT64_MAX;
	return atomic_load_explicit(&m->next_due_atomic, memory_order_relaxed);
}

/* ---- platform hooks ---- */

static void hook_run_due(void *arg, uint64_t now)
{
	struct smmukit_model *m = arg;

	pthread_mutex_lock(&m->lock);
	model_run_locked(m, now);
	pthread_mutex_unlock(&m->lock);
}

static uint64_t hook_next_due(void *arg)
{
	return smmukit_model_next_due_ns(arg);
}

static int check_free_locked(struct smmukit_model *m, uint64_t pa,
			     uint64_t len)
{
	int n = model_wc_check_free(m, pa, len) +
		model_cfg_check_free(m, pa, len);

	if (n) {
		struct smmukit_model_trace_rec t = {
			.kind = SMMUKIT_MODEL_TRACE_VIOLATION, .addr = pa,
			.code = (unsigned)n,
			.why = "page freed while a cached walk or configuration still references it",
		};

		m->stats.free_violations++;
		smmukit_warn(m->plat,
			     "smmu-model: freeing [%#llx, +%#llx) still referenced by %d cache entr%s",
			     (unsigned long long)pa, (unsigned long long)len, n,
			     n == 1 ? "y" : "ies");
		model_trace(m, &t);
	}
	return n;
}

static void hook_on_free(void *arg, smmukit_phys_t pa, uint64_t len)
{
	struct smmukit_model *m = arg;

	/*
	 * checking never changes after create: no lock needed. The shadow
	 * of a non-coherent device's view is kept: freeing a page does not
	 * clean it, so memory still holds what the device last saw until
	 * the page's next owner cleans it (a recycled table page whose
	 * zeroing was never synced is caught, as hardware would misbehave).
	 */
	if (!m->cfg.checking)
		return;
	pthread_mutex_lock(&m->lock);
	check_free_locked(m, pa, len);
	pthread_mutex_unlock(&m->lock);
}

static void hook_on_sync(void *arg, smmukit_phys_t pa, uint64_t len)
{
	struct smmukit_model *m = arg;

	if (m->cfg.coherent)
		return;
	pthread_mutex_lock(&m->lock);
	model_shadow_sync(m, pa, len);
	pthread_mutex_unlock(&m->lock);
}

int smmukit_model_check_free(struct smmukit_model *m, uint64_t pa,
			     uint64_t len)
{
	int n;

	if (!m || !len)
		return -SMMUKIT_EINVAL;
	pthread_mutex_lock(&m->lock);
	n = check_free_locked(m, pa, len);
	pthread_mutex_unlock(&m->lock);
	return n;
}

/* ---- registers ---- */

static unsigned oas_enc(unsigned bits)
{
	for (unsigned i = 0; i <= IDR5_OAS_52; i++)
		if (smmuv3_oas_bits(i) == bits)
			return i;
	return IDR5_OAS_48;
}

static void build_idrs(struct smmukit_model *m)
{
	const struct smmukit_model_config *c = &m->cfg;
	uint64_t v;

	v = (c->s2 ? IDR0_S2P : 0) | (c->s1 ? IDR0_S1P : 0) |
	    smmukit_field_prep(IDR0_TTF, IDR0_TTF_AARCH64) |
	    (c->coherent ? IDR0_COHACC : 0) | (c->hyp ? IDR0_HYP : 0) |
	    (c->asid16 ? IDR0_ASID16 : 0) | (c->msi ? IDR0_MSI : 0) |
	    (c->sev ? IDR0_SEV : 0) | (c->vmid16 ? IDR0_VMID16 : 0) |
	    smmukit_field_prep(IDR0_TTENDIAN, IDR0_TTENDIAN_LE) |
	    smmukit_field_prep(IDR0_STALL_MODEL, IDR0_STALL_MODEL_NONE) |
	    IDR0_TERM_MODEL |
	    smmukit_field_prep(IDR0_ST_LEVEL, c->strtab_2lvl ?
				      IDR0_ST_LEVEL_2LVL : IDR0_ST_LEVEL_LINEAR);
	m->idr[0] = (uint32_t)v;
	m->idr[1] = (uint32_t)(smmukit_field_prep(IDR1_SIDSIZE, c->sidsize) |
			       smmukit_field_prep(IDR1_SSIDSIZE, c->ssidsize) |
			       smmukit_field_prep(IDR1_EVENTQS, c->evtq_log2) |
			       smmukit_field_prep(IDR1_CMDQS, c->cmdq_log2));
	m->idr[2] = 0;
	m->idr[3] = (uint32_t)(IDR3_HAD | (c->ril ? IDR3_RIL : 0));
	m->idr[4] = 0;
	m->idr[5] = (uint32_t)(smmukit_field_prep(IDR5_OAS, oas_enc(c->oas)) |
			       ((c->gran & SMMUKIT_MODEL_GRAN_4K) ? IDR5_GRAN4K : 0) |
			       ((c->gran & SMMUKIT_MODEL_GRAN_16K) ? IDR5_GRAN16K : 0) |
			       ((c->gran & SMMUKIT_MODEL_GRAN_64K) ? IDR5_GRAN64K : 0));
	/* "smmukit" model: no JEP106 implementer, product 0x5AA. */
	m->iidr = (uint32_t)smmukit_field_prep(IIDR_PRODUCTID, 0x5AA);
	m->aidr = (uint32_t)smmukit_field_prep(AIDR_ARCH_MINOR, c->ril ? 2 : 1);
}

static bool is_reg64(uint64_t off)
{
	switch (off) {
	case SMMUV3_GERROR_IRQ_CFG0:
	case SMMUV3_STRTAB_BASE:
	case SMMUV3_CMDQ_BASE:
	case SMMUV3_EVENTQ_BASE:
	case SMMUV3_EVENTQ_IRQ_CFG0:
	case SMMUV3_PRIQ_BASE:
	case SMMUV3_PRIQ_IRQ_CFG0:
		return true;
	default:
		return false;
	}
}

static uint64_t *reg64_ptr(struct smmukit_model *m, uint64_t off)
{
	switch (off) {
	case SMMUV3_GERROR_IRQ_CFG0: return &m->gerror_irq_cfg0;
	case SMMUV3_STRTAB_BASE: return &m->strtab_base;
	case SMMUV3_CMDQ_BASE: return &m->cmdq_base;
	case SMMUV3_EVENTQ_BASE: return &m->evtq_base;
	case SMMUV3_EVENTQ_IRQ_CFG0: return &m->evtq_irq_cfg0;
	default: return NULL;
	}
}

/* Value of a 32-bit register; *ok false if there is none at off. */
static uint32_t read_reg32(struct smmukit_model *m, uint64_t off, bool *ok)
{
	*ok = true;
	switch (off) {
	case SMMUV3_IDR0: return m->idr[0];
	case SMMUV3_IDR1: return m->idr[1];
	case SMMUV3_IDR2: return m->idr[2];
	case SMMUV3_IDR3: return m->idr[3];
	case SMMUV3_IDR4: return m->idr[4];
	case SMMUV3_IDR5: return m->idr[5];
	case SMMUV3_IIDR: return m->iidr;
	case SMMUV3_AIDR: return m->aidr;
	case SMMUV3_CR0: return m->cr0;
	case SMMUV3_CR0ACK: return m->cr0;	/* changes take effect at once */
	case SMMUV3_CR1: return m->cr1;
	case SMMUV3_CR2: return m->cr2;
	case SMMUV3_STATUSR: return 0;
	case SMMUV3_GBPA: return m->gbpa;
	case SMMUV3_AGBPA: return 0;
	case SMMUV3_IRQ_CTRL: return m->irq_ctrl;
	case SMMUV3_IRQ_CTRLACK: return m->irq_ctrl;
	case SMMUV3_GERROR: return m->gerror;
	case SMMUV3_GERRORN: return m->gerrorn;
	case SMMUV3_GERROR_IRQ_CFG1: return m->gerror_irq_cfg1;
	case SMMUV3_GERROR_IRQ_CFG2: return m->gerror_irq_cfg2;
	case SMMUV3_STRTAB_BASE_CFG: return m->strtab_base_cfg;
	case SMMUV3_CMDQ_PROD: return m->cmdq_prod;
	case SMMUV3_CMDQ_CONS: return m->cmdq_cons;
	case SMMUV3_EVENTQ_PROD: return m->evtq_prod;
	case SMMUV3_EVENTQ_CONS: return m->evtq_cons;
	case SMMUV3_EVENTQ_IRQ_CFG1: return m->evtq_irq_cfg1;
	case SMMUV3_EVENTQ_IRQ_CFG2: return m->evtq_irq_cfg2;
	/* No PRI: its registers read as zero. */
	case SMMUV3_PRIQ_PROD:
	case SMMUV3_PRIQ_CONS:
	case SMMUV3_PRIQ_IRQ_CFG1:
	case SMMUV3_PRIQ_IRQ_CFG2:
		return 0;
	default:
		break;
	}
	if (off + 4 <= SMMUV3_MMIO_SIZE && is_reg64(off & ~UINT64_C(7))) {
		uint64_t *p = reg64_ptr(m, off & ~UINT64_C(7));

		return p ? (uint32_t)(*p >> ((off & 4) * 8)) : 0;
	}
	*ok = false;
	return 0;
}

static unsigned cmdq_log2_of(const struct smmukit_model *m)
{
	unsigned l = (unsigned)smmukit_field_get(Q_BASE_LOG2SIZE, m->cmdq_base);

	return l > m->cfg.cmdq_log2 ? m->cfg.cmdq_log2 : l;
}

static unsigned evtq_log2_of(const struct smmukit_model *m)
{
	unsigned l = (unsigned)smmukit_field_get(Q_BASE_LOG2SIZE, m->evtq_base);

	return l > m->cfg.evtq_log2 ? m->cfg.evtq_log2 : l;
}

/*
 * Hardware ignores the low bits of a base below its table's alignment, so a
 * misaligned base "works" on some emulators and reads the wrong memory on
 * silicon. Say so when the structure is enabled.
 */
static void check_base(struct smmukit_model *m, uint64_t off, uint64_t base,
		       uint64_t bytes)
{
	struct smmukit_model_trace_rec t = {
		.kind = SMMUKIT_MODEL_TRACE_VIOLATION, .addr = off, .pa = base,
		.why = "base not aligned to its size: low bits ignored",
	};

	if (bytes < 32)
		bytes = 32;
	if (!(base & (bytes - 1)))
		return;
	m->stats.misaligned_bases++;
	smmukit_warn(m->plat,
		     "smmu-model: base %#llx at %#llx not aligned to %#llx: low bits ignored",
		     (unsigned long long)base, (unsigned long long)off,
		     (unsigned long long)bytes);
	model_trace(m, &t);
}

static void check_bases(struct smmukit_model *m, uint32_t old, uint32_t val)
{
	if ((val & CR0_CMDQEN) && !(old & CR0_CMDQEN))
		check_base(m, SMMUV3_CMDQ_BASE, m->cmdq_base & Q_BASE_ADDR,
			   (uint64_t)SMMUV3_CMDQ_ENT_SIZE << cmdq_log2_of(m));
	if ((val & CR0_EVENTQEN) && !(old & CR0_EVENTQEN))
		check_base(m, SMMUV3_EVENTQ_BASE, m->evtq_base & Q_BASE_ADDR,
			   (uint64_t)SMMUV3_EVTQ_ENT_SIZE << evtq_log2_of(m));
	if ((val & CR0_SMMUEN) && !(old & CR0_SMMUEN)) {
		unsigned l2 = (unsigned)smmukit_field_get(STRTAB_BASE_CFG_LOG2SIZE,
							  m->strtab_base_cfg);
		unsigned split = (unsigned)smmukit_field_get(STRTAB_BASE_CFG_SPLIT,
							     m->strtab_base_cfg);
		bool two = smmukit_field_get(STRTAB_BASE_CFG_FMT,
					     m->strtab_base_cfg) ==
			   STRTAB_BASE_CFG_FMT_2LVL;

		if (l2 > m->cfg.sidsize)
			l2 = m->cfg.sidsize;
		if (two && split > l2)
			split = l2;
		check_base(m, SMMUV3_STRTAB_BASE, m->strtab_base & STRTAB_BASE_ADDR,
			   two ? UINT64_C(8) << (l2 - split) :
				 UINT64_C(64) << l2);
	}
}

static void write_cr0(struct smmukit_model *m, uint32_t val, uint64_t now)
{
	uint32_t legal = (uint32_t)(CR0_SMMUEN | CR0_EVENTQEN | CR0_CMDQEN);
	uint32_t old = m->cr0;

	if (val & ~legal) {
		model_refuse(m, SMMUV3_CR0,
			     "CR0: reserved bit or unimplemented feature (PRIQEN/ATSCHK/VMW)");
		return;
	}
	check_bases(m, old, val);
	m->cr0 = val;
	if ((val & CR0_CMDQEN) && !(old & CR0_CMDQEN)) {
		model_cmdq_reset(m);
		model_cmdq_fetch(m, now);
	} else if (!(val & CR0_CMDQEN) && (old & CR0_CMDQEN)) {
		/* Fetched but unconsumed commands are simply not consumed. */
		m->pend_count = 0;
		m->pend_head = 0;
		m->cmdq_blocked = false;
	}
}

static void write_gerrorn(struct smmukit_model *m, uint32_t val, uint64_t now)
{
	bool was_err = (m->gerror ^ m->gerrorn) & GERROR_CMDQ_ERR;
	uint32_t active = m->gerror ^ m->gerrorn;

	/*
	 * Software acknowledges an active error by toggling its GERRORN bit;
	 * toggling an inactive one would make the next real error of that
	 * kind look acknowledged (GERROR would toggle back to GERRORN).
	 */
	if ((val ^ m->gerrorn) & ~active & (uint32_t)GERROR_VALID_MASK) {
		model_refuse(m, SMMUV3_GERRORN,
			     "GERRORN toggles a bit whose error is not active");
		return;
	}
	m->gerrorn = val & (uint32_t)GERROR_VALID_MASK;
	if (was_err && !((m->gerror ^ m->gerrorn) & GERROR_CMDQ_ERR) &&
	    m->cmdq_blocked) {
		/* Acknowledged: resume at CONS, re-reading the slot. */
		m->cmdq_cons &= ~(uint32_t)CMDQ_CONS_ERR;
		model_cmdq_reset(m);
		model_cmdq_fetch(m, now);
	}
}

static void write_reg(struct smmukit_model *m, uint64_t off, uint64_t val,
		      unsigned width, uint64_t now)
{
	bool cmdq_on = m->cr0 & CR0_CMDQEN, evtq_on = m->cr0 & CR0_EVENTQEN;
	uint64_t reg64 = off & ~UINT64_C(7);
	uint32_t v = (uint32_t)val;

	if (is_reg64(reg64)) {
		uint64_t *p = reg64_ptr(m, reg64);
		uint64_t nv;

		if (width == 8 && off != reg64)
			goto bad_width;
		switch (reg64) {
		case SMMUV3_STRTAB_BASE:
			if (m->cr0 & CR0_SMMUEN)
				goto busy;
			break;
		case SMMUV3_CMDQ_BASE:
			if (cmdq_on)
				goto busy;
			break;
		case SMMUV3_EVENTQ_BASE:
			if (evtq_on)
				goto busy;
			break;
		case SMMUV3_GERROR_IRQ_CFG0:
			if (m->irq_ctrl & IRQ_CTRL_GERROR_IRQEN)
				goto busy;
			break;
		case SMMUV3_EVENTQ_IRQ_CFG0:
			if (m->irq_ctrl & IRQ_CTRL_EVENTQ_IRQEN)
				goto busy;
			break;
		default:
			model_refuse(m, off, "PRIQ register without IDR0.PRI");
			return;
		}
		if (width == 8) {
			nv = val;
		} else {
			unsigned sh = (unsigned)(off & 4) * 8;

			nv = (*p & ~(UINT64_C(0xffffffff) << sh)) |
			     ((uint64_t)v << sh);
		}
		*p = nv;
		return;
	}
	if (width != 4)
		goto bad_width;
	switch (off) {
	case SMMUV3_CR0:
		write_cr0(m, v, now);
		return;
	case SMMUV3_CR1:
	case SMMUV3_CR2:
		if (m->cr0 & (CR0_SMMUEN | CR0_CMDQEN | CR0_EVENTQEN))
			goto busy;
		if (off == SMMUV3_CR1)
			m->cr1 = v & (uint32_t)SMMUKIT_GENMASK(11, 0);
		else
			m->cr2 = v & (uint32_t)(CR2_E2H | CR2_RECINVSID |
						CR2_PTM);
		return;
	case SMMUV3_GBPA:
		if (m->cfg.no_gbpa)
			return;	/* not implemented: writes are ignored */
		if (!(v & GBPA_UPDATE)) {
			model_refuse(m, off, "GBPA written without UPDATE");
			return;
		}
		/* The update completes at once: UPDATE reads back as 0. */
		m->gbpa = v & (uint32_t)(GBPA_MEMATTR | GBPA_MTCFG |
					 GBPA_ALLOCCFG | GBPA_SHCFG |
					 GBPA_PRIVCFG | GBPA_INSTCFG |
					 GBPA_ABORT);
		return;
	case SMMUV3_IRQ_CTRL:
		m->irq_ctrl = v & (uint32_t)(IRQ_CTRL_GERROR_IRQEN |
					     IRQ_CTRL_EVENTQ_IRQEN);
		return;
	case SMMUV3_GERRORN:
		write_gerrorn(m, v, now);
		return;
	case SMMUV3_GERROR_IRQ_CFG1:
	case SMMUV3_GERROR_IRQ_CFG2:
		if (m->irq_ctrl & IRQ_CTRL_GERROR_IRQEN)
			goto busy;
		if (off == SMMUV3_GERROR_IRQ_CFG1)
			m->gerror_irq_cfg1 = v;
		else
			m->gerror_irq_cfg2 = v & 0x3f;
		return;
	case SMMUV3_EVENTQ_IRQ_CFG1:
	case SMMUV3_EVENTQ_IRQ_CFG2:
		if (m->irq_ctrl & IRQ_CTRL_EVENTQ_IRQEN)
			goto busy;
		if (off == SMMUV3_EVENTQ_IRQ_CFG1)
			m->evtq_irq_cfg1 = v;
		else
			m->evtq_irq_cfg2 = v & 0x3f;
		return;
	case SMMUV3_STRTAB_BASE_CFG:
		if (m->cr0 & CR0_SMMUEN)
			goto busy;
		m->strtab_base_cfg = v & (uint32_t)(STRTAB_BASE_CFG_LOG2SIZE |
						    STRTAB_BASE_CFG_SPLIT |
						    STRTAB_BASE_CFG_FMT);
		return;
	case SMMUV3_CMDQ_PROD: {
		unsigned l2 = cmdq_log2_of(m);
		uint32_t prod = smmuv3_q_ptr(v, l2);

		/*
		 * Ring arithmetic: PROD may be at most 2^n
		 * entries ahead of CONS, and may not move back over commands
		 * already fetched; otherwise the model would fetch slots
		 * software never produced. Checked while the queue runs;
		 * while CMDQEN = 0 software sets PROD and CONS up freely.
		 */
		if (cmdq_on) {
			uint32_t used = smmuv3_q_used(prod, m->cmdq_cons, l2);

			if (used > (UINT32_C(1) << l2)) {
				model_refuse(m, off, "CMDQ_PROD behind CONS or "
						     "more than 2^n entries "
						     "ahead of it");
				return;
			}
			if (used < smmuv3_q_used(m->cmdq_fetch, m->cmdq_cons,
						 l2)) {
				model_refuse(m, off, "CMDQ_PROD moved back over "
						     "fetched commands");
				return;
			}
		}
		m->cmdq_prod = prod;
		model_cmdq_fetch(m, now);
		return;
	}
	case SMMUV3_CMDQ_CONS:
		if (cmdq_on)
			goto busy;
		m->cmdq_cons = smmuv3_q_ptr(v, cmdq_log2_of(m));
		return;
	case SMMUV3_EVENTQ_PROD:
		if (evtq_on)
			goto busy;
		m->evtq_prod = v & (smmuv3_q_ptr(~0u, evtq_log2_of(m)) |
				    (uint32_t)EVENTQ_PROD_OVFLG);
		return;
	case SMMUV3_EVENTQ_CONS:
		m->evtq_cons = v & (smmuv3_q_ptr(~0u, evtq_log2_of(m)) |
				    (uint32_t)EVENTQ_CONS_OVACKFLG);
		return;
	case SMMUV3_PRIQ_PROD:
	case SMMUV3_PRIQ_CONS:
	case SMMUV3_PRIQ_IRQ_CFG1:
	case SMMUV3_PRIQ_IRQ_CFG2:
		model_refuse(m, off, "PRIQ register without IDR0.PRI");
		return;
	default: {
		bool ok;

		read_reg32(m, off, &ok);
		model_refuse(m, off, ok ? "read-only register" :
					  "no register at this offset");
		return;
	}
	}
busy:
	model_refuse(m, off, "register not writable in the current state "
			     "(its enable is set)");
	return;
bad_width:
	model_refuse(m, off, "access width does not match the register");
}

static uint32_t mmio_read32(void *ctx, uint64_t off)
{
	struct smmukit_model *m = ctx;
	uint64_t now = now_ns(m);
	uint32_t v;
	bool ok;

	pthread_mutex_lock(&m->lock);
	model_run_locked(m, now);
	v = read_reg32(m, off, &ok);
	if (!ok)
		model_refuse(m, off, "read of no register");
	pthread_mutex_unlock(&m->lock);
	return v;
}

static uint64_t mmio_read64(void *ctx, uint64_t off)
{
	struct smmukit_model *m = ctx;
	uint64_t now = now_ns(m), v = 0;

	pthread_mutex_lock(&m->lock);
	model_run_locked(m, now);
	if (is_reg64(off)) {
		uint64_t *p = reg64_ptr(m, off);

		v = p ? *p : 0;
	} else {
		model_refuse(m, off, "64-bit read of a 32-bit register");
	}
	pthread_mutex_unlock(&m->lock);
	return v;
}

static void mmio_write(struct smmukit_model *m, uint64_t off, uint64_t val,
		       unsigned width)
{
	uint64_t now = now_ns(m);

	pthread_mutex_lock(&m->lock);
	model_run_locked(m, now);
	if (off >= SMMUV3_MMIO_SIZE || (off & (width - 1)))
		model_refuse(m, off, "outside the register file or misaligned");
	else
		write_reg(m, off, val, width, now);
	model_run_locked(m, now);
	pthread_mutex_unlock(&m->lock);
}

static void mmio_write32(void *ctx, uint64_t off, uint32_t val)
{
	mmio_write(ctx, off, val, 4);
}

static void mmio_write64(void *ctx, uint64_t off, uint64_t val)
{
	mmio_write(ctx, off, val, 8);
}

static const struct smmukit_mmio_ops model_mmio_ops = {
	.read32 = mmio_read32,
	.read64 = mmio_read64,
	.write32 = mmio_write32,
	.write64 = mmio_write64,
};

struct smmukit_mmio smmukit_model_mmio(struct smmukit_model *m)
{
	/* No model: no ops, which smmukit_smmu_probe refuses (-EINVAL). */
	struct smmukit_mmio mmio = { .ops = m ? &model_mmio_ops : NULL,
				     .ctx = m };

	return mmio;
}

/* ---- life cycle ---- */

static int check_config(const struct smmukit_model_config *c)
{
	if (!c->s1 && !c->s2)
		return -SMMUKIT_EINVAL;
	if (c->sidsize < 1 || c->sidsize > 32 || c->ssidsize > 20)
		return -SMMUKIT_EINVAL;
	if (c->cmdq_log2 < 1 || c->cmdq_log2 > SMMUV3_Q_MAX_LOG2SIZE ||
	    c->evtq_log2 < 1 || c->evtq_log2 > SMMUV3_Q_MAX_LOG2SIZE)
		return -SMMUKIT_EINVAL;
	if (oas_enc(c->oas) == IDR5_OAS_48 && c->oas != 48)
		return -SMMUKIT_EINVAL;
	if (!c->gran || (c->gran & ~7u))
		return -SMMUKIT_EINVAL;
	/* The bound smmukit_model_config_parse applies to cmdlog= etc. */
	if (c->cmdlog_entries > (1u << 24) || c->invlog_entries > (1u << 24) ||
	    c->stalelog_entries > (1u << 24))
		return -SMMUKIT_EINVAL;
	return 0;
}

int smmukit_model_create(struct smmukit_platform *plat,
			 const struct smmukit_model_config *cfg,
			 const struct smmukit_model_profile *prof,
			 struct smmukit_model **out)
{
	struct smmukit_posix_hooks hooks;
	struct smmukit_model *m;
	int ret;

	if (!plat || !out)
		return -SMMUKIT_EINVAL;
	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -SMMUKIT_ENOMEM;
	if (cfg)
		m->cfg = *cfg;
	else
		smmukit_model_config_default(&m->cfg);
	if (prof)
		m->prof = *prof;
	else
		smmukit_model_profile_zero(&m->prof);
	ret = check_config(&m->cfg);
	if (ret)
		goto fail_free;
	if (!m->prof.iotlb_entries || !m->prof.cfgcache_entries ||
	    m->prof.iotlb_entries > (1u << 20) ||
	    m->prof.walkcache_entries > (1u << 20) ||
	    m->prof.cfgcache_entries > (1u << 20)) {
		ret = -SMMUKIT_EINVAL;
		goto fail_free;
	}
	{
		char err[160];

		ret = smmukit_model_profile_check(&m->prof, err, sizeof(err));
		if (ret) {
			smmukit_warn(plat, "smmu-model: profile %s: %s",
				     m->prof.name, err);
			goto fail_free;
		}
	}
	m->plat = plat;
	pthread_mutex_init(&m->lock, NULL);
	ret = model_caches_alloc(m);
	if (!ret)
		ret = ring_init(&m->cmdlog, m->cfg.cmdlog_entries,
				sizeof(struct smmukit_model_cmd_rec));
	if (!ret)
		ret = ring_init(&m->invlog, m->cfg.invlog_entries,
				sizeof(struct smmukit_model_inval_rec));
	if (!ret)
		ret = ring_init(&m->stalelog, m->cfg.stalelog_entries,
				sizeof(struct smmukit_model_stale_rec));
	if (ret)
		goto fail;
	build_idrs(m);
	/* Reset state: everything off; incoming traffic aborts (bypasses
	 * without a GBPA register, whose reset value then reads 0). */
	m->gbpa = m->cfg.no_gbpa ? 0 : (uint32_t)GBPA_ABORT;
	atomic_store(&m->next_due_atomic, UINT64_MAX);

	hooks.run_due = hook_run_due;
	hooks.next_due_ns = hook_next_due;
	hooks.on_free = hook_on_free;
	hooks.on_sync = hook_on_sync;
	hooks.arg = m;
	smmukit_posix_set_hooks(plat, &hooks);
	*out = m;
	return 0;
fail:
	model_caches_free(m);
	free(m->cmdlog.recs);
	free(m->invlog.recs);
	free(m->stalelog.recs);
	pthread_mutex_destroy(&m->lock);
fail_free:
	free(m);
	return ret;
}

void smmukit_model_destroy(struct smmukit_model *m)
{
	if (!m)
		return;
	smmukit_posix_clear_hooks(m->plat);
	model_caches_free(m);
	model_shadow_free(m);
	free(m->pend);
	free(m->pinv);
	free(m->cmdlog.recs);
	free(m->invlog.recs);
	free(m->stalelog.recs);
	free(m->inflight);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

int smmukit_model_reset(struct smmukit_model *m)
{
	uint64_t now;
	size_t n;

	if (!m)
		return -SMMUKIT_EINVAL;
	now = now_ns(m);
	pthread_mutex_lock(&m->lock);
	m->cr0 = m->cr1 = m->cr2 = m->irq_ctrl = 0;
	m->gerror = m->gerrorn = 0;
	m->gerror_irq_cfg0 = m->evtq_irq_cfg0 = 0;
	m->gerror_irq_cfg1 = m->gerror_irq_cfg2 = 0;
	m->evtq_irq_cfg1 = m->evtq_irq_cfg2 = 0;
	m->strtab_base = 0;
	m->strtab_base_cfg = 0;
	m->cmdq_base = 0;
	m->cmdq_prod = m->cmdq_cons = m->cmdq_fetch = 0;
	m->evtq_base = 0;
	m->evtq_prod = m->evtq_cons = 0;
	m->gbpa = m->cfg.no_gbpa ? 0 : (uint32_t)GBPA_ABORT;
	m->pend_count = m->pend_head = 0;
	m->pinv_count = 0;
	m->cmdq_blocked = false;
	m->busy_until_ns = now;
	n = (size_t)m->tlb_sets * m->tlb_ways;
	memset(m->tlb, 0, n * sizeof(*m->tlb));
	m->tlb_sizes = 0;
	if (m->wc)
		memset(m->wc, 0, (size_t)3 * m->wc_sets * m->wc_ways *
					 sizeof(*m->wc));
	n = (size_t)m->cc_sets * m->cc_ways;
	memset(m->stec, 0, n * sizeof(*m->stec));
	memset(m->cdc, 0, n * sizeof(*m->cdc));
	model_update_next_due(m);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

/* ---- observability ---- */

int smmukit_model_get_stats(struct smmukit_model *m,
			    struct smmukit_model_stats *out)
{
	if (!m || !out)
		return -SMMUKIT_EINVAL;
	pthread_mutex_lock(&m->lock);
	model_caches_count(m);
	m->stats.busy_until_ns = m->busy_until_ns;
	*out = m->stats;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

#define DEFINE_LOG_READER(fn, field, type)                                   \
	size_t fn(struct smmukit_model *m, uint64_t *cursor, type *out,      \
		  size_t max, uint64_t *lost)                                \
	{                                                                    \
		size_t n;                                                    \
		if (lost)                                                    \
			*lost = 0;                                           \
		if (!m || !cursor || (!out && max))                          \
			return 0;                                            \
		pthread_mutex_lock(&m->lock);                                \
		n = m->field.cap ? ring_read(&m->field, cursor, out, max,    \
					     lost) : 0;                      \
		pthread_mutex_unlock(&m->lock);                              \
		return n;                                                    \
	}

DEFINE_LOG_READER(smmukit_model_read_cmdlog, cmdlog,
		  struct smmukit_model_cmd_rec)
DEFINE_LOG_READER(smmukit_model_read_invlog, invlog,
		  struct smmukit_model_inval_rec)
DEFINE_LOG_READER(smmukit_model_read_stalelog, stalelog,
		  struct smmukit_model_stale_rec)

int smmukit_model_inject(struct smmukit_model *m, enum smmukit_model_fault f,
			 bool on)
{
	uint64_t now;

	if (!m)
		return -SMMUKIT_EINVAL;
	now = now_ns(m);
	pthread_mutex_lock(&m->lock);
	switch (f) {
	case SMMUKIT_MODEL_FAULT_CMDQ_STALL:
		/*
		 * Fetched commands already have their completion times; a
		 * stalled engine completes none of them until released.
		 */
		m->cfg.cmdq_stall = on;
		if (!on) {
			model_cmdq_reset(m);
			m->busy_until_ns = now;
		}
		break;
	case SMMUKIT_MODEL_FAULT_NO_MSI:
		m->no_msi = on;
		break;
	case SMMUKIT_MODEL_FAULT_TLBI_LATE:
		/* TLBIs already fetched keep the completion they were given. */
		m->tlbi_late = on;
		break;
	default:
		pthread_mutex_unlock(&m->lock);
		return -SMMUKIT_EINVAL;
	}
	model_run_locked(m, now);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

void smmukit_model_set_trace(struct smmukit_model *m, unsigned mask,
			     smmukit_model_trace_fn fn, void *arg)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->trace_mask = mask;
	m->trace_fn = fn;
	m->trace_arg = arg;
	pthread_mutex_unlock(&m->lock);
}

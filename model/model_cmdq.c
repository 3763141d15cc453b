/* SPDX-License-Identifier: MIT */
/*
 * The command engine and the event queue.
 *
 * Timing: commands are fetched as soon as CMDQ_PROD moves. Each
 * gets a completion time max(now, busy_until) + cost, which serialises every
 * submitter the way one command queue does. A command is consumed (CONS
 * moves past it) when its completion time has come; invalidations consumed
 * so far are parked and applied only when the next CMD_SYNC completes — the
 * latest point the architecture allows — so a driver that forgets the sync
 * keeps seeing stale translations. Commands are decoded at fetch time, and
 * the decoded copy is what executes: software may not rewrite a slot before
 * CONS has passed it, and a fetched slot is never read again.
 *
 * Errors: a command that does not decode (CERROR_ILL), or whose slot cannot
 * be read (CERROR_ABT), stops the queue when it is reached: CONS points at
 * it, CONS.ERR holds the code, GERROR.CMDQ_ERR toggles, and nothing more is
 * consumed until software acknowledges through GERRORN.
 *
 * All of this runs under the model lock.
 */
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

static unsigned cmdq_log2(const struct smmukit_model *m)
{
	unsigned l = (unsigned)smmukit_field_get(Q_BASE_LOG2SIZE, m->cmdq_base);

	return l > m->cfg.cmdq_log2 ? m->cfg.cmdq_log2 : l;
}

static unsigned evtq_log2(const struct smmukit_model *m)
{
	unsigned l = (unsigned)smmukit_field_get(Q_BASE_LOG2SIZE, m->evtq_base);

	return l > m->cfg.evtq_log2 ? m->cfg.evtq_log2 : l;
}

/* Queue memory: the base with its low bits treated as zero, as hardware. */
static uint64_t q_base(uint64_t reg, unsigned log2, unsigned ent_size)
{
	uint64_t bytes = (uint64_t)ent_size << log2;

	if (bytes < 32)
		bytes = 32;
	return reg & Q_BASE_ADDR & ~(bytes - 1);
}

static uint64_t cmd_cost(const struct smmukit_model *m,
			 const struct smmuv3_cmd *c)
{
	const struct smmukit_model_profile *p = &m->prof;

	switch (c->opcode) {
	case SMMUV3_OP_CFGI_STE:
	case SMMUV3_OP_CFGI_STE_RANGE:
	case SMMUV3_OP_CFGI_CD:
	case SMMUV3_OP_CFGI_CD_ALL:
		return p->cmd_cfgi_ns;
	case SMMUV3_OP_TLBI_NH_VA:
	case SMMUV3_OP_TLBI_NH_VAA:
	case SMMUV3_OP_TLBI_EL2_VA:
	case SMMUV3_OP_TLBI_EL2_VAA:
	case SMMUV3_OP_TLBI_S2_IPA:
		return c->tlbi.tg ? p->cmd_tlbi_range_ns : p->cmd_tlbi_va_ns;
	case SMMUV3_OP_TLBI_NH_ASID:
	case SMMUV3_OP_TLBI_EL2_ASID:
	case SMMUV3_OP_TLBI_S12_VMALL:
		return p->cmd_tlbi_asid_ns;
	case SMMUV3_OP_TLBI_NH_ALL:
	case SMMUV3_OP_TLBI_NSNH_ALL:
	case SMMUV3_OP_TLBI_EL2_ALL:
		return p->cmd_tlbi_all_ns;
	case SMMUV3_OP_CMD_SYNC:
		return p->cmd_sync_ns;
	default:
		return p->cmd_other_ns;
	}
}

static bool is_tlbi(unsigned op)
{
	return op >= SMMUV3_OP_TLBI_NH_ALL && op <= SMMUV3_OP_TLBI_NSNH_ALL;
}

static bool is_cfgi(unsigned op)
{
	return op >= SMMUV3_OP_CFGI_STE && op <= SMMUV3_OP_CFGI_CD_ALL;
}

/*
 * What this SMMU refuses beyond the layout decoder: features it does not
 * implement. Returns a reason, or NULL if the command is fine.
 */
static const char *cmd_check(const struct smmukit_model *m,
			     const struct smmuv3_cmd *c)
{
	switch (c->opcode) {
	case SMMUV3_OP_TLBI_EL2_ALL:
	case SMMUV3_OP_TLBI_EL2_ASID:
	case SMMUV3_OP_TLBI_EL2_VA:
	case SMMUV3_OP_TLBI_EL2_VAA:
		if (!m->cfg.hyp)
			return "TLBI_EL2_* without IDR0.HYP";
		break;
	case SMMUV3_OP_TLBI_EL3_ALL:
	case SMMUV3_OP_TLBI_EL3_VA:
		return "TLBI_EL3_* on the non-secure queue";
	case SMMUV3_OP_PRI_RESP:
		return "PRI_RESP without IDR0.PRI";
	case SMMUV3_OP_RESUME:
	case SMMUV3_OP_STALL_TERM:
		return "RESUME/STALL_TERM without stall support";
	default:
		break;
	}
	if ((c->opcode == SMMUV3_OP_TLBI_NH_VA ||
	     c->opcode == SMMUV3_OP_TLBI_NH_VAA ||
	     c->opcode == SMMUV3_OP_TLBI_EL2_VA ||
	     c->opcode == SMMUV3_OP_TLBI_EL2_VAA ||
	     c->opcode == SMMUV3_OP_TLBI_S2_IPA)) {
		if (c->tlbi.tg && !m->cfg.ril)
			return "range TLBI (TG != 0) without IDR3.RIL";
		if (!c->tlbi.tg && (c->tlbi.num || c->tlbi.scale))
			return "NUM/SCALE set in a non-range TLBI";
		if (c->tlbi.tg && !c->tlbi.num && !c->tlbi.scale &&
		    !c->tlbi.ttl)
			return "range TLBI with NUM = SCALE = TTL = 0";
		if (c->tlbi.tg) {
			uint64_t start, end;

			/*
			 * Hardware would invalidate something unspecified;
			 * the encoder refuses this, and so does the model.
			 */
			if (smmuv3_range_tlbi_span(c, &start, &end) ==
			    -SMMUKIT_ERANGE)
				return "range TLBI Addr not aligned to the "
				       "block of its TTL level";
		}
	}
	return NULL;
}

static int pend_grow(struct smmukit_model *m)
{
	size_t ncap = m->pend_cap ? m->pend_cap * 2 : 64;
	struct pending_cmd *n = calloc(ncap, sizeof(*n));

	if (!n)
		return -SMMUKIT_ENOMEM;
	for (size_t i = 0; i < m->pend_count; i++)
		n[i] = m->pend[(m->pend_head + i) % m->pend_cap];
	free(m->pend);
	m->pend = n;
	m->pend_cap = ncap;
	m->pend_head = 0;
	return 0;
}

static struct pending_cmd *pend_push(struct smmukit_model *m)
{
	struct pending_cmd *p;

	if (m->pend_count == m->pend_cap && pend_grow(m))
		return NULL;
	p = &m->pend[(m->pend_head + m->pend_count) % m->pend_cap];
	m->pend_count++;
	memset(p, 0, sizeof(*p));
	return p;
}

void model_cmdq_reset(struct smmukit_model *m)
{
	m->pend_head = 0;
	m->pend_count = 0;
	m->cmdq_blocked = false;
	m->cmdq_fetch = smmuv3_q_ptr(m->cmdq_cons, cmdq_log2(m));
}

/* Step 1: fetch and decode everything between the fetch point and PROD. */
void model_cmdq_fetch(struct smmukit_model *m, uint64_t now)
{
	unsigned log2 = cmdq_log2(m);
	uint64_t base = q_base(m->cmdq_base, log2, SMMUV3_CMDQ_ENT_SIZE);
	uint32_t prod = smmuv3_q_ptr(m->cmdq_prod, log2);

	if (!(m->cr0 & CR0_CMDQEN) || m->cmdq_blocked || m->cfg.cmdq_stall)
		return;
	while (smmuv3_q_ptr(m->cmdq_fetch, log2) != prod) {
		uint32_t slot = smmuv3_q_ptr(m->cmdq_fetch, log2);
		uint64_t addr = base + (uint64_t)smmuv3_q_idx(slot, log2) *
					       SMMUV3_CMDQ_ENT_SIZE;
		uint64_t start = now > m->busy_until_ns ? now : m->busy_until_ns;
		struct pending_cmd *p = pend_push(m);

		if (!p)
			return;	/* retried on the next call */
		p->slot = slot;
		if (!model_read64(m, addr, &p->dw[0]) ||
		    !model_read64(m, addr + 8, &p->dw[1])) {
			p->cerror = SMMUV3_CERROR_ABT;
			p->why = "command fetch outside memory";
		} else {
			p->cerror = smmuv3_cmd_decode(p->dw, &p->cmd);
			if (p->cerror)
				p->why = "illegal command (decoder)";
			else if ((p->why = cmd_check(m, &p->cmd)) != NULL)
				p->cerror = SMMUV3_CERROR_ILL;
		}
		if (p->cerror) {
			/* Reached after everything before it has completed. */
			p->done_ns = start;
			m->cmdq_blocked = true;
			return;
		}
		p->done_ns = start + cmd_cost(m, &p->cmd);
		m->busy_until_ns = p->done_ns;
		if (m->tlbi_late && is_tlbi(p->cmd.opcode) &&
		    p->done_ns + SMMUKIT_MODEL_TLBI_LATE_NS > m->tlbi_late_until_ns)
			m->tlbi_late_until_ns = p->done_ns + SMMUKIT_MODEL_TLBI_LATE_NS;
		/*
		 * A sync completes only once every invalidation before it has
		 * (a late TLBI, above). CONS cannot pass it earlier, and the
		 * parked invalidations take effect when it completes.
		 */
		if (p->cmd.opcode == SMMUV3_OP_CMD_SYNC &&
		    m->tlbi_late_until_ns > p->done_ns)
			p->done_ns = m->tlbi_late_until_ns;
		m->cmdq_fetch = smmuv3_q_advance(slot, 1, log2);
	}
}

static void apply_pending_invals(struct smmukit_model *m, uint64_t when)
{
	for (size_t i = 0; i < m->pinv_count; i++) {
		const struct pending_inval *pi = &m->pinv[i];

		if (is_cfgi(pi->cmd.opcode))
			model_cfgi(m, &pi->cmd);
		else
			model_tlbi(m, &pi->cmd, pi->cmd_ns, when);
	}
	m->pinv_count = 0;
}

static void park_inval(struct smmukit_model *m, const struct pending_cmd *p)
{
	if (m->pinv_count == m->pinv_cap) {
		size_t ncap = m->pinv_cap ? m->pinv_cap * 2 : 64;
		struct pending_inval *n = realloc(m->pinv, ncap * sizeof(*n));

		if (!n) {
			/*
			 * No memory to defer: applying now is still within
			 * what the architecture allows, just less strict.
			 */
			if (is_cfgi(p->cmd.opcode))
				model_cfgi(m, &p->cmd);
			else
				model_tlbi(m, &p->cmd, p->done_ns, p->done_ns);
			return;
		}
		m->pinv = n;
		m->pinv_cap = ncap;
	}
	m->pinv[m->pinv_count].cmd = p->cmd;
	m->pinv[m->pinv_count].cmd_ns = p->done_ns;
	m->pinv_count++;
}

static void sync_complete(struct smmukit_model *m, const struct pending_cmd *p)
{
	const struct smmuv3_cmd *c = &p->cmd;
	struct smmukit_model_trace_rec t = {
		.kind = SMMUKIT_MODEL_TRACE_SYNC, .time_ns = p->done_ns,
		.code = c->sync.cs, .addr = c->sync.msiaddr,
	};

	apply_pending_invals(m, p->done_ns);
	m->stats.syncs++;
	if (c->sync.cs == CMD0_CS_IRQ && m->cfg.msi && !m->no_msi) {
		/* The MSI write is ordered after everything the sync covers. */
		smmukit_wmb();
		if (model_write32(m, c->sync.msiaddr, c->sync.msidata))
			m->stats.msi_writes++;
		else
			model_gerror_toggle(m, GERROR_MSI_CMDQ_ABT_ERR,
					    p->done_ns);
	} else if (c->sync.cs == CMD0_CS_SEV && m->cfg.sev) {
		m->stats.sevs++;
	}
	model_trace(m, &t);
}

/* Step 2: consume every fetched command whose completion time has come. */
void model_cmdq_retire(struct smmukit_model *m, uint64_t now)
{
	unsigned log2 = cmdq_log2(m);

	while (m->pend_count && !m->cfg.cmdq_stall) {
		struct pending_cmd *p = &m->pend[m->pend_head];
		struct smmukit_model_cmd_rec *rec;
		struct smmukit_model_trace_rec t = { 0 };

		if (p->done_ns > now)
			break;
		t.time_ns = p->done_ns;
		t.dw[0] = p->dw[0];
		t.dw[1] = p->dw[1];
		t.code = (unsigned)smmukit_field_get(CMD0_OP, p->dw[0]);
		if (p->cerror) {
			m->cmdq_cons = smmuv3_q_ptr(p->slot, log2) |
				       (uint32_t)smmukit_field_prep(CMDQ_CONS_ERR,
								    (unsigned)p->cerror);
			m->stats.cerrors++;
			t.kind = SMMUKIT_MODEL_TRACE_CERROR;
			t.code = (unsigned)p->cerror;
			t.addr = p->slot;
			t.why = p->why;
			smmukit_warn(m->plat,
				     "smmu-model: %s at CMDQ slot %#x (%#llx %#llx): %s",
				     smmuv3_cerror_name((unsigned)p->cerror),
				     p->slot, (unsigned long long)p->dw[0],
				     (unsigned long long)p->dw[1], p->why);
			model_trace(m, &t);
			model_gerror_toggle(m, GERROR_CMDQ_ERR, p->done_ns);
			m->pend_count = 0;
			m->pend_head = 0;
			break;
		}
		rec = ring_push(&m->cmdlog);
		if (rec) {
			rec->time_ns = p->done_ns;
			rec->dw[0] = p->dw[0];
			rec->dw[1] = p->dw[1];
			rec->slot = p->slot;
			rec->cmd = p->cmd;
		}
		m->stats.cmds++;
		m->stats.cmds_by_op[p->cmd.opcode & (SMMUKIT_MODEL_NR_OPCODES - 1)]++;
		t.kind = SMMUKIT_MODEL_TRACE_CMD;
		model_trace(m, &t);
		if (is_tlbi(p->cmd.opcode) || is_cfgi(p->cmd.opcode))
			park_inval(m, p);
		else if (p->cmd.opcode == SMMUV3_OP_CMD_SYNC)
			sync_complete(m, p);
		m->cmdq_cons = smmuv3_q_advance(smmuv3_q_ptr(p->slot, log2), 1,
						log2);
		m->pend_head = (m->pend_head + 1) % m->pend_cap;
		m->pend_count--;
	}
}

/* Write an event record, or account for why it could not be written. */
void model_evtq_record(struct smmukit_model *m, const struct smmuv3_event *e,
		       uint64_t now)
{
	struct smmukit_model_trace_rec t = {
		.kind = SMMUKIT_MODEL_TRACE_EVENT, .time_ns = now,
		.code = e->id, .sid = e->sid, .ssid = e->ssv ? e->ssid : 0,
		.addr = e->input_addr, .rnw = e->rnw,
	};
	unsigned log2 = evtq_log2(m);
	uint64_t base = q_base(m->evtq_base, log2, SMMUV3_EVTQ_ENT_SIZE);
	uint64_t dw[4];

	if (smmuv3_event_encode(e, dw))
		memset(dw, 0, sizeof(dw));
	memcpy(t.dw, dw, sizeof(dw));
	if (!(m->cr0 & CR0_EVENTQEN)) {
		m->stats.events_dropped++;
	} else if (smmuv3_q_full(m->evtq_prod, m->evtq_cons, log2)) {
		/* Overflow: drop the record; flag it once per episode. */
		if (!(m->evtq_prod & EVENTQ_PROD_OVFLG) ==
		    !(m->evtq_cons & EVENTQ_CONS_OVACKFLG))
			m->evtq_prod ^= EVENTQ_PROD_OVFLG;
		m->stats.events_lost++;
	} else {
		uint64_t addr = base + (uint64_t)smmuv3_q_idx(m->evtq_prod, log2) *
					       SMMUV3_EVTQ_ENT_SIZE;
		bool ok = true;

		for (unsigned i = 0; i < 4 && ok; i++)
			ok = model_write64(m, addr + 8 * i, dw[i]);
		if (ok) {
			/* Record before PROD: the driver reads PROD first. */
			smmukit_wmb();
			m->evtq_prod = smmuv3_q_advance(m->evtq_prod, 1, log2);
			m->stats.events++;
			t.recorded = true;
			model_irq(m, true, now);
		} else {
			m->stats.events_lost++;
			model_gerror_toggle(m, GERROR_EVENTQ_ABT_ERR, now);
		}
	}
	model_trace(m, &t);
}

/* SPDX-License-Identifier: MIT */
/*
 * Private state of the SMMUv3 model, shared by the model/ sources.
 *
 * Locking: one mutex (struct smmukit_model.lock) protects everything below
 * except `next_due_atomic`, which relax() reads without the lock so that the
 * platform can ask for the next event from any context. Platform calls that
 * may take platform locks (clock_ns) are made before taking the model lock.
 */
#ifndef SMMUKIT_MODEL_INTERNAL_H
#define SMMUKIT_MODEL_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "smmukit/model.h"
#include "smmukit/platform_posix.h"
#include "smmukit/smmuv3_hw.h"
#include "smmukit/lpae_hw.h"

/* Translation regimes that tag cache entries. */
enum regime { REGIME_NH = 0, REGIME_EL2 = 1 };

/* What a cached translation came from. */
enum xkind { XK_S1 = 1, XK_S2 = 2, XK_NESTED = 3 };

/* Decoded STE, as cached. */
struct ste_info {
	unsigned config;	/* STE0_CFG_* */
	uint64_t s1ctxptr;	/* CD (table) address: PA, or IPA if nested */
	unsigned s1cdmax;
	unsigned s1dss;
	unsigned strw;
	/* stage 2 */
	uint32_t vmid;
	unsigned s2_ias;	/* 64 - S2T0SZ */
	unsigned s2_pgshift;
	unsigned s2_start_level;
	unsigned s2_top_bits;	/* index bits of the (concatenated) top table */
	unsigned s2_oas;	/* effective output size */
	bool s2_affd;
	bool s2r;
	uint64_t s2ttb;
};

/* Decoded CD, as cached. */
struct cd_info {
	uint32_t asid;
	bool r, a, affd, had0, had1;
	unsigned oas;		/* effective: min(IPS, IDR5.OAS) */
	/* TTB0 / TTB1 ranges */
	bool epd0, epd1;
	unsigned ias0, ias1;	/* 64 - TxSZ */
	unsigned pgshift0, pgshift1;
	unsigned start0, start1;
	unsigned top0, top1;
	uint64_t ttb0, ttb1;
};

/* Everything a translation needs about one (sid, ssid). */
struct xcfg {
	uint32_t sid;
	uint32_t ssid;
	bool bypass;		/* whole stream bypasses */
	bool s1, s2;
	enum regime regime;
	uint32_t asid, vmid;
	const struct ste_info *ste;
	const struct cd_info *cd;
	struct ste_info ste_copy;
	struct cd_info cd_copy;
	unsigned cfg_cost_reads;
	bool cfg_cached;	/* STE or CD came from the configuration cache */
};

/* Result of a translation, or the fault that stopped it. */
struct xres {
	unsigned event;		/* 0 = ok */
	bool record;		/* event record wanted (R/S2R, always for C_ and F_*FETCH) */
	bool s2;		/* fault at stage 2 */
	unsigned class_;	/* EVT1_CLASS_* */
	uint64_t ipa;		/* stage-2 faults: the IPA */
	uint64_t fetch_addr;	/* fetch faults */
	uint64_t pa;		/* output address of iova */
	unsigned size_log2;	/* size of the translation (page or block) */
	unsigned level;		/* level of the (stage-1, else stage-2) leaf */
	bool r, w;
	bool s2r, s2w;		/* what stage 2 alone allows (nested/S2) */
	bool global;		/* stage-1 leaf with nG = 0 */
	unsigned reads;		/* descriptors read */
	bool used_walkcache;
};

struct tlb_entry {
	uint64_t va;		/* base, aligned to 2^size_log2 */
	uint64_t pa;
	uint64_t fill_ns;
	uint32_t asid, vmid;
	uint8_t size_log2;
	uint8_t level;
	uint8_t kind;		/* enum xkind, 0 = invalid */
	uint8_t regime;
	bool global;
	bool r, w;
	bool s2r, s2w;		/* stage 2's own permissions */
};

struct walk_entry {
	uint64_t va;		/* base of the region the next table maps */
	uint64_t next;		/* next-level table: PA, or IPA (nested S1) */
	uint64_t next_pa;	/* its PA, for the free check */
	uint32_t asid, vmid;
	uint8_t level;		/* level of the table descriptor */
	uint8_t stage;		/* 1 or 2, 0 = invalid */
	uint8_t regime;
	uint8_t pgshift;
	bool ap_rdonly, ap_noel0;	/* hierarchical APTable so far */
};

/*
 * Table descriptors one translation can pass: a nested walk reads at most
 * 4 stage-1 descriptors, each behind a stage-2 walk of up to 3 tables,
 * then the final stage-2 walk. Fills beyond this are simply not cached.
 */
#define MODEL_WC_PEND_MAX 32

struct ste_centry {
	bool valid;
	uint32_t sid;
	uint64_t ste_pa;
	uint64_t l1_pa;		/* 2-level: the L1 descriptor, else ~0 */
	struct ste_info info;
};

struct cd_centry {
	bool valid;
	uint32_t sid;
	uint32_t ssid;
	uint64_t cd_pa;
	struct cd_info info;
};

/* A command fetched from the queue, waiting for its completion time. */
struct pending_cmd {
	uint64_t done_ns;
	uint64_t dw[2];
	uint32_t slot;		/* (wrap, index) */
	int cerror;		/* SMMUV3_CERROR_* raised when reached */
	const char *why;
	struct smmuv3_cmd cmd;
};

/* An invalidation consumed but waiting for the next CMD_SYNC. */
struct pending_inval {
	struct smmuv3_cmd cmd;
	uint64_t cmd_ns;
};

struct ring_log {
	void *recs;
	size_t rec_size;
	size_t cap;
	uint64_t next_seq;
};

struct shadow_map {		/* coherent=0: the device's view of memory */
	uint64_t *keys;		/* 8-byte aligned PA + 1; 0 = empty; ~0 = tombstone */
	uint64_t *vals;
	size_t cap;
	size_t used;
};

/*
 * The tag a cached translation carries (what TLBI matching and IOTLB lookup
 * compare): regime, VMID, stage kind, and the ASID when stage 1 translates.
 */
struct xctx {
	uint32_t asid;		/* 0 unless stage 1 */
	uint32_t vmid;
	uint8_t kind;		/* enum xkind */
	uint8_t regime;
};

/*
 * One unmap call in flight, as software reported it (smmukit_model_unmap_
 * begin/end): accesses to [iova, last] in ctx are not stale until it ends.
 * count: identical ranges begun and not yet ended (nesting, threads).
 */
struct inflight {
	struct xctx ctx;
	uint32_t sid;		/* as named at begin, for the matching end */
	uint32_t count;
	uint64_t iova, last;
};

/* Distinct in-flight ranges kept; more begins get -SMMUKIT_ENOSPC. */
#define MODEL_INFLIGHT_MAX 4096u

/*
 * lock protects every field below except: plat, cfg and prof, fixed at create
 * (apart from cfg.cmdq_stall, written under lock by smmukit_model_inject;
 * cfg.checking and cfg.coherent are read without the lock by the platform's
 * free and sync hooks, which is why they never change); and next_due_atomic,
 * written under lock and read lock-free by relax() only to choose how far to
 * jump (run_due re-checks under the lock).
 */
struct smmukit_model {
	pthread_mutex_t lock;
	struct smmukit_platform *plat;
	struct smmukit_model_config cfg;
	struct smmukit_model_profile prof;
	_Atomic uint64_t next_due_atomic;

	/* registers */
	uint32_t idr[6], iidr, aidr;
	uint32_t cr0, cr1, cr2, gbpa, irq_ctrl;
	uint32_t gerror, gerrorn;
	uint64_t gerror_irq_cfg0, evtq_irq_cfg0;
	uint32_t gerror_irq_cfg1, gerror_irq_cfg2, evtq_irq_cfg1, evtq_irq_cfg2;
	uint64_t strtab_base;
	uint32_t strtab_base_cfg;
	uint64_t cmdq_base;
	uint32_t cmdq_prod, cmdq_cons;
	uint64_t evtq_base;
	uint32_t evtq_prod, evtq_cons;

	/* command engine */
	uint32_t cmdq_fetch;	/* next slot to fetch: (wrap, index) */
	bool cmdq_blocked;	/* fetched an erroneous command */
	uint64_t busy_until_ns;
	struct pending_cmd *pend;
	size_t pend_cap, pend_head, pend_count;
	struct pending_inval *pinv;
	size_t pinv_cap, pinv_count;

	/* caches */
	struct tlb_entry *tlb;
	unsigned tlb_sets, tlb_ways;
	uint32_t *tlb_victim;
	unsigned tlb_sizes_mask_lo;	/* bit (size_log2 - 12) for sizes cached */
	uint64_t tlb_sizes;		/* bit size_log2 set: some entry of that size */
	struct walk_entry *wc;		/* [level][set][way] */
	unsigned wc_sets, wc_ways;
	uint32_t *wc_victim;
	struct ste_centry *stec;
	struct cd_centry *cdc;
	unsigned cc_sets, cc_ways;
	uint32_t *stec_victim, *cdc_victim;

	/* observability */
	struct smmukit_model_stats stats;
	struct ring_log cmdlog, invlog, stalelog;
	unsigned trace_mask;
	smmukit_model_trace_fn trace_fn;
	void *trace_arg;

	bool no_msi;		/* fault injection: skip CMD_SYNC MSI writes */
	/*
	 * Fault injection: TLBIs complete SMMUKIT_MODEL_TLBI_LATE_NS after
	 * they are consumed; tlbi_late_until_ns is the latest such completion
	 * fetched so far, which no later CMD_SYNC may complete before.
	 */
	bool tlbi_late;
	uint64_t tlbi_late_until_ns;
	struct shadow_map shadow;
	bool in_check;		/* fresh walk in progress: no caches, no stats */
	/*
	 * Set (with in_check) for the walk that asks only where the tables
	 * point: permissions and the access flag are not enforced.
	 */
	bool check_any_perm;
	/* In-flight unmaps (checking mode), inflight_n used of inflight_cap. */
	struct inflight *inflight;
	unsigned inflight_n, inflight_cap;
	/*
	 * Walk-cache fills of the translation in progress, inserted only if
	 * it succeeds (walks that fault are never cached). Model lock.
	 */
	struct walk_entry wc_pend[MODEL_WC_PEND_MAX];
	unsigned wc_pend_n;
};

/* model.c */
/*
 * IAS, the largest input address: the OAS from IDR5 (AArch64 tables only,
 * so no 40-bit AArch32 floor). Inputs beyond it fault at stage 1 even when
 * stage 1 is bypassed (F_ADDR_SIZE, S2 = 0).
 */
static inline unsigned model_ias_bits(const struct smmukit_model *m)
{
	return smmuv3_oas_bits((unsigned)smmukit_field_get(IDR5_OAS,
							   m->idr[5]));
}

void model_trace(struct smmukit_model *m, struct smmukit_model_trace_rec *r);
void model_refuse(struct smmukit_model *m, uint64_t off, const char *why);
void model_gerror_toggle(struct smmukit_model *m, uint32_t bit, uint64_t now);
void model_irq(struct smmukit_model *m, bool evtq, uint64_t now);
void model_run_locked(struct smmukit_model *m, uint64_t now);
void model_update_next_due(struct smmukit_model *m);
void *ring_push(struct ring_log *l);

/* model_mem.c: device-side access to simulated memory. */
bool model_read64(struct smmukit_model *m, uint64_t pa, uint64_t *val);
bool model_read_desc64(struct smmukit_model *m, uint64_t pa, uint64_t *val);
bool model_write64(struct smmukit_model *m, uint64_t pa, uint64_t val);
bool model_write32(struct smmukit_model *m, uint64_t pa, uint32_t val);
bool model_copy(struct smmukit_model *m, uint64_t pa, void *buf, uint64_t len,
		bool to_mem);
void model_shadow_sync(struct smmukit_model *m, uint64_t pa, uint64_t len);
void model_shadow_free(struct smmukit_model *m);

/* model_cmdq.c */
void model_cmdq_fetch(struct smmukit_model *m, uint64_t now);
void model_cmdq_retire(struct smmukit_model *m, uint64_t now);
void model_cmdq_reset(struct smmukit_model *m);
void model_evtq_record(struct smmukit_model *m, const struct smmuv3_event *e,
		       uint64_t now);

/* model_cfg.c: stream table, STE, CD, config cache. */
unsigned model_get_config(struct smmukit_model *m, uint32_t sid, uint32_t ssid,
			  bool fresh, struct xcfg *xc, struct xres *fault);
void model_cfgi(struct smmukit_model *m, const struct smmuv3_cmd *c);
int model_cfg_check_free(struct smmukit_model *m, uint64_t pa, uint64_t len);

/* model_walk.c: walker, IOTLB, walk cache. */
void model_translate_walk(struct smmukit_model *m, const struct xcfg *xc,
			  uint64_t iova, bool is_write, bool use_wc,
			  struct xres *r, uint64_t now);
struct tlb_entry *model_tlb_lookup(struct smmukit_model *m,
				   const struct xcfg *xc, uint64_t iova);
void model_tlb_insert(struct smmukit_model *m, const struct xcfg *xc,
		      uint64_t iova, const struct xres *r, uint64_t now);
void model_tlb_drop(struct smmukit_model *m, struct tlb_entry *e,
		    uint64_t now);
void model_tlbi(struct smmukit_model *m, const struct smmuv3_cmd *c,
		uint64_t cmd_ns, uint64_t now);
int model_wc_check_free(struct smmukit_model *m, uint64_t pa, uint64_t len);
int model_caches_alloc(struct smmukit_model *m);
void model_caches_free(struct smmukit_model *m);
void model_caches_count(struct smmukit_model *m);

#endif /* SMMUKIT_MODEL_INTERNAL_H */

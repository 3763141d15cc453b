/* SPDX-License-Identifier: MIT */
/*
 * The SMMUv3 hardware model (libsmmukit-model).
 *
 * A register-level SMMUv3 that a driver programs exactly as it would program
 * silicon: MMIO registers on page 0 and page 1, a command queue and an event
 * queue in (simulated) memory, linear and 2-level stream tables, context
 * descriptors, a stage-1/stage-2/nested page-table walker, and caches that
 * really go stale: a configuration cache (STE, CD), an IOTLB and a walk cache,
 * each usable until an architecturally matching command invalidates it.
 *
 * Time: the model is passive. It runs inside calls
 * made to it — MMIO accesses, DMA-master calls and the platform relax() hook —
 * and there performs whatever has become due on the platform clock. Commands
 * are fetched when CMDQ_PROD is written; each has a cost from the profile and
 * a busy-until time serialises them; an invalidation takes effect only when
 * the next CMD_SYNC after it completes.
 *
 * The model is hosted-only: it needs the POSIX platform's simulated physical
 * memory (smmukit_posix_phys_range) and installs its hooks on that platform.
 *
 * Threads: every entry point may be called from any thread. One model lock
 * serialises them all; trace callbacks run under it and must not call back
 * into the model.
 *
 * Error codes: -EINVAL (NULL pointer, bad config or profile key/value,
 * unknown fault), -ENOENT (unknown profile name or key, a profile file
 * that cannot be opened), -EIO (a profile that cannot be read, e.g. a
 * directory), -ENOMEM, -EBUSY, -ENOSPC, -ERANGE (addresses outside the
 * simulated RAM). smmukit_model_dma/translate return 0 or the fault's
 * event ID, not an error code, for a DMA the SMMU refuses.
 */
#ifndef SMMUKIT_MODEL_H
#define SMMUKIT_MODEL_H

#include "smmukit/base.h"
#include "smmukit/options.h"
#include "smmukit/platform.h"
#include "smmukit/smmuv3_hw.h"

#ifdef __cplusplus
extern "C" {
#endif

struct smmukit_model;

/* ------------------------------------------------------------------------
 * Features: what the modelled SMMU implements. They build the ID registers.
 * Parsed from "KEY=VAL,KEY=VAL" strings (tests, profiles, the tool):
 *
 *   stages=s1|s2|s1s2   strtab=linear|2lvl   ril msi sev coherent hyp
 *   asid16 vmid16 (booleans: bare key = 1, or =0/1/on/off/true/false)
 *   sidsize=N (1..32)  ssidsize=N (0..20)  cmdq_log2=N  evtq_log2=N (1..19)
 *   oas=32|36|40|42|44|48|52   gran=4k+16k+64k (any non-empty subset)
 *   checking   cmdq_stall (fault: never consume commands)
 *   no_gbpa (GBPA not implemented, as QEMU before 8.0: reads 0, writes
 *            ignored, and a disabled SMMU lets every stream bypass)
 *   cmdlog=N invlog=N stalelog=N (log ring sizes, 0 = off)
 * ------------------------------------------------------------------------ */
#define SMMUKIT_MODEL_GRAN_4K 0x1u
#define SMMUKIT_MODEL_GRAN_16K 0x2u
#define SMMUKIT_MODEL_GRAN_64K 0x4u

struct smmukit_model_config {
	bool s1;		/* IDR0.S1P */
	bool s2;		/* IDR0.S2P; nested when both */
	bool strtab_2lvl;	/* IDR0.ST_LEVEL = 2-level supported */
	bool ril;		/* IDR3.RIL: range TLBI */
	bool msi;		/* IDR0.MSI: CMD_SYNC CS=IRQ writes MSIData */
	bool sev;		/* IDR0.SEV */
	bool coherent;		/* IDR0.COHACC; 0: device sees synced memory only */
	bool hyp;		/* IDR0.HYP: TLBI_EL2_*, STE.STRW=EL2 */
	bool asid16;
	bool vmid16;
	unsigned sidsize;	/* IDR1.SIDSIZE */
	unsigned ssidsize;	/* IDR1.SSIDSIZE */
	unsigned cmdq_log2;	/* IDR1.CMDQS */
	unsigned evtq_log2;	/* IDR1.EVENTQS */
	unsigned oas;		/* output address bits */
	unsigned gran;		/* SMMUKIT_MODEL_GRAN_* mask */
	/* Compare every cache hit with a fresh walk; free and sync checks. */
	bool checking;
	/* Fault injection: the command queue is never consumed. */
	bool cmdq_stall;
	/* No GBPA register: reads 0, writes ignored, SMMUEN=0 bypasses. */
	bool no_gbpa;
	/* Ring sizes of the logs (records kept; older ones are overwritten). */
	unsigned cmdlog_entries;
	unsigned invlog_entries;
	unsigned stalelog_entries;
};

/* Defaults: s1+s2, linear+2lvl, ril, no msi/sev, coherent, asid16, vmid16,
 * sidsize 16, ssidsize 0, cmdq 2^10, evtq 2^8, oas 48, all granules,
 * checking off, logs of 4096 entries. */
void smmukit_model_config_default(struct smmukit_model_config *cfg);

/*
 * Apply "KEY=VAL,KEY=VAL" to cfg. On error returns -SMMUKIT_EINVAL and, if
 * err is non-NULL, writes a message naming the key into err[errlen].
 */
int smmukit_model_config_parse(struct smmukit_model_config *cfg,
			       const char *str, char *err, size_t errlen);

/* ------------------------------------------------------------------------
 * Profiles: costs (ns) and cache geometry of a hardware. Every key optional;
 * the one table of keys is SMMUKIT_MODEL_PROFILE_KEYS. X(name, default, doc).
 * ------------------------------------------------------------------------ */
#define SMMUKIT_MODEL_PROFILE_KEYS(X)                                          \
	X(cmd_cfgi_ns, 0, "CFGI_* command")                                     \
	X(cmd_tlbi_va_ns, 0, "TLBI by address, single-address form")           \
	X(cmd_tlbi_range_ns, 0, "TLBI by address, range form (RIL)")            \
	X(cmd_tlbi_asid_ns, 0, "TLBI_NH_ASID, TLBI_EL2_ASID, TLBI_S12_VMALL")   \
	X(cmd_tlbi_all_ns, 0, "TLBI_NH_ALL, TLBI_NSNH_ALL, TLBI_EL2_ALL")       \
	X(cmd_sync_ns, 0, "CMD_SYNC (after everything before it)")             \
	X(cmd_other_ns, 0, "PREFETCH_*, ATC_INV and other commands")           \
	X(cfg_fetch_ns, 0, "fetch of one STE or CD on a config-cache miss")    \
	X(walk_level_ns, 0, "one descriptor read during a table walk")         \
	X(iotlb_hit_ns, 0, "translation that hits the IOTLB")                  \
	X(iotlb_miss_ns, 0, "IOTLB miss overhead (plus the walk)")             \
	X(iotlb_entries, 256, "IOTLB entries")                                 \
	X(iotlb_ways, 4, "IOTLB associativity")                                 \
	X(walkcache_entries, 64, "walk-cache entries per level")               \
	X(walkcache_ways, 4, "walk-cache associativity")                        \
	X(cfgcache_entries, 64, "STE and CD cache entries (each)")             \
	X(cfgcache_ways, 4, "configuration-cache associativity")            \
	X(device_read_iops, 0, "NVMe model: 4 KiB reads per second (0: no limit)") \
	X(device_write_iops, 0, "NVMe model: 4 KiB writes per second (0: no limit)") \
	X(device_latency_ns, 0, "NVMe model: service time of one I/O")

struct smmukit_model_profile {
	char name[64];
#define SMMUKIT_MODEL_PROFILE_FIELD(n, d, doc) uint64_t n;
	SMMUKIT_MODEL_PROFILE_KEYS(SMMUKIT_MODEL_PROFILE_FIELD)
#undef SMMUKIT_MODEL_PROFILE_FIELD
};

/* The built-in `zero` profile: every cost 0, default cache sizes. */
void smmukit_model_profile_zero(struct smmukit_model_profile *prof);

/* Set one key from text (numbers: decimal or 0x, K/M/G suffixes). Returns
 * -SMMUKIT_ENOENT for an unknown key, -SMMUKIT_EINVAL for a bad value. */
int smmukit_model_profile_set(struct smmukit_model_profile *prof,
			      const char *key, const char *val);

/*
 * Parse profile text: key=value lines, '#' comments, blank lines. Starts
 * from the current contents of prof (callers begin with _zero). On error
 * returns -SMMUKIT_EINVAL with "line N: unknown key 'k'" etc. in err.
 */
int smmukit_model_profile_parse(struct smmukit_model_profile *prof,
				const char *text, char *err, size_t errlen);

/*
 * Check what one key cannot: each cache's geometry, used exactly as given
 * (ways 1..64; entries = ways times a power of two; walkcache_entries = 0
 * turns the walk cache off). Returns 0, or -SMMUKIT_EINVAL with the key in
 * err. _parse calls it on the result; smmukit_model_create refuses a
 * profile that fails it.
 */
int smmukit_model_profile_check(const struct smmukit_model_profile *prof,
				char *err, size_t errlen);

/*
 * Load a profile by name or path: "zero" is built in; a name without '/' is
 * looked up as <dir>/<name>.profile (dir may be NULL: no lookup); anything
 * with '/' is a path. Returns 0, -SMMUKIT_ENOENT, -SMMUKIT_EINVAL or
 * -SMMUKIT_EIO (the file could not be read, e.g. a directory).
 */
int smmukit_model_profile_load(struct smmukit_model_profile *prof,
			       const char *name_or_path, const char *dir,
			       char *err, size_t errlen);

/*
 * The "model." option keys (smmukit_parse_options): one per profile key,
 * bound to a struct smmukit_model_profile ("model.cmd_sync_ns=1000" sets
 * cmd_sync_ns). Each key is range-checked alone; run
 * smmukit_model_profile_check on the result for the cache geometry.
 */
extern const struct smmukit_option_table smmukit_model_option_table;

/* Number of profile keys and the i-th key's name/doc (NULL past the end). */
unsigned smmukit_model_profile_nkeys(void);
const char *smmukit_model_profile_key(unsigned i, const char **doc);

/* ------------------------------------------------------------------------
 * Life cycle.
 * ------------------------------------------------------------------------ */

/*
 * Create a model on a POSIX platform. cfg NULL = defaults, prof NULL = zero.
 * Installs the platform's model hooks (relax runs due work; free_pages and
 * dma_sync_for_device report to the model). Returns 0, -EINVAL, -ENOMEM.
 */
int smmukit_model_create(struct smmukit_platform *plat,
			 const struct smmukit_model_config *cfg,
			 const struct smmukit_model_profile *prof,
			 struct smmukit_model **out);
/* Clears the platform hooks and frees the model. NULL is ignored. */
void smmukit_model_destroy(struct smmukit_model *m);

/*
 * Power loss: registers return to their reset values (everything disabled,
 * GBPA.ABORT), caches, pending commands and parked invalidations are lost;
 * memory, statistics and logs are kept. For the driver's resume path.
 */
int smmukit_model_reset(struct smmukit_model *m);

/* The MMIO seam for a driver: read32/read64/write32/write64 by offset. */
struct smmukit_mmio smmukit_model_mmio(struct smmukit_model *m);

/* Perform what has become due by now (what relax() does). */
void smmukit_model_run(struct smmukit_model *m);
/* Time of the next pending hardware event, or UINT64_MAX. */
uint64_t smmukit_model_next_due_ns(struct smmukit_model *m);

/*
 * Hardware faults a test can switch on and off while the model runs (the
 * driver is brought up first, then the hardware misbehaves).
 *  - CMDQ_STALL: stop consuming commands (CONS freezes; nothing completes).
 *  - NO_MSI: CMD_SYNC with CS=IRQ completes without its MSI write, as on
 *    emulators that advertise MSIs they never send.
 *  - TLBI_LATE: every TLBI fetched while it is on is consumed (CONS moves
 *    past it) at its normal time but completes SMMUKIT_MODEL_TLBI_LATE_NS
 *    later; a CMD_SYNC behind it completes no earlier than that, since a
 *    completed sync guarantees every earlier invalidation has completed.
 *    Until then the old translations keep answering.
 */
enum smmukit_model_fault {
	SMMUKIT_MODEL_FAULT_CMDQ_STALL = 1,
	SMMUKIT_MODEL_FAULT_NO_MSI = 2,
	SMMUKIT_MODEL_FAULT_TLBI_LATE = 3,
};

/* How late a TLBI completes under SMMUKIT_MODEL_FAULT_TLBI_LATE: 1 ms, a
 * hundred times a loaded queue's usual sync, inside the driver's default
 * and test poll timeouts (1 s, 2 ms) so that syncs still succeed. */
#define SMMUKIT_MODEL_TLBI_LATE_NS UINT64_C(1000000)

/* Switch a fault on or off. Returns 0 or -SMMUKIT_EINVAL. */
int smmukit_model_inject(struct smmukit_model *m, enum smmukit_model_fault f,
			 bool on);

/* ------------------------------------------------------------------------
 * DMA masters: device models read and write through the SMMU by stream ID.
 * ------------------------------------------------------------------------ */
#define SMMUKIT_MODEL_NO_SSID UINT32_MAX
/* Returned for an access aborted without an event record (STE Config =
 * abort, GBPA.ABORT, a disabled event path): not an architected event ID. */
#define SMMUKIT_MODEL_ABORT 0x100

/*
 * Name of a result's event: "ABORT" for SMMUKIT_MODEL_ABORT, "none" for 0,
 * else smmuv3_event_name() ("F_TRANSLATION"). Never NULL.
 */
const char *smmukit_model_event_name(unsigned event);

struct smmukit_model_dma_result {
	/* 0, an SMMUV3_EVT_* ID, or SMMUKIT_MODEL_ABORT. */
	unsigned event;
	bool recorded;		/* an event record was generated */
	uint64_t pa;		/* PA of the first byte (of the faulting page) */
	uint64_t bytes;		/* bytes transferred before a fault */
	uint64_t cost_ns;	/* modelled translation cost */
	bool iotlb_hit;		/* first page hit the IOTLB */
	bool stale;		/* checking: a cached translation was stale */
};

/*
 * Read (is_write false: memory -> buf) or write (buf -> memory) len bytes at
 * iova as stream sid (substream ssid, or SMMUKIT_MODEL_NO_SSID). Each page
 * is translated; the access stops at the first fault. Returns 0, the fault
 * (res->event, > 0), or -SMMUKIT_EINVAL for bad arguments. res may be NULL.
 */
int smmukit_model_dma(struct smmukit_model *m, uint32_t sid, uint32_t ssid,
		      uint64_t iova, uint64_t len, bool is_write, void *buf,
		      struct smmukit_model_dma_result *res);

/* Translate one address as an access would, without moving data. */
int smmukit_model_translate(struct smmukit_model *m, uint32_t sid,
			    uint32_t ssid, uint64_t iova, bool is_write,
			    struct smmukit_model_dma_result *res);

/* ------------------------------------------------------------------------
 * Observability.
 * ------------------------------------------------------------------------ */
#define SMMUKIT_MODEL_NR_OPCODES 0x80u

struct smmukit_model_stats {
	uint64_t translations;
	uint64_t iotlb_hits;
	uint64_t iotlb_misses;
	uint64_t iotlb_evictions;
	uint64_t iotlb_invalidated;	/* entries removed by commands */
	uint64_t walks;			/* page-table walks started */
	uint64_t walk_faults;
	uint64_t walk_reads;		/* descriptors read by walks */
	uint64_t walkcache_hits;
	uint64_t walkcache_evictions;
	uint64_t walkcache_invalidated;
	uint64_t cfgcache_hits;
	uint64_t cfgcache_misses;
	uint64_t cfgcache_evictions;
	uint64_t cfgcache_invalidated;
	uint64_t cmds;			/* commands consumed */
	uint64_t cmds_by_op[SMMUKIT_MODEL_NR_OPCODES];
	uint64_t syncs;			/* CMD_SYNCs completed */
	uint64_t msi_writes;
	uint64_t sevs;
	uint64_t cerrors;
	uint64_t events;		/* records written to the event queue */
	uint64_t events_lost;		/* dropped: queue full (overflow) */
	uint64_t events_dropped;	/* dropped: event queue disabled */
	uint64_t gerrors;		/* GERROR bits toggled */
	uint64_t evtq_irqs;		/* event-queue interrupts (wired or MSI) */
	uint64_t gerror_irqs;		/* GERROR interrupts (wired or MSI) */
	uint64_t irq_msi_writes;	/* of those, MSIs written to memory */
	uint64_t refused_writes;	/* register writes refused and logged */
	uint64_t misaligned_bases;	/* queue/stream-table base not aligned
					 * to its size when enabled (low bits
					 * are ignored, as hardware does) */
	uint64_t checks;		/* cache hits compared with a fresh walk */
	uint64_t stale_unmapped;
	uint64_t stale_reused;
	uint64_t stale_in_flight;	/* would be stale, but an unmap covering
					 * it had not returned (not counted above) */
	uint64_t free_violations;	/* freed page still referenced by a cache */
	uint64_t sync_violations;	/* coherent=0: read of unsynced memory */
	uint64_t iotlb_valid;		/* entries valid now */
	uint64_t walkcache_valid;
	uint64_t cfgcache_valid;
	uint64_t busy_until_ns;
};

int smmukit_model_get_stats(struct smmukit_model *m,
			    struct smmukit_model_stats *out);

/* A consumed command, in consumption order. */
struct smmukit_model_cmd_rec {
	uint64_t seq;
	uint64_t time_ns;	/* when it completed */
	uint64_t dw[2];		/* as fetched from the queue */
	uint32_t slot;		/* its (wrap, index) in the queue */
	struct smmuv3_cmd cmd;	/* as decoded by smmuv3_cmd_decode() */
};

/*
 * An IOTLB entry's end of life (exposure windows): removed by an
 * invalidation command (opcode), or with opcode 0 by capacity eviction or a
 * refetch (cmd_ns 0).
 */
struct smmukit_model_inval_rec {
	uint64_t seq;
	uint64_t fill_ns;	/* when the translation was cached */
	uint64_t cmd_ns;	/* when the invalidating command was consumed */
	uint64_t inval_ns;	/* when it took effect (CMD_SYNC completion) */
	uint64_t iova;		/* input address of the entry (its base) */
	uint64_t pa;
	uint32_t size_log2;
	uint32_t asid;
	uint32_t vmid;
	uint8_t opcode;
};

/* A stale access found in checking mode. */
struct smmukit_model_stale_rec {
	uint64_t seq;
	uint64_t time_ns;
	uint32_t sid;
	uint32_t ssid;
	uint64_t iova;
	uint64_t old_pa;	/* what the cache gave */
	uint64_t new_pa;	/* PA the tables give, permissions and access
				 * flag aside; 0 if they map it nowhere */
	unsigned new_event;	/* fault of a fresh walk of this access, 0 if
				 * none (F_PERMISSION/F_ACCESS also when reused) */
	bool reused;		/* stale_reused (else stale_unmapped) */
	bool is_write;
};

/*
 * Read log records with seq >= *cursor, at most max, oldest first; *cursor
 * moves past them. Records overwritten before being read are skipped and
 * counted in *lost (may be NULL). Returns the number copied.
 */
size_t smmukit_model_read_cmdlog(struct smmukit_model *m, uint64_t *cursor,
				 struct smmukit_model_cmd_rec *out, size_t max,
				 uint64_t *lost);
size_t smmukit_model_read_invlog(struct smmukit_model *m, uint64_t *cursor,
				 struct smmukit_model_inval_rec *out,
				 size_t max, uint64_t *lost);
size_t smmukit_model_read_stalelog(struct smmukit_model *m, uint64_t *cursor,
				   struct smmukit_model_stale_rec *out,
				   size_t max, uint64_t *lost);

/* Trace points: off by default. */
enum smmukit_model_trace_kind {
	SMMUKIT_MODEL_TRACE_CMD = 1u << 0,	/* command consumed */
	SMMUKIT_MODEL_TRACE_SYNC = 1u << 1,	/* CMD_SYNC completed */
	SMMUKIT_MODEL_TRACE_EVENT = 1u << 2,	/* event generated */
	SMMUKIT_MODEL_TRACE_CERROR = 1u << 3,	/* command error */
	SMMUKIT_MODEL_TRACE_STALE = 1u << 4,	/* stale access (checking) */
	SMMUKIT_MODEL_TRACE_REFUSED = 1u << 5,	/* refused register write */
	SMMUKIT_MODEL_TRACE_VIOLATION = 1u << 6,	/* free / sync check */
	SMMUKIT_MODEL_TRACE_GERROR = 1u << 7,	/* GERROR bit toggled */
	SMMUKIT_MODEL_TRACE_ALL = 0xffu,
};

struct smmukit_model_trace_rec {
	enum smmukit_model_trace_kind kind;
	uint64_t time_ns;
	unsigned code;		/* opcode, event ID, CERROR or GERROR bit */
	uint32_t sid;
	uint32_t ssid;
	uint64_t addr;		/* IOVA, register offset, or PA */
	uint64_t pa;		/* stale: old PA */
	uint64_t new_pa;	/* stale: new PA as in the stale log record;
				 * code = 1 if reused, 0 if unmapped */
	unsigned new_event;
	bool rnw;
	bool recorded;		/* event: written to the queue */
	uint64_t dw[4];		/* command words or event record */
	const char *why;	/* refused/violation/cerror: a static reason */
};

typedef void (*smmukit_model_trace_fn)(void *arg,
				       const struct smmukit_model_trace_rec *r);

/*
 * Enable the trace points in mask. With fn NULL they go to the platform log
 * at debug level. The callback runs under the model lock.
 */
void smmukit_model_set_trace(struct smmukit_model *m, unsigned mask,
			     smmukit_model_trace_fn fn, void *arg);

/*
 * Checking mode: report a violation if [pa, pa+len) is still referenced by
 * a cached walk or configuration entry (called by the platform's free_pages
 * through the on_free hook). Returns the number of references found.
 */
int smmukit_model_check_free(struct smmukit_model *m, uint64_t pa,
			     uint64_t len);

/*
 * Checking mode: software reports that an unmap call for [iova, iova+size)
 * has started (_begin) and returned (_end), naming any one stream ID that
 * uses the domain. A stale access is one issued after the unmap returned:
 * until the matching _end, a cached translation of that range in the same
 * context is not counted as stale (stats.stale_in_flight instead, no log or
 * trace). The model only listens; it never looks at software's structures.
 *
 * The context is the tag cached translations carry (regime, VMID, stage
 * kind, ASID), resolved at _begin from the SID's current STE and CD (CD 0,
 * or S1DSS, i.e. traffic without a substream). Ranges form a multiset:
 * identical begins nest, any number may overlap, from any thread. _end
 * matches the range begun with the same SID first, else one in the SID's
 * context now. Works with checking off too (nothing is suppressed then).
 *
 * Returns 0; -SMMUKIT_EINVAL (NULL model, size 0, range wraps, or the SID
 * does not translate now: SMMU off, bad/aborting/bypass STE — _begin only);
 * -SMMUKIT_ENOSPC from _begin when 4096 distinct ranges are in flight (not
 * recorded: its accesses count as stale, conservatively; do not _end it);
 * -SMMUKIT_ENOMEM; -SMMUKIT_ENOENT from _end with no such range in flight
 * (nothing is changed). Under the model lock.
 */
int smmukit_model_unmap_begin(struct smmukit_model *m, uint32_t sid,
			      uint64_t iova, uint64_t size);
int smmukit_model_unmap_end(struct smmukit_model *m, uint32_t sid,
			    uint64_t iova, uint64_t size);

#ifdef __cplusplus
}
#endif

#endif /* SMMUKIT_MODEL_H */

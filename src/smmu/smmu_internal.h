/* SPDX-License-Identifier: MIT */
/* Private state of the SMMUv3 driver, shared by the files of src/smmu. */
#ifndef SMMUKIT_SMMU_INTERNAL_H
#define SMMUKIT_SMMU_INTERNAL_H

#include "smmukit/pgtable.h"
#include "smmukit/smmu.h"
#include "cmdq.h"

/* Linux uses SPLIT 8: one level-2 table per PCI bus (256 STEs, 16 KiB). */
#define STRTAB_SPLIT 8u
/* Caps: level-1 table 2^17 descriptors (1 MiB); linear table 2^16 STEs. */
#define STRTAB_L1_MAX_LOG2 17u
#define STRTAB_LINEAR_MAX_LOG2 16u
#define CMDQ_DEFAULT_MAX_LOG2 12u
#define EVTQ_DEFAULT_MAX_LOG2 10u
#define POLL_TIMEOUT_DEFAULT_NS UINT64_C(1000000000)
#define TLBI_MAX_CMDS_DEFAULT 64u

/*
 * Domain life cycle. LIVE->FREE (domain_free) and its rollback after a failed
 * flush happen under cfg_lock, and attach re-checks state under cfg_lock, so
 * no attach races a free; lock-free reads of state only refuse misuse early.
 */
enum smmu_domain_state {
	DOMAIN_FREE = 0x0dead,
	DOMAIN_LIVE = 0x11fe,
};

/*
 * A domain. dom, pgt, pg_shift, asid, vmid and cd_mem are written by
 * domain_alloc before state becomes DOMAIN_LIVE (release) and are
 * immutable until domain_free; readers check state (acquire) first.
 */
struct smmu_domain {
	struct smmukit_iommu_drv_domain dom;	/* the core's view */
	struct smmukit_smmu *smmu;
	_Atomic unsigned state;	/* enum smmu_domain_state */
	struct smmukit_pgtable *pgt;	/* PAGING only; lock-free inside */
	unsigned pg_shift;	/* log2 of the granule */
	uint32_t asid;		/* stage 1 */
	uint32_t vmid;		/* stage 2 */
	struct smmukit_dma_pages cd_mem;	/* stage 1: the single CD */
	/* Streams attached; protected by smmu->cfg_lock. */
	unsigned nr_attached;
	/* Pool link while free; protected by smmu->cfg_lock. */
	struct smmu_domain *next_free;
	/*
	 * A walk flush (flush_walk) of this domain failed: what it should
	 * have removed may still be cached. Set by fo_flush_walk; taken
	 * (exchanged to false) by the next strict iotlb_sync or
	 * flush_iotlb_all, which then does a whole-context invalidation
	 * before freeing anything, and sets it again if that fails.
	 */
	_Atomic bool walk_flush_failed;
};

/*
 * A piece of the stream table: the level-2 table of one level-1 descriptor,
 * or (linear format) the whole table. owner[] says which domain each STE
 * routes to. Protected by smmu->cfg_lock.
 */
struct strtab_chunk {
	struct smmukit_dma_pages mem;	/* order 0 / unused when !allocated */
	bool allocated;
	struct smmu_domain **owner;	/* 2^chunk_log2 entries */
	/*
	 * 2-level only: the SIDs of this level-2 table that the embedder
	 * initialised (smmukit_smmu_init_stream). Only those get the bypass
	 * STE while unattached with bypass_unattached; the others abort, as
	 * they did before the table existed, whatever else was attached.
	 */
	uint64_t inited[(1u << STRTAB_SPLIT) / 64];
};

/*
 * One SMMU. iommu, plat, mmio, cfg, info, timeout_ns, tlbi_max_cmds,
 * coherent, the ring and table memory and their sizes are set by probe and
 * immutable afterwards (reset rewrites registers, not these).
 */
struct smmukit_smmu {
	struct smmukit_iommu_drv iommu;
	struct smmukit_platform *plat;
	struct smmukit_mmio mmio;
	struct smmukit_smmu_config cfg;
	struct smmukit_smmu_info info;
	uint64_t timeout_ns;
	unsigned tlbi_max_cmds;
	bool coherent;

	struct smmu_cmdq cmdq;

	/* Event queue: ring, and the shadow CONS under evtq_lock. */
	struct smmukit_lock evtq_lock;
	struct smmukit_dma_pages evtq_mem;
	unsigned evtq_log2;
	uint32_t evtq_cons;

	/* GERRORN writes (read-modify-write of shared ack bits). */
	struct smmukit_lock gerror_lock;

	/*
	 * cfg_lock protects the stream table (STE contents, level-1
	 * descriptors, chunk allocation and owners), the ASID and VMID maps,
	 * domain attach counts and the domain pool. Lock order:
	 * cfg_lock -> cmdq.lock -> gerror_lock; evtq_lock is a leaf.
	 */
	struct smmukit_lock cfg_lock;
	struct smmukit_dma_pages strtab_mem;	/* linear table or level 1 */
	unsigned strtab_log2;
	unsigned chunk_log2;	/* SPLIT, or strtab_log2 when linear */
	bool two_level;
	struct strtab_chunk *chunks;	/* 2^(strtab_log2 - chunk_log2) */
	uint64_t *asid_map;	/* bitmap, 2^asid_bits */
	uint64_t *vmid_map;
	struct smmu_domain *free_domains;
	unsigned nr_domains;	/* structs allocated (live + pooled) */
	unsigned live_domains;

	/* Set by SFM_ERR: the SMMU is disabled until reset. */
	_Atomic bool failed;
	/*
	 * Set by destroy when the SMMU stays enabled, aborting every stream
	 * (no GBPA): the stream table is then not freed. Destroy only.
	 */
	bool strtab_parked;

	/* Counters: relaxed atomics, no lock. */
	_Atomic uint64_t stat_events;
	_Atomic uint64_t stat_events_lost;
	_Atomic uint64_t stat_gerrors;
	_Atomic uint64_t stat_tlbi_fallbacks;
	/* Event records without a handler, and overflows: a faulting device
	 * can produce them without bound. */
	struct smmukit_ratelimit rl_events;
};

/* ---- MMIO helpers ---- */
static inline uint32_t smmu_read32(struct smmukit_smmu *s, uint64_t off)
{
	return s->mmio.ops->read32(s->mmio.ctx, off);
}

static inline uint64_t smmu_read64(struct smmukit_smmu *s, uint64_t off)
{
	return s->mmio.ops->read64(s->mmio.ctx, off);
}

static inline void smmu_write32(struct smmukit_smmu *s, uint64_t off,
				uint32_t v)
{
	s->mmio.ops->write32(s->mmio.ctx, off, v);
}

static inline void smmu_write64(struct smmukit_smmu *s, uint64_t off,
				uint64_t v)
{
	s->mmio.ops->write64(s->mmio.ctx, off, v);
}

/* Make CPU writes to [pa, pa+len) visible to a non-coherent SMMU. */
static inline void smmu_sync_dev(struct smmukit_smmu *s, smmukit_phys_t pa,
				 size_t len)
{
	if (!s->coherent)
		smmukit_plat_dma_sync_for_device(s->plat, pa, len);
}

/* ---- smmu_strtab.c ---- */
int smmu_strtab_alloc(struct smmukit_smmu *s);
void smmu_strtab_free(struct smmukit_smmu *s);
uint64_t smmu_strtab_base_cfg(const struct smmukit_smmu *s);
/* Is sid inside the stream table? */
bool smmu_strtab_sid_valid(const struct smmukit_smmu *s, uint32_t sid);
/* cfg_lock held: the domain sid routes to, or NULL. */
struct smmu_domain *smmu_strtab_owner(struct smmukit_smmu *s, uint32_t sid);
/* cfg_lock held: make sure sid's level-2 table exists. 0 or -ENOMEM. */
int smmu_strtab_ensure(struct smmukit_smmu *s, uint32_t sid);
/*
 * cfg_lock held, sid's level-2 table exists: mark sid initialised and, if
 * it is unattached and its default STE changes (abort -> bypass), rewrite
 * it with CFGI_STE + CMD_SYNC. 0 or a command-queue error.
 */
int smmu_strtab_init_sid(struct smmukit_smmu *s, uint32_t sid);
/*
 * cfg_lock held: route every sid to dom (NULL: the sid's default abort or
 * bypass STE), updating the STEs in the architected order with CFGI + CMD_SYNC.
 */
int smmu_strtab_install(struct smmukit_smmu *s, const uint32_t *sids, unsigned n,
		   struct smmu_domain *dom);
/* Stage-1 CD words for a domain. */
void smmu_cd_build(const struct smmukit_smmu *s, const struct smmu_domain *d,
	      uint64_t cd[SMMUV3_CD_DWORDS]);

/* ---- smmu_domain.c ---- */
int smmu_domains_init(struct smmukit_smmu *s);
void smmu_domains_free(struct smmukit_smmu *s);
extern const struct smmukit_iommu_drv_ops smmu_iommu_ops;

#endif /* SMMUKIT_SMMU_INTERNAL_H */

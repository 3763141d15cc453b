/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the register-level model tests: a manual-clock platform with
 * a model on it, hand-built stream tables, STEs, CDs, page tables, commands
 * and event-queue reads — everything a driver would do, written out by hand
 * so that the model is tested without the driver.
 */
#ifndef SMMUKIT_MODEL_TESTLIB_H
#define SMMUKIT_MODEL_TESTLIB_H

#include "smmukit/model.h"
#include "smmukit/platform_posix.h"
#include "smmukit/smmuv3_hw.h"
#include "smmukit/lpae_hw.h"

struct mt {
	struct smmukit_platform *plat;
	struct smmukit_model *m;
	struct smmukit_mmio mmio;
	struct smmukit_model_config cfg;
	uint64_t strtab_pa;	/* linear table, or the level-1 table */
	unsigned strtab_log2;
	bool two_level;
	unsigned split;
	uint64_t cmdq_pa;
	unsigned cmdq_log2;
	uint32_t cmdq_prod;
	uint64_t evtq_pa;
	unsigned evtq_log2;
	uint32_t evtq_cons;
};

/*
 * Create platform (manual clock, 256 MiB) and model with the given feature
 * string (NULL: defaults) and profile text (NULL: zero). Returns 0.
 */
int mt_setup(struct mt *t, const char *features, const char *profile);
void mt_teardown(struct mt *t);

/* Zeroed DMA pages; returns the PA (0 on failure). */
uint64_t mt_alloc(struct mt *t, unsigned order);
void mt_free(struct mt *t, uint64_t pa, unsigned order);
void *mt_va(struct mt *t, uint64_t pa);
void mt_w64(struct mt *t, uint64_t pa, uint64_t v);
uint64_t mt_r64(struct mt *t, uint64_t pa);

uint32_t mt_rd32(struct mt *t, uint64_t off);
uint64_t mt_rd64(struct mt *t, uint64_t off);
void mt_wr32(struct mt *t, uint64_t off, uint32_t v);
void mt_wr64(struct mt *t, uint64_t off, uint64_t v);

/*
 * Architected bring-up: CR1/CR2, stream table (linear of 2^log2 STEs, or
 * 2-level with SPLIT 8 and level-2 tables allocated by mt_ste_ptr), command
 * queue, CFGI_ALL + TLBI_NSNH_ALL + SYNC, event queue, SMMUEN. Returns 0.
 */
int mt_enable(struct mt *t, unsigned strtab_log2, bool two_level);

/* Address of the STE of sid (allocating its level-2 table if needed). */
uint64_t mt_ste_ptr(struct mt *t, uint32_t sid);
/* Write an STE: DW1..DW3, then DW0 last, as the update order requires. */
void mt_ste_write(struct mt *t, uint32_t sid, const uint64_t dw[4]);

/* Queue a command (encoded by the layout header) and ring PROD. */
void mt_cmd(struct mt *t, const struct smmuv3_cmd *c);
void mt_cmd_raw(struct mt *t, uint64_t dw0, uint64_t dw1);
/* Queue a CMD_SYNC and return its slot without waiting. */
uint32_t mt_sync_submit(struct mt *t);
/* Has CONS passed slot? */
bool mt_consumed(struct mt *t, uint32_t slot);
/* Queue a CMD_SYNC and relax until it is consumed: 0 or -ETIMEDOUT. */
int mt_sync(struct mt *t);
void mt_cfgi_ste(struct mt *t, uint32_t sid);
void mt_cfgi_all(struct mt *t);
void mt_tlbi_asid(struct mt *t, uint32_t asid, uint32_t vmid);
void mt_tlbi_va(struct mt *t, uint32_t asid, uint64_t va, bool leaf);

/* Next event record: 1 and *e, or 0 if the queue is empty. */
int mt_evt_next(struct mt *t, struct smmuv3_event *e);
/* Drain and count event records. */
unsigned mt_evt_drain(struct mt *t);

/* A page table built by hand. */
struct mt_pt {
	unsigned stage;		/* 1 or 2 */
	unsigned pg;		/* 12, 14, 16 */
	unsigned ias;
	unsigned start;		/* start level */
	unsigned top_bits;
	uint64_t root;
};

#define MT_R 1u
#define MT_W 2u
#define MT_RW 3u
#define MT_NOAF 4u	/* leave AF clear */
#define MT_GLOBAL 8u	/* stage 1: nG = 0 */
#define MT_PRIV 16u	/* stage 1: AP[1] = 0 (no unprivileged access) */

int mt_pt_init(struct mt *t, struct mt_pt *pt, unsigned stage, unsigned pg,
	       unsigned ias);
/* Map one page or block of 2^size_log2 at iova -> pa. Returns 0. */
int mt_pt_map(struct mt *t, struct mt_pt *pt, uint64_t iova, uint64_t pa,
	      unsigned size_log2, unsigned prot);
/* Clear the leaf mapping iova (no invalidation). Returns 0 or -ENOENT. */
int mt_pt_unmap(struct mt *t, struct mt_pt *pt, uint64_t iova);
/* Address of the descriptor that maps iova at level (creating tables). */
uint64_t mt_pt_slot(struct mt *t, struct mt_pt *pt, uint64_t iova,
		    unsigned level);

/* Write a CD for a stage-1 table (TTB0 only, R=1, A=1, AA64, IPS=oas). */
void mt_cd_write(struct mt *t, uint64_t cd_pa, uint32_t asid,
		 const struct mt_pt *pt);
/* STE dwords for stage 1 (single CD), stage 2, nested, bypass, abort. */
void mt_ste_s1(uint64_t dw[4], uint64_t cd_pa);
void mt_ste_s2(uint64_t dw[4], uint32_t vmid, const struct mt_pt *pt,
	       unsigned ps_bits);
void mt_ste_nested(uint64_t dw[4], uint64_t cd_ipa, uint32_t vmid,
		   const struct mt_pt *s2, unsigned ps_bits);

/*
 * One-call stage-1 stream: CD with asid over a fresh 4K/48-bit table,
 * STE of sid, CFGI_STE + SYNC. Returns the table through *pt.
 */
int mt_s1_stream(struct mt *t, uint32_t sid, uint32_t asid,
		 struct mt_pt *pt);

/* DMA helpers: 0 or the event. */
int mt_dma_read(struct mt *t, uint32_t sid, uint64_t iova, void *buf,
		uint64_t len);
int mt_dma_write(struct mt *t, uint32_t sid, uint64_t iova, const void *buf,
		 uint64_t len);
struct smmukit_model_stats mt_stats(struct mt *t);
/* Where a read of iova on sid translates to (no SSID); 0 if it faults. */
uint64_t mt_pa_of(struct mt *t, uint32_t sid, uint64_t iova);

#endif /* SMMUKIT_MODEL_TESTLIB_H */

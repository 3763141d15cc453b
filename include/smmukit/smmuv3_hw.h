/* SPDX-License-Identifier: MIT */
/*
 * Arm SMMUv3 hardware layouts: registers, stream table entries, context
 * descriptors, commands and event records. Arm IHI 0070.
 *
 * The single source of truth for both the driver (src/smmu) and the hardware
 * model (model/): they reach every SMMUv3 field only through these names.
 * Offsets are SMMUV3_<REG>; the fields of a register follow it as
 * <REG>_<FIELD> masks (shift implied, use smmukit_field_prep/field_get), and
 * enumerated values follow their field. Descriptors are arrays of
 * little-endian 64-bit words and name their doubleword: STE0_CFG, CD1_TTB0,
 * CMD1_ADDR, EVT3_IPA. Address fields (…_ADDR, …_TTB0, …_L2PTR) hold the
 * address in place: `dw |= addr & STE0_S1CONTEXTPTR`, never field_prep.
 *
 * tests/unit/hw_golden.c checks these against encodings typed by hand from
 * the architecture, so that one wrong mask cannot pass on both sides.
 * docs/hw.md lists which positions were confirmed where.
 *
 * Error codes: -EINVAL (NULL pointer, an opcode or field that does not
 * fit its encoding), -ERANGE/-EOVERFLOW (a range TLBI that cannot be
 * expressed / needs more commands than given room for).
 */
#ifndef SMMUKIT_SMMUV3_HW_H
#define SMMUKIT_SMMUV3_HW_H

#include "smmukit/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Registers. Page 0 at the base, page 1 at base + 0x10000. 32-bit unless
 * marked 64b; access each with its own width.
 * ------------------------------------------------------------------------ */
#define SMMUV3_PAGE1 0x10000u
#define SMMUV3_MMIO_SIZE 0x20000u

#define SMMUV3_IDR0 0x000
#define IDR0_S2P SMMUKIT_BIT(0)
#define IDR0_S1P SMMUKIT_BIT(1)
#define IDR0_TTF SMMUKIT_GENMASK(3, 2)
#define IDR0_TTF_AARCH32 1
#define IDR0_TTF_AARCH64 2
#define IDR0_TTF_AARCH32_64 3
#define IDR0_COHACC SMMUKIT_BIT(4)
#define IDR0_BTM SMMUKIT_BIT(5)
#define IDR0_HTTU SMMUKIT_GENMASK(7, 6)
#define IDR0_HTTU_NONE 0
#define IDR0_HTTU_ACCESS 1
#define IDR0_HTTU_ACCESS_DIRTY 2
#define IDR0_DORMHINT SMMUKIT_BIT(8)
#define IDR0_HYP SMMUKIT_BIT(9)
#define IDR0_ATS SMMUKIT_BIT(10)
#define IDR0_NS1ATS SMMUKIT_BIT(11)
#define IDR0_ASID16 SMMUKIT_BIT(12)
#define IDR0_MSI SMMUKIT_BIT(13)
#define IDR0_SEV SMMUKIT_BIT(14)
#define IDR0_ATOS SMMUKIT_BIT(15)
#define IDR0_PRI SMMUKIT_BIT(16)
#define IDR0_VMW SMMUKIT_BIT(17)
#define IDR0_VMID16 SMMUKIT_BIT(18)
#define IDR0_CD2L SMMUKIT_BIT(19)
#define IDR0_VATOS SMMUKIT_BIT(20)
#define IDR0_TTENDIAN SMMUKIT_GENMASK(22, 21)
#define IDR0_TTENDIAN_MIXED 0
#define IDR0_TTENDIAN_LE 2
#define IDR0_TTENDIAN_BE 3
#define IDR0_ATSRECERR SMMUKIT_BIT(23)
#define IDR0_STALL_MODEL SMMUKIT_GENMASK(25, 24)
#define IDR0_STALL_MODEL_STALL 0
#define IDR0_STALL_MODEL_NONE 1
#define IDR0_STALL_MODEL_FORCE 2
#define IDR0_TERM_MODEL SMMUKIT_BIT(26)	/* 1: CD.A must be 1 */
#define IDR0_ST_LEVEL SMMUKIT_GENMASK(28, 27)
#define IDR0_ST_LEVEL_LINEAR 0
#define IDR0_ST_LEVEL_2LVL 1

#define SMMUV3_IDR1 0x004
#define IDR1_SIDSIZE SMMUKIT_GENMASK(5, 0)
#define IDR1_SSIDSIZE SMMUKIT_GENMASK(10, 6)
#define IDR1_PRIQS SMMUKIT_GENMASK(15, 11)
#define IDR1_EVENTQS SMMUKIT_GENMASK(20, 16)
#define IDR1_CMDQS SMMUKIT_GENMASK(25, 21)
#define IDR1_ATTR_TYPES_OVR SMMUKIT_BIT(27)
#define IDR1_REL SMMUKIT_BIT(28)
#define IDR1_QUEUES_PRESET SMMUKIT_BIT(29)
#define IDR1_TABLES_PRESET SMMUKIT_BIT(30)

#define SMMUV3_IDR2 0x008
#define SMMUV3_IDR3 0x00C
#define IDR3_HAD SMMUKIT_BIT(2)
#define IDR3_PBHA SMMUKIT_BIT(3)
#define IDR3_XNX SMMUKIT_BIT(4)
#define IDR3_PPS SMMUKIT_BIT(5)
#define IDR3_MPAM SMMUKIT_BIT(7)
#define IDR3_FWB SMMUKIT_BIT(8)
#define IDR3_STT SMMUKIT_BIT(9)
#define IDR3_RIL SMMUKIT_BIT(10)	/* range TLBI and the TTL hint */
#define IDR3_BBML SMMUKIT_GENMASK(12, 11)
#define IDR3_E0PD SMMUKIT_BIT(13)
#define IDR3_PTWNNC SMMUKIT_BIT(14)
#define IDR3_DPT SMMUKIT_BIT(15)
#define IDR3_PASIDTT SMMUKIT_BIT(16)
#define IDR3_EPAN SMMUKIT_BIT(17)
#define SMMUV3_IDR4 0x010

#define SMMUV3_IDR5 0x014
#define IDR5_OAS SMMUKIT_GENMASK(2, 0)
#define IDR5_OAS_32 0
#define IDR5_OAS_36 1
#define IDR5_OAS_40 2
#define IDR5_OAS_42 3
#define IDR5_OAS_44 4
#define IDR5_OAS_48 5
#define IDR5_OAS_52 6
#define IDR5_GRAN4K SMMUKIT_BIT(4)
#define IDR5_GRAN16K SMMUKIT_BIT(5)
#define IDR5_GRAN64K SMMUKIT_BIT(6)
#define IDR5_VAX SMMUKIT_GENMASK(11, 10)
#define IDR5_VAX_48 0
#define IDR5_VAX_52 1
#define IDR5_STALL_MAX SMMUKIT_GENMASK(31, 16)

#define SMMUV3_IIDR 0x018
#define IIDR_IMPLEMENTER SMMUKIT_GENMASK(11, 0)
#define IIDR_REVISION SMMUKIT_GENMASK(15, 12)
#define IIDR_VARIANT SMMUKIT_GENMASK(19, 16)
#define IIDR_PRODUCTID SMMUKIT_GENMASK(31, 20)

#define SMMUV3_AIDR 0x01C
#define AIDR_ARCH_MINOR SMMUKIT_GENMASK(3, 0)	/* 0: v3.0, 1: v3.1, 2: v3.2 */
#define AIDR_ARCH_MAJOR SMMUKIT_GENMASK(7, 4)	/* 0: SMMUv3 */

#define SMMUV3_CR0 0x020
#define CR0_SMMUEN SMMUKIT_BIT(0)
#define CR0_PRIQEN SMMUKIT_BIT(1)
#define CR0_EVENTQEN SMMUKIT_BIT(2)
#define CR0_CMDQEN SMMUKIT_BIT(3)
#define CR0_ATSCHK SMMUKIT_BIT(4)
#define CR0_VMW SMMUKIT_GENMASK(8, 6)
#define CR0_VALID_MASK (CR0_SMMUEN | CR0_PRIQEN | CR0_EVENTQEN | \
			CR0_CMDQEN | CR0_ATSCHK | CR0_VMW)
#define SMMUV3_CR0ACK 0x024	/* same fields as CR0 */

#define SMMUV3_CR1 0x028
#define CR1_QUEUE_IC SMMUKIT_GENMASK(1, 0)
#define CR1_QUEUE_OC SMMUKIT_GENMASK(3, 2)
#define CR1_QUEUE_SH SMMUKIT_GENMASK(5, 4)
#define CR1_TABLE_IC SMMUKIT_GENMASK(7, 6)
#define CR1_TABLE_OC SMMUKIT_GENMASK(9, 8)
#define CR1_TABLE_SH SMMUKIT_GENMASK(11, 10)
/* Cacheability values of the CR1 cache fields (not the TCR encoding). */
#define CR1_CACHE_NC 0
#define CR1_CACHE_WB 1
#define CR1_CACHE_WT 2

#define SMMUV3_CR2 0x02C
#define CR2_E2H SMMUKIT_BIT(0)
#define CR2_RECINVSID SMMUKIT_BIT(1)
#define CR2_PTM SMMUKIT_BIT(2)

/* Shareability values, used by CR1, IRQ_CFG2, STE, CD and GBPA fields. */
#define SMMUV3_SH_NSH 0
#define SMMUV3_SH_OSH 2
#define SMMUV3_SH_ISH 3
/* Memory attribute values (IRQ_CFG2, CMD_SYNC MSIAttr, GBPA MemAttr). */
#define SMMUV3_MEMATTR_DEVICE_NGNRE 0x1
#define SMMUV3_MEMATTR_OIWB 0xF

#define SMMUV3_STATUSR 0x040
#define STATUSR_DORMANT SMMUKIT_BIT(0)

#define SMMUV3_GBPA 0x044
#define GBPA_MEMATTR SMMUKIT_GENMASK(3, 0)
#define GBPA_MTCFG SMMUKIT_BIT(4)
#define GBPA_ALLOCCFG SMMUKIT_GENMASK(11, 8)
#define GBPA_SHCFG SMMUKIT_GENMASK(13, 12)
#define GBPA_SHCFG_NSH 0
#define GBPA_SHCFG_USE_INCOMING 1
#define GBPA_SHCFG_OSH 2
#define GBPA_SHCFG_ISH 3
#define GBPA_PRIVCFG SMMUKIT_GENMASK(17, 16)
#define GBPA_INSTCFG SMMUKIT_GENMASK(19, 18)
#define GBPA_ABORT SMMUKIT_BIT(20)
#define GBPA_UPDATE SMMUKIT_BIT(31)

#define SMMUV3_AGBPA 0x048

#define SMMUV3_IRQ_CTRL 0x050
#define IRQ_CTRL_GERROR_IRQEN SMMUKIT_BIT(0)
#define IRQ_CTRL_PRIQ_IRQEN SMMUKIT_BIT(1)
#define IRQ_CTRL_EVENTQ_IRQEN SMMUKIT_BIT(2)
#define SMMUV3_IRQ_CTRLACK 0x054	/* same fields as IRQ_CTRL */

/*
 * GERROR / GERRORN: an error is active while its bit differs between the
 * two. The SMMU toggles GERROR; software acknowledges by writing GERRORN
 * equal to the GERROR value it handled.
 */
#define SMMUV3_GERROR 0x060
#define SMMUV3_GERRORN 0x064
#define GERROR_CMDQ_ERR SMMUKIT_BIT(0)
#define GERROR_EVENTQ_ABT_ERR SMMUKIT_BIT(2)
#define GERROR_PRIQ_ABT_ERR SMMUKIT_BIT(3)
#define GERROR_MSI_CMDQ_ABT_ERR SMMUKIT_BIT(4)
#define GERROR_MSI_EVENTQ_ABT_ERR SMMUKIT_BIT(5)
#define GERROR_MSI_PRIQ_ABT_ERR SMMUKIT_BIT(6)
#define GERROR_MSI_GERROR_ABT_ERR SMMUKIT_BIT(7)
#define GERROR_SFM_ERR SMMUKIT_BIT(8)
#define GERROR_VALID_MASK UINT64_C(0x1FD)

/* MSI configuration: *_IRQ_CFG0 (64b) address, CFG1 data, CFG2 attributes. */
#define SMMUV3_GERROR_IRQ_CFG0 0x068
#define SMMUV3_GERROR_IRQ_CFG1 0x070
#define SMMUV3_GERROR_IRQ_CFG2 0x074
#define IRQ_CFG0_ADDR SMMUKIT_GENMASK(51, 2)
#define IRQ_CFG1_DATA SMMUKIT_GENMASK(31, 0)
#define IRQ_CFG2_MEMATTR SMMUKIT_GENMASK(3, 0)
#define IRQ_CFG2_SH SMMUKIT_GENMASK(5, 4)

#define SMMUV3_STRTAB_BASE 0x080	/* 64b */
#define STRTAB_BASE_ADDR SMMUKIT_GENMASK(51, 6)
#define STRTAB_BASE_RA SMMUKIT_BIT(62)

#define SMMUV3_STRTAB_BASE_CFG 0x088
#define STRTAB_BASE_CFG_LOG2SIZE SMMUKIT_GENMASK(5, 0)
#define STRTAB_BASE_CFG_SPLIT SMMUKIT_GENMASK(10, 6)
#define STRTAB_BASE_CFG_FMT SMMUKIT_GENMASK(17, 16)
#define STRTAB_BASE_CFG_FMT_LINEAR 0
#define STRTAB_BASE_CFG_FMT_2LVL 1

/* Queue base registers (CMDQ_BASE, EVENTQ_BASE, PRIQ_BASE), all 64b. */
#define Q_BASE_LOG2SIZE SMMUKIT_GENMASK(4, 0)
#define Q_BASE_ADDR SMMUKIT_GENMASK(51, 5)
#define Q_BASE_RA SMMUKIT_BIT(62)	/* CMDQ: read-allocate hint */
#define Q_BASE_WA SMMUKIT_BIT(62)	/* EVENTQ, PRIQ: write-allocate hint */

#define SMMUV3_CMDQ_BASE 0x090	/* 64b */
#define SMMUV3_CMDQ_PROD 0x098
#define SMMUV3_CMDQ_CONS 0x09C
#define CMDQ_CONS_ERR SMMUKIT_GENMASK(30, 24)	/* enum smmuv3_cerror */

#define SMMUV3_EVENTQ_BASE 0x0A0	/* 64b */
#define SMMUV3_EVENTQ_PROD 0x100A8	/* page 1 */
#define SMMUV3_EVENTQ_CONS 0x100AC	/* page 1 */
#define EVENTQ_PROD_OVFLG SMMUKIT_BIT(31)
#define EVENTQ_CONS_OVACKFLG SMMUKIT_BIT(31)
#define SMMUV3_EVENTQ_IRQ_CFG0 0x0B0	/* 64b */
#define SMMUV3_EVENTQ_IRQ_CFG1 0x0B8
#define SMMUV3_EVENTQ_IRQ_CFG2 0x0BC

#define SMMUV3_PRIQ_BASE 0x0C0	/* 64b */
#define SMMUV3_PRIQ_PROD 0x100C8	/* page 1 */
#define SMMUV3_PRIQ_CONS 0x100CC	/* page 1 */
#define PRIQ_PROD_OVFLG SMMUKIT_BIT(31)
#define PRIQ_CONS_OVACKFLG SMMUKIT_BIT(31)
#define SMMUV3_PRIQ_IRQ_CFG0 0x0D0	/* 64b */
#define SMMUV3_PRIQ_IRQ_CFG1 0x0D8
#define SMMUV3_PRIQ_IRQ_CFG2 0x0DC

/* Address-translation operations: named for completeness, unused. */
#define SMMUV3_GATOS_CTRL 0x100
#define SMMUV3_GATOS_SID 0x108
#define SMMUV3_GATOS_ADDR 0x110
#define SMMUV3_GATOS_PAR 0x118
#define SMMUV3_VATOS_SEL 0x180

/* Secure bank (TF-A territory; smmukit only names it). */
#define SMMUV3_S_IDR1 0x8004
#define SMMUV3_S_INIT 0x803C
#define S_INIT_INV_ALL SMMUKIT_BIT(0)
#define SMMUV3_S_GBPA 0x8044

/* ------------------------------------------------------------------------
 * Queues. PROD and CONS hold (wrap, index) as an (n+1)-bit counter in bits
 * [n:0], n = LOG2SIZE; bit 31 is the overflow flag (EVENTQ/PRIQ) and CONS
 * bits [30:24] the command error (CMDQ). The wrap bit always takes part in
 * comparisons: index-only tests make a full queue look empty.
 * ------------------------------------------------------------------------ */
#define SMMUV3_CMDQ_ENT_SIZE 16u
#define SMMUV3_CMDQ_ENT_DWORDS 2u
#define SMMUV3_EVTQ_ENT_SIZE 32u
#define SMMUV3_EVTQ_ENT_DWORDS 4u
#define SMMUV3_PRIQ_ENT_SIZE 16u
#define SMMUV3_PRIQ_ENT_DWORDS 2u
#define SMMUV3_Q_OVF SMMUKIT_BIT(31)
#define SMMUV3_Q_MAX_LOG2SIZE 19u	/* largest IDR1.CMDQS/EVENTQS/PRIQS */

static inline uint32_t smmuv3_q_idx(uint32_t v, unsigned log2size)
{
	return v & (uint32_t)((UINT64_C(1) << log2size) - 1);
}

static inline uint32_t smmuv3_q_wrp(uint32_t v, unsigned log2size)
{
	return v & (uint32_t)(UINT64_C(1) << log2size);
}

/* The (wrap, index) counter without flags or error bits. */
static inline uint32_t smmuv3_q_ptr(uint32_t v, unsigned log2size)
{
	return v & (uint32_t)((UINT64_C(2) << log2size) - 1);
}

static inline bool smmuv3_q_empty(uint32_t prod, uint32_t cons,
				  unsigned log2size)
{
	return smmuv3_q_ptr(prod, log2size) == smmuv3_q_ptr(cons, log2size);
}

static inline bool smmuv3_q_full(uint32_t prod, uint32_t cons,
				 unsigned log2size)
{
	return smmuv3_q_idx(prod, log2size) == smmuv3_q_idx(cons, log2size) &&
	       smmuv3_q_wrp(prod, log2size) != smmuv3_q_wrp(cons, log2size);
}

/* Entries written by the producer and not yet consumed. */
static inline uint32_t smmuv3_q_used(uint32_t prod, uint32_t cons,
				     unsigned log2size)
{
	return (smmuv3_q_ptr(prod, log2size) - smmuv3_q_ptr(cons, log2size)) &
	       (uint32_t)((UINT64_C(2) << log2size) - 1);
}

/* Free slots the producer may still fill. */
static inline uint32_t smmuv3_q_space(uint32_t prod, uint32_t cons,
				      unsigned log2size)
{
	return (uint32_t)(UINT64_C(1) << log2size) -
	       smmuv3_q_used(prod, cons, log2size);
}

/*
 * Advance (wrap, index) by k slots (k <= 2^n), modulo 2^(n+1). Every other
 * bit of v (overflow flag, ERR) is kept unchanged.
 */
static inline uint32_t smmuv3_q_advance(uint32_t v, uint32_t k,
					unsigned log2size)
{
	uint32_t ptr_mask = (uint32_t)((UINT64_C(2) << log2size) - 1);

	return (v & ~ptr_mask) | ((v + k) & ptr_mask);
}

/*
 * Has the consumer passed slot `slot` (a (wrap, index) value, e.g. the one a
 * CMD_SYNC was written to)? Valid only while the producer cannot lap the
 * waiter a second time.
 */
static inline bool smmuv3_q_consumed(uint32_t cons, uint32_t slot,
				     unsigned log2size)
{
	uint32_t ci = smmuv3_q_idx(cons, log2size);
	uint32_t si = smmuv3_q_idx(slot, log2size);

	if (smmuv3_q_wrp(cons, log2size) == smmuv3_q_wrp(slot, log2size))
		return ci > si;
	return ci <= si;
}

/* ------------------------------------------------------------------------
 * Stream table.
 * ------------------------------------------------------------------------ */
#define SMMUV3_STE_SIZE 64u
#define SMMUV3_STE_DWORDS 8u
#define SMMUV3_L1STD_SIZE 8u

/* Level-1 stream table descriptor (2-level format). */
#define L1STD_SPAN SMMUKIT_GENMASK(4, 0)	/* 0: invalid; s: 2^(s-1) STEs */
#define L1STD_L2PTR SMMUKIT_GENMASK(51, 6)

/* STE DW0 */
#define STE0_V SMMUKIT_BIT(0)
#define STE0_CFG SMMUKIT_GENMASK(3, 1)
#define STE0_CFG_ABORT 0
#define STE0_CFG_BYPASS 4
#define STE0_CFG_S1_TRANS 5
#define STE0_CFG_S2_TRANS 6
#define STE0_CFG_NESTED 7
#define STE0_S1FMT SMMUKIT_GENMASK(5, 4)
#define STE0_S1FMT_LINEAR 0
#define STE0_S1FMT_4K_L2 1
#define STE0_S1FMT_64K_L2 2
/* [55:6] in the newest spec; bits above OAS (52 at most here) are RES0. */
#define STE0_S1CONTEXTPTR SMMUKIT_GENMASK(51, 6)
#define STE0_S1CDMAX SMMUKIT_GENMASK(63, 59)

/* STE DW1 */
#define STE1_S1DSS SMMUKIT_GENMASK(1, 0)
#define STE1_S1DSS_TERMINATE 0
#define STE1_S1DSS_BYPASS 1
#define STE1_S1DSS_SSID0 2
#define STE1_S1CIR SMMUKIT_GENMASK(3, 2)
#define STE1_S1COR SMMUKIT_GENMASK(5, 4)
#define STE1_S1CSH SMMUKIT_GENMASK(7, 6)
/* S1CIR/S1COR values */
#define STE1_S1C_NC 0
#define STE1_S1C_WBRA 1
#define STE1_S1C_WT 2
#define STE1_S1C_WB 3
#define STE1_S2HWU59 SMMUKIT_BIT(8)
#define STE1_S2HWU60 SMMUKIT_BIT(9)
#define STE1_S2HWU61 SMMUKIT_BIT(10)
#define STE1_S2HWU62 SMMUKIT_BIT(11)
#define STE1_DRE SMMUKIT_BIT(12)
#define STE1_CONT SMMUKIT_GENMASK(16, 13)
#define STE1_DCP SMMUKIT_BIT(17)
#define STE1_PPAR SMMUKIT_BIT(18)
#define STE1_MEV SMMUKIT_BIT(19)
#define STE1_SW_RESERVED SMMUKIT_GENMASK(23, 20)	/* ignored by the SMMU */
#define STE1_S1PIE SMMUKIT_BIT(24)
#define STE1_S2FWB SMMUKIT_BIT(25)
#define STE1_S1MPAM SMMUKIT_BIT(26)
#define STE1_S1STALLD SMMUKIT_BIT(27)
#define STE1_EATS SMMUKIT_GENMASK(29, 28)
#define STE1_EATS_ABT 0
#define STE1_EATS_TRANS 1
#define STE1_EATS_S1CHK 2	/* split-stage */
#define STE1_EATS_DPT 3	/* full ATS with DPT checks */
#define STE1_STRW SMMUKIT_GENMASK(31, 30)
#define STE1_STRW_NSEL1 0
#define STE1_STRW_EL2 2
#define STE1_MEMATTR SMMUKIT_GENMASK(35, 32)
#define STE1_MTCFG SMMUKIT_BIT(36)
#define STE1_ALLOCCFG SMMUKIT_GENMASK(40, 37)
#define STE1_SHCFG SMMUKIT_GENMASK(45, 44)
#define STE1_SHCFG_NSH 0
#define STE1_SHCFG_INCOMING 1
#define STE1_SHCFG_OSH 2
#define STE1_SHCFG_ISH 3
#define STE1_NSCFG SMMUKIT_GENMASK(47, 46)
#define STE1_PRIVCFG SMMUKIT_GENMASK(49, 48)
#define STE1_INSTCFG SMMUKIT_GENMASK(51, 50)

/* STE DW2: S2VMID and the stage-2 VTCR fields (bits [50:32]). */
#define STE2_S2VMID SMMUKIT_GENMASK(15, 0)
#define STE2_S2T0SZ SMMUKIT_GENMASK(37, 32)	/* 64 - IAS */
#define STE2_S2SL0 SMMUKIT_GENMASK(39, 38)
#define STE2_S2IR0 SMMUKIT_GENMASK(41, 40)
#define STE2_S2OR0 SMMUKIT_GENMASK(43, 42)
#define STE2_S2SH0 SMMUKIT_GENMASK(45, 44)
#define STE2_S2TG SMMUKIT_GENMASK(47, 46)
#define STE2_S2TG_4K 0
#define STE2_S2TG_64K 1
#define STE2_S2TG_16K 2
#define STE2_S2PS SMMUKIT_GENMASK(50, 48)	/* IDR5_OAS_* encoding */
#define STE2_S2AA64 SMMUKIT_BIT(51)
#define STE2_S2ENDI SMMUKIT_BIT(52)
#define STE2_S2AFFD SMMUKIT_BIT(53)
#define STE2_S2PTW SMMUKIT_BIT(54)
#define STE2_S2HD SMMUKIT_BIT(55)
#define STE2_S2HA SMMUKIT_BIT(56)
#define STE2_S2S SMMUKIT_BIT(57)
#define STE2_S2R SMMUKIT_BIT(58)
/* Walk cacheability values of S2IR0/S2OR0 (and CD IRGN0/ORGN0). */
#define SMMUV3_RGN_NC 0
#define SMMUV3_RGN_WBWA 1
#define SMMUV3_RGN_WT 2
#define SMMUV3_RGN_WB 3

/* STE DW3 */
#define STE3_S2TTB SMMUKIT_GENMASK(51, 4)

/* ------------------------------------------------------------------------
 * Context descriptor (64 B) and the level-1 CD table descriptor.
 * ------------------------------------------------------------------------ */
#define SMMUV3_CD_SIZE 64u
#define SMMUV3_CD_DWORDS 8u

#define CDL1_V SMMUKIT_BIT(0)
#define CDL1_L2PTR SMMUKIT_GENMASK(51, 12)

/* CD DW0 */
#define CD0_T0SZ SMMUKIT_GENMASK(5, 0)	/* IAS = 64 - T0SZ */
#define CD0_TG0 SMMUKIT_GENMASK(7, 6)
#define CD0_TG0_4K 0
#define CD0_TG0_64K 1
#define CD0_TG0_16K 2
#define CD0_IRGN0 SMMUKIT_GENMASK(9, 8)	/* SMMUV3_RGN_* */
#define CD0_ORGN0 SMMUKIT_GENMASK(11, 10)
#define CD0_SH0 SMMUKIT_GENMASK(13, 12)	/* SMMUV3_SH_* */
#define CD0_EPD0 SMMUKIT_BIT(14)
#define CD0_ENDI SMMUKIT_BIT(15)
#define CD0_T1SZ SMMUKIT_GENMASK(21, 16)
#define CD0_TG1 SMMUKIT_GENMASK(23, 22)	/* different encoding: */
#define CD0_TG1_16K 1
#define CD0_TG1_4K 2
#define CD0_TG1_64K 3
#define CD0_IRGN1 SMMUKIT_GENMASK(25, 24)
#define CD0_ORGN1 SMMUKIT_GENMASK(27, 26)
#define CD0_SH1 SMMUKIT_GENMASK(29, 28)
#define CD0_EPD1 SMMUKIT_BIT(30)
#define CD0_V SMMUKIT_BIT(31)
#define CD0_IPS SMMUKIT_GENMASK(34, 32)	/* IDR5_OAS_* encoding */
#define CD0_AFFD SMMUKIT_BIT(35)
#define CD0_WXN SMMUKIT_BIT(36)
#define CD0_UWXN SMMUKIT_BIT(37)
#define CD0_TBI0 SMMUKIT_BIT(38)
#define CD0_TBI1 SMMUKIT_BIT(39)
#define CD0_PAN SMMUKIT_BIT(40)
#define CD0_AA64 SMMUKIT_BIT(41)
#define CD0_HD SMMUKIT_BIT(42)
#define CD0_HA SMMUKIT_BIT(43)
#define CD0_S SMMUKIT_BIT(44)
#define CD0_R SMMUKIT_BIT(45)
#define CD0_A SMMUKIT_BIT(46)
#define CD0_ASET SMMUKIT_BIT(47)
#define CD0_ASID SMMUKIT_GENMASK(63, 48)

/* CD DW1, DW2 */
#define CD1_HAD0 SMMUKIT_BIT(1)
#define CD1_TTB0 SMMUKIT_GENMASK(51, 4)
#define CD2_HAD1 SMMUKIT_BIT(1)
#define CD2_TTB1 SMMUKIT_GENMASK(51, 4)
/* CD DW3: MAIR (8 attribute bytes); DW4: AMAIR (unverified). */
#define CD3_MAIR SMMUKIT_GENMASK(63, 0)
#define CD4_AMAIR SMMUKIT_GENMASK(63, 0)

/* ------------------------------------------------------------------------
 * Commands: 16 B as 2 doublewords; opcode in DW0[7:0]. Build them with
 * smmuv3_cmd_encode(), never by hand, outside tests.
 * ------------------------------------------------------------------------ */
enum smmuv3_opcode {
	SMMUV3_OP_PREFETCH_CONFIG = 0x01,
	SMMUV3_OP_PREFETCH_ADDR = 0x02,
	SMMUV3_OP_CFGI_STE = 0x03,
	SMMUV3_OP_CFGI_STE_RANGE = 0x04,	/* Range 31 = CFGI_ALL */
	SMMUV3_OP_CFGI_CD = 0x05,
	SMMUV3_OP_CFGI_CD_ALL = 0x06,
	/* There is no architected 0x07 "CFGI_ALL": it is CERROR_ILL. */
	SMMUV3_OP_TLBI_NH_ALL = 0x10,
	SMMUV3_OP_TLBI_NH_ASID = 0x11,
	SMMUV3_OP_TLBI_NH_VA = 0x12,
	SMMUV3_OP_TLBI_NH_VAA = 0x13,
	SMMUV3_OP_TLBI_EL3_ALL = 0x18,
	SMMUV3_OP_TLBI_EL3_VA = 0x1A,
	SMMUV3_OP_TLBI_EL2_ALL = 0x20,
	SMMUV3_OP_TLBI_EL2_ASID = 0x21,
	SMMUV3_OP_TLBI_EL2_VA = 0x22,
	SMMUV3_OP_TLBI_EL2_VAA = 0x23,
	SMMUV3_OP_TLBI_S12_VMALL = 0x28,
	SMMUV3_OP_TLBI_S2_IPA = 0x2A,
	SMMUV3_OP_TLBI_NSNH_ALL = 0x30,
	SMMUV3_OP_ATC_INV = 0x40,
	SMMUV3_OP_PRI_RESP = 0x41,
	SMMUV3_OP_RESUME = 0x44,
	SMMUV3_OP_STALL_TERM = 0x45,
	SMMUV3_OP_CMD_SYNC = 0x46,
};

#define SMMUV3_CFGI_RANGE_ALL 31u

/* Is op one of the TLB invalidation commands (0x10..0x30)? */
static inline bool smmuv3_op_is_tlbi(unsigned op)
{
	switch (op) {
	case SMMUV3_OP_TLBI_NH_ALL: case SMMUV3_OP_TLBI_NH_ASID:
	case SMMUV3_OP_TLBI_NH_VA: case SMMUV3_OP_TLBI_NH_VAA:
	case SMMUV3_OP_TLBI_EL3_ALL: case SMMUV3_OP_TLBI_EL3_VA:
	case SMMUV3_OP_TLBI_EL2_ALL: case SMMUV3_OP_TLBI_EL2_ASID:
	case SMMUV3_OP_TLBI_EL2_VA: case SMMUV3_OP_TLBI_EL2_VAA:
	case SMMUV3_OP_TLBI_S12_VMALL: case SMMUV3_OP_TLBI_S2_IPA:
	case SMMUV3_OP_TLBI_NSNH_ALL:
		return true;
	default:
		return false;
	}
}

/* DW0, shared by several commands. */
#define CMD0_OP SMMUKIT_GENMASK(7, 0)
#define CMD0_ATC_GLOBAL SMMUKIT_BIT(9)	/* ATC_INV */
#define CMD0_SSEC SMMUKIT_BIT(10)	/* secure; ILL on the NS queue */
#define CMD0_SSV SMMUKIT_BIT(11)
#define CMD0_SSID SMMUKIT_GENMASK(31, 12)
#define CMD0_SID SMMUKIT_GENMASK(63, 32)
#define CMD0_VMID SMMUKIT_GENMASK(47, 32)
#define CMD0_ASID SMMUKIT_GENMASK(63, 48)
/* TLBI range fields (with CMD1_TG != 0): (NUM + 1) << SCALE pages. */
#define CMD0_NUM SMMUKIT_GENMASK(16, 12)
#define CMD0_SCALE SMMUKIT_GENMASK(24, 20)
/*
 * RESUME: Action (Ac, 1 = retry) and Abort (Ab, for terminate). As one
 * two-bit field: TERM (RAZ/WI), RETRY, ABORT; 3 is retry with Ab ignored.
 */
#define CMD0_RESUME_RESP SMMUKIT_GENMASK(13, 12)
#define CMD0_RESUME_AC SMMUKIT_BIT(12)
#define CMD0_RESUME_AB SMMUKIT_BIT(13)
#define CMD_RESUME_RESP_TERM 0
#define CMD_RESUME_RESP_RETRY 1
#define CMD_RESUME_RESP_ABORT 2
/* CMD_SYNC */
#define CMD0_CS SMMUKIT_GENMASK(13, 12)
#define CMD0_CS_NONE 0
#define CMD0_CS_IRQ 1
#define CMD0_CS_SEV 2	/* 3 is reserved: CERROR_ILL */
#define CMD0_MSH SMMUKIT_GENMASK(23, 22)	/* SMMUV3_SH_* */
#define CMD0_MSIATTR SMMUKIT_GENMASK(27, 24)	/* SMMUV3_MEMATTR_* */
#define CMD0_MSIDATA SMMUKIT_GENMASK(63, 32)

/* DW1 */
#define CMD1_LEAF SMMUKIT_BIT(0)	/* CFGI_STE, CFGI_CD, TLBI_*VA*, S2_IPA */
#define CMD1_RANGE SMMUKIT_GENMASK(4, 0)	/* CFGI_STE_RANGE: 2^(Range+1) SIDs */
/* TTL128: 128-bit descriptor regimes only; unsupported here, so reserved. */
#define CMD1_TTL128 SMMUKIT_BIT(7)
#define CMD1_TTL SMMUKIT_GENMASK(9, 8)	/* leaf level hint, 0: any */
#define CMD1_TG SMMUKIT_GENMASK(11, 10)
#define CMD1_TG_NONE 0	/* non-range form */
#define CMD1_TG_4K 1
#define CMD1_TG_16K 2
#define CMD1_TG_64K 3
#define CMD1_ADDR SMMUKIT_GENMASK(63, 12)	/* TLBI VA, ATC_INV, PREFETCH_ADDR */
#define CMD1_IPA SMMUKIT_GENMASK(51, 12)	/* TLBI_S2_IPA */
#define CMD1_MSIADDR SMMUKIT_GENMASK(51, 2)	/* CMD_SYNC */
#define CMD1_ATC_SIZE SMMUKIT_GENMASK(5, 0)	/* log2 of 4K pages; 52: all */
#define SMMUV3_ATC_SIZE_ALL 52u
#define CMD1_PREFETCH_SIZE SMMUKIT_GENMASK(4, 0)	/* Stride, NS: unverified */
#define CMD1_PRI_GRPID SMMUKIT_GENMASK(8, 0)	/* PRGIndex */
#define CMD1_PRI_RESP SMMUKIT_GENMASK(13, 12)	/* DW1, as Linux; see docs/hw.md */
#define CMD_PRI_RESP_DENY 0	/* ResponseFailure */
#define CMD_PRI_RESP_FAIL 1	/* InvalidRequest */
#define CMD_PRI_RESP_SUCCESS 2	/* 3 is ILLEGAL */
#define CMD1_RESUME_STAG SMMUKIT_GENMASK(15, 0)

/*
 * One command as plain values; smmuv3_cmd_encode() turns it into words.
 * Values are never pre-shifted; addresses are byte addresses whose low bits
 * below the field must be zero. Fill only the member of the opcode.
 */
struct smmuv3_cmd {
	uint8_t opcode;	/* enum smmuv3_opcode */
	union {
		/* PREFETCH_CONFIG, PREFETCH_ADDR (size and addr: ADDR only) */
		struct {
			uint32_t sid;
			uint32_t ssid;
			bool ssv;
			bool ssec;
			uint32_t size;
			uint64_t addr;
		} prefetch;
		/* CFGI_STE (sid, leaf), CFGI_STE_RANGE (sid, range),
		 * CFGI_CD (sid, ssid, ssv, leaf), CFGI_CD_ALL (sid) */
		struct {
			uint32_t sid;
			uint32_t ssid;
			bool ssv;
			bool ssec;
			bool leaf;
			uint32_t range;
		} cfgi;
		/*
		 * Every TLBI_*. ALL forms use nothing (NH_ALL, S12_VMALL: vmid);
		 * *_ASID: asid (+ vmid for NH); VA forms: addr (IPA for S2_IPA),
		 * leaf, tg, ttl, num, scale. NH_VAA, EL2_VAA, EL3_VA and S2_IPA
		 * have no asid, EL2/EL3 forms no vmid.
		 */
		struct {
			uint32_t vmid;
			uint32_t asid;
			uint64_t addr;
			bool leaf;
			uint32_t tg;	/* CMD1_TG_* */
			uint32_t ttl;
			uint32_t num;
			uint32_t scale;
		} tlbi;
		struct {
			uint32_t sid;
			uint32_t ssid;
			bool ssv;
			bool global;
			uint32_t size;	/* CMD1_ATC_SIZE */
			uint64_t addr;
		} atc;
		struct {
			uint32_t sid;
			uint32_t ssid;
			bool ssv;
			uint32_t grpid;
			uint32_t resp;	/* CMD_PRI_RESP_* */
		} pri;
		struct {
			uint32_t sid;
			bool ssec;
			uint32_t resp;	/* CMD_RESUME_RESP_*, or 3 */
			uint32_t stag;
		} resume;
		struct {
			uint32_t sid;
			bool ssec;
		} stall_term;
		struct {
			uint32_t cs;	/* CMD0_CS_* */
			uint32_t msh;
			uint32_t msiattr;
			uint32_t msidata;
			uint64_t msiaddr;	/* 4-byte aligned */
		} sync;
	};
};

/*
 * Encode cmd into dw[0..1]. Returns 0, or -SMMUKIT_EINVAL for an unknown
 * opcode, a value that does not fit its field, a field the opcode does not
 * have, or a value the architecture makes ILLEGAL or UNPREDICTABLE (CS=3,
 * a range TLBI with NUM=SCALE=TTL=0, TG=16K with TTL=1, a range address
 * not aligned to the TTL level's block, ATC Size > 52); dw is then zero.
 */
int smmuv3_cmd_encode(const struct smmuv3_cmd *cmd, uint64_t dw[2]);

/*
 * Decode dw as the Non-secure command queue does. Returns
 * SMMUV3_CERROR_NONE with *cmd filled, or SMMUV3_CERROR_ILL for an
 * undefined opcode, SSec=1, TLBI_EL3_*, a non-zero bit outside the opcode's
 * fields (IHI 0070 4.1.5 lets an SMMU detect these), or an ILLEGAL value;
 * *cmd then holds the opcode and every field that was decodable. What
 * depends on features (EL2 without HYP, ATC_INV without ATS, TG != 0
 * without RIL, RESUME without stalls ...) is left to the caller.
 * -SMMUKIT_EINVAL (nothing written) if dw or cmd is NULL.
 */
int smmuv3_cmd_decode(const uint64_t dw[2], struct smmuv3_cmd *cmd);

/* "TLBI_NH_VA", or "UNKNOWN". Never NULL. */
const char *smmuv3_cmd_name(unsigned opcode);

/* CMDQ_CONS.ERR values. */
enum smmuv3_cerror {
	SMMUV3_CERROR_NONE = 0,
	SMMUV3_CERROR_ILL = 1,
	SMMUV3_CERROR_ABT = 2,
	SMMUV3_CERROR_ATC_INV_SYNC = 3,
};

/* "CERROR_ILL", or "CERROR_UNKNOWN". Never NULL. */
const char *smmuv3_cerror_name(unsigned code);

/* ------------------------------------------------------------------------
 * Range invalidation (IDR3.RIL). A TLBI_NH_VA/NH_VAA/EL2_VA/EL2_VAA/S2_IPA
 * with TG != 0 covers (NUM + 1) << SCALE pages of 2^(2*TG + 10) bytes from
 * Addr; TG = 0 names the one address Addr.
 * ------------------------------------------------------------------------ */
/*
 * Enough for any range of at most 2^38 pages (2^50 bytes at 4K), so for
 * any 48-bit address space at any granule. Bigger ranges may need more:
 * the split then returns a count above this, and the caller invalidates
 * the whole context instead.
 */
#define SMMUV3_RANGE_TLBI_MAX_CMDS 12u

struct smmuv3_range_tlbi {
	uint64_t addr;
	uint32_t num;
	uint32_t scale;
	uint32_t tg;	/* CMD1_TG_*, the same in every command of a split */
	uint32_t ttl;	/* likewise */
};

/*
 * Split [iova, iova + size) into range commands for a domain whose smallest
 * page is 2^pg_shift (12, 14 or 16). leaf_shift is log2 of the leaf size
 * gathered by unmap (a page or block size of that granule), giving TTL; 0
 * means unknown level (TTL = 0). Non-leaf invalidations pass leaf = false
 * and get TTL = 0. Whenever TTL = 0 a one-page first command is widened to
 * two pages, so that NUM = SCALE = TTL = 0 is never produced.
 *
 * SCALE never exceeds 31 (a five-bit field), so every command produced
 * encodes: once what is left of the count is a multiple of 2^31 pages, it
 * takes one command per 32 << 31 pages (2^48 bytes at 4K, 2^52 at 64K).
 * The whole 64-bit space at 4K needs about 2^16 commands.
 *
 * Writes up to max_cmds entries to out (which may be NULL when max_cmds is
 * 0) and returns the number of commands the range needs, or -SMMUKIT_EINVAL
 * (unaligned or empty range, wrap past 2^64, bad shifts). A count above
 * max_cmds means out holds only a prefix: the caller must not issue it
 * alone (invalidate the whole context instead).
 */
int smmuv3_range_tlbi_split(uint64_t iova, uint64_t size, unsigned pg_shift,
			    unsigned leaf_shift, bool leaf,
			    struct smmuv3_range_tlbi *out, unsigned max_cmds);

/*
 * The [start, end) a decoded TLBI VA-type command covers (start is Addr
 * aligned down to the TG page). TG = 0: the 4K page holding Addr (entries of
 * any size that contain it are hit). Returns 0; -SMMUKIT_EINVAL if cmd is
 * not a VA/IPA TLBI; -SMMUKIT_EOVERFLOW if the range reaches 2^64 (*end is
 * then UINT64_MAX: treat it as the end of the address space);
 * -SMMUKIT_ERANGE (start/end still set) if Addr is not aligned to the block
 * size of the TTL level, where IHI 0070 makes the range UNPREDICTABLE.
 */
int smmuv3_range_tlbi_span(const struct smmuv3_cmd *cmd, uint64_t *start,
			   uint64_t *end);

/* ------------------------------------------------------------------------
 * Event records: 32 B as 4 doublewords.
 * ------------------------------------------------------------------------ */
enum smmuv3_event_id {
	SMMUV3_EVT_F_UUT = 0x01,
	SMMUV3_EVT_C_BAD_STREAMID = 0x02,
	SMMUV3_EVT_F_STE_FETCH = 0x03,
	SMMUV3_EVT_C_BAD_STE = 0x04,
	SMMUV3_EVT_F_BAD_ATS_TREQ = 0x05,
	SMMUV3_EVT_F_STREAM_DISABLED = 0x06,
	SMMUV3_EVT_F_TRANSL_FORBIDDEN = 0x07,
	SMMUV3_EVT_C_BAD_SUBSTREAMID = 0x08,
	SMMUV3_EVT_F_CD_FETCH = 0x09,
	SMMUV3_EVT_C_BAD_CD = 0x0A,
	SMMUV3_EVT_F_WALK_EABT = 0x0B,
	SMMUV3_EVT_F_TRANSLATION = 0x10,
	SMMUV3_EVT_F_ADDR_SIZE = 0x11,
	SMMUV3_EVT_F_ACCESS = 0x12,
	SMMUV3_EVT_F_PERMISSION = 0x13,
	SMMUV3_EVT_F_TLB_CONFLICT = 0x20,
	SMMUV3_EVT_F_CFG_CONFLICT = 0x21,
	SMMUV3_EVT_E_PAGE_REQUEST = 0x24,
	SMMUV3_EVT_F_VMS_FETCH = 0x25,
};

#define EVT0_ID SMMUKIT_GENMASK(7, 0)
#define EVT0_SSV SMMUKIT_BIT(11)
#define EVT0_SSID SMMUKIT_GENMASK(31, 12)
#define EVT0_SID SMMUKIT_GENMASK(63, 32)
#define EVT1_STAG SMMUKIT_GENMASK(15, 0)
#define EVT1_STALL SMMUKIT_BIT(31)
#define EVT1_PNU SMMUKIT_BIT(33)
#define EVT1_IND SMMUKIT_BIT(34)
#define EVT1_RNW SMMUKIT_BIT(35)	/* 1: read */
#define EVT1_NSIPA SMMUKIT_BIT(38)
#define EVT1_S2 SMMUKIT_BIT(39)
/*
 * CLASS: what was being translated when the fault arose. A stage-1 fault
 * (S2 = 0) of F_TRANSLATION/F_ADDR_SIZE/F_ACCESS/F_PERMISSION is always
 * CLASS = IN with the IPA field UNKNOWN; a stage-2 fault (S2 = 1) says CD
 * (fetching a CD), TT (fetching a stage-1 descriptor) or IN, with the IPA
 * of that access in DW3. F_WALK_EABT of a stage-1 walk is S2 = 0, TT.
 */
#define EVT1_CLASS SMMUKIT_GENMASK(41, 40)
#define EVT1_CLASS_CD 0
#define EVT1_CLASS_TT 1
#define EVT1_CLASS_IN 2
#define EVT1_TT_READ SMMUKIT_BIT(44)	/* TTRnW: F_PERMISSION, CLASS = TT */
#define EVT1_UUT_REASON SMMUKIT_GENMASK(31, 16)	/* F_UUT only */
#define EVT2_INPUTADDR SMMUKIT_GENMASK(63, 0)
#define EVT3_FETCH_ADDR SMMUKIT_GENMASK(51, 3)	/* *_FETCH, F_WALK_EABT */
#define EVT3_IPA SMMUKIT_GENMASK(51, 12)	/* other faults, stage 2 */

/*
 * One event record as plain values. DW3 holds fetch_addr for F_STE_FETCH,
 * F_CD_FETCH, F_VMS_FETCH and F_WALK_EABT, ipa for every other event.
 */
struct smmuv3_event {
	uint8_t id;	/* enum smmuv3_event_id */
	uint32_t sid;
	uint32_t ssid;
	bool ssv;
	bool stall;
	uint32_t stag;
	bool pnu;
	bool ind;
	bool rnw;
	bool nsipa;
	bool s2;
	uint32_t class_;	/* EVT1_CLASS_* */
	bool tt_read;
	uint64_t input_addr;
	uint64_t ipa;
	uint64_t fetch_addr;
};

/* Does this event's DW3 hold a fetch address (rather than an IPA)? */
static inline bool smmuv3_event_has_fetch_addr(unsigned id)
{
	return id == SMMUV3_EVT_F_STE_FETCH || id == SMMUV3_EVT_F_CD_FETCH ||
	       id == SMMUV3_EVT_F_VMS_FETCH || id == SMMUV3_EVT_F_WALK_EABT;
}

/* Encode (the model). 0, or -SMMUKIT_EINVAL for a value not fitting. */
int smmuv3_event_encode(const struct smmuv3_event *evt, uint64_t dw[4]);

/* Decode (the driver). Always succeeds; unknown IDs are kept as is.
 * NULL dw gives a zeroed *evt; NULL evt is ignored. */
void smmuv3_event_decode(const uint64_t dw[4], struct smmuv3_event *evt);

/* "F_TRANSLATION", or "UNKNOWN". Never NULL. */
const char *smmuv3_event_name(unsigned id);

/* ------------------------------------------------------------------------
 * Small decoders both sides need.
 * ------------------------------------------------------------------------ */

/* Bits of an IDR5_OAS / CD0_IPS / STE2_S2PS value; 0 if reserved. */
static inline unsigned smmuv3_oas_bits(unsigned oas)
{
	static const unsigned char bits[] = { 32, 36, 40, 42, 44, 48, 52 };

	return oas < sizeof(bits) ? bits[oas] : 0;
}

/* TG field for a granule shift (12, 14, 16), or 0 for any other. */
static inline unsigned smmuv3_tg_from_shift(unsigned pg_shift)
{
	return (pg_shift == 12 || pg_shift == 14 || pg_shift == 16) ?
		       (pg_shift - 10) / 2 : 0;
}

#ifdef __cplusplus
}
#endif

#endif /* SMMUKIT_SMMUV3_HW_H */

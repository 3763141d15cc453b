/* SPDX-License-Identifier: MIT */
/*
 * VMSAv8-64 (LPAE) translation table descriptors, as the SMMU walks them.
 * Arm DDI 0487, "VMSAv8-64 translation table format descriptors".
 *
 * Declared once here and used by both the page-table code (src/pgtable) and
 * the hardware model's walker (model/), only through these names. A golden
 * test typed from the architecture guards against a wrong mask passing on
 * both sides.
 *
 * Error codes: none (descriptor helpers, inline, no failure).
 */
#ifndef SMMUKIT_LPAE_HW_H
#define SMMUKIT_LPAE_HW_H

#include "smmukit/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bits [1:0]: type. */
#define LPAE_DESC_VALID SMMUKIT_BIT(0)
#define LPAE_DESC_TYPE SMMUKIT_GENMASK(1, 0)
#define LPAE_DESC_TYPE_BLOCK 0x1	/* levels 1-2; reserved at level 3 */
#define LPAE_DESC_TYPE_TABLE 0x3	/* levels 0-2 */
#define LPAE_DESC_TYPE_PAGE 0x3	/* level 3 */

/* Lower attributes, stage 1. */
#define LPAE_S1_ATTRINDX SMMUKIT_GENMASK(4, 2)
#define LPAE_S1_NS SMMUKIT_BIT(5)
#define LPAE_S1_AP_UNPRIV SMMUKIT_BIT(6)	/* AP[1]: EL0 access allowed */
#define LPAE_S1_AP_RDONLY SMMUKIT_BIT(7)	/* AP[2]: read-only */
#define LPAE_S1_NG SMMUKIT_BIT(11)

/* Lower attributes, stage 2. */
#define LPAE_S2_MEMATTR SMMUKIT_GENMASK(5, 2)
#define LPAE_S2_MEMATTR_DEVICE 0x1
#define LPAE_S2_MEMATTR_NC 0x5
#define LPAE_S2_MEMATTR_WB 0xf
#define LPAE_S2_S2AP_READ SMMUKIT_BIT(6)
#define LPAE_S2_S2AP_WRITE SMMUKIT_BIT(7)

/* Lower attributes, both stages. */
#define LPAE_DESC_SH SMMUKIT_GENMASK(9, 8)
#define LPAE_SH_NONE 0x0
#define LPAE_SH_OUTER 0x2
#define LPAE_SH_INNER 0x3
#define LPAE_DESC_AF SMMUKIT_BIT(10)

/*
 * Output address. With 4K/16K granules OA[47:12] sits in place. With 64K,
 * OA[47:16] sits in place and OA[51:48] is packed into bits [15:12].
 */
#define LPAE_DESC_OA_48 SMMUKIT_GENMASK(47, 12)
#define LPAE_DESC_OA_64K_LO SMMUKIT_GENMASK(47, 16)
#define LPAE_DESC_OA_64K_HI SMMUKIT_GENMASK(15, 12)	/* holds OA[51:48] */

/* Upper attributes. */
#define LPAE_DESC_DBM SMMUKIT_BIT(51)
#define LPAE_DESC_CONT SMMUKIT_BIT(52)
#define LPAE_S1_PXN SMMUKIT_BIT(53)
#define LPAE_S1_UXN SMMUKIT_BIT(54)	/* XN at a single-EL regime */
/*
 * Stage-2 XN[1:0] is bits [54:53]. Without FEAT_XNX bit 53 is RES0 and bit
 * 54 alone is XN. With FEAT_XNX, XN[1:0] = 0b10 is "never executable" and
 * 0b11 means "executable at EL1, not EL0", so setting both bits (as Linux
 * does) would permit execution at EL1. Never-execute is bit 54 alone.
 */
#define LPAE_S2_XN SMMUKIT_BIT(54)
#define LPAE_S2_XN0 SMMUKIT_BIT(53)	/* FEAT_XNX modifier; RES0 without it */
/* Software bit: the table descriptor is already cleaned to memory. */
#define LPAE_DESC_SW_SYNC SMMUKIT_BIT(55)

/* Table descriptor attributes (stage 1 only). */
#define LPAE_TABLE_PXN SMMUKIT_BIT(59)
#define LPAE_TABLE_UXN SMMUKIT_BIT(60)
#define LPAE_TABLE_AP SMMUKIT_GENMASK(62, 61)
#define LPAE_TABLE_NS SMMUKIT_BIT(63)

/* MAIR attribute indices smmukit uses (Linux's choice), and the MAIR value. */
#define LPAE_MAIR_IDX_NC 0
#define LPAE_MAIR_IDX_WBRWA 1
#define LPAE_MAIR_IDX_DEV 2
#define LPAE_MAIR_IDX_INC_OWBRWA 3
#define LPAE_MAIR_VALUE UINT64_C(0x00000000f404ff44)

/* Pack a physical address into a descriptor for the given granule shift. */
static inline uint64_t lpae_oa_to_desc(uint64_t pa, unsigned pg_shift)
{
	if (pg_shift == 16)
		return (pa & LPAE_DESC_OA_64K_LO) |
		       smmukit_field_prep(LPAE_DESC_OA_64K_HI,
					  (pa >> 48) & 0xf);
	return pa & LPAE_DESC_OA_48;
}

/* Unpack the output (or next-table) address of a descriptor. */
static inline uint64_t lpae_desc_to_oa(uint64_t desc, unsigned pg_shift)
{
	if (pg_shift == 16)
		return (desc & LPAE_DESC_OA_64K_LO) |
		       (smmukit_field_get(LPAE_DESC_OA_64K_HI, desc) << 48);
	return desc & LPAE_DESC_OA_48;
}

#ifdef __cplusplus
}
#endif

#endif /* SMMUKIT_LPAE_HW_H */

// SPDX-License-Identifier: MIT
/*
 * SMMUv3 command and event-record encoders/decoders, range-invalidation
 * helpers and name tables. Layouts come from include/smmukit/smmuv3_hw.h
 * only; this file adds no bit positions of its own.
 *
 * Core code: freestanding, no allocation, no printing.
 */
#include "smmukit/smmuv3_hw.h"

/* ------------------------------------------------------------------------
 * Name tables
 * ------------------------------------------------------------------------ */

struct name_entry {
	uint8_t code;
	const char *name;
};

static const struct name_entry cmd_names[] = {
	{ SMMUV3_OP_PREFETCH_CONFIG, "PREFETCH_CONFIG" },
	{ SMMUV3_OP_PREFETCH_ADDR, "PREFETCH_ADDR" },
	{ SMMUV3_OP_CFGI_STE, "CFGI_STE" },
	{ SMMUV3_OP_CFGI_STE_RANGE, "CFGI_STE_RANGE" },
	{ SMMUV3_OP_CFGI_CD, "CFGI_CD" },
	{ SMMUV3_OP_CFGI_CD_ALL, "CFGI_CD_ALL" },
	{ SMMUV3_OP_TLBI_NH_ALL, "TLBI_NH_ALL" },
	{ SMMUV3_OP_TLBI_NH_ASID, "TLBI_NH_ASID" },
	{ SMMUV3_OP_TLBI_NH_VA, "TLBI_NH_VA" },
	{ SMMUV3_OP_TLBI_NH_VAA, "TLBI_NH_VAA" },
	{ SMMUV3_OP_TLBI_EL3_ALL, "TLBI_EL3_ALL" },
	{ SMMUV3_OP_TLBI_EL3_VA, "TLBI_EL3_VA" },
	{ SMMUV3_OP_TLBI_EL2_ALL, "TLBI_EL2_ALL" },
	{ SMMUV3_OP_TLBI_EL2_ASID, "TLBI_EL2_ASID" },
	{ SMMUV3_OP_TLBI_EL2_VA, "TLBI_EL2_VA" },
	{ SMMUV3_OP_TLBI_EL2_VAA, "TLBI_EL2_VAA" },
	{ SMMUV3_OP_TLBI_S12_VMALL, "TLBI_S12_VMALL" },
	{ SMMUV3_OP_TLBI_S2_IPA, "TLBI_S2_IPA" },
	{ SMMUV3_OP_TLBI_NSNH_ALL, "TLBI_NSNH_ALL" },
	{ SMMUV3_OP_ATC_INV, "ATC_INV" },
	{ SMMUV3_OP_PRI_RESP, "PRI_RESP" },
	{ SMMUV3_OP_RESUME, "RESUME" },
	{ SMMUV3_OP_STALL_TERM, "STALL_TERM" },
	{ SMMUV3_OP_CMD_SYNC, "CMD_SYNC" },
};

static const struct name_entry event_names[] = {
	{ SMMUV3_EVT_F_UUT, "F_UUT" },
	{ SMMUV3_EVT_C_BAD_STREAMID, "C_BAD_STREAMID" },
	{ SMMUV3_EVT_F_STE_FETCH, "F_STE_FETCH" },
	{ SMMUV3_EVT_C_BAD_STE, "C_BAD_STE" },
	{ SMMUV3_EVT_F_BAD_ATS_TREQ, "F_BAD_ATS_TREQ" },
	{ SMMUV3_EVT_F_STREAM_DISABLED, "F_STREAM_DISABLED" },
	{ SMMUV3_EVT_F_TRANSL_FORBIDDEN, "F_TRANSL_FORBIDDEN" },
	{ SMMUV3_EVT_C_BAD_SUBSTREAMID, "C_BAD_SUBSTREAMID" },
	{ SMMUV3_EVT_F_CD_FETCH, "F_CD_FETCH" },
	{ SMMUV3_EVT_C_BAD_CD, "C_BAD_CD" },
	{ SMMUV3_EVT_F_WALK_EABT, "F_WALK_EABT" },
	{ SMMUV3_EVT_F_TRANSLATION, "F_TRANSLATION" },
	{ SMMUV3_EVT_F_ADDR_SIZE, "F_ADDR_SIZE" },
	{ SMMUV3_EVT_F_ACCESS, "F_ACCESS" },
	{ SMMUV3_EVT_F_PERMISSION, "F_PERMISSION" },
	{ SMMUV3_EVT_F_TLB_CONFLICT, "F_TLB_CONFLICT" },
	{ SMMUV3_EVT_F_CFG_CONFLICT, "F_CFG_CONFLICT" },
	{ SMMUV3_EVT_E_PAGE_REQUEST, "E_PAGE_REQUEST" },
	{ SMMUV3_EVT_F_VMS_FETCH, "F_VMS_FETCH" },
};

static const char *lookup_name(const struct name_entry *tab, size_t n,
			       unsigned code, const char *unknown)
{
	for (size_t i = 0; i < n; i++)
		if (tab[i].code == code)
			return tab[i].name;
	return unknown;
}

const char *smmuv3_cmd_name(unsigned opcode)
{
	return lookup_name(cmd_names, SMMUKIT_ARRAY_SIZE(cmd_names), opcode,
			   "UNKNOWN");
}

const char *smmuv3_event_name(unsigned id)
{
	return lookup_name(event_names, SMMUKIT_ARRAY_SIZE(event_names), id,
			   "UNKNOWN");
}

const char *smmuv3_cerror_name(unsigned code)
{
	switch (code) {
	case SMMUV3_CERROR_NONE:
		return "CERROR_NONE";
	case SMMUV3_CERROR_ILL:
		return "CERROR_ILL";
	case SMMUV3_CERROR_ABT:
		return "CERROR_ABT";
	case SMMUV3_CERROR_ATC_INV_SYNC:
		return "CERROR_ATC_INV_SYNC";
	default:
		return "CERROR_UNKNOWN";
	}
}

/* ------------------------------------------------------------------------
 * Command encoder
 * ------------------------------------------------------------------------ */

/*
 * Field insertion that remembers a value which did not fit, so that each
 * case of the encoder reads as a list of fields and checks once at the end.
 */
struct enc {
	uint64_t dw[2];
	bool bad;
};

static void put(struct enc *e, unsigned w, uint64_t mask, uint64_t v)
{
	if (!smmukit_field_fits(mask, v))
		e->bad = true;
	e->dw[w] |= smmukit_field_prep(mask, v);
}

static void put_flag(struct enc *e, unsigned w, uint64_t bit, bool v)
{
	if (v)
		e->dw[w] |= bit;
}

/* An address held in place: every bit outside the mask must be zero. */
static void put_addr(struct enc *e, unsigned w, uint64_t mask, uint64_t addr)
{
	if (addr & ~mask)
		e->bad = true;
	e->dw[w] |= addr & mask;
}

/* Which fields a TLBI opcode carries. */
#define TLBI_HAS_VMID 0x1u
#define TLBI_HAS_ASID 0x2u
#define TLBI_HAS_RANGE 0x4u	/* NUM, SCALE in DW0; LEAF, TTL, TG, ADDR */
#define TLBI_IS_IPA 0x8u

static unsigned tlbi_fields(unsigned op)
{
	switch (op) {
	case SMMUV3_OP_TLBI_NH_ALL:
	case SMMUV3_OP_TLBI_S12_VMALL:
		return TLBI_HAS_VMID;
	case SMMUV3_OP_TLBI_NH_ASID:
		return TLBI_HAS_VMID | TLBI_HAS_ASID;
	case SMMUV3_OP_TLBI_NH_VA:
		return TLBI_HAS_VMID | TLBI_HAS_ASID | TLBI_HAS_RANGE;
	case SMMUV3_OP_TLBI_NH_VAA:
		return TLBI_HAS_VMID | TLBI_HAS_RANGE;
	case SMMUV3_OP_TLBI_EL2_ASID:
		return TLBI_HAS_ASID;
	case SMMUV3_OP_TLBI_EL2_VA:
		return TLBI_HAS_ASID | TLBI_HAS_RANGE;
	case SMMUV3_OP_TLBI_EL2_VAA:
	case SMMUV3_OP_TLBI_EL3_VA:	/* (Addr, Leaf): no ASID */
		return TLBI_HAS_RANGE;
	case SMMUV3_OP_TLBI_S2_IPA:
		return TLBI_HAS_VMID | TLBI_HAS_RANGE | TLBI_IS_IPA;
	default:	/* EL3_ALL, EL2_ALL, NSNH_ALL */
		return 0;
	}
}

/*
 * The range fields' ILLEGAL combinations (IHI 0070 4.4.1.1): TG != 0 with
 * NUM = SCALE = TTL = 0; TG = 16K with TTL = 1 (no level-1 leaves without
 * IDR5.DS, which smmukit does not implement). With TG = 0, NUM, SCALE and
 * TTL are RES0, and a non-zero value is treated as malformed.
 */
static bool tlbi_range_ok(uint64_t tg, uint64_t ttl, uint64_t num,
			  uint64_t scale)
{
	if (tg == CMD1_TG_NONE)
		return ttl == 0 && num == 0 && scale == 0;
	if (tg == CMD1_TG_16K && ttl == 1)
		return false;
	return !(ttl == 0 && num == 0 && scale == 0);
}

/*
 * log2 of the alignment a range address needs: the block size of the TTL
 * level (the TG page for TTL 0 or 3). Each level resolves (g - 3) bits.
 */
static unsigned tlbi_align_shift(unsigned tg, unsigned ttl)
{
	unsigned g = 2 * tg + 10;

	if (ttl == 0 || ttl == 3)
		return g;
	return g + (3 - ttl) * (g - 3);
}

static void encode_tlbi(struct enc *e, const struct smmuv3_cmd *cmd)
{
	unsigned f = tlbi_fields(cmd->opcode);

	if (f & TLBI_HAS_VMID)
		put(e, 0, CMD0_VMID, cmd->tlbi.vmid);
	else if (cmd->tlbi.vmid)
		e->bad = true;
	if (f & TLBI_HAS_ASID)
		put(e, 0, CMD0_ASID, cmd->tlbi.asid);
	else if (cmd->tlbi.asid)
		e->bad = true;
	if (!(f & TLBI_HAS_RANGE)) {
		if (cmd->tlbi.addr || cmd->tlbi.leaf || cmd->tlbi.tg ||
		    cmd->tlbi.ttl || cmd->tlbi.num || cmd->tlbi.scale)
			e->bad = true;
		return;
	}

	put(e, 0, CMD0_NUM, cmd->tlbi.num);
	put(e, 0, CMD0_SCALE, cmd->tlbi.scale);
	put_flag(e, 1, CMD1_LEAF, cmd->tlbi.leaf);
	put(e, 1, CMD1_TTL, cmd->tlbi.ttl);
	put(e, 1, CMD1_TG, cmd->tlbi.tg);
	put_addr(e, 1, (f & TLBI_IS_IPA) ? CMD1_IPA : CMD1_ADDR,
		 cmd->tlbi.addr);
	if (!tlbi_range_ok(cmd->tlbi.tg, cmd->tlbi.ttl, cmd->tlbi.num,
			   cmd->tlbi.scale))
		e->bad = true;
	/* A range starts on a block of its TTL level (else UNPREDICTABLE). */
	if (cmd->tlbi.tg != CMD1_TG_NONE && cmd->tlbi.tg <= 3 &&
	    cmd->tlbi.ttl <= 3 &&
	    !smmukit_is_aligned(cmd->tlbi.addr,
				UINT64_C(1) << tlbi_align_shift(cmd->tlbi.tg,
								cmd->tlbi.ttl)))
		e->bad = true;
}

int smmuv3_cmd_encode(const struct smmuv3_cmd *cmd, uint64_t dw[2])
{
	struct enc e = { { 0, 0 }, false };

	if (!dw)
		return -SMMUKIT_EINVAL;
	if (!cmd) {
		dw[0] = 0;
		dw[1] = 0;
		return -SMMUKIT_EINVAL;
	}
	e.dw[0] = smmukit_field_prep(CMD0_OP, cmd->opcode);

	switch (cmd->opcode) {
	case SMMUV3_OP_PREFETCH_CONFIG:
	case SMMUV3_OP_PREFETCH_ADDR:
		put_flag(&e, 0, CMD0_SSEC, cmd->prefetch.ssec);
		put_flag(&e, 0, CMD0_SSV, cmd->prefetch.ssv);
		put(&e, 0, CMD0_SSID, cmd->prefetch.ssid);
		put(&e, 0, CMD0_SID, cmd->prefetch.sid);
		if (cmd->opcode == SMMUV3_OP_PREFETCH_ADDR) {
			put(&e, 1, CMD1_PREFETCH_SIZE, cmd->prefetch.size);
			put_addr(&e, 1, CMD1_ADDR, cmd->prefetch.addr);
		} else if (cmd->prefetch.size || cmd->prefetch.addr) {
			e.bad = true;
		}
		break;

	case SMMUV3_OP_CFGI_STE:
	case SMMUV3_OP_CFGI_STE_RANGE:
	case SMMUV3_OP_CFGI_CD:
	case SMMUV3_OP_CFGI_CD_ALL:
		put_flag(&e, 0, CMD0_SSEC, cmd->cfgi.ssec);
		put(&e, 0, CMD0_SID, cmd->cfgi.sid);
		if (cmd->opcode == SMMUV3_OP_CFGI_CD) {
			put_flag(&e, 0, CMD0_SSV, cmd->cfgi.ssv);
			put(&e, 0, CMD0_SSID, cmd->cfgi.ssid);
		} else if (cmd->cfgi.ssv || cmd->cfgi.ssid) {
			e.bad = true;
		}
		if (cmd->opcode == SMMUV3_OP_CFGI_STE ||
		    cmd->opcode == SMMUV3_OP_CFGI_CD)
			put_flag(&e, 1, CMD1_LEAF, cmd->cfgi.leaf);
		else if (cmd->cfgi.leaf)
			e.bad = true;
		if (cmd->opcode == SMMUV3_OP_CFGI_STE_RANGE)
			put(&e, 1, CMD1_RANGE, cmd->cfgi.range);
		else if (cmd->cfgi.range)
			e.bad = true;
		break;

	case SMMUV3_OP_TLBI_NH_ALL:
	case SMMUV3_OP_TLBI_NH_ASID:
	case SMMUV3_OP_TLBI_NH_VA:
	case SMMUV3_OP_TLBI_NH_VAA:
	case SMMUV3_OP_TLBI_EL3_ALL:
	case SMMUV3_OP_TLBI_EL3_VA:
	case SMMUV3_OP_TLBI_EL2_ALL:
	case SMMUV3_OP_TLBI_EL2_ASID:
	case SMMUV3_OP_TLBI_EL2_VA:
	case SMMUV3_OP_TLBI_EL2_VAA:
	case SMMUV3_OP_TLBI_S12_VMALL:
	case SMMUV3_OP_TLBI_S2_IPA:
	case SMMUV3_OP_TLBI_NSNH_ALL:
		encode_tlbi(&e, cmd);
		break;

	case SMMUV3_OP_ATC_INV:
		put_flag(&e, 0, CMD0_SSV, cmd->atc.ssv);
		put_flag(&e, 0, CMD0_ATC_GLOBAL, cmd->atc.global);
		put(&e, 0, CMD0_SSID, cmd->atc.ssid);
		put(&e, 0, CMD0_SID, cmd->atc.sid);
		put(&e, 1, CMD1_ATC_SIZE, cmd->atc.size);
		put_addr(&e, 1, CMD1_ADDR, cmd->atc.addr);
		if (cmd->atc.size > SMMUV3_ATC_SIZE_ALL)
			e.bad = true;
		break;

	case SMMUV3_OP_PRI_RESP:
		put_flag(&e, 0, CMD0_SSV, cmd->pri.ssv);
		put(&e, 0, CMD0_SSID, cmd->pri.ssid);
		put(&e, 0, CMD0_SID, cmd->pri.sid);
		put(&e, 1, CMD1_PRI_GRPID, cmd->pri.grpid);
		put(&e, 1, CMD1_PRI_RESP, cmd->pri.resp);
		if (cmd->pri.resp > CMD_PRI_RESP_SUCCESS)
			e.bad = true;
		break;

	case SMMUV3_OP_RESUME:
		put_flag(&e, 0, CMD0_SSEC, cmd->resume.ssec);
		put(&e, 0, CMD0_SID, cmd->resume.sid);
		put(&e, 0, CMD0_RESUME_RESP, cmd->resume.resp);
		put(&e, 1, CMD1_RESUME_STAG, cmd->resume.stag);
		break;

	case SMMUV3_OP_STALL_TERM:
		put_flag(&e, 0, CMD0_SSEC, cmd->stall_term.ssec);
		put(&e, 0, CMD0_SID, cmd->stall_term.sid);
		break;

	case SMMUV3_OP_CMD_SYNC:
		put(&e, 0, CMD0_CS, cmd->sync.cs);
		put(&e, 0, CMD0_MSH, cmd->sync.msh);
		put(&e, 0, CMD0_MSIATTR, cmd->sync.msiattr);
		put(&e, 0, CMD0_MSIDATA, cmd->sync.msidata);
		put_addr(&e, 1, CMD1_MSIADDR, cmd->sync.msiaddr);
		if (cmd->sync.cs > CMD0_CS_SEV)
			e.bad = true;
		break;

	default:
		e.bad = true;
		break;
	}

	if (e.bad) {
		dw[0] = 0;
		dw[1] = 0;
		return -SMMUKIT_EINVAL;
	}
	dw[0] = e.dw[0];
	dw[1] = e.dw[1];
	return 0;
}

/* ------------------------------------------------------------------------
 * Command decoder
 * ------------------------------------------------------------------------ */

static uint32_t get32(uint64_t mask, uint64_t dw)
{
	return (uint32_t)smmukit_field_get(mask, dw);
}

/*
 * The bits each opcode defines, beyond the opcode itself. A set bit outside
 * them is a reserved field: CERROR_ILL.
 */
static bool cmd_layout(unsigned op, uint64_t *dw0_ok, uint64_t *dw1_ok)
{
	unsigned f;

	*dw0_ok = CMD0_OP;
	*dw1_ok = 0;
	switch (op) {
	case SMMUV3_OP_PREFETCH_CONFIG:
		*dw0_ok |= CMD0_SSEC | CMD0_SSV | CMD0_SSID | CMD0_SID;
		return true;
	case SMMUV3_OP_PREFETCH_ADDR:
		*dw0_ok |= CMD0_SSEC | CMD0_SSV | CMD0_SSID | CMD0_SID;
		/* Bits [11:5] are accepted as they stand: unverified. */
		*dw1_ok = CMD1_ADDR | SMMUKIT_GENMASK(11, 0);
		return true;
	case SMMUV3_OP_CFGI_STE:
		*dw0_ok |= CMD0_SSEC | CMD0_SID;
		*dw1_ok = CMD1_LEAF;
		return true;
	case SMMUV3_OP_CFGI_STE_RANGE:
		*dw0_ok |= CMD0_SSEC | CMD0_SID;
		*dw1_ok = CMD1_RANGE;
		return true;
	case SMMUV3_OP_CFGI_CD:
		*dw0_ok |= CMD0_SSEC | CMD0_SSV | CMD0_SSID | CMD0_SID;
		*dw1_ok = CMD1_LEAF;
		return true;
	case SMMUV3_OP_CFGI_CD_ALL:
		*dw0_ok |= CMD0_SSEC | CMD0_SID;
		return true;
	case SMMUV3_OP_TLBI_NH_ALL:
	case SMMUV3_OP_TLBI_NH_ASID:
	case SMMUV3_OP_TLBI_NH_VA:
	case SMMUV3_OP_TLBI_NH_VAA:
	case SMMUV3_OP_TLBI_EL3_ALL:
	case SMMUV3_OP_TLBI_EL3_VA:
	case SMMUV3_OP_TLBI_EL2_ALL:
	case SMMUV3_OP_TLBI_EL2_ASID:
	case SMMUV3_OP_TLBI_EL2_VA:
	case SMMUV3_OP_TLBI_EL2_VAA:
	case SMMUV3_OP_TLBI_S12_VMALL:
	case SMMUV3_OP_TLBI_S2_IPA:
	case SMMUV3_OP_TLBI_NSNH_ALL:
		f = tlbi_fields(op);
		if (f & TLBI_HAS_VMID)
			*dw0_ok |= CMD0_VMID;
		if (f & TLBI_HAS_ASID)
			*dw0_ok |= CMD0_ASID;
		if (f & TLBI_HAS_RANGE) {
			*dw0_ok |= CMD0_NUM | CMD0_SCALE;
			*dw1_ok = CMD1_LEAF | CMD1_TTL | CMD1_TG |
				  ((f & TLBI_IS_IPA) ? CMD1_IPA : CMD1_ADDR);
		}
		return true;
	case SMMUV3_OP_ATC_INV:
		*dw0_ok |= CMD0_SSV | CMD0_ATC_GLOBAL | CMD0_SSID | CMD0_SID;
		*dw1_ok = CMD1_ATC_SIZE | CMD1_ADDR;
		return true;
	case SMMUV3_OP_PRI_RESP:
		*dw0_ok |= CMD0_SSV | CMD0_SSID | CMD0_SID;
		*dw1_ok = CMD1_PRI_GRPID | CMD1_PRI_RESP;
		return true;
	case SMMUV3_OP_RESUME:
		*dw0_ok |= CMD0_SSEC | CMD0_RESUME_RESP | CMD0_SID;
		*dw1_ok = CMD1_RESUME_STAG;
		return true;
	case SMMUV3_OP_STALL_TERM:
		*dw0_ok |= CMD0_SSEC | CMD0_SID;
		return true;
	case SMMUV3_OP_CMD_SYNC:
		*dw0_ok |= CMD0_CS | CMD0_MSH | CMD0_MSIATTR | CMD0_MSIDATA;
		*dw1_ok = CMD1_MSIADDR;
		return true;
	default:
		return false;
	}
}

int smmuv3_cmd_decode(const uint64_t dw[2], struct smmuv3_cmd *cmd)
{
	uint64_t d0, d1;
	uint64_t ok0, ok1;
	unsigned op;
	bool ill = false;

	if (!dw || !cmd)
		return -SMMUKIT_EINVAL;
	d0 = dw[0];
	d1 = dw[1];
	op = get32(CMD0_OP, d0);

	/* Whole-object clear, padding included, so decoded commands compare
	 * equal byte for byte. */
	__builtin_memset(cmd, 0, sizeof(*cmd));
	cmd->opcode = (uint8_t)op;

	if (!cmd_layout(op, &ok0, &ok1))
		return SMMUV3_CERROR_ILL;
	if ((d0 & ~ok0) || (d1 & ~ok1))
		ill = true;
	/* This decoder serves the Non-secure command queue. */
	if ((ok0 & CMD0_SSEC) && (d0 & CMD0_SSEC))
		ill = true;

	switch (op) {
	case SMMUV3_OP_PREFETCH_CONFIG:
	case SMMUV3_OP_PREFETCH_ADDR:
		cmd->prefetch.ssec = d0 & CMD0_SSEC;
		cmd->prefetch.ssv = d0 & CMD0_SSV;
		cmd->prefetch.ssid = get32(CMD0_SSID, d0);
		cmd->prefetch.sid = get32(CMD0_SID, d0);
		if (op == SMMUV3_OP_PREFETCH_ADDR) {
			cmd->prefetch.size = get32(CMD1_PREFETCH_SIZE, d1);
			cmd->prefetch.addr = d1 & CMD1_ADDR;
		}
		break;

	case SMMUV3_OP_CFGI_STE:
	case SMMUV3_OP_CFGI_STE_RANGE:
	case SMMUV3_OP_CFGI_CD:
	case SMMUV3_OP_CFGI_CD_ALL:
		cmd->cfgi.ssec = d0 & CMD0_SSEC;
		cmd->cfgi.sid = get32(CMD0_SID, d0);
		if (op == SMMUV3_OP_CFGI_CD) {
			cmd->cfgi.ssv = d0 & CMD0_SSV;
			cmd->cfgi.ssid = get32(CMD0_SSID, d0);
		}
		if (op == SMMUV3_OP_CFGI_STE || op == SMMUV3_OP_CFGI_CD)
			cmd->cfgi.leaf = d1 & CMD1_LEAF;
		if (op == SMMUV3_OP_CFGI_STE_RANGE)
			cmd->cfgi.range = get32(CMD1_RANGE, d1);
		break;

	case SMMUV3_OP_TLBI_NH_ALL:
	case SMMUV3_OP_TLBI_NH_ASID:
	case SMMUV3_OP_TLBI_NH_VA:
	case SMMUV3_OP_TLBI_NH_VAA:
	case SMMUV3_OP_TLBI_EL3_ALL:
	case SMMUV3_OP_TLBI_EL3_VA:
	case SMMUV3_OP_TLBI_EL2_ALL:
	case SMMUV3_OP_TLBI_EL2_ASID:
	case SMMUV3_OP_TLBI_EL2_VA:
	case SMMUV3_OP_TLBI_EL2_VAA:
	case SMMUV3_OP_TLBI_S12_VMALL:
	case SMMUV3_OP_TLBI_S2_IPA:
	case SMMUV3_OP_TLBI_NSNH_ALL: {
		unsigned f = tlbi_fields(op);

		if (f & TLBI_HAS_VMID)
			cmd->tlbi.vmid = get32(CMD0_VMID, d0);
		if (f & TLBI_HAS_ASID)
			cmd->tlbi.asid = get32(CMD0_ASID, d0);
		if (f & TLBI_HAS_RANGE) {
			cmd->tlbi.num = get32(CMD0_NUM, d0);
			cmd->tlbi.scale = get32(CMD0_SCALE, d0);
			cmd->tlbi.leaf = d1 & CMD1_LEAF;
			cmd->tlbi.ttl = get32(CMD1_TTL, d1);
			cmd->tlbi.tg = get32(CMD1_TG, d1);
			cmd->tlbi.addr = d1 & ((f & TLBI_IS_IPA) ? CMD1_IPA :
								  CMD1_ADDR);
			if (!tlbi_range_ok(cmd->tlbi.tg, cmd->tlbi.ttl,
					   cmd->tlbi.num, cmd->tlbi.scale))
				ill = true;
		}
		/* EL3 maintenance is only legal on the Secure queue. */
		if (op == SMMUV3_OP_TLBI_EL3_ALL || op == SMMUV3_OP_TLBI_EL3_VA)
			ill = true;
		break;
	}

	case SMMUV3_OP_ATC_INV:
		cmd->atc.ssv = d0 & CMD0_SSV;
		cmd->atc.global = d0 & CMD0_ATC_GLOBAL;
		cmd->atc.ssid = get32(CMD0_SSID, d0);
		cmd->atc.sid = get32(CMD0_SID, d0);
		cmd->atc.size = get32(CMD1_ATC_SIZE, d1);
		cmd->atc.addr = d1 & CMD1_ADDR;
		/* Size > 52 may be ILL (IHI 0070 4.5.1): be strict. */
		if (cmd->atc.size > SMMUV3_ATC_SIZE_ALL)
			ill = true;
		break;

	case SMMUV3_OP_PRI_RESP:
		cmd->pri.ssv = d0 & CMD0_SSV;
		cmd->pri.ssid = get32(CMD0_SSID, d0);
		cmd->pri.sid = get32(CMD0_SID, d0);
		cmd->pri.grpid = get32(CMD1_PRI_GRPID, d1);
		cmd->pri.resp = get32(CMD1_PRI_RESP, d1);
		if (cmd->pri.resp > CMD_PRI_RESP_SUCCESS)
			ill = true;
		break;

	case SMMUV3_OP_RESUME:
		cmd->resume.ssec = d0 & CMD0_SSEC;
		cmd->resume.sid = get32(CMD0_SID, d0);
		cmd->resume.resp = get32(CMD0_RESUME_RESP, d0);
		cmd->resume.stag = get32(CMD1_RESUME_STAG, d1);
		break;

	case SMMUV3_OP_STALL_TERM:
		cmd->stall_term.ssec = d0 & CMD0_SSEC;
		cmd->stall_term.sid = get32(CMD0_SID, d0);
		break;

	case SMMUV3_OP_CMD_SYNC:
		cmd->sync.cs = get32(CMD0_CS, d0);
		cmd->sync.msh = get32(CMD0_MSH, d0);
		cmd->sync.msiattr = get32(CMD0_MSIATTR, d0);
		cmd->sync.msidata = get32(CMD0_MSIDATA, d0);
		cmd->sync.msiaddr = d1 & CMD1_MSIADDR;
		if (cmd->sync.cs > CMD0_CS_SEV)
			ill = true;
		break;
	}

	return ill ? SMMUV3_CERROR_ILL : SMMUV3_CERROR_NONE;
}

/* ------------------------------------------------------------------------
 * Range invalidation
 * ------------------------------------------------------------------------ */

/*
 * TTL for a leaf of size 2^leaf_shift in a granule of 2^pg_shift: each level
 * resolves (pg_shift - 3) bits, level 3 maps one granule. 0 if the size is
 * no leaf size of that granule.
 */
static unsigned leaf_ttl(unsigned pg_shift, unsigned leaf_shift)
{
	unsigned bits = pg_shift - 3;
	unsigned steps, ttl;

	if (leaf_shift < pg_shift || (leaf_shift - pg_shift) % bits)
		return 0;
	steps = (leaf_shift - pg_shift) / bits;
	if (steps > 2)
		return 0;
	ttl = 3 - steps;
	/* 16K has no level-1 leaf without IDR5.DS (IHI 0070 4.4.1.1). */
	if (pg_shift == 14 && ttl == 1)
		return 0;
	return ttl;
}

/* SCALE is a five-bit field: one command covers at most 32 << 31 pages. */
#define RANGE_SCALE_MAX 31u

/*
 * The split (Linux's __arm_smmu_tlb_inv_range() algorithm; IHI 0070 §4.4):
 * 1. num_pages = size >> pg_shift; TG = (pg_shift - 10) / 2.
 * 2. TTL from the leaf size; with TTL = 0, a page count whose low five bits
 *    are exactly 1 is rounded up by one page, so that no command can be
 *    NUM = SCALE = TTL = 0 (over-invalidating one page instead).
 * 3. Each command takes the five bits of the count starting at its lowest
 *    set bit: SCALE = that bit, NUM + 1 = the five bits.
 * 4. Once the lowest set bit is above 31 (which SCALE cannot name), the
 *    rest is a whole number of 2^31-page chunks: SCALE = 31 and up to 32
 *    chunks per command. Linux stops at the same point, but there only
 *    because its callers never pass such ranges; ours can (a walk flush of
 *    2^44 bytes), and an unencodable command must never reach the queue.
 */
int smmuv3_range_tlbi_split(uint64_t iova, uint64_t size, unsigned pg_shift,
			    unsigned leaf_shift, bool leaf,
			    struct smmuv3_range_tlbi *out, unsigned max_cmds)
{
	uint64_t num_pages, addr = iova;
	unsigned tg = smmuv3_tg_from_shift(pg_shift);
	unsigned ttl = 0;
	int n = 0;

	if (!tg || size == 0 || iova + size - 1 < iova || (!out && max_cmds))
		return -SMMUKIT_EINVAL;
	if (!smmukit_is_aligned(iova, UINT64_C(1) << pg_shift) ||
	    !smmukit_is_aligned(size, UINT64_C(1) << pg_shift))
		return -SMMUKIT_EINVAL;
	if (leaf && leaf_shift) {
		ttl = leaf_ttl(pg_shift, leaf_shift);
		if (!ttl)
			return -SMMUKIT_EINVAL;
		/* Every command must start on a block of the TTL level; then
		 * each one covers whole blocks and the next starts on one too. */
		if (!smmukit_is_aligned(iova, UINT64_C(1) << leaf_shift) ||
		    !smmukit_is_aligned(size, UINT64_C(1) << leaf_shift))
			return -SMMUKIT_EINVAL;
	}

	num_pages = size >> pg_shift;
	if (ttl == 0 && (num_pages & 31) == 1)
		num_pages++;

	while (num_pages) {
		unsigned scale = smmukit_ctz64(num_pages);
		uint64_t num;

		if (scale >= RANGE_SCALE_MAX) {
			uint64_t chunks = num_pages >> RANGE_SCALE_MAX;

			/* Only counting now: skip the (up to 2^16) commands
			 * that would not be written anyway. */
			if ((unsigned)n >= max_cmds) {
				n += (int)((chunks + 31) / 32);
				break;
			}
			scale = RANGE_SCALE_MAX;
			num = smmukit_min_u64(chunks, 32);
		} else {
			num = (num_pages >> scale) & 31;
		}
		if ((unsigned)n < max_cmds) {
			out[n].addr = addr;
			out[n].num = (uint32_t)(num - 1);
			out[n].scale = scale;
			out[n].tg = tg;
			out[n].ttl = ttl;
		}
		n++;
		addr += num << (scale + pg_shift);
		num_pages -= num << scale;
	}
	return n;
}

int smmuv3_range_tlbi_span(const struct smmuv3_cmd *cmd, uint64_t *start,
			   uint64_t *end)
{
	unsigned f;
	uint64_t pg, len, base;
	int ret = 0;

	if (!cmd || !start || !end)
		return -SMMUKIT_EINVAL;
	f = tlbi_fields(cmd->opcode);
	if (!(f & TLBI_HAS_RANGE) || cmd->tlbi.tg > 3 || cmd->tlbi.ttl > 3)
		return -SMMUKIT_EINVAL;
	if (cmd->tlbi.tg == CMD1_TG_NONE) {
		base = cmd->tlbi.addr & ~UINT64_C(0xfff);
		len = 0x1000;
	} else {
		if (cmd->tlbi.num > 31 || cmd->tlbi.scale > 31)
			return -SMMUKIT_EINVAL;
		pg = UINT64_C(1) << (2 * cmd->tlbi.tg + 10);
		base = cmd->tlbi.addr & ~(pg - 1);
		/* At most 32 << (31 + 16) = 2^52 bytes: no overflow here. */
		len = ((uint64_t)cmd->tlbi.num + 1) << cmd->tlbi.scale;
		len *= pg;
		if (!smmukit_is_aligned(cmd->tlbi.addr,
					UINT64_C(1) << tlbi_align_shift(
						cmd->tlbi.tg, cmd->tlbi.ttl)))
			ret = -SMMUKIT_ERANGE;
	}
	*start = base;
	if (len > UINT64_MAX - base) {
		*end = UINT64_MAX;
		return -SMMUKIT_EOVERFLOW;
	}
	*end = base + len;
	return ret;
}

/* ------------------------------------------------------------------------
 * Event records
 * ------------------------------------------------------------------------ */

int smmuv3_event_encode(const struct smmuv3_event *evt, uint64_t dw[4])
{
	uint64_t d[4] = { 0, 0, 0, 0 };
	uint64_t dw3_addr;
	uint64_t dw3_mask;

	if (!dw)
		return -SMMUKIT_EINVAL;
	if (!evt)
		goto bad;
	if (!smmukit_field_fits(EVT0_SSID, evt->ssid) ||
	    !smmukit_field_fits(EVT1_STAG, evt->stag) ||
	    !smmukit_field_fits(EVT1_CLASS, evt->class_))
		goto bad;

	if (smmuv3_event_has_fetch_addr(evt->id)) {
		dw3_addr = evt->fetch_addr;
		dw3_mask = EVT3_FETCH_ADDR;
	} else {
		dw3_addr = evt->ipa;
		dw3_mask = EVT3_IPA;
	}
	/* Low address bits are not recorded; bits above 51 do not fit. */
	if (dw3_addr & ~SMMUKIT_GENMASK(51, 0))
		goto bad;

	d[0] = smmukit_field_prep(EVT0_ID, evt->id) |
	       (evt->ssv ? EVT0_SSV : 0) |
	       smmukit_field_prep(EVT0_SSID, evt->ssid) |
	       smmukit_field_prep(EVT0_SID, evt->sid);
	d[1] = smmukit_field_prep(EVT1_STAG, evt->stag) |
	       (evt->stall ? EVT1_STALL : 0) | (evt->pnu ? EVT1_PNU : 0) |
	       (evt->ind ? EVT1_IND : 0) | (evt->rnw ? EVT1_RNW : 0) |
	       (evt->nsipa ? EVT1_NSIPA : 0) | (evt->s2 ? EVT1_S2 : 0) |
	       smmukit_field_prep(EVT1_CLASS, evt->class_) |
	       (evt->tt_read ? EVT1_TT_READ : 0);
	d[2] = evt->input_addr;
	d[3] = dw3_addr & dw3_mask;
	for (unsigned i = 0; i < 4; i++)
		dw[i] = d[i];
	return 0;
bad:
	for (unsigned i = 0; i < 4; i++)
		dw[i] = 0;
	return -SMMUKIT_EINVAL;
}

void smmuv3_event_decode(const uint64_t dw[4], struct smmuv3_event *evt)
{
	if (!evt)
		return;
	__builtin_memset(evt, 0, sizeof(*evt));
	if (!dw)
		return;
	evt->id = (uint8_t)smmukit_field_get(EVT0_ID, dw[0]);
	evt->ssv = dw[0] & EVT0_SSV;
	evt->ssid = (uint32_t)smmukit_field_get(EVT0_SSID, dw[0]);
	evt->sid = (uint32_t)smmukit_field_get(EVT0_SID, dw[0]);
	evt->stag = (uint32_t)smmukit_field_get(EVT1_STAG, dw[1]);
	evt->stall = dw[1] & EVT1_STALL;
	evt->pnu = dw[1] & EVT1_PNU;
	evt->ind = dw[1] & EVT1_IND;
	evt->rnw = dw[1] & EVT1_RNW;
	evt->nsipa = dw[1] & EVT1_NSIPA;
	evt->s2 = dw[1] & EVT1_S2;
	evt->class_ = (uint32_t)smmukit_field_get(EVT1_CLASS, dw[1]);
	evt->tt_read = dw[1] & EVT1_TT_READ;
	evt->input_addr = dw[2];
	if (smmuv3_event_has_fetch_addr(evt->id))
		evt->fetch_addr = dw[3] & EVT3_FETCH_ADDR;
	else
		evt->ipa = dw[3] & EVT3_IPA;
}

/* SPDX-License-Identifier: MIT */
/*
 * Stage-1 walks by hand-built tables: every granule and several input
 * sizes, pages and blocks, permissions, access flag, output size, external
 * aborts, reserved encodings, CD.R gating, and the event fields.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "model_testlib.h"

#define SID 3

static uint64_t cd_pa;

/* A stage-1 stream over a table of granule pg and input size ias. */
static void s1_stream(struct mt *t, struct mt_pt *pt, unsigned pg,
		      unsigned ias, uint32_t asid)
{
	uint64_t dw[4];

	assert_int_equal(mt_pt_init(t, pt, 1, pg, ias), 0);
	cd_pa = mt_alloc(t, 0);
	mt_cd_write(t, cd_pa, asid, pt);
	mt_ste_s1(dw, cd_pa);
	mt_ste_write(t, SID, dw);
	mt_cfgi_ste(t, SID);
	assert_int_equal(mt_sync(t), 0);
}

static uint64_t xlate(struct mt *t, uint64_t iova, bool w, unsigned *ev)
{
	struct smmukit_model_dma_result r;

	*ev = (unsigned)smmukit_model_translate(t->m, SID, SMMUKIT_MODEL_NO_SSID,
						iova, w, &r);
	return r.pa;
}

static void test_granules_and_sizes(void **state)
{
	static const struct { unsigned pg, ias; } cases[] = {
		{ 12, 32 }, { 12, 39 }, { 12, 40 }, { 12, 48 },
		{ 14, 36 }, { 14, 47 }, { 14, 48 },
		{ 16, 42 }, { 16, 44 }, { 16, 48 },
	};

	(void)state;
	for (size_t i = 0; i < SMMUKIT_ARRAY_SIZE(cases); i++) {
		struct mt t;
		struct mt_pt pt;
		unsigned pg = cases[i].pg, ias = cases[i].ias, ev;
		uint64_t page = UINT64_C(1) << pg;
		uint64_t blk_sz = page << (pg - 3);
		uint64_t data = 0, blk = 0, top = (UINT64_C(1) << ias) - page;
		char buf[8];

		assert_int_equal(mt_setup(&t, NULL, NULL), 0);
		assert_int_equal(mt_enable(&t, 6, false), 0);
		s1_stream(&t, &pt, pg, ias, 1);
		data = mt_alloc(&t, pg - 12);
		/* A page near the bottom and one at the very top of the IAS. */
		assert_int_equal(mt_pt_map(&t, &pt, page, data, pg, MT_RW), 0);
		assert_int_equal(mt_pt_map(&t, &pt, top, data, pg, MT_RW), 0);
		assert_int_equal(xlate(&t, page + 0x42, false, &ev), data + 0x42);
		assert_int_equal(ev, 0);
		assert_int_equal(xlate(&t, top + 8, true, &ev), data + 8);
		assert_int_equal(ev, 0);
		/* A block of the next level up, when the space holds one. */
		if (blk_sz <= (UINT64_C(4) << 20) && ias > pg + (pg - 3)) {
			blk = mt_alloc(&t, (unsigned)smmukit_ilog2(blk_sz) - 12);
			assert_int_not_equal(blk, 0);
			assert_int_equal(mt_pt_map(&t, &pt, 4 * blk_sz, blk,
						   pg + pg - 3, MT_RW), 0);
			assert_int_equal(xlate(&t, 4 * blk_sz + blk_sz - 4, false,
					       &ev),
					 blk + blk_sz - 4);
			assert_int_equal(ev, 0);
			memcpy(mt_va(&t, blk + page), "block!!", 8);
			assert_int_equal(mt_dma_read(&t, SID, 4 * blk_sz + page,
						     buf, 8), 0);
			assert_memory_equal(buf, "block!!", 8);
		}
		/* Beyond the input size: F_TRANSLATION. */
		if (ias < 48) {
			xlate(&t, UINT64_C(1) << ias, false, &ev);
			assert_int_equal(ev, SMMUV3_EVT_F_TRANSLATION);
		}
		xlate(&t, 3 * page, false, &ev);
		assert_int_equal(ev, SMMUV3_EVT_F_TRANSLATION);
		mt_teardown(&t);
	}
}

static void test_permissions_af(void **state)
{
	struct mt t;
	struct mt_pt pt;
	struct smmuv3_event e;
	uint64_t data;
	unsigned ev;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	s1_stream(&t, &pt, 12, 48, 1);
	data = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, 0x1000, data, 12, MT_R);
	mt_pt_map(&t, &pt, 0x2000, data, 12, MT_RW | MT_NOAF);
	mt_pt_map(&t, &pt, 0x3000, data, 12, MT_RW | MT_PRIV);
	assert_int_equal(xlate(&t, 0x1000, false, &ev), data);
	assert_int_equal(ev, 0);
	xlate(&t, 0x1000, true, &ev);
	assert_int_equal(ev, SMMUV3_EVT_F_PERMISSION);
	assert_int_equal(mt_evt_next(&t, &e), 1);
	assert_int_equal(e.id, SMMUV3_EVT_F_PERMISSION);
	assert_int_equal(e.sid, SID);
	assert_int_equal(e.input_addr, 0x1000);
	assert_false(e.rnw);
	assert_false(e.s2);
	/* The permission fault also comes from the IOTLB entry. */
	xlate(&t, 0x1008, true, &ev);
	assert_int_equal(ev, SMMUV3_EVT_F_PERMISSION);
	xlate(&t, 0x2000, false, &ev);
	assert_int_equal(ev, SMMUV3_EVT_F_ACCESS);
	xlate(&t, 0x3000, false, &ev);
	assert_int_equal(ev, SMMUV3_EVT_F_PERMISSION);
	assert_int_equal(mt_evt_drain(&t), 3);
	mt_teardown(&t);
}

static void test_affd(void **state)
{
	struct mt t;
	struct mt_pt pt;
	uint64_t data;
	unsigned ev;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	s1_stream(&t, &pt, 12, 48, 1);
	data = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, 0x2000, data, 12, MT_RW | MT_NOAF);
	mt_w64(&t, cd_pa, mt_r64(&t, cd_pa) | CD0_AFFD);
	mt_cmd(&t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_CFGI_CD,
					 .cfgi = { .sid = SID, .leaf = true } });
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(xlate(&t, 0x2000, false, &ev), data);
	assert_int_equal(ev, 0);
	mt_teardown(&t);
}

static void test_record_gating(void **state)
{
	struct mt t;
	struct mt_pt pt;
	struct smmukit_model_dma_result r;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	s1_stream(&t, &pt, 12, 48, 1);
	mt_w64(&t, cd_pa, mt_r64(&t, cd_pa) & ~CD0_R);
	mt_cmd(&t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_CFGI_CD,
					 .cfgi = { .sid = SID } });
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(smmukit_model_translate(t.m, SID, SMMUKIT_MODEL_NO_SSID,
						 0x5000, false, &r),
			 SMMUV3_EVT_F_TRANSLATION);
	assert_false(r.recorded);
	assert_int_equal(mt_evt_drain(&t), 0);
	mt_teardown(&t);
}

static void test_addr_size_and_eabt(void **state)
{
	struct mt t;
	struct mt_pt pt;
	struct smmuv3_event e;
	uint64_t slot;
	unsigned ev;

	(void)state;
	/* OAS 32: RAM (0x8000_0000 + 256 MiB) still fits. */
	assert_int_equal(mt_setup(&t, "oas=32", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	s1_stream(&t, &pt, 12, 39, 1);
	mt_pt_map(&t, &pt, 0x1000, UINT64_C(0x100000000), 12, MT_RW);
	xlate(&t, 0x1000, false, &ev);
	assert_int_equal(ev, SMMUV3_EVT_F_ADDR_SIZE);
	/* A table descriptor beyond the output size. */
	slot = mt_pt_slot(&t, &pt, 0x40000000, pt.start);
	mt_w64(&t, slot, UINT64_C(0x200000000) | 3);
	xlate(&t, 0x40000000, false, &ev);
	assert_int_equal(ev, SMMUV3_EVT_F_ADDR_SIZE);
	/* A table outside RAM: external abort, with the fetch address. */
	slot = mt_pt_slot(&t, &pt, 0x80000000, pt.start);
	mt_w64(&t, slot, UINT64_C(0x1000) | 3);
	xlate(&t, 0x80000000, true, &ev);
	assert_int_equal(ev, SMMUV3_EVT_F_WALK_EABT);
	assert_int_equal(mt_evt_next(&t, &e), 1);
	assert_int_equal(e.id, SMMUV3_EVT_F_ADDR_SIZE);
	assert_int_equal(mt_evt_next(&t, &e), 1);
	assert_int_equal(e.id, SMMUV3_EVT_F_ADDR_SIZE);
	assert_int_equal(mt_evt_next(&t, &e), 1);
	assert_int_equal(e.id, SMMUV3_EVT_F_WALK_EABT);
	assert_int_equal(e.fetch_addr, 0x1000 + ((0x80000000 >> 21) & 511) * 8);
	assert_int_equal(e.class_, EVT1_CLASS_TT);
	assert_false(e.s2);
	assert_false(e.rnw);
	mt_teardown(&t);
}

static void test_reserved_encodings(void **state)
{
	struct mt t;
	struct mt_pt pt;
	uint64_t data, slot;
	unsigned ev;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	s1_stream(&t, &pt, 12, 48, 1);
	data = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, 0x1000, data, 12, MT_RW);
	/* Level-3 entry with type 0b01 is reserved. */
	slot = mt_pt_slot(&t, &pt, 0x1000, 3);
	mt_w64(&t, slot, (mt_r64(&t, slot) & ~UINT64_C(3)) | 1);
	xlate(&t, 0x1000, false, &ev);
	assert_int_equal(ev, SMMUV3_EVT_F_TRANSLATION);
	/* A block at level 0 (4K granule) is not allowed. */
	slot = mt_pt_slot(&t, &pt, UINT64_C(0x8000000000), 0);
	mt_w64(&t, slot, data | LPAE_DESC_AF | 1);
	xlate(&t, UINT64_C(0x8000000000), false, &ev);
	assert_int_equal(ev, SMMUV3_EVT_F_TRANSLATION);
	mt_teardown(&t);
}

static void test_ttb1_and_epd(void **state)
{
	struct mt t;
	struct mt_pt pt0, pt1;
	uint64_t cd, data, dw[4];
	unsigned ev;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_pt_init(&t, &pt0, 1, 12, 39), 0);
	assert_int_equal(mt_pt_init(&t, &pt1, 1, 12, 39), 0);
	cd = mt_alloc(&t, 0);
	mt_cd_write(&t, cd, 2, &pt0);
	/* Enable TTB1 (TG1 encoding differs) with T1SZ = 25. */
	mt_w64(&t, cd + 16, pt1.root & CD2_TTB1);
	mt_w64(&t, cd, (mt_r64(&t, cd) & ~CD0_EPD1) |
			       smmukit_field_prep(CD0_T1SZ, 25) |
			       smmukit_field_prep(CD0_TG1, CD0_TG1_4K));
	mt_ste_s1(dw, cd);
	mt_ste_write(&t, SID, dw);
	mt_cfgi_ste(&t, SID);
	assert_int_equal(mt_sync(&t), 0);
	data = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt1, UINT64_C(0xffffffffffe00000), data, 12, MT_RW);
	assert_int_equal(xlate(&t, UINT64_C(0xffffffffffe00010), false, &ev),
			 data + 0x10);
	assert_int_equal(ev, 0);
	/* Neither range: fault. */
	xlate(&t, UINT64_C(0x0000800000000000), false, &ev);
	assert_int_equal(ev, SMMUV3_EVT_F_TRANSLATION);
	mt_teardown(&t);
}

static void test_dma_crosses_pages(void **state)
{
	struct mt t;
	struct mt_pt pt;
	uint64_t a, b;
	char in[64], out[64];
	struct smmukit_model_dma_result r;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	s1_stream(&t, &pt, 12, 48, 1);
	a = mt_alloc(&t, 0);
	b = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, 0x7000, a, 12, MT_RW);
	mt_pt_map(&t, &pt, 0x8000, b, 12, MT_RW);
	for (int i = 0; i < 64; i++)
		in[i] = (char)i;
	assert_int_equal(mt_dma_write(&t, SID, 0x8000 - 32, in, 64), 0);
	assert_memory_equal((char *)mt_va(&t, a) + 4096 - 32, in, 32);
	assert_memory_equal(mt_va(&t, b), in + 32, 32);
	assert_int_equal(mt_dma_read(&t, SID, 0x8000 - 32, out, 64), 0);
	assert_memory_equal(in, out, 64);
	/* Faults part way: the bytes before the fault are done. */
	assert_int_equal(smmukit_model_dma(t.m, SID, SMMUKIT_MODEL_NO_SSID,
					   0x9000 - 16, 32, false, out, &r),
			 SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(r.bytes, 16);
	mt_teardown(&t);
}

static void test_big_blocks_and_52bit(void **state)
{
	struct mt t;
	struct mt_pt pt;
	unsigned ev;

	(void)state;
	/* 16K granule: a 32 MiB level-2 block (translate only: no data). */
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	s1_stream(&t, &pt, 14, 47, 1);
	assert_int_equal(mt_pt_map(&t, &pt, UINT64_C(0x6000000),
				   UINT64_C(0x82000000), 25, MT_RW), 0);
	assert_int_equal(xlate(&t, UINT64_C(0x7ffffff), false, &ev),
			 UINT64_C(0x83ffffff));
	assert_int_equal(ev, 0);
	mt_teardown(&t);

	/* 64K granule, 52-bit output: OA[51:48] packed in bits [15:12]. */
	assert_int_equal(mt_setup(&t, "oas=52", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	s1_stream(&t, &pt, 16, 48, 1);
	assert_int_equal(mt_pt_map(&t, &pt, 0x30000, UINT64_C(0xf123456780000),
				   16, MT_RW), 0);
	assert_int_equal(xlate(&t, 0x3abcd, true, &ev),
			 UINT64_C(0xf12345678abcd));
	assert_int_equal(ev, 0);
	/* 512 MiB level-2 block. */
	assert_int_equal(mt_pt_map(&t, &pt, UINT64_C(0x40000000),
				   UINT64_C(0x8000000000000), 29, MT_RW), 0);
	assert_int_equal(xlate(&t, UINT64_C(0x5fffffff), false, &ev),
			 UINT64_C(0x800001fffffff));
	assert_int_equal(ev, 0);
	mt_teardown(&t);

	/* The same 52-bit PA on a 48-bit SMMU: F_ADDR_SIZE. */
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	s1_stream(&t, &pt, 16, 48, 1);
	assert_int_equal(mt_pt_map(&t, &pt, 0x30000, UINT64_C(0xf123456780000),
				   16, MT_RW), 0);
	xlate(&t, 0x30000, false, &ev);
	assert_int_equal(ev, SMMUV3_EVT_F_ADDR_SIZE);
	mt_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_granules_and_sizes),
		cmocka_unit_test(test_permissions_af),
		cmocka_unit_test(test_affd),
		cmocka_unit_test(test_record_gating),
		cmocka_unit_test(test_addr_size_and_eabt),
		cmocka_unit_test(test_reserved_encodings),
		cmocka_unit_test(test_ttb1_and_epd),
		cmocka_unit_test(test_dma_crosses_pages),
		cmocka_unit_test(test_big_blocks_and_52bit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

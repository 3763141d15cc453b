/* SPDX-License-Identifier: MIT */
/*
 * Nested translation (STE Config = S1 + S2): the CD and every stage-1
 * table live at IPAs that stage 2 translates; faults at stage 2 are
 * reported with S2 = 1 and the class of the access (CD fetch, table walk,
 * input address); combined IOTLB entries are tagged by ASID and VMID.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "model_testlib.h"

#define SID 4
#define IPA_OFF UINT64_C(0x40000000)	/* stage 2: IPA = PA - 0x40000000 */

struct nest {
	struct mt t;
	struct mt_pt s2;
	struct mt_pt s1;	/* root holds the PA; tables read via PA */
	uint64_t cd_pa;
};

/* Map [pa, pa + len) at IPA pa - IPA_OFF in stage 2. */
static void s2_map_range(struct nest *n, uint64_t pa, uint64_t len)
{
	for (uint64_t off = 0; off < len; off += 4096)
		assert_int_equal(mt_pt_map(&n->t, &n->s2, pa + off - IPA_OFF,
					   pa + off, 12, MT_RW), 0);
}

/*
 * Build the stage-1 table with PAs, then rewrite every table pointer into
 * an IPA: simplest is to build it by hand at two levels we control.
 */
static void setup(struct nest *n)
{
	assert_int_equal(mt_setup(&n->t, NULL, NULL), 0);
	assert_int_equal(mt_enable(&n->t, 6, false), 0);
	assert_int_equal(mt_pt_init(&n->t, &n->s2, 2, 12, 40), 0);
	assert_int_equal(mt_pt_init(&n->t, &n->s1, 1, 12, 39), 0);
	n->cd_pa = mt_alloc(&n->t, 0);
	s2_map_range(n, n->cd_pa, 4096);
	s2_map_range(n, n->s1.root, 4096);
}

/* Stage-1 map of iova -> ipa with table pointers rewritten as IPAs. */
static void s1_map(struct nest *n, uint64_t iova, uint64_t ipa)
{
	struct mt_pt *pt = &n->s1;
	uint64_t table = pt->root;

	for (unsigned l = pt->start; l < 3; l++) {
		unsigned sh = 12 + (3 - l) * 9;
		unsigned nbits = l == pt->start ? pt->top_bits : 9;
		uint64_t slot = table + ((iova >> sh) & ((1u << nbits) - 1)) * 8;
		uint64_t d = mt_r64(&n->t, slot), next;

		if (!d) {
			next = mt_alloc(&n->t, 0);
			s2_map_range(n, next, 4096);
			mt_w64(&n->t, slot, ((next - IPA_OFF) & LPAE_DESC_OA_48) | 3);
		} else {
			next = (d & LPAE_DESC_OA_48) + IPA_OFF;
		}
		table = next;
	}
	mt_w64(&n->t, table + ((iova >> 12) & 511) * 8,
	       (ipa & LPAE_DESC_OA_48) | 3 | LPAE_DESC_AF | LPAE_S1_AP_UNPRIV |
		       LPAE_S1_NG);
}

static void attach(struct nest *n, uint32_t asid, uint32_t vmid)
{
	uint64_t dw[4];
	struct mt_pt ipa_root = n->s1;

	ipa_root.root = n->s1.root - IPA_OFF;
	mt_cd_write(&n->t, n->cd_pa, asid, &ipa_root);
	mt_ste_nested(dw, n->cd_pa - IPA_OFF, vmid, &n->s2, 48);
	mt_ste_write(&n->t, SID, dw);
	mt_cfgi_ste(&n->t, SID);
	assert_int_equal(mt_sync(&n->t), 0);
}

static void test_nested_translation(void **state)
{
	struct nest n;
	uint64_t data;
	char buf[8];
	struct smmukit_model_dma_result r;

	(void)state;
	setup(&n);
	data = mt_alloc(&n.t, 0);
	s2_map_range(&n, data, 4096);
	s1_map(&n, 0x123000, data - IPA_OFF);
	attach(&n, 11, 22);
	memcpy(mt_va(&n.t, data + 0x80), "nested!", 8);
	assert_int_equal(mt_dma_read(&n.t, SID, 0x123080, buf, 8), 0);
	assert_memory_equal(buf, "nested!", 8);
	/* Second access hits the combined IOTLB entry. */
	assert_int_equal(smmukit_model_translate(n.t.m, SID,
						 SMMUKIT_MODEL_NO_SSID, 0x123084,
						 false, &r), 0);
	assert_true(r.iotlb_hit);
	assert_int_equal(r.pa, data + 0x84);
	/* TLBI_S2_IPA does not touch combined entries; S12_VMALL does. */
	mt_cmd(&n.t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_S2_IPA,
					   .tlbi = { .vmid = 22,
						     .addr = data - IPA_OFF } });
	assert_int_equal(mt_sync(&n.t), 0);
	smmukit_model_translate(n.t.m, SID, SMMUKIT_MODEL_NO_SSID, 0x123084,
				false, &r);
	assert_true(r.iotlb_hit);
	mt_cmd(&n.t, &(struct smmuv3_cmd){ .opcode = SMMUV3_OP_TLBI_S12_VMALL,
					   .tlbi = { .vmid = 22 } });
	assert_int_equal(mt_sync(&n.t), 0);
	smmukit_model_translate(n.t.m, SID, SMMUKIT_MODEL_NO_SSID, 0x123084,
				false, &r);
	assert_false(r.iotlb_hit);
	mt_teardown(&n.t);
}

/*
 * Nested stage-1 walk-cache entries hold the PA of the next table (stage 2
 * applied), so freeing that page is caught and freeing the page whose PA
 * equals the table's IPA is not.
 */
static void test_nested_walk_cache_holds_pa(void **state)
{
	struct nest n;
	uint64_t data, l2, l3, iova = 0x200000;
	char buf[4];

	(void)state;
	setup(&n);
	data = mt_alloc(&n.t, 0);
	s2_map_range(&n, data, 4096);
	s1_map(&n, iova, data - IPA_OFF);
	attach(&n, 1, 3);
	assert_int_equal(mt_dma_read(&n.t, SID, iova, buf, 4), 0);
	l2 = (mt_r64(&n.t, n.s1.root + ((iova >> 30) & 511) * 8) &
	      LPAE_DESC_OA_48) + IPA_OFF;
	l3 = (mt_r64(&n.t, l2 + ((iova >> 21) & 511) * 8) & LPAE_DESC_OA_48) +
	     IPA_OFF;
	assert_true(mt_stats(&n.t).walkcache_valid > 0);
	assert_int_equal(smmukit_model_check_free(n.t.m, l2, 4096), 1);
	assert_int_equal(smmukit_model_check_free(n.t.m, l3, 4096), 1);
	assert_int_equal(smmukit_model_check_free(n.t.m, l3 - IPA_OFF, 4096), 0);
	assert_int_equal(smmukit_model_check_free(n.t.m, l2 - IPA_OFF, 4096), 0);
	mt_teardown(&n.t);
}

static void test_nested_faults(void **state)
{
	struct nest n;
	struct smmuv3_event e;
	uint64_t data, slot;

	(void)state;
	setup(&n);
	data = mt_alloc(&n.t, 0);
	s1_map(&n, 0x5000, 0x7000000);	/* IPA not mapped at stage 2 */
	attach(&n, 1, 2);
	assert_int_equal(smmukit_model_translate(n.t.m, SID,
						 SMMUKIT_MODEL_NO_SSID, 0x5000,
						 true, NULL),
			 SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(mt_evt_next(&n.t, &e), 1);
	assert_true(e.s2);
	assert_int_equal(e.class_, EVT1_CLASS_IN);
	assert_int_equal(e.ipa, 0x7000000);
	assert_int_equal(e.input_addr, 0x5000);

	/* A stage-1 table at an IPA that stage 2 does not map: CLASS = TT. */
	slot = n.s1.root + ((UINT64_C(0x40000000) >> 30) & 511) * 8;
	mt_w64(&n.t, slot, UINT64_C(0x9000000) | 3);
	assert_int_equal(smmukit_model_translate(n.t.m, SID,
						 SMMUKIT_MODEL_NO_SSID,
						 0x40000000, false, NULL),
			 SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(mt_evt_next(&n.t, &e), 1);
	assert_true(e.s2);
	assert_int_equal(e.class_, EVT1_CLASS_TT);
	assert_int_equal(e.ipa, 0x9000000 + ((0x40000000 >> 21) & 511) * 8);

	/* A stage-1 fault stays a stage-1 fault. */
	assert_int_equal(smmukit_model_translate(n.t.m, SID,
						 SMMUKIT_MODEL_NO_SSID, 0x6000,
						 false, NULL),
			 SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(mt_evt_next(&n.t, &e), 1);
	assert_false(e.s2);

	/* CD at an unmapped IPA: CLASS = CD. */
	{
		uint64_t dw[4];

		mt_ste_nested(dw, 0x5000000, 2, &n.s2, 48);
		mt_ste_write(&n.t, SID, dw);
		mt_cfgi_ste(&n.t, SID);
		assert_int_equal(mt_sync(&n.t), 0);
	}
	assert_int_equal(smmukit_model_translate(n.t.m, SID,
						 SMMUKIT_MODEL_NO_SSID, 0x5000,
						 false, NULL),
			 SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(mt_evt_next(&n.t, &e), 1);
	assert_true(e.s2);
	assert_int_equal(e.class_, EVT1_CLASS_CD);
	assert_int_equal(e.ipa, 0x5000000);
	(void)data;
	mt_teardown(&n.t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nested_translation),
		cmocka_unit_test(test_nested_faults),
		cmocka_unit_test(test_nested_walk_cache_holds_pa),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

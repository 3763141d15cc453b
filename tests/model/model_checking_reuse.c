/* SPDX-License-Identifier: MIT */
/*
 * Checking mode, how stale accesses are classified and when they count.
 *
 * Classification is by where the current tables point, permissions and the
 * access flag aside: a cached translation to page A while the tables now
 * map the IOVA to page B read-only is stale_reused even for a write (the
 * fresh walk faults on permission, yet the device reaches someone else's
 * buffer). No mapping is stale_unmapped; the same page no longer allowing
 * this access is stale_unmapped too; the same page still allowing it is not
 * stale.
 *
 * Timing: a stale access is one issued after the unmap call returned.
 * Software reports unmap calls with smmukit_model_unmap_begin/_end; a stale
 * hit inside an in-flight range of the same context counts as
 * stale_in_flight, not as stale.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include "model_testlib.h"

#define SID 7
#define SID_SAME_CTX 8	/* shares SID's CD: same ASID, same tables */
#define SID_OTHER 9	/* own CD, another ASID */

static int rd(struct mt *t, uint32_t sid, uint64_t iova)
{
	char buf[8];

	return mt_dma_read(t, sid, iova, buf, sizeof(buf));
}

static int wr(struct mt *t, uint32_t sid, uint64_t iova, uint64_t val)
{
	return mt_dma_write(t, sid, iova, &val, sizeof(val));
}

static size_t stale_recs(struct mt *t, uint64_t *cursor,
			 struct smmukit_model_stale_rec *rec, size_t max)
{
	return smmukit_model_read_stalelog(t->m, cursor, rec, max, NULL);
}

/* Trace points of kind STALE, kept for the record checks. */
struct tr {
	unsigned n;
	struct smmukit_model_trace_rec last;
};

static void trace_cb(void *arg, const struct smmukit_model_trace_rec *r)
{
	struct tr *tr = arg;

	if (r->kind == SMMUKIT_MODEL_TRACE_STALE) {
		tr->n++;
		tr->last = *r;
	}
}

static void s1_setup(struct mt *t, struct mt_pt *pt)
{
	assert_int_equal(mt_setup(t, "checking", NULL), 0);
	assert_int_equal(mt_enable(t, 6, false), 0);
	assert_int_equal(mt_s1_stream(t, SID, 1, pt), 0);
}

/*
 * Reuse behind a permission fault: IOVA 0x1000 was A read-write (cached by
 * a DMA), now maps B read-only, never invalidated. A write faults in a
 * fresh walk, but goes to A through the cache while the tables give the
 * IOVA to B: stale_reused. A read too.
 */
static void test_reuse_through_permission_fault(void **state)
{
	struct mt t;
	struct mt_pt pt;
	struct smmukit_model_stats s;
	struct smmukit_model_stale_rec rec[4];
	struct smmukit_model_dma_result res;
	struct tr tr = { 0 };
	uint64_t a, b, cursor = 0, v = 0x1122334455667788u;

	(void)state;
	s1_setup(&t, &pt);
	smmukit_model_set_trace(t.m, SMMUKIT_MODEL_TRACE_STALE, trace_cb, &tr);
	a = mt_alloc(&t, 0);
	b = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, 0x1000, a, 12, MT_RW);
	assert_int_equal(rd(&t, SID, 0x1000), 0);
	mt_pt_map(&t, &pt, 0x1000, b, 12, MT_R);

	assert_int_equal(smmukit_model_dma(t.m, SID, SMMUKIT_MODEL_NO_SSID,
					   0x1000, 8, true, &v, &res), 0);
	assert_true(res.stale);
	assert_int_equal(res.pa, a);
	assert_memory_equal(mt_va(&t, a), &v, 8);
	s = mt_stats(&t);
	assert_int_equal(s.stale_reused, 1);
	assert_int_equal(s.stale_unmapped, 0);
	assert_int_equal(stale_recs(&t, &cursor, rec, 4), 1);
	assert_true(rec[0].reused);
	assert_true(rec[0].is_write);
	assert_int_equal(rec[0].old_pa, a);
	assert_int_equal(rec[0].new_pa, b);
	assert_int_equal(rec[0].new_event, SMMUV3_EVT_F_PERMISSION);
	assert_int_equal(tr.n, 1);
	assert_int_equal(tr.last.code, 1);
	assert_int_equal(tr.last.pa, a);
	assert_int_equal(tr.last.new_pa, b);
	assert_int_equal(tr.last.new_event, SMMUV3_EVT_F_PERMISSION);

	/* A read is allowed by the new tables and reaches the wrong page. */
	assert_int_equal(rd(&t, SID, 0x1000), 0);
	s = mt_stats(&t);
	assert_int_equal(s.stale_reused, 2);
	assert_int_equal(stale_recs(&t, &cursor, rec, 4), 1);
	assert_true(rec[0].reused);
	assert_int_equal(rec[0].new_pa, b);
	assert_int_equal(rec[0].new_event, 0);

	/* Behind an access-flag fault, and behind no unprivileged access. */
	mt_pt_map(&t, &pt, 0x1000, b, 12, MT_RW | MT_NOAF);
	assert_int_equal(rd(&t, SID, 0x1000), 0);
	mt_pt_map(&t, &pt, 0x1000, b, 12, MT_RW | MT_PRIV);
	assert_int_equal(wr(&t, SID, 0x1000, 1), 0);
	s = mt_stats(&t);
	assert_int_equal(s.stale_reused, 4);
	assert_int_equal(s.stale_unmapped, 0);
	assert_int_equal(stale_recs(&t, &cursor, rec, 4), 2);
	assert_int_equal(rec[0].new_event, SMMUV3_EVT_F_ACCESS);
	assert_int_equal(rec[1].new_event, SMMUV3_EVT_F_PERMISSION);
	assert_int_equal(rec[1].new_pa, b);

	/* After the invalidation the write faults honestly. */
	mt_tlbi_va(&t, 1, 0x1000, true);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(wr(&t, SID, 0x1000, 2), SMMUV3_EVT_F_PERMISSION);
	assert_int_equal(mt_stats(&t).stale_reused, 4);
	mt_teardown(&t);
}

/* The same at stage 2: remapped to a write-less S2AP. */
static void test_reuse_through_permission_fault_s2(void **state)
{
	struct mt t;
	struct mt_pt pt;
	struct smmukit_model_stale_rec rec;
	uint64_t a, b, dw[4], cursor = 0;

	(void)state;
	assert_int_equal(mt_setup(&t, "checking", NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_pt_init(&t, &pt, 2, 12, 40), 0);
	mt_ste_s2(dw, 3, &pt, 48);
	mt_ste_write(&t, SID, dw);
	mt_cfgi_ste(&t, SID);
	assert_int_equal(mt_sync(&t), 0);
	a = mt_alloc(&t, 0);
	b = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, 0x5000, a, 12, MT_RW);
	assert_int_equal(wr(&t, SID, 0x5000, 1), 0);
	mt_pt_map(&t, &pt, 0x5000, b, 12, MT_R);
	assert_int_equal(wr(&t, SID, 0x5000, 2), 0);
	assert_int_equal(mt_stats(&t).stale_reused, 1);
	assert_int_equal(mt_stats(&t).stale_unmapped, 0);
	assert_int_equal(stale_recs(&t, &cursor, &rec, 1), 1);
	assert_int_equal(rec.new_pa, b);
	assert_int_equal(rec.new_event, SMMUV3_EVT_F_PERMISSION);
	mt_teardown(&t);
}

/* Nowhere: translation fault, or the stream now aborts. */
static void test_unmapped(void **state)
{
	struct mt t;
	struct mt_pt pt;
	struct smmukit_model_stale_rec rec[2];
	uint64_t a, cursor = 0, abort_ste[4] = { STE0_V, 0, 0, 0 };

	(void)state;
	s1_setup(&t, &pt);
	a = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, 0x1000, a, 12, MT_RW);
	mt_pt_map(&t, &pt, 0x2000, a, 12, MT_RW);
	assert_int_equal(rd(&t, SID, 0x1000), 0);
	assert_int_equal(rd(&t, SID, 0x2000), 0);
	mt_pt_unmap(&t, &pt, 0x1000);
	assert_int_equal(wr(&t, SID, 0x1000, 1), 0);
	mt_ste_write(&t, SID, abort_ste);
	assert_int_equal(rd(&t, SID, 0x2000), 0);
	assert_int_equal(mt_stats(&t).stale_unmapped, 2);
	assert_int_equal(mt_stats(&t).stale_reused, 0);
	assert_int_equal(stale_recs(&t, &cursor, rec, 2), 2);
	assert_false(rec[0].reused);
	assert_int_equal(rec[0].new_pa, 0);
	assert_int_equal(rec[0].new_event, SMMUV3_EVT_F_TRANSLATION);
	assert_false(rec[1].reused);
	assert_int_equal(rec[1].new_pa, 0);
	assert_int_equal(rec[1].new_event, SMMUKIT_MODEL_ABORT);
	mt_teardown(&t);
}

/*
 * The same page, but the tables no longer allow this access (remapped
 * read-only; a write through the old read-write entry): stale_unmapped,
 * with new_pa the page and new_event F_PERMISSION. A read, which the
 * tables still allow to the same page, is not stale.
 */
static void test_same_pa_permission_revoked(void **state)
{
	struct mt t;
	struct mt_pt pt;
	struct smmukit_model_stale_rec rec;
	struct smmukit_model_stats s;
	uint64_t a, cursor = 0;

	(void)state;
	s1_setup(&t, &pt);
	a = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, 0x1000, a, 12, MT_RW);
	assert_int_equal(rd(&t, SID, 0x1000), 0);
	mt_pt_map(&t, &pt, 0x1000, a, 12, MT_R);
	assert_int_equal(rd(&t, SID, 0x1000), 0);
	s = mt_stats(&t);
	assert_int_equal(s.stale_unmapped + s.stale_reused, 0);
	assert_int_equal(wr(&t, SID, 0x1000, 7), 0);
	s = mt_stats(&t);
	assert_int_equal(s.stale_unmapped, 1);
	assert_int_equal(s.stale_reused, 0);
	assert_int_equal(stale_recs(&t, &cursor, &rec, 1), 1);
	assert_false(rec.reused);
	assert_int_equal(rec.old_pa, a);
	assert_int_equal(rec.new_pa, a);
	assert_int_equal(rec.new_event, SMMUV3_EVT_F_PERMISSION);
	/* Same page, permissions widened or unchanged: fine. */
	mt_pt_map(&t, &pt, 0x1000, a, 12, MT_RW);
	assert_int_equal(wr(&t, SID, 0x1000, 8), 0);
	assert_int_equal(mt_stats(&t).stale_unmapped, 1);
	mt_teardown(&t);
}

/*
 * While an unmap of the range is in flight, a hit on the not yet
 * invalidated translation is not stale; once it returned, it is.
 */
static void test_in_flight_suppression(void **state)
{
	struct mt t;
	struct mt_pt pt, pt2;
	struct smmukit_model_stats s;
	struct smmukit_model_stale_rec rec;
	struct smmukit_model_dma_result res;
	struct tr tr = { 0 };
	uint64_t a, b, cursor = 0, v = 0;

	(void)state;
	s1_setup(&t, &pt);
	smmukit_model_set_trace(t.m, SMMUKIT_MODEL_TRACE_STALE, trace_cb, &tr);
	assert_int_equal(mt_s1_stream(&t, SID_OTHER, 2, &pt2), 0);
	a = mt_alloc(&t, 0);
	b = mt_alloc(&t, 0);
	for (uint64_t va = 0x1000; va <= 0x3000; va += 0x1000) {
		mt_pt_map(&t, &pt, va, a, 12, MT_RW);
		mt_pt_map(&t, &pt2, va, b, 12, MT_RW);
		assert_int_equal(rd(&t, SID, va), 0);
		assert_int_equal(rd(&t, SID_OTHER, va), 0);
	}

	assert_int_equal(smmukit_model_unmap_begin(t.m, SID, 0x1000, 0x2000), 0);
	mt_pt_unmap(&t, &pt, 0x1000);
	mt_pt_unmap(&t, &pt, 0x2000);
	mt_pt_unmap(&t, &pt, 0x3000);
	mt_pt_unmap(&t, &pt2, 0x1000);
	assert_int_equal(smmukit_model_dma(t.m, SID, SMMUKIT_MODEL_NO_SSID,
					   0x1000, 8, false, &v, &res), 0);
	assert_false(res.stale);
	assert_int_equal(wr(&t, SID, 0x2ff8, 1), 0);	/* last page */
	s = mt_stats(&t);
	assert_int_equal(s.stale_in_flight, 2);
	assert_int_equal(s.stale_unmapped + s.stale_reused, 0);
	assert_int_equal(stale_recs(&t, &cursor, &rec, 1), 0);
	assert_int_equal(tr.n, 0);
	/* Outside the range, and the same IOVA in another context: stale. */
	assert_int_equal(rd(&t, SID, 0x3000), 0);
	assert_int_equal(rd(&t, SID_OTHER, 0x1000), 0);
	s = mt_stats(&t);
	assert_int_equal(s.stale_unmapped, 2);
	assert_int_equal(s.stale_in_flight, 2);

	assert_int_equal(smmukit_model_unmap_end(t.m, SID, 0x1000, 0x2000), 0);
	assert_int_equal(smmukit_model_dma(t.m, SID, SMMUKIT_MODEL_NO_SSID,
					   0x1000, 8, false, &v, &res), 0);
	assert_true(res.stale);
	s = mt_stats(&t);
	assert_int_equal(s.stale_unmapped, 3);
	assert_int_equal(s.stale_in_flight, 2);
	assert_int_equal(stale_recs(&t, &cursor, &rec, 1), 1);
	assert_int_equal(rec.iova, 0x3000);
	assert_int_equal(tr.n, 3);
	mt_teardown(&t);
}

/* A range begun through one SID covers another SID of the same context. */
static void test_in_flight_same_context_other_sid(void **state)
{
	struct mt t;
	struct mt_pt pt;
	uint64_t a, dw[4];

	(void)state;
	s1_setup(&t, &pt);
	memcpy(dw, mt_va(&t, mt_ste_ptr(&t, SID)), sizeof(dw));
	mt_ste_write(&t, SID_SAME_CTX, dw);
	mt_cfgi_ste(&t, SID_SAME_CTX);
	assert_int_equal(mt_sync(&t), 0);
	a = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, 0x1000, a, 12, MT_RW);
	assert_int_equal(rd(&t, SID_SAME_CTX, 0x1000), 0);
	assert_int_equal(smmukit_model_unmap_begin(t.m, SID, 0x1000, 0x1000), 0);
	mt_pt_unmap(&t, &pt, 0x1000);
	assert_int_equal(rd(&t, SID_SAME_CTX, 0x1000), 0);
	assert_int_equal(mt_stats(&t).stale_in_flight, 1);
	assert_int_equal(mt_stats(&t).stale_unmapped, 0);
	/* Ended through the other SID: matched by context. */
	assert_int_equal(smmukit_model_unmap_end(t.m, SID_SAME_CTX, 0x1000,
						 0x1000), 0);
	assert_int_equal(rd(&t, SID_SAME_CTX, 0x1000), 0);
	assert_int_equal(mt_stats(&t).stale_unmapped, 1);
	mt_teardown(&t);
}

/* Identical ranges nest; overlapping ones are independent. */
static void test_in_flight_nesting(void **state)
{
	struct mt t;
	struct mt_pt pt;
	struct smmukit_model *m;
	uint64_t a;

	(void)state;
	s1_setup(&t, &pt);
	m = t.m;
	a = mt_alloc(&t, 0);
	for (uint64_t va = 0x1000; va < 0x5000; va += 0x1000) {
		mt_pt_map(&t, &pt, va, a, 12, MT_RW);
		assert_int_equal(rd(&t, SID, va), 0);
		mt_pt_unmap(&t, &pt, va);
	}
	assert_int_equal(smmukit_model_unmap_begin(m, SID, 0x1000, 0x1000), 0);
	assert_int_equal(smmukit_model_unmap_begin(m, SID, 0x1000, 0x1000), 0);
	assert_int_equal(smmukit_model_unmap_begin(m, SID, 0x1000, 0x4000), 0);
	assert_int_equal(smmukit_model_unmap_end(m, SID, 0x1000, 0x1000), 0);
	assert_int_equal(smmukit_model_unmap_end(m, SID, 0x1000, 0x4000), 0);
	/* One of the two identical begins is still in flight. */
	assert_int_equal(rd(&t, SID, 0x1000), 0);
	assert_int_equal(rd(&t, SID, 0x3000), 0);
	assert_int_equal(mt_stats(&t).stale_in_flight, 1);
	assert_int_equal(mt_stats(&t).stale_unmapped, 1);
	assert_int_equal(smmukit_model_unmap_end(m, SID, 0x1000, 0x1000), 0);
	assert_int_equal(smmukit_model_unmap_end(m, SID, 0x1000, 0x1000),
			 -SMMUKIT_ENOENT);
	assert_int_equal(rd(&t, SID, 0x1000), 0);
	assert_int_equal(mt_stats(&t).stale_unmapped, 2);
	assert_int_equal(mt_stats(&t).stale_in_flight, 1);
	mt_teardown(&t);
}

static void test_in_flight_bad_args(void **state)
{
	struct mt t;
	struct mt_pt pt;
	struct smmukit_model *m;
	uint64_t a, abort_ste[4] = { STE0_V, 0, 0, 0 };

	(void)state;
	assert_int_equal(mt_setup(&t, "checking", NULL), 0);
	m = t.m;
	/* SMMU not enabled yet: the SID translates in no context. */
	assert_int_equal(smmukit_model_unmap_begin(m, SID, 0x1000, 0x1000),
			 -SMMUKIT_EINVAL);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_s1_stream(&t, SID, 1, &pt), 0);
	assert_int_equal(smmukit_model_unmap_begin(NULL, SID, 0x1000, 0x1000),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_model_unmap_end(NULL, SID, 0x1000, 0x1000),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_model_unmap_begin(m, SID, 0x1000, 0),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_model_unmap_end(m, SID, 0x1000, 0),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_model_unmap_begin(m, SID, UINT64_MAX - 0xfff,
						   0x2000), -SMMUKIT_EINVAL);
	/* Up to the very top is fine. */
	assert_int_equal(smmukit_model_unmap_begin(m, SID, UINT64_MAX - 0xfff,
						   0x1000), 0);
	assert_int_equal(smmukit_model_unmap_end(m, SID, UINT64_MAX - 0xfff,
						 0x1000), 0);
	/* Not in the stream table, an aborting STE, an invalid STE. */
	assert_int_equal(smmukit_model_unmap_begin(m, 1u << 20, 0x1000, 0x1000),
			 -SMMUKIT_EINVAL);
	mt_ste_write(&t, SID_OTHER, abort_ste);
	assert_int_equal(smmukit_model_unmap_begin(m, SID_OTHER, 0x1000, 0x1000),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_model_unmap_begin(m, SID_OTHER + 1, 0x1000,
						   0x1000), -SMMUKIT_EINVAL);

	/* Mismatched ends change nothing. */
	a = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, 0x1000, a, 12, MT_RW);
	assert_int_equal(rd(&t, SID, 0x1000), 0);
	mt_pt_unmap(&t, &pt, 0x1000);
	assert_int_equal(smmukit_model_unmap_end(m, SID, 0x1000, 0x1000),
			 -SMMUKIT_ENOENT);
	assert_int_equal(smmukit_model_unmap_begin(m, SID, 0x1000, 0x1000), 0);
	assert_int_equal(smmukit_model_unmap_end(m, SID, 0x1000, 0x2000),
			 -SMMUKIT_ENOENT);
	assert_int_equal(smmukit_model_unmap_end(m, SID, 0x0, 0x1000),
			 -SMMUKIT_ENOENT);
	assert_int_equal(smmukit_model_unmap_end(m, SID_OTHER, 0x1000, 0x1000),
			 -SMMUKIT_ENOENT);
	assert_int_equal(rd(&t, SID, 0x1000), 0);
	assert_int_equal(mt_stats(&t).stale_in_flight, 1);
	assert_int_equal(mt_stats(&t).stale_unmapped, 0);
	/* The range ends with its own SID even once the stream aborts. */
	mt_ste_write(&t, SID, abort_ste);
	assert_int_equal(smmukit_model_unmap_end(m, SID, 0x1000, 0x1000), 0);
	assert_int_equal(rd(&t, SID, 0x1000), 0);
	assert_int_equal(mt_stats(&t).stale_unmapped, 1);
	mt_teardown(&t);
}

/* 4096 distinct ranges fit; one more is refused and counts as stale. */
static void test_in_flight_enospc(void **state)
{
	struct mt t;
	struct mt_pt pt;
	struct smmukit_model *m;
	uint64_t a, top = UINT64_C(0x100000000);

	(void)state;
	s1_setup(&t, &pt);
	m = t.m;
	for (uint64_t i = 0; i < 4096; i++)
		assert_int_equal(smmukit_model_unmap_begin(m, SID, i << 12,
							   0x1000), 0);
	assert_int_equal(smmukit_model_unmap_begin(m, SID, top, 0x1000),
			 -SMMUKIT_ENOSPC);
	/* An identical range nests without a new slot. */
	assert_int_equal(smmukit_model_unmap_begin(m, SID, 0x5000, 0x1000), 0);
	a = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, top, a, 12, MT_RW);
	mt_pt_map(&t, &pt, 0x5000, a, 12, MT_RW);
	assert_int_equal(rd(&t, SID, top), 0);
	assert_int_equal(rd(&t, SID, 0x5000), 0);
	mt_pt_unmap(&t, &pt, top);
	mt_pt_unmap(&t, &pt, 0x5000);
	assert_int_equal(rd(&t, SID, top), 0);
	assert_int_equal(rd(&t, SID, 0x5000), 0);
	assert_int_equal(mt_stats(&t).stale_unmapped, 1);
	assert_int_equal(mt_stats(&t).stale_in_flight, 1);
	assert_int_equal(smmukit_model_unmap_end(m, SID, top, 0x1000),
			 -SMMUKIT_ENOENT);
	assert_int_equal(smmukit_model_unmap_end(m, SID, 0x5000, 0x1000), 0);
	for (uint64_t i = 4095; i < 4096; i--)
		assert_int_equal(smmukit_model_unmap_end(m, SID, i << 12,
							 0x1000), 0);
	/* Empty again: room for more. */
	assert_int_equal(smmukit_model_unmap_begin(m, SID, top, 0x1000), 0);
	assert_int_equal(smmukit_model_unmap_end(m, SID, top, 0x1000), 0);
	mt_teardown(&t);
}

/*
 * Threads begin and end overlapping and identical ranges while another
 * keeps reading stale translations inside them: every stale hit is counted
 * exactly once, in one of the two counters, and the set ends empty.
 */
#define NR_UNMAPPERS 3
#define ROUNDS 2000
#define NR_READS 4000

struct shared {
	struct mt *t;
	_Atomic unsigned errors;
};

static void *unmapper(void *arg)
{
	struct shared *sh = arg;

	for (unsigned i = 0; i < ROUNDS; i++) {
		uint64_t iova = 0x1000 * (1 + i % 3), size = 0x1000 * (1 + i % 2);

		if (smmukit_model_unmap_begin(sh->t->m, SID, iova, size) ||
		    smmukit_model_unmap_end(sh->t->m, SID, iova, size))
			atomic_fetch_add(&sh->errors, 1);
	}
	return NULL;
}

static void test_in_flight_threads(void **state)
{
	struct mt t;
	struct mt_pt pt;
	struct shared sh = { .t = &t };
	pthread_t th[NR_UNMAPPERS];
	struct smmukit_model_stats s;
	uint64_t a;

	(void)state;
	s1_setup(&t, &pt);
	a = mt_alloc(&t, 0);
	for (uint64_t va = 0x1000; va < 0x7000; va += 0x1000) {
		mt_pt_map(&t, &pt, va, a, 12, MT_RW);
		assert_int_equal(rd(&t, SID, va), 0);
		mt_pt_unmap(&t, &pt, va);
	}
	for (unsigned i = 0; i < NR_UNMAPPERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, unmapper, &sh), 0);
	for (unsigned i = 0; i < NR_READS; i++)
		assert_int_equal(rd(&t, SID, 0x1000 * (1 + i % 6)), 0);
	for (unsigned i = 0; i < NR_UNMAPPERS; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(atomic_load(&sh.errors), 0);
	s = mt_stats(&t);
	assert_int_equal(s.stale_unmapped + s.stale_in_flight, NR_READS);
	/* Pages 5 and 6 are never in flight. */
	assert_true(s.stale_unmapped >= NR_READS / 3);
	assert_int_equal(smmukit_model_unmap_end(t.m, SID, 0x1000, 0x1000),
			 -SMMUKIT_ENOENT);
	mt_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reuse_through_permission_fault),
		cmocka_unit_test(test_reuse_through_permission_fault_s2),
		cmocka_unit_test(test_unmapped),
		cmocka_unit_test(test_same_pa_permission_revoked),
		cmocka_unit_test(test_in_flight_suppression),
		cmocka_unit_test(test_in_flight_same_context_other_sid),
		cmocka_unit_test(test_in_flight_nesting),
		cmocka_unit_test(test_in_flight_bad_args),
		cmocka_unit_test(test_in_flight_enospc),
		cmocka_unit_test(test_in_flight_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * The DMA layer's unmap on a command queue that stops consuming
 * (SMMUKIT_MODEL_FAULT_CMDQ_STALL): an unmap whose invalidation is not
 * confirmed must say so and must never let its IOVA be handed out again,
 * since a device may still reach the old buffer through it.
 *
 *  - strict: the unmap returns -ETIMEDOUT within a bounded time (the
 *    driver's poll timeout), its PTEs are gone, and its IOVA stays out of
 *    circulation for good, also after the queue consumes again;
 *  - lazy: a timer flush and an explicit flush that fail leave every
 *    queued IOVA queued (none is handed out while the flush is
 *    unconfirmed); an unmap that needs room in a full ring gives up after
 *    a bounded number of failed flushes with -ETIMEDOUT and keeps its IOVA
 *    for good; once the queue consumes again a flush releases what was
 *    queued, and only that.
 * Every wait runs on the manual clock, so "bounded" is exact model time.
 */
#include "dma_stack.h"

/* The harness's driver poll timeout (h_config). */
#define POLL_TIMEOUT_NS 2000000u
/* Fresh mappings that must all avoid a kept IOVA. */
#define PROBE_MAPS 300u
/* dma/fq.c: whole-domain flushes a full ring tries before giving up. */
#define FQ_FULL_FLUSH_TRIES 4u

static void st_up(struct dma_stack *s, bool strict, uint32_t fq_size)
{
	struct smmukit_iommu_options o;

	smmukit_iommu_options_default(&o);
	o.strict = strict;
	if (fq_size) {
		o.fq_size = fq_size;
		o.fq_size_given = true;
	}
	ds_up(s, "checking", &o);
	s->dev = ds_dev(s, "nvme", 8, false, 0);
	assert_int_equal(smmukit_domain_get_type(smmukit_device_domain(s->dev)),
			 strict ? SMMUKIT_DOMAIN_DMA : SMMUKIT_DOMAIN_DMA_FQ);
}

static uint64_t now(struct dma_stack *s)
{
	return smmukit_plat_clock_ns(s->h.p);
}

static int dev_read(struct dma_stack *s, uint64_t iova)
{
	unsigned char b;

	return h_dma_read(&s->h, 8, iova, &b, 1);
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* The probe's mappings, unmapped by probe_unmap. */
static smmukit_dma_addr_t probe_got[PROBE_MAPS];

static uint64_t probe_len(unsigned i)
{
	return (i & 1) ? 8192 : 4096;
}

/*
 * Map PROBE_MAPS buffers of 4 KiB and 8 KiB (the allocator's magazines
 * and its tree both get asked) and check that none lands on any of the
 * kept[] ranges (4 KiB each) and that each reaches its own buffer. They
 * stay mapped until probe_unmap (a lazy unmap on a stalled queue would
 * fill the ring and fail).
 */
static void probe_never_reuses(struct dma_stack *s, const uint64_t *kept,
			       unsigned nkept, const struct smmukit_dma_pages *buf)
{
	for (unsigned i = 0; i < PROBE_MAPS; i++) {
		assert_int_equal(smmukit_dma_map_page(s->dev, buf->pa, probe_len(i),
						      SMMUKIT_DMA_TO_DEVICE,
						      &probe_got[i]), 0);
		for (unsigned k = 0; k < nkept; k++)
			if (overlaps(probe_got[i], probe_len(i), kept[k], 4096))
				fail_msg("map %u got 0x%llx, over kept IOVA 0x%llx",
					 i, (unsigned long long)probe_got[i],
					 (unsigned long long)kept[k]);
		assert_int_equal(dev_read(s, probe_got[i]), 0);
	}
}

static void probe_unmap(struct dma_stack *s)
{
	for (unsigned i = 0; i < PROBE_MAPS; i++)
		assert_int_equal(smmukit_dma_unmap_page(s->dev, probe_got[i],
							probe_len(i),
							SMMUKIT_DMA_TO_DEVICE), 0);
}

static void strict_unmap_timeout_keeps_iova(void **state)
{
	struct dma_stack s;
	struct smmukit_dma_pages buf;
	struct smmukit_dma_stats ds;
	smmukit_dma_addr_t a, b;
	smmukit_phys_t pa;
	uint64_t t0;

	(void)state;
	st_up(&s, true, 0);
	buf = h_buf(&s.h, 1, 0x3c);
	assert_int_equal(smmukit_dma_map_page(s.dev, buf.pa, 4096,
					      SMMUKIT_DMA_TO_DEVICE, &a), 0);
	assert_int_equal(dev_read(&s, a), 0);	/* cached */
	assert_int_equal(smmukit_model_inject(s.h.m, SMMUKIT_MODEL_FAULT_CMDQ_STALL,
					      true), 0);
	t0 = now(&s);
	assert_int_equal(smmukit_dma_unmap_page(s.dev, a, 4096,
						SMMUKIT_DMA_TO_DEVICE),
			 -SMMUKIT_ETIMEDOUT);
	/* Bounded: one poll timeout (and a little for the idle steps). */
	assert_true(now(&s) - t0 >= POLL_TIMEOUT_NS);
	assert_true(now(&s) - t0 <= 2 * POLL_TIMEOUT_NS);
	/* The mapping is gone from the tables; the IOVA is kept. */
	assert_int_equal(smmukit_iommu_iova_to_phys(smmukit_device_domain(s.dev),
						    a, &pa), -SMMUKIT_ENOENT);
	ds = ds_stats(&s);
	assert_int_equal(ds.iova_live, 1);
	assert_int_equal(ds.strict_unmaps, 0);
	/* The stale entry still answers: that is why the IOVA is kept. */
	assert_int_equal(dev_read(&s, a), 0);

	/* While stalled, new maps work and stay clear of it. */
	assert_int_equal(smmukit_dma_map_page(s.dev, buf.pa, 4096,
					      SMMUKIT_DMA_TO_DEVICE, &b), 0);
	assert_true(b != a);

	/* The queue consumes again: the old TLBI + sync complete now. */
	assert_int_equal(smmukit_model_inject(s.h.m, SMMUKIT_MODEL_FAULT_CMDQ_STALL,
					      false), 0);
	smmukit_posix_clock_advance(s.h.p, 1000);
	assert_int_equal(dev_read(&s, a), SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(smmukit_dma_unmap_page(s.dev, b, 4096,
						SMMUKIT_DMA_TO_DEVICE), 0);
	/* Unmapping it again finds nothing and changes nothing. */
	assert_int_equal(smmukit_dma_unmap_page(s.dev, a, 4096,
						SMMUKIT_DMA_TO_DEVICE),
			 -SMMUKIT_ENOENT);
	/* Never handed out again, even now. */
	probe_never_reuses(&s, &a, 1, &buf);
	probe_unmap(&s);
	ds = ds_stats(&s);
	assert_int_equal(ds.iova_live, 1);
	assert_int_equal(h_mstats(&s.h).stale_reused, 0);
	smmukit_plat_free_pages(s.h.p, &buf);
	ds_down(&s);
}

#define LAZY_N 8u
#define LAZY_RING 16u	/* iommu.fq_size: 15 usable slots per ring */

static void lazy_flush_failure_keeps_iovas(void **state)
{
	struct dma_stack s;
	struct smmukit_dma_pages buf;
	struct smmukit_dma_stats ds;
	smmukit_dma_addr_t q[LAZY_RING], x;
	uint64_t kept[LAZY_RING + 1];
	uint64_t t0, timeout_ns;

	(void)state;
	st_up(&s, false, LAZY_RING);
	timeout_ns = (uint64_t)smmukit_iommu_options_fq_timeout_ms(&s.opts) *
		     1000000u;
	buf = h_buf(&s.h, 1, 0x5a);
	for (unsigned i = 0; i < LAZY_N; i++) {
		assert_int_equal(smmukit_dma_map_page(s.dev, buf.pa, 4096,
						      SMMUKIT_DMA_TO_DEVICE, &q[i]), 0);
		assert_int_equal(dev_read(&s, q[i]), 0);
		kept[i] = q[i];
	}
	assert_int_equal(smmukit_model_inject(s.h.m, SMMUKIT_MODEL_FAULT_CMDQ_STALL,
					      true), 0);
	/* Lazy unmaps issue no command: they succeed while stalled. */
	for (unsigned i = 0; i < LAZY_N; i++)
		assert_int_equal(smmukit_dma_unmap_page(s.dev, q[i], 4096,
							SMMUKIT_DMA_TO_DEVICE), 0);
	ds = ds_stats(&s);
	assert_int_equal(ds.fq_pending, LAZY_N);

	/* The timer's flush fails within one poll timeout: nothing released. */
	t0 = now(&s);
	smmukit_posix_clock_advance(s.h.p, timeout_ns);
	assert_true(now(&s) - t0 <= timeout_ns + 2 * POLL_TIMEOUT_NS);
	ds = ds_stats(&s);
	assert_true(ds.flush_errors >= 1);
	assert_int_equal(ds.fq_timer_flushes, 0);
	assert_int_equal(ds.fq_pending, LAZY_N);
	assert_int_equal(ds.iova_live, LAZY_N);
	/* So does an explicit flush. */
	t0 = now(&s);
	assert_int_equal(smmukit_dma_flush(s.dev), -SMMUKIT_ETIMEDOUT);
	assert_true(now(&s) - t0 <= 2 * POLL_TIMEOUT_NS);
	assert_int_equal(ds_stats(&s).fq_pending, LAZY_N);

	/* Fill this CPU's ring (LAZY_RING - 1 slots) while stalled. */
	for (unsigned i = LAZY_N; i < LAZY_RING - 1; i++) {
		assert_int_equal(smmukit_dma_map_page(s.dev, buf.pa, 4096,
						      SMMUKIT_DMA_TO_DEVICE, &q[i]), 0);
		for (unsigned k = 0; k < i; k++)
			assert_false(overlaps(q[i], 4096, kept[k], 4096));
		kept[i] = q[i];
		assert_int_equal(smmukit_dma_unmap_page(s.dev, q[i], 4096,
							SMMUKIT_DMA_TO_DEVICE), 0);
	}
	assert_int_equal(ds_stats(&s).fq_pending, LAZY_RING - 1);
	/* One more: the ring is full, every flush fails, bounded, kept. */
	assert_int_equal(smmukit_dma_map_page(s.dev, buf.pa, 4096,
					      SMMUKIT_DMA_TO_DEVICE, &x), 0);
	for (unsigned k = 0; k < LAZY_RING - 1; k++)
		assert_false(overlaps(x, 4096, kept[k], 4096));
	kept[LAZY_RING - 1] = x;
	t0 = now(&s);
	assert_int_equal(smmukit_dma_unmap_page(s.dev, x, 4096,
						SMMUKIT_DMA_TO_DEVICE),
			 -SMMUKIT_ETIMEDOUT);
	/*
	 * Bounded: the tries, each a poll timeout, and the timer's own failed
	 * flush, which runs inside one of those waits (the manual clock's
	 * relax() jumps to the timer's deadline, past the waiter's own).
	 */
	assert_true(now(&s) - t0 <= timeout_ns + (FQ_FULL_FLUSH_TRIES + 1) *
						 POLL_TIMEOUT_NS);
	assert_true(ds_stats(&s).flush_errors >= 2 + FQ_FULL_FLUSH_TRIES);
	ds = ds_stats(&s);
	assert_int_equal(ds.fq_pending, LAZY_RING - 1);
	assert_int_equal(ds.iova_live, LAZY_RING);
	/* While stalled, nothing queued is handed out. */
	probe_never_reuses(&s, kept, LAZY_RING, &buf);
	ds = ds_stats(&s);
	assert_int_equal(ds.iova_live, LAZY_RING + PROBE_MAPS);

	/* The queue consumes again: a flush releases the queued ones. */
	assert_int_equal(smmukit_model_inject(s.h.m, SMMUKIT_MODEL_FAULT_CMDQ_STALL,
					      false), 0);
	assert_int_equal(smmukit_dma_flush(s.dev), 0);
	ds = ds_stats(&s);
	assert_int_equal(ds.fq_pending, 0);
	/* ...but not the one whose unmap failed: it is kept for good. */
	assert_int_equal(ds.iova_live, 1 + PROBE_MAPS);
	for (unsigned i = 0; i < LAZY_RING; i++)
		assert_int_equal(dev_read(&s, kept[i]), SMMUV3_EVT_F_TRANSLATION);
	probe_unmap(&s);
	probe_never_reuses(&s, &kept[LAZY_RING - 1], 1, &buf);
	probe_unmap(&s);
	assert_int_equal(smmukit_dma_flush(s.dev), 0);
	ds = ds_stats(&s);
	assert_int_equal(ds.iova_live, 1);
	assert_int_equal(h_mstats(&s.h).stale_reused, 0);
	smmukit_plat_free_pages(s.h.p, &buf);
	ds_down(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strict_unmap_timeout_keeps_iova),
		cmocka_unit_test(lazy_flush_failure_keeps_iovas),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

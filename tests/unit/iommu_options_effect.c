/* SPDX-License-Identifier: MIT */
/*
 * Every "iommu." key, set through the option parser, changes what the IOMMU
 * core and the DMA layer do: the default domain type (strict, non_strict
 * and which of the two wins, passthrough), and the flush queue's ring size,
 * timeout and mode (with the single mode's own defaults).
 */
#include "smmu_harness.h"

#include "smmukit/dma.h"
#include "smmukit/iommu.h"
#include "smmukit/options.h"

struct stack {
	struct harness h;
	struct smmukit_iommu *core;
	struct smmukit_dma *dma;
	struct smmukit_device *dev;
	struct smmukit_dma_pages buf;
	unsigned warnings;
};

static void count_warning(void *arg, const char *msg)
{
	struct stack *s = arg;

	(void)msg;
	s->warnings++;
}

static void up(struct stack *s, const char *cmdline)
{
	struct smmukit_iommu_options o;
	struct smmukit_option_binding b = { &smmukit_iommu_option_table, &o };
	struct smmukit_iommu_config cfg = { 0 };
	uint32_t sid = 8;
	struct smmukit_device_config dc = { .name = "nvme", .sids = &sid,
					    .nr_sids = 1 };
	char err[160];

	memset(s, 0, sizeof(*s));
	smmukit_iommu_options_default(&o);
	if (smmukit_parse_options(cmdline, &b, 1, count_warning, s, err,
				  sizeof(err)))
		fail_msg("'%s': %s", cmdline, err);
	h_up(&s->h, "checking");
	cfg.platform = s->h.p;
	cfg.drv = s->h.iommu;
	cfg.options = &o;
	assert_int_equal(smmukit_iommu_create(&cfg, &s->core), 0);
	assert_int_equal(smmukit_dma_create(s->core, &s->dma), 0);
	assert_int_equal(smmukit_iommu_probe_device(s->core, &dc, &s->dev), 0);
	s->buf = h_buf(&s->h, 0, 0);
}

static void down(struct stack *s)
{
	assert_int_equal(smmukit_dma_flush(s->dev), 0);
	smmukit_plat_free_pages(s->h.p, &s->buf);
	assert_int_equal(smmukit_iommu_release_device(s->dev), 0);
	smmukit_dma_destroy(s->dma);
	assert_int_equal(smmukit_iommu_destroy(s->core), 0);
	h_down(&s->h);
}

static enum smmukit_domain_type type_with(const char *cmdline,
					  unsigned *warnings)
{
	struct stack s;
	enum smmukit_domain_type t;

	up(&s, cmdline);
	t = smmukit_domain_get_type(smmukit_device_domain(s.dev));
	if (warnings)
		*warnings = s.warnings;
	down(&s);
	return t;
}

static void test_domain_type(void **state)
{
	unsigned w;

	(void)state;
	assert_int_equal(type_with("", &w), SMMUKIT_DOMAIN_DMA);
	assert_int_equal(w, 0);
	assert_int_equal(type_with("iommu.strict=0", NULL), SMMUKIT_DOMAIN_DMA_FQ);
	assert_int_equal(type_with("iommu.strict=1", NULL), SMMUKIT_DOMAIN_DMA);
	assert_int_equal(type_with("iommu.non_strict=1", NULL), SMMUKIT_DOMAIN_DMA_FQ);
	assert_int_equal(type_with("iommu.non_strict=0", NULL), SMMUKIT_DOMAIN_DMA);
	/* Both spellings: the later one wins, with a warning. */
	assert_int_equal(type_with("iommu.strict=0 iommu.non_strict=0", &w),
			 SMMUKIT_DOMAIN_DMA);
	assert_int_equal(w, 1);
	assert_int_equal(type_with("iommu.non_strict=0 iommu.strict=0", &w),
			 SMMUKIT_DOMAIN_DMA_FQ);
	assert_int_equal(w, 1);
	assert_int_equal(type_with("iommu.passthrough=1", NULL),
			 SMMUKIT_DOMAIN_IDENTITY);
	assert_int_equal(type_with("iommu.passthrough=1 iommu.passthrough=0", NULL),
			 SMMUKIT_DOMAIN_DMA);
}

/* One lazy map+unmap of a page on the given simulated CPU. */
static void lazy_pair(struct stack *s, unsigned cpu)
{
	smmukit_dma_addr_t a;

	smmukit_posix_set_cpu(s->h.p, cpu);
	assert_int_equal(smmukit_dma_map_page(s->dev, s->buf.pa, 4096,
					      SMMUKIT_DMA_BIDIRECTIONAL, &a), 0);
	assert_int_equal(smmukit_dma_unmap_page(s->dev, a, 4096,
						SMMUKIT_DMA_BIDIRECTIONAL), 0);
}

static struct smmukit_dma_stats dstats(struct stack *s)
{
	struct smmukit_dma_stats ds;

	assert_int_equal(smmukit_dma_get_stats(s->dma, &ds), 0);
	return ds;
}

/* Pairs on one CPU before the first full-ring flush (0: none in max). */
static unsigned pairs_to_full_flush(const char *cmdline, unsigned max)
{
	struct stack s;
	unsigned n = 0;

	up(&s, cmdline);
	while (n < max && dstats(&s).fq_full_flushes == 0) {
		lazy_pair(&s, 0);
		n++;
	}
	if (dstats(&s).fq_full_flushes == 0)
		n = 0;
	down(&s);
	return n;
}

static void test_fq_size(void **state)
{
	(void)state;
	/* size - 1 entries fit; the next unmap flushes. */
	assert_int_equal(pairs_to_full_flush("iommu.strict=0 iommu.fq_size=8", 100), 8);
	assert_int_equal(pairs_to_full_flush("iommu.strict=0 iommu.fq_size=64", 100), 64);
	assert_int_equal(pairs_to_full_flush("iommu.strict=0", 300), 256);
	/* Strict: no queue at all. */
	assert_int_equal(pairs_to_full_flush("iommu.fq_size=8", 100), 0);
}

/* Time from the first lazy unmap to the timer's flush, in ms (manual clock). */
static uint64_t timer_ms(const char *cmdline)
{
	struct stack s;
	uint64_t ms = 0;

	up(&s, cmdline);
	lazy_pair(&s, 0);
	while (dstats(&s).fq_timer_flushes == 0 && ms < 5000) {
		smmukit_posix_clock_advance(s.h.p, 1000000);
		ms++;
	}
	down(&s);
	return ms;
}

static void test_fq_timeout(void **state)
{
	(void)state;
	assert_int_equal(timer_ms("iommu.strict=0"), 10);
	assert_int_equal(timer_ms("iommu.strict=0 iommu.fq_timeout_ms=3"), 3);
	assert_int_equal(timer_ms("iommu.strict=0 iommu.fq_timeout_ms=250"), 250);
	/* Single mode's own default timeout, unless given. */
	assert_int_equal(timer_ms("iommu.strict=0 iommu.fq_mode=single"), 1000);
	assert_int_equal(timer_ms("iommu.strict=0 iommu.fq_mode=single iommu.fq_timeout_ms=7"), 7);
}

/* Per-CPU rings fill per CPU; a single ring fills from every CPU. */
static unsigned full_flushes_round_robin(const char *cmdline, unsigned pairs)
{
	struct stack s;
	unsigned n;

	up(&s, cmdline);
	for (unsigned i = 0; i < pairs; i++)
		lazy_pair(&s, i % 4);
	n = (unsigned)dstats(&s).fq_full_flushes;
	down(&s);
	return n;
}

static void test_fq_mode(void **state)
{
	(void)state;
	/* 4 CPUs x 3 pairs: each per-CPU ring of 4 holds its 3. */
	assert_int_equal(full_flushes_round_robin("iommu.strict=0 iommu.fq_size=4", 12), 0);
	/* One ring of 4 holds 3: every 4th unmap flushes. */
	assert_int_equal(full_flushes_round_robin(
				 "iommu.strict=0 iommu.fq_size=4 iommu.fq_mode=single", 12), 3);
	/* Single mode's own default size: 32768 entries, not 256. */
	assert_int_equal(pairs_to_full_flush("iommu.strict=0 iommu.fq_mode=single", 300), 0);
	assert_int_equal(full_flushes_round_robin(
				 "iommu.strict=0 iommu.fq_mode=single iommu.fq_mode=percpu iommu.fq_size=4", 12), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_domain_type),
		cmocka_unit_test(test_fq_size),
		cmocka_unit_test(test_fq_timeout),
		cmocka_unit_test(test_fq_mode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

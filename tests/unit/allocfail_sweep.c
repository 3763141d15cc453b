/* SPDX-License-Identifier: MIT */
/*
 * Allocation-failure sweeps (SQLite's method) over every path that
 * allocates: for N = 1, 2, ... fail the Nth allocation of the operation
 * until it succeeds. After each failure: an error came back, nothing
 * leaked (DMA pages and bookkeeping bytes as before), and an earlier
 * mapping still translates. Prints paths x failure points.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>

#include "rel_stack.h"

struct sweep {
	struct rel_stack r;
	struct smmukit_device *dev;	/* holds the witness mapping */
	smmukit_dma_addr_t witness;
	struct smmukit_dma_pages buf;
};

static unsigned total_points, total_paths;

typedef int (*op_fn)(struct sweep *s, void **undo);
typedef void (*undo_fn)(struct sweep *s, void *undo);

static uint64_t base_pages, base_z;

static void sw_up(struct sweep *s, const char *features, bool strict)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(rel_platform(&s->r, features, false, 2), 0);
	base_pages = rel_pages(&s->r);
	base_z = rel_zbytes(&s->r);
	assert_int_equal(rel_stack_up(&s->r, strict), 0);
	assert_int_equal(smmukit_plat_alloc_pages(s->r.p, 4, &s->buf), 0);
	assert_int_equal(rel_dev(&s->r, "witness", 1, false, &s->dev), 0);
	assert_int_equal(smmukit_dma_map_page(s->dev, s->buf.pa, 4096,
					      SMMUKIT_DMA_BIDIRECTIONAL,
					      &s->witness), 0);
}

static void sw_down(struct sweep *s)
{
	assert_int_equal(smmukit_dma_unmap_page(s->dev, s->witness, 4096,
						SMMUKIT_DMA_BIDIRECTIONAL), 0);
	assert_int_equal(smmukit_iommu_release_device(s->dev), 0);
	smmukit_plat_free_pages(s->r.p, &s->buf);
	assert_int_equal(rel_stack_down(&s->r), 0);
	/* Everything any failure point kept was freed with its owner. */
	assert_int_equal(rel_pages(&s->r), base_pages);
	assert_int_equal(rel_zbytes(&s->r), base_z);
	rel_platform_down(&s->r);
}

static unsigned sweep_path(struct sweep *s, const char *name, op_fn op,
			   undo_fn undo)
{
	unsigned n;

	unsigned points = 0;

	/*
	 * Each failure point is tried twice: the first time may grow a pool
	 * (the driver keeps freed domain structs for reuse), the second must
	 * leave everything exactly as it was. The sweep ends when the
	 * operation succeeds without reaching the Nth allocation; a success
	 * that absorbed the failure (a fallback) is checked and undone, and
	 * the sweep goes on.
	 */
	for (n = 1; n < 10000; n++) {
		bool done = false;

		for (unsigned pass = 0; pass < 2 && !done; pass++) {
			uint64_t pages = rel_pages(&s->r), z = rel_zbytes(&s->r);
			uint64_t allocs;
			void *u = NULL;
			int ret;

			smmukit_posix_fail_nth_alloc(s->r.p, n);
			ret = op(s, &u);
			allocs = smmukit_posix_fail_nth_alloc(s->r.p, 0);
			if (ret == 0) {
				undo(s, u);
				done = allocs < n;
				continue;
			}
			if (ret != -SMMUKIT_ENOMEM)
				fail_msg("%s: failure %u gave %s", name, n,
					 smmukit_errname(ret));
			/*
			 * A map that fails for memory keeps the (empty)
			 * tables it installed: the page table's contract;
			 * they are reused and freed with the domain, which
			 * the final teardown checks. At most one per level.
			 */
			if (pass && (rel_pages(&s->r) > pages + 3 ||
				     rel_zbytes(&s->r) != z))
				fail_msg("%s: failure %u leaked %lld pages, %lld bytes",
					 name, n,
					 (long long)(rel_pages(&s->r) - pages),
					 (long long)(rel_zbytes(&s->r) - z));
			assert_int_equal(rel_read(&s->r, 1, s->witness), 0);
		}
		if (done)
			break;
		points++;
	}
	assert_int_equal(rel_read(&s->r, 1, s->witness), 0);
	printf("sweep %-28s %3u failure points, then success\n", name, points);
	total_points += points;
	total_paths++;
	return n - 1;
}

/* ---- the paths ---- */

static int op_domain(struct sweep *s, void **u)
{
	return smmukit_iommu_domain_alloc(s->r.core, SMMUKIT_DOMAIN_UNMANAGED,
					  (struct smmukit_domain **)u);
}

static void undo_domain(struct sweep *s, void *u)
{
	assert_int_equal(smmukit_iommu_domain_free(u), 0);
}

/* Probing attaches the default domain; SID 0x900 needs a new level-2 table. */
static int op_probe_attach(struct sweep *s, void **u)
{
	return rel_dev(&s->r, "new", 0x900, false, (struct smmukit_device **)u);
}

static void undo_probe_attach(struct sweep *s, void *u)
{
	assert_int_equal(rel_read(&s->r, 1, s->witness), 0);
	assert_int_equal(smmukit_iommu_release_device(u), 0);
}

static struct smmukit_device *second;

static int op_attach_user(struct sweep *s, void **u)
{
	struct smmukit_domain *d;
	int ret = smmukit_iommu_domain_alloc(s->r.core, SMMUKIT_DOMAIN_UNMANAGED,
					     &d);

	if (ret)
		return ret;
	ret = smmukit_iommu_attach_group(d, second);
	if (ret) {
		assert_int_equal(smmukit_iommu_domain_free(d), 0);
		return ret;
	}
	ret = smmukit_iommu_map(d, 0x100000, s->buf.pa, 8 * 4096,
				SMMUKIT_PROT_READ);
	if (ret) {
		assert_int_equal(smmukit_iommu_detach_group(d, second), 0);
		assert_int_equal(smmukit_iommu_domain_free(d), 0);
		return ret;
	}
	*u = d;
	return 0;
}

static void undo_attach_user(struct sweep *s, void *u)
{
	assert_int_equal(rel_read(&s->r, 0x20, 0x100000), 0);
	assert_int_equal(smmukit_iommu_unmap(u, 0x100000, 8 * 4096), 8 * 4096);
	assert_int_equal(smmukit_iommu_detach_group(u, second), 0);
	assert_int_equal(smmukit_iommu_domain_free(u), 0);
}

static smmukit_dma_addr_t mapped;

static int op_map(struct sweep *s, void **u)
{
	/* 2 MiB + a page at an odd offset: tables at several levels. */
	return smmukit_dma_map_page(second, s->buf.pa + 0x10, 4096 * 3,
				    SMMUKIT_DMA_TO_DEVICE, &mapped);
}

static void undo_map(struct sweep *s, void *u)
{
	assert_int_equal(rel_read(&s->r, 0x20, mapped), 0);
	assert_int_equal(smmukit_dma_unmap_page(second, mapped, 4096 * 3,
						SMMUKIT_DMA_TO_DEVICE), 0);
}

static struct smmukit_dma_sg sg[3];
static struct smmukit_device *third;

static int op_map_sg(struct sweep *s, void **u)
{
	for (unsigned i = 0; i < 3; i++) {
		sg[i].pa = s->buf.pa + (uint64_t)(i + 1) * 4096;
		sg[i].len = 4096;
	}
	int ret = smmukit_dma_map_sg(third, sg, 3, SMMUKIT_DMA_FROM_DEVICE);

	return ret == 3 ? 0 : ret;
}

static void undo_map_sg(struct sweep *s, void *u)
{
	assert_int_equal(rel_read(&s->r, 0x40, sg[0].dma_addr), 0);
	assert_int_equal(smmukit_dma_unmap_sg(third, sg, 3,
					      SMMUKIT_DMA_FROM_DEVICE), 0);
}

static bool fq_reached;

static int op_fq(struct sweep *s, void **u)
{
	return smmukit_iommu_set_default_domain_type(second,
						     SMMUKIT_DOMAIN_DMA_FQ);
}

/* DMA-FQ, or DMA when a failure was absorbed by staying strict; back. */
static void undo_fq(struct sweep *s, void *u)
{
	enum smmukit_domain_type t =
		smmukit_domain_get_type(smmukit_device_domain(second));

	assert_true(t == SMMUKIT_DOMAIN_DMA_FQ || t == SMMUKIT_DOMAIN_DMA);
	fq_reached |= t == SMMUKIT_DOMAIN_DMA_FQ;
	assert_int_equal(smmukit_iommu_set_default_domain_type(
				 second, SMMUKIT_DOMAIN_DMA), 0);
}

static struct smmukit_device *untrusted;

static int op_bounce(struct sweep *s, void **u)
{
	return smmukit_dma_map_page(untrusted, s->buf.pa + 100, 200,
				    SMMUKIT_DMA_BIDIRECTIONAL, &mapped);
}

static void undo_bounce(struct sweep *s, void *u)
{
	assert_int_equal(rel_read(&s->r, 0x30, mapped), 0);
	assert_int_equal(smmukit_dma_unmap_page(untrusted, mapped, 200,
						SMMUKIT_DMA_BIDIRECTIONAL), 0);
}

static void test_sweeps(void **state)
{
	struct sweep s;

	(void)state;
	sw_up(&s, "strtab=2lvl,checking", true);
	assert_int_equal(rel_dev(&s.r, "second", 0x20, false, &second), 0);
	assert_int_equal(rel_dev(&s.r, "untrusted", 0x30, true, &untrusted), 0);
	assert_int_equal(rel_dev(&s.r, "third", 0x40, false, &third), 0);
	sweep_path(&s, "domain_alloc", op_domain, undo_domain);
	sweep_path(&s, "probe+attach (2-level grow)", op_probe_attach,
		   undo_probe_attach);
	sweep_path(&s, "attach_group+map (user)", op_attach_user,
		   undo_attach_user);
	sweep_path(&s, "dma_map_page", op_map, undo_map);
	sweep_path(&s, "dma_map_sg", op_map_sg, undo_map_sg);
	sweep_path(&s, "bounce map (untrusted)", op_bounce, undo_bounce);
	assert_int_equal(smmukit_iommu_release_device(second), 0);
	assert_int_equal(smmukit_iommu_release_device(untrusted), 0);
	assert_int_equal(smmukit_iommu_release_device(third), 0);
	assert_int_equal(rel_mstats(&s.r).free_violations, 0);
	sw_down(&s);

	/* Flush-queue setup needs lazy to be allowed. */
	sw_up(&s, "checking", false);
	assert_int_equal(rel_dev(&s.r, "second", 0x20, false, &second), 0);
	assert_int_equal(smmukit_iommu_set_default_domain_type(
				 second, SMMUKIT_DOMAIN_DMA), 0);
	sweep_path(&s, "DMA->DMA-FQ (flush queue)", op_fq, undo_fq);
	assert_true(fq_reached);
	assert_int_equal(smmukit_iommu_release_device(second), 0);
	sw_down(&s);
}

/* The stack itself: driver probe, core, DMA layer, one device. */
static void test_stack_bringup_sweep(void **state)
{
	struct rel_stack r;
	unsigned n;
	/* A fresh platform per point: fail_nth counts from creation on. */

	(void)state;
	for (n = 1; n < 10000; n++) {
		struct smmukit_device *d = NULL;
		uint64_t pages, z;
		int ret;

		assert_int_equal(rel_platform(&r, "strtab=2lvl", false, 2), 0);
		pages = rel_pages(&r);
		z = rel_zbytes(&r);
		uint64_t allocs;

		smmukit_posix_fail_nth_alloc(r.p, n);
		ret = rel_stack_up(&r, false);
		if (!ret)
			ret = rel_dev(&r, "d", 7, false, &d);
		allocs = smmukit_posix_fail_nth_alloc(r.p, 0);
		if (ret)
			assert_int_equal(ret, -SMMUKIT_ENOMEM);
		if (d)
			assert_int_equal(smmukit_iommu_release_device(d), 0);
		assert_int_equal(rel_stack_down(&r), 0);
		assert_int_equal(rel_pages(&r), pages);
		assert_int_equal(rel_zbytes(&r), z);
		rel_platform_down(&r);
		if (!ret && allocs < n)
			break;
	}
	printf("sweep %-28s %3u failure points, then success\n",
	       "probe+core+dma+device", n - 1);
	total_points += n - 1;
	total_paths++;
	printf("allocation-failure sweeps: %u paths, %u failure points, 0 leaks\n",
	       total_paths, total_points);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sweeps),
		cmocka_unit_test(test_stack_bringup_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

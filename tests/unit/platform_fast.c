/* SPDX-License-Identifier: MIT */
/*
 * The platform's fast data (linear map, atomic hot-path locks) and the fast
 * paths built on it: every result must be what the ops-only paths give.
 * Each case runs on a hosted platform that publishes the fast data and on
 * one with ops_only (every hot path through the ops table), on 1 CPU (the
 * IOVA fast paths' leaf code) and on 2 CPUs (the general cached path).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pthread.h>

#include "smmukit/iova.h"
#include "smmukit/pgtable.h"
#include "smmukit/platform_posix.h"

static struct smmukit_platform *make(bool ops_only, unsigned nr_cpus)
{
	struct smmukit_posix_config cfg = {
		.mem_size = 64u << 20, .nr_cpus = nr_cpus, .ops_only = ops_only,
		.log_level = SMMUKIT_LOG_ERR,
	};
	struct smmukit_platform *p = NULL;

	assert_int_equal(smmukit_posix_create(&cfg, &p), 0);
	return p;
}

static void test_fast_data_published(void **state)
{
	struct smmukit_platform *f = make(false, 1), *o = make(true, 1);
	struct smmukit_dma_pages pg;

	assert_true(f->fast_flags & SMMUKIT_PLAT_F_LINEAR_MAP);
	assert_true(f->fast_flags & SMMUKIT_PLAT_F_ATOMIC_LOCKS);
	assert_int_equal(o->fast_flags, 0);
	for (unsigned i = 0; i < 2; i++) {
		struct smmukit_platform *p = i ? o : f;

		assert_int_equal(smmukit_plat_alloc_pages(p, 2, &pg), 0);
		for (uint64_t off = 0; off < 4 * SMMUKIT_PAGE_SIZE; off += 4096)
			assert_ptr_equal(smmukit_plat_page_virt(p, pg.pa + off),
					 smmukit_plat_phys_to_virt(p, pg.pa + off));
		assert_ptr_equal(smmukit_plat_page_virt(p, pg.pa), pg.cpu);
		smmukit_plat_free_pages(p, &pg);
	}
	smmukit_posix_destroy(f);
	smmukit_posix_destroy(o);
}

/* ---- hot-path locks under contention (also a TSan case) ---- */

#define LOCK_THREADS 4
#define LOCK_ITERS 20000

struct lock_arg {
	struct smmukit_platform *p;
	struct smmukit_lock *l;
	uint64_t *counter;
};

static void *lock_worker(void *v)
{
	struct lock_arg *a = v;

	for (unsigned i = 0; i < LOCK_ITERS; i++) {
		smmukit_plat_hot_lock(a->p, a->l);
		(*a->counter)++;	/* plain: the lock must order it */
		smmukit_plat_hot_unlock(a->p, a->l);
	}
	return NULL;
}

static void test_hot_lock_contended(void **state)
{
	for (unsigned ops_only = 0; ops_only < 2; ops_only++) {
		struct smmukit_platform *p = make(ops_only, 2);
		struct smmukit_lock l;
		uint64_t counter = 0;
		pthread_t th[LOCK_THREADS];
		struct lock_arg a = { p, &l, &counter };

		smmukit_plat_hot_lock_init(p, &l);
		for (unsigned i = 0; i < LOCK_THREADS; i++)
			assert_int_equal(pthread_create(&th[i], NULL, lock_worker, &a), 0);
		for (unsigned i = 0; i < LOCK_THREADS; i++)
			pthread_join(th[i], NULL);
		assert_int_equal(counter, (uint64_t)LOCK_THREADS * LOCK_ITERS);
		smmukit_plat_hot_lock_destroy(p, &l);
		smmukit_posix_destroy(p);
	}
}

/* ---- IOVA: the fast paths against the ops-only ones ---- */

struct iova_trace {
	int ret[64];
	uint64_t pfn[64];
	unsigned n;
	struct smmukit_iova_stats st;
};

static void rec(struct iova_trace *t, int ret, uint64_t pfn)
{
	assert_true(t->n < 64);
	t->ret[t->n] = ret;
	t->pfn[t->n++] = ret ? 0 : pfn;
}

/* The call first, then its out-parameter (argument order is unspecified). */
#define R(call, out)                      \
	do {                              \
		int r_ = (call);          \
		rec(t, r_, (out));        \
	} while (0)

/* Every argument shape the fast paths test at once, good and bad. */
static void iova_script(struct smmukit_platform *p, bool checked,
			struct iova_trace *t)
{
	struct smmukit_iova_config cfg = {
		.granule = 4096, .start_pfn = 16, .end_pfn = 1023,
		.flags = checked ? SMMUKIT_IOVA_CHECK_FAST_FREE : 0,
	};
	struct smmukit_iova_domain *dom;
	uint64_t pfn = 0, a, b;

	assert_int_equal(smmukit_iova_domain_create(p, &cfg, &dom), 0);
	R(smmukit_iova_alloc_fast(NULL, 1, 1023, 0, &pfn), pfn);
	R(smmukit_iova_alloc_fast(dom, 1, 1023, 0, NULL), 0);
	R(smmukit_iova_alloc_fast(dom, 0, 1023, 0, &pfn), pfn);
	R(smmukit_iova_alloc_fast(dom, 1, 1023, 2, &pfn), pfn);
	R(smmukit_iova_alloc_fast(dom, 1, 15, 0, &pfn), pfn);	/* below start */
	R(smmukit_iova_alloc_fast(dom, 8, 20, 0, &pfn), pfn);	/* no room */
	R(smmukit_iova_alloc_fast(dom, 3, UINT64_MAX, 0, &a), a);	/* limit clipped */
	R(smmukit_iova_free_fast(dom, a, 3), 0);
	R(smmukit_iova_alloc_fast(dom, 4, UINT64_MAX, 0, &b), b);	/* same class: a hit */
	R(smmukit_iova_alloc_fast(dom, 4, b - 1, 0, &pfn), pfn);	/* below the cached one */
	R(smmukit_iova_free_fast(dom, pfn, 4), 0);
	R(smmukit_iova_free_fast(dom, b + 1, 4), 0);		/* misaligned */
	R(smmukit_iova_free_fast(dom, 1024, 1), 0);		/* past the end */
	R(smmukit_iova_free_fast(dom, 1020, 8), 0);		/* overhangs */
	R(smmukit_iova_free_fast(NULL, b, 4), 0);
	R(smmukit_iova_free_fast(dom, b, 0), 0);
	R(smmukit_iova_free_fast(dom, b, 4), 0);
	R(smmukit_iova_alloc_fast(dom, 33, 1023, 0, &pfn), pfn);	/* tree only */
	R(smmukit_iova_free_fast(dom, pfn, 33), 0);
	for (unsigned i = 0; i < 300; i++) {	/* magazine exchange and depot */
		uint64_t x;

		assert_int_equal(smmukit_iova_alloc(dom, 1, 1023, true, &x), 0);
		assert_int_equal(smmukit_iova_free_fast(dom, x, 1), 0);
	}
	R(smmukit_iova_alloc(dom, 2000, 1023, true, &pfn), pfn);	/* too big */
	R(smmukit_iova_alloc(dom, 2, 1023, true, &a), a);
	R(smmukit_iova_free(dom, a, 2), 0);
	R(smmukit_iova_free(dom, a, 2), 0);			/* double free */
	assert_int_equal(smmukit_iova_check(dom), 0);
	smmukit_iova_get_stats(dom, &t->st);
	smmukit_iova_domain_destroy(dom);
}

static void test_iova_fast_equals_ops(void **state)
{
	for (unsigned cpus = 1; cpus <= 2; cpus++) {
		for (unsigned checked = 0; checked < 2; checked++) {
			struct smmukit_platform *f = make(false, cpus);
			struct smmukit_platform *o = make(true, cpus);
			struct iova_trace tf = { 0 }, to = { 0 };
			struct smmukit_posix_stats sf, so;

			iova_script(f, checked, &tf);
			iova_script(o, checked, &to);
			assert_int_equal(tf.n, to.n);
			for (unsigned i = 0; i < tf.n; i++) {
				assert_int_equal(tf.ret[i], to.ret[i]);
				assert_int_equal(tf.pfn[i], to.pfn[i]);
			}
			assert_memory_equal(&tf.st, &to.st, sizeof(tf.st));
			/* Argument errors and a hit, whatever the path. */
			assert_int_equal(tf.ret[0], -SMMUKIT_EINVAL);
			assert_int_equal(tf.ret[4], -SMMUKIT_EINVAL);
			assert_int_equal(tf.ret[5], -SMMUKIT_ENOSPC);
			assert_int_equal(tf.pfn[8], tf.pfn[6]);
			assert_int_equal(tf.ret[11], -SMMUKIT_EINVAL);
			assert_int_equal(tf.ret[12], -SMMUKIT_EINVAL);
			assert_int_equal(tf.ret[13], -SMMUKIT_EINVAL);
			assert_int_equal(tf.ret[22], -SMMUKIT_ENOENT);
			/* The node cache is freed with the domain. */
			smmukit_posix_get_stats(f, &sf);
			smmukit_posix_get_stats(o, &so);
			assert_int_equal(sf.zallocs_in_use, 0);
			assert_int_equal(so.zallocs_in_use, 0);
			smmukit_posix_destroy(f);
			smmukit_posix_destroy(o);
		}
	}
}

/* ---- page tables through the linear map and through the op ---- */

static void nop_all(void *c)
{
}

static int nop_walk(void *c, uint64_t iova, uint64_t size, uint64_t granule)
{
	return 0;
}

static const struct smmukit_pgtable_flush_ops nop_ops = {
	.flush_all = nop_all, .flush_walk = nop_walk,
};

#define RW (SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE)

static void pgt_script(struct smmukit_platform *p, int *r, unsigned *n)
{
	struct smmukit_pgtable_cfg cfg = {
		.stage = 1, .granule = SMMUKIT_SZ_4K, .ias = 48, .oas = 48,
		.coherent_walk = true, .flush_ops = &nop_ops, .platform = p,
	};
	struct smmukit_pgtable *pgt;
	struct smmukit_iotlb_gather g;
	smmukit_phys_t pa;
	const uint64_t base = UINT64_C(1) << 32;

	assert_int_equal(smmukit_pgtable_alloc(&cfg, &pgt), 0);
	smmukit_pgtable_gather_init(&g);
	*n = 0;
	r[(*n)++] = smmukit_pgtable_map_pages(pgt, base, base, SMMUKIT_SZ_4K, 1, RW, NULL);
	r[(*n)++] = smmukit_pgtable_map_pages(pgt, base, base, SMMUKIT_SZ_4K, 1, RW, NULL);
	r[(*n)++] = smmukit_pgtable_map_pages(pgt, base + 1, base, SMMUKIT_SZ_4K, 1, RW, NULL);
	r[(*n)++] = smmukit_pgtable_map_pages(pgt, base, base, 8192, 1, RW, NULL);
	r[(*n)++] = smmukit_pgtable_map_pages(pgt, base, base, SMMUKIT_SZ_4K, 1, 0, NULL);
	r[(*n)++] = smmukit_pgtable_map_pages(pgt, base, base, SMMUKIT_SZ_4K, 1, 1u << 9, NULL);
	r[(*n)++] = smmukit_pgtable_map_pages(pgt, UINT64_C(1) << 48, base, SMMUKIT_SZ_4K, 1, RW, NULL);
	r[(*n)++] = smmukit_pgtable_map_pages(pgt, base, UINT64_C(1) << 48, SMMUKIT_SZ_4K, 1, RW, NULL);
	r[(*n)++] = smmukit_pgtable_map_pages(pgt, (UINT64_C(1) << 48) - 4096, base, SMMUKIT_SZ_4K, 2, RW, NULL);
	r[(*n)++] = smmukit_pgtable_map_pages(pgt, base + 2 * SMMUKIT_SZ_2M, base, SMMUKIT_SZ_2M, 1, RW, NULL);
	r[(*n)++] = smmukit_pgtable_map_pages(pgt, base + 4096 * 510, base, SMMUKIT_SZ_4K, 4, RW, NULL);
	r[(*n)++] = smmukit_pgtable_iova_to_phys(pgt, base + 123, &pa);
	r[(*n)++] = (int)(pa - base);
	r[(*n)++] = (int)smmukit_pgtable_unmap_pages(pgt, base + 2 * SMMUKIT_SZ_2M, SMMUKIT_SZ_4K, 1, &g);
	r[(*n)++] = (int)smmukit_pgtable_unmap_pages(pgt, base + 4096 * 510, SMMUKIT_SZ_4K, 4, &g);
	r[(*n)++] = (int)smmukit_pgtable_unmap_pages(pgt, base, SMMUKIT_SZ_4K, 3, &g);
	r[(*n)++] = (int)smmukit_pgtable_unmap_pages(pgt, base + 3, SMMUKIT_SZ_4K, 1, &g);
	r[(*n)++] = (int)smmukit_pgtable_unmap_pages(pgt, base + 2 * SMMUKIT_SZ_2M, SMMUKIT_SZ_2M, 1, NULL);
	r[(*n)++] = smmukit_pgtable_iova_to_phys(pgt, base + 2 * SMMUKIT_SZ_2M, &pa);
	smmukit_pgtable_free_freelist(p, &g);
	smmukit_pgtable_free(pgt);
}

static void test_pgtable_fast_equals_ops(void **state)
{
	struct smmukit_platform *f = make(false, 1), *o = make(true, 1);
	int rf[32], ro[32];
	unsigned nf, no;
	struct smmukit_posix_stats st;

	pgt_script(f, rf, &nf);
	pgt_script(o, ro, &no);
	assert_int_equal(nf, no);
	for (unsigned i = 0; i < nf; i++)
		assert_int_equal(rf[i], ro[i]);
	assert_int_equal(rf[0], 0);
	assert_int_equal(rf[1], -SMMUKIT_EEXIST);
	assert_int_equal(rf[2], -SMMUKIT_EINVAL);
	assert_int_equal(rf[3], -SMMUKIT_EINVAL);
	assert_int_equal(rf[4], -SMMUKIT_EINVAL);
	assert_int_equal(rf[5], -SMMUKIT_EINVAL);
	assert_int_equal(rf[6], -SMMUKIT_ERANGE);
	assert_int_equal(rf[7], -SMMUKIT_ERANGE);
	assert_int_equal(rf[8], -SMMUKIT_ERANGE);
	assert_int_equal(rf[9], 0);
	assert_int_equal(rf[10], 0);	/* spans two last-level tables */
	assert_int_equal(rf[11], 0);
	assert_int_equal(rf[12], 123);
	assert_int_equal(rf[13], -SMMUKIT_EINVAL);	/* part of a block */
	assert_int_equal(rf[14], 4 * 4096);
	assert_int_equal(rf[15], 4096);	/* stops at the first hole */
	assert_int_equal(rf[16], -SMMUKIT_EINVAL);
	assert_int_equal(rf[17], (int)SMMUKIT_SZ_2M);
	assert_int_equal(rf[18], -SMMUKIT_ENOENT);
	smmukit_posix_get_stats(f, &st);
	assert_int_equal(st.pages_in_use, 0);
	smmukit_posix_destroy(f);
	smmukit_posix_destroy(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fast_data_published),
		cmocka_unit_test(test_hot_lock_contended),
		cmocka_unit_test(test_iova_fast_equals_ops),
		cmocka_unit_test(test_pgtable_fast_equals_ops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

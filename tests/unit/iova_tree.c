/* SPDX-License-Identifier: MIT */
/*
 * IOVA tree allocator: argument checks, top-down order, limits, alignment,
 * reservations, double free, teardown, allocation-failure sweeps, bounded
 * exact fit, and random operations against a shadow bitmap (seed printed;
 * replay with SMMUKIT_SEED=<seed>).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "iova_test.h"

static struct smmukit_iova_domain *new_domain(struct smmukit_platform *p,
					      uint64_t start, uint64_t end)
{
	struct smmukit_iova_config cfg = {
		.granule = 4096, .start_pfn = start, .end_pfn = end,
	};
	struct smmukit_iova_domain *dom = NULL;

	assert_int_equal(smmukit_iova_domain_create(p, &cfg, &dom), 0);
	return dom;
}

static uint64_t alloc_ok(struct smmukit_iova_domain *dom, uint64_t size,
			 uint64_t limit, bool aligned)
{
	uint64_t pfn = 0;

	assert_int_equal(smmukit_iova_alloc(dom, size, limit, aligned, &pfn), 0);
	return pfn;
}

/* ------------------------------------------------------------- basics -- */

static void test_create_invalid(void **state)
{
	struct fixture *f = *state;
	struct smmukit_iova_config cfg = { .granule = 4096 };
	uint64_t pfn = 0;
	struct smmukit_iova_domain *dom = NULL;

	assert_int_equal(smmukit_iova_domain_create(NULL, &cfg, &dom), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iova_domain_create(f->plat, NULL, &dom), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iova_domain_create(f->plat, &cfg, NULL), -SMMUKIT_EINVAL);
	cfg.granule = 8192 + 4096;
	assert_int_equal(smmukit_iova_domain_create(f->plat, &cfg, &dom), -SMMUKIT_EINVAL);
	cfg.granule = 2048;
	assert_int_equal(smmukit_iova_domain_create(f->plat, &cfg, &dom), -SMMUKIT_EINVAL);
	cfg.granule = 1u << 17;
	assert_int_equal(smmukit_iova_domain_create(f->plat, &cfg, &dom), -SMMUKIT_EINVAL);
	cfg.granule = 4096;
	cfg.start_pfn = 100;
	cfg.end_pfn = 99;
	assert_int_equal(smmukit_iova_domain_create(f->plat, &cfg, &dom), -SMMUKIT_EINVAL);
	cfg.start_pfn = 0;
	cfg.end_pfn = (UINT64_MAX >> 12) + 1;	/* beyond the 64-bit space */
	assert_int_equal(smmukit_iova_domain_create(f->plat, &cfg, &dom), -SMMUKIT_EINVAL);
	/* The very last granule of the 64-bit space is a valid end_pfn. */
	cfg.end_pfn = UINT64_MAX >> 12;
	assert_int_equal(smmukit_iova_domain_create(f->plat, &cfg, &dom), 0);
	assert_int_equal(smmukit_iova_end_pfn(dom), UINT64_MAX >> 12);
	assert_int_equal(alloc_ok(dom, 1, UINT64_MAX, false), UINT64_MAX >> 12);
	assert_int_equal(alloc_ok(dom, 16, UINT64_MAX, true), (UINT64_MAX >> 12) - 31);
	assert_int_equal(smmukit_iova_check(dom), 0);
	assert_int_equal(smmukit_iova_free(dom, UINT64_MAX >> 12, 1), 0);
	assert_int_equal(smmukit_iova_alloc_fast(dom, 1, UINT64_MAX, 0, &pfn), 0);
	assert_int_equal(pfn, UINT64_MAX >> 12);
	assert_int_equal(smmukit_iova_free_fast(dom, pfn, 1), 0);
	smmukit_iova_domain_destroy(dom);
	dom = NULL;
	cfg.end_pfn = 0;
	cfg.flags = 0x80;
	assert_int_equal(smmukit_iova_domain_create(f->plat, &cfg, &dom), -SMMUKIT_EINVAL);
	assert_null(dom);
	/* Defaults: start raised to 1, end = top of 64-bit space. */
	cfg.flags = 0;
	cfg.granule = 65536;
	assert_int_equal(smmukit_iova_domain_create(f->plat, &cfg, &dom), 0);
	assert_int_equal(smmukit_iova_start_pfn(dom), 1);
	assert_int_equal(smmukit_iova_shift(dom), 16);
	assert_int_equal(smmukit_iova_end_pfn(dom), UINT64_MAX >> 16);
	f->dom = dom;
	assert_int_equal(alloc_ok(dom, 1, UINT64_MAX, false), UINT64_MAX >> 16);
}

static void test_alloc_args(void **state)
{
	struct fixture *f = *state;
	uint64_t pfn = 77;

	f->dom = new_domain(f->plat, 0, 1023);
	assert_int_equal(smmukit_iova_alloc(f->dom, 0, 1023, false, &pfn), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iova_alloc(f->dom, 1024, 1023, false, &pfn), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iova_alloc(f->dom, 1, 0, false, &pfn), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iova_alloc(f->dom, 1, 1023, false, NULL), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iova_alloc(NULL, 1, 1023, false, &pfn), -SMMUKIT_EINVAL);
	/* Fits the domain but not below this limit. */
	assert_int_equal(smmukit_iova_alloc(f->dom, 20, 10, false, &pfn), -SMMUKIT_ENOSPC);
	assert_int_equal(pfn, 77);
	assert_int_equal(smmukit_iova_free(f->dom, 0, 1), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iova_free(f->dom, 5, 0), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iova_reserve(f->dom, 9, 8), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iova_find(f->dom, 5, NULL), -SMMUKIT_EINVAL);
	/* The whole domain in one piece: pfn 0 is not part of it. */
	assert_int_equal(alloc_ok(f->dom, 1023, 5000, false), 1);
	assert_int_equal(smmukit_iova_alloc(f->dom, 1, 1023, false, &pfn), -SMMUKIT_ENOSPC);
	assert_int_equal(smmukit_iova_free(f->dom, 1, 1023), 0);
	assert_int_equal(smmukit_iova_check(f->dom), 0);
}

static void test_topdown_limits_alignment(void **state)
{
	struct fixture *f = *state;
	const uint64_t end = (UINT64_C(1) << 36) - 1;	/* 48-bit IAS */
	const uint64_t lim32 = 0xfffff;
	struct smmukit_iova_range r;

	f->dom = new_domain(f->plat, 1, end);
	assert_int_equal(alloc_ok(f->dom, 1, UINT64_MAX, false), end);
	assert_int_equal(alloc_ok(f->dom, 1, lim32, false), lim32);
	assert_int_equal(alloc_ok(f->dom, 3, lim32, false), lim32 - 3);
	/* Aligned to 4: the highest multiple of 4 whose range fits. */
	assert_int_equal(alloc_ok(f->dom, 3, lim32, true), 0xffff8);
	assert_int_equal(alloc_ok(f->dom, 16, lim32, true) % 16, 0);
	assert_int_equal(alloc_ok(f->dom, 5, end, true) % 8, 0);
	assert_int_equal(smmukit_iova_find(f->dom, lim32 - 2, &r), 0);
	assert_int_equal(r.pfn_lo, lim32 - 3);
	assert_int_equal(r.pfn_hi, lim32 - 1);
	assert_false(r.reserved);
	assert_int_equal(smmukit_iova_find(f->dom, 12345, &r), -SMMUKIT_ENOENT);
	assert_int_equal(smmukit_iova_check(f->dom), 0);
}

static void test_double_free(void **state)
{
	struct fixture *f = *state;
	struct smmukit_iova_stats st;
	uint64_t a, b;

	f->dom = new_domain(f->plat, 1, 4095);
	a = alloc_ok(f->dom, 8, 4095, true);
	b = alloc_ok(f->dom, 2, 4095, false);
	assert_int_equal(smmukit_iova_free(f->dom, a, 4), -SMMUKIT_ENOENT);
	assert_int_equal(smmukit_iova_free(f->dom, a + 1, 7), -SMMUKIT_ENOENT);
	assert_int_equal(smmukit_iova_free(f->dom, a, 8), 0);
	assert_int_equal(smmukit_iova_free(f->dom, a, 8), -SMMUKIT_ENOENT);
	assert_int_equal(smmukit_iova_check(f->dom), 0);
	smmukit_iova_get_stats(f->dom, &st);
	assert_int_equal(st.tree_ranges, 1);
	assert_int_equal(smmukit_iova_free(f->dom, b, 2), 0);
	assert_int_equal(smmukit_iova_free(f->dom, b, 2), -SMMUKIT_ENOENT);
	assert_int_equal(smmukit_iova_check(f->dom), 0);
}

static void test_reserve(void **state)
{
	struct fixture *f = *state;
	struct smmukit_iova_range r;
	struct smmukit_iova_stats st;
	uint64_t pfn, n = 0, a;

	f->dom = new_domain(f->plat, 1, 1023);
	assert_int_equal(smmukit_iova_reserve(f->dom, 100, 199), 0);
	assert_int_equal(smmukit_iova_reserve(f->dom, 150, 249), 0);	/* overlaps */
	assert_int_equal(smmukit_iova_reserve(f->dom, 250, 259), 0);	/* adjacent */
	assert_int_equal(smmukit_iova_reserve(f->dom, 1000, 5000), 0);	/* clipped */
	assert_int_equal(smmukit_iova_reserve(f->dom, 2000, 5000), 0);	/* outside */
	assert_int_equal(smmukit_iova_find(f->dom, 180, &r), 0);
	assert_true(r.reserved);
	assert_int_equal(r.pfn_lo, 100);
	assert_int_equal(r.pfn_hi, 259);
	assert_int_equal(smmukit_iova_free(f->dom, 100, 160), -SMMUKIT_ENOENT);
	a = alloc_ok(f->dom, 10, 1023, false);
	assert_int_equal(a, 990);
	assert_int_equal(smmukit_iova_reserve(f->dom, 985, 990), -SMMUKIT_EBUSY);
	assert_int_equal(smmukit_iova_reserve(f->dom, 980, 989), 0);	/* touches a */
	assert_int_equal(smmukit_iova_find(f->dom, 989, &r), 0);
	assert_int_equal(r.pfn_lo, 980);
	assert_int_equal(r.pfn_hi, 989);
	assert_int_equal(smmukit_iova_check(f->dom), 0);
	/* Exhaust: every pfn handed out is outside the reservations. */
	while (smmukit_iova_alloc(f->dom, 1, 1023, false, &pfn) == 0) {
		assert_false((pfn >= 100 && pfn <= 259) || pfn >= 980);
		n++;
	}
	assert_int_equal(n, 1023 - 160 - 44);
	smmukit_iova_get_stats(f->dom, &st);
	assert_int_equal(st.tree_ranges, n + 4);
	assert_int_equal(smmukit_iova_check(f->dom), 0);
}

/*
 * The exact-fit pass: size-2 aligned requests whose only homes are gaps of
 * exactly 2. It finds one among the first SMMUKIT_IOVA_EXACT_FIT_TRIES
 * candidate gaps, and gives up (documented) when every tried gap is
 * misaligned.
 */
static void test_exact_fit_bounded(void **state)
{
	struct fixture *f = *state;
	uint64_t pfn;
	unsigned misaligned;

	for (misaligned = 0; misaligned <= SMMUKIT_IOVA_EXACT_FIT_TRIES; misaligned++) {
		f->dom = new_domain(f->plat, 1, 1023);
		/*
		 * Layout from the top: 'misaligned' holes [odd, odd+1], then one
		 * aligned hole at [2 * 100, 2 * 100 + 1]; everything else used.
		 */
		for (uint64_t p = 1023; p >= 1; p--)
			assert_int_equal(alloc_ok(f->dom, 1, p, false), p);
		for (unsigned i = 0; i < misaligned; i++) {
			uint64_t lo = 1001 - 10 * i;	/* odd */

			assert_int_equal(smmukit_iova_free(f->dom, lo, 1), 0);
			assert_int_equal(smmukit_iova_free(f->dom, lo + 1, 1), 0);
		}
		assert_int_equal(smmukit_iova_free(f->dom, 200, 1), 0);
		assert_int_equal(smmukit_iova_free(f->dom, 201, 1), 0);
		assert_int_equal(smmukit_iova_check(f->dom), 0);
		if (misaligned < SMMUKIT_IOVA_EXACT_FIT_TRIES) {
			assert_int_equal(alloc_ok(f->dom, 2, 1023, true), 200);
		} else {
			assert_int_equal(smmukit_iova_alloc(f->dom, 2, 1023, true, &pfn),
					 -SMMUKIT_ENOSPC);
			/* Below the misaligned holes, it is found. */
			assert_int_equal(alloc_ok(f->dom, 2, 900, true), 200);
		}
		/* Unaligned requests take the top gap exactly. */
		if (misaligned)
			assert_int_equal(alloc_ok(f->dom, 2, 1023, false), 1001);
		smmukit_iova_domain_destroy(f->dom);
		f->dom = NULL;
	}
}

/* ------------------------------------------------- failure injection -- */

static void test_alloc_failure_sweep(void **state)
{
	struct fixture *f = *state;
	struct smmukit_iova_stats before, after;
	struct smmukit_iova_config cfg = { .granule = 4096, .end_pfn = 4095 };
	struct smmukit_iova_domain *dom = NULL;
	uint64_t pfn = 0, z;
	unsigned n;
	int ret;

	/* domain_create */
	for (n = 1;; n++) {
		z = zallocs(f->plat);
		smmukit_posix_fail_nth_alloc(f->plat, n);
		ret = smmukit_iova_domain_create(f->plat, &cfg, &dom);
		smmukit_posix_fail_nth_alloc(f->plat, 0);
		if (ret == 0)
			break;
		assert_int_equal(ret, -SMMUKIT_ENOMEM);
		assert_null(dom);
		assert_int_equal(zallocs(f->plat), z);
	}
	assert_true(n > 2);
	f->dom = dom;
	alloc_ok(dom, 4, 4095, true);
	assert_int_equal(smmukit_iova_reserve(dom, 10, 20), 0);

	/* alloc and reserve */
	for (int op = 0; op < 2; op++) {
		for (n = 1;; n++) {
			smmukit_iova_get_stats(dom, &before);
			z = zallocs(f->plat);
			smmukit_posix_fail_nth_alloc(f->plat, n);
			ret = op == 0 ? smmukit_iova_alloc(dom, 3, 4000, true, &pfn) :
					smmukit_iova_reserve(dom, 15, 30);
			smmukit_posix_fail_nth_alloc(f->plat, 0);
			if (ret == 0)
				break;
			assert_int_equal(ret, -SMMUKIT_ENOMEM);
			smmukit_iova_get_stats(dom, &after);
			assert_int_equal(after.tree_ranges, before.tree_ranges);
			assert_int_equal(zallocs(f->plat), z);
			assert_int_equal(smmukit_iova_check(dom), 0);
		}
		assert_int_equal(n, 2);
	}
	assert_int_equal(pfn, 3996);
	assert_int_equal(smmukit_iova_check(dom), 0);
}

/* ------------------------------------------------------ shadow model -- */

#define SH_END 4095u
#define SH_START 3u
#define SH_RESERVED 0xffffffffu

struct live {
	uint64_t pfn;
	uint64_t size;
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t pick_seed(void)
{
	const char *env = getenv("SMMUKIT_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) :
			      (uint64_t)time(NULL) ^ (uint64_t)clock();

	printf("iova_tree shadow test: SMMUKIT_SEED=%llu\n",
	       (unsigned long long)seed);
	return seed;
}

static uint64_t pow2_up(uint64_t v)
{
	uint64_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

/* Longest run of free pfns inside [lo, hi] (shadow). */
static bool free_run(const uint32_t *owner, uint64_t lo, uint64_t hi)
{
	for (uint64_t p = lo; p <= hi; p++)
		if (owner[p])
			return false;
	return true;
}

/*
 * What the allocator promises, checked against the shadow:
 * unaligned: the result is the highest free window below the limit;
 * aligned: no free run above the result (clipped at the limit) is long
 * enough for a conservative fit, and within its run the result is the
 * highest aligned start. On failure: no window (unaligned) or no
 * conservative fit (aligned) exists.
 */
static void check_alloc(const uint32_t *owner, int ret, uint64_t pfn,
			uint64_t size, uint64_t limit, bool aligned)
{
	uint64_t align = aligned ? pow2_up(size) : 1;
	uint64_t need = size + align - 1;
	uint64_t top = limit > SH_END ? SH_END : limit;
	uint64_t run = 0, p;

	if (ret == 0) {
		assert_true(pfn >= SH_START && pfn + size - 1 <= top);
		assert_int_equal(pfn % align, 0);
		assert_true(free_run(owner, pfn, pfn + size - 1));
	} else {
		assert_int_equal(ret, -SMMUKIT_ENOSPC);
	}
	/* Scan down from the top for runs of free pfns above the result. */
	for (p = top; p >= SH_START; p--) {
		if (ret == 0 && p < pfn + size)
			break;
		if (owner[p]) {
			run = 0;
			continue;
		}
		run++;
		if (!aligned)
			assert_true(run < size);
		else
			assert_true(run < need);
	}
	if (ret == 0 && aligned) {
		/* Highest aligned start in its free run. */
		uint64_t next = pfn + align;

		assert_true(next + size - 1 > top ||
			    !free_run(owner, pfn + size, next + size - 1));
	}
}

static void test_shadow_random(void **state)
{
	struct fixture *f = *state;
	uint32_t *owner = calloc(SH_END + 2, sizeof(*owner));
	struct live *live = calloc(SH_END + 1, sizeof(*live));
	size_t nlive = 0;
	uint32_t next_id = 1;
	struct smmukit_iova_range r;
	const unsigned ops = 40000;

	rng_state = pick_seed();
	f->dom = new_domain(f->plat, SH_START, SH_END);
	/* Reserved ranges: an MSI-like window and a hole at the top. */
	assert_int_equal(smmukit_iova_reserve(f->dom, 1000, 1063), 0);
	assert_int_equal(smmukit_iova_reserve(f->dom, 4000, 4010), 0);
	for (uint64_t p = 1000; p <= 1063; p++)
		owner[p] = SH_RESERVED;
	for (uint64_t p = 4000; p <= 4010; p++)
		owner[p] = SH_RESERVED;

	for (unsigned i = 0; i < ops; i++) {
		uint64_t op = rnd() % 100;

		if (op < 55) {
			uint64_t size = rnd() % 4 == 0 ? 1 + rnd() % 64 : 1 + rnd() % 8;
			bool aligned = rnd() % 2;
			uint64_t limit = rnd() % 3 ? SH_END + rnd() % 100 :
						     SH_START + size + rnd() % SH_END;
			uint64_t pfn = 0;
			int ret = smmukit_iova_alloc(f->dom, size, limit, aligned, &pfn);

			check_alloc(owner, ret, pfn, size, limit, aligned);
			if (ret == 0) {
				for (uint64_t p = pfn; p < pfn + size; p++)
					owner[p] = next_id;
				next_id = next_id % 0xfffffff0u + 1;
				live[nlive++] = (struct live){ pfn, size };
			}
		} else if (op < 95 && nlive) {
			size_t k = rnd() % nlive;
			struct live l = live[k];

			if (rnd() % 16 == 0)	/* wrong size: refused */
				assert_int_equal(smmukit_iova_free(f->dom, l.pfn, l.size + 1),
						 -SMMUKIT_ENOENT);
			assert_int_equal(smmukit_iova_free(f->dom, l.pfn, l.size), 0);
			if (rnd() % 16 == 0)	/* double free: refused */
				assert_int_equal(smmukit_iova_free(f->dom, l.pfn, l.size),
						 -SMMUKIT_ENOENT);
			for (uint64_t p = l.pfn; p < l.pfn + l.size; p++)
				owner[p] = 0;
			live[k] = live[--nlive];
		} else {
			uint64_t p = SH_START + rnd() % (SH_END - SH_START + 1);
			int ret = smmukit_iova_find(f->dom, p, &r);

			if (!owner[p]) {
				assert_int_equal(ret, -SMMUKIT_ENOENT);
			} else {
				assert_int_equal(ret, 0);
				assert_true(r.pfn_lo <= p && p <= r.pfn_hi);
				assert_int_equal(r.reserved, owner[p] == SH_RESERVED);
				if (!r.reserved)
					assert_int_equal(owner[r.pfn_lo], owner[r.pfn_hi]);
			}
		}
		if (i % 64 == 0)
			assert_int_equal(smmukit_iova_check(f->dom), 0);
	}
	assert_int_equal(smmukit_iova_check(f->dom), 0);
	free(owner);
	free(live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_invalid, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_alloc_args, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_topdown_limits_alignment, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_double_free, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_reserve, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_exact_fit_bounded, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_alloc_failure_sweep, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_shadow_random, fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

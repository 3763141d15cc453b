/* SPDX-License-Identifier: MIT */
/*
 * Randomised map / unmap / translate sequences against a shadow model (a
 * list of live mappings), over several geometries. The seed is printed at
 * the start and in every failure; replay with SMMUKIT_SEED=<seed>.
 * SMMUKIT_PGTABLE_OPS sets the operations per geometry (default 50000).
 *
 * Besides results and translations, it checks the structure: the number of
 * leaves equals the shadow's page count, and every allocated page is a table
 * reachable from the root (nothing orphaned, nothing leaked).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "pgtable_test.h"

#define MAX_RECS 512

struct mapping {
	uint64_t iova, pa, pgsize, count;
};

struct geometry {
	unsigned stage;
	uint64_t granule;
	unsigned ias, oas;
	bool coherent;
};

static const struct geometry geometries[] = {
	{ 1, SMMUKIT_SZ_4K, 48, 48, true },
	{ 2, SMMUKIT_SZ_4K, 40, 40, true },	/* concatenated root */
	{ 1, SMMUKIT_SZ_4K, 39, 36, false },
	{ 1, SMMUKIT_SZ_16K, 48, 48, true },
	{ 2, SMMUKIT_SZ_16K, 48, 48, false },	/* concatenated root */
	{ 1, SMMUKIT_SZ_64K, 52, 52, true },
	{ 2, SMMUKIT_SZ_64K, 42, 42, true },
	{ 2, SMMUKIT_SZ_4K, 48, 44, true },
};

struct rnd_state {
	uint64_t seed;
	uint64_t x;
	unsigned geo;
	uint64_t op;
	struct smmukit_platform *p;
	struct smmukit_pgtable *pgt;
	struct flush_rec rec;
	uint64_t sizes[4];
	unsigned nsizes;
	uint64_t base_pages;
	struct mapping m[MAX_RECS];
	unsigned n;
	/* What the run exercised, printed so a dull run shows. */
	uint64_t maps_ok, maps_exist, unmapped_runs, refused, slots_tables,
		 max_live;
};

#define CHECK(s, cond, ...)                                                      \
	do {                                                                     \
		if (!(cond)) {                                                   \
			print_error("seed=0x%" PRIx64 " geometry=%u op=%" PRIu64 ": ", \
				    (s)->seed, (s)->geo, (s)->op);               \
			fail_msg(__VA_ARGS__);                                   \
		}                                                                \
	} while (0)

/* SMMUKIT_PGTABLE_TRACE=1 prints every map and unmap. */
static bool trace;

static uint64_t rnd(struct rnd_state *s)
{
	/* splitmix64 */
	uint64_t z = (s->x += 0x9e3779b97f4a7c15);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
	return z ^ (z >> 31);
}

static uint64_t rnd_below(struct rnd_state *s, uint64_t n)
{
	return n ? rnd(s) % n : 0;
}

/* An IOVA that collides often and crosses table boundaries. */
static uint64_t pick_iova(struct rnd_state *s, uint64_t pgsize)
{
	uint64_t top = s->sizes[s->nsizes - 1];
	uint64_t iova = top * (1 + rnd_below(s, 4));

	for (int j = (int)s->nsizes - 2; j >= 0; j--)
		if (s->sizes[j] >= pgsize)
			iova += rnd_below(s, 8) * s->sizes[j];
	if (pgsize < top)
		iova = iova + rnd_below(s, 64) * pgsize - 32 * pgsize;
	return iova;
}

static bool overlaps(const struct mapping *m, uint64_t iova, uint64_t size)
{
	return iova < m->iova + m->count * m->pgsize && m->iova < iova + size;
}

static const struct mapping *find(const struct rnd_state *s, uint64_t iova)
{
	for (unsigned i = 0; i < s->n; i++)
		if (overlaps(&s->m[i], iova, 1))
			return &s->m[i];
	return NULL;
}

static void add_rec(struct rnd_state *s, uint64_t iova, uint64_t pa,
		    uint64_t pgsize, uint64_t count)
{
	if (!count)
		return;
	CHECK(s, s->n < MAX_RECS, "shadow full");
	s->m[s->n++] = (struct mapping){ iova, pa, pgsize, count };
}

/* Remove [iova, iova+size) from the shadow, keeping what lies outside. */
static void shadow_clear(struct rnd_state *s, uint64_t iova, uint64_t size)
{
	unsigned i = 0;

	while (i < s->n) {
		struct mapping m = s->m[i];
		uint64_t end = m.iova + m.count * m.pgsize;

		if (!overlaps(&m, iova, size)) {
			i++;
			continue;
		}
		s->m[i] = s->m[--s->n];
		if (m.iova < iova)
			add_rec(s, m.iova, m.pa, m.pgsize, (iova - m.iova) / m.pgsize);
		if (end > iova + size)
			add_rec(s, iova + size, m.pa + (iova + size - m.iova), m.pgsize,
				(end - iova - size) / m.pgsize);
	}
}

static void check_translate(struct rnd_state *s, uint64_t iova)
{
	const struct mapping *m = find(s, iova);
	smmukit_phys_t pa = 0;
	int ret = smmukit_pgtable_iova_to_phys(s->pgt, iova, &pa);

	if (m)
		CHECK(s, ret == 0 && pa == m->pa + (iova - m->iova),
		      "translate 0x%" PRIx64 ": ret %d pa 0x%" PRIx64 ", want 0x%" PRIx64,
		      iova, ret, pa, m->pa + (iova - m->iova));
	else
		CHECK(s, ret == -SMMUKIT_ENOENT, "translate 0x%" PRIx64 ": ret %d pa 0x%"
		      PRIx64 ", want not mapped", iova, ret, pa);
}

static void check_structure(struct rnd_state *s)
{
	uint64_t leaves, want_leaves = 0, tables;

	for (unsigned i = 0; i < s->n; i++) {
		const struct mapping *m = &s->m[i];
		uint64_t last = m->iova + m->count * m->pgsize - 1;

		want_leaves += m->count;
		check_translate(s, m->iova);
		check_translate(s, last);
		check_translate(s, m->iova + rnd_below(s, m->count) * m->pgsize +
				   rnd_below(s, m->pgsize));
	}
	tables = test_table_pages(s->pgt, &leaves);
	CHECK(s, leaves == want_leaves, "%" PRIu64 " leaves, shadow has %" PRIu64,
	      leaves, want_leaves);
	CHECK(s, tables == test_pages_in_use(s->p) - s->base_pages,
	      "%" PRIu64 " table pages reachable, %" PRIu64 " allocated", tables,
	      test_pages_in_use(s->p) - s->base_pages);
	CHECK(s, !s->rec.bad, "a flush op saw bad arguments");
}

static unsigned pick_prot(struct rnd_state *s)
{
	static const unsigned rw[] = {
		SMMUKIT_PROT_READ, SMMUKIT_PROT_WRITE,
		SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE,
	};

	return rw[rnd_below(s, 3)] | ((unsigned)rnd(s) & (SMMUKIT_PROT_CACHE |
		SMMUKIT_PROT_NOEXEC | SMMUKIT_PROT_MMIO | SMMUKIT_PROT_PRIV));
}

static void op_map(struct rnd_state *s)
{
	unsigned si = (unsigned)rnd_below(s, s->nsizes);
	uint64_t pgsize = s->sizes[si];
	uint64_t count = si == 0 ? 1 + rnd_below(s, rnd_below(s, 8) ? 8 : 600) :
			 1 + rnd_below(s, 2);
	uint64_t iova = pick_iova(s, pgsize);
	uint64_t slots = (UINT64_C(1) << s->pgt->cfg.oas) / pgsize - count;
	uint64_t pa = rnd_below(s, slots) * pgsize;
	bool clash = false;
	uint64_t mapped = 1;
	int ret;

	for (unsigned i = 0; i < s->n; i++)
		clash |= overlaps(&s->m[i], iova, count * pgsize);
	ret = smmukit_pgtable_map_pages(s->pgt, iova, pa, pgsize, count,
					pick_prot(s), &mapped);
	if (trace)
		printf("op %" PRIu64 ": map 0x%" PRIx64 " x%" PRIu64 " of 0x%" PRIx64
		       " -> %d\n", s->op, iova, count, pgsize, ret);
	CHECK(s, ret == (clash ? -SMMUKIT_EEXIST : 0),
	      "map 0x%" PRIx64 " x%" PRIu64 " of 0x%" PRIx64 ": ret %d, want %s",
	      iova, count, pgsize, ret, clash ? "EEXIST" : "0");
	CHECK(s, mapped == (ret ? 0 : count * pgsize), "mapped %" PRIu64, mapped);
	if (!ret) {
		add_rec(s, iova, pa, pgsize, count);
		s->maps_ok++;
		if (s->n > s->max_live)
			s->max_live = s->n;
	} else {
		s->maps_exist++;
	}
	check_translate(s, iova);
	check_translate(s, iova + count * pgsize - 1);
}

/* Unmap with a random gather mode; returns the result. */
static int64_t do_unmap(struct rnd_state *s, uint64_t iova, uint64_t pgsize,
			uint64_t count)
{
	struct smmukit_iotlb_gather g;
	unsigned mode = (unsigned)rnd_below(s, 3);
	unsigned adds = s->rec.add_page;
	int64_t ret;

	smmukit_pgtable_gather_init(&g);
	g.queued = mode == 2;
	ret = smmukit_pgtable_unmap_pages(s->pgt, iova, pgsize, count, mode ? &g : NULL);
	if (trace)
		printf("op %" PRIu64 ": unmap 0x%" PRIx64 " x%" PRIu64 " of 0x%" PRIx64
		       " mode %u -> %" PRId64 "\n", s->op, iova, count, pgsize, mode, ret);
	if (mode == 2)
		CHECK(s, s->rec.add_page == adds, "queued gather got add_page");
	if (mode == 1 && ret > 0)
		CHECK(s, s->rec.add_page - adds == (uint64_t)ret / pgsize &&
		      g.start == iova && g.end == iova + (uint64_t)ret - 1,
		      "gather [0x%" PRIx64 ", 0x%" PRIx64 "] after %u add_page",
		      g.start, g.end, s->rec.add_page - adds);
	if (mode)
		smmukit_pgtable_free_freelist(s->p, &g);
	return ret;
}

/* Unmap part of a live run, exactly as mapped. */
static void op_unmap_run(struct rnd_state *s)
{
	struct mapping m;
	uint64_t first, n;
	int64_t ret;

	if (!s->n)
		return;
	m = s->m[rnd_below(s, s->n)];
	first = rnd_below(s, m.count);
	n = 1 + rnd_below(s, m.count - first);
	ret = do_unmap(s, m.iova + first * m.pgsize, m.pgsize, n);
	CHECK(s, ret == (int64_t)(n * m.pgsize), "unmap run: %" PRId64, ret);
	s->unmapped_runs++;
	shadow_clear(s, m.iova + first * m.pgsize, n * m.pgsize);
	check_translate(s, m.iova + first * m.pgsize);
}

/* Unmap a smaller page inside a block: refused, nothing changes. */
static void op_unmap_partial(struct rnd_state *s)
{
	const struct mapping *m = NULL;
	uint64_t small, iova;

	for (unsigned tries = 0; tries < 8 && s->n; tries++) {
		m = &s->m[rnd_below(s, s->n)];
		if (m->pgsize > s->sizes[0])
			break;
		m = NULL;
	}
	if (!m)
		return;
	do
		small = s->sizes[rnd_below(s, s->nsizes)];
	while (small >= m->pgsize);
	iova = m->iova + rnd_below(s, m->count * (m->pgsize / small)) * small;
	CHECK(s, do_unmap(s, iova, small, 1 + rnd_below(s, 3)) == -SMMUKIT_EINVAL,
	      "partial unmap at 0x%" PRIx64 " not refused", iova);
	s->refused++;
	check_translate(s, iova);
}

/* Unmap a whole block-sized slot, whatever lies below it. */
static void op_unmap_slot(struct rnd_state *s)
{
	unsigned si = 1 + (unsigned)rnd_below(s, s->nsizes - 1);
	uint64_t b = s->sizes[si], iova = pick_iova(s, b);
	bool bigger = false, exact = false, smaller = false;
	int64_t ret;

	for (unsigned i = 0; i < s->n; i++) {
		const struct mapping *m = &s->m[i];

		if (!overlaps(m, iova, b))
			continue;
		if (m->pgsize > b)
			bigger = true;
		else if (m->pgsize == b)
			exact = true;
		else
			smaller = true;
	}
	ret = do_unmap(s, iova, b, 1);
	if (bigger)
		CHECK(s, ret == -SMMUKIT_EINVAL, "slot in a bigger block: %" PRId64, ret);
	else if (exact || smaller)
		CHECK(s, ret == (int64_t)b, "slot unmap 0x%" PRIx64 ": %" PRId64, iova, ret);
	else	/* nothing mapped, but an empty table may sit there */
		CHECK(s, ret == 0 || ret == (int64_t)b, "empty slot: %" PRId64, ret);
	if (!exact && ret == (int64_t)b)
		s->slots_tables++;
	if (!bigger)
		shadow_clear(s, iova, b);
	check_translate(s, iova);
	check_translate(s, iova + b - 1);
}

static void op_translate(struct rnd_state *s)
{
	check_translate(s, pick_iova(s, s->sizes[0]) + rnd_below(s, s->sizes[0]));
}

static void run_geometry(struct rnd_state *s, unsigned gi, uint64_t ops)
{
	const struct geometry *g = &geometries[gi];
	struct smmukit_pgtable_cfg cfg;

	s->geo = gi;
	s->n = 0;
	s->maps_ok = s->maps_exist = s->unmapped_runs = s->refused = 0;
	s->slots_tables = s->max_live = 0;
	s->p = test_platform(false);
	s->base_pages = test_pages_in_use(s->p);
	CHECK(s, test_pgtable(s->p, g->stage, g->granule, g->ias, g->oas, g->coherent,
			      &s->rec, &cfg, &s->pgt) == 0, "alloc");
	s->nsizes = 0;
	for (uint64_t m = cfg.pgsize_bitmap; m; m &= m - 1)
		s->sizes[s->nsizes++] = m & -m;
	for (s->op = 0; s->op < ops; s->op++) {
		unsigned r = (unsigned)rnd_below(s, 100);

		if (r < 45)
			op_map(s);
		else if (r < 62)
			op_unmap_run(s);
		else if (r < 69)
			op_unmap_partial(s);
		else if (r < 77)
			op_unmap_slot(s);
		else
			op_translate(s);
		if (s->op % 500 == 0)
			check_structure(s);
	}
	check_structure(s);
	printf("  geometry %u (stage %u, granule %" PRIu64 "K, ias %u, oas %u): maps %" PRIu64
	       " ok / %" PRIu64 " EEXIST, %" PRIu64 " run unmaps, %" PRIu64
	       " partial refused, %" PRIu64 " tables removed, %" PRIu64 " live max\n",
	       gi, g->stage, g->granule >> 10, g->ias, g->oas, s->maps_ok, s->maps_exist,
	       s->unmapped_runs, s->refused, s->slots_tables, s->max_live);
	CHECK(s, ops < 1000 || (s->maps_ok > ops / 10 && s->maps_exist > ops / 50 &&
				s->refused > 0 && s->slots_tables > 0),
	      "the run exercised too little");
	/* Unmap everything; only empty tables may remain. */
	while (s->n) {
		struct mapping m = s->m[0];

		CHECK(s, do_unmap(s, m.iova, m.pgsize, m.count) == (int64_t)(m.count * m.pgsize),
		      "final unmap");
		shadow_clear(s, m.iova, m.count * m.pgsize);
	}
	check_structure(s);
	smmukit_pgtable_free(s->pgt);
	CHECK(s, test_pages_in_use(s->p) == s->base_pages, "pages leaked");
	smmukit_posix_destroy(s->p);
}

static void test_random(void **state)
{
	struct rnd_state *s = calloc(1, sizeof(*s));
	const char *env = getenv("SMMUKIT_SEED");
	const char *ops_env = getenv("SMMUKIT_PGTABLE_OPS");
	uint64_t ops = ops_env ? strtoull(ops_env, NULL, 0) : 50000;

	assert_non_null(s);
	trace = getenv("SMMUKIT_PGTABLE_TRACE") != NULL;
	if (env)
		s->seed = strtoull(env, NULL, 0);
	else	/* any varying value will do */
		s->seed = (uint64_t)(uintptr_t)s ^ ((uint64_t)time(NULL) << 20);
	printf("pgtable_random: seed=0x%" PRIx64 " ops=%" PRIu64
	       " (replay: SMMUKIT_SEED=0x%" PRIx64 ")\n", s->seed, ops, s->seed);
	for (unsigned gi = 0; gi < SMMUKIT_ARRAY_SIZE(geometries); gi++) {
		s->x = s->seed ^ (gi * 0x1000193u);
		run_geometry(s, gi, ops);
	}
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

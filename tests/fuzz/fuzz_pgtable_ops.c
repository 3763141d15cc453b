/* SPDX-License-Identifier: MIT */
/*
 * Page-table operation sequences against a shadow: map (pages, blocks, runs),
 * unmap (whole, partial, of holes and of parts of blocks), translate, and
 * allocation failures at arbitrary points. After every operation the table
 * translates exactly what the shadow says; a failed map changes nothing;
 * at the end every table page is freed.
 */
#include "fuzz.h"
#include "smmukit/pgtable.h"
#include "smmukit/platform_posix.h"

#define NPAGES 2048u	/* shadow over [0, 8 MiB): four 2 MiB blocks */
#define PG 4096u

static struct smmukit_platform *plat;
static uint64_t shadow[NPAGES];	/* PA + 1, or 0 */

static void nop_all(void *c)
{
	(void)c;
}

static int nop_walk(void *c, uint64_t iova, uint64_t size, uint64_t gran)
{
	(void)c;
	(void)iova;
	(void)size;
	(void)gran;
	return 0;
}

static const struct smmukit_pgtable_flush_ops ops = {
	.flush_all = nop_all, .flush_walk = nop_walk,
};

static void check_range(struct smmukit_pgtable *t, uint64_t first, uint64_t n)
{
	for (uint64_t i = first; i < first + n && i < NPAGES; i++) {
		smmukit_phys_t pa = 0;
		int ret = smmukit_pgtable_iova_to_phys(t, i * PG + 8, &pa);

		if (shadow[i])
			FUZZ_CHECK(ret == 0 && pa == shadow[i] - 1 + 8);
		else
			FUZZ_CHECK(ret == -SMMUKIT_ENOENT);
	}
}

static uint64_t pages_in_use(void)
{
	struct smmukit_posix_stats st;

	smmukit_posix_get_stats(plat, &st);
	return st.pages_in_use;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct smmukit_pgtable_cfg cfg;
	struct smmukit_pgtable *t;
	uint64_t base;

	if (!plat) {
		struct smmukit_posix_config pc = {
			.manual_clock = true, .mem_size = 64u << 20,
			.nr_cpus = 1,
		};

		FUZZ_CHECK(smmukit_posix_create(&pc, &plat) == 0);
	}
	base = pages_in_use();
	memset(&cfg, 0, sizeof(cfg));
	cfg.stage = (fuzz_bytes(&in, 1) & 1) + 1;
	cfg.granule = SMMUKIT_SZ_4K;
	cfg.ias = 39;
	cfg.oas = 40;
	cfg.coherent_walk = true;
	cfg.flush_ops = &ops;
	cfg.platform = plat;
	FUZZ_CHECK(smmukit_pgtable_alloc(&cfg, &t) == 0);
	memset(shadow, 0, sizeof(shadow));
	for (unsigned op = 0; op < 64 && in.n; op++) {
		unsigned kind = (unsigned)fuzz_bytes(&in, 1);
		uint64_t idx = fuzz_bytes(&in, 2) % NPAGES;
		uint64_t cnt = fuzz_bytes(&in, 1) % 16 + 1;
		uint64_t pa = (UINT64_C(0x100000) + fuzz_bytes(&in, 2) * PG);

		if (kind & 0x80)
			smmukit_posix_fail_nth_alloc(plat, (kind & 3) + 1);
		switch (kind % 4) {
		case 0: {	/* map a run of pages */
			uint64_t mapped = 0;
			int ret;

			if (idx + cnt > NPAGES)
				cnt = NPAGES - idx;
			ret = smmukit_pgtable_map(t, idx * PG, pa, cnt * PG,
						  SMMUKIT_PROT_READ |
						  SMMUKIT_PROT_WRITE, &mapped);
			FUZZ_CHECK(ret == 0 || ret == -SMMUKIT_EEXIST ||
				   ret == -SMMUKIT_ENOMEM);
			if (ret == 0)
				for (uint64_t i = 0; i < cnt; i++)
					shadow[idx + i] = pa + i * PG + 1;
			check_range(t, idx, cnt);
			break;
		}
		case 1: {	/* map a 2 MiB block */
			uint64_t b = (idx / 512) * 512;
			uint64_t bpa = (pa & ~UINT64_C(0x1fffff)) + (2u << 20);
			int ret = smmukit_pgtable_map(t, b * PG, bpa, 512 * PG,
						      SMMUKIT_PROT_READ, NULL);

			FUZZ_CHECK(ret == 0 || ret == -SMMUKIT_EEXIST ||
				   ret == -SMMUKIT_ENOMEM);
			if (ret == 0)
				for (uint64_t i = 0; i < 512; i++)
					shadow[b + i] = bpa + i * PG + 1;
			check_range(t, b, 512);
			break;
		}
		case 2: {	/* unmap a run: stops at the first hole */
			int64_t n;

			if (idx + cnt > NPAGES)
				cnt = NPAGES - idx;
			n = smmukit_pgtable_unmap(t, idx * PG, cnt * PG, NULL);
			FUZZ_CHECK(n >= 0 || n == -SMMUKIT_EINVAL);
			if (n > 0) {
				FUZZ_CHECK(n % PG == 0 && (uint64_t)n <= cnt * PG);
				for (uint64_t i = 0; i < (uint64_t)n / PG; i++) {
					FUZZ_CHECK(shadow[idx + i] != 0);
					shadow[idx + i] = 0;
				}
			}
			check_range(t, idx, cnt);
			break;
		}
		default:	/* translate anywhere, also beyond the window */
			check_range(t, idx, 1);
			{
				smmukit_phys_t out;
				int ret = smmukit_pgtable_iova_to_phys(
					t, fuzz_bytes(&in, 8), &out);

				FUZZ_CHECK(ret == 0 || ret == -SMMUKIT_ENOENT ||
					   ret == -SMMUKIT_ERANGE);
			}
			break;
		}
		smmukit_posix_fail_nth_alloc(plat, 0);
	}
	check_range(t, 0, NPAGES);
	smmukit_pgtable_free(t);
	FUZZ_CHECK(pages_in_use() == base);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * DMA-layer operation sequences on the whole stack, the model in checking
 * mode: map_page/map_sg/unmap/unmap_sg/flush/time/device switch
 * (DMA <-> DMA-FQ <-> identity) with device accesses between them, in strict
 * or lazy mode, trusted or untrusted. Checked after every step: a live
 * mapping translates to its buffer; no access ever reaches another buffer
 * through a stale translation (stale_reused = 0); in strict mode no stale
 * access at all; no free or sync violation; at the end nothing leaked.
 */
#include "fuzz.h"
#include "rel_stack.h"

#define SLOTS 8
#define SID 5

struct live {
	bool used, sg;
	bool ident;	/* mapped while the default domain was identity */
	smmukit_dma_addr_t addr;
	uint64_t size;
	enum smmukit_dma_dir dir;
	struct smmukit_dma_sg seg[3];
	unsigned nents;
};

static struct rel_stack st;
static bool up;
static struct smmukit_dma_pages buf;	/* 16 pages the mappings point into */

static void unmap_slot(struct smmukit_device *d, struct live *l)
{
	int ret;

	if (l->sg)
		ret = smmukit_dma_unmap_sg(d, l->seg, l->nents, l->dir);
	else
		ret = smmukit_dma_unmap_page(d, l->addr, l->size, l->dir);
	FUZZ_CHECK(ret == 0);
	l->used = false;
}

/* Does a live mapping (maybe another slot's, the IOVA reused) cover addr's page? */
static bool live_page(const struct live *l, smmukit_dma_addr_t addr)
{
	for (unsigned i = 0; i < SLOTS; i++) {
		uint64_t a = l[i].sg ? l[i].seg[0].dma_addr : l[i].addr;
		uint64_t n = l[i].sg ? 4 * 4096 * 4 : l[i].size + 4096;

		if (l[i].used && (addr >> 12) + 1 >= (a >> 12) &&
		    (addr >> 12) <= ((a + n) >> 12))
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	unsigned mode = (unsigned)fuzz_bytes(&in, 1);
	bool strict = mode & 1, untrusted = mode & 2;
	struct live l[SLOTS];
	bool switched = false;
	struct smmukit_device *d;
	struct smmukit_model_stats ms0, ms;
	uint64_t pages0, z0;

	if (!up) {
		FUZZ_CHECK(rel_platform(&st, "checking", false, 2) == 0);
		FUZZ_CHECK(smmukit_plat_alloc_pages(st.p, 4, &buf) == 0);
		up = true;
	}
	pages0 = rel_pages(&st);
	z0 = rel_zbytes(&st);
	ms0 = rel_mstats(&st);
	FUZZ_CHECK(rel_stack_up(&st, strict) == 0);
	FUZZ_CHECK(rel_dev(&st, "dev", SID, untrusted, &d) == 0);
	memset(l, 0, sizeof(l));
	for (unsigned op = 0; op < 48 && in.n; op++) {
		unsigned k = (unsigned)fuzz_bytes(&in, 1);
		struct live *s = &l[fuzz_bytes(&in, 1) % SLOTS];
		uint64_t off = fuzz_bytes(&in, 2) % (12 * 4096);
		uint64_t len = fuzz_bytes(&in, 2) % (3 * 4096) + 1;
		enum smmukit_dma_dir dir = (enum smmukit_dma_dir)(k >> 6 & 3);
		int ret;

		switch (k % 8) {
		case 0:
		case 1:	/* map a buffer */
			if (s->used)
				unmap_slot(d, s);
			ret = smmukit_dma_map_page(d, buf.pa + off, len, dir,
						   &s->addr);
			FUZZ_CHECK(ret == 0 || ret == -SMMUKIT_EINVAL);
			if (ret == 0) {
				s->used = true;
				s->ident = !smmukit_domain_granule(
					smmukit_device_domain(d));
				s->sg = false;
				s->size = len;
				s->dir = dir;
			}
			break;
		case 2:	/* map a list */
			if (s->used)
				unmap_slot(d, s);
			s->nents = (unsigned)(k >> 3 & 1) + 2;
			for (unsigned i = 0; i < s->nents; i++) {
				s->seg[i].pa = buf.pa + (uint64_t)(i * 4 + 1) * 4096 +
					       (i ? 0 : off % 4096);
				s->seg[i].len = i + 1 < s->nents ? 4096 -
					(i ? 0 : off % 4096) : len % 4096 + 1;
			}
			ret = smmukit_dma_map_sg(d, s->seg, s->nents, dir);
			FUZZ_CHECK(ret == (int)s->nents || ret == -SMMUKIT_EINVAL);
			if (ret > 0) {
				s->used = true;
				s->ident = !smmukit_domain_granule(
					smmukit_device_domain(d));
				s->sg = true;
				s->dir = dir;
			}
			break;
		case 3:
		case 4:	/* unmap */
			if (s->used) {
				unmap_slot(d, s);
			} else if (s->addr && !live_page(l, s->addr) &&
				   smmukit_domain_granule(smmukit_device_domain(d))) {
				/* A second unmap: refused, nothing changes. */
				FUZZ_CHECK(smmukit_dma_unmap_page(d, s->addr, 1,
								  SMMUKIT_DMA_TO_DEVICE) < 0);
			}
			break;
		case 5:	/* flush, or time passes (the flush timer) */
			if (k & 0x20)
				FUZZ_CHECK(smmukit_dma_flush(d) == 0);
			else
				smmukit_posix_clock_advance(st.p, (k & 0x1f) * 1000000);
			break;
		case 6: {	/* device access to a live mapping */
			if (!s->used)
				break;
			ret = rel_read(&st, SID, s->sg ? s->seg[0].dma_addr : s->addr);
			FUZZ_CHECK(ret == 0 || ret == SMMUV3_EVT_F_PERMISSION);
			break;
		}
		default: {	/* switch the default domain type (idle only) */
			static const enum smmukit_domain_type ty[] = {
				SMMUKIT_DOMAIN_DMA, SMMUKIT_DOMAIN_DMA_FQ,
				SMMUKIT_DOMAIN_IDENTITY,
			};
			ret = smmukit_iommu_set_default_domain_type(
				d, ty[(k >> 3) % 3]);
			FUZZ_CHECK(ret == 0 || ret == -SMMUKIT_EBUSY ||
				   ret == -SMMUKIT_EPERM);
			switched |= ret == 0;
			/*
			 * An identity domain keeps no record of what was
			 * "mapped" through it, so it counts as idle and its
			 * addresses mean nothing in the new domain: forget
			 * them (the caller's duty, as in Linux).
			 */
			for (unsigned i = 0; ret == 0 && i < SLOTS; i++)
				if (l[i].ident)
					l[i].used = l[i].ident = false;
			break;
		}
		}
		/* Accesses to old addresses: never someone else's buffer. */
		(void)rel_read(&st, SID, fuzz_bytes(&in, 2) * 16);
		ms = rel_mstats(&st);
		FUZZ_CHECK(ms.stale_reused == ms0.stale_reused);
		if (strict && !switched)
			FUZZ_CHECK(ms.stale_unmapped == ms0.stale_unmapped);
		FUZZ_CHECK(ms.free_violations == ms0.free_violations);
	}
	for (unsigned i = 0; i < SLOTS; i++)
		if (l[i].used)
			unmap_slot(d, &l[i]);
	FUZZ_CHECK(smmukit_iommu_release_device(d) == 0);
	FUZZ_CHECK(rel_stack_down(&st) == 0);
	FUZZ_CHECK(rel_pages(&st) == pages0);
	FUZZ_CHECK(rel_zbytes(&st) == z0);
	return 0;
}

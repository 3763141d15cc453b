/* SPDX-License-Identifier: MIT */
/*
 * Device-side access to simulated physical memory.
 *
 * Every access goes through smmukit_posix_phys_range(), so an address
 * outside RAM is an external abort for the model, never a host crash.
 * Descriptor and queue words are single-copy-atomic 64-bit loads and
 * stores; data copies are relaxed atomic copies, so that ThreadSanitizer
 * sees "hardware" accesses racing with the CPU as intended.
 *
 * Non-coherent SMMU (coherent=0): the device does not snoop CPU caches, so
 * it sees a word only as it was when the CPU last cleaned it with
 * dma_sync_for_device. The shadow map holds those snapshots; reading a word
 * whose memory differs from its snapshot (or a never-synced non-zero word)
 * is a sync violation: reported, and the device sees the stale snapshot.
 * Snapshots outlive free_pages (freeing cleans nothing): a recycled page is
 * seen as its old contents until its new owner syncs it. Runs under the
 * model lock.
 */
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

#define SHADOW_EMPTY 0
#define SHADOW_TOMB UINT64_MAX

static size_t shadow_hash(uint64_t key, size_t cap)
{
	key ^= key >> 29;
	key *= UINT64_C(0xbf58476d1ce4e5b9);
	key ^= key >> 32;
	return (size_t)key & (cap - 1);
}

static uint64_t *shadow_find(struct shadow_map *s, uint64_t pa)
{
	uint64_t key = pa + 1;

	if (!s->cap)
		return NULL;
	for (size_t i = shadow_hash(key, s->cap), n = 0; n < s->cap;
	     i = (i + 1) & (s->cap - 1), n++) {
		if (s->keys[i] == key)
			return &s->vals[i];
		if (s->keys[i] == SHADOW_EMPTY)
			return NULL;
	}
	return NULL;
}

static bool shadow_grow(struct shadow_map *s)
{
	size_t ncap = s->cap ? s->cap * 2 : 4096;
	uint64_t *nk = calloc(ncap, sizeof(*nk));
	uint64_t *nv = calloc(ncap, sizeof(*nv));

	if (!nk || !nv) {
		free(nk);
		free(nv);
		return false;
	}
	for (size_t i = 0; i < s->cap; i++) {
		uint64_t k = s->keys[i];
		size_t j;

		if (k == SHADOW_EMPTY || k == SHADOW_TOMB)
			continue;
		for (j = shadow_hash(k, ncap); nk[j]; j = (j + 1) & (ncap - 1))
			;
		nk[j] = k;
		nv[j] = s->vals[i];
	}
	free(s->keys);
	free(s->vals);
	s->keys = nk;
	s->vals = nv;
	s->cap = ncap;
	s->used = 0;
	for (size_t i = 0; i < ncap; i++)
		s->used += nk[i] != SHADOW_EMPTY;
	return true;
}

static void shadow_put(struct shadow_map *s, uint64_t pa, uint64_t val)
{
	uint64_t key = pa + 1, *v = shadow_find(s, pa);
	size_t i;

	if (v) {
		*v = val;
		return;
	}
	if ((s->used + 1) * 4 > s->cap * 3 && !shadow_grow(s))
		return;
	for (i = shadow_hash(key, s->cap);
	     s->keys[i] != SHADOW_EMPTY && s->keys[i] != SHADOW_TOMB;
	     i = (i + 1) & (s->cap - 1))
		;
	if (s->keys[i] == SHADOW_EMPTY)
		s->used++;
	s->keys[i] = key;
	s->vals[i] = val;
}

void model_shadow_free(struct smmukit_model *m)
{
	free(m->shadow.keys);
	free(m->shadow.vals);
	memset(&m->shadow, 0, sizeof(m->shadow));
}

void model_shadow_sync(struct smmukit_model *m, uint64_t pa, uint64_t len)
{
	uint64_t start = pa & ~UINT64_C(7), end = pa + len;
	const volatile uint64_t *p;

	if (m->cfg.coherent || !len || end < pa)
		return;
	p = smmukit_posix_phys_range(m->plat, start, end - start);
	if (!p)
		return;
	for (uint64_t a = start; a < end; a += 8, p++)
		shadow_put(&m->shadow, a, smmukit_read_once64(p));
}

static void sync_violation(struct smmukit_model *m, uint64_t pa, uint64_t cur,
			   uint64_t seen)
{
	struct smmukit_model_trace_rec t = {
		.kind = SMMUKIT_MODEL_TRACE_VIOLATION,
		.addr = pa,
		.pa = seen,
		.new_pa = cur,
		.why = "device read memory the CPU wrote without dma_sync_for_device",
	};

	m->stats.sync_violations++;
	model_trace(m, &t);
}

/*
 * ignored: bits the hardware does not interpret, so a CPU change to them
 * without a sync is harmless and not a violation (the device still sees its
 * stale snapshot, as it would).
 */
static bool read64_masked(struct smmukit_model *m, uint64_t pa, uint64_t *val,
			  uint64_t ignored)
{
	const volatile uint64_t *p;
	uint64_t cur;

	if (pa & 7)
		return false;
	p = smmukit_posix_phys_range(m->plat, pa, 8);
	if (!p)
		return false;
	cur = smmukit_read_once64(p);
	if (!m->cfg.coherent && !m->in_check) {
		uint64_t *snap = shadow_find(&m->shadow, pa);

		if ((snap ? *snap ^ cur : cur) & ~ignored)
			sync_violation(m, pa, cur, snap ? *snap : 0);
		if (snap)
			cur = *snap;
	} else if (!m->cfg.coherent) {
		uint64_t *snap = shadow_find(&m->shadow, pa);

		if (snap)
			cur = *snap;
	}
	*val = cur;
	return true;
}

bool model_read64(struct smmukit_model *m, uint64_t pa, uint64_t *val)
{
	return read64_masked(m, pa, val, 0);
}

/* Bits [58:55] of every LPAE descriptor are IGNORED: software's to use. */
#define LPAE_DESC_IGNORED SMMUKIT_GENMASK(58, 55)

bool model_read_desc64(struct smmukit_model *m, uint64_t pa, uint64_t *val)
{
	return read64_masked(m, pa, val, LPAE_DESC_IGNORED);
}

bool model_write64(struct smmukit_model *m, uint64_t pa, uint64_t val)
{
	volatile uint64_t *p;

	if (pa & 7)
		return false;
	p = smmukit_posix_phys_range(m->plat, pa, 8);
	if (!p)
		return false;
	smmukit_write_once64(p, val);
	if (!m->cfg.coherent && shadow_find(&m->shadow, pa))
		shadow_put(&m->shadow, pa, val);
	return true;
}

bool model_write32(struct smmukit_model *m, uint64_t pa, uint32_t val)
{
	volatile uint32_t *p;

	if (pa & 3)
		return false;
	p = smmukit_posix_phys_range(m->plat, pa, 4);
	if (!p)
		return false;
	atomic_store_explicit((volatile _Atomic uint32_t *)p, val,
			      memory_order_relaxed);
	if (!m->cfg.coherent) {
		uint64_t *snap = shadow_find(&m->shadow, pa & ~UINT64_C(7));

		if (snap) {
			unsigned sh = (unsigned)(pa & 4) * 8;

			*snap = (*snap & ~(UINT64_C(0xffffffff) << sh)) |
				((uint64_t)val << sh);
		}
	}
	return true;
}

/* Copy between buf and [pa, pa+len); false if any byte is outside RAM. */
bool model_copy(struct smmukit_model *m, uint64_t pa, void *buf, uint64_t len,
		bool to_mem)
{
	volatile unsigned char *p = smmukit_posix_phys_range(m->plat, pa, len);
	unsigned char *b = buf;
	uint64_t i = 0;

	if (!p)
		return false;
	/* Bytes up to 8-byte alignment, then words, then the tail. */
	while (i < len && ((uintptr_t)(p + i) & 7)) {
		if (to_mem)
			atomic_store_explicit((volatile _Atomic unsigned char *)(p + i),
					      b[i], memory_order_relaxed);
		else
			b[i] = atomic_load_explicit(
				(volatile _Atomic unsigned char *)(p + i),
				memory_order_relaxed);
		i++;
	}
	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		if (to_mem) {
			memcpy(&w, b + i, 8);
			smmukit_write_once64((volatile uint64_t *)(p + i), w);
		} else {
			w = smmukit_read_once64((volatile uint64_t *)(p + i));
			memcpy(b + i, &w, 8);
		}
	}
	for (; i < len; i++) {
		if (to_mem)
			atomic_store_explicit((volatile _Atomic unsigned char *)(p + i),
					      b[i], memory_order_relaxed);
		else
			b[i] = atomic_load_explicit(
				(volatile _Atomic unsigned char *)(p + i),
				memory_order_relaxed);
	}
	return true;
}

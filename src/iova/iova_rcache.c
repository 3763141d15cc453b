/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU magazine caches and depots in front of the IOVA tree
 * (the magazines of Bonwick and Adams, "Magazines and Vmem", USENIX 2001,
 * as Linux's drivers/iommu/iova.c uses them; docs/iova.md).
 *
 * Invariant: a pfn in a magazine is still allocated in the tree. Only a
 * drain (flush, depot trim) frees it there; teardown frees the tree whole.
 * Depot magazines are always full.
 */
#include "iova_priv.h"

static struct iova_mag *mag_new(struct smmukit_iova_domain *dom)
{
	struct iova_mag *m = smmukit_plat_zalloc(dom->plat, sizeof(*m));

	if (m)
		atomic_fetch_add_explicit(&dom->mags_allocated, 1,
					  memory_order_relaxed);
	return m;
}

static void mag_free(struct smmukit_iova_domain *dom, struct iova_mag *m)
{
	if (!m)
		return;
	atomic_fetch_sub_explicit(&dom->mags_allocated, 1, memory_order_relaxed);
	smmukit_plat_free(dom->plat, m, sizeof(*m));
}

/* Pop the highest-indexed pfn with pfn <= max_lo_pfn (swap-remove); 0 if none. */
static uint64_t mag_pop(struct iova_mag *m, uint64_t max_lo_pfn)
{
	uint64_t i = m->u.nr, pfn;

	while (i > 0) {
		pfn = m->pfns[--i];
		if (smmukit_likely(pfn <= max_lo_pfn)) {
			m->pfns[i] = m->pfns[--m->u.nr];
			return pfn;
		}
	}
	return 0;
}

/* Give a magazine's ranges back to the tree and empty it. */
static void mag_drain(struct smmukit_iova_domain *dom, struct iova_mag *m,
		      unsigned cls)
{
	if (m->u.nr)
		iova_tree_free_many(dom, m->pfns, m->u.nr, UINT64_C(1) << cls);
	m->u.nr = 0;
}

/* Drain and free a list of detached depot magazines (no lock held). */
static void release_list(struct smmukit_iova_domain *dom, struct iova_mag *list,
			 unsigned cls)
{
	while (list) {
		struct iova_mag *m = list;

		list = m->u.next;
		m->u.nr = SMMUKIT_IOVA_MAG_PFNS;
		mag_drain(dom, m, cls);
		mag_free(dom, m);
	}
}

static SMMUKIT_ALWAYS_INLINE struct iova_cpu_cache *
this_cache(struct smmukit_iova_domain *dom,
					 unsigned cls)
{
	unsigned cpu;

	/* One CPU (fixed at creation): no need to ask which. */
	if (dom->nr_cpus == 1)
		return &dom->cpu_caches[cls];
	cpu = smmukit_plat_cpu_id(dom->plat);
	/* cpu_id() is a hint fixed at creation; never trust it as an index. */
	if (smmukit_unlikely(cpu >= dom->nr_cpus))
		cpu %= dom->nr_cpus;
	return &dom->cpu_caches[cpu * SMMUKIT_IOVA_NR_CLASSES + cls];
}

/* -------------------------------------------------------------- depot -- */

/*
 * Detach one magazine from class cls's depot if it holds more than
 * depot_keep_mags; returns it (to release with no lock held) or NULL.
 */
static struct iova_mag *depot_trim_one(struct smmukit_iova_domain *dom,
				       unsigned cls)
{
	struct iova_depot *d = &dom->depots[cls];
	struct iova_mag *m = NULL;

	smmukit_plat_hot_lock(dom->plat, &d->lock);
	if (d->nr_mags > dom->depot_keep_mags) {
		m = d->head;
		d->head = m->u.next;
		d->nr_mags--;
		d->trimmed++;
		m->u.next = NULL;
	}
	smmukit_plat_hot_unlock(dom->plat, &d->lock);
	return m;
}

static bool depot_above_keep(struct smmukit_iova_domain *dom, unsigned cls)
{
	struct iova_depot *d = &dom->depots[cls];
	bool above;

	smmukit_plat_hot_lock(dom->plat, &d->lock);
	above = d->nr_mags > dom->depot_keep_mags;
	smmukit_plat_hot_unlock(dom->plat, &d->lock);
	return above;
}

/* One trim step: one magazine from every class above keep. */
static unsigned depot_trim_step(struct smmukit_iova_domain *dom)
{
	unsigned released = 0;

	for (unsigned cls = 0; cls < SMMUKIT_IOVA_NR_CLASSES; cls++) {
		struct iova_mag *m = depot_trim_one(dom, cls);

		if (m) {
			released++;
			release_list(dom, m, cls);
		}
	}
	return released;
}

/*
 * Arm the trim timer for deadline_ns unless it is already pending. Called
 * with no lock held: by a push that left a depot above keep (one period
 * from now), or by the callback (one period after the expiry it served).
 */
/* One trim period after t, saturating: a huge depot_trim_ns means "late",
 * never a deadline that wrapped into the past. */
static uint64_t trim_deadline_after(const struct smmukit_iova_domain *dom,
				    uint64_t t)
{
	return dom->depot_trim_ns > UINT64_MAX - t ? UINT64_MAX :
						     t + dom->depot_trim_ns;
}

static void trim_timer_kick(struct smmukit_iova_domain *dom,
			    uint64_t deadline_ns)
{
	if (atomic_exchange_explicit(&dom->trim_pending, true,
				     memory_order_acq_rel))
		return;
	dom->trim_deadline_ns = deadline_ns;
	smmukit_plat_timer_arm(dom->plat, &dom->trim_timer, deadline_ns);
}

/*
 * Trim timer callback (timer thread, or timer_poll / relax / a manual-clock
 * move in polled mode).
 * 1. Clear trim_pending first: a push from now on arms the timer itself.
 * 2. Release one magazine per class above keep.
 * 3. If some depot is still above keep, re-arm one period after this
 *    expiry's deadline (unless a racing push did, or destroy has begun):
 *    a late run (a busy timer thread, a manual clock moved a long way)
 *    catches up at one magazine per period elapsed.
 */
static void trim_timer_fn(struct smmukit_timer *t)
{
	struct smmukit_iova_domain *dom =
		smmukit_container_of(t, struct smmukit_iova_domain, trim_timer);
	uint64_t due_ns = dom->trim_deadline_ns;	/* before pending clears */
	bool again = false;

	atomic_store_explicit(&dom->trim_pending, false, memory_order_seq_cst);
	depot_trim_step(dom);
	for (unsigned cls = 0; cls < SMMUKIT_IOVA_NR_CLASSES && !again; cls++)
		again = depot_above_keep(dom, cls);
	if (again && !atomic_load_explicit(&dom->trim_stopping,
					   memory_order_seq_cst))
		trim_timer_kick(dom, trim_deadline_after(dom, due_ns));
}

/*
 * Push a full magazine. Returns true if the depot is now above keep (the
 * caller kicks the trim timer once it holds no lock).
 */
static bool depot_push(struct smmukit_iova_domain *dom, unsigned cls,
		       struct iova_mag *m)
{
	struct iova_depot *d = &dom->depots[cls];
	bool above;

	smmukit_plat_hot_lock(dom->plat, &d->lock);
	m->u.next = d->head;
	d->head = m;
	d->nr_mags++;
	above = d->nr_mags > dom->depot_keep_mags;
	smmukit_plat_hot_unlock(dom->plat, &d->lock);
	return above;
}

static struct iova_mag *depot_pop(struct smmukit_iova_domain *dom, unsigned cls)
{
	struct iova_depot *d = &dom->depots[cls];
	struct iova_mag *m;

	smmukit_plat_hot_lock(dom->plat, &d->lock);
	m = d->head;
	if (m) {
		d->head = m->u.next;
		d->nr_mags--;
		m->u.nr = SMMUKIT_IOVA_MAG_PFNS;
	}
	smmukit_plat_hot_unlock(dom->plat, &d->lock);
	return m;
}

unsigned smmukit_iova_depot_trim(struct smmukit_iova_domain *dom)
{
	if (!dom)
		return 0;
	return depot_trim_step(dom);
}

/* --------------------------------------------------------- fast paths -- */

uint64_t smmukit_iova_fast_size(uint64_t size_pfns)
{
	if (size_pfns <= 1)
		return size_pfns;
	if (size_pfns > SMMUKIT_IOVA_CACHE_MAX_PFNS)
		return size_pfns;
	return UINT64_C(1) << (smmukit_ilog2(size_pfns - 1) + 1);
}

/*
 * Slow half of cache_get, CPU lock held, loaded empty: make a non-empty
 * magazine loaded if there is one. Returns an empty magazine to free once
 * the lock is dropped, or NULL.
 */
static struct iova_mag *reload_locked(struct smmukit_iova_domain *dom,
				      struct iova_cpu_cache *c, unsigned cls)
{
	struct iova_mag *m = c->loaded;

	if (c->prev->u.nr) {
		c->loaded = c->prev;
		c->prev = m;
		return NULL;
	}
	c->loaded = depot_pop(dom, cls);
	if (!c->loaded) {
		c->loaded = m;
		return NULL;
	}
	/* Both CPU magazines were empty; one empty magazine is enough. */
	return m;
}

/*
 * Get a cached range of class cls starting at or below max_lo (so ending at
 * or below the caller's limit); 0 on a miss.
 * 1. Pop from loaded. 2. If loaded is empty and prev is not, swap and pop.
 * 3. If both are empty, trade the empty loaded for a full depot magazine.
 * A loaded magazine with entries of which none is below the limit is a miss:
 * the tree serves that request.
 */
static SMMUKIT_COLD uint64_t cache_get_slow(struct smmukit_iova_domain *dom,
						struct iova_cpu_cache *c,
						unsigned cls, uint64_t max_lo)
{
	struct iova_mag *spare = NULL;
	uint64_t pfn;

	smmukit_plat_hot_lock(dom->plat, &c->lock);
	pfn = mag_pop(c->loaded, max_lo);
	if (!pfn && c->loaded->u.nr == 0) {
		spare = reload_locked(dom, c, cls);
		pfn = mag_pop(c->loaded, max_lo);
	}
	if (pfn)
		c->hits++;
	else
		c->misses++;
	smmukit_plat_hot_unlock(dom->plat, &c->lock);
	mag_free(dom, spare);
	return pfn;
}

/* Fast half: the loaded magazine's top entry fits; anything else is slow. */
static SMMUKIT_ALWAYS_INLINE uint64_t cache_get(struct smmukit_iova_domain *dom,
						unsigned cls, uint64_t max_lo)
{
	struct iova_cpu_cache *c = this_cache(dom, cls);
	struct iova_mag *m;
	uint64_t nr, pfn;

	smmukit_plat_hot_lock(dom->plat, &c->lock);
	m = c->loaded;
	nr = m->u.nr;
	if (smmukit_likely(nr != 0)) {
		pfn = m->pfns[nr - 1];
		if (smmukit_likely(pfn <= max_lo)) {
			m->u.nr = nr - 1;
			c->hits++;
			smmukit_plat_hot_unlock(dom->plat, &c->lock);
			return pfn;
		}
	}
	/* The cache may change while unlocked: the slow half starts over. */
	smmukit_plat_hot_unlock(dom->plat, &c->lock);
	return cache_get_slow(dom, c, cls, max_lo);
}

/*
 * Slow half of cache_put, CPU lock held, loaded full: make loaded a
 * magazine with room, using *spare (an empty magazine allocated by the
 * caller with no lock held) if both CPU magazines are full. False if that
 * needs *spare and there is none. *kick: the depot push left the depot
 * above keep.
 */
static bool make_room_locked(struct smmukit_iova_domain *dom,
			     struct iova_cpu_cache *c, unsigned cls,
			     struct iova_mag **spare, bool *kick)
{
	struct iova_mag *m;

	if (c->prev->u.nr < SMMUKIT_IOVA_MAG_PFNS) {
		m = c->loaded;
		c->loaded = c->prev;
		c->prev = m;
		return true;
	}
	if (!*spare)
		return false;
	*kick = depot_push(dom, cls, c->loaded);
	c->loaded = *spare;
	*spare = NULL;
	return true;
}

/*
 * Put a range into this CPU's cache of class cls; false if that needs a new
 * magazine and none could be allocated (the caller frees to the tree).
 * 1. Push into loaded. 2. If loaded is full and prev is not, swap and push.
 * 3. If both are full, move loaded to the depot, load a new empty magazine
 *    and push. The new magazine is allocated with the CPU lock dropped (a
 *    platform allocation may be slow or sleep), then step 1 is retried: the
 *    cache may have changed meanwhile, and an unused spare is freed.
 * 4. With no lock held, kick the trim timer if the depot grew above keep.
 */
static bool cache_put_slow(struct smmukit_iova_domain *dom,
			   struct iova_cpu_cache *c, unsigned cls,
			   uint64_t pfn);

static SMMUKIT_ALWAYS_INLINE bool cache_put(struct smmukit_iova_domain *dom,
					     unsigned cls, uint64_t pfn)
{
	struct iova_cpu_cache *c = this_cache(dom, cls);
	struct iova_mag *m;

	smmukit_plat_hot_lock(dom->plat, &c->lock);
	m = c->loaded;
	if (smmukit_likely(m->u.nr < SMMUKIT_IOVA_MAG_PFNS)) {
		m->pfns[m->u.nr++] = pfn;
		smmukit_plat_hot_unlock(dom->plat, &c->lock);
		return true;
	}
	smmukit_plat_hot_unlock(dom->plat, &c->lock);
	return cache_put_slow(dom, c, cls, pfn);
}

/* cache_put with loaded full when last seen: steps 1-4 in full. */
static SMMUKIT_COLD bool cache_put_slow(struct smmukit_iova_domain *dom,
					    struct iova_cpu_cache *c,
					    unsigned cls, uint64_t pfn)
{
	struct iova_mag *spare = NULL;
	bool kick = false, ok;

	for (;;) {
		smmukit_plat_hot_lock(dom->plat, &c->lock);
		ok = smmukit_likely(c->loaded->u.nr < SMMUKIT_IOVA_MAG_PFNS) ||
		     make_room_locked(dom, c, cls, &spare, &kick);
		if (smmukit_likely(ok))
			c->loaded->pfns[c->loaded->u.nr++] = pfn;
		smmukit_plat_hot_unlock(dom->plat, &c->lock);
		if (smmukit_likely(ok) || spare)
			break;
		spare = mag_new(dom);
		if (!spare)
			return false;
	}
	mag_free(dom, spare);
	if (kick)
		trim_timer_kick(dom, trim_deadline_after(
					     dom, smmukit_plat_clock_ns(dom->plat)));
	return ok;
}

static bool fast_args_ok(const struct smmukit_iova_domain *dom, uint64_t size)
{
	return dom && size != 0 && size <= dom->end_pfn - dom->start_pfn + 1;
}

/* Size class of 1..SMMUKIT_IOVA_CACHE_MAX_PFNS granules: log2, rounded up. */
static SMMUKIT_ALWAYS_INLINE unsigned size_class(uint64_t size_pfns)
{
	return size_pfns <= 1 ? 0 : smmukit_ilog2(size_pfns - 1) + 1;
}

/* Tree, then (unless NO_FLUSH) flush every cache and retry once. */
static SMMUKIT_COLD int alloc_fast_tree(struct smmukit_iova_domain *dom,
					    uint64_t size, uint64_t limit_pfn,
					    uint32_t flags, uint64_t *pfn_out)
{
	int ret = smmukit_iova_alloc(dom, size, limit_pfn, true, pfn_out);

	if (ret != -SMMUKIT_ENOSPC || (flags & SMMUKIT_IOVA_NO_FLUSH))
		return ret;
	smmukit_iova_flush_caches(dom);
	return smmukit_iova_alloc(dom, size, limit_pfn, true, pfn_out);
}

/*
 * Everything alloc_fast's fast path left: argument diagnosis, checked mode,
 * limits below the size. cache_tried: the fast path already missed the
 * cache (a miss is counted once).
 */
static SMMUKIT_COLD int alloc_fast_slow(struct smmukit_iova_domain *dom,
					    uint64_t size_pfns,
					    uint64_t limit_pfn, uint32_t flags,
					    uint64_t *pfn_out)
{
	uint64_t size = smmukit_iova_fast_size(size_pfns), pfn;

	if (!fast_args_ok(dom, size) || !pfn_out ||
	    (flags & ~SMMUKIT_IOVA_NO_FLUSH) || limit_pfn < dom->start_pfn)
		return -SMMUKIT_EINVAL;
	limit_pfn = smmukit_min_u64(limit_pfn, dom->end_pfn);
	if (limit_pfn - dom->start_pfn + 1 < size)
		return -SMMUKIT_ENOSPC;
	if (smmukit_likely(size <= SMMUKIT_IOVA_CACHE_MAX_PFNS)) {
		unsigned cls = smmukit_ilog2(size);

		pfn = cache_get(dom, cls, limit_pfn - size + 1);
		if (smmukit_likely(pfn)) {
			if (smmukit_unlikely(dom->flags &
					     SMMUKIT_IOVA_CHECK_FAST_FREE) &&
			    iova_tree_mark_cached(dom, pfn, size, false)) {
				/*
				 * A cache held a range the tree disowns: a
				 * broken invariant. Drop the pfn rather than
				 * give it back: the tree either has it free
				 * or records another owner, so nothing leaks,
				 * while freeing it could hand out a live range.
				 */
				smmukit_err(dom->plat, "iova: cached pfn 0x%llx "
					    "is not a cached range",
					    (unsigned long long)pfn);
				return -SMMUKIT_EIO;
			}
			*pfn_out = pfn;
			return 0;
		}
	}
	return alloc_fast_tree(dom, size, limit_pfn, flags, pfn_out);
}

/* The general cached path: any CPU, any lock; on a miss, the tree. */
static SMMUKIT_NOINLINE int alloc_fast_cached(struct smmukit_iova_domain *dom,
					      unsigned cls, uint64_t lim,
					      uint64_t max_lo, uint32_t flags,
					      uint64_t *pfn_out)
{
	uint64_t pfn = cache_get(dom, cls, max_lo);

	if (smmukit_likely(pfn)) {
		*pfn_out = pfn;
		return 0;
	}
	return alloc_fast_tree(dom, UINT64_C(1) << cls, lim, flags, pfn_out);
}

/*
 * The fast path: one combined test of the common case (a domain, an out
 * pointer, a cacheable size, known flags, unchecked mode, and a limit,
 * clipped to the domain, that leaves room for the size above start_pfn:
 * max_lo neither below start_pfn nor wrapped), then this CPU's magazine,
 * and on a miss the tree. Anything else, including a bad argument, goes to
 * the slow path, which diagnoses it exactly as before.
 * In a FAST_LEAF domain (unchecked, one CPU, atomic hot-path locks) the
 * common case is leaf code: CPU 0's cache, its lock word tried once, the
 * loaded magazine's top entry. Whatever is not as usual (lock busy,
 * magazine empty, top entry above max_lo) is a tail call to the general
 * cached path.
 */
static SMMUKIT_NOINLINE int alloc_fast_general(struct smmukit_iova_domain *dom,
					       uint64_t size_pfns,
					       uint64_t limit_pfn,
					       uint32_t flags,
					       uint64_t *pfn_out)
{
	if (smmukit_likely(dom && pfn_out && dom->fast_mode != FAST_CHECKED &&
			   size_pfns - 1 < SMMUKIT_IOVA_CACHE_MAX_PFNS &&
			   !(flags & ~SMMUKIT_IOVA_NO_FLUSH))) {
		unsigned cls = size_class(size_pfns);
		uint64_t lim = smmukit_min_u64(limit_pfn, dom->end_pfn);
		uint64_t max_lo = lim - (UINT64_C(1) << cls) + 1;

		if (smmukit_likely(max_lo >= dom->start_pfn && max_lo <= lim))
			return alloc_fast_cached(dom, cls, lim, max_lo, flags,
						 pfn_out);
	}
	return alloc_fast_slow(dom, size_pfns, limit_pfn, flags, pfn_out);
}

int smmukit_iova_alloc_fast(struct smmukit_iova_domain *dom,
			    uint64_t size_pfns, uint64_t limit_pfn,
			    uint32_t flags, uint64_t *pfn_out)
{
	if (smmukit_likely(dom && pfn_out && dom->fast_mode == FAST_LEAF &&
			   size_pfns - 1 < SMMUKIT_IOVA_CACHE_MAX_PFNS &&
			   !(flags & ~SMMUKIT_IOVA_NO_FLUSH))) {
		unsigned cls = size_class(size_pfns);
		uint64_t lim = smmukit_min_u64(limit_pfn, dom->end_pfn);
		uint64_t max_lo = lim - (UINT64_C(1) << cls) + 1;

		if (smmukit_likely(max_lo >= dom->start_pfn && max_lo <= lim)) {
			struct iova_cpu_cache *c = &dom->cpu_caches[cls];
			uint32_t free_word = 0;

			if (smmukit_likely(atomic_compare_exchange_weak_explicit(
				    &c->lock.word, &free_word, 1,
				    memory_order_acquire, memory_order_relaxed))) {
				struct iova_mag *m = c->loaded;
				uint64_t nr = m->u.nr, pfn;

				if (smmukit_likely(nr != 0) &&
				    smmukit_likely((pfn = m->pfns[nr - 1]) <= max_lo)) {
					m->u.nr = nr - 1;
					c->hits++;
					atomic_store_explicit(&c->lock.word, 0,
							      memory_order_release);
					*pfn_out = pfn;
					return 0;
				}
				atomic_store_explicit(&c->lock.word, 0,
						      memory_order_release);
			}
			return alloc_fast_cached(dom, cls, lim, max_lo, flags,
						 pfn_out);
		}
	}
	return alloc_fast_general(dom, size_pfns, limit_pfn, flags, pfn_out);
}

static SMMUKIT_COLD int free_fast_slow(struct smmukit_iova_domain *dom,
					   uint64_t pfn, uint64_t size_pfns);

/* No magazine to be had: the tree takes the range (it never allocates). */
static SMMUKIT_COLD int free_to_tree(struct smmukit_iova_domain *dom,
					 uint64_t pfn, uint64_t size)
{
	if (iova_tree_free_many(dom, &pfn, 1, size))
		return -SMMUKIT_ENOENT;
	return 0;
}

/*
 * The fast path: a domain in unchecked mode, a cacheable size, and a pfn
 * aligned to its class and wholly inside the domain (a magazine hands its
 * pfns out for any request of the class, so only what alloc_fast could
 * have returned may enter one). Anything else: the slow path.
 */
static SMMUKIT_NOINLINE int free_fast_cached(struct smmukit_iova_domain *dom,
					     unsigned cls, uint64_t pfn)
{
	if (smmukit_likely(cache_put(dom, cls, pfn)))
		return 0;
	return free_to_tree(dom, pfn, UINT64_C(1) << cls);
}

/*
 * The fast path: a domain in unchecked mode, a cacheable size, and a pfn
 * aligned to its class and wholly inside the domain (a magazine hands its
 * pfns out for any request of the class, so only what alloc_fast could
 * have returned may enter one). Anything else: the slow path. A FAST_LEAF
 * domain's common case is leaf code, as in alloc_fast.
 */
static SMMUKIT_NOINLINE int free_fast_general(struct smmukit_iova_domain *dom,
					      uint64_t pfn, uint64_t size_pfns)
{
	if (smmukit_likely(dom && dom->fast_mode != FAST_CHECKED &&
			   size_pfns - 1 < SMMUKIT_IOVA_CACHE_MAX_PFNS)) {
		unsigned cls = size_class(size_pfns);

		if (smmukit_likely(!(pfn & ((UINT64_C(1) << cls) - 1)) &&
				   pfn >= dom->start_pfn &&
				   pfn <= dom->cls_max_pfn[cls]))
			return free_fast_cached(dom, cls, pfn);
	}
	return free_fast_slow(dom, pfn, size_pfns);
}

int smmukit_iova_free_fast(struct smmukit_iova_domain *dom, uint64_t pfn,
			   uint64_t size_pfns)
{
	if (smmukit_likely(dom && dom->fast_mode == FAST_LEAF &&
			   size_pfns - 1 < SMMUKIT_IOVA_CACHE_MAX_PFNS)) {
		unsigned cls = size_class(size_pfns);

		if (smmukit_likely(!(pfn & ((UINT64_C(1) << cls) - 1)) &&
				   pfn >= dom->start_pfn &&
				   pfn <= dom->cls_max_pfn[cls])) {
			struct iova_cpu_cache *c = &dom->cpu_caches[cls];
			uint32_t free_word = 0;

			if (smmukit_likely(atomic_compare_exchange_weak_explicit(
				    &c->lock.word, &free_word, 1,
				    memory_order_acquire, memory_order_relaxed))) {
				struct iova_mag *m = c->loaded;
				uint64_t nr = m->u.nr;

				if (smmukit_likely(nr < SMMUKIT_IOVA_MAG_PFNS)) {
					m->pfns[nr] = pfn;
					m->u.nr = nr + 1;
					atomic_store_explicit(&c->lock.word, 0,
							      memory_order_release);
					return 0;
				}
				atomic_store_explicit(&c->lock.word, 0,
						      memory_order_release);
			}
			return free_fast_cached(dom, cls, pfn);
		}
	}
	return free_fast_general(dom, pfn, size_pfns);
}

static SMMUKIT_COLD int free_fast_slow(struct smmukit_iova_domain *dom,
					   uint64_t pfn, uint64_t size_pfns)
{
	uint64_t size = smmukit_iova_fast_size(size_pfns);
	unsigned cls;

	if (!fast_args_ok(dom, size) || pfn < dom->start_pfn ||
	    pfn > dom->end_pfn)
		return -SMMUKIT_EINVAL;
	if (size > SMMUKIT_IOVA_CACHE_MAX_PFNS)
		return smmukit_iova_free(dom, pfn, size);
	/*
	 * A magazine hands its pfns out for any request of its class, so only
	 * what alloc_fast could have returned may enter one: size-aligned and
	 * wholly inside the domain (unchecked mode never looks at the tree).
	 */
	if ((pfn & (size - 1)) || pfn > dom->end_pfn - size + 1)
		return -SMMUKIT_EINVAL;
	cls = smmukit_ilog2(size);
	if (smmukit_unlikely(dom->flags & SMMUKIT_IOVA_CHECK_FAST_FREE) &&
	    iova_tree_mark_cached(dom, pfn, size, true)) {
		smmukit_err(dom->plat, "iova: fast free of pfn 0x%llx size %llu "
			    "that is not allocated (double free?)",
			    (unsigned long long)pfn, (unsigned long long)size);
		return -SMMUKIT_ENOENT;
	}
	if (smmukit_likely(cache_put(dom, cls, pfn)))
		return 0;
	return free_to_tree(dom, pfn, size);
}

int smmukit_iova_free_bulk(struct smmukit_iova_domain *dom,
			   const struct smmukit_iova_free_entry *entries,
			   size_t n)
{
	int ret, first = 0;

	if (!dom || (n && !entries))
		return -SMMUKIT_EINVAL;
	/* Large ranges: batched tree-lock acquisitions. */
	first = iova_tree_free_entries(dom, entries, n,
				       SMMUKIT_IOVA_CACHE_MAX_PFNS + 1);
	for (size_t i = 0; i < n; i++) {
		if (entries[i].size_pfns > SMMUKIT_IOVA_CACHE_MAX_PFNS)
			continue;
		ret = smmukit_iova_free_fast(dom, entries[i].pfn,
					     entries[i].size_pfns);
		if (ret && !first)
			first = ret;
	}
	return first;
}

/* Drain one CPU's magazines (all classes) into the tree. */
static void flush_cpu(struct smmukit_iova_domain *dom, unsigned cpu)
{
	for (unsigned cls = 0; cls < SMMUKIT_IOVA_NR_CLASSES; cls++) {
		struct iova_cpu_cache *c =
			&dom->cpu_caches[cpu * SMMUKIT_IOVA_NR_CLASSES + cls];

		smmukit_plat_hot_lock(dom->plat, &c->lock);
		mag_drain(dom, c->loaded, cls);
		mag_drain(dom, c->prev, cls);
		smmukit_plat_hot_unlock(dom->plat, &c->lock);
	}
}

int smmukit_iova_flush_cpu(struct smmukit_iova_domain *dom, unsigned cpu)
{
	if (!dom || cpu >= dom->nr_cpus)
		return -SMMUKIT_EINVAL;
	flush_cpu(dom, cpu);
	return 0;
}

void smmukit_iova_flush_caches(struct smmukit_iova_domain *dom)
{
	if (!dom)
		return;
	for (unsigned cpu = 0; cpu < dom->nr_cpus; cpu++)
		flush_cpu(dom, cpu);
	for (unsigned cls = 0; cls < SMMUKIT_IOVA_NR_CLASSES; cls++) {
		struct iova_depot *d = &dom->depots[cls];
		struct iova_mag *list;

		smmukit_plat_hot_lock(dom->plat, &d->lock);
		list = d->head;
		d->head = NULL;
		d->nr_mags = 0;
		smmukit_plat_hot_unlock(dom->plat, &d->lock);
		release_list(dom, list, cls);
	}
	atomic_fetch_add_explicit(&dom->flushes, 1, memory_order_relaxed);
}

/* ------------------------------------------------------ setup, stats -- */

_Static_assert(sizeof(struct iova_cpu_cache) % IOVA_CACHE_LINE == 0,
	       "per-CPU caches must not share cache lines");
_Static_assert(sizeof(struct iova_depot) % IOVA_CACHE_LINE == 0,
	       "depots must not share cache lines");

int iova_caches_init(struct smmukit_iova_domain *dom)
{
	uint64_t n = (uint64_t)dom->nr_cpus * SMMUKIT_IOVA_NR_CLASSES;
	uintptr_t base;

	/* Depots, then the CPU caches, in one block aligned by hand. */
	dom->caches_mem_size = SMMUKIT_IOVA_NR_CLASSES * sizeof(*dom->depots) +
			       n * sizeof(*dom->cpu_caches) + IOVA_CACHE_LINE - 1;
	dom->caches_mem = smmukit_plat_zalloc(dom->plat, dom->caches_mem_size);
	if (!dom->caches_mem)
		return -SMMUKIT_ENOMEM;
	base = ((uintptr_t)dom->caches_mem + IOVA_CACHE_LINE - 1) &
	       ~(uintptr_t)(IOVA_CACHE_LINE - 1);
	dom->depots = (struct iova_depot *)base;
	dom->cpu_caches =
		(struct iova_cpu_cache *)(dom->depots + SMMUKIT_IOVA_NR_CLASSES);
	for (uint64_t i = 0; i < n; i++) {
		struct iova_cpu_cache *c = &dom->cpu_caches[i];

		c->loaded = mag_new(dom);
		c->prev = mag_new(dom);
		if (!c->loaded || !c->prev)
			goto err;
	}
	for (uint64_t i = 0; i < n; i++)
		smmukit_plat_hot_lock_init(dom->plat, &dom->cpu_caches[i].lock);
	for (unsigned cls = 0; cls < SMMUKIT_IOVA_NR_CLASSES; cls++)
		smmukit_plat_hot_lock_init(dom->plat, &dom->depots[cls].lock);
	for (unsigned cls = 0; cls < SMMUKIT_IOVA_NR_CLASSES; cls++) {
		uint64_t size = UINT64_C(1) << cls;

		dom->cls_max_pfn[cls] = size <= dom->end_pfn - dom->start_pfn + 1 ?
					dom->end_pfn - size + 1 : 0;
	}
	if (dom->flags & SMMUKIT_IOVA_CHECK_FAST_FREE)
		dom->fast_mode = FAST_CHECKED;
	else if (dom->nr_cpus == 1 &&
		 (dom->plat->fast_flags & SMMUKIT_PLAT_F_ATOMIC_LOCKS))
		dom->fast_mode = FAST_LEAF;
	else
		dom->fast_mode = FAST_UNCHECKED;
	atomic_init(&dom->trim_pending, false);
	atomic_init(&dom->trim_stopping, false);
	smmukit_plat_timer_init(dom->plat, &dom->trim_timer, trim_timer_fn);
	return 0;

err:
	for (uint64_t i = 0; i < n; i++) {
		mag_free(dom, dom->cpu_caches[i].loaded);
		mag_free(dom, dom->cpu_caches[i].prev);
	}
	smmukit_plat_free(dom->plat, dom->caches_mem, dom->caches_mem_size);
	dom->caches_mem = NULL;
	dom->cpu_caches = NULL;
	dom->depots = NULL;
	return -SMMUKIT_ENOMEM;
}

void iova_caches_destroy(struct smmukit_iova_domain *dom)
{
	uint64_t n = (uint64_t)dom->nr_cpus * SMMUKIT_IOVA_NR_CLASSES;

	/*
	 * Stop the trim timer before anything it touches goes: once
	 * trim_stopping is visible the callback no longer re-arms, and
	 * cancel_sync waits out a run in progress and drops a pending one
	 * (also one armed by a run that read trim_stopping too early).
	 */
	atomic_store_explicit(&dom->trim_stopping, true, memory_order_seq_cst);
	smmukit_plat_timer_cancel_sync(dom->plat, &dom->trim_timer);
	smmukit_plat_timer_destroy(dom->plat, &dom->trim_timer);
	for (uint64_t i = 0; i < n; i++) {
		struct iova_cpu_cache *c = &dom->cpu_caches[i];

		mag_free(dom, c->loaded);
		mag_free(dom, c->prev);
		smmukit_plat_hot_lock_destroy(dom->plat, &c->lock);
	}
	for (unsigned cls = 0; cls < SMMUKIT_IOVA_NR_CLASSES; cls++) {
		struct iova_depot *d = &dom->depots[cls];

		while (d->head) {
			struct iova_mag *m = d->head;

			d->head = m->u.next;
			mag_free(dom, m);
		}
		smmukit_plat_hot_lock_destroy(dom->plat, &d->lock);
	}
	smmukit_plat_free(dom->plat, dom->caches_mem, dom->caches_mem_size);
}

void smmukit_iova_get_stats(struct smmukit_iova_domain *dom,
			    struct smmukit_iova_stats *out)
{
	uint64_t n;

	if (!dom || !out)
		return;
	*out = (struct smmukit_iova_stats){ 0 };
	iova_tree_stats(dom, out);
	n = (uint64_t)dom->nr_cpus * SMMUKIT_IOVA_NR_CLASSES;
	for (uint64_t i = 0; i < n; i++) {
		struct iova_cpu_cache *c = &dom->cpu_caches[i];

		smmukit_plat_hot_lock(dom->plat, &c->lock);
		out->cached_ranges += c->loaded->u.nr + c->prev->u.nr;
		out->cache_hits += c->hits;
		out->cache_misses += c->misses;
		smmukit_plat_hot_unlock(dom->plat, &c->lock);
	}
	for (unsigned cls = 0; cls < SMMUKIT_IOVA_NR_CLASSES; cls++) {
		struct iova_depot *d = &dom->depots[cls];

		smmukit_plat_hot_lock(dom->plat, &d->lock);
		out->depot_mags[cls] = d->nr_mags;
		out->depot_trimmed += d->trimmed;
		smmukit_plat_hot_unlock(dom->plat, &d->lock);
		out->depot_mags_total += out->depot_mags[cls];
		out->cached_ranges += out->depot_mags[cls] * SMMUKIT_IOVA_MAG_PFNS;
	}
	out->mags_allocated = atomic_load_explicit(&dom->mags_allocated,
						   memory_order_relaxed);
	out->flushes = atomic_load_explicit(&dom->flushes, memory_order_relaxed);
}

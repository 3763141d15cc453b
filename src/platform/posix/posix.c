/* SPDX-License-Identifier: MIT */
/*
 * Hosted platform backend: simulated physical memory, real or manual clock,
 * pthread locks and a timer thread (or polled timers), failure injection and
 * hooks for a hardware model.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "smmukit/platform_posix.h"

#define DEFAULT_MEM_SIZE (UINT64_C(1) << 30)
#define DEFAULT_PHYS_BASE UINT64_C(0x80000000)
#define NO_PAGE UINT32_MAX
#define NOT_FREE_HEAD 0xff
#define NOT_ALLOCATED 0xff
/* How far relax() moves a manual clock when no event is pending. */
#define MANUAL_IDLE_STEP_NS 10000

_Static_assert(sizeof(pthread_mutex_t) <= sizeof(struct smmukit_lock),
	       "struct smmukit_lock too small for pthread_mutex_t");

/*
 * Buddy allocator over simulated RAM. Per-page metadata lives outside RAM so
 * that freed pages are never written by the allocator (a device model may
 * still be looking at them in checking mode). Protected by buddy_lock.
 */
struct page_meta {
	uint32_t prev, next;	/* free-list links, page indexes */
	uint8_t free_order;	/* order if head of a free block, else NOT_FREE_HEAD */
	uint8_t alloc_order;	/* order if head of an allocated run, else NOT_ALLOCATED */
};

struct posix_platform {
	struct smmukit_platform pub;
	struct smmukit_posix_config cfg;

	unsigned char *ram;	/* host view of simulated RAM; immutable */
	uint64_t nr_pages;

	pthread_mutex_t buddy_lock;
	struct page_meta *meta;				/* buddy_lock */
	uint32_t free_head[SMMUKIT_MAX_PAGE_ORDER + 1];	/* buddy_lock */

	/* Statistics and injection: atomics, no lock. */
	_Atomic uint64_t pages_in_use;
	_Atomic uint64_t allocs;
	_Atomic uint64_t zalloc_bytes;
	_Atomic uint64_t syncs;
	_Atomic uint64_t cpu_syncs;
	_Atomic uint64_t last_sync_pa;
	_Atomic uint64_t last_sync_len;
	_Atomic uint64_t relax_calls;
	_Atomic uint64_t fail_countdown;
	_Atomic uint64_t alloc_seq;
	uint64_t alloc_seq_reported;	/* only the injecting test touches it */

	_Atomic uint64_t manual_now_ns;
	_Atomic unsigned next_cpu;

	/*
	 * Model hooks. Set or cleared only while no other thread can be in
	 * relax(), free_pages or dma_sync_for_device on this platform:
	 * hooks_set orders publication of the struct, it does not exclude a
	 * reader that already saw true.
	 */
	struct smmukit_posix_hooks hooks;
	_Atomic bool hooks_set;

	/*
	 * Timers: the armed list, each timer's backend fields and timer_stop
	 * are protected by timer_lock; timer_thread_running is set at create
	 * and read at destroy only.
	 */
	pthread_mutex_t timer_lock;
	pthread_cond_t timer_cond;	/* armed list changed, or stop */
	pthread_cond_t timer_done;	/* a callback finished */
	struct smmukit_timer *timers;
	bool timer_thread_running;
	bool timer_stop;
	pthread_t timer_thread;
};

static struct posix_platform *to_posix(struct smmukit_platform *p)
{
	return smmukit_container_of(p, struct posix_platform, pub);
}

/* ---- memory ---- */

static void list_push(struct posix_platform *pp, uint32_t pg, unsigned order)
{
	uint32_t head = pp->free_head[order];

	pp->meta[pg].prev = NO_PAGE;
	pp->meta[pg].next = head;
	pp->meta[pg].free_order = (uint8_t)order;
	if (head != NO_PAGE)
		pp->meta[head].prev = pg;
	pp->free_head[order] = pg;
}

static void list_del(struct posix_platform *pp, uint32_t pg, unsigned order)
{
	struct page_meta *m = &pp->meta[pg];

	if (m->prev != NO_PAGE)
		pp->meta[m->prev].next = m->next;
	else
		pp->free_head[order] = m->next;
	if (m->next != NO_PAGE)
		pp->meta[m->next].prev = m->prev;
	m->free_order = NOT_FREE_HEAD;
}

static bool inject_failure(struct posix_platform *pp)
{
	uint64_t c;

	atomic_fetch_add_explicit(&pp->alloc_seq, 1, memory_order_relaxed);
	c = atomic_load_explicit(&pp->fail_countdown, memory_order_relaxed);
	while (c) {
		if (atomic_compare_exchange_weak(&pp->fail_countdown, &c, c - 1))
			return c == 1;
	}
	return false;
}

static int posix_alloc_pages(struct smmukit_platform *p, unsigned order,
			     struct smmukit_dma_pages *out)
{
	struct posix_platform *pp = to_posix(p);
	unsigned k;
	uint32_t pg;

	if (order > SMMUKIT_MAX_PAGE_ORDER || !out)
		return -SMMUKIT_EINVAL;
	if (inject_failure(pp))
		return -SMMUKIT_ENOMEM;

	pthread_mutex_lock(&pp->buddy_lock);
	for (k = order; k <= SMMUKIT_MAX_PAGE_ORDER; k++)
		if (pp->free_head[k] != NO_PAGE)
			break;
	if (k > SMMUKIT_MAX_PAGE_ORDER) {
		pthread_mutex_unlock(&pp->buddy_lock);
		return -SMMUKIT_ENOMEM;
	}
	pg = pp->free_head[k];
	list_del(pp, pg, k);
	/* Split: keep the lower half, free the upper halves. */
	while (k > order) {
		k--;
		list_push(pp, pg + (UINT32_C(1) << k), k);
	}
	pp->meta[pg].alloc_order = (uint8_t)order;
	pthread_mutex_unlock(&pp->buddy_lock);

	out->cpu = pp->ram + ((uint64_t)pg << SMMUKIT_PAGE_SHIFT);
	out->pa = pp->cfg.phys_base + ((uint64_t)pg << SMMUKIT_PAGE_SHIFT);
	out->order = order;
	memset(out->cpu, 0, SMMUKIT_PAGE_SIZE << order);
	atomic_fetch_add_explicit(&pp->pages_in_use, UINT64_C(1) << order,
				  memory_order_relaxed);
	atomic_fetch_add_explicit(&pp->allocs, 1, memory_order_relaxed);
	return 0;
}

static void posix_free_pages(struct smmukit_platform *p,
			     const struct smmukit_dma_pages *pages)
{
	struct posix_platform *pp = to_posix(p);
	unsigned order = pages->order;
	uint64_t off = pages->pa - pp->cfg.phys_base;
	uint32_t pg = (uint32_t)(off >> SMMUKIT_PAGE_SHIFT);

	if (pages->pa < pp->cfg.phys_base || off >= pp->cfg.mem_size ||
	    order > SMMUKIT_MAX_PAGE_ORDER ||
	    !smmukit_is_aligned(pg, UINT64_C(1) << order)) {
		smmukit_err(p, "posix: free_pages of bad run pa=0x%llx order=%u",
			    (unsigned long long)pages->pa, order);
		abort();	/* a broken internal invariant: stop loudly */
	}
	if (atomic_load_explicit(&pp->hooks_set, memory_order_acquire) &&
	    pp->hooks.on_free)
		pp->hooks.on_free(pp->hooks.arg, pages->pa,
				  SMMUKIT_PAGE_SIZE << order);

	pthread_mutex_lock(&pp->buddy_lock);
	/* Only the head of a live run, with its own order, may be freed. */
	if (pp->meta[pg].alloc_order != order) {
		unsigned had = pp->meta[pg].alloc_order;

		pthread_mutex_unlock(&pp->buddy_lock);
		if (had == NOT_ALLOCATED)
			smmukit_err(p, "posix: free of pa=0x%llx, which is not allocated (double free?)",
				    (unsigned long long)pages->pa);
		else
			smmukit_err(p, "posix: free of pa=0x%llx with order %u, allocated with order %u",
				    (unsigned long long)pages->pa, order, had);
		abort();
	}
	pp->meta[pg].alloc_order = NOT_ALLOCATED;
	while (order < SMMUKIT_MAX_PAGE_ORDER) {
		uint32_t buddy = pg ^ (UINT32_C(1) << order);

		if (buddy >= pp->nr_pages || pp->meta[buddy].free_order != order)
			break;
		list_del(pp, buddy, order);
		pg &= ~(UINT32_C(1) << order);
		order++;
	}
	list_push(pp, pg, order);
	pthread_mutex_unlock(&pp->buddy_lock);
	atomic_fetch_sub_explicit(&pp->pages_in_use, UINT64_C(1) << pages->order,
				  memory_order_relaxed);
}

void *smmukit_posix_phys_range(struct smmukit_platform *p, smmukit_phys_t pa,
			       uint64_t len)
{
	struct posix_platform *pp;
	uint64_t off;

	if (!p)
		return NULL;
	pp = to_posix(p);
	off = pa - pp->cfg.phys_base;
	if (pa < pp->cfg.phys_base || off >= pp->cfg.mem_size ||
	    len > pp->cfg.mem_size - off)
		return NULL;
	return pp->ram + off;
}

static void *posix_phys_to_virt(struct smmukit_platform *p, smmukit_phys_t pa)
{
	return smmukit_posix_phys_range(p, pa, 1);
}

static smmukit_phys_t posix_virt_to_phys(struct smmukit_platform *p,
					 const void *cpu)
{
	struct posix_platform *pp = to_posix(p);
	const unsigned char *c = cpu;

	if (c < pp->ram || c >= pp->ram + pp->cfg.mem_size)
		return ~(smmukit_phys_t)0;
	return pp->cfg.phys_base + (uint64_t)(c - pp->ram);
}

static void posix_dma_sync_for_device(struct smmukit_platform *p,
				      smmukit_phys_t pa, size_t len)
{
	struct posix_platform *pp = to_posix(p);

	if (pp->cfg.record_syncs) {
		atomic_fetch_add_explicit(&pp->syncs, 1, memory_order_relaxed);
		atomic_store_explicit(&pp->last_sync_pa, pa, memory_order_relaxed);
		atomic_store_explicit(&pp->last_sync_len, len, memory_order_relaxed);
	}
	if (atomic_load_explicit(&pp->hooks_set, memory_order_acquire) &&
	    pp->hooks.on_sync)
		pp->hooks.on_sync(pp->hooks.arg, pa, len);
}

/* Host memory is coherent; counted so tests can check a driver asks. */
static void posix_dma_sync_for_cpu(struct smmukit_platform *p, smmukit_phys_t pa,
				   size_t len)
{
	atomic_fetch_add_explicit(&to_posix(p)->cpu_syncs, 1,
				  memory_order_relaxed);
}

static void *posix_zalloc(struct smmukit_platform *p, size_t size)
{
	struct posix_platform *pp = to_posix(p);
	void *ptr;

	if (inject_failure(pp))
		return NULL;
	ptr = calloc(1, size ? size : 1);
	if (ptr)
		atomic_fetch_add_explicit(&pp->zalloc_bytes, size,
					  memory_order_relaxed);
	return ptr;
}

static void posix_free(struct smmukit_platform *p, void *ptr, size_t size)
{
	struct posix_platform *pp = to_posix(p);

	free(ptr);
	atomic_fetch_sub_explicit(&pp->zalloc_bytes, size, memory_order_relaxed);
}

/* ---- locks ---- */

static void posix_lock_init(struct smmukit_platform *p, struct smmukit_lock *l)
{
	pthread_mutex_init((pthread_mutex_t *)(void *)l->opaque, NULL);
}

static void posix_lock_destroy(struct smmukit_platform *p, struct smmukit_lock *l)
{
	pthread_mutex_destroy((pthread_mutex_t *)(void *)l->opaque);
}

static void posix_lock(struct smmukit_platform *p, struct smmukit_lock *l)
{
	pthread_mutex_lock((pthread_mutex_t *)(void *)l->opaque);
}

static void posix_unlock(struct smmukit_platform *p, struct smmukit_lock *l)
{
	pthread_mutex_unlock((pthread_mutex_t *)(void *)l->opaque);
}

/* ---- CPUs ---- */

/*
 * Simulated CPU of the calling thread. Hosted code may use TLS (the core may
 * not). Threads get ids round-robin unless pinned with smmukit_posix_set_cpu,
 * so with more threads than CPUs several threads share one CPU's data and its
 * lock, which is exactly the preemption case the core must survive.
 */
static _Thread_local unsigned thread_cpu_plus1;

static unsigned posix_nr_cpus(struct smmukit_platform *p)
{
	return to_posix(p)->cfg.nr_cpus;
}

static unsigned posix_cpu_id(struct smmukit_platform *p)
{
	struct posix_platform *pp = to_posix(p);
	unsigned cpu = thread_cpu_plus1 - 1;

	if (smmukit_unlikely(!thread_cpu_plus1)) {
		thread_cpu_plus1 = 1 + atomic_fetch_add_explicit(
					       &pp->next_cpu, 1,
					       memory_order_relaxed);
		cpu = thread_cpu_plus1 - 1;
	}
	/* The id is per thread, shared by every platform: fold only if needed. */
	return smmukit_likely(cpu < pp->cfg.nr_cpus) ? cpu : cpu % pp->cfg.nr_cpus;
}

static void posix_yield(struct smmukit_platform *p)
{
	sched_yield();
}

void smmukit_posix_set_cpu(struct smmukit_platform *p, unsigned cpu)
{
	if (!p)
		return;
	thread_cpu_plus1 = cpu % to_posix(p)->cfg.nr_cpus + 1;
}

/* ---- time ---- */

static uint64_t host_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t posix_clock_ns(struct smmukit_platform *p)
{
	struct posix_platform *pp = to_posix(p);

	if (pp->cfg.manual_clock)
		return atomic_load_explicit(&pp->manual_now_ns,
					    memory_order_acquire);
	return host_now_ns();
}

/* Move the manual clock forward to t (never backwards). */
static void manual_clock_to(struct posix_platform *pp, uint64_t t)
{
	uint64_t cur = atomic_load(&pp->manual_now_ns);

	while (cur < t && !atomic_compare_exchange_weak(&pp->manual_now_ns,
							&cur, t))
		;
}

/* Earliest deadline of an armed, idle timer after now; UINT64_MAX if none. */
static uint64_t next_timer_deadline_after(struct posix_platform *pp, uint64_t now)
{
	uint64_t best = UINT64_MAX;

	pthread_mutex_lock(&pp->timer_lock);
	for (struct smmukit_timer *t = pp->timers; t; t = t->next)
		if (!t->running && t->deadline_ns > now && t->deadline_ns < best)
			best = t->deadline_ns;
	pthread_mutex_unlock(&pp->timer_lock);
	return best;
}

static void run_due_timers(struct posix_platform *pp);

static void posix_relax(struct smmukit_platform *p)
{
	struct posix_platform *pp = to_posix(p);
	bool hooks = atomic_load_explicit(&pp->hooks_set, memory_order_acquire);
	uint64_t now = posix_clock_ns(p);

	atomic_fetch_add_explicit(&pp->relax_calls, 1, memory_order_relaxed);
	if (hooks && pp->hooks.run_due)
		pp->hooks.run_due(pp->hooks.arg, now);
	if (pp->cfg.polled_timers)
		run_due_timers(pp);
	if (pp->cfg.manual_clock) {
		/*
		 * Nothing else moves time: jump to the earliest event still
		 * pending after now (what was due has just run). With nothing
		 * pending, step anyway: a waiter on hardware that never
		 * answers must reach its timeout, not spin forever.
		 */
		uint64_t next = next_timer_deadline_after(pp, now);

		if (hooks && pp->hooks.next_due_ns) {
			uint64_t hw = pp->hooks.next_due_ns(pp->hooks.arg);

			if (hw > now)
				next = smmukit_min_u64(next, hw);
		}
		if (next == UINT64_MAX)
			next = now + MANUAL_IDLE_STEP_NS;
		manual_clock_to(pp, next);
		now = posix_clock_ns(p);
		if (hooks && pp->hooks.run_due)
			pp->hooks.run_due(pp->hooks.arg, now);
		run_due_timers(pp);
	} else {
		sched_yield();
	}
}

void smmukit_posix_clock_set(struct smmukit_platform *p, uint64_t t_ns)
{
	struct posix_platform *pp;

	if (!p)
		return;
	pp = to_posix(p);
	if (!pp->cfg.manual_clock)
		return;
	manual_clock_to(pp, t_ns);
	if (atomic_load_explicit(&pp->hooks_set, memory_order_acquire) &&
	    pp->hooks.run_due)
		pp->hooks.run_due(pp->hooks.arg, posix_clock_ns(p));
	run_due_timers(pp);
}

void smmukit_posix_clock_advance(struct smmukit_platform *p, uint64_t delta_ns)
{
	uint64_t now;

	if (!p)
		return;
	now = posix_clock_ns(p);
	/* Saturate: a huge delta must not wrap time backwards. */
	smmukit_posix_clock_set(p, delta_ns > UINT64_MAX - now ?
				      UINT64_MAX : now + delta_ns);
}

/* ---- timers ---- */

static void timer_unlink(struct posix_platform *pp, struct smmukit_timer *t)
{
	for (struct smmukit_timer **pt = &pp->timers; *pt; pt = &(*pt)->next) {
		if (*pt == t) {
			*pt = t->next;
			t->next = NULL;
			return;
		}
	}
}

/* Called with timer_lock held; drops it around the callback. */
static void fire_locked(struct posix_platform *pp, struct smmukit_timer *t)
{
	timer_unlink(pp, t);
	t->armed = false;
	t->running = true;
	pthread_mutex_unlock(&pp->timer_lock);
	t->fn(t);
	pthread_mutex_lock(&pp->timer_lock);
	t->running = false;
	pthread_cond_broadcast(&pp->timer_done);
}

static struct smmukit_timer *first_due(struct posix_platform *pp, uint64_t now)
{
	for (struct smmukit_timer *t = pp->timers; t; t = t->next)
		if (!t->running && t->deadline_ns <= now)
			return t;
	return NULL;
}

static void run_due_timers(struct posix_platform *pp)
{
	struct smmukit_timer *t;

	pthread_mutex_lock(&pp->timer_lock);
	while ((t = first_due(pp, posix_clock_ns(&pp->pub))))
		fire_locked(pp, t);
	pthread_mutex_unlock(&pp->timer_lock);
}

static void *timer_thread_main(void *arg)
{
	struct posix_platform *pp = arg;

	pthread_mutex_lock(&pp->timer_lock);
	while (!pp->timer_stop) {
		uint64_t now = host_now_ns(), next = UINT64_MAX;
		struct smmukit_timer *t = first_due(pp, now);

		if (t) {
			fire_locked(pp, t);
			continue;
		}
		for (t = pp->timers; t; t = t->next)
			if (!t->running && t->deadline_ns < next)
				next = t->deadline_ns;
		if (next == UINT64_MAX) {
			pthread_cond_wait(&pp->timer_cond, &pp->timer_lock);
		} else {
			struct timespec ts = {
				.tv_sec = (time_t)(next / 1000000000u),
				.tv_nsec = (long)(next % 1000000000u),
			};
			pthread_cond_timedwait(&pp->timer_cond, &pp->timer_lock,
					       &ts);
		}
	}
	pthread_mutex_unlock(&pp->timer_lock);
	return NULL;
}

static void posix_timer_init(struct smmukit_platform *p, struct smmukit_timer *t,
			     smmukit_timer_fn fn)
{
	t->fn = fn;
	t->deadline_ns = 0;
	t->armed = false;
	t->running = false;
	t->next = NULL;
	t->backend = p;
}

static void posix_timer_arm(struct smmukit_platform *p, struct smmukit_timer *t,
			    uint64_t deadline_ns)
{
	struct posix_platform *pp = to_posix(p);

	pthread_mutex_lock(&pp->timer_lock);
	t->deadline_ns = deadline_ns;
	if (!t->armed) {
		t->next = pp->timers;
		pp->timers = t;
		t->armed = true;
	}
	pthread_cond_signal(&pp->timer_cond);
	pthread_mutex_unlock(&pp->timer_lock);
}

static void posix_timer_cancel_sync(struct smmukit_platform *p,
				    struct smmukit_timer *t)
{
	struct posix_platform *pp = to_posix(p);

	pthread_mutex_lock(&pp->timer_lock);
	if (t->armed) {
		timer_unlink(pp, t);
		t->armed = false;
	}
	while (t->running)
		pthread_cond_wait(&pp->timer_done, &pp->timer_lock);
	/* The callback may have re-armed itself before finishing. */
	if (t->armed) {
		timer_unlink(pp, t);
		t->armed = false;
	}
	pthread_mutex_unlock(&pp->timer_lock);
}

static void posix_timer_poll(struct smmukit_platform *p)
{
	struct posix_platform *pp = to_posix(p);

	if (pp->cfg.polled_timers)
		run_due_timers(pp);
}

/* ---- log ---- */

static void posix_log(struct smmukit_platform *p, enum smmukit_log_level level,
		      const char *fmt, va_list ap)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "smmukit: %s: %s\n",
		(unsigned)level < 4 ? names[level] : "?", line);
}

static const struct smmukit_platform_ops posix_ops = {
	.alloc_pages = posix_alloc_pages,
	.free_pages = posix_free_pages,
	.phys_to_virt = posix_phys_to_virt,
	.virt_to_phys = posix_virt_to_phys,
	.dma_sync_for_device = posix_dma_sync_for_device,
	.dma_sync_for_cpu = posix_dma_sync_for_cpu,
	.zalloc = posix_zalloc,
	.free = posix_free,
	.lock_init = posix_lock_init,
	.lock_destroy = posix_lock_destroy,
	.lock = posix_lock,
	.unlock = posix_unlock,
	.cpu_id = posix_cpu_id,
	.nr_cpus = posix_nr_cpus,
	.clock_ns = posix_clock_ns,
	.relax = posix_relax,
	.timer_init = posix_timer_init,
	.timer_arm = posix_timer_arm,
	.timer_cancel_sync = posix_timer_cancel_sync,
	.timer_destroy = posix_timer_cancel_sync,
	.timer_poll = posix_timer_poll,
	.log = posix_log,
	.fail_nth_alloc = smmukit_posix_fail_nth_alloc,
	.yield = posix_yield,
};

/* ---- lifecycle ---- */

static int init_timers(struct posix_platform *pp)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&pp->timer_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&pp->timer_cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&pp->timer_done, NULL);
	if (pp->cfg.polled_timers)
		return 0;
	if (pthread_create(&pp->timer_thread, NULL, timer_thread_main, pp))
		return -SMMUKIT_ENOMEM;
	pp->timer_thread_running = true;
	return 0;
}

int smmukit_posix_create(const struct smmukit_posix_config *cfg,
			 struct smmukit_platform **out)
{
	struct posix_platform *pp;
	const uint64_t max_block = SMMUKIT_PAGE_SIZE << SMMUKIT_MAX_PAGE_ORDER;
	long ncpu;
	int ret;

	if (!out)
		return -SMMUKIT_EINVAL;
	pp = calloc(1, sizeof(*pp));
	if (!pp)
		return -SMMUKIT_ENOMEM;
	if (cfg)
		pp->cfg = *cfg;
	else
		pp->cfg.log_level = SMMUKIT_LOG_WARN;
	if (!pp->cfg.mem_size)
		pp->cfg.mem_size = DEFAULT_MEM_SIZE;
	if (!pp->cfg.phys_base)
		pp->cfg.phys_base = DEFAULT_PHYS_BASE;
	if (pp->cfg.manual_clock)
		pp->cfg.polled_timers = true;
	if (!pp->cfg.nr_cpus) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		pp->cfg.nr_cpus = ncpu > 0 ? (unsigned)ncpu : 1;
	}
	ret = -SMMUKIT_EINVAL;
	/* Whole buddy blocks, naturally aligned physical addresses, 32-bit page indexes. */
	if (!smmukit_is_aligned(pp->cfg.mem_size, max_block) ||
	    !smmukit_is_aligned(pp->cfg.phys_base, max_block) ||
	    (pp->cfg.mem_size >> SMMUKIT_PAGE_SHIFT) >= NO_PAGE ||
	    pp->cfg.phys_base + pp->cfg.mem_size < pp->cfg.phys_base)
		goto err_free;

	pp->pub.ops = &posix_ops;
	pp->pub.log_level = pp->cfg.log_level;
	if (!pp->cfg.ops_only)
		pp->pub.fast_flags = SMMUKIT_PLAT_F_LINEAR_MAP |
				     SMMUKIT_PLAT_F_ATOMIC_LOCKS;
	pp->nr_pages = pp->cfg.mem_size >> SMMUKIT_PAGE_SHIFT;
	ret = -SMMUKIT_ENOMEM;
	pp->ram = mmap(NULL, pp->cfg.mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (pp->ram == MAP_FAILED)
		goto err_free;
	/* Simulated RAM is one mapping: physical to virtual is one offset. */
	pp->pub.phys_virt_offset = (uintptr_t)pp->ram - (uintptr_t)pp->cfg.phys_base;
	pp->meta = calloc(pp->nr_pages, sizeof(*pp->meta));
	if (!pp->meta)
		goto err_unmap;
	for (unsigned k = 0; k <= SMMUKIT_MAX_PAGE_ORDER; k++)
		pp->free_head[k] = NO_PAGE;
	for (uint64_t pg = 0; pg < pp->nr_pages; pg++) {
		pp->meta[pg].free_order = NOT_FREE_HEAD;
		pp->meta[pg].alloc_order = NOT_ALLOCATED;
	}
	/* Push high blocks first so allocations start at low addresses. */
	for (uint64_t pg = pp->nr_pages; pg > 0;) {
		pg -= UINT64_C(1) << SMMUKIT_MAX_PAGE_ORDER;
		list_push(pp, (uint32_t)pg, SMMUKIT_MAX_PAGE_ORDER);
	}
	pthread_mutex_init(&pp->buddy_lock, NULL);
	ret = init_timers(pp);
	if (ret)
		goto err_meta;
	*out = &pp->pub;
	return 0;

err_meta:
	free(pp->meta);
err_unmap:
	munmap(pp->ram, pp->cfg.mem_size);
err_free:
	free(pp);
	return ret;
}

void smmukit_posix_destroy(struct smmukit_platform *p)
{
	struct posix_platform *pp;

	if (!p)
		return;
	pp = to_posix(p);
	if (pp->timer_thread_running) {
		pthread_mutex_lock(&pp->timer_lock);
		pp->timer_stop = true;
		pthread_cond_signal(&pp->timer_cond);
		pthread_mutex_unlock(&pp->timer_lock);
		pthread_join(pp->timer_thread, NULL);
	}
	pthread_cond_destroy(&pp->timer_cond);
	pthread_cond_destroy(&pp->timer_done);
	pthread_mutex_destroy(&pp->timer_lock);
	pthread_mutex_destroy(&pp->buddy_lock);
	free(pp->meta);
	munmap(pp->ram, pp->cfg.mem_size);
	free(pp);
}

void smmukit_posix_set_hooks(struct smmukit_platform *p,
			     const struct smmukit_posix_hooks *hooks)
{
	struct posix_platform *pp;

	if (!p)
		return;
	if (!hooks) {
		smmukit_posix_clear_hooks(p);
		return;
	}
	pp = to_posix(p);
	atomic_store_explicit(&pp->hooks_set, false, memory_order_release);
	pp->hooks = *hooks;
	atomic_store_explicit(&pp->hooks_set, true, memory_order_release);
}

void smmukit_posix_clear_hooks(struct smmukit_platform *p)
{
	if (!p)
		return;
	atomic_store_explicit(&to_posix(p)->hooks_set, false,
			      memory_order_release);
}

smmukit_phys_t smmukit_posix_phys_base(struct smmukit_platform *p)
{
	return p ? to_posix(p)->cfg.phys_base : 0;
}

uint64_t smmukit_posix_mem_size(struct smmukit_platform *p)
{
	return p ? to_posix(p)->cfg.mem_size : 0;
}

uint64_t smmukit_posix_fail_nth_alloc(struct smmukit_platform *p, uint64_t nth)
{
	struct posix_platform *pp;
	uint64_t seq, since;

	if (!p)
		return 0;
	pp = to_posix(p);
	seq = atomic_load(&pp->alloc_seq);
	since = seq - pp->alloc_seq_reported;
	pp->alloc_seq_reported = seq;
	atomic_store(&pp->fail_countdown, nth);
	return since;
}

void smmukit_posix_get_stats(struct smmukit_platform *p,
			     struct smmukit_posix_stats *out)
{
	struct posix_platform *pp;

	if (!out)
		return;
	if (!p) {
		memset(out, 0, sizeof(*out));
		return;
	}
	pp = to_posix(p);
	out->pages_in_use = atomic_load(&pp->pages_in_use);
	out->allocs = atomic_load(&pp->allocs);
	out->zallocs_in_use = atomic_load(&pp->zalloc_bytes);
	out->syncs = atomic_load(&pp->syncs);
	out->cpu_syncs = atomic_load(&pp->cpu_syncs);
	out->last_sync_pa = atomic_load(&pp->last_sync_pa);
	out->last_sync_len = atomic_load(&pp->last_sync_len);
	out->relax_calls = atomic_load(&pp->relax_calls);
}

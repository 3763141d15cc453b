/* SPDX-License-Identifier: MIT */
/*
 * The platform layer: everything smmukit needs from the machine, as one ops
 * table. The core layers (pgtable, iova, smmu, and those above) reach memory,
 * time, CPUs, locks and logging only through it, so the same code runs hosted
 * (src/platform/posix, with simulated physical memory shared with the model)
 * and bare-metal.
 *
 * A backend embeds struct smmukit_platform in its private state and recovers
 * it with smmukit_container_of(). Callers use the smmukit_plat_*() wrappers
 * below, never the function pointers, so optional members are handled in one
 * place.
 *
 * Calling contexts. "Any context" means: from any thread, with or without
 * smmukit locks held, including from a timer callback. No op may call back
 * into the library except relax() (which may run the hardware model) and the
 * timer callbacks themselves.
 *
 * Error codes: the ops return -ENOMEM (no memory), -EINVAL (bad order or
 * argument) or 0; the inline wrappers pass them through. smmukit_errname()
 * names every SMMUKIT_E* code (defined in base.h).
 */
#ifndef SMMUKIT_PLATFORM_H
#define SMMUKIT_PLATFORM_H

#include "smmukit/base.h"

#ifdef __cplusplus
extern "C" {
#endif

struct smmukit_platform;

/* Physical addresses, as a device sees them. */
typedef uint64_t smmukit_phys_t;

#define SMMUKIT_PAGE_SHIFT 12
#define SMMUKIT_PAGE_SIZE (UINT64_C(1) << SMMUKIT_PAGE_SHIFT)
/* Largest order alloc_pages() must support: 2^10 pages = 4 MiB. */
#define SMMUKIT_MAX_PAGE_ORDER 10

/* A run of DMA-able pages: where the CPU sees it, and where a device does. */
struct smmukit_dma_pages {
	void *cpu;
	smmukit_phys_t pa;
	unsigned order;
};

/*
 * An opaque lock. Storage is embedded so creating one cannot fail and needs no
 * allocation. A backend that needs more than this must allocate behind it.
 * The lock may sleep: never take one from a context that must not.
 */
struct smmukit_lock {
	union {
		SMMUKIT_ALIGNAS(16) unsigned char opaque[64];
		/*
		 * The library's own lock word, used instead of the backend's
		 * lock ops (which then never see this lock) by the hot-path
		 * lock calls smmukit_plat_hot_*() when the platform sets
		 * SMMUKIT_PLAT_F_ATOMIC_LOCKS.
		 */
		SMMUKIT_ATOMIC(uint32_t) word;
	};
};

/* Log levels, in the kernel's spirit. */
enum smmukit_log_level {
	SMMUKIT_LOG_ERR = 0,
	SMMUKIT_LOG_WARN = 1,
	SMMUKIT_LOG_INFO = 2,
	SMMUKIT_LOG_DEBUG = 3,
};

struct smmukit_timer;
typedef void (*smmukit_timer_fn)(struct smmukit_timer *timer);

/*
 * A one-shot timer. The backend owns the fields after timer_init(); users only
 * keep the struct alive until timer_destroy(). Embed it and recover the owner
 * with smmukit_container_of() in the callback.
 */
struct smmukit_timer {
	smmukit_timer_fn fn;
	/* Backend state, protected by the backend's timer lock. */
	uint64_t deadline_ns;
	bool armed;
	bool running;
	struct smmukit_timer *next;
	void *backend;
};

struct smmukit_platform_ops {
	/*
	 * Zeroed, naturally aligned run of 2^order pages of DMA-able memory.
	 * Returns 0 or -ENOMEM (also when failure injection says so). Any context.
	 */
	int (*alloc_pages)(struct smmukit_platform *p, unsigned order,
			   struct smmukit_dma_pages *out);
	/* Give back what alloc_pages returned, with the same order. */
	void (*free_pages)(struct smmukit_platform *p,
			   const struct smmukit_dma_pages *pages);
	/* CPU pointer for a physical address inside DMA-able memory, or NULL. */
	void *(*phys_to_virt)(struct smmukit_platform *p, smmukit_phys_t pa);
	/* Physical address of a CPU pointer into DMA-able memory; ~0 if none. */
	smmukit_phys_t (*virt_to_phys)(struct smmukit_platform *p,
				       const void *cpu);
	/*
	 * Make CPU writes to [pa, pa+len) visible to a device that does not
	 * snoop CPU caches. Callers issue it after writing and before the
	 * device may read. NULL means every device is coherent.
	 */
	void (*dma_sync_for_device)(struct smmukit_platform *p,
				    smmukit_phys_t pa, size_t len);
	/*
	 * Make a non-coherent device's writes to [pa, pa+len) visible to the
	 * CPU (invalidate stale cache lines) before the CPU reads them, e.g.
	 * event records. NULL means every device is coherent.
	 */
	void (*dma_sync_for_cpu)(struct smmukit_platform *p, smmukit_phys_t pa,
				 size_t len);

	/* Small zeroed allocations for the library's own bookkeeping. */
	void *(*zalloc)(struct smmukit_platform *p, size_t size);
	void (*free)(struct smmukit_platform *p, void *ptr, size_t size);

	/* Locks: see struct smmukit_lock. */
	void (*lock_init)(struct smmukit_platform *p, struct smmukit_lock *l);
	void (*lock_destroy)(struct smmukit_platform *p, struct smmukit_lock *l);
	void (*lock)(struct smmukit_platform *p, struct smmukit_lock *l);
	void (*unlock)(struct smmukit_platform *p, struct smmukit_lock *l);

	/*
	 * The CPU the caller runs on, in [0, nr_cpus). A hint only: the caller
	 * may migrate right after, so per-CPU data still needs its own lock.
	 */
	unsigned (*cpu_id)(struct smmukit_platform *p);
	unsigned (*nr_cpus)(struct smmukit_platform *p);

	/* Monotonic time in ns (real, or a manual clock under test). */
	uint64_t (*clock_ns)(struct smmukit_platform *p);
	/*
	 * Called by every spin-wait of the library, once per iteration. A
	 * hardware model hooks in here to make progress; under a manual clock
	 * it advances time to the next due event.
	 */
	void (*relax)(struct smmukit_platform *p);

	/*
	 * Timers. Callbacks run in a backend thread (threaded mode) or inside
	 * timer_poll() / relax() (polled mode); never concurrently with
	 * themselves. arm() replaces an earlier deadline. cancel_sync() returns
	 * once the callback is neither pending nor running; it must not be
	 * called from the timer's own callback.
	 */
	void (*timer_init)(struct smmukit_platform *p, struct smmukit_timer *t,
			   smmukit_timer_fn fn);
	void (*timer_arm)(struct smmukit_platform *p, struct smmukit_timer *t,
			  uint64_t deadline_ns);
	void (*timer_cancel_sync)(struct smmukit_platform *p,
				  struct smmukit_timer *t);
	void (*timer_destroy)(struct smmukit_platform *p,
			      struct smmukit_timer *t);
	/* Run due timers now (polled mode). NULL or no-op in threaded mode. */
	void (*timer_poll)(struct smmukit_platform *p);

	void (*log)(struct smmukit_platform *p, enum smmukit_log_level level,
		    const char *fmt, va_list ap);

	/*
	 * Failure injection for allocation-failure sweeps (optional): counting
	 * from now, the nth allocation (alloc_pages or zalloc) fails with
	 * -ENOMEM; 0 disables. Returns how many allocations happened since the
	 * previous call, so a sweep knows when it has passed the last one.
	 */
	uint64_t (*fail_nth_alloc)(struct smmukit_platform *p, uint64_t nth);

	/*
	 * Let another thread run (optional): called by a contended hot-path
	 * lock (SMMUKIT_PLAT_F_ATOMIC_LOCKS) after a short busy spin, so a
	 * waiter does not burn the time slice of a preempted holder. NULL
	 * means busy-wait only (no preemption, as on bare metal).
	 */
	void (*yield)(struct smmukit_platform *p);
};

/*
 * Fast data (optional). What is fixed for the life of a platform may be
 * published here as data, so hot paths (IOVA magazines, page-table walks,
 * flush-queue rings) need no indirect call for it, as mimalloc's prim layer
 * does with compile-time choices. Every field is set by the backend before
 * the platform is handed to the library and never changes afterwards; all
 * zero (what a designated initializer leaves) means "use the ops".
 */
/*
 * phys_to_virt of any address inside a run alloc_pages returned is
 * (void *)((uintptr_t)pa + phys_virt_offset): a linear map. The op stays
 * the bounds-checked way for any other address.
 */
#define SMMUKIT_PLAT_F_LINEAR_MAP (1u << 0)
/*
 * The library may take its hot-path locks (smmukit_plat_hot_*: per-CPU
 * IOVA caches and depots, the IOVA tree, flush-queue rings) itself, as
 * C11-atomic spinlocks in struct smmukit_lock's word: an uncontended
 * acquisition is one compare-and-swap, a release one store. Contended
 * waiters spin, then call yield(). The backend's lock ops are not used for
 * those locks (every other lock still goes through them). Set it only if
 * spinning is acceptable wherever the library runs: such a lock is held for
 * a few hundred instructions, but its holder may be preempted.
 */
#define SMMUKIT_PLAT_F_ATOMIC_LOCKS (1u << 1)

struct smmukit_platform {
	const struct smmukit_platform_ops *ops;
	/* Messages above this level are dropped before formatting. */
	enum smmukit_log_level log_level;
	/* SMMUKIT_PLAT_F_*: see above. */
	uint32_t fast_flags;
	/* With SMMUKIT_PLAT_F_LINEAR_MAP: CPU address minus physical address. */
	uintptr_t phys_virt_offset;
};

/*
 * MMIO: the seam through which a driver reaches an SMMU's registers. Real
 * hardware, QEMU's SMMUv3 and the hardware model all sit behind it. Offsets
 * are from the SMMU's base; 32-bit registers take 32-bit accesses and 64-bit
 * registers 64-bit ones.
 *
 * Ordering: the accessors are relaxed, like Linux's *_relaxed: accesses to
 * one device stay in program order, but nothing orders them against normal
 * memory. A caller that publishes memory with a register write (CMDQ_PROD)
 * issues smmukit_wmb() first; one that learns from a register read that
 * memory is ready (EVENTQ_PROD) issues smmukit_rmb() before reading it.
 */
struct smmukit_mmio_ops {
	uint32_t (*read32)(void *ctx, uint64_t off);
	uint64_t (*read64)(void *ctx, uint64_t off);
	void (*write32)(void *ctx, uint64_t off, uint32_t val);
	void (*write64)(void *ctx, uint64_t off, uint64_t val);
};

struct smmukit_mmio {
	const struct smmukit_mmio_ops *ops;
	void *ctx;
};

/* ---- wrappers: the only way the library calls the table ---- */

static inline int smmukit_plat_alloc_pages(struct smmukit_platform *p,
					   unsigned order,
					   struct smmukit_dma_pages *out)
{
	return p->ops->alloc_pages(p, order, out);
}

static inline void smmukit_plat_free_pages(struct smmukit_platform *p,
					   const struct smmukit_dma_pages *pg)
{
	p->ops->free_pages(p, pg);
}

static inline void *smmukit_plat_phys_to_virt(struct smmukit_platform *p,
					      smmukit_phys_t pa)
{
	return p->ops->phys_to_virt(p, pa);
}

/*
 * CPU pointer for pa, which must lie inside a run alloc_pages returned (a
 * page-table page): inline with a linear map, else the op.
 */
static SMMUKIT_ALWAYS_INLINE void *smmukit_plat_page_virt(struct smmukit_platform *p,
					   smmukit_phys_t pa)
{
	if (smmukit_likely(p->fast_flags & SMMUKIT_PLAT_F_LINEAR_MAP))
		return (void *)((uintptr_t)pa + p->phys_virt_offset);
	return p->ops->phys_to_virt(p, pa);
}

static inline smmukit_phys_t smmukit_plat_virt_to_phys(struct smmukit_platform *p,
							const void *cpu)
{
	return p->ops->virt_to_phys(p, cpu);
}

static inline void smmukit_plat_dma_sync_for_device(struct smmukit_platform *p,
						    smmukit_phys_t pa,
						    size_t len)
{
	if (p->ops->dma_sync_for_device)
		p->ops->dma_sync_for_device(p, pa, len);
}

static inline void smmukit_plat_dma_sync_for_cpu(struct smmukit_platform *p,
						 smmukit_phys_t pa, size_t len)
{
	if (p->ops->dma_sync_for_cpu)
		p->ops->dma_sync_for_cpu(p, pa, len);
}

static inline void *smmukit_plat_zalloc(struct smmukit_platform *p, size_t size)
{
	return p->ops->zalloc(p, size);
}

static inline void smmukit_plat_free(struct smmukit_platform *p, void *ptr,
				     size_t size)
{
	if (ptr)
		p->ops->free(p, ptr, size);
}

static inline void smmukit_plat_lock_init(struct smmukit_platform *p,
					  struct smmukit_lock *l)
{
	p->ops->lock_init(p, l);
}

static inline void smmukit_plat_lock_destroy(struct smmukit_platform *p,
					     struct smmukit_lock *l)
{
	p->ops->lock_destroy(p, l);
}

static inline void smmukit_plat_lock(struct smmukit_platform *p,
				     struct smmukit_lock *l)
{
	p->ops->lock(p, l);
}

static inline void smmukit_plat_unlock(struct smmukit_platform *p,
				       struct smmukit_lock *l)
{
	p->ops->unlock(p, l);
}

/*
 * Hot-path locks: the same contract as smmukit_plat_lock*, for the short
 * critical sections of map/unmap fast paths. With SMMUKIT_PLAT_F_ATOMIC_LOCKS
 * the library's own atomic word, else exactly the backend's lock ops. A lock
 * is initialised, taken and destroyed through one family only.
 */
void smmukit_plat_hot_lock_slow(struct smmukit_platform *p,
				struct smmukit_lock *l);

static inline void smmukit_plat_hot_lock_init(struct smmukit_platform *p,
					      struct smmukit_lock *l)
{
	if (p->fast_flags & SMMUKIT_PLAT_F_ATOMIC_LOCKS)
#ifdef __cplusplus
		__atomic_store_n(&l->word, 0, __ATOMIC_RELAXED);
#else
		atomic_init(&l->word, 0);
#endif
	else
		p->ops->lock_init(p, l);
}

static inline void smmukit_plat_hot_lock_destroy(struct smmukit_platform *p,
						 struct smmukit_lock *l)
{
	if (!(p->fast_flags & SMMUKIT_PLAT_F_ATOMIC_LOCKS))
		p->ops->lock_destroy(p, l);
}

static SMMUKIT_ALWAYS_INLINE void smmukit_plat_hot_lock(struct smmukit_platform *p,
					 struct smmukit_lock *l)
{
	if (smmukit_likely(p->fast_flags & SMMUKIT_PLAT_F_ATOMIC_LOCKS)) {
		uint32_t free_word = 0;

#ifdef __cplusplus
		if (smmukit_likely(__atomic_compare_exchange_n(
			    &l->word, &free_word, 1, true, __ATOMIC_ACQUIRE,
			    __ATOMIC_RELAXED)))
			return;
#else
		if (smmukit_likely(atomic_compare_exchange_weak_explicit(
			    &l->word, &free_word, 1, memory_order_acquire,
			    memory_order_relaxed)))
			return;
#endif
		smmukit_plat_hot_lock_slow(p, l);
		return;
	}
	p->ops->lock(p, l);
}

static SMMUKIT_ALWAYS_INLINE void smmukit_plat_hot_unlock(struct smmukit_platform *p,
					   struct smmukit_lock *l)
{
	if (smmukit_likely(p->fast_flags & SMMUKIT_PLAT_F_ATOMIC_LOCKS))
#ifdef __cplusplus
		__atomic_store_n(&l->word, 0, __ATOMIC_RELEASE);
#else
		atomic_store_explicit(&l->word, 0, memory_order_release);
#endif
	else
		p->ops->unlock(p, l);
}

static inline unsigned smmukit_plat_cpu_id(struct smmukit_platform *p)
{
	return p->ops->cpu_id(p);
}

static inline unsigned smmukit_plat_nr_cpus(struct smmukit_platform *p)
{
	return p->ops->nr_cpus(p);
}

static inline uint64_t smmukit_plat_clock_ns(struct smmukit_platform *p)
{
	return p->ops->clock_ns(p);
}

static inline void smmukit_plat_relax(struct smmukit_platform *p)
{
	p->ops->relax(p);
}

static inline void smmukit_plat_timer_init(struct smmukit_platform *p,
					   struct smmukit_timer *t,
					   smmukit_timer_fn fn)
{
	p->ops->timer_init(p, t, fn);
}

static inline void smmukit_plat_timer_arm(struct smmukit_platform *p,
					  struct smmukit_timer *t,
					  uint64_t deadline_ns)
{
	p->ops->timer_arm(p, t, deadline_ns);
}

static inline void smmukit_plat_timer_cancel_sync(struct smmukit_platform *p,
						  struct smmukit_timer *t)
{
	p->ops->timer_cancel_sync(p, t);
}

static inline void smmukit_plat_timer_destroy(struct smmukit_platform *p,
					      struct smmukit_timer *t)
{
	p->ops->timer_destroy(p, t);
}

static inline void smmukit_plat_timer_poll(struct smmukit_platform *p)
{
	if (p->ops->timer_poll)
		p->ops->timer_poll(p);
}

/* Can this backend make allocations fail on demand? */
static inline bool smmukit_plat_can_inject_failures(struct smmukit_platform *p)
{
	return p->ops->fail_nth_alloc != NULL;
}

/* See fail_nth_alloc above; 0 when the backend cannot inject failures. */
static inline uint64_t smmukit_plat_fail_nth_alloc(struct smmukit_platform *p,
						   uint64_t nth)
{
	return p->ops->fail_nth_alloc ? p->ops->fail_nth_alloc(p, nth) : 0;
}

void smmukit_plat_log(struct smmukit_platform *p, enum smmukit_log_level level,
		      const char *fmt, ...) SMMUKIT_PRINTF(3, 4);

#define smmukit_err(p, ...) smmukit_plat_log((p), SMMUKIT_LOG_ERR, __VA_ARGS__)
#define smmukit_warn(p, ...) smmukit_plat_log((p), SMMUKIT_LOG_WARN, __VA_ARGS__)
#define smmukit_info(p, ...) smmukit_plat_log((p), SMMUKIT_LOG_INFO, __VA_ARGS__)
#define smmukit_dbg(p, ...) smmukit_plat_log((p), SMMUKIT_LOG_DEBUG, __VA_ARGS__)

/*
 * Bounded spin-wait: returns true once cond() holds, false if timeout_ns of
 * platform time passed first. Every iteration calls relax(), so a model makes
 * progress and a manual clock advances.
 */
typedef bool (*smmukit_poll_cond_fn)(void *arg);
bool smmukit_plat_poll_until(struct smmukit_platform *p,
			     smmukit_poll_cond_fn cond, void *arg,
			     uint64_t timeout_ns);

#ifdef __cplusplus
}
#endif

#endif /* SMMUKIT_PLATFORM_H */

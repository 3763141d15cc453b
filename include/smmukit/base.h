/* SPDX-License-Identifier: MIT */
/*
 * smmukit portability contract.
 *
 * Everything the core layers may assume about the compiler and target lives
 * here, so that a bare-metal port only has to read one header. The core uses
 * freestanding C11 headers only (stdint, stddef, stdbool, stdarg, stdatomic),
 * plus memcpy/memset/memcmp. No floating point, no 128-bit arithmetic, no
 * thread-local storage: an aarch64 firmware target has no runtime for them.
 *
 * Error codes: the SMMUKIT_E* values below, returned negated by every
 * layer (0 is success); each public header lists which of them its
 * functions return and when.
 */
#ifndef SMMUKIT_BASE_H
#define SMMUKIT_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * C++ (before C++23) has neither <stdatomic.h> nor the _Atomic and _Alignas
 * keywords. Public structs spell them through these macros, which give C++
 * the same layout (an atomic uint32_t or uint64_t is the plain type on every
 * ABI we target), and the inline helpers below use the GCC/Clang __atomic
 * builtins there instead of <stdatomic.h>.
 */
#ifdef __cplusplus
#define SMMUKIT_ATOMIC(type) type
#define SMMUKIT_ALIGNAS(n) alignas(n)
extern "C" {
#else
#include <stdatomic.h>
#define SMMUKIT_ATOMIC(type) _Atomic type
#define SMMUKIT_ALIGNAS(n) _Alignas(n)
#endif

/*
 * Error codes: negative errno values, Linux numbering. Freestanding targets
 * have no <errno.h>, so the values are spelled out; on a hosted Linux build they
 * are identical to the C library's, which lets tools print strerror() text.
 */
#define SMMUKIT_EPERM 1
#define SMMUKIT_ENOENT 2
#define SMMUKIT_EIO 5
#define SMMUKIT_ENXIO 6
#define SMMUKIT_E2BIG 7
#define SMMUKIT_EAGAIN 11
#define SMMUKIT_ENOMEM 12
#define SMMUKIT_EFAULT 14
#define SMMUKIT_EBUSY 16
#define SMMUKIT_EEXIST 17
#define SMMUKIT_ENODEV 19
#define SMMUKIT_EINVAL 22
#define SMMUKIT_ENOSPC 28
#define SMMUKIT_ERANGE 34
#define SMMUKIT_ENOSYS 38
#define SMMUKIT_EOVERFLOW 75
#define SMMUKIT_EOPNOTSUPP 95
#define SMMUKIT_ETIMEDOUT 110
#define SMMUKIT_EALREADY 114

/*
 * Name of a return code: "OK" for 0, "EINVAL" for -SMMUKIT_EINVAL (or
 * SMMUKIT_EINVAL), "E?" for an unknown code. Never NULL.
 */
const char *smmukit_errname(int err);

#define SMMUKIT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define smmukit_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#if defined(__GNUC__) || defined(__clang__)
#define smmukit_likely(x) __builtin_expect(!!(x), 1)
#define smmukit_unlikely(x) __builtin_expect(!!(x), 0)
#define SMMUKIT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define SMMUKIT_UNUSED __attribute__((unused))
/* Out of line, so the fast path calling it saves no extra registers. */
#define SMMUKIT_NOINLINE __attribute__((noinline))
/* Slow paths: out of line and optimised for size. */
#define SMMUKIT_COLD __attribute__((noinline, cold))
/* Fast-path helpers: inlined whatever the optimiser's size heuristics say. */
#define SMMUKIT_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define SMMUKIT_NOINLINE
#define SMMUKIT_COLD
#define SMMUKIT_ALWAYS_INLINE inline
#define smmukit_likely(x) (x)
#define smmukit_unlikely(x) (x)
#define SMMUKIT_PRINTF(f, a)
#define SMMUKIT_UNUSED
#endif

/* Hardware fields: masks with their shift implied, as in Linux's FIELD_PREP. */
#define SMMUKIT_BIT(n) (UINT64_C(1) << (n))
#define SMMUKIT_GENMASK(hi, lo) \
	((~UINT64_C(0) >> (63 - (hi))) & (~UINT64_C(0) << (lo)))

static inline unsigned smmukit_ctz64(uint64_t v)
{
	return (unsigned)__builtin_ctzll(v);
}

static inline unsigned smmukit_clz64(uint64_t v)
{
	return (unsigned)__builtin_clzll(v);
}

/* Insert v into the field described by mask (v is not pre-shifted). */
static inline uint64_t smmukit_field_prep(uint64_t mask, uint64_t v)
{
	return (v << smmukit_ctz64(mask)) & mask;
}

/* Extract the field described by mask from reg. */
static inline uint64_t smmukit_field_get(uint64_t mask, uint64_t reg)
{
	return (reg & mask) >> smmukit_ctz64(mask);
}

/* Does v fit in the field described by mask? */
static inline bool smmukit_field_fits(uint64_t mask, uint64_t v)
{
	return (v & ~(mask >> smmukit_ctz64(mask))) == 0;
}

static inline bool smmukit_is_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/* floor(log2(v)); v must be non-zero. */
static inline unsigned smmukit_ilog2(uint64_t v)
{
	return 63u - smmukit_clz64(v);
}

static inline bool smmukit_is_aligned(uint64_t v, uint64_t align)
{
	return (v & (align - 1)) == 0;
}

static inline uint64_t smmukit_align_up(uint64_t v, uint64_t align)
{
	return (v + align - 1) & ~(align - 1);
}

static inline uint64_t smmukit_min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static inline uint64_t smmukit_max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/*
 * Memory shared with a device (descriptors, PTEs, queue entries) is written
 * with single-copy-atomic 64-bit stores and read with single-copy-atomic
 * loads. Relaxed atomics give exactly that on every target we care about and
 * make the accesses visible to ThreadSanitizer as intended races-with-hardware.
 * Ordering is then explicit, with the fences below.
 */
#ifdef __cplusplus
static inline uint64_t smmukit_read_once64(const volatile uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void smmukit_write_once64(volatile uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static inline uint64_t smmukit_cmpxchg64(volatile uint64_t *p, uint64_t old,
					 uint64_t new_val)
{
	__atomic_compare_exchange_n(p, &old, new_val, false, __ATOMIC_ACQ_REL,
				    __ATOMIC_RELAXED);
	return old;
}
#else
static inline uint64_t smmukit_read_once64(const volatile uint64_t *p)
{
	return atomic_load_explicit((const volatile _Atomic uint64_t *)p,
				    memory_order_relaxed);
}

static inline void smmukit_write_once64(volatile uint64_t *p, uint64_t v)
{
	atomic_store_explicit((volatile _Atomic uint64_t *)p, v,
			      memory_order_relaxed);
}

static inline uint64_t smmukit_cmpxchg64(volatile uint64_t *p, uint64_t old,
					 uint64_t new_val)
{
	atomic_compare_exchange_strong_explicit(
		(volatile _Atomic uint64_t *)p, &old, new_val,
		memory_order_acq_rel, memory_order_relaxed);
	return old;
}
#endif

/*
 * Barriers against a device (Linux's dma_wmb/dma_rmb/mb). MMIO accessors are
 * relaxed (see platform.h), so these are what order descriptor and queue
 * memory against doorbells. On aarch64 the device may sit outside the inner
 * shareable domain (an SMMU walking with SH=outer), so the barriers are
 * outer-shareable DMBs; a C11 fence would only give "dmb ish". Elsewhere
 * (hosted builds on other CPUs, where the device is the model) C11 fences.
 */
#if defined(__aarch64__)
/* Earlier CPU stores before later stores a device may observe. */
static inline void smmukit_wmb(void)
{
	__asm__ volatile("dmb oshst" ::: "memory");
}

/* A device-written value before later reads of the data it guards. */
static inline void smmukit_rmb(void)
{
	__asm__ volatile("dmb oshld" ::: "memory");
}

static inline void smmukit_mb(void)
{
	__asm__ volatile("dmb osh" ::: "memory");
}
#elif defined(__cplusplus)
static inline void smmukit_wmb(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void smmukit_rmb(void)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
}

static inline void smmukit_mb(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
#else
/* Earlier CPU stores before later stores a device may observe. */
static inline void smmukit_wmb(void)
{
	atomic_thread_fence(memory_order_release);
}

/* A device-written value before later reads of the data it guards. */
static inline void smmukit_rmb(void)
{
	atomic_thread_fence(memory_order_acquire);
}

static inline void smmukit_mb(void)
{
	atomic_thread_fence(memory_order_seq_cst);
}
#endif

#ifdef __cplusplus
}
#endif

#endif /* SMMUKIT_BASE_H */

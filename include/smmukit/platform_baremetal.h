/* SPDX-License-Identifier: MIT */
/*
 * The bare-metal platform backend (aarch64, one CPU, EL1, identity mapped).
 *
 * What it provides, and why:
 *  - Memory: a bitmap page allocator over one static region of RAM (runs of
 *    2^order pages, naturally aligned, zeroed, orders up to
 *    SMMUKIT_MAX_PAGE_ORDER) and size-class small allocations carved from
 *    its pages. Its own state lives at the start of that region, so creating
 *    it allocates nothing, and several platforms may coexist.
 *  - The MMU (smmukit_baremetal_mmu_enable): an identity map, RAM as Normal
 *    write-back memory, device regions as Device-nGnRE. With the MMU off
 *    every access is Device memory, where exclusives (the library's atomics)
 *    and unaligned accesses are not architecturally reliable.
 *  - MMIO: relaxed single-copy-atomic accesses (one ldr/str each), in
 *    program order per device; the library's smmukit_wmb()/smmukit_rmb()
 *    (outer-shareable DMBs) order them against normal memory.
 *  - One CPU (cpu_id 0), a clock from the generic timer (CNTVCT_EL0 scaled
 *    by CNTFRQ_EL0), no threads: a lock is a flag, and taking a held lock is
 *    a fatal error (on one CPU it can only mean a polled timer callback
 *    re-entered a section its interrupted caller holds).
 *  - Polled timers: callbacks run from timer_poll() and from relax(), which
 *    every spin-wait of the library calls, never nested in another callback.
 *    An embedder with nothing to do calls smmukit_plat_timer_poll() in its
 *    idle loop so that, e.g., the DMA layer's flush-queue timer still fires.
 *  - Log output on a PL011 UART (polled, no interrupts).
 *
 * Error codes: -EINVAL (NULL or a bad memory region or size), -ENOMEM.
 */
#ifndef SMMUKIT_PLATFORM_BAREMETAL_H
#define SMMUKIT_PLATFORM_BAREMETAL_H

#include "smmukit/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

#if !defined(__aarch64__)
#error "smmukit/platform_baremetal.h is for aarch64 bare-metal builds"
#endif

struct smmukit_baremetal_config {
	/*
	 * The allocator's region: page aligned, identity mapped as Normal
	 * memory, at least 1 MiB. Its first pages hold the backend's state
	 * and bitmap.
	 */
	uint64_t heap_base;
	uint64_t heap_size;
	/*
	 * RAM devices may reach (identity mapped, includes the heap):
	 * virt_to_phys accepts any address in it, e.g. a static buffer. 0:
	 * the heap only.
	 */
	uint64_t ram_base;
	uint64_t ram_size;
	/* PL011 data register base; 0: log output is discarded. */
	uint64_t uart_base;
	enum smmukit_log_level log_level;
	/*
	 * Called on a fatal backend error (a double free, a lock taken
	 * twice) after the message; NULL: stop the CPU (wfe loop).
	 */
	void (*halt)(int status);
};

/* 0, or -EINVAL (bad or too small region). The state lives in the heap. */
int smmukit_baremetal_create(const struct smmukit_baremetal_config *cfg,
			     struct smmukit_platform **out);

/* Pages of the heap allocated now (leak checks). */
uint64_t smmukit_baremetal_pages_in_use(struct smmukit_platform *p);

/* printf-style output straight to the UART (no level, no newline added). */
void smmukit_baremetal_printf(struct smmukit_platform *p, const char *fmt, ...)
	SMMUKIT_PRINTF(2, 3);

/*
 * Formatting used by the log and printf: %d %i %u %x %X %p %s %c %%, the
 * flags '-' and '0', a width, and the l, ll, z length modifiers. Returns
 * the length the output would have; buf is always NUL-terminated (len > 0).
 */
int smmukit_baremetal_vsnprintf(char *buf, size_t len, const char *fmt,
				va_list ap);

/* ---- MMU ---- */

/* A range of the identity map: base and size 2 MiB aligned. */
struct smmukit_baremetal_region {
	uint64_t base;
	uint64_t size;
	bool device;	/* Device-nGnRE, never executable; else Normal WB */
};

/*
 * Build an identity map (4K granule, 48-bit VA, 2 MiB and 1 GiB blocks) of
 * the regions and turn on the MMU and caches at EL1. Call once, from the
 * boot CPU, before anything uses atomics; addresses outside the regions
 * fault afterwards. 0, or -EINVAL (misaligned region, or more tables than
 * the static pool holds: 4 level-1 and 16 level-2 tables).
 */
int smmukit_baremetal_mmu_enable(const struct smmukit_baremetal_region *r,
				 unsigned n);

/* ---- MMIO ---- */

/* An SMMU's (or any 32/64-bit device's) registers at base, for the driver. */
struct smmukit_mmio smmukit_baremetal_mmio(uint64_t base);

/* Relaxed accessors, as the mmio ops use them (one access each). */
static inline uint32_t smmukit_bm_read32(uint64_t addr)
{
	uint32_t v;

	__asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline uint64_t smmukit_bm_read64(uint64_t addr)
{
	uint64_t v;

	__asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline uint16_t smmukit_bm_read16(uint64_t addr)
{
	uint16_t v;

	__asm__ volatile("ldrh %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline void smmukit_bm_write32(uint64_t addr, uint32_t v)
{
	__asm__ volatile("str %w0, [%1]" : : "rZ"(v), "r"(addr) : "memory");
}

static inline void smmukit_bm_write64(uint64_t addr, uint64_t v)
{
	__asm__ volatile("str %x0, [%1]" : : "rZ"(v), "r"(addr) : "memory");
}

static inline void smmukit_bm_write16(uint64_t addr, uint16_t v)
{
	__asm__ volatile("strh %w0, [%1]" : : "rZ"(v), "r"(addr) : "memory");
}

#ifdef __cplusplus
}
#endif

#endif /* SMMUKIT_PLATFORM_BAREMETAL_H */

/* SPDX-License-Identifier: MIT */
/*
 * The bare-metal backend's ops table: memory, locks, clock, polled timers
 * and the log (smmukit/platform_baremetal.h says what and why).
 *
 * Concurrency: one CPU and no interrupt handler calls into smmukit, so
 * nothing here is shared between contexts except through the polled timer
 * callbacks, which run inside relax()/timer_poll() on the same stack. The
 * allocator, the timer list and the lock flags are therefore plain data.
 */
#include "smmukit/platform_baremetal.h"

#define BM_MAGIC 0x626d706cu	/* "bmpl" */
#define SMALL_MIN_SHIFT 4u	/* 16 B */
#define SMALL_MAX_SHIFT 11u	/* 2 KiB; larger requests take pages */
#define NR_CLASSES (SMALL_MAX_SHIFT - SMALL_MIN_SHIFT + 1)
#define LOCK_HELD 0x5au

struct small_free {
	struct small_free *next;
};

struct bm_platform {
	struct smmukit_platform pub;
	struct smmukit_baremetal_config cfg;
	uint32_t magic;
	/* Pages the bitmap manages: [pages_base, pages_base + npages * 4K). */
	uint64_t pages_base;
	uint64_t npages;
	uint64_t *bitmap;	/* 1 = allocated */
	uint64_t nwords;
	uint64_t in_use;
	/* Small allocations: one free list per power-of-two class. */
	struct small_free *free_list[NR_CLASSES];
	/* Armed timers (singly linked), and whether a callback is running. */
	struct smmukit_timer *timers;
	bool in_timer;
	uint64_t cntfrq;
	/* Cache line size for maintenance, from CTR_EL0.DminLine. */
	uint64_t dline;
};

static struct bm_platform *to_bm(struct smmukit_platform *p)
{
	return smmukit_container_of(p, struct bm_platform, pub);
}

static void bm_puts(struct bm_platform *bp, const char *s);

static void fatal(struct bm_platform *bp, const char *msg)
{
	bm_puts(bp, "smmukit-baremetal: fatal: ");
	bm_puts(bp, msg);
	bm_puts(bp, "\n");
	if (bp->cfg.halt)
		bp->cfg.halt(2);
	for (;;)
		__asm__ volatile("wfe");
}

/* ---- pages: a bitmap of naturally aligned runs ---- */

static bool run_free(const struct bm_platform *bp, uint64_t first,
		     unsigned order)
{
	uint64_t n = UINT64_C(1) << order;

	if (n < 64) {
		uint64_t mask = ((UINT64_C(1) << n) - 1) << (first % 64);

		return (bp->bitmap[first / 64] & mask) == 0;
	}
	for (uint64_t w = first / 64; w < (first + n) / 64; w++)
		if (bp->bitmap[w])
			return false;
	return true;
}

static void run_mark(struct bm_platform *bp, uint64_t first, unsigned order,
		     bool used)
{
	uint64_t n = UINT64_C(1) << order;

	if (n < 64) {
		uint64_t mask = ((UINT64_C(1) << n) - 1) << (first % 64);

		if (used)
			bp->bitmap[first / 64] |= mask;
		else
			bp->bitmap[first / 64] &= ~mask;
		return;
	}
	for (uint64_t w = first / 64; w < (first + n) / 64; w++)
		bp->bitmap[w] = used ? ~UINT64_C(0) : 0;
}

/* Is the run entirely allocated (what a correct free must find)? */
static bool run_used(const struct bm_platform *bp, uint64_t first,
		     unsigned order)
{
	uint64_t n = UINT64_C(1) << order;

	if (n < 64) {
		uint64_t mask = ((UINT64_C(1) << n) - 1) << (first % 64);

		return (bp->bitmap[first / 64] & mask) == mask;
	}
	for (uint64_t w = first / 64; w < (first + n) / 64; w++)
		if (bp->bitmap[w] != ~UINT64_C(0))
			return false;
	return true;
}

static int page_run_alloc(struct bm_platform *bp, unsigned order,
			  uint64_t *pa)
{
	uint64_t n = UINT64_C(1) << order;
	/* pages_base is aligned to the largest order: page index alignment
	 * is physical alignment. */
	for (uint64_t i = 0; i + n <= bp->npages; i += n) {
		/* Skip whole words of allocated pages quickly. */
		if (n < 64 && bp->bitmap[i / 64] == ~UINT64_C(0)) {
			i = (i / 64) * 64 + 64 - n;
			continue;
		}
		if (run_free(bp, i, order)) {
			run_mark(bp, i, order, true);
			bp->in_use += n;
			*pa = bp->pages_base + (i << SMMUKIT_PAGE_SHIFT);
			return 0;
		}
	}
	return -SMMUKIT_ENOMEM;
}

static void page_run_free(struct bm_platform *bp, uint64_t pa, unsigned order)
{
	uint64_t n = UINT64_C(1) << order;
	uint64_t i;

	if (pa < bp->pages_base || order > SMMUKIT_MAX_PAGE_ORDER ||
	    !smmukit_is_aligned(pa, SMMUKIT_PAGE_SIZE << order))
		fatal(bp, "free_pages of a run the allocator never gave");
	i = (pa - bp->pages_base) >> SMMUKIT_PAGE_SHIFT;
	if (i + n > bp->npages || !run_used(bp, i, order))
		fatal(bp, "double free or wrong order in free_pages");
	run_mark(bp, i, order, false);
	bp->in_use -= n;
}

static void zero(void *p, uint64_t len)
{
	__builtin_memset(p, 0, (size_t)len);
}

static int bm_alloc_pages(struct smmukit_platform *p, unsigned order,
			  struct smmukit_dma_pages *out)
{
	struct bm_platform *bp = to_bm(p);
	uint64_t pa;
	int ret;

	if (order > SMMUKIT_MAX_PAGE_ORDER || !out)
		return -SMMUKIT_EINVAL;
	ret = page_run_alloc(bp, order, &pa);
	if (ret)
		return ret;
	zero((void *)(uintptr_t)pa, SMMUKIT_PAGE_SIZE << order);
	out->cpu = (void *)(uintptr_t)pa;
	out->pa = pa;
	out->order = order;
	return 0;
}

static void bm_free_pages(struct smmukit_platform *p,
			  const struct smmukit_dma_pages *pg)
{
	if (pg && pg->cpu)
		page_run_free(to_bm(p), pg->pa, pg->order);
}

static bool in_ram(const struct bm_platform *bp, uint64_t a)
{
	return a >= bp->cfg.ram_base && a - bp->cfg.ram_base < bp->cfg.ram_size;
}

/* Identity map: a physical address is its own CPU address. */
static void *bm_phys_to_virt(struct smmukit_platform *p, smmukit_phys_t pa)
{
	return in_ram(to_bm(p), pa) ? (void *)(uintptr_t)pa : NULL;
}

static smmukit_phys_t bm_virt_to_phys(struct smmukit_platform *p,
				      const void *cpu)
{
	uint64_t a = (uint64_t)(uintptr_t)cpu;

	return in_ram(to_bm(p), a) ? a : ~(smmukit_phys_t)0;
}

/*
 * Cache maintenance by VA to the point of coherency, for devices that do
 * not snoop: clean before the device reads, clean+invalidate before the CPU
 * reads what it wrote. The DSB completes the maintenance before the caller
 * goes on to ring a doorbell (whose own barrier orders only memory).
 */
static void bm_sync_for_device(struct smmukit_platform *p, smmukit_phys_t pa,
			       size_t len)
{
	struct bm_platform *bp = to_bm(p);

	for (uint64_t a = pa & ~(bp->dline - 1); a < pa + len; a += bp->dline)
		__asm__ volatile("dc cvac, %0" : : "r"(a) : "memory");
	__asm__ volatile("dsb sy" ::: "memory");
}

static void bm_sync_for_cpu(struct smmukit_platform *p, smmukit_phys_t pa,
			    size_t len)
{
	struct bm_platform *bp = to_bm(p);

	__asm__ volatile("dsb sy" ::: "memory");
	for (uint64_t a = pa & ~(bp->dline - 1); a < pa + len; a += bp->dline)
		__asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
	__asm__ volatile("dsb sy" ::: "memory");
}

/* ---- small allocations ---- */

static unsigned size_class(size_t size)
{
	unsigned shift = SMALL_MIN_SHIFT;

	while (((size_t)1 << shift) < size)
		shift++;
	return shift;
}

static unsigned pages_order(uint64_t bytes)
{
	unsigned order = 0;

	while ((SMMUKIT_PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

static void *bm_zalloc(struct smmukit_platform *p, size_t size)
{
	struct bm_platform *bp = to_bm(p);
	struct smmukit_dma_pages pg;
	unsigned shift, c;

	if (size == 0)
		size = 1;
	if (size > ((size_t)1 << SMALL_MAX_SHIFT)) {
		unsigned order = pages_order(size);

		if (order > SMMUKIT_MAX_PAGE_ORDER ||
		    bm_alloc_pages(p, order, &pg))
			return NULL;
		return pg.cpu;
	}
	shift = size_class(size);
	c = shift - SMALL_MIN_SHIFT;
	if (!bp->free_list[c]) {
		/* Carve a fresh page into objects of this class. */
		size_t obj = (size_t)1 << shift;
		unsigned char *base;

		if (bm_alloc_pages(p, 0, &pg))
			return NULL;
		base = pg.cpu;
		for (size_t off = 0; off + obj <= SMMUKIT_PAGE_SIZE; off += obj) {
			struct small_free *f = (struct small_free *)(base + off);

			f->next = bp->free_list[c];
			bp->free_list[c] = f;
		}
	}
	{
		struct small_free *f = bp->free_list[c];

		bp->free_list[c] = f->next;
		zero(f, (uint64_t)1 << shift);
		return f;
	}
}

static void bm_free(struct smmukit_platform *p, void *ptr, size_t size)
{
	struct bm_platform *bp = to_bm(p);

	if (!ptr)
		return;
	if (size == 0)
		size = 1;
	if (size > ((size_t)1 << SMALL_MAX_SHIFT)) {
		page_run_free(bp, (uint64_t)(uintptr_t)ptr, pages_order(size));
		return;
	}
	{
		unsigned c = size_class(size) - SMALL_MIN_SHIFT;
		struct small_free *f = ptr;

		/* Small objects go back to their class; their pages are never
		 * returned (bounded by the peak of live bookkeeping). */
		f->next = bp->free_list[c];
		bp->free_list[c] = f;
	}
}

/* ---- locks: a flag; one CPU cannot wait for itself ---- */

static void bm_lock_init(struct smmukit_platform *p, struct smmukit_lock *l)
{
	l->opaque[0] = 0;
}

static void bm_lock_destroy(struct smmukit_platform *p, struct smmukit_lock *l)
{
	if (l->opaque[0] == LOCK_HELD)
		fatal(to_bm(p), "lock destroyed while held");
}

static void bm_lock(struct smmukit_platform *p, struct smmukit_lock *l)
{
	if (l->opaque[0] == LOCK_HELD)
		fatal(to_bm(p),
		      "lock taken while held (a polled timer callback re-entered a locked section?)");
	l->opaque[0] = LOCK_HELD;
}

static void bm_unlock(struct smmukit_platform *p, struct smmukit_lock *l)
{
	if (l->opaque[0] != LOCK_HELD)
		fatal(to_bm(p), "unlock of a lock not held");
	l->opaque[0] = 0;
}

static unsigned bm_cpu_id(struct smmukit_platform *p)
{
	return 0;
}

static unsigned bm_nr_cpus(struct smmukit_platform *p)
{
	return 1;
}

/* ---- clock: the generic timer's virtual count ---- */

static uint64_t bm_clock_ns(struct smmukit_platform *p)
{
	struct bm_platform *bp = to_bm(p);
	uint64_t t, sec, rem;

	/* The ISB keeps the read from being hoisted above earlier code. */
	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(t) : : "memory");
	/* Split so that nothing overflows 64 bits: rem < cntfrq < 2^34. */
	sec = t / bp->cntfrq;
	rem = t % bp->cntfrq;
	return sec * UINT64_C(1000000000) +
	       rem * UINT64_C(1000000000) / bp->cntfrq;
}

/* ---- polled timers ---- */

static void timer_unlink(struct bm_platform *bp, struct smmukit_timer *t)
{
	for (struct smmukit_timer **pt = &bp->timers; *pt; pt = &(*pt)->next) {
		if (*pt == t) {
			*pt = t->next;
			t->next = NULL;
			return;
		}
	}
}

/*
 * Run every armed timer whose deadline passed. Never nested: a callback
 * that waits (a flush queue's CMD_SYNC) calls relax() again, and running
 * another callback, or itself, there would re-enter the code it interrupted.
 */
static void run_due_timers(struct bm_platform *bp)
{
	struct smmukit_timer *t;

	if (bp->in_timer)
		return;
	bp->in_timer = true;
	for (;;) {
		uint64_t now = bm_clock_ns(&bp->pub);

		for (t = bp->timers; t; t = t->next)
			if (t->deadline_ns <= now)
				break;
		if (!t)
			break;
		timer_unlink(bp, t);
		t->armed = false;
		t->running = true;
		t->fn(t);
		t->running = false;
	}
	bp->in_timer = false;
}

static void bm_relax(struct smmukit_platform *p)
{
	__asm__ volatile("yield" ::: "memory");
	run_due_timers(to_bm(p));
}

static void bm_timer_init(struct smmukit_platform *p, struct smmukit_timer *t,
			  smmukit_timer_fn fn)
{
	t->fn = fn;
	t->deadline_ns = 0;
	t->armed = false;
	t->running = false;
	t->next = NULL;
	t->backend = p;
}

static void bm_timer_arm(struct smmukit_platform *p, struct smmukit_timer *t,
			 uint64_t deadline_ns)
{
	struct bm_platform *bp = to_bm(p);

	t->deadline_ns = deadline_ns;
	if (!t->armed) {
		t->next = bp->timers;
		bp->timers = t;
		t->armed = true;
	}
}

/* One CPU: a callback is running only if it is our own caller's frame. */
static void bm_timer_cancel_sync(struct smmukit_platform *p,
				 struct smmukit_timer *t)
{
	struct bm_platform *bp = to_bm(p);

	if (t->running)
		fatal(bp, "timer_cancel_sync from inside a timer callback");
	if (t->armed) {
		timer_unlink(bp, t);
		t->armed = false;
	}
}

static void bm_timer_destroy(struct smmukit_platform *p, struct smmukit_timer *t)
{
	bm_timer_cancel_sync(p, t);
}

static void bm_timer_poll(struct smmukit_platform *p)
{
	run_due_timers(to_bm(p));
}

/* ---- UART log ---- */

#define PL011_DR 0x00
#define PL011_FR 0x18
#define PL011_FR_TXFF (1u << 5)

static void bm_putc(struct bm_platform *bp, char c)
{
	uint64_t base = bp->cfg.uart_base;

	if (!base)
		return;
	while (smmukit_bm_read32(base + PL011_FR) & PL011_FR_TXFF)
		;
	smmukit_bm_write32(base + PL011_DR, (uint32_t)(unsigned char)c);
}

static void bm_puts(struct bm_platform *bp, const char *s)
{
	while (*s)
		bm_putc(bp, *s++);
}

static void bm_vprint(struct bm_platform *bp, const char *fmt, va_list ap)
{
	char buf[256];
	int n = smmukit_baremetal_vsnprintf(buf, sizeof(buf), fmt, ap);

	bm_puts(bp, buf);
	if (n >= (int)sizeof(buf))
		bm_puts(bp, "[...]");
}

static void bm_log(struct smmukit_platform *p, enum smmukit_log_level level,
		   const char *fmt, va_list ap)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	struct bm_platform *bp = to_bm(p);

	bm_puts(bp, "smmukit ");
	bm_puts(bp, (unsigned)level < 4 ? names[level] : "?");
	bm_puts(bp, ": ");
	bm_vprint(bp, fmt, ap);
	bm_putc(bp, '\n');
}

void smmukit_baremetal_printf(struct smmukit_platform *p, const char *fmt, ...)
{
	va_list ap;

	if (!p || !fmt)
		return;
	va_start(ap, fmt);
	bm_vprint(to_bm(p), fmt, ap);
	va_end(ap);
}

static const struct smmukit_platform_ops bm_ops = {
	.alloc_pages = bm_alloc_pages,
	.free_pages = bm_free_pages,
	.phys_to_virt = bm_phys_to_virt,
	.virt_to_phys = bm_virt_to_phys,
	.dma_sync_for_device = bm_sync_for_device,
	.dma_sync_for_cpu = bm_sync_for_cpu,
	.zalloc = bm_zalloc,
	.free = bm_free,
	.lock_init = bm_lock_init,
	.lock_destroy = bm_lock_destroy,
	.lock = bm_lock,
	.unlock = bm_unlock,
	.cpu_id = bm_cpu_id,
	.nr_cpus = bm_nr_cpus,
	.clock_ns = bm_clock_ns,
	.relax = bm_relax,
	.timer_init = bm_timer_init,
	.timer_arm = bm_timer_arm,
	.timer_cancel_sync = bm_timer_cancel_sync,
	.timer_destroy = bm_timer_destroy,
	.timer_poll = bm_timer_poll,
	.log = bm_log,
};

int smmukit_baremetal_create(const struct smmukit_baremetal_config *cfg,
			     struct smmukit_platform **out)
{
	const uint64_t max_run = SMMUKIT_PAGE_SIZE << SMMUKIT_MAX_PAGE_ORDER;
	struct bm_platform *bp;
	uint64_t state_end, npages, ctr;

	if (!cfg || !out || !cfg->heap_size ||
	    !smmukit_is_aligned(cfg->heap_base, SMMUKIT_PAGE_SIZE) ||
	    cfg->heap_size < (UINT64_C(1) << 20) ||
	    cfg->heap_base + cfg->heap_size < cfg->heap_base)
		return -SMMUKIT_EINVAL;
	if (cfg->ram_size &&
	    (cfg->heap_base < cfg->ram_base ||
	     cfg->heap_base + cfg->heap_size > cfg->ram_base + cfg->ram_size))
		return -SMMUKIT_EINVAL;
	bp = (struct bm_platform *)(uintptr_t)cfg->heap_base;
	zero(bp, sizeof(*bp));
	bp->cfg = *cfg;
	if (!bp->cfg.ram_size) {
		bp->cfg.ram_base = cfg->heap_base;
		bp->cfg.ram_size = cfg->heap_size;
	}
	bp->pub.ops = &bm_ops;
	bp->pub.log_level = cfg->log_level;
	bp->magic = BM_MAGIC;

	/* Bitmap right after the state; pages from the next largest-order
	 * boundary, so that index alignment is physical alignment. */
	bp->bitmap = (uint64_t *)(uintptr_t)smmukit_align_up(
		cfg->heap_base + sizeof(*bp), 8);
	npages = cfg->heap_size >> SMMUKIT_PAGE_SHIFT;
	bp->nwords = (npages + 63) / 64;
	state_end = (uint64_t)(uintptr_t)(bp->bitmap + bp->nwords);
	bp->pages_base = smmukit_align_up(state_end, max_run);
	if (bp->pages_base >= cfg->heap_base + cfg->heap_size)
		return -SMMUKIT_EINVAL;
	bp->npages = (cfg->heap_base + cfg->heap_size - bp->pages_base) >>
		     SMMUKIT_PAGE_SHIFT;
	bp->npages &= ~UINT64_C(63);	/* whole bitmap words */
	if (!bp->npages)
		return -SMMUKIT_EINVAL;
	zero(bp->bitmap, bp->nwords * 8);

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(bp->cntfrq));
	if (!bp->cntfrq)
		bp->cntfrq = 62500000;	/* QEMU's value; firmware should set it */
	__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
	bp->dline = UINT64_C(4) << ((ctr >> 16) & 0xf);
	*out = &bp->pub;
	return 0;
}

uint64_t smmukit_baremetal_pages_in_use(struct smmukit_platform *p)
{
	return p ? to_bm(p)->in_use : 0;
}

/* ---- MMIO seam for the driver ---- */

static uint32_t mmio_read32(void *ctx, uint64_t off)
{
	return smmukit_bm_read32((uint64_t)(uintptr_t)ctx + off);
}

static uint64_t mmio_read64(void *ctx, uint64_t off)
{
	return smmukit_bm_read64((uint64_t)(uintptr_t)ctx + off);
}

static void mmio_write32(void *ctx, uint64_t off, uint32_t v)
{
	smmukit_bm_write32((uint64_t)(uintptr_t)ctx + off, v);
}

static void mmio_write64(void *ctx, uint64_t off, uint64_t v)
{
	smmukit_bm_write64((uint64_t)(uintptr_t)ctx + off, v);
}

static const struct smmukit_mmio_ops bm_mmio_ops = {
	.read32 = mmio_read32,
	.read64 = mmio_read64,
	.write32 = mmio_write32,
	.write64 = mmio_write64,
};

struct smmukit_mmio smmukit_baremetal_mmio(uint64_t base)
{
	struct smmukit_mmio m = { &bm_mmio_ops, (void *)(uintptr_t)base };

	return m;
}

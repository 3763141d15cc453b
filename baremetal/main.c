/* SPDX-License-Identifier: MIT */
/*
 * The QEMU harness: smmukit's SMMUv3 driver, page tables, IOMMU core and
 * DMA layer driving QEMU's emulated SMMUv3, with the edu PCI device as the
 * DMA master. Results go to the UART, one line per check that fails and a
 * final "N passed, N failed"; the exit status (semihosting) is 0 when
 * everything passed.
 *
 * Order matters on QEMU 7.2: once STRTAB_BASE_CFG has been written with the
 * 2-level format, a later linear write is still treated as 2-level until a
 * system reset, so the linear stream table runs first.
 */
#include "harness.h"

struct smmukit_platform *H;

static unsigned passed, failed;
static struct edu edu;
static struct pci_dev edu_pci;
static uint32_t edu_sid;

void check_(bool ok, const char *what, const char *file, int line)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	say("FAIL: %s (%s:%d)\n", what, file, line);
}

unsigned nr_passed(void)
{
	return passed;
}

unsigned nr_failed(void)
{
	return failed;
}

/* ---- semihosting and fatal exceptions ---- */

void harness_exit(int status)
{
	/* SYS_EXIT (0x18), AArch64 form: a block of reason and status. */
	static uint64_t block[2];
	register uint64_t x0 __asm__("x0") = 0x18;
	register uint64_t x1 __asm__("x1") = (uint64_t)(uintptr_t)block;

	block[0] = 0x20026;	/* ADP_Stopped_ApplicationExit */
	block[1] = (uint64_t)(int64_t)status;
	__asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
	for (;;)
		__asm__ volatile("wfe");
}

void harness_exception(uint64_t kind, uint64_t esr, uint64_t elr, uint64_t far);
void harness_exception(uint64_t kind, uint64_t esr, uint64_t elr, uint64_t far)
{
	if (H)
		say("EXCEPTION: vector %llu ESR 0x%llx ELR 0x%llx FAR 0x%llx\n",
		    (unsigned long long)kind, (unsigned long long)esr,
		    (unsigned long long)elr, (unsigned long long)far);
	harness_exit(3);
}

/* ---- events ---- */

#define MAX_EVENTS 512
static struct smmukit_smmu_event events[MAX_EVENTS];
static unsigned nr_events;

static void on_event(void *arg, const struct smmukit_smmu_event *ev)
{
	if (nr_events < MAX_EVENTS)
		events[nr_events] = *ev;
	nr_events++;
}

/* Drain the event queue; how many records were there. */
static unsigned drain_events(struct smmukit_smmu *s)
{
	unsigned before = nr_events;
	int n;

	do {
		n = smmukit_smmu_handle_evtq_irq(s);
	} while (n > 0);
	(void)smmukit_smmu_handle_gerror_irq(s);
	return nr_events - before;
}

/*
 * Did the events since index from include an F_TRANSLATION for edu at an
 * address in [lo, hi) in the given direction, and nothing else?
 */
static bool faults_match(unsigned from, uint64_t lo, uint64_t hi, bool read)
{
	unsigned hits = 0;

	for (unsigned i = from; i < nr_events && i < MAX_EVENTS; i++) {
		const struct smmukit_smmu_event *e = &events[i];

		if (e->id != SMMUV3_EVT_F_TRANSLATION || e->sid != edu_sid ||
		    e->addr < lo || e->addr >= hi || e->rnw != read) {
			say("  unexpected event %s sid 0x%x addr 0x%llx %s\n",
			    e->name, e->sid, (unsigned long long)e->addr,
			    e->rnw ? "read" : "write");
			return false;
		}
		hits++;
	}
	if (hits)
		say("  %u x F_TRANSLATION sid 0x%x addr 0x%llx.. %s\n", hits,
		    edu_sid, (unsigned long long)events[from].addr,
		    read ? "read" : "write");
	return hits > 0;
}

/* ---- buffers ---- */

static void fill(void *p, uint64_t len, uint8_t seed)
{
	uint8_t *b = p;

	for (uint64_t i = 0; i < len; i++)
		b[i] = (uint8_t)(seed + i * 7);
}

static bool matches(const void *p, uint64_t len, uint8_t seed)
{
	const uint8_t *b = p;

	for (uint64_t i = 0; i < len; i++)
		if (b[i] != (uint8_t)(seed + i * 7))
			return false;
	return true;
}

static bool all_byte(const void *p, uint64_t len, uint8_t v)
{
	const uint8_t *b = p;

	for (uint64_t i = 0; i < len; i++)
		if (b[i] != v)
			return false;
	return true;
}

static void *page_buf(unsigned order)
{
	struct smmukit_dma_pages pg;

	if (smmukit_plat_alloc_pages(H, order, &pg))
		return NULL;
	return pg.cpu;
}

static void page_free(void *cpu, unsigned order)
{
	struct smmukit_dma_pages pg = {
		cpu, smmukit_plat_virt_to_phys(H, cpu), order
	};

	smmukit_plat_free_pages(H, &pg);
}

/* edu: RAM (an IOVA) -> its buffer -> RAM (another IOVA). */
static bool edu_copy(uint64_t from, uint64_t to, uint32_t len)
{
	return edu_dma(&edu, from, EDU_BUF, len, false, true) &&
	       edu_dma(&edu, EDU_BUF, to, len, true, true);
}

/* ---- the stack: SMMU, IOMMU core, DMA layer, edu as a device ---- */

struct stack {
	struct smmukit_smmu *smmu;
	struct smmukit_iommu *iommu;
	struct smmukit_iommu_options opts;
	struct smmukit_dma *dma;
	struct smmukit_device *dev;
};

static int smmu_up(struct smmukit_smmu **out, bool linear, unsigned sid_bits)
{
	struct smmukit_smmu_config c = { 0 };

	c.platform = H;
	c.mmio = smmukit_baremetal_mmio(VIRT_SMMU);
	c.force_linear_strtab = linear;
	c.sid_bits = sid_bits;
	c.event_handler = on_event;
	c.event_arg = NULL;
	{
		uint64_t t = smmukit_plat_clock_ns(H);
		int ret = smmukit_smmu_probe(&c, out);

		say("  probe: %s in %llu ms of virtual time\n",
		    ret ? smmukit_errname(ret) : "ok",
		    (unsigned long long)((smmukit_plat_clock_ns(H) - t) / 1000000u));
		return ret;
	}
}

static int core_up(struct stack *st, const char *cmdline)
{
	struct smmukit_option_binding b[] = {
		{ &smmukit_iommu_option_table, &st->opts },
	};
	struct smmukit_iommu_config ic = { 0 };
	struct smmukit_device_config dc = { 0 };
	char err[128];
	int ret;

	smmukit_iommu_options_default(&st->opts);
	if (cmdline) {
		ret = smmukit_parse_options(cmdline, b, 1, NULL, NULL, err,
					    sizeof(err));
		if (ret) {
			say("options: %s\n", err);
			return ret;
		}
	}
	ic.platform = H;
	ic.drv = smmukit_smmu_iommu(st->smmu);
	ic.options = &st->opts;
	ret = smmukit_iommu_create(&ic, &st->iommu);
	if (ret)
		return ret;
	ret = smmukit_dma_create(st->iommu, &st->dma);
	if (ret)
		return ret;
	dc.name = "edu";
	dc.sids = &edu_sid;
	dc.nr_sids = 1;
	return smmukit_iommu_probe_device(st->iommu, &dc, &st->dev);
}

static void core_down(struct stack *st)
{
	check(smmukit_iommu_release_device(st->dev) == 0, "release edu");
	smmukit_dma_destroy(st->dma);
	check(smmukit_iommu_destroy(st->iommu) == 0, "iommu destroy");
	st->dev = NULL;
	st->dma = NULL;
	st->iommu = NULL;
}

/* map_single, edu copies in and back out through a second mapping. */
static void dma_roundtrip(struct stack *st, const char *what, uint32_t len,
			  uint8_t seed)
{
	uint8_t *src = page_buf(0), *dst = page_buf(0);
	smmukit_dma_addr_t a = 0, b = 0;
	int r1, r2;

	fill(src + 0x80, len, seed);
	r1 = smmukit_dma_map_single(st->dev, src + 0x80, len,
				    SMMUKIT_DMA_TO_DEVICE, &a);
	r2 = smmukit_dma_map_single(st->dev, dst + 0x40, len,
				    SMMUKIT_DMA_FROM_DEVICE, &b);
	check(r1 == 0 && r2 == 0, what);
	say("  %s: iova 0x%llx -> edu -> iova 0x%llx (pa 0x%llx)\n", what,
	    (unsigned long long)a, (unsigned long long)b,
	    (unsigned long long)smmukit_plat_virt_to_phys(H, dst + 0x40));
	check(edu_copy(a, b, len), "edu DMA completes");
	check(matches(dst + 0x40, len, seed), what);
	check(all_byte(dst, 0x40, 0), "nothing written before the buffer");
	check(smmukit_dma_unmap_single(st->dev, a, len, SMMUKIT_DMA_TO_DEVICE) == 0,
	      "unmap");
	check(smmukit_dma_unmap_single(st->dev, b, len, SMMUKIT_DMA_FROM_DEVICE) == 0,
	      "unmap");
	check(drain_events(st->smmu) == 0, "no events");
	page_free(src, 0);
	page_free(dst, 0);
}

/* ---- scenario 1 and 2 (linear): probe, features, linear table ---- */

static void s1_probe_linear(void)
{
	struct stack st = { 0 };
	struct smmukit_smmu_info in;
	uint64_t want = SMMUKIT_SZ_4K | SMMUKIT_SZ_16K | SMMUKIT_SZ_64K;
	uint32_t cr0;
	int ret;

	say("== 1. probe (linear stream table, 256 SIDs)\n");
	ret = smmu_up(&st.smmu, true, 8);
	check(ret == 0, "probe, reset and enable");
	if (ret) {
		say("  probe: %s\n", smmukit_errname(ret));
		return;
	}
	check(smmukit_smmu_get_info(st.smmu, &in) == 0, "get_info");
	say("  IDR0 0x%08x IDR1 0x%08x IDR3 0x%08x IDR5 0x%08x AIDR 0x%x\n",
	    in.idr[0], in.idr[1], in.idr[3], in.idr[5], in.aidr);
	check(in.s1 && !in.s2, "stage 1 only");
	check(in.strtab_2lvl, "2-level stream table supported");
	check(in.ril, "range invalidation (RIL)");
	check(in.oas == 44, "44-bit OAS");
	check((in.pgsize_bitmap & want) == want, "4K, 16K and 64K granules");
	check(!in.msi && !in.msi_sync, "no MSI: CMD_SYNC by polling CONS");
	check(in.sid_bits == 16, "16 SID bits advertised");
	check(!in.strtab_2lvl_used && in.strtab_log2 == 8,
	      "linear table bounded to 2^8 SIDs (sid_bits)");
	check(in.ias == 48, "IAS 48 (T0SZ 16, within QEMU's 16..39)");
	cr0 = smmukit_bm_read32(VIRT_SMMU + SMMUV3_CR0);
	check((cr0 & (CR0_SMMUEN | CR0_CMDQEN | CR0_EVENTQEN)) ==
		      (CR0_SMMUEN | CR0_CMDQEN | CR0_EVENTQEN),
	      "SMMUEN, CMDQEN, EVENTQEN set");

	say("== 2a. DMA through a linear stream table\n");
	if (core_up(&st, NULL) == 0)
		dma_roundtrip(&st, "strict DMA, linear table", 200, 0x11);
	else
		check(false, "IOMMU core and edu attach");
	core_down(&st);
	smmukit_smmu_destroy(st.smmu);
}

/* ---- scenario 3: strict DMA domain, and faults after unmap ---- */

static void s3_strict(struct stack *st)
{
	uint8_t *a_buf = page_buf(0), *b_buf = page_buf(0);
	smmukit_dma_addr_t a = 0, b = 0;
	const uint32_t len = 64;
	struct smmukit_smmu_stats ss;
	unsigned from;

	say("== 3. strict DMA domain (%s)\n",
	    smmukit_domain_type_name(smmukit_domain_get_type(
		    smmukit_device_default_domain(st->dev))));
	check(smmukit_domain_get_type(smmukit_device_default_domain(st->dev)) ==
		      SMMUKIT_DOMAIN_DMA,
	      "default domain is DMA (strict)");
	fill(a_buf, len, 0x33);
	check(smmukit_dma_map_single(st->dev, a_buf, len,
				     SMMUKIT_DMA_BIDIRECTIONAL, &a) == 0,
	      "map A");
	check(smmukit_dma_map_single(st->dev, b_buf, len,
				     SMMUKIT_DMA_BIDIRECTIONAL, &b) == 0,
	      "map B");
	check(edu_copy(a, b, len) && matches(b_buf, len, 0x33),
	      "edu copies A to B through the SMMU");
	check(smmukit_dma_unmap_single(st->dev, a, len,
				       SMMUKIT_DMA_BIDIRECTIONAL) == 0,
	      "unmap A");
	check(smmukit_dma_unmap_single(st->dev, b, len,
				       SMMUKIT_DMA_BIDIRECTIONAL) == 0,
	      "unmap B");

	/* Read from the unmapped A: F_TRANSLATION, read. */
	from = nr_events;
	check(edu_dma(&edu, a, EDU_BUF, len, false, true), "edu read completes");
	check(drain_events(st->smmu) > 0, "read of an unmapped IOVA faults");
	check(faults_match(from, a, a + len, true),
	      "F_TRANSLATION decoded: SID, address, read");
	/* Write to the unmapped B: F_TRANSLATION, write; memory untouched. */
	__builtin_memset(b_buf, 0, len);
	from = nr_events;
	check(edu_dma(&edu, EDU_BUF, b, len, true, true), "edu write completes");
	check(drain_events(st->smmu) > 0, "write to an unmapped IOVA faults");
	check(faults_match(from, b, b + len, false),
	      "F_TRANSLATION decoded: SID, address, write");
	check(all_byte(b_buf, len, 0), "the faulting write did not reach RAM");
	check(smmukit_smmu_get_stats(st->smmu, &ss) == 0 && ss.cerrors == 0,
	      "no command errors");
	page_free(a_buf, 0);
	page_free(b_buf, 0);
}

/* ---- scenario 4: lazy (DMA-FQ) domain ---- */

#define FQ_SIZE 16u
#define FQ_TIMEOUT_MS 1000u

static struct smmukit_dma_stats dstats(struct stack *st)
{
	struct smmukit_dma_stats s;

	__builtin_memset(&s, 0, sizeof(s));
	(void)smmukit_dma_get_stats(st->dma, &s);
	return s;
}

/* Does a write through iova reach the buffer (and fault nothing)? */
static bool write_reaches(struct stack *st, uint64_t iova, uint8_t *buf,
			  uint32_t len, uint8_t seed)
{
	unsigned from = nr_events;

	/* edu's buffer holds seed's pattern: put it there from a mapping. */
	__builtin_memset(buf, 0, len);
	if (!edu_dma(&edu, EDU_BUF, iova, len, true, true))
		return false;
	drain_events(st->smmu);
	return nr_events == from && matches(buf, len, seed);
}

/* Load edu's buffer with a pattern, through a fresh strict-enough path:
 * a mapping made and unmapped around it (lazily, in this domain). */
static bool load_edu(struct stack *st, uint32_t len, uint8_t seed)
{
	uint8_t *p = page_buf(0);
	smmukit_dma_addr_t a;
	bool ok;

	fill(p, len, seed);
	ok = smmukit_dma_map_single(st->dev, p, len, SMMUKIT_DMA_TO_DEVICE,
				    &a) == 0 &&
	     edu_dma(&edu, a, EDU_BUF, len, false, true);
	ok = ok && smmukit_dma_unmap_single(st->dev, a, len,
					    SMMUKIT_DMA_TO_DEVICE) == 0;
	/* The page stays ours until the flush: keep it (a device may still
	 * read it through a stale entry), freed by the caller's flush. */
	(void)smmukit_dma_flush(st->dev);
	page_free(p, 0);
	return ok;
}

static void s4_lazy(struct stack *st)
{
	const uint32_t len = 64;
	uint8_t *buf = page_buf(0);
	smmukit_dma_addr_t a = 0;
	struct smmukit_dma_stats d0, d1;
	uint64_t t_unmap, t_flush, start;
	enum smmukit_domain_type type =
		smmukit_domain_get_type(smmukit_device_default_domain(st->dev));
	unsigned from;

	say("== 4. lazy DMA domain (%s, ring %u, timeout %u ms)\n",
	    smmukit_domain_type_name(type), FQ_SIZE, FQ_TIMEOUT_MS);
	check(type == SMMUKIT_DOMAIN_DMA_FQ, "default domain is DMA-FQ");

	/* 4a: after unmap the old IOVA still reaches the buffer, until the
	 * timer's flush; afterwards it faults. */
	check(load_edu(st, len, 0x5a), "load edu's buffer");
	/* That lazy unmap armed the timer: let it expire first, so that the
	 * one below is armed by our unmap. */
	start = smmukit_plat_clock_ns(H);
	d0 = dstats(st);
	while (dstats(st).fq_timer_flushes == d0.fq_timer_flushes &&
	       smmukit_plat_clock_ns(H) - start < UINT64_C(5000000000))
		smmukit_plat_timer_poll(H);
	check(smmukit_dma_map_single(st->dev, buf, len,
				     SMMUKIT_DMA_BIDIRECTIONAL, &a) == 0,
	      "map");
	check(write_reaches(st, a, buf, len, 0x5a), "DMA while mapped");
	d0 = dstats(st);
	check(smmukit_dma_unmap_single(st->dev, a, len,
				       SMMUKIT_DMA_BIDIRECTIONAL) == 0,
	      "lazy unmap");
	t_unmap = smmukit_plat_clock_ns(H);
	d1 = dstats(st);
	check(d1.lazy_unmaps == d0.lazy_unmaps + 1 && d1.fq_pending == 1,
	      "unmap queued on the flush queue");
	check(write_reaches(st, a, buf, len, 0x5a),
	      "after unmap, before the flush: the old IOVA still reaches the buffer");
	check(smmukit_plat_clock_ns(H) - t_unmap <
		      (uint64_t)FQ_TIMEOUT_MS * 1000000u,
	      "(that DMA ran before the flush timeout)");
	check(dstats(st).fq_timer_flushes == d0.fq_timer_flushes,
	      "no flush yet");
	/* Idle: the embedder's loop polls timers; the flush queue's timer
	 * fires from the generic timer's clock. */
	start = smmukit_plat_clock_ns(H);
	while (dstats(st).fq_timer_flushes == d0.fq_timer_flushes &&
	       smmukit_plat_clock_ns(H) - start < UINT64_C(5000000000))
		smmukit_plat_timer_poll(H);
	t_flush = smmukit_plat_clock_ns(H);
	d1 = dstats(st);
	check(d1.fq_timer_flushes == d0.fq_timer_flushes + 1,
	      "flush by timeout (polled timer)");
	say("  timer flush %llu ms after the unmap\n",
	    (unsigned long long)((t_flush - t_unmap) / 1000000u));
	check(t_flush - t_unmap >= (uint64_t)FQ_TIMEOUT_MS * 1000000u &&
		      t_flush - t_unmap < (uint64_t)(FQ_TIMEOUT_MS + 50) * 1000000u,
	      "at fq_timeout_ms after the unmap, not before");
	check(d1.fq_pending == 0 && d1.fq_reclaimed >= d0.fq_reclaimed + 1,
	      "entry reclaimed after the flush");
	from = nr_events;
	__builtin_memset(buf, 0, len);
	check(edu_dma(&edu, EDU_BUF, a, len, true, true), "edu write completes");
	check(drain_events(st->smmu) > 0 && faults_match(from, a, a + len, false),
	      "after the flush the old IOVA faults");
	check(all_byte(buf, len, 0), "and does not reach the buffer");
	page_free(buf, 0);

	/* 4b: a full ring flushes at once. */
	{
		enum { N = FQ_SIZE + 4 };
		uint8_t *bufs[N];
		smmukit_dma_addr_t iovas[N];
		bool ok = true;

		say("  -- full ring: %u unmaps into a ring of %u\n", N, FQ_SIZE);
		(void)smmukit_dma_flush(st->dev);
		d0 = dstats(st);
		for (unsigned i = 0; i < N; i++) {
			bufs[i] = page_buf(0);
			ok &= bufs[i] && smmukit_dma_map_single(
				st->dev, bufs[i], len,
				SMMUKIT_DMA_BIDIRECTIONAL, &iovas[i]) == 0;
		}
		check(ok, "map the buffers");
		/* Warm the SMMU's IOTLB for each (edu writes into each). */
		for (unsigned i = 0; i < N; i++)
			ok &= write_reaches(st, iovas[i], bufs[i], len, 0x5a);
		check(ok, "DMA into each while mapped");
		for (unsigned i = 0; i < N - 1; i++)
			ok &= smmukit_dma_unmap_single(st->dev, iovas[i], len,
						       SMMUKIT_DMA_BIDIRECTIONAL) == 0;
		/* The full ring's flush (TLBI by ASID) dropped every cached
		 * translation: re-warm the last one, then unmap it. */
		ok &= write_reaches(st, iovas[N - 1], bufs[N - 1], len, 0x5a);
		ok &= smmukit_dma_unmap_single(st->dev, iovas[N - 1], len,
					       SMMUKIT_DMA_BIDIRECTIONAL) == 0;
		check(ok, "lazy unmap of each");
		d1 = dstats(st);
		check(d1.fq_full_flushes >= d0.fq_full_flushes + 1,
		      "a full ring flushed without waiting for the timer");
		check(d1.fq_timer_flushes == d0.fq_timer_flushes,
		      "(not the timer)");
		say("  full-ring flushes %llu, pending %llu\n",
		    (unsigned long long)(d1.fq_full_flushes - d0.fq_full_flushes),
		    (unsigned long long)d1.fq_pending);
		from = nr_events;
		__builtin_memset(bufs[0], 0, len);
		check(edu_dma(&edu, EDU_BUF, iovas[0], len, true, true) &&
			      drain_events(st->smmu) > 0 &&
			      faults_match(from, iovas[0], iovas[0] + len, false) &&
			      all_byte(bufs[0], len, 0),
		      "the first IOVA (flushed by the full ring) faults");
		check(write_reaches(st, iovas[N - 1], bufs[N - 1], len, 0x5a),
		      "the last IOVA (queued after that flush) still reaches its buffer");
		check(smmukit_dma_flush(st->dev) == 0, "dma_flush");
		from = nr_events;
		__builtin_memset(bufs[N - 1], 0, len);
		check(edu_dma(&edu, EDU_BUF, iovas[N - 1], len, true, true) &&
			      drain_events(st->smmu) > 0 &&
			      faults_match(from, iovas[N - 1], iovas[N - 1] + len,
					   false) &&
			      all_byte(bufs[N - 1], len, 0),
		      "after the flush it faults too");
		for (unsigned i = 0; i < N; i++)
			page_free(bufs[i], 0);
	}

	/* 4c: no IOVA is handed out again before its flush. */
	{
		enum { ROUNDS = 3 * FQ_SIZE };
		uint64_t fifo[ROUNDS];	/* unmapped, not yet reclaimed */
		uint64_t flushed[ROUNDS];
		unsigned head = 0, tail = 0, nflushed = 0, reuses = 0;
		uint64_t reclaimed;
		bool early = false, ok = true;
		uint8_t *p = page_buf(0);

		(void)smmukit_dma_flush(st->dev);
		reclaimed = dstats(st).fq_reclaimed;
		for (unsigned i = 0; i < ROUNDS; i++) {
			smmukit_dma_addr_t x;
			uint64_t r;

			ok &= smmukit_dma_map_single(st->dev, p, len,
						     SMMUKIT_DMA_BIDIRECTIONAL,
						     &x) == 0;
			for (unsigned k = head; k < tail; k++)
				if (fifo[k] == x)
					early = true;
			for (unsigned k = 0; k < nflushed; k++)
				if (flushed[k] == x) {
					reuses++;
					break;
				}
			ok &= smmukit_dma_unmap_single(st->dev, x, len,
						       SMMUKIT_DMA_BIDIRECTIONAL) == 0;
			fifo[tail++] = x;
			/* One ring: entries are reclaimed in queue order. */
			r = dstats(st).fq_reclaimed;
			while (reclaimed < r && head < tail) {
				flushed[nflushed++] = fifo[head++];
				reclaimed++;
			}
		}
		check(ok, "map/unmap rounds");
		check(!early, "no IOVA reused before its flush");
		say("  %u rounds: %u IOVAs reused, each only after its flush\n",
		    ROUNDS, reuses);
		check(reuses > 0, "(IOVAs are reused after their flush)");
		(void)smmukit_dma_flush(st->dev);
		page_free(p, 0);
	}
}

/* ---- scenario 5 and 6: granules, a block, range TLBI, stale entries ---- */

static uint64_t gran_iova(uint64_t g)
{
	/* Somewhere edu can reach with its 64-bit mask, below QEMU's 2^48. */
	return UINT64_C(0x123400000000) & ~(g - 1);
}

static void s5_granules(struct stack *st)
{
	struct smmukit_iommu_drv *drv = smmukit_smmu_iommu(st->smmu);
	const uint64_t grans[] = { SMMUKIT_SZ_4K, SMMUKIT_SZ_16K, SMMUKIT_SZ_64K };
	struct smmukit_iommu_drv_device dev = { &edu_sid, 1 };
	const unsigned prot = SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE;
	struct smmukit_smmu_stats s0, s1;

	say("== 5. granules 4K/16K/64K, a 2M block, range invalidation\n");
	(void)smmukit_smmu_get_stats(st->smmu, &s0);
	for (unsigned gi = 0; gi < 3; gi++) {
		uint64_t g = grans[gi];
		struct smmukit_iommu_drv_domain_cfg dc = { 0 };
		struct smmukit_iommu_drv_domain *dom = NULL;
		struct smmukit_iotlb_gather gather;
		unsigned order = (unsigned)smmukit_ilog2(g) - SMMUKIT_PAGE_SHIFT;
		/* Two granules: source and destination of the copy. */
		uint8_t *mem = page_buf(order + 1);
		uint64_t iova = gran_iova(g), pa = smmukit_plat_virt_to_phys(H, mem);
		uint64_t mapped = 0, off = g - 256;
		unsigned from;
		int ret;

		dc.kind = SMMUKIT_IOMMU_DRV_DOMAIN_PAGING;
		dc.granule = g;
		ret = smmukit_iommu_drv_domain_alloc(drv, &dc, &dom);
		check(ret == 0, "domain with the granule");
		if (ret)
			continue;
		check(smmukit_iommu_drv_attach_dev(dom, &dev) == 0, "attach edu");
		check(smmukit_iommu_drv_map_pages(dom, iova, pa, g, 2, prot,
						  &mapped) == 0 &&
			      mapped == 2 * g,
		      "map two granules");
		/* Near the end of the first granule into the second. */
		fill(mem + off, 200, (uint8_t)(0x40 + gi));
		__builtin_memset(mem + g + off, 0, 200);
		check(edu_copy(iova + off, iova + g + off, 200) &&
			      matches(mem + g + off, 200, (uint8_t)(0x40 + gi)),
		      g == SMMUKIT_SZ_4K ? "4K granule: DMA translated" :
		      g == SMMUKIT_SZ_16K ? "16K granule: DMA translated" :
					    "64K granule: DMA translated");
		smmukit_pgtable_gather_init(&gather);
		check(smmukit_iommu_drv_unmap_pages(dom, iova, g, 2, &gather) ==
			      (int64_t)(2 * g),
		      "unmap");
		check(smmukit_iommu_drv_iotlb_sync(dom, &gather) == 0,
		      "range invalidation + sync");
		from = nr_events;
		check(edu_dma(&edu, iova + off, EDU_BUF, 64, false, true) &&
			      drain_events(st->smmu) > 0 &&
			      faults_match(from, iova + off, iova + off + 64, true),
		      "after unmap + invalidation: F_TRANSLATION");
		check(smmukit_iommu_drv_detach_dev(dom, &dev) == 0, "detach");
		check(smmukit_iommu_drv_domain_free(dom) == 0, "free domain");
		page_free(mem, order + 1);
	}

	/* A 2 MiB block (4K granule, level 2), DMA at its start, middle, end. */
	{
		struct smmukit_iommu_drv_domain *dom = NULL;
		struct smmukit_iommu_drv_domain_cfg dc = { 0 };
		struct smmukit_iotlb_gather gather;
		uint8_t *blk = page_buf(9), *out = page_buf(0);
		uint64_t iova = UINT64_C(0x200000000), mapped = 0;
		uint64_t pa = smmukit_plat_virt_to_phys(H, blk);
		const uint64_t offs[] = { 0, 0x123456 & ~UINT64_C(0xff), 0x1fff00 };
		uint64_t out_iova = UINT64_C(0x300000000);
		smmukit_phys_t got = 0;
		bool ok = true;

		dc.kind = SMMUKIT_IOMMU_DRV_DOMAIN_PAGING;
		dc.granule = SMMUKIT_SZ_4K;
		check(blk && out &&
			      smmukit_iommu_drv_domain_alloc(drv, &dc, &dom) == 0 &&
			      smmukit_iommu_drv_attach_dev(dom, &dev) == 0,
		      "4K domain for the block");
		check(smmukit_iommu_drv_map_pages(dom, iova, pa, SMMUKIT_SZ_2M, 1,
						  prot, &mapped) == 0 &&
			      mapped == SMMUKIT_SZ_2M,
		      "map one 2M block");
		check(smmukit_iommu_drv_map_pages(
			      dom, out_iova, smmukit_plat_virt_to_phys(H, out),
			      SMMUKIT_SZ_4K, 1, prot, &mapped) == 0,
		      "map the output page");
		check(smmukit_iommu_drv_iova_to_phys(dom, iova + 0x1fff00, &got) ==
				      0 &&
			      got == pa + 0x1fff00,
		      "iova_to_phys inside the block");
		for (unsigned i = 0; i < 3; i++) {
			fill(blk + offs[i], 256, (uint8_t)(0x70 + i));
			__builtin_memset(out, 0, 256);
			ok &= edu_copy(iova + offs[i], out_iova, 256) &&
			      matches(out, 256, (uint8_t)(0x70 + i));
		}
		check(ok, "DMA through the 2M block at its start, middle and end");
		smmukit_pgtable_gather_init(&gather);
		check(smmukit_iommu_drv_unmap_pages(dom, iova, SMMUKIT_SZ_2M, 1,
						    &gather) == (int64_t)SMMUKIT_SZ_2M &&
			      smmukit_iommu_drv_iotlb_sync(dom, &gather) == 0,
		      "unmap the block + invalidate");
		smmukit_pgtable_gather_init(&gather);
		(void)smmukit_iommu_drv_unmap_pages(dom, out_iova, SMMUKIT_SZ_4K,
						    1, &gather);
		(void)smmukit_iommu_drv_iotlb_sync(dom, &gather);
		check(smmukit_iommu_drv_detach_dev(dom, &dev) == 0 &&
			      smmukit_iommu_drv_domain_free(dom) == 0,
		      "detach and free");
		page_free(blk, 9);
		page_free(out, 0);
	}

	/* Raw range TLBIs: 32 pages (NUM 31, SCALE 0), and 4 << 5 pages. */
	{
		struct smmuv3_cmd c[2];

		__builtin_memset(c, 0, sizeof(c));
		c[0].opcode = SMMUV3_OP_TLBI_NH_VA;
		c[0].tlbi.asid = 1;
		c[0].tlbi.addr = UINT64_C(0x40000000);
		c[0].tlbi.tg = CMD1_TG_4K;
		c[0].tlbi.num = 31;
		c[0].tlbi.scale = 0;
		c[0].tlbi.ttl = 3;
		c[1] = c[0];
		c[1].tlbi.num = 3;
		c[1].tlbi.scale = 5;
		c[1].tlbi.ttl = 0;
		check(smmukit_smmu_issue_cmds(st->smmu, c, 2, true) == 0,
		      "raw range TLBIs + CMD_SYNC");
	}
	(void)smmukit_smmu_get_stats(st->smmu, &s1);
	drain_events(st->smmu);
	check(s1.cerrors == s0.cerrors && s1.gerrors == s0.gerrors,
	      "range invalidations accepted (no CERROR, no GERROR)");
	check((smmukit_bm_read32(VIRT_SMMU + SMMUV3_GERROR) ^
	       smmukit_bm_read32(VIRT_SMMU + SMMUV3_GERRORN)) == 0,
	      "GERROR clear");
	say("  commands %llu, syncs %llu, cerrors %llu\n",
	    (unsigned long long)s1.cmds, (unsigned long long)s1.syncs,
	    (unsigned long long)s1.cerrors);
}

static void s6_stale(struct stack *st)
{
	struct smmukit_iommu_drv *drv = smmukit_smmu_iommu(st->smmu);
	struct smmukit_iommu_drv_device dev = { &edu_sid, 1 };
	struct smmukit_iommu_drv_domain_cfg dc = { 0 };
	struct smmukit_iommu_drv_domain *dom = NULL;
	struct smmukit_iotlb_gather gather;
	const unsigned prot = SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE;
	uint8_t *p1 = page_buf(0), *p2 = page_buf(0), *keep = page_buf(0);
	uint8_t *out = page_buf(0);
	const uint64_t x = UINT64_C(0x7000000), out_iova = UINT64_C(0x7100000);
	uint64_t mapped;
	bool ok;

	say("== 6. stale translations: remap without invalidation\n");
	dc.kind = SMMUKIT_IOMMU_DRV_DOMAIN_PAGING;
	dc.granule = SMMUKIT_SZ_4K;
	ok = smmukit_iommu_drv_domain_alloc(drv, &dc, &dom) == 0 &&
	     smmukit_iommu_drv_attach_dev(dom, &dev) == 0;
	check(ok, "4K domain");
	if (!ok)
		return;
	fill(p1, 128, 0xa1);
	fill(p2, 128, 0xb2);
	/* A neighbour in the same level-3 table keeps that table alive while
	 * X is unmapped: no table page is freed under a stale walk. */
	ok = smmukit_iommu_drv_map_pages(dom, x, smmukit_plat_virt_to_phys(H, p1),
					 SMMUKIT_SZ_4K, 1, prot, &mapped) == 0 &&
	     smmukit_iommu_drv_map_pages(dom, x + SMMUKIT_SZ_4K,
					 smmukit_plat_virt_to_phys(H, keep),
					 SMMUKIT_SZ_4K, 1, prot, &mapped) == 0 &&
	     smmukit_iommu_drv_map_pages(dom, out_iova,
					 smmukit_plat_virt_to_phys(H, out),
					 SMMUKIT_SZ_4K, 1, prot, &mapped) == 0;
	check(ok, "map X -> P1");
	check(edu_copy(x, out_iova, 128) && matches(out, 128, 0xa1),
	      "DMA from X reads P1 (and caches X's translation)");
	/* Remap X -> P2 without any invalidation. */
	smmukit_pgtable_gather_init(&gather);
	gather.queued = true;	/* "I will flush later": no TLBI gathered */
	check(smmukit_iommu_drv_unmap_pages(dom, x, SMMUKIT_SZ_4K, 1, &gather) ==
		      (int64_t)SMMUKIT_SZ_4K,
	      "unmap X (no invalidation)");
	check(smmukit_pgtable_free_freelist(H, &gather) == 0,
	      "(no table page removed)");
	check(smmukit_iommu_drv_map_pages(dom, x, smmukit_plat_virt_to_phys(H, p2),
					  SMMUKIT_SZ_4K, 1, prot, &mapped) == 0,
	      "map X -> P2 (no invalidation)");
	__builtin_memset(out, 0, 128);
	check(edu_copy(x, out_iova, 128) && matches(out, 128, 0xa1),
	      "stale: DMA from X still reads the old page P1 (QEMU caches translations)");
	/* Now invalidate X: a leaf TLBI by VA (a range command with RIL). */
	smmukit_pgtable_gather_init(&gather);
	smmukit_pgtable_gather_add_range(&gather, x, SMMUKIT_SZ_4K);
	check(smmukit_iommu_drv_iotlb_sync(dom, &gather) == 0, "invalidate X");
	__builtin_memset(out, 0, 128);
	check(edu_copy(x, out_iova, 128) && matches(out, 128, 0xb2),
	      "after the invalidation DMA from X reads the new page P2");
	/* Same again with a whole-ASID invalidation. */
	smmukit_pgtable_gather_init(&gather);
	gather.queued = true;
	(void)smmukit_iommu_drv_unmap_pages(dom, x, SMMUKIT_SZ_4K, 1, &gather);
	(void)smmukit_iommu_drv_map_pages(dom, x, smmukit_plat_virt_to_phys(H, p1),
					  SMMUKIT_SZ_4K, 1, prot, &mapped);
	__builtin_memset(out, 0, 128);
	check(edu_copy(x, out_iova, 128) && matches(out, 128, 0xb2),
	      "stale again: X -> P1 remapped, DMA still reads P2");
	check(smmukit_iommu_drv_flush_iotlb_all(dom) == 0, "TLBI by ASID");
	__builtin_memset(out, 0, 128);
	check(edu_copy(x, out_iova, 128) && matches(out, 128, 0xa1),
	      "after TLBI by ASID DMA from X reads P1");
	drain_events(st->smmu);
	smmukit_pgtable_gather_init(&gather);
	(void)smmukit_iommu_drv_unmap_pages(dom, x, SMMUKIT_SZ_4K, 2, &gather);
	(void)smmukit_iommu_drv_unmap_pages(dom, out_iova, SMMUKIT_SZ_4K, 1,
					    &gather);
	(void)smmukit_iommu_drv_iotlb_sync(dom, &gather);
	check(smmukit_iommu_drv_detach_dev(dom, &dev) == 0 &&
		      smmukit_iommu_drv_domain_free(dom) == 0,
	      "detach and free");
	page_free(p1, 0);
	page_free(p2, 0);
	page_free(keep, 0);
	page_free(out, 0);
}

/* ---- scenario 7: teardown ---- */

static void s7_teardown(struct stack *st)
{
	uint8_t *z = page_buf(0), *src = page_buf(0);
	smmukit_dma_addr_t a;
	uint64_t zpa = smmukit_plat_virt_to_phys(H, z);
	uint32_t cr0;

	say("== 7. teardown: after shutdown DMA does not reach memory\n");
	/* Load edu's buffer through a mapping, then shut everything down. */
	fill(src, 128, 0xc3);
	check(smmukit_dma_map_single(st->dev, src, 128, SMMUKIT_DMA_TO_DEVICE,
				     &a) == 0 &&
		      edu_dma(&edu, a, EDU_BUF, 128, false, true) &&
		      smmukit_dma_unmap_single(st->dev, a, 128,
					       SMMUKIT_DMA_TO_DEVICE) == 0,
	      "load edu's buffer");
	core_down(st);
	smmukit_smmu_destroy(st->smmu);
	st->smmu = NULL;
	cr0 = smmukit_bm_read32(VIRT_SMMU + SMMUV3_CR0);
	say("  after destroy: CR0 0x%x GBPA 0x%x\n", cr0,
	    smmukit_bm_read32(VIRT_SMMU + SMMUV3_GBPA));
	/* edu writes straight at z's physical address: a bypassing SMMU
	 * would let it through. */
	__builtin_memset(z, 0, 128);
	check(edu_dma(&edu, EDU_BUF, zpa, 128, true, false), "edu write completes");
	check(all_byte(z, 128, 0), "DMA after shutdown did not reach memory");
	page_free(z, 0);
	page_free(src, 0);
}

/* ---- main ---- */

static void run_scenarios(void)
{
	struct stack st = { 0 };
	int ret;

	s1_probe_linear();

	say("== 2b. 2-level stream table\n");
	ret = smmu_up(&st.smmu, false, 0);
	check(ret == 0, "probe with a 2-level stream table");
	if (ret)
		return;
	{
		struct smmukit_smmu_info in;

		(void)smmukit_smmu_get_info(st.smmu, &in);
		check(in.strtab_2lvl_used && in.strtab_log2 == 16 &&
			      in.strtab_split == 8,
		      "2-level table, 16 SID bits, split 8");
	}
	if (core_up(&st, NULL)) {
		check(false, "IOMMU core and edu attach");
		return;
	}
	dma_roundtrip(&st, "strict DMA, 2-level table", 300, 0x22);
	s3_strict(&st);
	core_down(&st);

	/* The same SMMU, a new IOMMU core whose policy is lazy. */
	ret = core_up(&st, "iommu.strict=0 iommu.fq_mode=single iommu.fq_size=16 iommu.fq_timeout_ms=1000");
	check(ret == 0, "IOMMU core with iommu.strict=0");
	if (ret)
		return;
	s4_lazy(&st);
	core_down(&st);

	/* Driver-level domains (the core's default domains are 4K, 48-bit). */
	s5_granules(&st);
	s6_stale(&st);

	check(core_up(&st, NULL) == 0, "IOMMU core again");
	s7_teardown(&st);
}

int harness_main(uint64_t x0);
int harness_main(uint64_t x0)
{
	struct fdt_info fi;
	struct smmukit_baremetal_region map[3];
	struct smmukit_baremetal_config bc = { 0 };
	extern char __image_end[];
	const void *dtb = (const void *)(uintptr_t)VIRT_RAM;
	uint64_t ram_base = VIRT_RAM, ram_size = UINT64_C(256) << 20;
	uint64_t ecam = VIRT_ECAM_LOW, heap;
	unsigned bus_first = 0, bus_last = 15;
	uint64_t t0, pages0;
	int ret;

	/* The DTB, with the MMU still off (byte reads only). */
	if (!fdt_parse(dtb, &fi) && x0)
		fdt_parse((const void *)(uintptr_t)x0, &fi);
	if (fi.found_ram) {
		ram_base = fi.ram_base;
		ram_size = fi.ram_size;
	}
	if (fi.found_ecam) {
		ecam = fi.ecam_base;
		bus_first = fi.bus_first;
		bus_last = fi.bus_last;
	}

	/* Identity map: devices below RAM, RAM, and the high ECAM's GiB. */
	map[0] = (struct smmukit_baremetal_region){ 0, VIRT_RAM, true };
	map[1] = (struct smmukit_baremetal_region){ ram_base, ram_size, false };
	map[2] = (struct smmukit_baremetal_region){
		ecam & ~((UINT64_C(1) << 30) - 1), UINT64_C(1) << 30, true
	};
	ret = smmukit_baremetal_mmu_enable(map, ecam >= VIRT_RAM ? 3 : 2);
	if (ret)
		harness_exit(4);

	heap = smmukit_align_up((uint64_t)(uintptr_t)__image_end,
				UINT64_C(1) << 21);
	bc.heap_base = heap;
	bc.heap_size = ram_base + ram_size - heap;
	bc.ram_base = ram_base;
	bc.ram_size = ram_size;
	bc.uart_base = VIRT_UART;
	bc.log_level = SMMUKIT_LOG_INFO;
	bc.halt = harness_exit;
	if (smmukit_baremetal_create(&bc, &H))
		harness_exit(5);
	say("\nsmmukit bare-metal harness: QEMU virt, SMMUv3 at 0x%x, edu as DMA master\n",
	    VIRT_SMMU);
	say("dtb: %s; RAM 0x%llx + %llu MiB; ECAM 0x%llx (buses %u-%u); heap 0x%llx + %llu MiB\n",
	    fi.found_ecam ? "found" : "not found, using the virt memory map",
	    (unsigned long long)ram_base, (unsigned long long)(ram_size >> 20),
	    (unsigned long long)ecam, bus_first, bus_last,
	    (unsigned long long)heap, (unsigned long long)(bc.heap_size >> 20));

	check(pci_find_setup(ecam, bus_first, bus_last, 0x1234, 0x11e8, &edu_pci),
	      "edu found, BAR0 assigned, memory and bus master enabled");
	if (!edu_pci.bar0)
		goto out;
	edu_sid = (edu_pci.bus << 8) | (edu_pci.dev << 3) | edu_pci.fn;
	say("edu at %02x:%02x.%u, BAR0 0x%llx, stream ID 0x%x\n", edu_pci.bus,
	    edu_pci.dev, edu_pci.fn, (unsigned long long)edu_pci.bar0, edu_sid);
	check(edu_init(&edu, edu_pci.bar0), "edu identifies itself");

	t0 = smmukit_plat_clock_ns(H);
	pages0 = smmukit_baremetal_pages_in_use(H);
	run_scenarios();
	say("heap pages in use: %llu before, %llu after (parked stream tables, small-allocation pages)\n",
	    (unsigned long long)pages0,
	    (unsigned long long)smmukit_baremetal_pages_in_use(H));
	say("virtual time: %llu ms\n",
	    (unsigned long long)((smmukit_plat_clock_ns(H) - t0) / 1000000u));
out:
	say("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}

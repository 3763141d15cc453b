/* SPDX-License-Identifier: MIT */
/*
 * The flush queue's release rule under chosen interleavings, on the manual
 * clock (polled timers: a timer runs in whichever thread moves the clock
 * or waits in relax()).
 *
 * The seam is the driver's ops table: the core is given a copy of the
 * SMMUv3 driver whose flush_iotlb_all can be stopped at a gate, before or
 * after the real invalidation + CMD_SYNC, until the test opens it. A flush
 * stopped there has taken its ticket (flush_start_cnt) but not yet
 * published its completion, which is the window the rule is about.
 *
 * What is checked is what a device sees (the model in checking mode): a
 * translation cached after a flush's TLBI survives that flush, so if the
 * IOVA were handed out again while that entry waits, a device read at it
 * would reach the old buffer (stale_reused) instead of the new one. A
 * released IOVA comes back at once (the allocator's per-CPU magazine is
 * last-in first-out), so a map right after a release tests it.
 *
 *  (a) two flushes overlap: a full ring's flush on CPU 1 stopped after its
 *      invalidation while CPU 0 queues and flushes; both completion orders;
 *  (b) the timer against a full ring's flush: nested in the same thread
 *      (the flush's CMD_SYNC wait reaches the timer's deadline in relax())
 *      and from another thread while the flush is stopped before or after
 *      its invalidation;
 *  (c) teardown against the timer: the device released and the domain
 *      switched DMA-FQ -> DMA while the timer is armed, and while its
 *      callback is stopped inside its flush (the teardown must wait).
 * Every case ends with everything freed: table pages (h_down), IOVAs
 * (iova_live), queue entries (fq_pending), and no entry released twice.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "dma_stack.h"

#define RING 8u			/* iommu.fq_size: 7 usable slots */
#define SID 8u
#define TIMEOUT_MS 10u
#define MS UINT64_C(1000000)
/* Real-time limit of any wait for another thread: a hang fails fast. */
#define WATCHDOG_S 20

/* ---- the gate in the driver's flush_iotlb_all ---- */

enum gate_where { GATE_AFTER, GATE_BEFORE };

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool armed;		/* stop the next flush_iotlb_all */
	enum gate_where where;
	bool blocked;		/* a flush is stopped at the gate */
	bool open;
	unsigned flushes;	/* calls seen */
} gate = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static const struct smmukit_iommu_drv *real_drv;
static struct smmukit_iommu_drv_ops wrap_ops;
static struct smmukit_iommu_drv wrap_drv;

static void deadline_in(struct timespec *ts, int s)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += s;
}

static void gate_wait(void)
{
	struct timespec ts;

	deadline_in(&ts, WATCHDOG_S);
	pthread_mutex_lock(&gate.mu);
	gate.blocked = true;
	pthread_cond_broadcast(&gate.cv);
	while (!gate.open)
		if (pthread_cond_timedwait(&gate.cv, &gate.mu, &ts)) {
			fprintf(stderr, "fq_interleave: gate never opened\n");
			abort();
		}
	gate.blocked = false;
	gate.open = false;
	pthread_cond_broadcast(&gate.cv);
	pthread_mutex_unlock(&gate.mu);
}

static int w_flush(struct smmukit_iommu_drv_domain *dom)
{
	bool stop;
	int ret;

	pthread_mutex_lock(&gate.mu);
	gate.flushes++;
	stop = gate.armed;
	gate.armed = false;
	pthread_mutex_unlock(&gate.mu);
	if (stop && gate.where == GATE_BEFORE)
		gate_wait();
	ret = real_drv->ops->flush_iotlb_all(dom);
	if (stop && gate.where == GATE_AFTER)
		gate_wait();
	return ret;
}

static int w_domain_alloc(struct smmukit_iommu_drv *iommu,
			  const struct smmukit_iommu_drv_domain_cfg *cfg,
			  struct smmukit_iommu_drv_domain **out)
{
	int ret;

	(void)iommu;
	ret = real_drv->ops->domain_alloc((struct smmukit_iommu_drv *)real_drv,
					  cfg, out);
	if (!ret)
		(*out)->iommu = &wrap_drv;	/* calls on it come here */
	return ret;
}

static bool w_capable(struct smmukit_iommu_drv *iommu,
		      enum smmukit_iommu_drv_cap cap)
{
	(void)iommu;
	return real_drv->ops->capable((struct smmukit_iommu_drv *)real_drv, cap);
}

static void gate_arm(enum gate_where where)
{
	pthread_mutex_lock(&gate.mu);
	gate.armed = true;
	gate.where = where;
	gate.open = false;
	pthread_mutex_unlock(&gate.mu);
}

/* Wait (real time, bounded) until a flush is stopped at the gate. */
static void gate_wait_blocked(void)
{
	struct timespec ts;

	deadline_in(&ts, WATCHDOG_S);
	pthread_mutex_lock(&gate.mu);
	while (!gate.blocked)
		if (pthread_cond_timedwait(&gate.cv, &gate.mu, &ts)) {
			pthread_mutex_unlock(&gate.mu);
			fail_msg("no flush reached the gate");
		}
	pthread_mutex_unlock(&gate.mu);
}

static void gate_open(void)
{
	pthread_mutex_lock(&gate.mu);
	gate.open = true;
	pthread_cond_broadcast(&gate.cv);
	pthread_mutex_unlock(&gate.mu);
}

/* ---- the stack ---- */

struct stack {
	struct dma_stack ds;
	struct smmukit_dma_pages old_buf, new_buf;
};

/* prof NULL: zero costs. */
static void st_up(struct stack *s, const struct smmukit_model_profile *prof)
{
	struct smmukit_smmu_config c;

	memset(s, 0, sizeof(*s));
	h_model_prof(&s->ds.h, "checking", prof);
	h_config(&s->ds.h, &c);
	assert_int_equal(smmukit_smmu_probe(&c, &s->ds.h.s), 0);
	s->ds.h.iommu = smmukit_smmu_iommu(s->ds.h.s);
	real_drv = s->ds.h.iommu;
	wrap_ops = *real_drv->ops;
	wrap_ops.flush_iotlb_all = w_flush;
	wrap_ops.domain_alloc = w_domain_alloc;
	wrap_ops.capable = w_capable;
	wrap_drv = *real_drv;
	wrap_drv.ops = &wrap_ops;
	gate.armed = false;
	gate.flushes = 0;

	smmukit_iommu_options_default(&s->ds.opts);
	s->ds.opts.strict = false;
	s->ds.opts.fq_size = RING;
	s->ds.opts.fq_size_given = true;
	s->ds.opts.fq_timeout_ms = TIMEOUT_MS;
	s->ds.opts.fq_timeout_given = true;
	ds_core_up(&s->ds, &wrap_drv);
	s->ds.dev = ds_dev(&s->ds, "nvme", SID, false, 0);
	assert_int_equal(smmukit_domain_get_type(smmukit_device_domain(s->ds.dev)),
			 SMMUKIT_DOMAIN_DMA_FQ);
	s->old_buf = h_buf(&s->ds.h, 0, 0x11);
	s->new_buf = h_buf(&s->ds.h, 0, 0x22);
}

static struct smmukit_dma_stats st_stats(struct stack *s)
{
	return ds_stats(&s->ds);
}

/* Everything released; dev NULL if the test released it already. */
static void st_down(struct stack *s)
{
	struct smmukit_dma_stats ds;

	if (s->ds.dev) {
		assert_int_equal(smmukit_dma_flush(s->ds.dev), 0);
		ds = st_stats(s);
		assert_int_equal(ds.fq_pending, 0);
		assert_int_equal(ds.iova_live, 0);
		assert_int_equal(smmukit_iommu_release_device(s->ds.dev), 0);
		s->ds.dev = NULL;
	}
	ds = st_stats(s);
	assert_int_equal(ds.fq_pending, 0);
	assert_int_equal(ds.iova_live, 0);
	assert_int_equal(h_mstats(&s->ds.h).stale_reused, 0);
	smmukit_plat_free_pages(s->ds.h.p, &s->old_buf);
	smmukit_plat_free_pages(s->ds.h.p, &s->new_buf);
	ds_down(&s->ds);
}

/* Map the old buffer and let the device cache the translation. */
static smmukit_dma_addr_t map_cached(struct stack *s)
{
	smmukit_dma_addr_t a;
	unsigned char b;

	assert_int_equal(smmukit_dma_map_page(s->ds.dev, s->old_buf.pa, 4096,
					      SMMUKIT_DMA_TO_DEVICE, &a), 0);
	assert_int_equal(h_dma_read(&s->ds.h, SID, a, &b, 1), 0);
	assert_int_equal(b, 0x11);
	return a;
}

static void unmap(struct stack *s, smmukit_dma_addr_t a)
{
	assert_int_equal(smmukit_dma_unmap_page(s->ds.dev, a, 4096,
						SMMUKIT_DMA_TO_DEVICE), 0);
}

/*
 * Map the new buffer and read it through the device: it must see the new
 * buffer, never the old one through a stale translation. Returns the
 * IOVA (left mapped).
 */
static smmukit_dma_addr_t map_new_checked(struct stack *s)
{
	smmukit_dma_addr_t a;
	unsigned char b = 0;

	assert_int_equal(smmukit_dma_map_page(s->ds.dev, s->new_buf.pa, 4096,
					      SMMUKIT_DMA_TO_DEVICE, &a), 0);
	assert_int_equal(h_dma_read(&s->ds.h, SID, a, &b, 1), 0);
	if (b != 0x22)
		fail_msg("IOVA 0x%llx reached the old buffer (0x%02x): handed out "
			 "again before a flush that started after its unmap completed",
			 (unsigned long long)a, b);
	assert_int_equal(h_mstats(&s->ds.h).stale_reused, 0);
	return a;
}

/* ---- CPU 1: fill its ring, then one more (a full ring's flush) ---- */

struct filler {
	struct stack *s;
	pthread_t th;
	smmukit_dma_addr_t a[RING];
	_Atomic bool done;
	int ret;
};

static void *filler_fn(void *arg)
{
	struct filler *f = arg;
	struct stack *s = f->s;

	smmukit_posix_set_cpu(s->ds.h.p, 1);
	/* No cmocka assertions off the main thread: results are returned. */
	for (unsigned i = 0; i < RING; i++) {
		f->ret = smmukit_dma_map_page(s->ds.dev, s->old_buf.pa, 4096,
					      SMMUKIT_DMA_TO_DEVICE, &f->a[i]);
		if (f->ret)
			break;
		f->ret = smmukit_dma_unmap_page(s->ds.dev, f->a[i], 4096,
						SMMUKIT_DMA_TO_DEVICE);
		if (f->ret)
			break;
	}
	atomic_store(&f->done, true);
	return NULL;
}

/* Start CPU 1 and wait until its full-ring flush is at the gate. */
static void filler_start(struct filler *f, struct stack *s,
			 enum gate_where where)
{
	memset(f, 0, sizeof(*f));
	f->s = s;
	gate_arm(where);
	assert_int_equal(pthread_create(&f->th, NULL, filler_fn, f), 0);
	gate_wait_blocked();
	assert_false(atomic_load(&f->done));
}

static void filler_join(struct filler *f)
{
	pthread_join(f->th, NULL);
	assert_int_equal(f->ret, 0);
}

/*
 * (a), flush #1 completes first. CPU 1's full-ring flush (#1) is stopped
 * after its invalidation. CPU 0 then caches and unmaps a1: a1's entry is
 * stamped after #1 started, and its cached translation survived #1's
 * TLBI. #1's completion must release e0 (queued before #1 started) and
 * not a1; only flush #2, started after a1's unmap, may release a1.
 */
static void overlap_first_completes_first(void **state)
{
	struct stack s;
	struct filler f;
	smmukit_dma_addr_t a0, a1, n[4];
	struct smmukit_dma_stats ds;

	(void)state;
	st_up(&s, NULL);
	a0 = map_cached(&s);
	unmap(&s, a0);			/* e0, stamped before #1 */
	filler_start(&f, &s, GATE_AFTER);
	/* #1's TLBI is done, its completion not published: e0 still waits. */
	a1 = map_cached(&s);
	assert_true(a1 != a0);
	unmap(&s, a1);			/* e1, stamped after #1 started */
	ds = st_stats(&s);
	assert_int_equal(ds.fq_pending, 2 + (RING - 1));
	n[0] = map_new_checked(&s);
	assert_false(n[0] == a0 || n[0] == a1);
	gate_open();			/* #1 completes */
	filler_join(&f);
	ds = st_stats(&s);
	assert_int_equal(ds.fq_full_flushes, 1);
	/* CPU 1's ring: its 7 old entries released, its last one queued. */
	assert_int_equal(ds.fq_pending, 2 + 1);
	/* CPU 0's ring is reclaimed by its next queueing: e0 goes, e1 stays. */
	unmap(&s, n[0]);
	assert_int_equal(st_stats(&s).fq_pending, 1 + 1 + 1);
	n[1] = map_new_checked(&s);	/* a0 may come back: it is clean */
	n[2] = map_new_checked(&s);
	assert_false(n[1] == a1 || n[2] == a1);
	/* Flush #2 started after e1: now a1 may be handed out again. */
	assert_int_equal(smmukit_dma_flush(s.ds.dev), 0);
	assert_int_equal(st_stats(&s).fq_pending, 0);
	n[3] = map_new_checked(&s);
	for (unsigned i = 1; i < 4; i++)
		unmap(&s, n[i]);
	assert_int_equal(st_stats(&s).fq_timer_flushes, 0);
	st_down(&s);
}

/*
 * (a), flush #2 completes first. While #1 (CPU 1) is stopped after its
 * invalidation, CPU 0 unmaps a1 and flushes (#2, started after a1's unmap):
 * e0 and a1's entry go. Then e3 is queued, and #1 completes: #1 began
 * before e3, so e3 must stay queued; a later flush releases it.
 */
static void overlap_second_completes_first(void **state)
{
	struct stack s;
	struct filler f;
	smmukit_dma_addr_t a0, a1, a3, n[3];

	(void)state;
	st_up(&s, NULL);
	a0 = map_cached(&s);
	unmap(&s, a0);
	filler_start(&f, &s, GATE_AFTER);
	a1 = map_cached(&s);
	unmap(&s, a1);
	/*
	 * #2 overlaps #1 and completes first. Its ticket is above every
	 * stamp so far (CPU 1's 7 entries are older than #2 too), so all
	 * are released although #1 has not completed: finish holds the
	 * ticket of a completed flush, not a count of completions.
	 */
	assert_int_equal(smmukit_dma_flush(s.ds.dev), 0);
	assert_int_equal(st_stats(&s).fq_pending, 0);
	n[0] = map_new_checked(&s);	/* a released IOVA, clean now */
	a3 = map_cached(&s);
	unmap(&s, a3);			/* e3: after #2 completed */
	gate_open();			/* #1 completes, last */
	filler_join(&f);
	/* CPU 0's next queueing reclaims its ring: e3 must stay. */
	unmap(&s, n[0]);
	n[1] = map_new_checked(&s);
	assert_true(n[1] != a3);
	assert_int_equal(smmukit_dma_flush(s.ds.dev), 0);
	n[2] = map_new_checked(&s);
	unmap(&s, n[1]);
	unmap(&s, n[2]);
	st_down(&s);
}

/*
 * (b), same thread: a full ring's flush whose CMD_SYNC completes after
 * the timer's deadline. The wait's relax() jumps to the deadline and runs
 * the timer inside the flush (ring lock dropped): the timer flushes
 * (queued behind the first flush's sync) and reclaims every ring, the
 * outer flush then completes and reclaims nothing more. Each entry is
 * released once, and the entry that waited for room is queued.
 */
static void timer_inside_full_ring_flush(void **state)
{
	struct stack s;
	struct smmukit_model_profile prof;
	smmukit_dma_addr_t a[RING], n;
	struct smmukit_dma_stats ds;
	uint64_t t0, deadline;

	(void)state;
	smmukit_model_profile_zero(&prof);
	prof.cmd_sync_ns = 2 * MS;	/* the full ring's flush spans the deadline */
	st_up(&s, &prof);
	/* Bring-up took model time (its syncs cost 2 ms each). */
	deadline = smmukit_plat_clock_ns(s.ds.h.p) + TIMEOUT_MS * MS;
	for (unsigned i = 0; i < RING - 1; i++) {
		a[i] = map_cached(&s);
		unmap(&s, a[i]);	/* the first arms the timer */
	}
	smmukit_posix_clock_set(s.ds.h.p, deadline - MS);
	assert_int_equal(st_stats(&s).fq_timer_flushes, 0);
	a[RING - 1] = map_cached(&s);
	t0 = smmukit_plat_clock_ns(s.ds.h.p);
	unmap(&s, a[RING - 1]);	/* ring full: flush, timer fires inside */
	ds = st_stats(&s);
	assert_int_equal(ds.fq_full_flushes, 1);
	assert_int_equal(ds.fq_timer_flushes, 1);
	assert_int_equal(ds.fq_reclaimed, RING - 1);
	assert_int_equal(ds.fq_pending, 1);
	assert_int_equal(ds.iova_live, 1);
	assert_int_equal(ds.flush_errors, 0);
	/* The timer's flush queued behind the first: two syncs' time. */
	assert_true(smmukit_plat_clock_ns(s.ds.h.p) - t0 >= 2 * prof.cmd_sync_ns);
	/* The last entry re-armed the timer, which releases it. */
	smmukit_posix_clock_advance(s.ds.h.p, TIMEOUT_MS * MS);
	ds = st_stats(&s);
	assert_int_equal(ds.fq_timer_flushes, 2);
	assert_int_equal(ds.fq_pending, 0);
	n = map_new_checked(&s);
	unmap(&s, n);
	st_down(&s);
}

/*
 * (b), another thread: CPU 1's full-ring flush is stopped at the gate
 * (before or after its invalidation) while CPU 0 moves the clock past the
 * timer's deadline. The timer flushes and reclaims every ring, CPU 1's
 * included (its lock is free: the flush holds none). Then CPU 1's flush
 * completes and reclaims what is left, which is nothing: no entry twice.
 */
static void timer_against_stopped_flush(enum gate_where where)
{
	struct stack s;
	struct filler f;
	smmukit_dma_addr_t a0, n;
	struct smmukit_dma_stats ds;

	st_up(&s, NULL);
	a0 = map_cached(&s);
	unmap(&s, a0);			/* arms the timer */
	filler_start(&f, &s, where);
	smmukit_posix_clock_advance(s.ds.h.p, TIMEOUT_MS * MS);
	ds = st_stats(&s);
	assert_int_equal(ds.fq_timer_flushes, 1);
	/* e0 and CPU 1's 7 entries all predate the timer's flush. */
	assert_int_equal(ds.fq_reclaimed, RING);
	assert_int_equal(ds.fq_pending, 0);
	n = map_new_checked(&s);
	gate_open();
	filler_join(&f);
	ds = st_stats(&s);
	assert_int_equal(ds.fq_full_flushes, 1);
	assert_int_equal(ds.fq_reclaimed, RING);	/* nothing twice */
	assert_int_equal(ds.fq_pending, 1);		/* CPU 1's last */
	assert_int_equal(ds.iova_live, 2);		/* that one and n */
	unmap(&s, n);
	st_down(&s);
}

static void timer_against_flush_after_tlbi(void **state)
{
	(void)state;
	timer_against_stopped_flush(GATE_AFTER);
}

static void timer_against_flush_before_tlbi(void **state)
{
	(void)state;
	timer_against_stopped_flush(GATE_BEFORE);
}

/* (c): teardown while the timer is armed: release, or DMA-FQ -> DMA. */
static void teardown_with_timer_armed(void **state)
{
	for (int sw = 0; sw < 2; sw++) {
		struct stack s;
		smmukit_dma_addr_t a[3];
		struct smmukit_dma_stats ds;
		unsigned flushes;

		(void)state;
		st_up(&s, NULL);
		for (unsigned i = 0; i < 3; i++) {
			a[i] = map_cached(&s);
			unmap(&s, a[i]);
		}
		assert_int_equal(st_stats(&s).fq_pending, 3);
		if (sw) {
			assert_int_equal(smmukit_iommu_set_default_domain_type(
						 s.ds.dev, SMMUKIT_DOMAIN_DMA), 0);
			assert_int_equal(smmukit_domain_get_type(
						 smmukit_device_domain(s.ds.dev)),
					 SMMUKIT_DOMAIN_DMA);
			/* The old domain's stale entries died with it. */
			for (unsigned i = 0; i < 3; i++) {
				unsigned char b;

				assert_int_equal(h_dma_read(&s.ds.h, SID, a[i], &b, 1),
						 SMMUV3_EVT_F_TRANSLATION);
			}
		} else {
			assert_int_equal(smmukit_iommu_release_device(s.ds.dev), 0);
		}
		ds = st_stats(&s);
		assert_int_equal(ds.fq_pending, 0);
		assert_int_equal(ds.iova_live, 0);
		/* The old deadline passes: the cancelled timer never runs. */
		flushes = gate.flushes;
		smmukit_posix_clock_advance(s.ds.h.p, 2 * TIMEOUT_MS * MS);
		ds = st_stats(&s);
		assert_int_equal(ds.fq_timer_flushes, 0);
		assert_int_equal(gate.flushes, flushes);
		if (sw) {
			/* The new DMA domain works, strictly. */
			smmukit_dma_addr_t n = map_new_checked(&s);

			unmap(&s, n);
			assert_int_equal(st_stats(&s).fq_pending, 0);
		} else {
			s.ds.dev = NULL;
		}
		st_down(&s);
	}
}

/* (c): teardown while the timer's callback is stopped inside its flush. */
struct clock_mover {
	struct stack *s;
	pthread_t th;
};

static void *clock_mover_fn(void *arg)
{
	struct clock_mover *c = arg;

	smmukit_posix_set_cpu(c->s->ds.h.p, 2);
	smmukit_posix_clock_advance(c->s->ds.h.p, TIMEOUT_MS * MS);
	return NULL;
}

struct tearer {
	struct stack *s;
	pthread_t th;
	bool domain_switch;
	_Atomic bool done;
	int ret;
};

static void *tearer_fn(void *arg)
{
	struct tearer *t = arg;

	smmukit_posix_set_cpu(t->s->ds.h.p, 3);
	t->ret = t->domain_switch ?
		 smmukit_iommu_set_default_domain_type(t->s->ds.dev,
						       SMMUKIT_DOMAIN_DMA) :
		 smmukit_iommu_release_device(t->s->ds.dev);
	atomic_store(&t->done, true);
	return NULL;
}

static void teardown_while_timer_runs(void **state)
{
	for (int sw = 0; sw < 2; sw++) {
		struct stack s;
		struct clock_mover cm;
		struct tearer t = { 0 };
		smmukit_dma_addr_t a[3];
		struct smmukit_dma_stats ds;
		struct timespec pause = { 0, 50 * 1000 * 1000 };

		(void)state;
		st_up(&s, NULL);
		for (unsigned i = 0; i < 3; i++) {
			a[i] = map_cached(&s);
			unmap(&s, a[i]);
		}
		gate_arm(GATE_AFTER);
		cm.s = &s;
		assert_int_equal(pthread_create(&cm.th, NULL, clock_mover_fn, &cm), 0);
		gate_wait_blocked();	/* the timer's flush is stopped */
		t.s = &s;
		t.domain_switch = sw;
		assert_int_equal(pthread_create(&t.th, NULL, tearer_fn, &t), 0);
		/*
		 * The teardown must wait for the running callback: it may not
		 * free the queue under it. (A teardown that does not wait is
		 * seen finishing here, or by AddressSanitizer afterwards.)
		 */
		nanosleep(&pause, NULL);
		assert_false(atomic_load(&t.done));
		gate_open();
		pthread_join(cm.th, NULL);
		pthread_join(t.th, NULL);
		assert_int_equal(t.ret, 0);
		ds = st_stats(&s);
		assert_int_equal(ds.fq_timer_flushes, 1);
		assert_int_equal(ds.fq_reclaimed, 3);	/* by the callback, once */
		assert_int_equal(ds.fq_pending, 0);
		assert_int_equal(ds.iova_live, 0);
		if (sw) {
			smmukit_dma_addr_t n = map_new_checked(&s);

			unmap(&s, n);
		} else {
			s.ds.dev = NULL;
		}
		st_down(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(overlap_first_completes_first),
		cmocka_unit_test(overlap_second_completes_first),
		cmocka_unit_test(timer_inside_full_ring_flush),
		cmocka_unit_test(timer_against_flush_after_tlbi),
		cmocka_unit_test(timer_against_flush_before_tlbi),
		cmocka_unit_test(teardown_with_timer_armed),
		cmocka_unit_test(teardown_while_timer_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

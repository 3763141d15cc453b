/* SPDX-License-Identifier: MIT */
/*
 * Simulated CPUs in virtual time (see tool_vtime.h): a platform wrapper
 * whose clock, relax(), locks, CPU ids and timers belong to a scheduler of
 * simulated CPUs, and whose memory is the hosted platform's.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smmukit/platform_posix.h"
#include "tool_vtime.h"

enum cpu_state {
	CPU_OFF,	/* not part of this run, or the timer CPU with no timer */
	CPU_RUNNABLE,	/* may run at its time t */
	CPU_BLOCKED,	/* waits for a lock */
	CPU_DONE,
};

struct vt_cpu {
	struct tool_vtime *vt;
	unsigned id;
	bool is_timer;
	pthread_t th;
	bool started;
	pthread_cond_t cv;
	uint64_t t;
	enum cpu_state state;
	const void *blocked_on;
};

/* A lock in struct smmukit_lock's storage. */
struct vt_lock {
	int owner;		/* LOCK_FREE, LOCK_MAIN or a CPU number */
	unsigned waiters;	/* CPUs blocked on it */
};
#define LOCK_FREE (-1)
#define LOCK_MAIN (-2)

struct vt_source {
	void (*run)(void *arg);
	uint64_t (*next_due_ns)(void *arg);
	void *arg;
};

/*
 * State ownership. mu protects the hand-over (cur, finished) and is held
 * while the scheduler picks; everything else (CPU states and times, lock
 * words, the timer list, statistics) is touched only by the thread holding
 * the baton (the running simulated CPU, or the caller outside a run), so
 * the hand-over under mu orders every access.
 */
struct tool_vtime {
	struct smmukit_platform pub;
	struct smmukit_platform *inner;
	struct smmukit_model *model;
	unsigned nr_cpus;	/* including the timer CPU, the last one */
	pthread_mutex_t mu;
	pthread_cond_t main_cv;
	bool running;
	bool finished;
	bool stopping;		/* every job CPU is done: the timer CPU ends */
	bool timer_busy;	/* the timer CPU is inside a callback */
	struct vt_cpu *cur;
	struct vt_cpu *cpus;
	unsigned nr_jobs, alive;
	void (*fn)(void *arg, unsigned cpu);
	void *fn_arg;
	struct smmukit_timer *timers;	/* armed, unordered */
	struct vt_source sources[TOOL_VTIME_MAX_SOURCES];
	unsigned nr_sources;
	struct tool_vtime_stats stats;
};

/* The simulated CPU this host thread is (NULL: the caller, outside a run). */
static _Thread_local struct vt_cpu *vt_self;

static struct tool_vtime *to_vt(struct smmukit_platform *p)
{
	return smmukit_container_of(p, struct tool_vtime, pub);
}

static uint64_t now_of(struct tool_vtime *vt)
{
	return vt->inner->ops->clock_ns(vt->inner);
}

static struct vt_cpu *timer_cpu(struct tool_vtime *vt)
{
	return &vt->cpus[vt->nr_cpus - 1];
}

/* ---- the scheduler ---- */

static struct vt_cpu *pick(struct tool_vtime *vt)
{
	struct vt_cpu *best = NULL;

	for (unsigned i = 0; i < vt->nr_cpus; i++) {
		struct vt_cpu *c = &vt->cpus[i];

		if (c->state == CPU_RUNNABLE && (!best || c->t < best->t))
			best = c;
	}
	return best;
}

static bool all_done(struct tool_vtime *vt)
{
	for (unsigned i = 0; i < vt->nr_cpus; i++)
		if (vt->cpus[i].state != CPU_DONE && vt->cpus[i].state != CPU_OFF)
			return false;
	return true;
}

/*
 * Give the baton to the earliest runnable CPU and return when self holds
 * it again (at once if self is still the earliest). self's state and time
 * say what it waits for; a DONE self returns without waiting.
 */
static void schedule(struct tool_vtime *vt, struct vt_cpu *self)
{
	struct vt_cpu *next;
	uint64_t now;

	pthread_mutex_lock(&vt->mu);
	next = pick(vt);
	if (!next) {
		if (!all_done(vt)) {
			fprintf(stderr, "smmukit: virtual time: every simulated CPU waits for a lock (deadlock)\n");
			abort();
		}
		vt->finished = true;
		vt->cur = NULL;
		pthread_cond_signal(&vt->main_cv);
		pthread_mutex_unlock(&vt->mu);
		return;
	}
	now = now_of(vt);
	if (next->t < now)
		next->t = now;
	/* The earliest CPU runs next, so the hardware's time only grows. */
	smmukit_posix_clock_set(vt->inner, next->t);
	if (next != self) {
		vt->cur = next;
		vt->stats.switches++;
		pthread_cond_signal(&next->cv);
		if (self->state != CPU_DONE)
			while (vt->cur != self)
				pthread_cond_wait(&self->cv, &vt->mu);
	}
	pthread_mutex_unlock(&vt->mu);
}

static void wait_for_baton(struct tool_vtime *vt, struct vt_cpu *self)
{
	pthread_mutex_lock(&vt->mu);
	while (vt->cur != self)
		pthread_cond_wait(&self->cv, &vt->mu);
	pthread_mutex_unlock(&vt->mu);
}

/* ---- timers ---- */

static uint64_t earliest_deadline(struct tool_vtime *vt)
{
	uint64_t d = UINT64_MAX;

	for (struct smmukit_timer *t = vt->timers; t; t = t->next)
		if (t->deadline_ns < d)
			d = t->deadline_ns;
	return d;
}

static void unlink_timer(struct tool_vtime *vt, struct smmukit_timer *t)
{
	for (struct smmukit_timer **pp = &vt->timers; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	t->next = NULL;
	t->armed = false;
}

/* Run one due timer's callback, if any; true if one ran. */
static bool run_one_due_timer(struct tool_vtime *vt)
{
	uint64_t now = now_of(vt);
	struct smmukit_timer *due = NULL;

	for (struct smmukit_timer *t = vt->timers; t; t = t->next)
		if (t->deadline_ns <= now &&
		    (!due || t->deadline_ns < due->deadline_ns))
			due = t;
	if (!due)
		return false;
	unlink_timer(vt, due);
	due->running = true;
	vt->stats.timer_runs++;
	due->fn(due);
	due->running = false;
	return true;
}

/* The timer CPU sleeps until the earliest deadline (or for good). */
static void kick_timer_cpu(struct tool_vtime *vt)
{
	struct vt_cpu *tc;
	uint64_t d;

	if (!vt->running || vt->timer_busy)
		return;
	tc = timer_cpu(vt);
	if (tc->state == CPU_DONE)
		return;
	d = earliest_deadline(vt);
	if (vt->stopping) {
		tc->state = CPU_RUNNABLE;
		tc->t = now_of(vt);
	} else if (d == UINT64_MAX) {
		tc->state = CPU_OFF;
	} else {
		tc->state = CPU_RUNNABLE;
		tc->t = d;
	}
}

static void timer_loop(struct tool_vtime *vt, struct vt_cpu *self)
{
	for (;;) {
		if (vt->stopping) {
			self->state = CPU_DONE;
			schedule(vt, self);
			return;
		}
		vt->timer_busy = true;
		while (run_one_due_timer(vt))
			;
		vt->timer_busy = false;
		kick_timer_cpu(vt);
		schedule(vt, self);
	}
}

static void *cpu_thread(void *arg)
{
	struct vt_cpu *self = arg;
	struct tool_vtime *vt = self->vt;

	vt_self = self;
	wait_for_baton(vt, self);
	if (self->is_timer) {
		timer_loop(vt, self);
		return NULL;
	}
	vt->fn(vt->fn_arg, self->id);
	self->state = CPU_DONE;
	if (--vt->alive == 0) {
		vt->stopping = true;
		kick_timer_cpu(vt);
	}
	schedule(vt, self);
	return NULL;
}

/* ---- platform ops ---- */

static int vt_alloc_pages(struct smmukit_platform *p, unsigned order,
			  struct smmukit_dma_pages *out)
{
	struct smmukit_platform *in = to_vt(p)->inner;

	return in->ops->alloc_pages(in, order, out);
}

static void vt_free_pages(struct smmukit_platform *p,
			  const struct smmukit_dma_pages *pages)
{
	struct smmukit_platform *in = to_vt(p)->inner;

	in->ops->free_pages(in, pages);
}

static void *vt_phys_to_virt(struct smmukit_platform *p, smmukit_phys_t pa)
{
	struct smmukit_platform *in = to_vt(p)->inner;

	return in->ops->phys_to_virt(in, pa);
}

static smmukit_phys_t vt_virt_to_phys(struct smmukit_platform *p,
				      const void *cpu)
{
	struct smmukit_platform *in = to_vt(p)->inner;

	return in->ops->virt_to_phys(in, cpu);
}

static void vt_sync_for_device(struct smmukit_platform *p, smmukit_phys_t pa,
			       size_t len)
{
	struct smmukit_platform *in = to_vt(p)->inner;

	if (in->ops->dma_sync_for_device)
		in->ops->dma_sync_for_device(in, pa, len);
}

static void vt_sync_for_cpu(struct smmukit_platform *p, smmukit_phys_t pa,
			    size_t len)
{
	struct smmukit_platform *in = to_vt(p)->inner;

	if (in->ops->dma_sync_for_cpu)
		in->ops->dma_sync_for_cpu(in, pa, len);
}

static void *vt_zalloc(struct smmukit_platform *p, size_t size)
{
	struct smmukit_platform *in = to_vt(p)->inner;

	return in->ops->zalloc(in, size);
}

static void vt_free(struct smmukit_platform *p, void *ptr, size_t size)
{
	struct smmukit_platform *in = to_vt(p)->inner;

	in->ops->free(in, ptr, size);
}

static struct vt_lock *lock_word(struct smmukit_lock *l)
{
	return (struct vt_lock *)(void *)l->opaque;
}

static void vt_lock_init(struct smmukit_platform *p, struct smmukit_lock *l)
{
	(void)p;
	*lock_word(l) = (struct vt_lock){ LOCK_FREE, 0 };
}

static void vt_lock_destroy(struct smmukit_platform *p, struct smmukit_lock *l)
{
	(void)p;
	(void)l;
}

static void vt_lock(struct smmukit_platform *p, struct smmukit_lock *l)
{
	struct tool_vtime *vt = to_vt(p);
	struct vt_lock *w = lock_word(l);
	struct vt_cpu *self = vt_self;

	if (!self) {
		/* One thread outside a run: a held lock is a recursion bug. */
		if (w->owner != LOCK_FREE) {
			fprintf(stderr, "smmukit: virtual time: lock taken twice\n");
			abort();
		}
		w->owner = LOCK_MAIN;
		return;
	}
	while (w->owner != LOCK_FREE) {
		self->state = CPU_BLOCKED;
		self->blocked_on = l;
		w->waiters++;
		vt->stats.lock_waits++;
		schedule(vt, self);
	}
	w->owner = (int)self->id;
}

static void vt_unlock(struct smmukit_platform *p, struct smmukit_lock *l)
{
	struct tool_vtime *vt = to_vt(p);
	struct vt_lock *w = lock_word(l);
	uint64_t now;

	w->owner = LOCK_FREE;
	if (!w->waiters)
		return;
	/* The waiters compete again from the release time; earliest wins. */
	now = now_of(vt);
	for (unsigned i = 0; i < vt->nr_cpus; i++) {
		struct vt_cpu *c = &vt->cpus[i];

		if (c->state == CPU_BLOCKED && c->blocked_on == l) {
			c->state = CPU_RUNNABLE;
			c->blocked_on = NULL;
			if (c->t < now)
				c->t = now;
		}
	}
	w->waiters = 0;
}

static unsigned vt_cpu_id(struct smmukit_platform *p)
{
	(void)p;
	return vt_self ? vt_self->id : 0;
}

static unsigned vt_nr_cpus(struct smmukit_platform *p)
{
	return to_vt(p)->nr_cpus;
}

static uint64_t vt_clock_ns(struct smmukit_platform *p)
{
	return now_of(to_vt(p));
}

/* Perform the hardware's due work; return its next event (or max). */
static uint64_t run_hardware(struct tool_vtime *vt)
{
	uint64_t next;

	smmukit_model_run(vt->model);
	for (unsigned i = 0; i < vt->nr_sources; i++)
		vt->sources[i].run(vt->sources[i].arg);
	next = smmukit_model_next_due_ns(vt->model);
	for (unsigned i = 0; i < vt->nr_sources; i++) {
		uint64_t t = vt->sources[i].next_due_ns(vt->sources[i].arg);

		if (t < next)
			next = t;
	}
	return next;
}

static void vt_relax(struct smmukit_platform *p)
{
	struct tool_vtime *vt = to_vt(p);
	struct vt_cpu *self = vt_self;
	uint64_t now = now_of(vt), next, cap = now + TOOL_VTIME_RELAX_MAX_NS;

	if (!self) {
		/* Outside a run: the manual clock's relax, timers polled. */
		while (run_one_due_timer(vt))
			;
		next = run_hardware(vt);
		if (earliest_deadline(vt) < next)
			next = earliest_deadline(vt);
		if (next > cap)
			next = cap;
		if (next > now)
			smmukit_posix_clock_set(vt->inner, next);
		return;
	}
	vt->stats.relaxes++;
	next = run_hardware(vt);
	if (next > cap)
		next = cap;
	if (next <= now)
		next = now + 1;
	self->t = next;
	schedule(vt, self);
}

void tool_vtime_relax_until(struct tool_vtime *vt, uint64_t t)
{
	struct vt_cpu *self = vt_self;
	uint64_t now;

	if (!vt)
		return;
	if (!self) {
		vt_relax(&vt->pub);
		return;
	}
	vt->stats.relaxes++;
	run_hardware(vt);
	now = now_of(vt);
	self->t = t > now ? t : now + 1;
	schedule(vt, self);
}

static void vt_timer_init(struct smmukit_platform *p, struct smmukit_timer *t,
			  smmukit_timer_fn fn)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->backend = to_vt(p);
}

static void vt_timer_arm(struct smmukit_platform *p, struct smmukit_timer *t,
			 uint64_t deadline_ns)
{
	struct tool_vtime *vt = to_vt(p);

	if (t->armed)
		unlink_timer(vt, t);
	t->deadline_ns = deadline_ns;
	t->armed = true;
	t->next = vt->timers;
	vt->timers = t;
	kick_timer_cpu(vt);
}

static void vt_timer_cancel_sync(struct smmukit_platform *p,
				 struct smmukit_timer *t)
{
	struct tool_vtime *vt = to_vt(p);

	if (t->armed)
		unlink_timer(vt, t);
	kick_timer_cpu(vt);
	while (t->running)
		vt_relax(p);
}

static void vt_timer_destroy(struct smmukit_platform *p,
			     struct smmukit_timer *t)
{
	vt_timer_cancel_sync(p, t);
}

static void vt_timer_poll(struct smmukit_platform *p)
{
	struct tool_vtime *vt = to_vt(p);

	/* In a run the timer CPU runs callbacks at their deadlines. */
	if (!vt_self)
		while (run_one_due_timer(vt))
			;
}

static void vt_log(struct smmukit_platform *p, enum smmukit_log_level level,
		   const char *fmt, va_list ap)
{
	struct smmukit_platform *in = to_vt(p)->inner;

	in->ops->log(in, level, fmt, ap);
}

static uint64_t vt_fail_nth_alloc(struct smmukit_platform *p, uint64_t nth)
{
	return smmukit_plat_fail_nth_alloc(to_vt(p)->inner, nth);
}

static const struct smmukit_platform_ops vt_ops = {
	.alloc_pages = vt_alloc_pages,
	.free_pages = vt_free_pages,
	.phys_to_virt = vt_phys_to_virt,
	.virt_to_phys = vt_virt_to_phys,
	.dma_sync_for_device = vt_sync_for_device,
	.dma_sync_for_cpu = vt_sync_for_cpu,
	.zalloc = vt_zalloc,
	.free = vt_free,
	.lock_init = vt_lock_init,
	.lock_destroy = vt_lock_destroy,
	.lock = vt_lock,
	.unlock = vt_unlock,
	.cpu_id = vt_cpu_id,
	.nr_cpus = vt_nr_cpus,
	.clock_ns = vt_clock_ns,
	.relax = vt_relax,
	.timer_init = vt_timer_init,
	.timer_arm = vt_timer_arm,
	.timer_cancel_sync = vt_timer_cancel_sync,
	.timer_destroy = vt_timer_destroy,
	.timer_poll = vt_timer_poll,
	.log = vt_log,
	.fail_nth_alloc = vt_fail_nth_alloc,
};

/* ---- life cycle ---- */

int tool_vtime_create(struct smmukit_platform *inner, struct smmukit_model *m,
		      unsigned nr_cpus, struct tool_vtime **out)
{
	struct tool_vtime *vt;

	if (!inner || !m || !out || nr_cpus < 2 || nr_cpus > TOOL_VTIME_MAX_CPUS)
		return -SMMUKIT_EINVAL;
	vt = calloc(1, sizeof(*vt));
	if (!vt)
		return -SMMUKIT_ENOMEM;
	vt->cpus = calloc(nr_cpus, sizeof(*vt->cpus));
	if (!vt->cpus) {
		free(vt);
		return -SMMUKIT_ENOMEM;
	}
	/* No fast data: every hot path goes through the ops above. */
	vt->pub.ops = &vt_ops;
	vt->pub.log_level = inner->log_level;
	vt->inner = inner;
	vt->model = m;
	vt->nr_cpus = nr_cpus;
	pthread_mutex_init(&vt->mu, NULL);
	pthread_cond_init(&vt->main_cv, NULL);
	for (unsigned i = 0; i < nr_cpus; i++) {
		vt->cpus[i].vt = vt;
		vt->cpus[i].id = i;
		vt->cpus[i].is_timer = i == nr_cpus - 1;
		pthread_cond_init(&vt->cpus[i].cv, NULL);
	}
	*out = vt;
	return 0;
}

void tool_vtime_destroy(struct tool_vtime *vt)
{
	if (!vt)
		return;
	for (unsigned i = 0; i < vt->nr_cpus; i++)
		pthread_cond_destroy(&vt->cpus[i].cv);
	pthread_cond_destroy(&vt->main_cv);
	pthread_mutex_destroy(&vt->mu);
	free(vt->cpus);
	free(vt);
}

struct smmukit_platform *tool_vtime_platform(struct tool_vtime *vt)
{
	return vt ? &vt->pub : NULL;
}

int tool_vtime_add_source(struct tool_vtime *vt, void (*run)(void *arg),
			  uint64_t (*next_due_ns)(void *arg), void *arg)
{
	if (!vt || !run || !next_due_ns || vt->running ||
	    vt->nr_sources == TOOL_VTIME_MAX_SOURCES)
		return -SMMUKIT_EINVAL;
	vt->sources[vt->nr_sources++] = (struct vt_source){ run, next_due_ns, arg };
	return 0;
}

int tool_vtime_run(struct tool_vtime *vt, unsigned n,
		   void (*fn)(void *arg, unsigned cpu), void *arg)
{
	uint64_t now;
	int ret = 0;

	if (!vt || !fn || !n || n > vt->nr_cpus - 1 || vt->running || vt_self)
		return -SMMUKIT_EINVAL;
	now = now_of(vt);
	vt->fn = fn;
	vt->fn_arg = arg;
	vt->nr_jobs = n;
	vt->alive = n;
	vt->finished = false;
	vt->stopping = false;
	vt->timer_busy = false;
	vt->cur = NULL;
	for (unsigned i = 0; i < vt->nr_cpus; i++) {
		struct vt_cpu *c = &vt->cpus[i];

		c->t = now;
		c->blocked_on = NULL;
		c->started = false;
		c->state = i < n ? CPU_RUNNABLE : CPU_OFF;
	}
	vt->running = true;
	kick_timer_cpu(vt);
	for (unsigned i = 0; i < vt->nr_cpus; i++) {
		struct vt_cpu *c = &vt->cpus[i];

		if (i >= n && !c->is_timer)
			continue;
		if (pthread_create(&c->th, NULL, cpu_thread, c)) {
			ret = -SMMUKIT_EAGAIN;
			break;
		}
		c->started = true;
	}
	if (ret) {
		/* Threads already started wait for a baton that never comes. */
		fprintf(stderr, "smmukit: virtual time: cannot start a thread\n");
		abort();
	}
	pthread_mutex_lock(&vt->mu);
	{
		struct vt_cpu *first = pick(vt);

		smmukit_posix_clock_set(vt->inner, first->t);
		vt->cur = first;
		pthread_cond_signal(&first->cv);
	}
	while (!vt->finished)
		pthread_cond_wait(&vt->main_cv, &vt->mu);
	pthread_mutex_unlock(&vt->mu);
	for (unsigned i = 0; i < vt->nr_cpus; i++)
		if (vt->cpus[i].started)
			pthread_join(vt->cpus[i].th, NULL);
	vt->running = false;
	for (unsigned i = 0; i < vt->nr_cpus; i++)
		vt->cpus[i].state = CPU_OFF;
	return ret;
}

void tool_vtime_get_stats(struct tool_vtime *vt, struct tool_vtime_stats *out)
{
	if (vt && out)
		*out = vt->stats;
}

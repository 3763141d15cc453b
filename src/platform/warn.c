/* SPDX-License-Identifier: MIT */
/*
 * SMMUKIT_WARN_ON and rate-limited messages (smmukit/warn.h).
 *
 * "Once per site" without a static at each site (an expression cannot
 * declare one in C11): sites that fired are kept in a small open-addressed
 * table keyed by file pointer and line, inserted with compare-and-swap.
 * A full table only means a site may log more than once.
 */
#include "smmukit/warn.h"

#define WARN_SITES 128u

static _Atomic uint64_t warn_hits;
static _Atomic uintptr_t site_file[WARN_SITES];
static _Atomic unsigned site_line[WARN_SITES];
#ifdef SMMUKIT_WARN_FATAL
static _Atomic bool warn_fatal = true;
#else
static _Atomic bool warn_fatal = false;
#endif

/* True if file:line fired before; records it otherwise. */
static bool site_seen(const char *file, unsigned line)
{
	uintptr_t f = (uintptr_t)file;
	unsigned h = (unsigned)((f >> 4) ^ (f >> 12) ^ line * 2654435761u);

	for (unsigned n = 0; n < WARN_SITES; n++) {
		unsigned i = (h + n) % WARN_SITES;
		uintptr_t cur = atomic_load_explicit(&site_file[i],
						     memory_order_acquire);

		if (cur == 0) {
			uintptr_t expect = 0;

			/* Claim the slot for this site; line is written
			 * after, so a racing reader may miss it once. */
			if (atomic_compare_exchange_strong(&site_file[i],
							   &expect, f)) {
				atomic_store(&site_line[i], line);
				return false;
			}
			cur = expect;
		}
		if (cur == f && atomic_load(&site_line[i]) == line)
			return true;
	}
	return false;
}

bool smmukit_warn_fire(struct smmukit_platform *p, const char *file,
		       unsigned line, const char *cond)
{
	atomic_fetch_add_explicit(&warn_hits, 1, memory_order_relaxed);
	if (!site_seen(file, line) && p)
		smmukit_err(p, "WARNING at %s:%u: %s (broken internal invariant)",
			    file, line, cond);
	if (atomic_load_explicit(&warn_fatal, memory_order_relaxed))
		__builtin_trap();
	return true;
}

uint64_t smmukit_warn_count(void)
{
	return atomic_load_explicit(&warn_hits, memory_order_relaxed);
}

bool smmukit_warn_set_fatal(bool fatal)
{
	return atomic_exchange(&warn_fatal, fatal);
}

void smmukit_ratelimit_init(struct smmukit_ratelimit *rs, uint64_t interval_ns,
			    unsigned burst)
{
	if (!rs)
		return;
	rs->interval_ns = interval_ns;
	rs->burst = burst;
	atomic_init(&rs->begin_ns, 0);
	atomic_init(&rs->printed, 0);
	atomic_init(&rs->missed, 0);
	atomic_init(&rs->suppressed, 0);
}

bool smmukit_ratelimit(struct smmukit_platform *p, struct smmukit_ratelimit *rs,
		       const char *what)
{
	uint64_t now1, begin;

	/* Nothing to limit by (no state, or no clock): let it print. */
	if (!rs || !p || !rs->burst)
		return true;
	if (!what)
		what = "?";
	/* Stored plus one, so 0 means "no interval yet" even at time 0. */
	now1 = smmukit_plat_clock_ns(p) + 1;
	begin = atomic_load_explicit(&rs->begin_ns, memory_order_relaxed);
	/* One thread wins the CAS and opens the new interval. */
	if ((begin == 0 || now1 - begin >= rs->interval_ns) &&
	    atomic_compare_exchange_strong(&rs->begin_ns, &begin, now1)) {
		uint64_t missed = atomic_exchange(&rs->missed, 0);

		atomic_store(&rs->printed, 0);
		if (missed)
			smmukit_warn(p, "%s: %llu messages suppressed", what,
				     (unsigned long long)missed);
	}
	if (atomic_fetch_add_explicit(&rs->printed, 1, memory_order_relaxed) <
	    rs->burst)
		return true;
	atomic_fetch_add_explicit(&rs->missed, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&rs->suppressed, 1, memory_order_relaxed);
	return false;
}

/* SPDX-License-Identifier: MIT */
/*
 * Broken internal invariants and repeated warnings.
 *
 * Three classes of error never mix: expected conditions return an error
 * code; hardware-reported errors are decoded and recovered; a broken
 * internal invariant (a state the code's own reasoning says cannot occur)
 * is checked with SMMUKIT_WARN_ON:
 *
 *	if (SMMUKIT_WARN_ON(plat, n > q->batch_max))
 *		return -SMMUKIT_EIO;
 *
 * It evaluates to the condition. When true, the first time at that site it
 * logs "WARNING at file:line: condition" at error level; later hits at the
 * same site are only counted. In fatal mode it then stops loudly
 * (__builtin_trap), so a test run cannot carry on past it. Fatal mode is
 * on by default when the library is built with SMMUKIT_WARN_FATAL (debug
 * builds) and can be switched at run time (tests that provoke a warning
 * on purpose turn it off). The caller still returns an error on the path:
 * a release build never carries on silently nor crashes.
 *
 * Rate limiting, for messages that can repeat without bound (command-queue
 * timeouts, event floods), as Linux's printk_ratelimit: at most burst
 * messages per interval; when a new interval starts, one line says how many
 * were suppressed. Freestanding: atomics only, no locks.
 *
 * Error codes: none; nothing here fails. smmukit_ratelimit() with a NULL
 * state or platform allows the message (there is nothing to limit by);
 * smmukit_ratelimit_init(NULL, ...) does nothing.
 */
#ifndef SMMUKIT_WARN_H
#define SMMUKIT_WARN_H

#include "smmukit/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Report a hit of a broken invariant at file:line (the expansion of
 * SMMUKIT_WARN_ON calls this; not for direct use). Returns true.
 */
bool smmukit_warn_fire(struct smmukit_platform *p, const char *file,
		       unsigned line, const char *cond);

#define SMMUKIT_WARN_ON(p, cond)                                              \
	(smmukit_unlikely(cond) ?                                             \
		 smmukit_warn_fire((p), __FILE__, __LINE__, #cond) : false)

/* Every hit of every SMMUKIT_WARN_ON since the program started. */
uint64_t smmukit_warn_count(void);
/* Stop (trap) after logging a warning? Returns the previous setting. */
bool smmukit_warn_set_fatal(bool fatal);

/*
 * State of one rate-limited message. Zero-initialise, then set interval_ns
 * and burst (SMMUKIT_RATELIMIT_INIT gives Linux's 5 s / 10). Shared by
 * every thread that logs it: atomics only, so counts may be off by a few
 * under contention, never the bound.
 */
struct smmukit_ratelimit {
	uint64_t interval_ns;
	unsigned burst;
	SMMUKIT_ATOMIC(uint64_t) begin_ns;
	SMMUKIT_ATOMIC(unsigned) printed;
	SMMUKIT_ATOMIC(uint64_t) missed;
	/* Total suppressed since creation (tests, statistics). */
	SMMUKIT_ATOMIC(uint64_t) suppressed;
};

#define SMMUKIT_RATELIMIT_INTERVAL_NS (UINT64_C(5) * 1000000000u)
#define SMMUKIT_RATELIMIT_BURST 10u

void smmukit_ratelimit_init(struct smmukit_ratelimit *rs, uint64_t interval_ns,
			    unsigned burst);

/*
 * May one more message named what be printed now? At the start of a new
 * interval, first logs "what: N messages suppressed" if any were.
 */
bool smmukit_ratelimit(struct smmukit_platform *p, struct smmukit_ratelimit *rs,
		       const char *what);

#ifdef __cplusplus
}
#endif

#endif /* SMMUKIT_WARN_H */

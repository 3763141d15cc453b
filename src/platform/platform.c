/* SPDX-License-Identifier: MIT */
/* Backend-independent helpers over the platform ops table. */
#include "smmukit/platform.h"

void smmukit_plat_log(struct smmukit_platform *p, enum smmukit_log_level level,
		      const char *fmt, ...)
{
	va_list ap;

	/* Filtered before formatting: logging must cost nothing when off. */
	if (!p || !fmt || level > p->log_level || !p->ops->log)
		return;
	va_start(ap, fmt);
	p->ops->log(p, level, fmt, ap);
	va_end(ap);
}

/*
 * Contended hot-path lock: test-and-test-and-set. A short busy spin covers
 * a holder running on another CPU; past it, yield() lets a preempted holder
 * run (a busy-wait alone could spin for a whole time slice).
 */
#define HOT_LOCK_SPINS 64

void smmukit_plat_hot_lock_slow(struct smmukit_platform *p,
				struct smmukit_lock *l)
{
	for (unsigned spins = 0;; spins++) {
		uint32_t free_word = 0;

		if (atomic_load_explicit(&l->word, memory_order_relaxed) == 0 &&
		    atomic_compare_exchange_weak_explicit(
			    &l->word, &free_word, 1, memory_order_acquire,
			    memory_order_relaxed))
			return;
		if (spins >= HOT_LOCK_SPINS && p->ops->yield)
			p->ops->yield(p);
	}
}

bool smmukit_plat_poll_until(struct smmukit_platform *p,
			     smmukit_poll_cond_fn cond, void *arg,
			     uint64_t timeout_ns)
{
	uint64_t start;

	if (!p || !cond)
		return false;
	start = smmukit_plat_clock_ns(p);

	for (;;) {
		if (cond(arg))
			return true;
		if (smmukit_plat_clock_ns(p) - start >= timeout_ns)
			/* One last look: the deadline may have passed while
			 * relax() let the condition come true. */
			return cond(arg);
		smmukit_plat_relax(p);
	}
}

const char *smmukit_errname(int err)
{
	static const struct {
		int code;
		const char *name;
	} names[] = {
		{ SMMUKIT_EPERM, "EPERM" },	{ SMMUKIT_ENOENT, "ENOENT" },
		{ SMMUKIT_EIO, "EIO" },		{ SMMUKIT_ENXIO, "ENXIO" },
		{ SMMUKIT_E2BIG, "E2BIG" },	{ SMMUKIT_EAGAIN, "EAGAIN" },
		{ SMMUKIT_ENOMEM, "ENOMEM" },	{ SMMUKIT_EFAULT, "EFAULT" },
		{ SMMUKIT_EBUSY, "EBUSY" },	{ SMMUKIT_EEXIST, "EEXIST" },
		{ SMMUKIT_ENODEV, "ENODEV" },	{ SMMUKIT_EINVAL, "EINVAL" },
		{ SMMUKIT_ENOSPC, "ENOSPC" },	{ SMMUKIT_ERANGE, "ERANGE" },
		{ SMMUKIT_ENOSYS, "ENOSYS" },	{ SMMUKIT_EOVERFLOW, "EOVERFLOW" },
		{ SMMUKIT_EOPNOTSUPP, "EOPNOTSUPP" },
		{ SMMUKIT_ETIMEDOUT, "ETIMEDOUT" },
		{ SMMUKIT_EALREADY, "EALREADY" },
	};

	/* Negated in unsigned arithmetic: -INT_MIN does not fit an int. */
	unsigned code = err < 0 ? 0u - (unsigned)err : (unsigned)err;

	if (!err)
		return "OK";

	for (size_t i = 0; i < SMMUKIT_ARRAY_SIZE(names); i++)
		if ((unsigned)names[i].code == code)
			return names[i].name;
	return "E?";
}

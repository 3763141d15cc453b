/* SPDX-License-Identifier: MIT */
/*
 * Shared fixture of the IOVA tests: a small manual-clock platform with two
 * simulated CPUs, and a teardown that checks every zalloc byte came back.
 * Include after <cmocka.h>.
 */
#ifndef SMMUKIT_TEST_IOVA_TEST_H
#define SMMUKIT_TEST_IOVA_TEST_H

#include <stdlib.h>

#include "smmukit/iova.h"
#include "smmukit/platform_posix.h"

struct fixture {
	struct smmukit_platform *plat;
	struct smmukit_iova_domain *dom;
	uint64_t zalloc_base;
};

static inline uint64_t zallocs(struct smmukit_platform *p)
{
	struct smmukit_posix_stats st;

	smmukit_posix_get_stats(p, &st);
	return st.zallocs_in_use;
}

static inline struct smmukit_platform *new_platform(void)
{
	struct smmukit_posix_config cfg = {
		.mem_size = 16u << 20,
		.nr_cpus = 2,
		.manual_clock = true,
		.log_level = SMMUKIT_LOG_ERR,
	};
	struct smmukit_platform *p = NULL;

	assert_int_equal(smmukit_posix_create(&cfg, &p), 0);
	return p;
}

static inline int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->plat = new_platform();
	f->zalloc_base = zallocs(f->plat);
	*state = f;
	return 0;
}

/* Destroys f->dom (live ranges and all): every byte must come back. */
static inline int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	smmukit_iova_domain_destroy(f->dom);
	assert_int_equal(zallocs(f->plat), f->zalloc_base);
	smmukit_posix_destroy(f->plat);
	free(f);
	return 0;
}

#endif /* SMMUKIT_TEST_IOVA_TEST_H */

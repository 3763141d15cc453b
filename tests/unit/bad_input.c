// SPDX-License-Identifier: MIT
/*
 * Bad caller input must give an error (or, for void functions, be ignored),
 * never a crash: NULL pointers, sizes and values out of range. Each case is
 * a probe that once crashed (or asked for undefined behaviour) under
 * ASan/UBSan; see the commit that added it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <string.h>

#include <cmocka.h>

#include "smmukit/iova.h"
#include "smmukit/model.h"
#include "smmukit/pgtable.h"
#include "smmukit/platform_posix.h"
#include "smmukit/smmu.h"
#include "smmukit/smmuv3_hw.h"

static struct smmukit_platform *mk_plat(void)
{
	struct smmukit_posix_config pc = {
		.manual_clock = true, .nr_cpus = 2, .mem_size = 16u << 20,
		.log_level = SMMUKIT_LOG_ERR,
	};
	struct smmukit_platform *p = NULL;

	assert_int_equal(smmukit_posix_create(&pc, &p), 0);
	return p;
}

static void test_errname_int_min(void **state)
{
	(void)state;
	assert_string_equal(smmukit_errname(INT_MIN), "E?");
	assert_string_equal(smmukit_errname(-SMMUKIT_EINVAL), "EINVAL");
	assert_string_equal(smmukit_errname(SMMUKIT_EINVAL), "EINVAL");
}

static void test_posix_null(void **state)
{
	struct smmukit_posix_stats st;
	struct smmukit_posix_hooks hooks = { 0 };
	struct smmukit_platform *p;

	(void)state;
	smmukit_posix_set_hooks(NULL, &hooks);
	smmukit_posix_set_hooks(NULL, NULL);
	smmukit_posix_clear_hooks(NULL);
	assert_int_equal(smmukit_posix_phys_base(NULL), 0);
	assert_int_equal(smmukit_posix_mem_size(NULL), 0);
	assert_null(smmukit_posix_phys_range(NULL, 0, 1));
	smmukit_posix_clock_advance(NULL, 1);
	smmukit_posix_clock_set(NULL, 1);
	smmukit_posix_set_cpu(NULL, 0);
	assert_int_equal(smmukit_posix_fail_nth_alloc(NULL, 1), 0);
	memset(&st, 0xff, sizeof(st));
	smmukit_posix_get_stats(NULL, &st);
	assert_int_equal(st.pages_in_use, 0);

	p = mk_plat();
	smmukit_posix_get_stats(p, NULL);
	/* NULL hooks: the same as clear_hooks. */
	smmukit_posix_set_hooks(p, NULL);
	smmukit_plat_relax(p);
	smmukit_posix_destroy(p);
}

static void test_posix_clock_advance_saturates(void **state)
{
	struct smmukit_platform *p = mk_plat();
	uint64_t t;

	(void)state;
	smmukit_posix_clock_advance(p, 1000);
	smmukit_posix_clock_advance(p, UINT64_MAX);
	t = smmukit_plat_clock_ns(p);
	assert_true(t >= 1000);
	assert_int_equal(t, UINT64_MAX);
	smmukit_posix_destroy(p);
}

static bool never(void *arg)
{
	(void)arg;
	return false;
}

static void test_plat_log_poll_null(void **state)
{
	struct smmukit_platform *p = mk_plat();

	(void)state;
	smmukit_plat_log(NULL, SMMUKIT_LOG_ERR, "x");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
	smmukit_plat_log(p, SMMUKIT_LOG_ERR, NULL);
#pragma GCC diagnostic pop
	assert_false(smmukit_plat_poll_until(NULL, never, NULL, 10));
	assert_false(smmukit_plat_poll_until(p, NULL, NULL, 10));
	smmukit_posix_destroy(p);
}

static void test_gather_null(void **state)
{
	(void)state;
	assert_true(smmukit_pgtable_gather_empty(NULL));
	assert_false(smmukit_pgtable_gather_is_disjoint(NULL, 0, 4096));
	smmukit_pgtable_gather_add_range(NULL, 0, 4096);
	smmukit_pgtable_gather_reset_range(NULL);
}

static void test_hw_null(void **state)
{
	struct smmuv3_cmd cmd;
	struct smmuv3_event evt;
	struct smmuv3_range_tlbi rt[2];
	uint64_t dw[4] = { 1, 2, 3, 4 };
	uint64_t a, b;

	(void)state;
	memset(&cmd, 0, sizeof(cmd));
	cmd.opcode = SMMUV3_OP_CMD_SYNC;
	assert_int_equal(smmuv3_cmd_encode(NULL, dw), -SMMUKIT_EINVAL);
	assert_int_equal(dw[0] | dw[1], 0);
	assert_int_equal(smmuv3_cmd_encode(&cmd, NULL), -SMMUKIT_EINVAL);
	assert_int_equal(smmuv3_cmd_decode(NULL, &cmd), -SMMUKIT_EINVAL);
	assert_int_equal(smmuv3_cmd_decode(dw, NULL), -SMMUKIT_EINVAL);

	assert_int_equal(smmuv3_range_tlbi_split(0, 4096, 12, 12, true, NULL, 12),
			 -SMMUKIT_EINVAL);
	/* NULL with max_cmds 0 is the documented counting form. */
	assert_int_equal(smmuv3_range_tlbi_split(0, 4096, 12, 12, true, NULL, 0), 1);
	assert_int_equal(smmuv3_range_tlbi_split(0, 4096, 12, 12, true, rt, 2), 1);

	memset(&cmd, 0, sizeof(cmd));
	cmd.opcode = SMMUV3_OP_TLBI_NH_VA;
	assert_int_equal(smmuv3_range_tlbi_span(NULL, &a, &b), -SMMUKIT_EINVAL);
	assert_int_equal(smmuv3_range_tlbi_span(&cmd, NULL, &b), -SMMUKIT_EINVAL);
	assert_int_equal(smmuv3_range_tlbi_span(&cmd, &a, NULL), -SMMUKIT_EINVAL);
	assert_int_equal(smmuv3_range_tlbi_span(&cmd, &a, &b), 0);

	memset(&evt, 0, sizeof(evt));
	evt.id = SMMUV3_EVT_F_TRANSLATION;
	dw[0] = 1;
	assert_int_equal(smmuv3_event_encode(NULL, dw), -SMMUKIT_EINVAL);
	assert_int_equal(dw[0], 0);
	assert_int_equal(smmuv3_event_encode(&evt, NULL), -SMMUKIT_EINVAL);
	smmuv3_event_decode(dw, NULL);
	memset(&evt, 0xff, sizeof(evt));
	smmuv3_event_decode(NULL, &evt);
	assert_int_equal(evt.id, 0);
}

static void test_model_create_log_huge(void **state)
{
	struct smmukit_platform *p = mk_plat();
	struct smmukit_model_config mc;
	struct smmukit_model *m = (void *)1;
	struct smmukit_posix_stats st;

	(void)state;
	smmukit_model_config_default(&mc);
	mc.cmdlog_entries = UINT_MAX;
	assert_int_equal(smmukit_model_create(p, &mc, NULL, &m), -SMMUKIT_EINVAL);
	assert_null(m);
	smmukit_model_config_default(&mc);
	mc.stalelog_entries = (1u << 24) + 1;
	assert_int_equal(smmukit_model_create(p, &mc, NULL, &m), -SMMUKIT_EINVAL);
	smmukit_posix_get_stats(p, &st);
	assert_int_equal(st.pages_in_use, 0);
	smmukit_posix_destroy(p);
}

static void test_model_mmio_null(void **state)
{
	struct smmukit_platform *p = mk_plat();
	struct smmukit_smmu_config c;
	struct smmukit_smmu *s = NULL;
	struct smmukit_mmio mmio = smmukit_model_mmio(NULL);

	(void)state;
	assert_null(mmio.ops);
	memset(&c, 0, sizeof(c));
	c.platform = p;
	c.mmio = mmio;
	assert_int_equal(smmukit_smmu_probe(&c, &s), -SMMUKIT_EINVAL);
	assert_null(s);
	smmukit_posix_destroy(p);
}

static void test_model_profile_load_dir(void **state)
{
	struct smmukit_model_profile prof;
	char err[160] = "";

	(void)state;
	assert_int_equal(smmukit_model_profile_load(&prof, "/", NULL, err,
						    sizeof(err)),
			 -SMMUKIT_EIO);
	assert_non_null(strstr(err, "cannot read"));
}

/* Fill the depot of class 0 above keep = 1 and let 1 ms pass. */
static uint64_t trimmed_after_fill(uint64_t trim_ns)
{
	struct smmukit_platform *p = mk_plat();
	struct smmukit_iova_config c = {
		.granule = 4096, .depot_trim_ns = trim_ns, .depot_keep_mags = 1,
	};
	struct smmukit_iova_domain *v;
	struct smmukit_iova_stats st;
	static uint64_t pfns[1000];
	uint64_t trimmed;

	assert_int_equal(smmukit_iova_domain_create(p, &c, &v), 0);
	smmukit_posix_set_cpu(p, 0);
	/* Not at time 0, where now + UINT64_MAX would not wrap. */
	smmukit_posix_clock_advance(p, 5000);
	for (unsigned i = 0; i < 1000; i++)
		assert_int_equal(smmukit_iova_alloc_fast(v, 1, UINT64_MAX, 0,
							 &pfns[i]), 0);
	for (unsigned i = 0; i < 1000; i++)
		assert_int_equal(smmukit_iova_free_fast(v, pfns[i], 1), 0);
	smmukit_iova_get_stats(v, &st);
	assert_true(st.depot_mags_total > 1);
	smmukit_posix_clock_advance(p, 1000000);
	smmukit_iova_get_stats(v, &st);
	trimmed = st.depot_trimmed;
	smmukit_iova_domain_destroy(v);
	smmukit_posix_destroy(p);
	return trimmed;
}

/* A huge trim period must not wrap the deadline into the past. */
static void test_iova_trim_period_huge(void **state)
{
	(void)state;
	assert_int_equal(trimmed_after_fill(UINT64_MAX), 0);
	assert_int_equal(trimmed_after_fill(UINT64_MAX - 1000), 0);
	/* Control: a 1 us period does trim within 1 ms. */
	assert_true(trimmed_after_fill(1000) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errname_int_min),
		cmocka_unit_test(test_posix_null),
		cmocka_unit_test(test_posix_clock_advance_saturates),
		cmocka_unit_test(test_plat_log_poll_null),
		cmocka_unit_test(test_gather_null),
		cmocka_unit_test(test_hw_null),
		cmocka_unit_test(test_model_create_log_huge),
		cmocka_unit_test(test_model_mmio_null),
		cmocka_unit_test(test_model_profile_load_dir),
		cmocka_unit_test(test_iova_trim_period_huge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

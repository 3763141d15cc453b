// SPDX-License-Identifier: MIT
/*
 * What a newcomer prints first: return codes by name ("OK" for success, not
 * "E?"), the model's abort by the same name the tool uses, and the library's
 * version, the same as the headers'.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "smmukit/base.h"
#include "smmukit/model.h"
#include "smmukit/smmuv3_hw.h"
#include "smmukit/version.h"

static void test_errname(void **state)
{
	(void)state;
	assert_string_equal(smmukit_errname(0), "OK");
	assert_string_equal(smmukit_errname(-SMMUKIT_EEXIST), "EEXIST");
	assert_string_equal(smmukit_errname(SMMUKIT_EINVAL), "EINVAL");
	assert_string_equal(smmukit_errname(-9999), "E?");
}

static void test_model_event_name(void **state)
{
	(void)state;
	assert_string_equal(smmukit_model_event_name(SMMUKIT_MODEL_ABORT), "ABORT");
	assert_string_equal(smmukit_model_event_name(0), "none");
	assert_string_equal(smmukit_model_event_name(SMMUV3_EVT_F_TRANSLATION),
			    smmuv3_event_name(SMMUV3_EVT_F_TRANSLATION));
	assert_string_equal(smmukit_model_event_name(SMMUV3_EVT_F_TRANSLATION),
			    "F_TRANSLATION");
}

static void test_version(void **state)
{
	char want[32];

	(void)state;
	assert_string_equal(smmukit_version(), SMMUKIT_VERSION_STRING);
	/* The string and the numbers are the same version. */
	snprintf(want, sizeof(want), "%d.%d.%d", SMMUKIT_VERSION_MAJOR,
		 SMMUKIT_VERSION_MINOR, SMMUKIT_VERSION_PATCH);
	assert_string_equal(want, SMMUKIT_VERSION_STRING);
	assert_int_equal(SMMUKIT_VERSION_NUMBER,
			 SMMUKIT_VERSION_MAJOR * 10000 +
				 SMMUKIT_VERSION_MINOR * 100 +
				 SMMUKIT_VERSION_PATCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errname),
		cmocka_unit_test(test_model_event_name),
		cmocka_unit_test(test_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

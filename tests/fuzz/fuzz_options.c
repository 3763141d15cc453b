/* SPDX-License-Identifier: MIT */
/*
 * The options parser over every table (iommu., smmu., model.): any string
 * is accepted or refused with a message; refused changes no target; an
 * accepted string parses again to the same result (idempotent).
 */
#include "fuzz.h"
#include "smmukit/iommu.h"
#include "smmukit/model.h"
#include "smmukit/options.h"
#include "smmukit/smmu.h"

struct targets {
	struct smmukit_iommu_options iommu;
	struct smmukit_smmu_config smmu;
	struct smmukit_model_profile model;
};

static void defaults(struct targets *t)
{
	memset(t, 0, sizeof(*t));
	smmukit_iommu_options_default(&t->iommu);
	smmukit_model_profile_zero(&t->model);
}

static int parse(const char *s, struct targets *t, char *err, size_t errlen)
{
	struct smmukit_option_binding b[3] = {
		{ &smmukit_iommu_option_table, &t->iommu },
		{ &smmukit_smmu_option_table, &t->smmu },
		{ &smmukit_model_option_table, &t->model },
	};

	return smmukit_parse_options(s, b, 3, NULL, NULL, err, errlen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	struct targets a, b, ref;
	char err[256];
	int ret;

	defaults(&a);
	defaults(&ref);
	err[0] = 0;
	ret = parse(s, &a, err, sizeof(err));
	FUZZ_CHECK(ret == 0 || ret == -SMMUKIT_EINVAL);
	if (ret) {
		FUZZ_CHECK(err[0] != 0);
		FUZZ_CHECK(memchr(err, 0, sizeof(err)) != NULL);
		FUZZ_CHECK(memcmp(&a, &ref, sizeof(a)) == 0);
	} else {
		b = a;
		FUZZ_CHECK(parse(s, &b, err, sizeof(err)) == 0);
		FUZZ_CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	}
	/* A tiny error buffer is still terminated. */
	{
		char small[4];

		defaults(&b);
		(void)parse(s, &b, small, sizeof(small));
		FUZZ_CHECK(memchr(small, 0, sizeof(small)) != NULL);
	}
	free(s);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Model profiles and feature strings: any text is parsed or refused with a
 * message; an accepted profile passes the geometry check the parser
 * promises; a model can be created from an accepted feature string and
 * profile (or refuses cleanly).
 */
#include "fuzz.h"
#include "smmukit/model.h"
#include "smmukit/platform_posix.h"

static struct smmukit_platform *plat;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smmukit_model_profile prof;
	struct smmukit_model_config cfg;
	struct smmukit_model *m = NULL;
	const uint8_t *nl = memchr(data, '\n', size);
	size_t first = nl ? (size_t)(nl - data) : size;
	char *features = fuzz_cstr(data, first);
	char *text = fuzz_cstr(data, size);
	char err[256];
	int pret, cret;

	if (!plat) {
		struct smmukit_posix_config pc = {
			.manual_clock = true, .mem_size = 64u << 20,
			.nr_cpus = 2,
		};

		FUZZ_CHECK(smmukit_posix_create(&pc, &plat) == 0);
	}
	smmukit_model_profile_zero(&prof);
	err[0] = 0;
	pret = smmukit_model_profile_parse(&prof, nl ? text + first + 1 : "",
					   err, sizeof(err));
	FUZZ_CHECK(pret == 0 || pret == -SMMUKIT_EINVAL);
	FUZZ_CHECK(pret == 0 || err[0]);
	if (pret == 0)
		FUZZ_CHECK(smmukit_model_profile_check(&prof, err, sizeof(err)) == 0);
	smmukit_model_config_default(&cfg);
	cret = smmukit_model_config_parse(&cfg, features, err, sizeof(err));
	FUZZ_CHECK(cret == 0 || cret == -SMMUKIT_EINVAL);
	/* Keep creation cheap: small logs. */
	cfg.cmdlog_entries = cfg.invlog_entries = cfg.stalelog_entries = 16;
	if (pret == 0 && cret == 0 &&
	    smmukit_model_create(plat, &cfg, &prof, &m) == 0) {
		struct smmukit_mmio mmio = smmukit_model_mmio(m);

		(void)mmio.ops->read32(mmio.ctx, SMMUV3_IDR0);
		smmukit_model_destroy(m);
	}
	free(features);
	free(text);
	return 0;
}

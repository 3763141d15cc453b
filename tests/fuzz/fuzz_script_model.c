/* SPDX-License-Identifier: MIT */
/*
 * smmukit model scripts in-process (tool_model_run_script): register reads
 * and writes, memory writes and peeks, device DMA, clock advances and
 * stats against the SMMUv3 model, the "zero" profile. Header words (first
 * line "#fuzz: ..."): json, trace, and model=KEYS (the --model keys; keys
 * smmukit_model_config_parse refuses are dropped). Checks: fuzz_script.h.
 */
#include "fuzz_script.h"
#include "smmukit/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smmukit_model_config cfg;
	struct smmukit_model_profile prof;
	struct tool_model_params p = { .cfg = &cfg, .prof = &prof };
	const struct tool_script_limits lim = FUZZ_SCRIPT_LIMITS(64 * 1024);
	struct tool_script s;
	struct tool_err err = { "" };
	char hbuf[512], msg[256], *w[8];
	unsigned nw = fuzz_header(data, size, hbuf, sizeof(hbuf), w, 8);
	FILE *out;
	int ret;

	smmukit_model_config_default(&cfg);
	FUZZ_CHECK(smmukit_model_profile_load(&prof, "zero", NULL, msg,
					      sizeof(msg)) == 0);
	for (unsigned i = 0; i < nw; i++) {
		if (!strcmp(w[i], "json")) {
			p.json = true;
		} else if (!strcmp(w[i], "trace")) {
			p.trace = true;
		} else if (!strncmp(w[i], "model=", 6)) {
			struct smmukit_model_config try = cfg;

			if (!smmukit_model_config_parse(&try, w[i] + 6, msg,
							sizeof(msg)))
				cfg = try;
		}
	}
	out = fuzz_out_open(p.json);
	tool_script_open_mem(&s, (const char *)data, size);
	ret = tool_model_run_script(&p, &s, out, &lim, &err);
	tool_script_close(&s);
	fuzz_out_close(out);
	fuzz_script_verdict(ret, &err, "model: ");
	return 0;
}

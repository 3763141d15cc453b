/* SPDX-License-Identifier: MIT */
/*
 * smmukit dma scripts in-process (tool_dma_run_script): devices, domain
 * types, map/map_sg/unmap, device DMA, flushes and time on the whole stack
 * (model in checking mode, manual clock). Header words (first line
 * "#fuzz: ..."): json; strict, lazy, passthrough, single (the option
 * string's iommu.strict=1, iommu.strict=0, iommu.passthrough=1,
 * iommu.fq_mode=single); model=KEYS
 * (the --model keys; keys smmukit_model_config_parse refuses are dropped,
 * since tool_stack_create would exit on them). The stack logs errors only.
 * Checks: fuzz_script.h; the stack's own teardown check (nothing left
 * allocated in simulated memory) makes the status 1, never a silent leak.
 */
#include "fuzz_script.h"
#include "smmukit/model.h"
#include "tool_stack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tool_stack_config cfg;
	/* 1 MiB a map (map_sg in all) or a DMA. */
	const struct tool_script_limits lim = FUZZ_SCRIPT_LIMITS(UINT64_C(1) << 20);
	struct tool_script s;
	struct tool_err err = { "" };
	char hbuf[512], msg[256], cmdline[128] = "", *w[8];
	unsigned nw = fuzz_header(data, size, hbuf, sizeof(hbuf), w, 8);
	bool json = false;
	unsigned seen = 0;
	FILE *out;
	int ret;

	tool_stack_config_init(&cfg, "dma");
	cfg.checking = true;
	cfg.nr_cpus = 1;
	cfg.log_level = SMMUKIT_LOG_ERR;
	for (unsigned i = 0; i < nw; i++) {
		/* Each key once (strict and lazy are one): no warning. */
		static const struct {
			const char *word, *opt;
			unsigned key;
		} opts[] = {
			{ "strict", "iommu.strict=1", 1 },
			{ "lazy", "iommu.strict=0", 1 },
			{ "passthrough", "iommu.passthrough=1", 2 },
			{ "single", "iommu.fq_mode=single", 4 },
		};
		const char *opt = NULL;

		for (unsigned k = 0; k < SMMUKIT_ARRAY_SIZE(opts); k++)
			if (!strcmp(w[i], opts[k].word) && !(seen & opts[k].key)) {
				seen |= opts[k].key;
				opt = opts[k].opt;
			}
		if (!strcmp(w[i], "json")) {
			json = true;
		} else if (!strncmp(w[i], "model=", 6) &&
			   strlen(w[i] + 6) < sizeof(cfg.model_keys)) {
			struct smmukit_model_config try;

			smmukit_model_config_default(&try);
			if (!smmukit_model_config_parse(&try, w[i] + 6, msg,
							sizeof(msg)))
				strcpy(cfg.model_keys, w[i] + 6);
		}
		if (opt && strlen(cmdline) + strlen(opt) + 2 < sizeof(cmdline)) {
			if (cmdline[0])
				strcat(cmdline, " ");
			strcat(cmdline, opt);
		}
	}
	cfg.cmdline = cmdline[0] ? cmdline : NULL;
	out = fuzz_out_open(json);
	tool_script_open_mem(&s, (const char *)data, size);
	ret = tool_dma_run_script(&cfg, json, &s, out, &lim, &err);
	tool_script_close(&s);
	fuzz_out_close(out);
	fuzz_script_verdict(ret, &err, "dma: ");
	return 0;
}

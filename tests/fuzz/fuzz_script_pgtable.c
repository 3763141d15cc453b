/* SPDX-License-Identifier: MIT */
/*
 * smmukit pgtable scripts in-process (tool_pgtable_run_script): map, unmap,
 * translate and dump lines against one page table. Header words (first
 * line "#fuzz: ..."): json, stage=1|2, granule=4k|16k|64k, ias=N, oas=N
 * (any N up to 63: the page-table code must refuse what it cannot build).
 * Checks: fuzz_script.h. Table pages live in the platform's simulated
 * RAM, which the executor destroys whole, so a table page the page-table
 * code forgot to free is not seen here (fuzz_pgtable_ops checks that).
 */
#include <strings.h>

#include "fuzz_script.h"
#include "smmukit/pgtable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tool_pgtable_params p = { .stage = 1, .granule = SMMUKIT_SZ_4K,
					 .ias = 48, .oas = 48 };
	struct tool_script_limits lim = FUZZ_SCRIPT_LIMITS(0);
	struct tool_script s;
	struct tool_err err = { "" };
	char hbuf[256], *w[8];
	unsigned nw = fuzz_header(data, size, hbuf, sizeof(hbuf), w, 8);
	FILE *out;
	int ret;

	for (unsigned i = 0; i < nw; i++) {
		uint64_t v;

		if (!strcmp(w[i], "json"))
			p.json = true;
		else if (!strcmp(w[i], "stage=2"))
			p.stage = 2;
		else if (!strcasecmp(w[i], "granule=16k"))
			p.granule = SMMUKIT_SZ_16K;
		else if (!strcasecmp(w[i], "granule=64k"))
			p.granule = SMMUKIT_SZ_64K;
		else if (!strncmp(w[i], "ias=", 4) &&
			 tool_parse_u64(w[i] + 4, false, &v) && v < 64)
			p.ias = (unsigned)v;
		else if (!strncmp(w[i], "oas=", 4) &&
			 tool_parse_u64(w[i] + 4, false, &v) && v < 64)
			p.oas = (unsigned)v;
	}
	/*
	 * One map line: a level-2 block (2M, 32M, 512M), so blocks are
	 * reachable, but at most granule/8 pages (a table's worth) when the
	 * addresses force pages.
	 */
	lim.max_size = p.granule * (p.granule / 8);
	out = fuzz_out_open(p.json);
	tool_script_open_mem(&s, (const char *)data, size);
	ret = tool_pgtable_run_script(&p, &s, out, &lim, &err);
	tool_script_close(&s);
	fuzz_out_close(out);
	fuzz_script_verdict(ret, &err, "pgtable: ");
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Shared by the script fuzzers (fuzz_script_pgtable/model/dma.c): the input
 * is a script for one of the smmukit subcommands, run in-process through
 * its returning executor (tools/tool_run.h). A first line "#fuzz: WORD..."
 * (a comment to the executor) picks the configuration the command line
 * would give; anything else there is ignored, so every input is valid.
 *
 * Checked for every input, on top of ASan/UBSan and LeakSanitizer (the
 * executor frees everything on every path) and libFuzzer's timeout:
 *  - the status is 0, 1 or 2, and a 2 comes with a one-line message that
 *    names the subcommand ("dma: ...");
 *  - the output is printable text in whole lines; with json, every line is
 *    one object ({ to }).
 * Work is bounded (FUZZ_SCRIPT_LIMITS): a few dozen lines, small sizes,
 * short clock advances, so no input runs for long.
 */
#ifndef SMMUKIT_FUZZ_SCRIPT_H
#define SMMUKIT_FUZZ_SCRIPT_H

#include <stdbool.h>

#include "fuzz.h"
#include "tool.h"
#include "tool_run.h"

/* main() defines it in the command; these binaries have no main.c. */
struct tool_globals tool_globals;

/*
 * Executed command lines, bytes per map or DMA, one advance (1 s), and
 * 64 MiB of simulated RAM rather than 1 GiB (whose page bookkeeping took
 * 30 ms per input under the sanitizers).
 */
#define FUZZ_SCRIPT_LIMITS(bytes)                                             \
	{ .max_lines = 48, .max_size = (bytes),                               \
	  .max_advance_ns = UINT64_C(1000000000),                             \
	  .mem_size = UINT64_C(64) << 20 }

/* ---- the output checker: a FILE whose writes are inspected ---- */

struct fuzz_out {
	bool json;
	bool line_start;
	char last;
};

static ssize_t fuzz_out_write(void *cookie, const char *buf, size_t n)
{
	struct fuzz_out *o = cookie;

	for (size_t i = 0; i < n; i++) {
		char c = buf[i];

		if (c == '\n') {
			FUZZ_CHECK(!o->line_start);	/* no empty line */
			FUZZ_CHECK(!o->json || o->last == '}');
			o->line_start = true;
			continue;
		}
		FUZZ_CHECK(c >= 0x20 && c < 0x7f);
		FUZZ_CHECK(!o->json || !o->line_start || c == '{');
		o->line_start = false;
		o->last = c;
	}
	return (ssize_t)n;
}

static struct fuzz_out fuzz_out_state;

/* One stream for the process, reset per input (fopencookie costs). */
static FILE *fuzz_out_open(bool json)
{
	static FILE *f;

	if (!f) {
		f = fopencookie(&fuzz_out_state, "w",
				(cookie_io_functions_t){ .write = fuzz_out_write });
		if (!f)
			abort();
	}
	fuzz_out_state.json = json;
	fuzz_out_state.line_start = true;
	fuzz_out_state.last = 0;
	return f;
}

/* After the run: every line ended. */
static void fuzz_out_close(FILE *f)
{
	FUZZ_CHECK(fflush(f) == 0);
	FUZZ_CHECK(fuzz_out_state.line_start);
}

/* ---- the header line ---- */

/*
 * The words of a first line "#fuzz: ..." into words[] (at most max, each
 * NUL-terminated in buf); returns how many.
 */
static unsigned fuzz_header(const uint8_t *data, size_t size, char *buf,
			    size_t cap, char **words, unsigned max)
{
	static const char tag[] = "#fuzz:";
	size_t len = 0;
	unsigned n = 0;
	char *p, *save = NULL;

	if (size < sizeof(tag) - 1 || memcmp(data, tag, sizeof(tag) - 1))
		return 0;
	data += sizeof(tag) - 1;
	size -= sizeof(tag) - 1;
	while (len < size && len + 1 < cap && data[len] != '\n')
		len++;
	memcpy(buf, data, len);
	buf[len] = 0;
	for (p = strtok_r(buf, " \t\r", &save); p && n < max;
	     p = strtok_r(NULL, " \t\r", &save))
		words[n++] = p;
	return n;
}

/* The checks on the verdict; prefix is "pgtable: " and so on. */
static void fuzz_script_verdict(int ret, const struct tool_err *err,
				const char *prefix)
{
	FUZZ_CHECK(ret == 0 || ret == 1 || ret == TOOL_EXIT_USAGE);
	if (ret != TOOL_EXIT_USAGE)
		return;
	FUZZ_CHECK(err->msg[0] != 0);
	FUZZ_CHECK(strchr(err->msg, '\n') == NULL);
	FUZZ_CHECK(!strncmp(err->msg, prefix, strlen(prefix)));
}

#endif /* SMMUKIT_FUZZ_SCRIPT_H */

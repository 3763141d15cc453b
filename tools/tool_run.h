/* SPDX-License-Identifier: MIT */
/*
 * The script executors of smmukit pgtable, model and dma as functions that
 * return instead of exiting, so that a caller other than main() -- the
 * in-process fuzzers in tests/fuzz -- can run any number of scripts in one
 * process. The subcommands parse their options, open the script and call
 * these; on TOOL_EXIT_USAGE they print the message with tool_fail(), so
 * the command's output, messages and exit status are what they always were.
 *
 * Every entry point returns 0 (every operation succeeded), 1 (an operation
 * failed: its output line says which) or TOOL_EXIT_USAGE (bad input: a
 * malformed line, or a configuration the layer refused; err->msg holds the
 * one line tool_fail would print, without "smmukit: "), writes its results
 * to out, and frees whatever it built (platform, model, stack, buffers) on
 * every path. None calls exit().
 */
#ifndef SMMUKIT_TOOL_RUN_H
#define SMMUKIT_TOOL_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "smmukit/base.h"
#include "tool.h"

struct smmukit_model_config;
struct smmukit_model_profile;
struct tool_stack_config;

struct tool_err {
	char msg[1024];
};

/* Fills err->msg (printf-style) and returns TOOL_EXIT_USAGE. */
int tool_err_set(struct tool_err *err, const char *fmt, ...)
	SMMUKIT_PRINTF(2, 3);

/*
 * Tighter limits than the commands' own, for callers that must bound the
 * work one script can ask for (a fuzzer's input must not run for seconds).
 * NULL, or 0 in a field: the command's own limit. A size or an advance past
 * its limit is bad input (TOOL_EXIT_USAGE, naming the limit); past
 * max_lines command lines the script ends there, as at end of input.
 */
struct tool_script_limits {
	unsigned max_lines;	 /* command lines executed */
	uint64_t max_size;	 /* one map SIZE, map_sg in all, one DMA LEN */
	uint64_t max_advance_ns; /* one advance NS */
	/*
	 * Simulated RAM (from 0x80000000) instead of 1 GiB: setting up the
	 * platform's page bookkeeping is most of a short script's time.
	 */
	uint64_t mem_size;
};

/* smmukit pgtable: one page table in simulated memory, no SMMU. */
struct tool_pgtable_params {
	unsigned stage;		/* 1 or 2 */
	uint64_t granule;	/* SMMUKIT_SZ_4K, _16K or _64K */
	unsigned ias, oas;	/* checked by the page-table code (EINVAL) */
	bool json;
};
int tool_pgtable_run_script(const struct tool_pgtable_params *p,
			    struct tool_script *s, FILE *out,
			    const struct tool_script_limits *lim,
			    struct tool_err *err);

/* smmukit model: the SMMUv3 model on a manual clock. */
struct tool_model_params {
	const struct smmukit_model_config *cfg;
	const struct smmukit_model_profile *prof;
	bool json;
	bool trace;	/* every consumed command and completed CMD_SYNC too */
};
int tool_model_run_script(const struct tool_model_params *p,
			  struct tool_script *s, FILE *out,
			  const struct tool_script_limits *lim,
			  struct tool_err *err);

/*
 * smmukit dma: the whole stack (tool_stack_create from cfg). Logs and the
 * stack's own failures go to stderr. tool_stack_create still exits 2 on a
 * bad option string, model key or profile in cfg: a caller that is not the
 * command passes ones it has checked (smmukit_model_config_parse, a known
 * profile, a valid option string).
 */
int tool_dma_run_script(const struct tool_stack_config *cfg, bool json,
			struct tool_script *s, FILE *out,
			const struct tool_script_limits *lim,
			struct tool_err *err);

#endif /* SMMUKIT_TOOL_RUN_H */

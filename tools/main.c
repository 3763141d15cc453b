/* SPDX-License-Identifier: MIT */
/* The smmukit command: a dispatcher over subcommands. */
#include <stdlib.h>
#include <string.h>

#include "smmukit/version.h"
#include "tool.h"

/* Subcommands: each lives in tools/cmd_<name>.c. */
int tool_cmd_attack(int argc, char **argv);
int tool_cmd_bench(int argc, char **argv);
int tool_cmd_compare(int argc, char **argv);
int tool_cmd_dma(int argc, char **argv);
int tool_cmd_info(int argc, char **argv);
int tool_cmd_model(int argc, char **argv);
int tool_cmd_options(int argc, char **argv);
int tool_cmd_pgtable(int argc, char **argv);

static const struct tool_cmd commands[] = {
	/* entries are added here as subcommands land */
	{ "attack", "a rogue device against strict, lazy and bounce-buffered unmap", tool_cmd_attack },
	{ "bench", "bench map: dma_map_benchmark (strict, lazy, passthrough)", tool_cmd_bench },
	{ "compare", "the original series' table: NVMe IOPS strict vs lazy vs passthrough", tool_cmd_compare },
	{ "dma", "run a DMA API script on the whole stack (map/unmap/dma/flush)", tool_cmd_dma },
	{ "info", "bring the SMMUv3 driver up on the model and print what it found", tool_cmd_info },
	{ "model", "poke the SMMUv3 model: registers, memory, DMA (script)", tool_cmd_model },
	{ "options", "list every --cmdline option key (also --help-options)", tool_cmd_options },
	{ "pgtable", "run a page-table script (map/unmap/translate/dump)", tool_cmd_pgtable },
	{ NULL, NULL, NULL },
};

struct tool_globals tool_globals;

static void usage(FILE *f)
{
	fprintf(f, "usage: smmukit [--cmdline \"KEY=VALUE ...\"] SUBCOMMAND [ARGS]\n"
		   "       smmukit --help | --version | --help-options\n"
		   "       (--cmdline=..., before or after SUBCOMMAND, or $SMMUKIT_CMDLINE;\n"
		   "       smmukit options lists the keys)\n\n"
		   "subcommands:\n");
	for (size_t i = 0; commands[i].name; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'smmukit SUBCOMMAND --help' describes each. Every subcommand takes\n"
		   "--opt VALUE or --opt=VALUE, and '--' ends its options.\n"
		   "Environment: SMMUKIT_CMDLINE (as --cmdline), SMMUKIT_PROFILE_DIR (where\n"
		   "named model profiles are; now %s).\n", tool_profile_dir());
	tool_exit_status_usage(f);
}

/*
 * --cmdline is accepted before the subcommand and after it (`smmukit dma
 * --cmdline "iommu.strict=0" SCRIPT`), as every subcommand that builds a
 * stack documents it. The first one replaces $SMMUKIT_CMDLINE; each later
 * one is appended, so that of two settings of a key the later wins, as
 * within one string.
 */
static bool cmdline_given;

static void take_cmdline(const char *value)
{
	size_t a, b;
	char *joined;

	if (!cmdline_given) {
		cmdline_given = true;
		tool_globals.cmdline = value;
		tool_globals.cmdline_source = "--cmdline";
		return;
	}
	a = strlen(tool_globals.cmdline);
	b = strlen(value);
	joined = malloc(a + b + 2);	/* lives as long as the process */
	if (!joined)
		tool_fail("--cmdline: out of memory");
	memcpy(joined, tool_globals.cmdline, a);
	joined[a] = ' ';
	memcpy(joined + a + 1, value, b + 1);
	tool_globals.cmdline = joined;
}

/*
 * Take every --cmdline out of a subcommand's arguments (up to a "--"),
 * so that the subcommand's own parser never sees it. Returns the new argc.
 */
static int pull_cmdlines(int argc, char **argv)
{
	int out = 1, i = 1;

	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--cmdline")) {
			if (i + 1 >= argc)
				tool_fail("%s: --cmdline needs a value", argv[0]);
			take_cmdline(argv[++i]);
		} else if (!strncmp(argv[i], "--cmdline=", 10)) {
			take_cmdline(argv[i] + 10);
		} else {
			argv[out++] = argv[i];
		}
	}
	for (; i < argc; i++)
		argv[out++] = argv[i];
	argv[out] = NULL;
	return out;
}

int main(int argc, char **argv)
{
	int i = 1;

	tool_globals.cmdline = getenv("SMMUKIT_CMDLINE");
	tool_globals.cmdline_source = "$SMMUKIT_CMDLINE";
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "--cmdline")) {
			if (i + 1 >= argc)
				tool_fail("--cmdline needs a value");
			take_cmdline(argv[i + 1]);
			i += 2;
		} else if (!strncmp(argv[i], "--cmdline=", 10)) {
			take_cmdline(argv[i] + 10);
			i++;
		} else if (!strcmp(argv[i], "--help-options")) {
			return tool_finish_output(tool_cmd_options(argc - i, argv + i));
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return tool_finish_output(0);
		} else if (!strcmp(argv[i], "--version")) {
			printf("smmukit %s (library %s)\n", SMMUKIT_VERSION_STRING,
			       smmukit_version());
			return tool_finish_output(0);
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else {
			tool_fail("unknown option '%s' (see smmukit --help)", argv[i]);
		}
	}
	if (i >= argc)
		tool_fail("no subcommand given (see smmukit --help)");
	for (size_t c = 0; commands[c].name; c++)
		if (!strcmp(argv[i], commands[c].name))
			return tool_finish_output(commands[c].run(
				pull_cmdlines(argc - i, argv + i), argv + i));
	tool_fail("unknown subcommand '%s' (see smmukit --help)", argv[i]);
}

/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers for the smmukit command. Only tools/ (and src/platform/posix)
 * may use hosted libc; the library layers never include this.
 *
 * Conventions every subcommand follows:
 *  - usage or input errors: one line "smmukit SUBCMD: reason" on stderr,
 *    exit status 2 (tool_fail());
 *  - --json: stdout holds JSON only, one object per line; logs go to stderr.
 */
#ifndef SMMUKIT_TOOL_H
#define SMMUKIT_TOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "smmukit/base.h"

#define TOOL_EXIT_USAGE 2

struct tool_cmd {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);	/* argv[0] is the subcommand */
};

/* Global options parsed by main() before the subcommand. */
struct tool_globals {
	const char *cmdline;	/* --cmdline or $SMMUKIT_CMDLINE, may be NULL */
	/* Where cmdline came from, for messages: "--cmdline" or
	 * "$SMMUKIT_CMDLINE". */
	const char *cmdline_source;
};
extern struct tool_globals tool_globals;

/*
 * The option string (--cmdline / $SMMUKIT_CMDLINE), parsed against every
 * option table ("iommu.", "smmu.", "model.") in one call of
 * smmukit_parse_options, so that it is all or nothing and the later of two
 * settings wins across the whole string. Each subcommand names the structs
 * it builds a layer from; a NULL target means the subcommand builds no such
 * layer: those keys are still checked (a bad string is refused everywhere)
 * but dropped, with a warning saying so unless quiet_unused.
 * Warnings: "smmukit: warning: ..." on stderr. Errors (a bad key or value,
 * or a model profile whose cache geometry the overrides broke): one line
 * "smmukit: CMD: ..." and exit 2, before anything is built.
 */
struct smmukit_iommu_options;
struct smmukit_smmu_config;
struct smmukit_model_profile;
struct smmukit_option_table;

struct tool_option_targets {
	struct smmukit_iommu_options *iommu;
	struct smmukit_smmu_config *smmu;
	struct smmukit_model_profile *model;
	bool quiet_unused;
};
void tool_options_apply(const char *cmd, const char *cmdline,
			const struct tool_option_targets *t);

/* Every option table the command knows, in listing order; NULL-terminated. */
extern const struct smmukit_option_table *const tool_option_tables[];

/* Print "smmukit: <msg>" on stderr and exit(2). */
void tool_fail(const char *fmt, ...) SMMUKIT_PRINTF(1, 2)
	__attribute__((noreturn));

/*
 * Parse an unsigned number: decimal or 0x hex, optional K/M/G/T suffix
 * (binary) when allow_suffix. Returns false on junk or overflow.
 */
bool tool_parse_u64(const char *s, bool allow_suffix, uint64_t *out);

/*
 * Script reader: yields trimmed, non-empty, non-comment lines split into at
 * most max_tok whitespace-separated tokens. Returns the token count, 0 at end
 * of input, or a negative TOOL_SCRIPT_* error; tool_script_strerror() gives
 * the last error's message with its limit ("line too long (max 4096 bytes)",
 * "too many words (max 6)", "read error: Is a directory"). s->lineno is the
 * line's number, counted once however long it is.
 *
 * Bounded work per line: a command line is refused as soon as it passes
 * TOOL_SCRIPT_MAX_LINE bytes (so /dev/zero or an endless line fails at
 * once), a comment line once it passes TOOL_SCRIPT_MAX_COMMENT. Outside
 * comments only printable ASCII, tab and CR are accepted, so no input byte
 * reaches an error message or the output raw.
 */
#define TOOL_SCRIPT_TOO_MANY (-1)
#define TOOL_SCRIPT_TOO_LONG (-2)
#define TOOL_SCRIPT_BINARY (-3)
#define TOOL_SCRIPT_READ_ERROR (-4)
#define TOOL_SCRIPT_MAX_LINE 4096
#define TOOL_SCRIPT_MAX_COMMENT (1u << 20)
struct tool_script {
	FILE *f;
	bool owned;
	/* A script in memory (tool_script_open_mem), read where f is NULL. */
	const char *mem;
	size_t mem_len, mem_pos;
	unsigned lineno;
	char buf[TOOL_SCRIPT_MAX_LINE + 1];
};
/*
 * Opens path, or standard input for NULL or "-". Returns 0, or -1 and
 * tool_script_open_error() says why ("Is a directory", "Bad file
 * descriptor" for a closed standard input). On a terminal it prints a
 * one-line hint on stderr instead of waiting silently.
 */
int tool_script_open(struct tool_script *s, const char *path_or_dash);
const char *tool_script_open_error(void);
/*
 * The same reader over len bytes at text (not copied: they must outlive
 * the reads), with the same limits; a NUL byte is binary like any other.
 */
void tool_script_open_mem(struct tool_script *s, const char *text, size_t len);
void tool_script_close(struct tool_script *s);
int tool_script_next(struct tool_script *s, char **tok, int max_tok);
const char *tool_script_strerror(int n);

/*
 * Argument helpers, so every subcommand takes "--opt value", "--opt=value"
 * and "--" (end of options) the same way.
 *
 * tool_arg_value: if argv[*i] is name or name=VALUE, sets *val (the next
 * argument, *i advanced past it, or what follows '=') and returns true;
 * a missing value is a usage error naming cmd and name.
 */
bool tool_arg_value(const char *cmd, int argc, char **argv, int *i,
		    const char *name, const char **val);

/*
 * Appends a comma-separated list of model keys to buf (cap bytes): a
 * repeated --model adds to the earlier ones. Usage error past cap.
 */
void tool_append_keys(const char *cmd, char *buf, size_t cap, const char *keys);

/* The model feature keys (--model), one paragraph, for every --help. */
void tool_model_keys_usage(FILE *f);
/* The exit status convention, one paragraph, for every --help. */
void tool_exit_status_usage(FILE *f);

/*
 * Standard output checked at the end (main() does this after every
 * subcommand): a write error (a full disk, /dev/full) is reported on
 * stderr and turns status 0 into 1.
 */
int tool_finish_output(int status);

/* "0x..." formatting into a caller buffer of at least 19 bytes. */

const char *tool_hex(char *buf, uint64_t v);

/* A JSON string literal (quoted, escaped) written to f. */
void tool_json_str(FILE *f, const char *s);

/*
 * Where named model profiles live: $SMMUKIT_PROFILE_DIR if set, else the
 * source tree's profiles/ while it exists (a build-tree binary), else the
 * installed copy under DATADIR/smmukit/profiles.
 */
const char *tool_profile_dir(void);

/* The errno name ("EINVAL") of a negative return code. */
const char *tool_errname(int ret);

#endif /* SMMUKIT_TOOL_H */

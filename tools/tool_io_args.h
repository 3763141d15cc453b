/* SPDX-License-Identifier: MIT */
/*
 * Argument parsing shared by `smmukit bench io` and `smmukit compare`:
 * "--opt value" and "--opt=value" alike; bad values exit 2 naming the
 * option and its limit.
 */
#ifndef SMMUKIT_TOOL_IO_ARGS_H
#define SMMUKIT_TOOL_IO_ARGS_H

#include <stdbool.h>

#include "io_engine.h"

/*
 * If argv[*i] is name or name=VALUE, set *val (the next argument, *i moved
 * past it, or what follows '=') and return true; a missing value exits 2.
 */
bool io_arg(const char *cmd, int argc, char **argv, int *i, const char *name,
	    const char **val);

/* A non-negative decimal number of seconds; exits 2 naming opt. */
double io_parse_seconds(const char *cmd, const char *opt, const char *v);

/*
 * The workload options both subcommands take: --bs, --iodepth, --jobs,
 * --seconds, --seed, --profile, --model (repeatable: keys are joined).
 * Returns true if argv[*i] was one of them.
 */
bool io_arg_common(struct io_cfg *c, int argc, char **argv, int *i);

#endif /* SMMUKIT_TOOL_IO_ARGS_H */

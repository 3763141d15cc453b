/* SPDX-License-Identifier: MIT */
/* Argument parsing for bench io and compare (tool_io_args.h). */
#include <stdlib.h>
#include <string.h>

#include "tool.h"
#include "tool_io_args.h"
#include "tool_stack.h"

bool io_arg(const char *cmd, int argc, char **argv, int *i, const char *name,
	    const char **val)
{
	size_t n = strlen(name);

	if (!strncmp(argv[*i], name, n) && argv[*i][n] == '=') {
		*val = argv[*i] + n + 1;
		return true;
	}
	if (strcmp(argv[*i], name))
		return false;
	if (*i + 1 >= argc)
		tool_fail("%s: %s needs a value", cmd, name);
	*val = argv[++*i];
	return true;
}

double io_parse_seconds(const char *cmd, const char *opt, const char *v)
{
	char *end;
	double d = strtod(v, &end);

	if (end == v || *end || !(d > 0) || d > IO_MAX_SECONDS)
		tool_fail("%s: %s must be a number of seconds > 0 and <= %g",
			  cmd, opt, IO_MAX_SECONDS);
	return d;
}

static unsigned parse_uint(const char *cmd, const char *opt, const char *v,
			   unsigned lo, unsigned hi)
{
	uint64_t n;

	if (!tool_parse_u64(v, false, &n) || n < lo || n > hi)
		tool_fail("%s: %s must be %u..%u", cmd, opt, lo, hi);
	return (unsigned)n;
}

/* Joined --model keys of this process (one command parses them once). */
static char model_keys[TOOL_STACK_MODEL_KEYS_MAX];

bool io_arg_common(struct io_cfg *c, int argc, char **argv, int *i)
{
	const char *v;
	uint64_t n;

	if (io_arg(c->cmd, argc, argv, i, "--bs", &v)) {
		if (!tool_parse_u64(v, true, &n) || n < 4096 || n > IO_MAX_BS ||
		    n % 4096)
			tool_fail("%s: --bs must be a multiple of 4k from 4k to 1M", c->cmd);
		c->bs = n;
	} else if (io_arg(c->cmd, argc, argv, i, "--iodepth", &v)) {
		c->iodepth = parse_uint(c->cmd, "--iodepth", v, 1, IO_MAX_IODEPTH);
	} else if (io_arg(c->cmd, argc, argv, i, "--jobs", &v)) {
		c->jobs = parse_uint(c->cmd, "--jobs", v, 1, IO_MAX_JOBS);
	} else if (io_arg(c->cmd, argc, argv, i, "--seconds", &v)) {
		c->seconds = io_parse_seconds(c->cmd, "--seconds", v);
	} else if (io_arg(c->cmd, argc, argv, i, "--seed", &v)) {
		if (!tool_parse_u64(v, false, &n))
			tool_fail("%s: --seed must be a number in 0..18446744073709551615", c->cmd);
		c->seed = n;
	} else if (io_arg(c->cmd, argc, argv, i, "--profile", &v)) {
		if (!*v)
			tool_fail("%s: --profile needs a name or a path", c->cmd);
		c->profile = v;
	} else if (io_arg(c->cmd, argc, argv, i, "--model", &v)) {
		size_t have = strlen(model_keys), add = strlen(v);

		if (have + 1 + add >= sizeof(model_keys))
			tool_fail("%s: --model keys longer than %zu characters in all",
				  c->cmd, sizeof(model_keys) - 1);
		if (have && add)
			model_keys[have++] = ',';
		memcpy(model_keys + have, v, add + 1);
		c->model_keys = model_keys;
	} else {
		return false;
	}
	return true;
}

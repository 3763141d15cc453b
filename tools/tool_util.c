/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool.h"
#include "tool_run.h"

/*
 * Messages quote what the user gave (paths, words); bytes that are not
 * printable ASCII are written as \xNN so nothing raw reaches a terminal.
 */
static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f)
			fputc(c, f);
		else
			fprintf(f, "\\x%02x", c);
	}
}

void tool_fail(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fputs("smmukit: ", stderr);
	put_escaped(stderr, msg);
	fputc('\n', stderr);
	exit(TOOL_EXIT_USAGE);
}

int tool_err_set(struct tool_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return TOOL_EXIT_USAGE;
}

bool tool_parse_u64(const char *s, bool allow_suffix, uint64_t *out)
{
	uint64_t v = 0, base = 10;
	unsigned shift = 0;
	const char *p = s;

	if (!s || !*s)
		return false;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		if (!*p)
			return false;
	}
	for (; *p; p++) {
		unsigned d;

		if (isdigit((unsigned char)*p))
			d = (unsigned)(*p - '0');
		else if (base == 16 && isxdigit((unsigned char)*p))
			d = (unsigned)(tolower((unsigned char)*p) - 'a' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	if (p == s || (base == 16 && p == s + 2))
		return false;
	if (*p && allow_suffix) {
		switch (toupper((unsigned char)*p)) {
		case 'K': shift = 10; break;
		case 'M': shift = 20; break;
		case 'G': shift = 30; break;
		case 'T': shift = 40; break;
		default: return false;
		}
		p++;
		if (*p == 'i' || *p == 'I')
			p++;
		if (*p == 'B' || *p == 'b')
			p++;
	}
	if (*p)
		return false;
	if (shift && v > (UINT64_MAX >> shift))
		return false;
	*out = v << shift;
	return true;
}

static char script_err[128];

int tool_script_open(struct tool_script *s, const char *path_or_dash)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	if (!path_or_dash || !strcmp(path_or_dash, "-")) {
		/* A closed standard input is an error, not an empty script. */
		if (fstat(STDIN_FILENO, &st)) {
			snprintf(script_err, sizeof(script_err),
				 "standard input: %s", strerror(errno));
			return -1;
		}
		if (isatty(STDIN_FILENO))
			fprintf(stderr, "smmukit: reading a script from the terminal; "
				"end it with Ctrl-D (--help lists the commands)\n");
		s->f = stdin;
		return 0;
	}
	s->f = fopen(path_or_dash, "r");
	if (!s->f) {
		snprintf(script_err, sizeof(script_err), "%s", strerror(errno));
		return -1;
	}
	if (!fstat(fileno(s->f), &st) && S_ISDIR(st.st_mode)) {
		fclose(s->f);
		s->f = NULL;
		snprintf(script_err, sizeof(script_err), "%s", strerror(EISDIR));
		return -1;
	}
	s->owned = true;
	return 0;
}

const char *tool_script_open_error(void)
{
	return script_err;
}

void tool_script_open_mem(struct tool_script *s, const char *text, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->mem = text;
	s->mem_len = text ? len : 0;
}

void tool_script_close(struct tool_script *s)
{
	if (s->owned && s->f)
		fclose(s->f);
	s->f = NULL;
}

static int script_error(int code, const char *fmt, ...) SMMUKIT_PRINTF(2, 3);
static int script_error(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(script_err, sizeof(script_err), fmt, ap);
	va_end(ap);
	return code;
}

static int script_getc(struct tool_script *s)
{
	if (s->f)
		return getc(s->f);
	if (s->mem_pos == s->mem_len)
		return EOF;
	return (unsigned char)s->mem[s->mem_pos++];
}

/*
 * One line into s->buf, the part before any '#'. Reads at most
 * TOOL_SCRIPT_MAX_LINE + 1 bytes of a command line and
 * TOOL_SCRIPT_MAX_COMMENT of a comment line before giving up, so an endless
 * line costs bounded time. Returns 1 for a line, 0 at end of input, or a
 * negative TOOL_SCRIPT_* error.
 */
static int read_line(struct tool_script *s)
{
	size_t len = 0, total = 0;
	bool comment = false;
	int c;

	for (;;) {
		c = script_getc(s);
		if (c == EOF || c == '\n')
			break;
		total++;
		if (c == '#')
			comment = true;
		if (comment) {
			if (total > TOOL_SCRIPT_MAX_COMMENT)
				return script_error(TOOL_SCRIPT_TOO_LONG,
						    "comment line too long (max %u bytes)",
						    TOOL_SCRIPT_MAX_COMMENT);
			continue;
		}
		if (len == TOOL_SCRIPT_MAX_LINE)
			return script_error(TOOL_SCRIPT_TOO_LONG,
					    "line too long (max %u bytes)",
					    TOOL_SCRIPT_MAX_LINE);
		if ((c < 0x20 && c != '\t' && c != '\r') || c >= 0x7f)
			return script_error(TOOL_SCRIPT_BINARY,
					    "not a text line: byte 0x%02x at column %zu "
					    "(scripts are printable ASCII)",
					    (unsigned)c, total);
		s->buf[len++] = (char)c;
	}
	s->buf[len] = '\0';
	if (c == EOF && s->f && ferror(s->f))
		return script_error(TOOL_SCRIPT_READ_ERROR, "read error: %s",
				    strerror(errno));
	return c == EOF && !total ? 0 : 1;
}

int tool_script_next(struct tool_script *s, char **tok, int max_tok)
{
	int ret;

	while ((ret = read_line(s)) != 0) {
		char *p, *save = NULL;
		int n = 0;

		s->lineno++;
		if (ret < 0)
			return ret;
		for (p = strtok_r(s->buf, " \t\r", &save); p;
		     p = strtok_r(NULL, " \t\r", &save)) {
			if (n == max_tok)
				return script_error(TOOL_SCRIPT_TOO_MANY,
						    "too many words (max %d)",
						    max_tok);
			tok[n++] = p;
		}
		if (n)
			return n;
	}
	return 0;
}

const char *tool_script_strerror(int n)
{
	(void)n;
	return script_err;
}

bool tool_arg_value(const char *cmd, int argc, char **argv, int *i,
		    const char *name, const char **val)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (strncmp(a, name, n))
		return false;
	if (a[n] == '=') {
		*val = a + n + 1;
		return true;
	}
	if (a[n])
		return false;
	if (*i + 1 >= argc)
		tool_fail("%s: %s needs a value", cmd, name);
	*val = argv[++*i];
	return true;
}

void tool_append_keys(const char *cmd, char *buf, size_t cap,
		      const char *keys)
{
	size_t used = strlen(buf), add = strlen(keys);

	if (used + (used ? 1 : 0) + add + 1 > cap)
		tool_fail("%s: --model keys too long (max %zu bytes in all)", cmd,
			  cap - 1);
	if (used)
		buf[used++] = ',';
	memcpy(buf + used, keys, add + 1);
}

void tool_model_keys_usage(FILE *f)
{
	fprintf(f,
		"Model keys (--model KEY[=VAL],..., repeat --model to add):\n"
		"  stages=s1|s2|s1s2 strtab=linear|2lvl oas=32|36|40|42|44|48|52\n"
		"  gran=4k+16k+64k sidsize=1..32 ssidsize=0..20 cmdq_log2=1..19\n"
		"  evtq_log2=1..19 cmdlog=N invlog=N stalelog=N (log entries, <= 2^24)\n"
		"  and the booleans (KEY alone or KEY=0|1): ril msi sev coherent hyp\n"
		"  asid16 vmid16 checking cmdq_stall no_gbpa\n");
}

void tool_exit_status_usage(FILE *f)
{
	fprintf(f,
		"Exit status: 0 success; 1 an operation failed (its line says which);\n"
		"2 bad usage or input (one line on stderr naming what and the limit).\n");
}

int tool_finish_output(int status)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		int err = errno;

		fprintf(stderr, "smmukit: cannot write standard output: %s\n",
			err ? strerror(err) : "write error");
		return status ? status : 1;
	}
	return status;
}

const char *tool_hex(char *buf, uint64_t v)
{
	snprintf(buf, 19, "0x%llx", (unsigned long long)v);
	return buf;
}

void tool_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

const char *tool_errname(int ret)
{
	return smmukit_errname(ret);
}

/*
 * The build tree's binary uses the source tree's profiles; an installed
 * copy (anything not under the build directory) the installed ones, even
 * while the source tree still exists.
 */
static bool running_from_build_tree(void)
{
#ifdef SMMUKIT_BUILD_DIR
	char exe[4096];
	size_t bl = strlen(SMMUKIT_BUILD_DIR);
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return true;	/* cannot tell: the source tree, if present */
	exe[n] = '\0';
	return !strncmp(exe, SMMUKIT_BUILD_DIR, bl) && exe[bl] == '/';
#else
	return true;
#endif
}

const char *tool_profile_dir(void)
{
	const char *env = getenv("SMMUKIT_PROFILE_DIR");
	struct stat st;

	if (env && *env)
		return env;
	if (running_from_build_tree() && !stat(SMMUKIT_PROFILE_DIR, &st) &&
	    S_ISDIR(st.st_mode))
		return SMMUKIT_PROFILE_DIR;
	return SMMUKIT_INSTALLED_PROFILE_DIR;
}

/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tool.h"

void tool_fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("smmukit: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(TOOL_EXIT_USAGE);
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

int tool_script_open(struct tool_script *s, const char *path_or_dash)
{
	memset(s, 0, sizeof(*s));
	if (!path_or_dash || !strcmp(path_or_dash, "-")) {
		s->f = stdin;
		return 0;
	}
	s->f = fopen(path_or_dash, "r");
	if (!s->f)
		return -1;
	s->owned = true;
	return 0;
}

void tool_script_close(struct tool_script *s)
{
	if (s->owned && s->f)
		fclose(s->f);
	s->f = NULL;
}

/* Skip what is left of a line longer than the buffer. */
static void skip_rest_of_line(FILE *f)
{
	int c;

	do
		c = getc(f);
	while (c != EOF && c != '\n');
}

int tool_script_next(struct tool_script *s, char **tok, int max_tok)
{
	while (fgets(s->buf, sizeof(s->buf), s->f)) {
		char *p, *save = NULL;
		int n = 0;

		s->lineno++;
		p = strchr(s->buf, '#');
		if (!strchr(s->buf, '\n') && !feof(s->f)) {
			skip_rest_of_line(s->f);
			/* A long comment is fine; a long command is not. */
			if (!p)
				return TOOL_SCRIPT_TOO_LONG;
		}
		if (p)
			*p = '\0';
		for (p = strtok_r(s->buf, " \t\r\n", &save); p;
		     p = strtok_r(NULL, " \t\r\n", &save)) {
			if (n == max_tok)
				return TOOL_SCRIPT_TOO_MANY;
			tok[n++] = p;
		}
		if (n)
			return n;
	}
	return 0;
}

const char *tool_script_strerror(int n)
{
	return n == TOOL_SCRIPT_TOO_LONG ? "line too long" : "too many words";
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

const char *tool_profile_dir(void)
{
	const char *env = getenv("SMMUKIT_PROFILE_DIR");
	struct stat st;

	if (env && *env)
		return env;
	if (!stat(SMMUKIT_PROFILE_DIR, &st) && S_ISDIR(st.st_mode))
		return SMMUKIT_PROFILE_DIR;
	return SMMUKIT_INSTALLED_PROFILE_DIR;
}

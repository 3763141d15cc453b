/* SPDX-License-Identifier: MIT */
/*
 * Feature strings ("stages=s1s2,ril,...") and timing profiles (key=value
 * text). Both are strict: an unknown key or a bad value is an error that
 * names the key. Profile keys come from the one table in model.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smmukit/model.h"

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	SMMUKIT_PRINTF(3, 4);

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Decimal or 0x hex, optional binary K/M/G suffix. */
static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	/* Beyond 2^64 - 1: strtoull saturates; that is not the value given. */
	if (end == s || errno == ERANGE)
		return false;
	if (*end == 'K' || *end == 'k')
		mul = UINT64_C(1) << 10;
	else if (*end == 'M' || *end == 'm')
		mul = UINT64_C(1) << 20;
	else if (*end == 'G' || *end == 'g')
		mul = UINT64_C(1) << 30;
	if (mul != 1)
		end++;
	if (*end)
		return false;
	if (v > UINT64_MAX / mul)
		return false;
	*out = (uint64_t)v * mul;
	return true;
}

static bool parse_bool(const char *s, bool *out)
{
	if (!s || !strcmp(s, "1") || !strcmp(s, "on") || !strcmp(s, "true") ||
	    !strcmp(s, "yes")) {
		*out = true;
		return true;
	}
	if (!strcmp(s, "0") || !strcmp(s, "off") || !strcmp(s, "false") ||
	    !strcmp(s, "no")) {
		*out = false;
		return true;
	}
	return false;
}

void smmukit_model_config_default(struct smmukit_model_config *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->s1 = true;
	cfg->s2 = true;
	cfg->strtab_2lvl = true;
	cfg->ril = true;
	cfg->coherent = true;
	cfg->asid16 = true;
	cfg->vmid16 = true;
	cfg->sidsize = 16;
	cfg->cmdq_log2 = 10;
	cfg->evtq_log2 = 8;
	cfg->oas = 48;
	cfg->gran = SMMUKIT_MODEL_GRAN_4K | SMMUKIT_MODEL_GRAN_16K |
		    SMMUKIT_MODEL_GRAN_64K;
	cfg->cmdlog_entries = 4096;
	cfg->invlog_entries = 4096;
	cfg->stalelog_entries = 4096;
}

static int parse_gran(const char *v, unsigned *out)
{
	unsigned g = 0;
	char buf[64], *save = NULL, *tok;

	if (!v || strlen(v) >= sizeof(buf))
		return -1;
	strcpy(buf, v);
	for (tok = strtok_r(buf, "+", &save); tok;
	     tok = strtok_r(NULL, "+", &save)) {
		if (!strcmp(tok, "4k") || !strcmp(tok, "4K"))
			g |= SMMUKIT_MODEL_GRAN_4K;
		else if (!strcmp(tok, "16k") || !strcmp(tok, "16K"))
			g |= SMMUKIT_MODEL_GRAN_16K;
		else if (!strcmp(tok, "64k") || !strcmp(tok, "64K"))
			g |= SMMUKIT_MODEL_GRAN_64K;
		else
			return -1;
	}
	if (!g)
		return -1;
	*out = g;
	return 0;
}

static int config_set(struct smmukit_model_config *c, const char *key,
		      const char *val, char *err, size_t errlen)
{
	struct {
		const char *name;
		bool *flag;
	} bools[] = {
		{ "ril", &c->ril }, { "msi", &c->msi }, { "sev", &c->sev },
		{ "coherent", &c->coherent }, { "hyp", &c->hyp },
		{ "asid16", &c->asid16 }, { "vmid16", &c->vmid16 },
		{ "checking", &c->checking }, { "cmdq_stall", &c->cmdq_stall },
		{ "no_gbpa", &c->no_gbpa },
	};
	struct {
		const char *name;
		unsigned *v;
		uint64_t lo, hi;
	} nums[] = {
		{ "sidsize", &c->sidsize, 1, 32 },
		{ "ssidsize", &c->ssidsize, 0, 20 },
		{ "cmdq_log2", &c->cmdq_log2, 1, 19 },
		{ "evtq_log2", &c->evtq_log2, 1, 19 },
		{ "cmdlog", &c->cmdlog_entries, 0, 1u << 24 },
		{ "invlog", &c->invlog_entries, 0, 1u << 24 },
		{ "stalelog", &c->stalelog_entries, 0, 1u << 24 },
	};
	uint64_t n;
	/* What the key allows, for the error message. */
	const char *allowed = "";
	char range[48];

	for (size_t i = 0; i < SMMUKIT_ARRAY_SIZE(bools); i++) {
		if (strcmp(key, bools[i].name))
			continue;
		allowed = "0 or 1";
		if (!parse_bool(val, bools[i].flag))
			goto bad_value;
		return 0;
	}
	for (size_t i = 0; i < SMMUKIT_ARRAY_SIZE(nums); i++) {
		if (strcmp(key, nums[i].name))
			continue;
		snprintf(range, sizeof(range), "%llu..%llu",
			 (unsigned long long)nums[i].lo,
			 (unsigned long long)nums[i].hi);
		allowed = range;
		if (!val || !parse_u64(val, &n) || n < nums[i].lo ||
		    n > nums[i].hi)
			goto bad_value;
		*nums[i].v = (unsigned)n;
		return 0;
	}
	if (!strcmp(key, "stages")) {
		allowed = "s1, s2 or s1s2";
		if (val && !strcmp(val, "s1"))
			c->s1 = true, c->s2 = false;
		else if (val && !strcmp(val, "s2"))
			c->s1 = false, c->s2 = true;
		else if (val && (!strcmp(val, "s1s2") || !strcmp(val, "s1+s2")))
			c->s1 = true, c->s2 = true;
		else
			goto bad_value;
		return 0;
	}
	if (!strcmp(key, "strtab")) {
		allowed = "linear or 2lvl";
		if (val && !strcmp(val, "linear"))
			c->strtab_2lvl = false;
		else if (val && !strcmp(val, "2lvl"))
			c->strtab_2lvl = true;
		else
			goto bad_value;
		return 0;
	}
	if (!strcmp(key, "oas")) {
		allowed = "32, 36, 40, 42, 44, 48 or 52";
		if (!val || !parse_u64(val, &n) ||
		    (n != 32 && n != 36 && n != 40 && n != 42 && n != 44 &&
		     n != 48 && n != 52))
			goto bad_value;
		c->oas = (unsigned)n;
		return 0;
	}
	if (!strcmp(key, "gran")) {
		allowed = "4k, 16k, 64k joined by +";
		if (parse_gran(val, &c->gran))
			goto bad_value;
		return 0;
	}
	set_err(err, errlen, "unknown model key '%s'", key);
	return -SMMUKIT_EINVAL;
bad_value:
	set_err(err, errlen, "bad value '%s' for model key '%s' (%s)",
		val ? val : "", key, allowed);
	return -SMMUKIT_EINVAL;
}

int smmukit_model_config_parse(struct smmukit_model_config *cfg,
			       const char *str, char *err, size_t errlen)
{
	char *buf, *save = NULL, *tok;
	int ret = 0;

	if (!cfg || !str)
		return -SMMUKIT_EINVAL;
	buf = strdup(str);
	if (!buf)
		return -SMMUKIT_ENOMEM;
	for (tok = strtok_r(buf, ",", &save); tok && !ret;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		while (isspace((unsigned char)*tok))
			tok++;
		if (!*tok)
			continue;
		if (eq)
			*eq = '\0';
		ret = config_set(cfg, tok, eq ? eq + 1 : NULL, err, errlen);
	}
	free(buf);
	return ret;
}

/* ---- profiles ---- */

static const struct {
	const char *name;
	uint64_t def;
	const char *doc;
	size_t off;
} profile_keys[] = {
#define SMMUKIT_MODEL_PROFILE_ROW(n, d, doc) \
	{ #n, d, doc, offsetof(struct smmukit_model_profile, n) },
	SMMUKIT_MODEL_PROFILE_KEYS(SMMUKIT_MODEL_PROFILE_ROW)
#undef SMMUKIT_MODEL_PROFILE_ROW
};

unsigned smmukit_model_profile_nkeys(void)
{
	return (unsigned)SMMUKIT_ARRAY_SIZE(profile_keys);
}

const char *smmukit_model_profile_key(unsigned i, const char **doc)
{
	if (i >= SMMUKIT_ARRAY_SIZE(profile_keys))
		return NULL;
	if (doc)
		*doc = profile_keys[i].doc;
	return profile_keys[i].name;
}

void smmukit_model_profile_zero(struct smmukit_model_profile *prof)
{
	if (!prof)
		return;
	memset(prof, 0, sizeof(*prof));
	strcpy(prof->name, "zero");
	for (size_t i = 0; i < SMMUKIT_ARRAY_SIZE(profile_keys); i++)
		memcpy((char *)prof + profile_keys[i].off, &profile_keys[i].def,
		       sizeof(uint64_t));
}

int smmukit_model_profile_set(struct smmukit_model_profile *prof,
			      const char *key, const char *val)
{
	uint64_t v;

	if (!prof || !key || !val)
		return -SMMUKIT_EINVAL;
	for (size_t i = 0; i < SMMUKIT_ARRAY_SIZE(profile_keys); i++) {
		if (strcmp(key, profile_keys[i].name))
			continue;
		if (!parse_u64(val, &v))
			return -SMMUKIT_EINVAL;
		/* Cache geometry must be usable. */
		if ((strstr(key, "_entries") || strstr(key, "_ways")) &&
		    (v > (UINT64_C(1) << 20) ||
		     (v == 0 && strcmp(key, "walkcache_entries"))))
			return -SMMUKIT_EINVAL;
		memcpy((char *)prof + profile_keys[i].off, &v, sizeof(v));
		return 0;
	}
	return -SMMUKIT_ENOENT;
}

/* One cache's geometry: the model uses exactly what the profile says. */
static int check_geometry(const char *ekey, uint64_t entries, const char *wkey,
			  uint64_t ways, bool may_be_off, char *err,
			  size_t errlen)
{
	if (may_be_off && entries == 0)
		return 0;
	if (ways == 0 || ways > 64) {
		set_err(err, errlen, "%s: %llu ways (1..64)", wkey,
			(unsigned long long)ways);
		return -SMMUKIT_EINVAL;
	}
	if (entries < ways || entries % ways ||
	    !smmukit_is_pow2(entries / ways)) {
		set_err(err, errlen,
			"%s: %llu is not %s (%llu) times a power of two",
			ekey, (unsigned long long)entries, wkey,
			(unsigned long long)ways);
		return -SMMUKIT_EINVAL;
	}
	return 0;
}

int smmukit_model_profile_check(const struct smmukit_model_profile *prof,
				char *err, size_t errlen)
{
	int ret;

	if (!prof)
		return -SMMUKIT_EINVAL;
	ret = check_geometry("iotlb_entries", prof->iotlb_entries,
			     "iotlb_ways", prof->iotlb_ways, false, err, errlen);
	if (!ret)
		ret = check_geometry("walkcache_entries",
				     prof->walkcache_entries, "walkcache_ways",
				     prof->walkcache_ways, true, err, errlen);
	if (!ret)
		ret = check_geometry("cfgcache_entries", prof->cfgcache_entries,
				     "cfgcache_ways", prof->cfgcache_ways, false,
				     err, errlen);
	return ret;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int smmukit_model_profile_parse(struct smmukit_model_profile *prof,
				const char *text, char *err, size_t errlen)
{
	char *buf, *line;
	unsigned lineno = 0;
	int ret = 0;

	if (!prof || !text)
		return -SMMUKIT_EINVAL;
	buf = strdup(text);
	if (!buf)
		return -SMMUKIT_ENOMEM;
	/* strtok_r would merge blank lines and shift the line numbers. */
	for (line = buf; line && !ret; lineno++) {
		char *next = strchr(line, '\n'), *eq, *key, *val, *hash;

		if (next)
			*next++ = '\0';
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		key = trim(line);
		line = next;
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			set_err(err, errlen, "line %u: expected key=value",
				lineno + 1);
			ret = -SMMUKIT_EINVAL;
			break;
		}
		*eq = '\0';
		val = trim(eq + 1);
		key = trim(key);
		ret = smmukit_model_profile_set(prof, key, val);
		if (ret == -SMMUKIT_ENOENT)
			set_err(err, errlen, "line %u: unknown profile key '%s'",
				lineno + 1, key);
		else if (ret)
			set_err(err, errlen, "line %u: bad value '%s' for '%s'",
				lineno + 1, val, key);
		if (ret)
			ret = -SMMUKIT_EINVAL;
	}
	free(buf);
	/* Geometry needs both keys of a cache: checked on the whole text. */
	if (!ret)
		ret = smmukit_model_profile_check(prof, err, errlen);
	return ret;
}

int smmukit_model_profile_load(struct smmukit_model_profile *prof,
			       const char *name_or_path, const char *dir,
			       char *err, size_t errlen)
{
	char path[4096];
	char *text = NULL;
	size_t len = 0, cap = 0;
	FILE *f;
	int ret;

	if (!prof || !name_or_path || !*name_or_path) {
		set_err(err, errlen, "no profile name given");
		return -SMMUKIT_EINVAL;
	}
	smmukit_model_profile_zero(prof);
	if (!strcmp(name_or_path, "zero"))
		return 0;
	if (strchr(name_or_path, '/')) {
		snprintf(path, sizeof(path), "%s", name_or_path);
	} else if (dir) {
		snprintf(path, sizeof(path), "%s/%s.profile", dir, name_or_path);
	} else {
		set_err(err, errlen, "unknown profile '%s'", name_or_path);
		return -SMMUKIT_ENOENT;
	}
	f = fopen(path, "r");
	if (!f) {
		set_err(err, errlen, "cannot open profile '%s': %s", path,
			strerror(errno));
		return -SMMUKIT_ENOENT;
	}
	for (;;) {
		size_t got;

		if (cap - len < 4096) {
			char *n = realloc(text, cap + 8192);

			if (!n) {
				free(text);
				fclose(f);
				return -SMMUKIT_ENOMEM;
			}
			text = n;
			cap += 8192;
		}
		got = fread(text + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0 && ferror(f)) {
			/* A directory, or an I/O error: not an empty profile. */
			free(text);
			fclose(f);
			set_err(err, errlen, "cannot read profile '%s'", path);
			return -SMMUKIT_EIO;
		}
		if (got == 0)
			break;
		if (len > (1u << 20)) {
			free(text);
			fclose(f);
			set_err(err, errlen, "profile '%s' is too large", path);
			return -SMMUKIT_EINVAL;
		}
	}
	fclose(f);
	text[len] = '\0';
	if (strlen(text) != len) {
		free(text);
		set_err(err, errlen, "profile '%s' contains a NUL byte", path);
		return -SMMUKIT_EINVAL;
	}
	ret = smmukit_model_profile_parse(prof, text, err, errlen);
	free(text);
	if (!ret) {
		const char *base = strrchr(name_or_path, '/');

		snprintf(prof->name, sizeof(prof->name), "%s",
			 base ? base + 1 : name_or_path);
	}
	return ret;
}

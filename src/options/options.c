/* SPDX-License-Identifier: MIT */
/*
 * The options parser: one dispatcher over the layers' tables.
 *
 * It knows nothing about any layer: a word's prefix picks a bound table,
 * the table's row gives the type and the limits, and the table's set()
 * stores the checked value. Freestanding: no libc, so words are (pointer,
 * length) slices of the caller's string and messages are built with the
 * small string builder below.
 *
 * Parsing is all or nothing in two passes over the string:
 *  1. validate every word (syntax, prefix, key, value, range); the first
 *     bad word ends the parse with its message and nothing stored;
 *  2. for each word in order: warn if an earlier word set the same setting
 *     (under either spelling), then set() it -- so the later one wins.
 * Pass 2 parses each word again instead of remembering pass 1's results:
 * the parser needs no memory of its own and no limit on the word count.
 */
#include "smmukit/options.h"

/* ---- a bounded string builder: always NUL-terminated, truncates ---- */

struct sbuf {
	char *buf;
	size_t cap;
	size_t len;
};

static void sb_init(struct sbuf *sb, char *buf, size_t cap)
{
	sb->buf = buf;
	sb->cap = buf ? cap : 0;
	sb->len = 0;
	if (sb->cap)
		buf[0] = '\0';
}

static void sb_putn(struct sbuf *sb, const char *s, size_t n)
{
	if (!s)
		return;
	for (size_t i = 0; i < n && s[i]; i++) {
		if (sb->len + 1 >= sb->cap)
			return;
		sb->buf[sb->len++] = s[i];
		sb->buf[sb->len] = '\0';
	}
}

static void sb_puts(struct sbuf *sb, const char *s)
{
	sb_putn(sb, s, (size_t)-1);
}

static void sb_putu(struct sbuf *sb, uint64_t v)
{
	char tmp[21];
	size_t n = sizeof(tmp);

	do {
		tmp[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sb_putn(sb, tmp + n, sizeof(tmp) - n);
}

/* ---- slices of the command line ---- */

struct slice {
	const char *p;
	size_t n;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

static bool slice_eq(struct slice a, const char *s)
{
	size_t i;

	if (!s)
		return false;
	for (i = 0; i < a.n; i++)
		if (s[i] != a.p[i])
			return false;
	return s[i] == '\0';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool slice_eq_nocase(struct slice a, const char *s)
{
	size_t i;

	for (i = 0; i < a.n; i++)
		if (!s[i] || lower(a.p[i]) != s[i])
			return false;
	return s[i] == '\0';
}

/* The next word at or after *pos; false at the end of the string. */
static bool next_word(const char *s, size_t *pos, struct slice *w)
{
	size_t i = *pos;

	while (s[i] && is_blank(s[i]))
		i++;
	if (!s[i])
		return false;
	w->p = s + i;
	while (s[i] && !is_blank(s[i]))
		i++;
	w->n = (size_t)(s + i - w->p);
	*pos = i;
	return true;
}

/* ---- value parsers ---- */

static bool parse_bool(struct slice v, uint64_t *out)
{
	static const char *const yes[] = { "1", "y", "yes", "on", "true" };
	static const char *const no[] = { "0", "n", "no", "off", "false" };

	for (size_t i = 0; i < SMMUKIT_ARRAY_SIZE(yes); i++) {
		if (slice_eq_nocase(v, yes[i])) {
			*out = 1;
			return true;
		}
		if (slice_eq_nocase(v, no[i])) {
			*out = 0;
			return true;
		}
	}
	return false;
}

/*
 * Decimal or 0x hex, then an optional binary K/M/G. *overflow tells a
 * number too large for 64 bits from junk, for the message.
 */
static bool parse_uint(struct slice v, uint64_t *out, bool *overflow)
{
	uint64_t val = 0, base = 10;
	size_t i = 0, digits = 0;
	unsigned shift = 0;

	*overflow = false;
	if (v.n > 2 && v.p[0] == '0' && (v.p[1] == 'x' || v.p[1] == 'X')) {
		base = 16;
		i = 2;
	}
	for (; i < v.n; i++, digits++) {
		char c = lower(v.p[i]);
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			break;
		if (val > (UINT64_MAX - d) / base)
			*overflow = true;
		else
			val = val * base + d;
	}
	if (!digits)
		return false;
	if (i < v.n) {
		switch (lower(v.p[i])) {
		case 'k': shift = 10; break;
		case 'm': shift = 20; break;
		case 'g': shift = 30; break;
		default: return false;
		}
		if (++i != v.n)
			return false;
	}
	if (*overflow || (shift && val > (UINT64_MAX >> shift))) {
		*overflow = true;
		return false;
	}
	*out = val << shift;
	return true;
}

static unsigned nr_choices(const struct smmukit_option *opt)
{
	unsigned n = 0;

	if (opt->choices)
		while (opt->choices[n])
			n++;
	return n;
}

static bool parse_enum(const struct smmukit_option *opt, struct slice v,
		       uint64_t *out)
{
	for (unsigned i = 0; i < nr_choices(opt); i++) {
		if (slice_eq(v, opt->choices[i])) {
			*out = i;
			return true;
		}
	}
	return false;
}

/* ---- what a word is ---- */

struct word {
	struct slice text;	/* the whole word, for messages */
	struct slice key;	/* before the '=' */
	struct slice value;	/* after it */
	unsigned binding;
	const struct smmukit_option *opt;
	bool legacy;		/* spelled with opt->legacy */
	uint64_t stored;	/* the value set() receives */
};

static void put_word(struct sbuf *sb, const struct word *w)
{
	sb_putn(sb, w->text.p, w->text.n);
}

/* "a, b or c" (sep ", ", last " or ") or "a|b|c" (both "|"). */
static void put_choices(struct sbuf *sb, const struct smmukit_option *opt,
			const char *sep, const char *last_sep)
{
	unsigned n = nr_choices(opt);

	for (unsigned i = 0; i < n; i++) {
		if (i)
			sb_puts(sb, i + 1 == n ? last_sep : sep);
		sb_puts(sb, opt->choices[i]);
	}
}

static void put_range(struct sbuf *sb, const struct smmukit_option *opt)
{
	switch (opt->type) {
	case SMMUKIT_OPT_BOOL:
		sb_puts(sb, "0|1");
		break;
	case SMMUKIT_OPT_UINT:
		sb_putu(sb, opt->min);
		sb_puts(sb, "..");
		sb_putu(sb, opt->max);
		if (opt->flags & SMMUKIT_OPT_F_POW2)
			sb_puts(sb, " (power of two)");
		break;
	case SMMUKIT_OPT_ENUM:
		put_choices(sb, opt, "|", "|");
		break;
	default:
		sb_puts(sb, "?");
		break;
	}
}

/* "KEY=VALUE: must be ..." for a value the option refuses. */
static void bad_value(struct sbuf *sb, const struct word *w, bool overflow)
{
	const struct smmukit_option *opt = w->opt;

	put_word(sb, w);
	switch (opt->type) {
	case SMMUKIT_OPT_BOOL:
		sb_puts(sb, ": must be 0 or 1 (also n/y, no/yes, off/on, false/true)");
		break;
	case SMMUKIT_OPT_UINT:
		sb_puts(sb, overflow ? ": too large; must be " : ": must be ");
		sb_puts(sb, opt->flags & SMMUKIT_OPT_F_POW2 ?
				    "a power of two in " : "a number in ");
		sb_putu(sb, opt->min);
		sb_puts(sb, "..");
		sb_putu(sb, opt->max);
		break;
	case SMMUKIT_OPT_ENUM:
		sb_puts(sb, ": must be ");
		put_choices(sb, opt, ", ", " or ");
		break;
	default:
		sb_puts(sb, ": option of unknown type");
		break;
	}
}

static const struct smmukit_option *find_opt(const struct smmukit_option_table *t,
					     struct slice name, bool *legacy)
{
	for (unsigned i = 0; i < t->nr_opts; i++) {
		const struct smmukit_option *o = &t->opts[i];

		if (slice_eq(name, o->name)) {
			*legacy = false;
			return o;
		}
		if (o->legacy && slice_eq(name, o->legacy)) {
			*legacy = true;
			return o;
		}
	}
	return NULL;
}

static bool binding_ok(const struct smmukit_option_binding *b)
{
	return b->table && b->table->prefix && b->table->set &&
	       (b->table->opts || !b->table->nr_opts);
}

/*
 * Decode one word completely: split it, find its table and option, parse
 * and check the value. Returns 0 or -SMMUKIT_EINVAL with the reason in sb.
 */
static int decode(struct slice text, const struct smmukit_option_binding *bindings,
		  unsigned nr_bindings, struct word *w, struct sbuf *sb)
{
	struct slice prefix, name;
	uint64_t v = 0;
	bool overflow = false, ok;
	size_t eq = 0, dot;

	w->text = text;
	while (eq < text.n && text.p[eq] != '=')
		eq++;
	if (eq == text.n || eq == 0 || eq + 1 == text.n) {
		sb_puts(sb, "malformed option '");
		put_word(sb, w);
		sb_puts(sb, eq == text.n ? "': expected KEY=VALUE" :
			    eq == 0 ? "': no key before '='" :
				      "': no value after '='");
		return -SMMUKIT_EINVAL;
	}
	w->key = (struct slice){ text.p, eq };
	w->value = (struct slice){ text.p + eq + 1, text.n - eq - 1 };
	for (dot = 0; dot < eq && text.p[dot] != '.'; dot++)
		;
	if (dot == eq || dot == 0 || dot + 1 == eq) {
		sb_puts(sb, "malformed option '");
		put_word(sb, w);
		sb_puts(sb, "': the key must be PREFIX.NAME");
		return -SMMUKIT_EINVAL;
	}
	prefix = (struct slice){ text.p, dot };
	name = (struct slice){ text.p + dot + 1, eq - dot - 1 };
	for (w->binding = 0; w->binding < nr_bindings; w->binding++)
		if (slice_eq(prefix, bindings[w->binding].table->prefix))
			break;
	if (w->binding == nr_bindings) {
		sb_puts(sb, "no option table for prefix '");
		sb_putn(sb, prefix.p, prefix.n);
		sb_puts(sb, "' in '");
		put_word(sb, w);
		sb_puts(sb, "' (known:");
		for (unsigned i = 0; i < nr_bindings; i++) {
			sb_puts(sb, " ");
			sb_puts(sb, bindings[i].table->prefix);
		}
		sb_puts(sb, ")");
		return -SMMUKIT_EINVAL;
	}
	w->opt = find_opt(bindings[w->binding].table, name, &w->legacy);
	if (!w->opt) {
		sb_puts(sb, "unknown option '");
		sb_putn(sb, w->key.p, w->key.n);
		sb_puts(sb, "' (see smmukit options)");
		return -SMMUKIT_EINVAL;
	}
	switch (w->opt->type) {
	case SMMUKIT_OPT_BOOL:
		ok = parse_bool(w->value, &v);
		if (ok && w->legacy && w->opt->legacy_inverted)
			v = !v;
		break;
	case SMMUKIT_OPT_UINT:
		ok = parse_uint(w->value, &v, &overflow) && v >= w->opt->min &&
		     v <= w->opt->max &&
		     (!(w->opt->flags & SMMUKIT_OPT_F_POW2) ||
		      smmukit_is_pow2(v));
		break;
	case SMMUKIT_OPT_ENUM:
		ok = parse_enum(w->opt, w->value, &v);
		break;
	default:
		ok = false;
		break;
	}
	if (!ok) {
		bad_value(sb, w, overflow);
		return -SMMUKIT_EINVAL;
	}
	w->stored = v;
	return 0;
}

/* The last word before `end` that sets the same setting as w, if any. */
static bool find_earlier(const char *cmdline, size_t end, const struct word *w,
			 const struct smmukit_option_binding *bindings,
			 unsigned nr_bindings, struct word *prev)
{
	struct slice text;
	struct word cur;
	struct sbuf none;
	size_t pos = 0;
	bool found = false;

	sb_init(&none, NULL, 0);
	while (pos < end && next_word(cmdline, &pos, &text) && pos <= end) {
		if (decode(text, bindings, nr_bindings, &cur, &none))
			continue;	/* cannot happen after pass 1 */
		if (cur.binding == w->binding && cur.opt == w->opt) {
			*prev = cur;
			found = true;
		}
	}
	return found;
}

int smmukit_parse_options(const char *cmdline,
			  const struct smmukit_option_binding *bindings,
			  unsigned nr_bindings, smmukit_option_warn_fn warn,
			  void *warn_arg, char *err, size_t errlen)
{
	struct sbuf sb;
	struct slice text;
	struct word w;
	size_t pos;

	sb_init(&sb, err, errlen);
	if (!cmdline)
		return 0;
	if (!bindings && nr_bindings) {
		sb_puts(&sb, "no option tables given");
		return -SMMUKIT_EINVAL;
	}
	for (unsigned i = 0; i < nr_bindings; i++) {
		if (!binding_ok(&bindings[i])) {
			sb_puts(&sb, "option table without prefix or set()");
			return -SMMUKIT_EINVAL;
		}
	}

	/* Pass 1: everything must be valid before anything is stored. */
	for (pos = 0; next_word(cmdline, &pos, &text);)
		if (decode(text, bindings, nr_bindings, &w, &sb))
			return -SMMUKIT_EINVAL;

	/* Pass 2: in order, so that the later of two settings wins. */
	for (pos = 0; next_word(cmdline, &pos, &text);) {
		const struct smmukit_option_binding *b;
		size_t start = (size_t)(text.p - cmdline);
		struct word prev;

		decode(text, bindings, nr_bindings, &w, &sb);
		b = &bindings[w.binding];
		if (warn && find_earlier(cmdline, start, &w, bindings,
					 nr_bindings, &prev)) {
			char msg[256];
			struct sbuf wb;

			sb_init(&wb, msg, sizeof(msg));
			put_word(&wb, &w);
			sb_puts(&wb, " overrides earlier ");
			put_word(&wb, &prev);
			sb_puts(&wb, " (the later one wins)");
			warn(warn_arg, msg);
		}
		if (b->table->set(b->target, w.opt, w.stored)) {
			/*
			 * A table refused a value within the range it
			 * declared: the table is wrong, not the input. Earlier
			 * words are already stored; say so.
			 */
			sb_init(&sb, err, errlen);
			put_word(&sb, &w);
			sb_puts(&sb, ": refused by the ");
			sb_puts(&sb, b->table->prefix);
			sb_puts(&sb, " layer (earlier options were applied)");
			return -SMMUKIT_EINVAL;
		}
	}
	return 0;
}

void smmukit_options_set_defaults(const struct smmukit_option_table *table,
				  void *target)
{
	if (!table || !table->set || (!table->opts && table->nr_opts))
		return;
	for (unsigned i = 0; i < table->nr_opts; i++)
		table->set(target, &table->opts[i], table->opts[i].def);
}

const char *smmukit_option_default_str(const struct smmukit_option *opt,
				       char *buf, size_t len)
{
	struct sbuf sb;

	sb_init(&sb, buf, len);
	if (!opt)
		return buf;
	if (opt->type == SMMUKIT_OPT_ENUM)
		sb_puts(&sb, opt->def < nr_choices(opt) ?
				     opt->choices[opt->def] : "?");
	else
		sb_putu(&sb, opt->def);
	return buf;
}

const char *smmukit_option_range_str(const struct smmukit_option *opt,
				     char *buf, size_t len)
{
	struct sbuf sb;

	sb_init(&sb, buf, len);
	if (opt)
		put_range(&sb, opt);
	return buf;
}

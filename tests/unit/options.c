/* SPDX-License-Identifier: MIT */
/*
 * The options parser against a test table (every type, range edges, the
 * power-of-two flag, a legacy inverted spelling) and the real "iommu.",
 * "smmu." and "model." tables: values, messages that name the key, later
 * wins with one warning, all or nothing, malformed words.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "smmukit/iommu.h"
#include "smmukit/model.h"
#include "smmukit/options.h"
#include "smmukit/smmu.h"

/* ---- a test layer ---- */

struct tcfg {
	bool on;
	uint64_t num;
	uint64_t big;
	uint64_t p2;
	unsigned mode;
	unsigned sets;		/* set() calls */
};

enum { T_ON, T_NUM, T_BIG, T_P2, T_MODE, T_REFUSE };

static const char *const t_modes[] = { "fast", "slow", "auto", NULL };

static const struct smmukit_option t_opts[] = {
	{ .name = "on", .legacy = "off_", .legacy_inverted = true,
	  .type = SMMUKIT_OPT_BOOL, .def = 1, .help = "a boolean", .id = T_ON },
	{ .name = "num", .legacy = "number", .type = SMMUKIT_OPT_UINT,
	  .min = 10, .max = 4096, .def = 100, .help = "a number", .id = T_NUM },
	{ .name = "big", .type = SMMUKIT_OPT_UINT, .min = 0,
	  .max = UINT64_MAX, .def = 0, .help = "any number", .id = T_BIG },
	{ .name = "p2", .type = SMMUKIT_OPT_UINT, .min = 2, .max = 1u << 20,
	  .flags = SMMUKIT_OPT_F_POW2, .def = 256, .help = "a power of two",
	  .id = T_P2 },
	{ .name = "mode", .type = SMMUKIT_OPT_ENUM, .choices = t_modes,
	  .def = 2, .help = "a choice", .id = T_MODE },
	{ .name = "refuse", .type = SMMUKIT_OPT_UINT, .min = 0, .max = 9,
	  .help = "set() refuses 7", .id = T_REFUSE },
};

static int t_set(void *target, const struct smmukit_option *opt, uint64_t v)
{
	struct tcfg *c = target;

	c->sets++;
	switch (opt->id) {
	case T_ON: c->on = v; break;
	case T_NUM: c->num = v; break;
	case T_BIG: c->big = v; break;
	case T_P2: c->p2 = v; break;
	case T_MODE: c->mode = (unsigned)v; break;
	case T_REFUSE: return v == 7 ? -1 : 0;
	}
	return 0;
}

static const struct smmukit_option_table t_table = {
	.prefix = "t",
	.opts = t_opts,
	.nr_opts = SMMUKIT_ARRAY_SIZE(t_opts),
	.set = t_set,
};

/* Warnings collected, one string each. */
struct warns {
	unsigned n;
	char last[256];
};

static void on_warn(void *arg, const char *msg)
{
	struct warns *w = arg;

	w->n++;
	snprintf(w->last, sizeof(w->last), "%s", msg);
}

static struct tcfg cfg;
static struct warns warns;
static char err[256];

static int parse(const char *s)
{
	struct smmukit_option_binding b = { &t_table, &cfg };

	memset(err, 0, sizeof(err));
	return smmukit_parse_options(s, &b, 1, on_warn, &warns, err,
				     sizeof(err));
}

static int setup(void **state)
{
	memset(&cfg, 0, sizeof(cfg));
	memset(&warns, 0, sizeof(warns));
	return 0;
}

/* A parse that must fail, leave cfg untouched and say `want`. */
static void expect_err(const char *s, const char *want)
{
	struct tcfg before = cfg;

	assert_int_equal(parse(s), -SMMUKIT_EINVAL);
	if (strcmp(err, want))
		fail_msg("'%s': got \"%s\", want \"%s\"", s, err, want);
	assert_memory_equal(&cfg, &before, sizeof(cfg));
	assert_int_equal(warns.n, 0);
}

/* ---- tests ---- */

static void test_empty(void **state)
{
	struct smmukit_option_binding b = { &t_table, &cfg };

	assert_int_equal(parse(NULL), 0);
	assert_int_equal(parse(""), 0);
	assert_int_equal(parse(" \t\n  "), 0);
	assert_int_equal(cfg.sets, 0);
	/* No tables: an empty string is still fine, any word is not. */
	assert_int_equal(smmukit_parse_options("", NULL, 0, NULL, NULL, NULL, 0), 0);
	assert_int_equal(smmukit_parse_options("t.on=1", NULL, 0, NULL, NULL,
					       NULL, 0), -SMMUKIT_EINVAL);
	/* Bad bindings are refused, not dereferenced. */
	assert_int_equal(smmukit_parse_options("t.on=1", NULL, 1, NULL, NULL,
					       err, sizeof(err)), -SMMUKIT_EINVAL);
	b.table = NULL;
	assert_int_equal(smmukit_parse_options("t.on=1", &b, 1, NULL, NULL,
					       err, sizeof(err)), -SMMUKIT_EINVAL);
}

static void test_bool(void **state)
{
	static const char *const yes[] = { "1", "y", "yes", "on", "true",
					   "Y", "YES", "On", "TRUE" };
	static const char *const no[] = { "0", "n", "no", "off", "false",
					  "N", "No", "OFF", "False" };
	char s[64];

	for (size_t i = 0; i < SMMUKIT_ARRAY_SIZE(yes); i++) {
		cfg.on = false;
		snprintf(s, sizeof(s), "t.on=%s", yes[i]);
		assert_int_equal(parse(s), 0);
		assert_true(cfg.on);
		snprintf(s, sizeof(s), "t.on=%s", no[i]);
		assert_int_equal(parse(s), 0);
		assert_false(cfg.on);
	}
	expect_err("t.on=2",
		   "t.on=2: must be 0 or 1 (also n/y, no/yes, off/on, false/true)");
	expect_err("t.on=maybe",
		   "t.on=maybe: must be 0 or 1 (also n/y, no/yes, off/on, false/true)");
	expect_err("t.on=yess",
		   "t.on=yess: must be 0 or 1 (also n/y, no/yes, off/on, false/true)");
}

static void test_uint(void **state)
{
	assert_int_equal(parse("t.num=10"), 0);	/* min */
	assert_int_equal(cfg.num, 10);
	assert_int_equal(parse("t.num=4096"), 0);	/* max */
	assert_int_equal(cfg.num, 4096);
	assert_int_equal(parse("t.num=0x100"), 0);
	assert_int_equal(cfg.num, 256);
	assert_int_equal(parse("t.num=0XfF"), 0);
	assert_int_equal(cfg.num, 255);
	assert_int_equal(parse("t.num=4K"), 0);
	assert_int_equal(cfg.num, 4096);
	assert_int_equal(parse("t.num=0x1k"), 0);
	assert_int_equal(cfg.num, 1024);
	assert_int_equal(parse("t.big=3M"), 0);
	assert_int_equal(cfg.big, 3u << 20);
	assert_int_equal(parse("t.big=2g"), 0);
	assert_int_equal(cfg.big, UINT64_C(2) << 30);
	assert_int_equal(parse("t.big=18446744073709551615"), 0);
	assert_int_equal(cfg.big, UINT64_MAX);
	assert_int_equal(parse("t.big=0xffffffffffffffff"), 0);
	assert_int_equal(cfg.big, UINT64_MAX);
	assert_int_equal(parse("t.big=0"), 0);
	assert_int_equal(cfg.big, 0);
	assert_int_equal(parse("t.big=007"), 0);	/* decimal, not octal */
	assert_int_equal(cfg.big, 7);

	expect_err("t.num=9", "t.num=9: must be a number in 10..4096");
	expect_err("t.num=4097", "t.num=4097: must be a number in 10..4096");
	expect_err("t.num=5K", "t.num=5K: must be a number in 10..4096");
	expect_err("t.num=-1", "t.num=-1: must be a number in 10..4096");
	expect_err("t.num=12x", "t.num=12x: must be a number in 10..4096");
	expect_err("t.num=1KK", "t.num=1KK: must be a number in 10..4096");
	expect_err("t.num=0x", "t.num=0x: must be a number in 10..4096");
	expect_err("t.num=K", "t.num=K: must be a number in 10..4096");
	expect_err("t.num=1.5", "t.num=1.5: must be a number in 10..4096");
	/* Overflow is refused, never wrapped. */
	expect_err("t.big=18446744073709551616",
		   "t.big=18446744073709551616: too large; must be a number in 0..18446744073709551615");
	expect_err("t.big=0x10000000000000000",
		   "t.big=0x10000000000000000: too large; must be a number in 0..18446744073709551615");
	expect_err("t.big=17179869184G",
		   "t.big=17179869184G: too large; must be a number in 0..18446744073709551615");
	/* Overflow past the range of the legacy spelling names that spelling. */
	expect_err("t.number=99999999999999999999999",
		   "t.number=99999999999999999999999: too large; must be a number in 10..4096");
}

static void test_pow2(void **state)
{
	assert_int_equal(parse("t.p2=2"), 0);
	assert_int_equal(cfg.p2, 2);
	assert_int_equal(parse("t.p2=1M"), 0);
	assert_int_equal(cfg.p2, 1u << 20);
	assert_int_equal(parse("t.p2=0x400"), 0);
	assert_int_equal(cfg.p2, 1024);
	expect_err("t.p2=3", "t.p2=3: must be a power of two in 2..1048576");
	expect_err("t.p2=1", "t.p2=1: must be a power of two in 2..1048576");
	expect_err("t.p2=0", "t.p2=0: must be a power of two in 2..1048576");
	expect_err("t.p2=2M", "t.p2=2M: must be a power of two in 2..1048576");
	expect_err("t.p2=768", "t.p2=768: must be a power of two in 2..1048576");
}

static void test_enum(void **state)
{
	assert_int_equal(parse("t.mode=fast"), 0);
	assert_int_equal(cfg.mode, 0);
	assert_int_equal(parse("t.mode=slow"), 0);
	assert_int_equal(cfg.mode, 1);
	assert_int_equal(parse("t.mode=auto"), 0);
	assert_int_equal(cfg.mode, 2);
	expect_err("t.mode=Fast", "t.mode=Fast: must be fast, slow or auto");
	expect_err("t.mode=fastest", "t.mode=fastest: must be fast, slow or auto");
	expect_err("t.mode=1", "t.mode=1: must be fast, slow or auto");
}

static void test_legacy_inverted(void **state)
{
	cfg.on = true;
	assert_int_equal(parse("t.off_=1"), 0);
	assert_false(cfg.on);
	assert_int_equal(parse("t.off_=no"), 0);
	assert_true(cfg.on);
	assert_int_equal(warns.n, 0);
	/* Both spellings: one setting, the later wins, one warning. */
	assert_int_equal(parse("t.on=1 t.off_=1"), 0);
	assert_false(cfg.on);
	assert_int_equal(warns.n, 1);
	assert_string_equal(warns.last,
			    "t.off_=1 overrides earlier t.on=1 (the later one wins)");
	assert_int_equal(parse("t.off_=1 t.on=1"), 0);
	assert_true(cfg.on);
	assert_int_equal(warns.n, 2);
	assert_string_equal(warns.last,
			    "t.on=1 overrides earlier t.off_=1 (the later one wins)");
	/* A non-inverted legacy spelling is a plain synonym. */
	assert_int_equal(parse("t.number=77"), 0);
	assert_int_equal(cfg.num, 77);
}

static void test_later_wins(void **state)
{
	assert_int_equal(parse("t.num=20 t.p2=4 t.num=30"), 0);
	assert_int_equal(cfg.num, 30);
	assert_int_equal(cfg.p2, 4);
	assert_int_equal(warns.n, 1);
	assert_string_equal(warns.last,
			    "t.num=30 overrides earlier t.num=20 (the later one wins)");
	/* Three times: each names the one just before it. */
	memset(&warns, 0, sizeof(warns));
	assert_int_equal(parse("t.number=11 t.num=12 t.number=13"), 0);
	assert_int_equal(cfg.num, 13);
	assert_int_equal(warns.n, 2);
	assert_string_equal(warns.last,
			    "t.number=13 overrides earlier t.num=12 (the later one wins)");
	/* set() runs in string order, once per word. */
	cfg.sets = 0;
	assert_int_equal(parse("t.mode=fast t.mode=slow"), 0);
	assert_int_equal(cfg.mode, 1);
	assert_int_equal(cfg.sets, 2);
	/* No warn function: still fine. */
	{
		struct smmukit_option_binding b = { &t_table, &cfg };

		assert_int_equal(smmukit_parse_options("t.num=50 t.num=60", &b, 1,
						       NULL, NULL, NULL, 0), 0);
		assert_int_equal(cfg.num, 60);
	}
}

static void test_unknown(void **state)
{
	expect_err("t.nmu=1", "unknown option 't.nmu' (see smmukit options)");
	expect_err("t.on_=1", "unknown option 't.on_' (see smmukit options)");
	expect_err("foo.bar=1",
		   "no option table for prefix 'foo' in 'foo.bar=1' (known: t)");
	expect_err("T.on=1",
		   "no option table for prefix 'T' in 'T.on=1' (known: t)");
	/* The prefix is everything before the first '.'. */
	expect_err("t.x.on=1", "unknown option 't.x.on' (see smmukit options)");
}

static void test_malformed(void **state)
{
	expect_err("t.on", "malformed option 't.on': expected KEY=VALUE");
	expect_err("=1", "malformed option '=1': no key before '='");
	expect_err("t.on=", "malformed option 't.on=': no value after '='");
	expect_err("on=1", "malformed option 'on=1': the key must be PREFIX.NAME");
	expect_err(".on=1", "malformed option '.on=1': the key must be PREFIX.NAME");
	expect_err("t.=1", "malformed option 't.=1': the key must be PREFIX.NAME");
	expect_err("=", "malformed option '=': no key before '='");
	/* "t.on = 1" is three words; the first is malformed. */
	expect_err("t.on = 1", "malformed option 't.on': expected KEY=VALUE");
	expect_err("t.on=1=2",
		   "t.on=1=2: must be 0 or 1 (also n/y, no/yes, off/on, false/true)");
}

static void test_all_or_nothing(void **state)
{
	cfg.num = 42;
	/* A bad word anywhere: nothing stored, no set() call, no warning. */
	expect_err("t.num=20 t.num=30 t.p2=3",
		   "t.p2=3: must be a power of two in 2..1048576");
	assert_int_equal(cfg.sets, 0);
	expect_err("t.num=20 t.bogus=1 t.on=1",
		   "unknown option 't.bogus' (see smmukit options)");
	expect_err("t.num=20 t.on", "malformed option 't.on': expected KEY=VALUE");
	assert_int_equal(cfg.num, 42);
	/* The first bad word is the one reported. */
	expect_err("t.num=1 t.p2=3", "t.num=1: must be a number in 10..4096");
	/* Blanks of every kind separate words. */
	assert_int_equal(parse("\tt.num=20\n t.p2=8\r\n"), 0);
	assert_int_equal(cfg.num, 20);
	assert_int_equal(cfg.p2, 8);
}

static void test_set_refuses(void **state)
{
	assert_int_equal(parse("t.refuse=6"), 0);
	assert_int_equal(parse("t.num=11 t.refuse=7"), -SMMUKIT_EINVAL);
	assert_string_equal(err,
			    "t.refuse=7: refused by the t layer (earlier options were applied)");
}

static void test_err_buffer(void **state)
{
	struct smmukit_option_binding b = { &t_table, &cfg };
	char small[8];

	memset(small, 'x', sizeof(small));
	assert_int_equal(smmukit_parse_options("t.nope=1", &b, 1, NULL, NULL,
					       small, sizeof(small)),
			 -SMMUKIT_EINVAL);
	assert_string_equal(small, "unknown");
	memset(small, 'x', sizeof(small));
	assert_int_equal(smmukit_parse_options("t.nope=1", &b, 1, NULL, NULL,
					       small, 1), -SMMUKIT_EINVAL);
	assert_int_equal(small[0], '\0');
	assert_int_equal(small[1], 'x');
	/* A very long word is cut in the message, never overflows it. */
	{
		char s[1024];

		memset(s, 'a', sizeof(s));
		memcpy(s, "t.num=", 6);
		s[sizeof(s) - 1] = '\0';
		assert_int_equal(parse(s), -SMMUKIT_EINVAL);
		assert_int_equal(strlen(err), sizeof(err) - 1);
	}
}

static void test_two_tables(void **state)
{
	struct tcfg other = { 0 };
	struct smmukit_option_table u_table = t_table;
	struct smmukit_option_binding b[2] = { { &t_table, &cfg },
					       { &u_table, &other } };

	u_table.prefix = "u";
	assert_int_equal(smmukit_parse_options("u.num=11 t.num=12 u.on=1", b, 2,
					       on_warn, &warns, err,
					       sizeof(err)), 0);
	assert_int_equal(cfg.num, 12);
	assert_int_equal(other.num, 11);
	assert_true(other.on);
	assert_false(cfg.on);
	/* Same name under two prefixes: two settings, no warning. */
	assert_int_equal(warns.n, 0);
	assert_int_equal(smmukit_parse_options("v.num=1", b, 2, NULL, NULL, err,
					       sizeof(err)), -SMMUKIT_EINVAL);
	assert_string_equal(err,
			    "no option table for prefix 'v' in 'v.num=1' (known: t u)");
}

static void test_defaults_and_strings(void **state)
{
	char buf[64];

	smmukit_options_set_defaults(&t_table, &cfg);
	assert_true(cfg.on);
	assert_int_equal(cfg.num, 100);
	assert_int_equal(cfg.p2, 256);
	assert_int_equal(cfg.mode, 2);
	smmukit_options_set_defaults(NULL, &cfg);	/* ignored */

	assert_string_equal(smmukit_option_default_str(&t_opts[T_ON], buf, sizeof(buf)), "1");
	assert_string_equal(smmukit_option_default_str(&t_opts[T_NUM], buf, sizeof(buf)), "100");
	assert_string_equal(smmukit_option_default_str(&t_opts[T_MODE], buf, sizeof(buf)), "auto");
	assert_string_equal(smmukit_option_range_str(&t_opts[T_ON], buf, sizeof(buf)), "0|1");
	assert_string_equal(smmukit_option_range_str(&t_opts[T_NUM], buf, sizeof(buf)), "10..4096");
	assert_string_equal(smmukit_option_range_str(&t_opts[T_BIG], buf, sizeof(buf)),
			    "0..18446744073709551615");
	assert_string_equal(smmukit_option_range_str(&t_opts[T_P2], buf, sizeof(buf)),
			    "2..1048576 (power of two)");
	assert_string_equal(smmukit_option_range_str(&t_opts[T_MODE], buf, sizeof(buf)),
			    "fast|slow|auto");
	assert_string_equal(smmukit_option_range_str(NULL, buf, sizeof(buf)), "");
	/* Truncated, still terminated. */
	assert_string_equal(smmukit_option_range_str(&t_opts[T_MODE], buf, 5), "fast");
}

/* ---- the real tables ---- */

static int parse_iommu(struct smmukit_iommu_options *o, const char *s)
{
	struct smmukit_option_binding b = { &smmukit_iommu_option_table, o };

	memset(err, 0, sizeof(err));
	return smmukit_parse_options(s, &b, 1, on_warn, &warns, err,
				     sizeof(err));
}

static void test_iommu_table(void **state)
{
	struct smmukit_iommu_options o, d;

	smmukit_iommu_options_default(&o);
	assert_true(o.strict);
	assert_false(o.passthrough);
	assert_int_equal(o.fq_mode, SMMUKIT_FQ_PERCPU);
	assert_int_equal(o.fq_size, 256);
	assert_int_equal(o.fq_timeout_ms, 10);
	assert_false(o.strict_given || o.passthrough_given ||
		     o.fq_size_given || o.fq_timeout_given);
	assert_int_equal(smmukit_iommu_options_fq_size(&o), 256);
	assert_int_equal(smmukit_iommu_options_fq_timeout_ms(&o), 10);
	d = o;

	/* Single mode changes the defaults, not what was given. */
	assert_int_equal(parse_iommu(&o, "iommu.fq_mode=single"), 0);
	assert_int_equal(o.fq_mode, SMMUKIT_FQ_SINGLE);
	assert_int_equal(smmukit_iommu_options_fq_size(&o), 32768);
	assert_int_equal(smmukit_iommu_options_fq_timeout_ms(&o), 1000);
	assert_int_equal(parse_iommu(&o, "iommu.fq_size=1K iommu.fq_timeout_ms=5"), 0);
	assert_true(o.fq_size_given && o.fq_timeout_given);
	assert_int_equal(smmukit_iommu_options_fq_size(&o), 1024);
	assert_int_equal(smmukit_iommu_options_fq_timeout_ms(&o), 5);
	assert_false(o.strict_given);

	/* The legacy spelling, inverted, with its warning. */
	o = d;
	assert_int_equal(parse_iommu(&o, "iommu.non_strict=1"), 0);
	assert_false(o.strict);
	assert_true(o.strict_given);
	memset(&warns, 0, sizeof(warns));
	assert_int_equal(parse_iommu(&o, "iommu.strict=1 iommu.non_strict=1"), 0);
	assert_false(o.strict);
	assert_int_equal(warns.n, 1);
	assert_string_equal(warns.last,
			    "iommu.non_strict=1 overrides earlier iommu.strict=1 (the later one wins)");
	assert_int_equal(parse_iommu(&o, "iommu.passthrough=on"), 0);
	assert_true(o.passthrough && o.passthrough_given);

	/* Messages of the header's examples. */
	o = d;
	assert_int_equal(parse_iommu(&o, "iommu.fq_sise=1"), -SMMUKIT_EINVAL);
	assert_string_equal(err, "unknown option 'iommu.fq_sise' (see smmukit options)");
	assert_int_equal(parse_iommu(&o, "iommu.fq_size=3"), -SMMUKIT_EINVAL);
	assert_string_equal(err, "iommu.fq_size=3: must be a power of two in 2..1048576");
	assert_int_equal(parse_iommu(&o, "iommu.fq_size=2M"), -SMMUKIT_EINVAL);
	assert_int_equal(parse_iommu(&o, "iommu.fq_mode=fast"), -SMMUKIT_EINVAL);
	assert_string_equal(err, "iommu.fq_mode=fast: must be percpu or single");
	assert_int_equal(parse_iommu(&o, "iommu.fq_timeout_ms=0"), -SMMUKIT_EINVAL);
	assert_string_equal(err, "iommu.fq_timeout_ms=0: must be a number in 1..60000");
	assert_int_equal(parse_iommu(&o, "iommu.fq_timeout_ms=60001"), -SMMUKIT_EINVAL);
	assert_int_equal(parse_iommu(&o, "foo.bar=1"), -SMMUKIT_EINVAL);
	assert_string_equal(err, "no option table for prefix 'foo' in 'foo.bar=1' (known: iommu)");
	assert_memory_equal(&o, &d, sizeof(o));
	assert_int_equal(parse_iommu(&o, "iommu.fq_size=2 iommu.fq_timeout_ms=60000"), 0);
	assert_int_equal(o.fq_size, 2);
	assert_int_equal(o.fq_timeout_ms, 60000);

	/* NULL: the per-CPU defaults. */
	assert_int_equal(smmukit_iommu_options_fq_size(NULL), 256);
	assert_int_equal(smmukit_iommu_options_fq_timeout_ms(NULL), 10);
	smmukit_iommu_options_default(NULL);
}

static void test_smmu_table(void **state)
{
	struct smmukit_smmu_config c, zero;
	struct smmukit_option_binding b = { &smmukit_smmu_option_table, &c };

	/* The defaults drive the driver as a zeroed config does. */
	memset(&c, 0, sizeof(c));
	memset(&zero, 0, sizeof(zero));
	smmukit_options_set_defaults(&smmukit_smmu_option_table, &c);
	assert_false(c.bypass_unattached || c.disable_msi_sync ||
		     c.force_linear_strtab);
	assert_int_equal(c.cmdq_log2_max, 0);
	assert_int_equal(c.evtq_log2_max, 0);
	assert_int_equal(c.poll_timeout_ns, UINT64_C(1000000000));
	assert_int_equal(c.tlbi_max_cmds, 64);

	memset(&c, 0, sizeof(c));
	assert_int_equal(smmukit_parse_options(
				 "smmu.bypass_unattached=1 smmu.msi_sync=0 smmu.strtab=linear "
				 "smmu.cmdq_log2_max=5 smmu.evtq_log2_max=19 "
				 "smmu.poll_timeout_ms=3 smmu.tlbi_max_cmds=8",
				 &b, 1, NULL, NULL, err, sizeof(err)), 0);
	assert_true(c.bypass_unattached && c.disable_msi_sync &&
		    c.force_linear_strtab);
	assert_int_equal(c.cmdq_log2_max, 5);
	assert_int_equal(c.evtq_log2_max, 19);
	assert_int_equal(c.poll_timeout_ns, 3000000);
	assert_int_equal(c.tlbi_max_cmds, 8);
	assert_int_equal(smmukit_parse_options("smmu.strtab=auto smmu.msi_sync=1",
					       &b, 1, NULL, NULL, err, sizeof(err)), 0);
	assert_false(c.force_linear_strtab || c.disable_msi_sync);
	assert_int_equal(smmukit_parse_options("smmu.cmdq_log2_max=20", &b, 1,
					       NULL, NULL, err, sizeof(err)),
			 -SMMUKIT_EINVAL);
	assert_string_equal(err, "smmu.cmdq_log2_max=20: must be a number in 0..19");
	assert_int_equal(smmukit_parse_options("smmu.strtab=2lvl", &b, 1, NULL,
					       NULL, err, sizeof(err)),
			 -SMMUKIT_EINVAL);
	assert_string_equal(err, "smmu.strtab=2lvl: must be auto or linear");
	assert_int_equal(smmukit_parse_options("smmu.poll_timeout_ms=0", &b, 1,
					       NULL, NULL, err, sizeof(err)),
			 -SMMUKIT_EINVAL);
}

static void test_model_table(void **state)
{
	struct smmukit_model_profile p, z;
	struct smmukit_option_binding b = { &smmukit_model_option_table, &p };
	char buf[32];

	/* One key per profile key, defaults those of the zero profile. */
	assert_int_equal(smmukit_model_option_table.nr_opts,
			 smmukit_model_profile_nkeys());
	for (unsigned i = 0; i < smmukit_model_profile_nkeys(); i++)
		assert_string_equal(smmukit_model_option_table.opts[i].name,
				    smmukit_model_profile_key(i, NULL));
	smmukit_model_profile_zero(&z);
	memcpy(&p, &z, sizeof(p));
	memset((char *)&p + sizeof(p.name), 0xee, sizeof(p) - sizeof(p.name));
	smmukit_options_set_defaults(&smmukit_model_option_table, &p);
	assert_memory_equal(&p, &z, sizeof(p));

	assert_int_equal(smmukit_parse_options(
				 "model.cmd_sync_ns=1000 model.iotlb_entries=512 "
				 "model.iotlb_ways=8 model.walkcache_entries=0",
				 &b, 1, NULL, NULL, err, sizeof(err)), 0);
	assert_int_equal(p.cmd_sync_ns, 1000);
	assert_int_equal(p.iotlb_entries, 512);
	assert_int_equal(p.iotlb_ways, 8);
	assert_int_equal(p.walkcache_entries, 0);
	assert_int_equal(p.cmd_cfgi_ns, 0);
	assert_int_equal(smmukit_model_profile_check(&p, err, sizeof(err)), 0);
	/* Geometry across two keys is the check's job, after parsing. */
	assert_int_equal(smmukit_parse_options("model.iotlb_ways=3", &b, 1, NULL,
					       NULL, err, sizeof(err)), 0);
	assert_int_equal(smmukit_model_profile_check(&p, err, sizeof(err)),
			 -SMMUKIT_EINVAL);
	/* What one key can check, it does. */
	assert_int_equal(smmukit_parse_options("model.iotlb_ways=65", &b, 1, NULL,
					       NULL, err, sizeof(err)), -SMMUKIT_EINVAL);
	assert_string_equal(err, "model.iotlb_ways=65: must be a number in 1..64");
	assert_int_equal(smmukit_parse_options("model.cfgcache_entries=0", &b, 1,
					       NULL, NULL, err, sizeof(err)),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_parse_options("model.cmd_sync_ns=11G", &b, 1,
					       NULL, NULL, err, sizeof(err)),
			 -SMMUKIT_EINVAL);
	assert_string_equal(err, "model.cmd_sync_ns=11G: must be a number in 0..10000000000");
	assert_int_equal(smmukit_parse_options("model.name=x", &b, 1, NULL, NULL,
					       err, sizeof(err)), -SMMUKIT_EINVAL);
	assert_string_equal(smmukit_option_default_str(&smmukit_model_option_table.opts[11],
						       buf, sizeof(buf)), "256");
}

/* Every table in the tree: names unique (also against legacy spellings),
 * defaults within range, help present. */
static void test_tables_sane(void **state)
{
	const struct smmukit_option_table *tables[] = {
		&smmukit_iommu_option_table, &smmukit_smmu_option_table,
		&smmukit_model_option_table, &t_table,
	};

	for (size_t t = 0; t < SMMUKIT_ARRAY_SIZE(tables); t++) {
		const struct smmukit_option_table *tb = tables[t];

		for (unsigned i = 0; i < tb->nr_opts; i++) {
			const struct smmukit_option *o = &tb->opts[i];

			assert_non_null(o->name);
			assert_non_null(o->help);
			if (o->type == SMMUKIT_OPT_UINT) {
				assert_true(o->def >= o->min && o->def <= o->max);
				if (o->flags & SMMUKIT_OPT_F_POW2)
					assert_true(smmukit_is_pow2(o->def));
			} else if (o->type == SMMUKIT_OPT_BOOL) {
				assert_true(o->def <= 1);
			}
			for (unsigned k = 0; k < tb->nr_opts; k++) {
				const struct smmukit_option *p = &tb->opts[k];

				if (k != i)
					assert_true(strcmp(o->name, p->name));
				if (p->legacy)
					assert_true(strcmp(o->name, p->legacy));
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_empty, setup),
		cmocka_unit_test_setup(test_bool, setup),
		cmocka_unit_test_setup(test_uint, setup),
		cmocka_unit_test_setup(test_pow2, setup),
		cmocka_unit_test_setup(test_enum, setup),
		cmocka_unit_test_setup(test_legacy_inverted, setup),
		cmocka_unit_test_setup(test_later_wins, setup),
		cmocka_unit_test_setup(test_unknown, setup),
		cmocka_unit_test_setup(test_malformed, setup),
		cmocka_unit_test_setup(test_all_or_nothing, setup),
		cmocka_unit_test_setup(test_set_refuses, setup),
		cmocka_unit_test_setup(test_err_buffer, setup),
		cmocka_unit_test_setup(test_two_tables, setup),
		cmocka_unit_test_setup(test_defaults_and_strings, setup),
		cmocka_unit_test_setup(test_iommu_table, setup),
		cmocka_unit_test_setup(test_smmu_table, setup),
		cmocka_unit_test_setup(test_model_table, setup),
		cmocka_unit_test_setup(test_tables_sane, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

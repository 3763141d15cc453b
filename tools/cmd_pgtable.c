/* SPDX-License-Identifier: MIT */
/*
 * smmukit pgtable: a page-table playground. Runs a script of map / unmap /
 * translate / dump commands against one LPAE page table in simulated memory
 * and prints one line per command (JSON with --json). There is no SMMU here,
 * so the flush ops do nothing; removed table pages still travel through a
 * gather's freelist and are freed after each unmap, as the driver would.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smmukit/lpae_hw.h"
#include "smmukit/pgtable.h"
#include "smmukit/platform_posix.h"
#include "tool.h"
#include "tool_run.h"

#define MAX_TOK 6

struct pgt_opts {
	bool help;
	unsigned stage;
	uint64_t granule;
	unsigned ias, oas;
	bool json;
	bool selftest;
	const char *script;
};

static void nop_flush_all(void *cookie)
{
}

static int nop_flush_walk(void *cookie, uint64_t iova, uint64_t size,
			  uint64_t granule)
{
	return 0;
}

static const struct smmukit_pgtable_flush_ops nop_flush_ops = {
	.flush_all = nop_flush_all,
	.flush_walk = nop_flush_walk,
	.add_page = NULL,
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: smmukit pgtable [--stage 1|2] [--granule 4k|16k|64k] [--ias BITS]\n"
		"                       [--oas BITS] [--json] [SCRIPT|-]\n"
		"       smmukit pgtable --selftest [--json]\n"
		"\n"
		"Runs SCRIPT (default: standard input), one command a line:\n"
		"  map IOVA PADDR SIZE PROT   PROT r, w or rw, optionally followed by x\n"
		"  unmap IOVA SIZE\n"
		"  translate IOVA\n"
		"  dump\n"
		"Numbers are decimal or 0x hex; SIZE may end in K, M or G. '#' starts a\n"
		"comment. Memory is mapped normal write-back cacheable; without x it is\n"
		"also execute-never. Defaults: stage 1, 4k granule, ias 48, oas 48.\n"
		"Limits: ias and oas 32..48 bits (52 with the 64k granule); a line at\n"
		"most %u bytes; numbers fit 64 bits.\n"
		"Output, one line per command (--json: one object per line):\n"
		"  {\"op\":\"map\",\"ret\":0}  {\"op\":\"unmap\",\"ret\":BYTES}\n"
		"  {\"op\":\"translate\",\"iova\":\"0x...\",\"pa\":\"0x...\"|null}\n"
		"  {\"op\":\"dump\",\"root\":\"0x...\",\"entries\":[{\"table\":..,\"level\":..,\n"
		"   \"index\":..,\"desc\":..},...]}\n"
		"A failed map or unmap adds \"err\":\"ENAME\" to its negative ret (text:\n"
		"\"map: error EEXIST (-17)\") and the script goes on; an address that is not\n"
		"mapped translates to null, which is a result, not a failure.\n"
		"\n"
		"--selftest runs the classic LPAE self-test (empty table, each page size\n"
		"maps and translates, overlaps fail, partial unmap refused, full unmap\n"
		"and remap, highest slot) over every stage x granule x ias <= oas and\n"
		"prints a table per stage and granule and a summary line; exit status 1\n"
		"if any configuration fails. With --json, one object per configuration\n"
		"and a last summary object {\"op\":\"selftest\",\"pass\":N,\"fail\":N,...}.\n"
		"\n", TOOL_SCRIPT_MAX_LINE);
	tool_exit_status_usage(f);
}

static unsigned parse_bits(const char *flag, const char *v)
{
	uint64_t n;

	if (!tool_parse_u64(v, false, &n) || n > 64)
		tool_fail("pgtable: %s %s: not a number of bits (32..52)", flag, v);
	return (unsigned)n;
}

static void parse_opts(int argc, char **argv, struct pgt_opts *o)
{
	o->stage = 1;
	o->granule = SMMUKIT_SZ_4K;
	o->ias = 48;
	o->oas = 48;
	o->json = false;
	o->selftest = false;
	o->script = NULL;
	o->help = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			o->help = true;
			return;
		} else if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "--selftest")) {
			o->selftest = true;
		} else if (tool_arg_value("pgtable", argc, argv, &i, "--stage", &v)) {
			if (strcmp(v, "1") && strcmp(v, "2"))
				tool_fail("pgtable: --stage %s: must be 1 or 2", v);
			o->stage = (unsigned)(v[0] - '0');
		} else if (tool_arg_value("pgtable", argc, argv, &i, "--granule", &v)) {
			if (!strcasecmp(v, "4k") || !strcmp(v, "4096"))
				o->granule = SMMUKIT_SZ_4K;
			else if (!strcasecmp(v, "16k") || !strcmp(v, "16384"))
				o->granule = SMMUKIT_SZ_16K;
			else if (!strcasecmp(v, "64k") || !strcmp(v, "65536"))
				o->granule = SMMUKIT_SZ_64K;
			else
				tool_fail("pgtable: --granule %s: must be 4k, 16k or 64k", v);
		} else if (tool_arg_value("pgtable", argc, argv, &i, "--ias", &v)) {
			o->ias = parse_bits("--ias", v);
		} else if (tool_arg_value("pgtable", argc, argv, &i, "--oas", &v)) {
			o->oas = parse_bits("--oas", v);
		} else if (!strcmp(a, "--") && i + 1 < argc) {
			if (o->script || i + 2 < argc)
				tool_fail("pgtable: only one script may be given");
			o->script = argv[i + 1];
			return;
		} else if (!strcmp(a, "--")) {
			return;
		} else if (a[0] == '-' && a[1] != '\0') {
			tool_fail("pgtable: unknown option '%s' (see smmukit pgtable --help)", a);
		} else if (o->script) {
			tool_fail("pgtable: only one script may be given");
		} else {
			o->script = a;
		}
	}
}

/*
 * The address sizes the page-table code accepts, checked here so the
 * message can say the range (the library only says EINVAL).
 */
static void check_sizes(const struct pgt_opts *o)
{
	unsigned max = o->granule == SMMUKIT_SZ_64K ? 52 : 48;
	const char *g = o->granule == SMMUKIT_SZ_4K ? "4K" :
			o->granule == SMMUKIT_SZ_16K ? "16K" : "64K";

	if (o->ias < 32 || o->ias > max)
		tool_fail("pgtable: --ias %u: must be 32..%u for stage %u with %s granule",
			  o->ias, max, o->stage, g);
	if (o->oas < 32 || (o->oas > 48 && !(o->oas == 52 && max == 52)))
		tool_fail("pgtable: --oas %u: must be 32..48%s for stage %u with %s granule",
			  o->oas, max == 52 ? " or 52" : "", o->stage, g);
}

/* Script errors: line number and reason, TOOL_EXIT_USAGE. */
static int bad_line(struct tool_err *err, unsigned lineno, const char *why,
		    const char *tok)
{
	if (tok)
		return tool_err_set(err, "pgtable: line %u: %s '%s'", lineno, why,
				    tok);
	return tool_err_set(err, "pgtable: line %u: %s", lineno, why);
}

static int parse_num(struct tool_err *err, unsigned lineno, const char *what,
		     const char *s, bool suffix, uint64_t *v)
{
	if (!tool_parse_u64(s, suffix, v))
		return bad_line(err, lineno, what, s);
	return 0;
}

static int parse_prot(struct tool_err *err, unsigned lineno, const char *s,
		      unsigned *out)
{
	unsigned prot = SMMUKIT_PROT_CACHE;
	const char *p = s;

	if (*p == 'r') {
		prot |= SMMUKIT_PROT_READ;
		p++;
	}
	if (*p == 'w') {
		prot |= SMMUKIT_PROT_WRITE;
		p++;
	}
	if (!(prot & (SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE)))
		return bad_line(err, lineno,
				"PROT must be r, w or rw, optionally followed by x, not", s);
	if (*p == 'x')
		p++;
	else
		prot |= SMMUKIT_PROT_NOEXEC;
	if (*p)
		return bad_line(err, lineno,
				"PROT must be r, w or rw, optionally followed by x, not", s);
	*out = prot;
	return 0;
}

static const char *size_name(char *buf, size_t len, uint64_t size)
{
	if (size >= SMMUKIT_SZ_1G && !(size & (SMMUKIT_SZ_1G - 1)))
		snprintf(buf, len, "%lluG", (unsigned long long)(size >> 30));
	else if (size >= (UINT64_C(1) << 20) && !(size & ((UINT64_C(1) << 20) - 1)))
		snprintf(buf, len, "%lluM", (unsigned long long)(size >> 20));
	else if (size >= 1024 && !(size & 1023))
		snprintf(buf, len, "%lluK", (unsigned long long)(size >> 10));
	else
		snprintf(buf, len, "%llu", (unsigned long long)size);
	return buf;
}

/* ---- dump ---- */

struct dump_ctx {
	struct smmukit_pgtable *pgt;
	FILE *out;
	bool json;
	bool first;
	unsigned pg_shift;
	uint64_t iova[4];	/* IOVA prefix decoded at each level so far */
};

static unsigned level_shift(const struct dump_ctx *c, unsigned level)
{
	return c->pg_shift + (c->pg_shift - 3) * (3 - level);
}

static void print_attrs(const struct dump_ctx *c, uint64_t desc)
{
	static const char *const sh_names[] = { "non", "?", "outer", "inner" };
	static const char *const attr_names[] = { "nc", "wb", "dev", "inc-owb" };

	if (c->pgt->cfg.stage == 1) {
		unsigned idx = (unsigned)smmukit_field_get(LPAE_S1_ATTRINDX, desc);

		fprintf(c->out, " %s%s", (desc & LPAE_S1_AP_RDONLY) ? "ro" : "rw",
		       (desc & LPAE_S1_AP_UNPRIV) ? "" : " priv");
		fprintf(c->out, " attr=%u(%s)", idx, idx < 4 ? attr_names[idx] : "?");
		if (desc & LPAE_S1_NG)
			fprintf(c->out, " ng");
		if (desc & (LPAE_S1_PXN | LPAE_S1_UXN))
			fprintf(c->out, " xn");
	} else {
		unsigned ma = (unsigned)smmukit_field_get(LPAE_S2_MEMATTR, desc);
		const char *man = ma == LPAE_S2_MEMATTR_WB ? "wb" :
				  ma == LPAE_S2_MEMATTR_NC ? "nc" :
				  ma == LPAE_S2_MEMATTR_DEVICE ? "dev" : "?";

		fprintf(c->out, " s2ap=%s%s", (desc & LPAE_S2_S2AP_READ) ? "r" : "-",
		       (desc & LPAE_S2_S2AP_WRITE) ? "w" : "-");
		fprintf(c->out, " memattr=0x%x(%s)", ma, man);
		if (desc & LPAE_S2_XN)
			fprintf(c->out, " xn");
	}
	fprintf(c->out, " sh=%s", sh_names[smmukit_field_get(LPAE_DESC_SH, desc)]);
	if (desc & LPAE_DESC_AF)
		fprintf(c->out, " af");
}

static int dump_one(void *arg, smmukit_phys_t table_pa, unsigned level,
		    unsigned index, uint64_t desc)
{
	struct dump_ctx *c = arg;
	const struct smmukit_pgtable_cfg *cfg = &c->pgt->cfg;
	unsigned pg_shift = c->pg_shift;
	uint64_t root_idx = index, iova;
	bool is_table = level < 3 && (desc & LPAE_DESC_TYPE) == 3;
	char hb[3][20], sb[24];

	if (c->json) {
		fprintf(c->out, "%s{\"table\":\"%s\",\"level\":%u,\"index\":%u,\"desc\":\"%s\"}",
		       c->first ? "" : ",", tool_hex(hb[0], table_pa), level, index,
		       tool_hex(hb[1], desc));
		c->first = false;
		return 0;
	}
	/* A concatenated root: make the index global to recover the IOVA. */
	if (level == cfg->start_level)
		root_idx += ((table_pa - smmukit_pgtable_root_pa(c->pgt)) >> pg_shift)
			    << (pg_shift - 3);
	iova = (level == cfg->start_level ? 0 : c->iova[level - 1]) |
	       (root_idx << level_shift(c, level));
	c->iova[level] = iova;
	fprintf(c->out, "%*sL%u[%u] ", (int)(2 * (level - cfg->start_level)), "", level,
	       index);
	if (level == cfg->start_level && cfg->concat_tables > 1)
		fprintf(c->out, "(root table %llu) ",
		       (unsigned long long)((table_pa - smmukit_pgtable_root_pa(c->pgt)) >>
					    pg_shift));
	if (is_table) {
		fprintf(c->out, "table -> %s  (iova %s, desc %s)\n",
		       tool_hex(hb[0], lpae_desc_to_oa(desc, pg_shift)),
		       tool_hex(hb[1], iova), tool_hex(hb[2], desc));
		return 0;
	}
	fprintf(c->out, "%s iova %s -> pa %s size %s",
	       level == 3 ? "page" : "block", tool_hex(hb[0], iova),
	       tool_hex(hb[1], lpae_desc_to_oa(desc, pg_shift) &
				       ~((UINT64_C(1) << level_shift(c, level)) - 1)),
	       size_name(sb, sizeof(sb), UINT64_C(1) << level_shift(c, level)));
	print_attrs(c, desc);
	fprintf(c->out, "  (desc %s)\n", tool_hex(hb[2], desc));
	return 0;
}

static void do_dump(struct smmukit_pgtable *pgt, FILE *out, bool json)
{
	struct dump_ctx c = { .pgt = pgt, .out = out, .json = json, .first = true };
	const struct smmukit_pgtable_cfg *cfg = &pgt->cfg;
	char hb[20], gb[24];

	c.pg_shift = smmukit_ilog2(cfg->granule);
	if (json) {
		fprintf(out, "{\"op\":\"dump\",\"root\":\"%s\",\"entries\":[",
		       tool_hex(hb, smmukit_pgtable_root_pa(pgt)));
		smmukit_pgtable_walk(pgt, dump_one, &c);
		fprintf(out, "]}\n");
		return;
	}
	fprintf(out, "dump: root %s, stage %u, %s granule, ias %u, oas %u, %u levels from L%u",
	       tool_hex(hb, smmukit_pgtable_root_pa(pgt)), cfg->stage,
	       size_name(gb, sizeof(gb), cfg->granule), cfg->ias, cfg->oas,
	       cfg->levels, cfg->start_level);
	if (cfg->concat_tables > 1)
		fprintf(out, " (%u concatenated tables)", cfg->concat_tables);
	fprintf(out, "\n");
	smmukit_pgtable_walk(pgt, dump_one, &c);
}

/* ---- --selftest: the library's classic sequence over every configuration ---- */

/* Per stage x granule, so the human summary fits a screen. */
struct st_group {
	unsigned pass, fail, refused, min_levels, max_levels;
};

struct st_report {
	bool json;
	struct st_group groups[2][3];
};

static unsigned granule_index(uint64_t granule)
{
	return granule == SMMUKIT_SZ_4K ? 0 : granule == SMMUKIT_SZ_16K ? 1 : 2;
}

static void st_report_one(void *arg, const struct smmukit_pgtable_selftest_result *r)
{
	struct st_report *rep = arg;
	struct st_group *g = &rep->groups[r->stage - 1][granule_index(r->granule)];
	const char *result = r->failure ? "fail" : r->alloc_ret ? "refused" : "pass";

	if (r->failure) {
		g->fail++;
		fprintf(stderr, "pgtable selftest: stage %u granule %lluK ias %u oas %u: "
			"FAIL (%s)\n", r->stage, (unsigned long long)(r->granule >> 10),
			r->ias, r->oas, r->failure);
	} else if (r->alloc_ret) {
		g->refused++;
	} else {
		g->pass++;
		if (!g->min_levels || r->levels < g->min_levels)
			g->min_levels = r->levels;
		if (r->levels > g->max_levels)
			g->max_levels = r->levels;
	}
	if (rep->json)
		printf("{\"op\":\"selftest\",\"stage\":%u,\"granule\":%llu,\"ias\":%u,"
		       "\"oas\":%u,\"levels\":%u,\"result\":\"%s\"}\n", r->stage,
		       (unsigned long long)r->granule, r->ias, r->oas, r->levels, result);
}

static int run_selftest(bool json)
{
	struct smmukit_posix_config pcfg = { .manual_clock = true, .nr_cpus = 1,
					     .log_level = SMMUKIT_LOG_WARN };
	struct smmukit_pgtable_selftest_summary sum;
	struct st_report rep = { .json = json };
	struct smmukit_posix_stats st;
	struct smmukit_platform *plat;
	int ret = smmukit_posix_create(&pcfg, &plat);

	if (ret)
		tool_fail("pgtable: platform: %s", tool_errname(ret));
	smmukit_pgtable_selftest(plat, st_report_one, &rep, &sum);
	smmukit_posix_get_stats(plat, &st);
	smmukit_posix_destroy(plat);
	if (st.pages_in_use) {
		fprintf(stderr, "pgtable selftest: %llu table pages leaked\n",
			(unsigned long long)st.pages_in_use);
		sum.fail++;
	}
	if (json) {
		printf("{\"op\":\"selftest\",\"pass\":%u,\"fail\":%u,\"refused\":%u,"
		       "\"pages_leaked\":%llu}\n", sum.pass, sum.fail, sum.refused,
		       (unsigned long long)st.pages_in_use);
		return sum.fail ? 1 : 0;
	}
	printf("%-6s %-8s %-6s %-5s %-8s %s\n", "stage", "granule", "levels", "pass",
	       "refused", "fail");
	for (unsigned s = 0; s < 2; s++)
		for (unsigned g = 0; g < 3; g++) {
			const struct st_group *gr = &rep.groups[s][g];

			printf("%-6u %-8s %u-%-4u %-5u %-8u %u\n", s + 1,
			       g == 0 ? "4K" : g == 1 ? "16K" : "64K", gr->min_levels,
			       gr->max_levels, gr->pass, gr->refused, gr->fail);
		}
	printf("pgtable selftest: %u configurations (stage x granule x ias <= oas): "
	       "%u PASS, %u FAIL, %u refused as unsupported; %llu pages leaked\n",
	       sum.pass + sum.fail, sum.pass, sum.fail, sum.refused,
	       (unsigned long long)st.pages_in_use);
	return sum.fail ? 1 : 0;
}

/* ---- commands ---- */

static void print_ret(FILE *out, const char *op, int64_t ret, bool json)
{
	if (json && ret < 0)
		fprintf(out, "{\"op\":\"%s\",\"ret\":%lld,\"err\":\"%s\"}\n", op,
			(long long)ret, tool_errname((int)ret));
	else if (json)
		fprintf(out, "{\"op\":\"%s\",\"ret\":%lld}\n", op, (long long)ret);
	else if (ret < 0)
		fprintf(out, "%s: error %s (%lld)\n", op, tool_errname((int)ret),
			(long long)ret);
	else if (!strcmp(op, "map"))
		fprintf(out, "map: ok\n");
	else
		fprintf(out, "unmap: %lld bytes\n", (long long)ret);
}

struct pgt_run {
	struct smmukit_platform *plat;
	struct smmukit_pgtable *pgt;
	FILE *out;
	bool json;
	uint64_t max_size;	/* one map's SIZE; 0: any */
	struct tool_err *err;
};

/* 0, 1 when the operation failed, or TOOL_EXIT_USAGE for a bad line. */
static int run_line(struct pgt_run *run, char **tok, int n, unsigned lineno)
{
	struct smmukit_pgtable *pgt = run->pgt;
	struct tool_err *err = run->err;
	FILE *out = run->out;
	bool json = run->json;
	char hb[2][20];
	int status = 0;

	if (!strcmp(tok[0], "map")) {
		uint64_t iova, pa, size;
		unsigned prot = 0;
		int ret;

		if (n != 5)
			return bad_line(err, lineno, "usage: map IOVA PADDR SIZE PROT",
					NULL);
		if (parse_num(err, lineno, "bad IOVA", tok[1], false, &iova) ||
		    parse_num(err, lineno, "bad PADDR", tok[2], false, &pa) ||
		    parse_num(err, lineno, "bad SIZE", tok[3], true, &size) ||
		    parse_prot(err, lineno, tok[4], &prot))
			return TOOL_EXIT_USAGE;
		if (run->max_size && size > run->max_size)
			return tool_err_set(err, "pgtable: line %u: SIZE '%s' beyond "
					    "the caller's limit (%llu bytes)",
					    lineno, tok[3],
					    (unsigned long long)run->max_size);
		ret = smmukit_pgtable_map(pgt, iova, pa, size, prot, NULL);
		status = ret >= 0 ? 0 : 1;
		print_ret(out, "map", ret, json);
	} else if (!strcmp(tok[0], "unmap")) {
		struct smmukit_iotlb_gather gather;
		uint64_t iova, size;
		int64_t ret;

		if (n != 3)
			return bad_line(err, lineno, "usage: unmap IOVA SIZE", NULL);
		if (parse_num(err, lineno, "bad IOVA", tok[1], false, &iova) ||
		    parse_num(err, lineno, "bad SIZE", tok[2], true, &size))
			return TOOL_EXIT_USAGE;
		smmukit_pgtable_gather_init(&gather);
		ret = smmukit_pgtable_unmap(pgt, iova, size, &gather);
		/* The no-op flush ops stand in for the driver's iotlb_sync. */
		smmukit_pgtable_free_freelist(run->plat, &gather);
		status = ret >= 0 ? 0 : 1;
		print_ret(out, "unmap", ret, json);
	} else if (!strcmp(tok[0], "translate")) {
		uint64_t iova;
		smmukit_phys_t pa;
		int ret;

		if (n != 2)
			return bad_line(err, lineno, "usage: translate IOVA", NULL);
		if (parse_num(err, lineno, "bad IOVA", tok[1], false, &iova))
			return TOOL_EXIT_USAGE;
		ret = smmukit_pgtable_iova_to_phys(pgt, iova, &pa);
		if (json) {
			fprintf(out, "{\"op\":\"translate\",\"iova\":\"%s\",\"pa\":",
				tool_hex(hb[0], iova));
			if (ret)
				fprintf(out, "null}\n");
			else
				fprintf(out, "\"%s\"}\n", tool_hex(hb[1], pa));
		} else if (ret) {
			fprintf(out, "translate %s: not mapped (%s)\n",
				tool_hex(hb[0], iova), tool_errname(ret));
		} else {
			fprintf(out, "translate %s -> %s\n", tool_hex(hb[0], iova),
				tool_hex(hb[1], pa));
		}
	} else if (!strcmp(tok[0], "dump")) {
		if (n != 1)
			return bad_line(err, lineno, "usage: dump (no arguments)", NULL);
		do_dump(pgt, out, json);
	} else {
		return bad_line(err, lineno, "unknown command", tok[0]);
	}
	fflush(out);
	return status;
}

int tool_pgtable_run_script(const struct tool_pgtable_params *p,
			    struct tool_script *s, FILE *out,
			    const struct tool_script_limits *lim,
			    struct tool_err *err)
{
	struct smmukit_posix_config pcfg = { .manual_clock = true, .nr_cpus = 1,
					     .log_level = SMMUKIT_LOG_WARN };
	struct smmukit_pgtable_cfg cfg = { 0 };
	struct pgt_run run = { .out = out, .json = p->json, .err = err };
	unsigned lines = 0;
	char *tok[MAX_TOK];
	bool failed = false;
	int n, ret;

	if (lim) {
		run.max_size = lim->max_size;
		pcfg.mem_size = lim->mem_size;
	}
	ret = smmukit_posix_create(&pcfg, &run.plat);
	if (ret)
		return tool_err_set(err, "pgtable: platform: %s", tool_errname(ret));
	cfg.stage = p->stage;
	cfg.granule = p->granule;
	cfg.ias = p->ias;
	cfg.oas = p->oas;
	cfg.coherent_walk = true;
	cfg.flush_ops = &nop_flush_ops;
	cfg.platform = run.plat;
	ret = smmukit_pgtable_alloc(&cfg, &run.pgt);
	if (ret) {
		smmukit_posix_destroy(run.plat);
		return tool_err_set(err, "pgtable: stage %u, granule %llu, ias %u, oas %u: %s",
				    p->stage, (unsigned long long)p->granule, p->ias,
				    p->oas, ret == -SMMUKIT_EINVAL ?
				    "unsupported configuration (no start level the "
				    "architecture allows within 16 concatenated root tables)" :
				    tool_errname(ret));
	}
	ret = 0;
	while (!(lim && lim->max_lines && lines == lim->max_lines) &&
	       (n = tool_script_next(s, tok, MAX_TOK)) != 0) {
		lines++;
		ret = n < 0 ? bad_line(err, s->lineno, tool_script_strerror(n), NULL) :
			      run_line(&run, tok, n, s->lineno);
		if (ret == TOOL_EXIT_USAGE)
			break;
		if (ret)
			failed = true;
	}
	smmukit_pgtable_free(run.pgt);
	smmukit_posix_destroy(run.plat);
	if (ret == TOOL_EXIT_USAGE)
		return ret;
	return failed ? 1 : 0;
}

int tool_cmd_pgtable(int argc, char **argv);	/* also in main.c */

int tool_cmd_pgtable(int argc, char **argv)
{
	struct pgt_opts o;
	struct tool_pgtable_params params;
	struct tool_script script;
	struct tool_err err;
	int ret;

	parse_opts(argc, argv, &o);
	if (o.help) {
		usage(stdout);
		return 0;
	}
	/* No SMMU, core or model here, but a bad option string is still bad. */
	tool_options_apply("pgtable", tool_globals.cmdline, NULL);
	if (o.selftest) {
		if (o.script)
			tool_fail("pgtable: --selftest takes no script");
		/* It covers every configuration: a narrower one is a mistake. */
		if (o.stage != 1 || o.granule != SMMUKIT_SZ_4K || o.ias != 48 ||
		    o.oas != 48)
			tool_fail("pgtable: --selftest runs every stage, granule, ias and oas; drop --stage/--granule/--ias/--oas");
		return run_selftest(o.json);
	}
	check_sizes(&o);
	if (tool_script_open(&script, o.script))
		tool_fail("pgtable: cannot read script '%s': %s",
			  o.script ? o.script : "-", tool_script_open_error());
	params.stage = o.stage;
	params.granule = o.granule;
	params.ias = o.ias;
	params.oas = o.oas;
	params.json = o.json;
	ret = tool_pgtable_run_script(&params, &script, stdout, NULL, &err);
	tool_script_close(&script);
	if (ret == TOOL_EXIT_USAGE)
		tool_fail("%s", err.msg);
	return ret;
}

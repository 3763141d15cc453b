/* SPDX-License-Identifier: MIT */
/*
 * smmukit dma: the DMA API driven from a script. Builds the whole stack
 * (hosted platform on a manual clock, the model in checking mode, the
 * SMMUv3 driver, the IOMMU core and the DMA layer), then runs one command a
 * line: devices, domain types, map/unmap through the DMA API (or a user
 * domain), device accesses through the model, flushes and time.
 *
 * Two steps per line, kept apart so that a recorded DMA trace can later be
 * replayed through the same executor: parse_line() turns words into a
 * struct dma_op (syntax and limits only), exec_op() performs it against
 * the stack and prints its one result line.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "smmukit/smmuv3_hw.h"
#include "tool.h"
#include "tool_run.h"
#include "tool_stack.h"

#define MAX_TOK 8
/* One buffer (a map, or one segment of map_sg): what alloc_pages can give. */
#define MAX_BUF_SIZE (SMMUKIT_PAGE_SIZE << SMMUKIT_MAX_PAGE_ORDER)
#define MAX_SEGS SMMUKIT_DMA_MAX_SG
#define MAX_DMA_LEN (UINT64_C(1) << 20)
/* One advance: an hour of simulated time. */
#define MAX_ADVANCE_NS (UINT64_C(3600) * 1000000000u)
/* Where the tool's own IOVAs start in a user (unmanaged) domain. */
#define USER_IOVA_BASE UINT64_C(0x100000)

enum dma_opcode {
	OP_DEVICE,
	OP_DOMAIN,
	OP_MAP,
	OP_MAP_SG,
	OP_UNMAP,
	OP_DMA,
	OP_FLUSH,
	OP_ADVANCE,
	OP_STATS,
};

/* One operation, as a script line or (later) a trace record gives it. */
struct dma_op {
	enum dma_opcode code;
	char name[SMMUKIT_DEVICE_NAME_MAX];
	uint32_t sid;			/* device */
	bool untrusted;			/* device */
	enum smmukit_domain_type type;	/* domain */
	enum smmukit_dma_dir dir;	/* map, map_sg */
	unsigned nseg;			/* map: 1; map_sg: segments */
	uint64_t sizes[MAX_SEGS];	/* map, map_sg */
	uint64_t iova;			/* unmap, dma */
	bool is_write;			/* dma */
	uint64_t len;			/* dma */
	uint64_t ns;			/* advance */
};

enum map_kind {
	MAP_SINGLE,	/* smmukit_dma_map_single */
	MAP_SG,		/* smmukit_dma_map_sg */
	MAP_USER,	/* smmukit_iommu_map into the device's user domain */
};

/* A live mapping the tool made: what unmap needs to undo it. */
struct mapping {
	struct tool_stack_dev *dev;
	enum map_kind kind;
	enum smmukit_dma_dir dir;
	struct smmukit_domain *dom;	/* MAP_USER */
	uint64_t iova;			/* as printed: the first byte's */
	uint64_t user_size;		/* MAP_USER: bytes mapped */
	unsigned nseg;
	struct smmukit_dma_pages *bufs;	/* one per segment */
	struct smmukit_dma_sg *sg;	/* one per segment */
};

struct dma_run {
	struct tool_stack st;
	FILE *out;
	bool json;
	bool failed;		/* an operation failed: exit 1 */
	struct mapping *maps;
	size_t nr_maps, cap_maps;
	uint64_t user_next;	/* bump allocator of user-domain IOVAs */
	uint64_t user_maps, user_unmaps;
	struct tool_script_limits lim;	/* zeros: the command's own */
	struct tool_err *err;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: smmukit [--cmdline \"...\"] dma [--model KEYS] [--profile NAME|PATH]\n"
		"                                     [--json] [SCRIPT|-]\n"
		"\n"
		"Builds the whole stack -- hosted platform on a manual clock, the SMMUv3\n"
		"model in checking mode, the SMMUv3 driver, the IOMMU core and the DMA\n"
		"layer -- and runs SCRIPT (default: standard input), one command a line\n"
		"('#' comments and blank lines ignored):\n"
		"  device NAME SID [untrusted]   add a device (one stream ID); prints the\n"
		"                                domain type the options gave it\n"
		"  domain NAME TYPE              TYPE: DMA-FQ, DMA, identity, blocked (the\n"
		"                                default domain's type, as the core allows)\n"
		"                                or unmanaged (a user domain, VFIO-like);\n"
		"                                prints the type the device really has\n"
		"  map NAME SIZE [DIR]           allocate SIZE bytes and map them; DIR:\n"
		"                                bidir (default), to_device, from_device\n"
		"  map_sg NAME SIZE,SIZE,... [DIR] one buffer per segment, one IOVA range\n"
		"  unmap NAME IOVA               unmap the mapping that starts at IOVA\n"
		"                                (map or map_sg) and free its buffers\n"
		"  dma NAME IOVA r|w LEN         the device reads/writes through the SMMU\n"
		"  flush NAME                    flush the device's domain now\n"
		"  advance NS                    move the clock; due timers run (the flush\n"
		"                                queue's timeout, 10 ms by default)\n"
		"  stats                         counters (below)\n"
		"Numbers: decimal or 0x hex; sizes take K/M suffixes.\n"
		"Limits: NAME 1..%u characters, at most %u devices; SIZE 1..%llu per\n"
		"buffer (4 MiB, the largest page run), 1..%u segments; LEN 1..%llu;\n"
		"IOVA + LEN within 64 bits; NS at most %llu (one hour).\n"
		"On a user (unmanaged) domain, map and map_sg take IOVAs from a bump\n"
		"allocator starting at 0x%llx, aligned to the granule, and unmap\n"
		"strictly whatever the options say.\n"
		"\n"
		"Output, one line per command (--json: one JSON object per line):\n"
		"  {\"op\":\"device\",\"name\":\"nvme\",\"sid\":8,\"domain\":\"DMA-FQ\"}\n"
		"  {\"op\":\"domain\",\"name\":\"nvme\",\"domain\":\"DMA\",\"ret\":0}\n"
		"  {\"op\":\"map\",\"iova\":\"0x...\",\"pa\":\"0x...\",\"size\":N,\"ret\":0}\n"
		"  {\"op\":\"map_sg\",\"iova\":\"0x...\",\"size\":TOTAL,\"ret\":0}\n"
		"  {\"op\":\"unmap\",\"ret\":0}   {\"op\":\"flush\",\"ret\":0}\n"
		"  {\"op\":\"dma\",\"ok\":true,\"pa\":\"0x...\",\"stale\":null}\n"
		"  {\"op\":\"dma\",\"ok\":false,\"event\":\"F_TRANSLATION\",\"stale\":null}\n"
		"     stale: \"unmapped\" or \"reused\" when the access went through a\n"
		"     translation the page tables no longer give; event: the SMMU's\n"
		"     fault, or \"ABORT\" for an abort without an event record\n"
		"  {\"op\":\"advance\",\"now_ns\":N}\n"
		"  {\"op\":\"stats\",\"maps\":N,\"unmaps\":N,\"tlbi\":N,\"syncs\":N,\"flushes\":N,\n"
		"   \"fq_pending\":N,\"iova_live\":N,\"stale_unmapped\":N,\"stale_reused\":N}\n"
		"     tlbi/syncs: TLBI commands and CMD_SYNCs the SMMU completed;\n"
		"     flushes: flush-queue flushes\n"
		"A failed operation adds \"ret\":-N,\"err\":\"ENAME\" and the script goes on.\n"
		"Runs are deterministic: the same script, options and profile give the\n"
		"same output, IOVAs included.\n"
		"\n",
		SMMUKIT_DEVICE_NAME_MAX - 1, TOOL_STACK_MAX_DEVICES,
		(unsigned long long)MAX_BUF_SIZE, MAX_SEGS,
		(unsigned long long)MAX_DMA_LEN,
		(unsigned long long)MAX_ADVANCE_NS,
		(unsigned long long)USER_IOVA_BASE);
	tool_stack_usage(f);
	fprintf(f,
		"\n"
		"Exit status: 0 every operation succeeded (a DMA that faults is a\n"
		"result, not a failure); 1 an operation failed; 2 bad usage or a\n"
		"malformed line (one line on stderr with its number and why).\n");
}

/* ---- output: one line per command, JSON or key=value ---- */

static void out_begin(struct dma_run *run, const char *op)
{
	if (run->json)
		fprintf(run->out, "{\"op\":\"%s\"", op);
	else
		fprintf(run->out, "%s", op);
}

static void out_str(struct dma_run *run, const char *key, const char *v)
{
	if (run->json) {
		fprintf(run->out, ",\"%s\":", key);
		tool_json_str(run->out, v);
	} else {
		fprintf(run->out, " %s=%s", key, v);
	}
}

static void out_u64(struct dma_run *run, const char *key, uint64_t v)
{
	if (run->json)
		fprintf(run->out, ",\"%s\":%llu", key, (unsigned long long)v);
	else
		fprintf(run->out, " %s=%llu", key, (unsigned long long)v);
}

static void out_hex(struct dma_run *run, const char *key, uint64_t v)
{
	char h[20];

	out_str(run, key, tool_hex(h, v));
}

/* JSON literals (true, null): text mode says them only when not "empty". */
static void out_lit(struct dma_run *run, const char *key, const char *v,
		    bool show_in_text)
{
	if (run->json)
		fprintf(run->out, ",\"%s\":%s", key, v);
	else if (show_in_text)
		fprintf(run->out, " %s=%s", key, v);
}

/* "ret":0, or "ret":-N,"err":"ENAME" (text: only failures, by name). */
static void out_ret(struct dma_run *run, int ret)
{
	if (ret < 0)
		run->failed = true;
	if (run->json) {
		fprintf(run->out, ",\"ret\":%d", ret);
		if (ret < 0)
			fprintf(run->out, ",\"err\":\"%s\"", tool_errname(ret));
	} else if (ret < 0) {
		fprintf(run->out, " FAILED %s (%d)", tool_errname(ret), ret);
	}
}

/* Only the failure, for ops whose success line carries no ret. */
static void out_err(struct dma_run *run, int ret)
{
	if (ret < 0)
		out_ret(run, ret);
}

static void out_end(struct dma_run *run)
{
	fprintf(run->out, run->json ? "}\n" : "\n");
	fflush(run->out);
}

/* ---- parsing: words to a struct dma_op; limits only, no state ---- */

#define PARSE_FAIL(why, len, ...) \
	do { snprintf(why, len, __VA_ARGS__); return -1; } while (0)

static int parse_num(const char *s, bool suffix, uint64_t *v, const char *what,
		     char *why, size_t wl)
{
	if (!tool_parse_u64(s, suffix, v))
		PARSE_FAIL(why, wl, "bad %s '%s'", what, s);
	return 0;
}

static int parse_size(const char *s, uint64_t *v, char *why, size_t wl)
{
	if (parse_num(s, true, v, "SIZE", why, wl))
		return -1;
	if (!*v || *v > MAX_BUF_SIZE)
		PARSE_FAIL(why, wl, "SIZE '%s' must be 1..%llu (4M) bytes", s,
			   (unsigned long long)MAX_BUF_SIZE);
	return 0;
}

static int parse_dir(const char *s, enum smmukit_dma_dir *dir, char *why,
		     size_t wl)
{
	if (!strcmp(s, "bidir"))
		*dir = SMMUKIT_DMA_BIDIRECTIONAL;
	else if (!strcmp(s, "to_device"))
		*dir = SMMUKIT_DMA_TO_DEVICE;
	else if (!strcmp(s, "from_device"))
		*dir = SMMUKIT_DMA_FROM_DEVICE;
	else
		PARSE_FAIL(why, wl,
			   "direction '%s' must be bidir, to_device or from_device",
			   s);
	return 0;
}

static int parse_name(const char *s, struct dma_op *op, char *why, size_t wl)
{
	if (strlen(s) >= sizeof(op->name))
		PARSE_FAIL(why, wl, "device name '%s' longer than %zu characters",
			   s, sizeof(op->name) - 1);
	strcpy(op->name, s);
	return 0;
}

static int parse_type(const char *s, enum smmukit_domain_type *t, char *why,
		      size_t wl)
{
	if (smmukit_domain_type_parse(s, t))
		PARSE_FAIL(why, wl,
			   "domain type '%s' must be DMA-FQ, DMA, unmanaged, identity or blocked",
			   s);
	return 0;
}

static int parse_sizes(char *list, struct dma_op *op, char *why, size_t wl)
{
	char *save = NULL, *s;

	op->nseg = 0;
	if (!*list || list[0] == ',' || list[strlen(list) - 1] == ',' ||
	    strstr(list, ",,"))
		PARSE_FAIL(why, wl, "bad size list '%s' (SIZE,SIZE,...)", list);
	for (s = strtok_r(list, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		if (op->nseg == MAX_SEGS)
			PARSE_FAIL(why, wl, "more than %u segments", MAX_SEGS);
		if (parse_size(s, &op->sizes[op->nseg++], why, wl))
			return -1;
	}
	return 0;
}

/* One parser per command: tok[0] is the command, arity already checked. */
typedef int (*parse_fn)(char **tok, int n, struct dma_op *op, char *why,
			size_t wl);

static int parse_device(char **tok, int n, struct dma_op *op, char *why,
			size_t wl)
{
	uint64_t v;

	if (parse_name(tok[1], op, why, wl) ||
	    parse_num(tok[2], false, &v, "SID", why, wl))
		return -1;
	if (v > UINT32_MAX)
		PARSE_FAIL(why, wl, "SID %s beyond 32 bits", tok[2]);
	op->sid = (uint32_t)v;
	if (n == 4 && strcmp(tok[3], "untrusted"))
		PARSE_FAIL(why, wl, "'%s': only 'untrusted' may follow the SID",
			   tok[3]);
	op->untrusted = n == 4;
	return 0;
}

static int parse_domain(char **tok, int n, struct dma_op *op, char *why,
			size_t wl)
{
	return parse_name(tok[1], op, why, wl) ||
	       parse_type(tok[2], &op->type, why, wl) ? -1 : 0;
}

static int parse_map(char **tok, int n, struct dma_op *op, char *why,
		     size_t wl)
{
	if (parse_name(tok[1], op, why, wl))
		return -1;
	if (op->code == OP_MAP_SG) {
		if (parse_sizes(tok[2], op, why, wl))
			return -1;
	} else {
		if (parse_size(tok[2], &op->sizes[0], why, wl))
			return -1;
		op->nseg = 1;
	}
	return n == 4 ? parse_dir(tok[3], &op->dir, why, wl) : 0;
}

static int parse_unmap(char **tok, int n, struct dma_op *op, char *why,
		       size_t wl)
{
	return parse_name(tok[1], op, why, wl) ||
	       parse_num(tok[2], false, &op->iova, "IOVA (64 bits at most)",
			 why, wl) ? -1 : 0;
}

static int parse_dma(char **tok, int n, struct dma_op *op, char *why,
		     size_t wl)
{
	if (parse_unmap(tok, n, op, why, wl) ||
	    parse_num(tok[4], true, &op->len, "LEN", why, wl))
		return -1;
	if (strcmp(tok[3], "r") && strcmp(tok[3], "w"))
		PARSE_FAIL(why, wl, "direction '%s' must be r or w", tok[3]);
	op->is_write = tok[3][0] == 'w';
	if (!op->len || op->len > MAX_DMA_LEN)
		PARSE_FAIL(why, wl, "LEN must be 1..%llu",
			   (unsigned long long)MAX_DMA_LEN);
	if (op->iova + op->len - 1 < op->iova)
		PARSE_FAIL(why, wl, "IOVA + LEN beyond 2^64");
	return 0;
}

static int parse_flush(char **tok, int n, struct dma_op *op, char *why,
		       size_t wl)
{
	return parse_name(tok[1], op, why, wl);
}

static int parse_advance(char **tok, int n, struct dma_op *op, char *why,
			 size_t wl)
{
	if (parse_num(tok[1], false, &op->ns, "NS", why, wl))
		return -1;
	if (op->ns > MAX_ADVANCE_NS)
		PARSE_FAIL(why, wl, "NS must be at most %llu (one hour)",
			   (unsigned long long)MAX_ADVANCE_NS);
	return 0;
}

static const struct {
	const char *name;
	enum dma_opcode code;
	int min_words, max_words;	/* the command included */
	const char *usage;
	parse_fn parse;			/* NULL: no arguments */
} commands[] = {
	{ "device", OP_DEVICE, 3, 4, "device NAME SID [untrusted]", parse_device },
	{ "domain", OP_DOMAIN, 3, 3, "domain NAME TYPE", parse_domain },
	{ "map", OP_MAP, 3, 4, "map NAME SIZE [DIR]", parse_map },
	{ "map_sg", OP_MAP_SG, 3, 4, "map_sg NAME SIZE,SIZE,... [DIR]", parse_map },
	{ "unmap", OP_UNMAP, 3, 3, "unmap NAME IOVA", parse_unmap },
	{ "dma", OP_DMA, 5, 5, "dma NAME IOVA r|w LEN", parse_dma },
	{ "flush", OP_FLUSH, 2, 2, "flush NAME", parse_flush },
	{ "advance", OP_ADVANCE, 2, 2, "advance NS", parse_advance },
	{ "stats", OP_STATS, 1, 1, "stats", NULL },
};

/* Words to an operation: syntax and limits only, no state. 0 or -1 + why. */
static int parse_line(char **tok, int n, struct dma_op *op, char *why,
		      size_t wl)
{
	memset(op, 0, offsetof(struct dma_op, sizes));
	for (size_t i = 0; i < SMMUKIT_ARRAY_SIZE(commands); i++) {
		if (strcmp(tok[0], commands[i].name))
			continue;
		if (n < commands[i].min_words || n > commands[i].max_words)
			PARSE_FAIL(why, wl, "usage: %s", commands[i].usage);
		op->code = commands[i].code;
		return commands[i].parse ?
			       commands[i].parse(tok, n, op, why, wl) : 0;
	}
	PARSE_FAIL(why, wl, "unknown command '%s' (see smmukit dma --help)",
		   tok[0]);
}

/* ---- mappings the tool keeps ---- */

static struct mapping *find_mapping(struct dma_run *run,
				    const struct tool_stack_dev *d,
				    uint64_t iova)
{
	for (size_t i = 0; i < run->nr_maps; i++)
		if (run->maps[i].dev == d && run->maps[i].iova == iova)
			return &run->maps[i];
	return NULL;
}

static bool has_user_mappings(struct dma_run *run,
			      const struct tool_stack_dev *d)
{
	for (size_t i = 0; i < run->nr_maps; i++)
		if (run->maps[i].dev == d && run->maps[i].kind == MAP_USER)
			return true;
	return false;
}

/* Room for one more record, made before mapping so recording cannot fail. */
static int reserve_mapping(struct dma_run *run)
{
	if (run->nr_maps == run->cap_maps) {
		size_t cap = run->cap_maps ? 2 * run->cap_maps : 16;
		struct mapping *p = realloc(run->maps, cap * sizeof(*p));

		if (!p)
			return -SMMUKIT_ENOMEM;
		run->maps = p;
		run->cap_maps = cap;
	}
	return 0;
}

static void free_buffers(struct dma_run *run, struct mapping *m)
{
	for (unsigned i = 0; i < m->nseg; i++)
		if (m->bufs[i].cpu)
			smmukit_plat_free_pages(run->st.plat, &m->bufs[i]);
	free(m->bufs);
	free(m->sg);
	m->bufs = NULL;
	m->sg = NULL;
}

static void drop_mapping(struct dma_run *run, struct mapping *m)
{
	free_buffers(run, m);
	*m = run->maps[--run->nr_maps];
}

/* The smallest page order holding size bytes. */
static unsigned order_for(uint64_t size)
{
	unsigned order = 0;

	while ((SMMUKIT_PAGE_SIZE << order) < size)
		order++;
	return order;
}

static uint64_t round_up(uint64_t v, uint64_t align)
{
	return (v + align - 1) & ~(align - 1);
}

/* One zeroed buffer per segment (user domains: whole granules each). */
static int alloc_buffers(struct dma_run *run, struct mapping *m,
			 const struct dma_op *op, uint64_t granule)
{
	m->nseg = op->nseg;
	m->bufs = calloc(op->nseg, sizeof(*m->bufs));
	m->sg = calloc(op->nseg, sizeof(*m->sg));
	if (!m->bufs || !m->sg)
		return -SMMUKIT_ENOMEM;
	for (unsigned i = 0; i < op->nseg; i++) {
		uint64_t size = round_up(op->sizes[i], granule);
		int ret;

		if (size > MAX_BUF_SIZE)
			return -SMMUKIT_E2BIG;
		ret = smmukit_plat_alloc_pages(run->st.plat, order_for(size),
					       &m->bufs[i]);
		if (ret)
			return ret;
		m->sg[i].pa = m->bufs[i].pa;
		m->sg[i].len = op->sizes[i];
	}
	return 0;
}

/* A user domain: the tool picks IOVAs, maps every segment back to back. */
static int map_user(struct dma_run *run, struct mapping *m)
{
	uint64_t granule = smmukit_domain_granule(m->dom);
	unsigned prot = smmukit_dma_dir_prot(m->dir);
	uint64_t iova = round_up(run->user_next, granule), off = 0;
	int ret = 0;

	for (unsigned i = 0; i < m->nseg && !ret; i++) {
		uint64_t size = round_up(m->sg[i].len, granule);

		ret = smmukit_iommu_map(m->dom, iova + off, m->sg[i].pa, size,
					prot);
		m->sg[i].dma_addr = iova + off;
		m->sg[i].dma_len = m->sg[i].len;
		if (!ret)
			off += size;
	}
	if (ret) {
		if (off)
			smmukit_iommu_unmap(m->dom, iova, off);
		return ret;
	}
	m->iova = iova;
	m->user_size = off;
	run->user_next = iova + off;
	run->user_maps++;
	return 0;
}

static int do_map(struct dma_run *run, struct tool_stack_dev *d,
		  const struct dma_op *op, struct mapping *m)
{
	int ret;

	m->dev = d;
	m->dir = op->dir;
	if (d->user_dom) {
		m->kind = MAP_USER;
		m->dom = d->user_dom;
		ret = alloc_buffers(run, m, op, smmukit_domain_granule(m->dom));
		return ret ? ret : map_user(run, m);
	}
	ret = alloc_buffers(run, m, op, 1);
	if (ret)
		return ret;
	if (op->code == OP_MAP) {
		m->kind = MAP_SINGLE;
		ret = smmukit_dma_map_single(d->dev, m->bufs[0].cpu, op->sizes[0],
					     op->dir, &m->iova);
		m->sg[0].dma_addr = m->iova;
		return ret;
	}
	m->kind = MAP_SG;
	ret = smmukit_dma_map_sg(d->dev, m->sg, m->nseg, op->dir);
	if (ret < 0)
		return ret;
	m->iova = m->sg[0].dma_addr;
	return 0;
}

static void exec_map(struct dma_run *run, struct tool_stack_dev *d,
		     const struct dma_op *op)
{
	struct mapping m = { 0 };
	uint64_t total = 0;
	int ret;

	for (unsigned i = 0; i < op->nseg; i++)
		total += op->sizes[i];
	ret = reserve_mapping(run);
	if (!ret)
		ret = do_map(run, d, op, &m);
	if (ret)
		free_buffers(run, &m);
	else
		run->maps[run->nr_maps++] = m;
	out_begin(run, op->code == OP_MAP ? "map" : "map_sg");
	if (!run->json)
		fprintf(run->out, " %s", op->name);
	if (!ret) {
		out_hex(run, "iova", m.iova);
		if (op->code == OP_MAP)
			out_hex(run, "pa", m.bufs[0].pa);
		out_u64(run, "size", total);
	}
	out_ret(run, ret);
	out_end(run);
}

/* Undo one mapping the way it was made; the buffers are freed on success. */
static int undo_mapping(struct dma_run *run, struct mapping *m)
{
	struct smmukit_device *dev = m->dev->dev;
	int64_t done;
	int ret;

	switch (m->kind) {
	case MAP_SINGLE:
		ret = smmukit_dma_unmap_single(dev, m->iova, m->sg[0].len,
					       m->dir);
		break;
	case MAP_SG:
		ret = smmukit_dma_unmap_sg(dev, m->sg, m->nseg, m->dir);
		break;
	default:
		/* User domains are always strict: the core's unmap is. */
		done = smmukit_iommu_unmap(m->dom, m->iova, m->user_size);
		if (done < 0)
			ret = (int)done;
		else
			ret = (uint64_t)done == m->user_size ? 0 : -SMMUKIT_EIO;
		if (!ret)
			run->user_unmaps++;
		break;
	}
	if (!ret)
		drop_mapping(run, m);
	return ret;
}

static void exec_unmap(struct dma_run *run, struct tool_stack_dev *d,
		       const struct dma_op *op)
{
	struct mapping *m = find_mapping(run, d, op->iova);
	/* No mapping of this device starts there: the API's own answer. */
	int ret = m ? undo_mapping(run, m) : -SMMUKIT_ENOENT;

	out_begin(run, "unmap");
	/* The JSON object is exactly {"op","ret"} (+"err"): scripts match it. */
	if (!run->json)
		fprintf(run->out, " %s iova=0x%llx", op->name, (unsigned long long)op->iova);
	out_ret(run, ret);
	out_end(run);
}

static const char *event_name(unsigned ev)
{
	return ev == SMMUKIT_MODEL_ABORT ? "ABORT" : smmuv3_event_name(ev);
}

/* 0, or TOOL_EXIT_USAGE (run->err set) when the buffer cannot be had. */
static int exec_dma(struct dma_run *run, struct tool_stack_dev *d,
		    const struct dma_op *op)
{
	struct smmukit_model_stats before, after;
	struct smmukit_model_dma_result r = { 0 };
	const char *stale = NULL;
	unsigned char *buf = malloc(op->len);
	int ret;

	if (!buf)
		return tool_err_set(run->err, "dma: out of memory");
	memset(buf, 0xa5, op->len);
	smmukit_model_get_stats(run->st.model, &before);
	ret = smmukit_model_dma(run->st.model, d->sid, SMMUKIT_MODEL_NO_SSID,
				op->iova, op->len, op->is_write, buf, &r);
	smmukit_model_get_stats(run->st.model, &after);
	free(buf);
	/* Polled: keep the event queue drained (the records are counted). */
	if (ret > 0)
		tool_stack_drain_events(&run->st);
	if (after.stale_reused != before.stale_reused)
		stale = "reused";
	else if (after.stale_unmapped != before.stale_unmapped)
		stale = "unmapped";
	out_begin(run, "dma");
	if (!run->json)
		fprintf(run->out, " %s", op->name);
	if (ret < 0) {
		out_lit(run, "ok", "false", false);
		out_ret(run, ret);
		out_end(run);
		return 0;
	}
	out_lit(run, "ok", ret ? "false" : "true", true);
	if (ret)
		out_str(run, "event", event_name(r.event));
	else
		out_hex(run, "pa", r.pa);
	if (run->json) {
		if (stale)
			out_str(run, "stale", stale);
		else
			out_lit(run, "stale", "null", false);
	} else if (stale) {
		fprintf(run->out, " STALE (%s: through a translation the page tables no longer give)",
		       stale);
	}
	out_end(run);
	return 0;
}

static void exec_device(struct dma_run *run, const struct dma_op *op)
{
	struct tool_stack_dev *d;
	int ret = tool_stack_add_device(&run->st, op->name, &op->sid, 1,
					op->untrusted, &d);

	out_begin(run, "device");
	out_str(run, "name", op->name);
	out_u64(run, "sid", op->sid);
	if (!ret)
		out_str(run, "domain",
			smmukit_domain_type_name(tool_stack_domain_type(d)));
	if (op->untrusted && !run->json)
		fprintf(run->out, " untrusted");
	out_err(run, ret);
	out_end(run);
}

static void exec_domain(struct dma_run *run, struct tool_stack_dev *d,
			const struct dma_op *op)
{
	int ret = tool_stack_set_domain(&run->st, d, op->type,
					!has_user_mappings(run, d));

	out_begin(run, "domain");
	out_str(run, "name", op->name);
	out_str(run, "domain",
		smmukit_domain_type_name(tool_stack_domain_type(d)));
	out_ret(run, ret);
	out_end(run);
}

static void exec_flush(struct dma_run *run, struct tool_stack_dev *d,
		       const struct dma_op *op)
{
	int ret = d->user_dom ? smmukit_iommu_flush_iotlb_all(d->user_dom) :
				smmukit_dma_flush(d->dev);

	out_begin(run, "flush");
	if (!run->json)
		fprintf(run->out, " %s", op->name);
	out_ret(run, ret);
	out_end(run);
}

static void exec_stats(struct dma_run *run)
{
	struct smmukit_model_stats ms;
	struct smmukit_dma_stats ds = { 0 };
	uint64_t tlbi = 0;

	smmukit_model_get_stats(run->st.model, &ms);
	smmukit_dma_get_stats(run->st.dma, &ds);
	for (unsigned op = 0; op < SMMUKIT_MODEL_NR_OPCODES; op++)
		if (smmuv3_op_is_tlbi(op))
			tlbi += ms.cmds_by_op[op];
	out_begin(run, "stats");
	out_u64(run, "maps", ds.maps + run->user_maps);
	out_u64(run, "unmaps", ds.unmaps + run->user_unmaps);
	out_u64(run, "tlbi", tlbi);
	out_u64(run, "syncs", ms.syncs);
	out_u64(run, "flushes", ds.fq_flushes);
	out_u64(run, "fq_pending", ds.fq_pending);
	out_u64(run, "iova_live", ds.iova_live);
	out_u64(run, "stale_unmapped", ms.stale_unmapped);
	out_u64(run, "stale_reused", ms.stale_reused);
	out_end(run);
}

/*
 * Perform one operation and print its line. Returns 0 (whether or not the
 * operation succeeded: run->failed says), or -1 with why filled for input
 * the script should not have given (an unknown device, a name in use, too
 * many devices), or TOOL_EXIT_USAGE with run->err filled (out of memory).
 */
static int exec_op(struct dma_run *run, const struct dma_op *op, char *why,
		   size_t wl)
{
	struct tool_stack_dev *d = NULL;

	if (op->code == OP_DEVICE) {
		if (tool_stack_find(&run->st, op->name))
			PARSE_FAIL(why, wl, "device '%s' exists already", op->name);
		if (run->st.nr_devs == TOOL_STACK_MAX_DEVICES)
			PARSE_FAIL(why, wl, "more than %u devices",
				   TOOL_STACK_MAX_DEVICES);
		exec_device(run, op);
		return 0;
	}
	if (op->code != OP_ADVANCE && op->code != OP_STATS) {
		d = tool_stack_find(&run->st, op->name);
		if (!d)
			PARSE_FAIL(why, wl,
				   "unknown device '%s' (add it first: device NAME SID)",
				   op->name);
	}
	switch (op->code) {
	case OP_DOMAIN:
		exec_domain(run, d, op);
		break;
	case OP_MAP:
	case OP_MAP_SG:
		exec_map(run, d, op);
		break;
	case OP_UNMAP:
		exec_unmap(run, d, op);
		break;
	case OP_DMA:
		return exec_dma(run, d, op);
	case OP_FLUSH:
		exec_flush(run, d, op);
		break;
	case OP_ADVANCE:
		tool_stack_advance(&run->st, op->ns);
		out_begin(run, "advance");
		out_u64(run, "now_ns", smmukit_plat_clock_ns(run->st.plat));
		out_end(run);
		break;
	case OP_STATS:
		exec_stats(run);
		break;
	default:
		break;
	}
	return 0;
}

/*
 * What the script left mapped is unmapped (newest first), quietly. A
 * mapping that will not unmap is reported, unless the script is being
 * abandoned on a bad line (quiet): the command used to exit there without
 * tearing down, and its stderr stays the one line naming the bad line.
 */
static void cleanup(struct dma_run *run, bool quiet)
{
	while (run->nr_maps) {
		struct mapping *m = &run->maps[run->nr_maps - 1];
		int ret = undo_mapping(run, m);

		if (ret) {
			if (!quiet)
				fprintf(stderr, "smmukit: dma: cannot unmap %s's mapping at 0x%llx: %s\n",
					m->dev->name, (unsigned long long)m->iova,
					tool_errname(ret));
			run->failed = true;
			/* Leave it mapped but stop tracking it. */
			free_buffers(run, m);
			run->nr_maps--;
		}
	}
	free(run->maps);
	run->maps = NULL;
}

/* A caller's tighter limits (tool_script_limits); 0 or -1 + why. */
static int check_limits(const struct dma_run *run, const struct dma_op *op,
			char *why, size_t wl)
{
	uint64_t total = 0;

	if (op->code == OP_MAP || op->code == OP_MAP_SG) {
		for (unsigned i = 0; i < op->nseg; i++)
			total += op->sizes[i];
	} else if (op->code == OP_DMA) {
		total = op->len;
	}
	if (run->lim.max_size && total > run->lim.max_size)
		PARSE_FAIL(why, wl, "%llu bytes beyond the caller's limit (%llu)",
			   (unsigned long long)total,
			   (unsigned long long)run->lim.max_size);
	if (op->code == OP_ADVANCE && run->lim.max_advance_ns &&
	    op->ns > run->lim.max_advance_ns)
		PARSE_FAIL(why, wl, "NS beyond the caller's limit (%llu)",
			   (unsigned long long)run->lim.max_advance_ns);
	return 0;
}

int tool_dma_run_script(const struct tool_stack_config *cfg, bool json,
			struct tool_script *s, FILE *out,
			const struct tool_script_limits *lim,
			struct tool_err *err)
{
	struct dma_run *run = calloc(1, sizeof(*run));
	struct dma_op *op = malloc(sizeof(*op));
	struct tool_stack_config scfg = *cfg;
	char *tok[MAX_TOK], why[256];
	unsigned lines = 0;
	int n, ret, status = 0;

	if (!run || !op) {
		free(op);
		free(run);
		return tool_err_set(err, "dma: out of memory");
	}
	run->out = out;
	run->json = json;
	run->err = err;
	if (lim)
		run->lim = *lim;
	if (run->lim.mem_size)
		scfg.mem_size = run->lim.mem_size;
	if (tool_stack_create(&run->st, &scfg)) {
		free(op);
		free(run);
		return 1;
	}
	run->user_next = USER_IOVA_BASE;
	while (!(run->lim.max_lines && lines == run->lim.max_lines) &&
	       (n = tool_script_next(s, tok, MAX_TOK)) != 0) {
		lines++;
		if (n < 0) {
			status = tool_err_set(err, "dma: line %u: %s", s->lineno,
					      tool_script_strerror(n));
			break;
		}
		ret = parse_line(tok, n, op, why, sizeof(why));
		if (!ret)
			ret = check_limits(run, op, why, sizeof(why));
		if (!ret)
			ret = exec_op(run, op, why, sizeof(why));
		if (ret < 0)
			status = tool_err_set(err, "dma: line %u: %s", s->lineno, why);
		else if (ret)
			status = ret;
		if (status)
			break;
	}
	cleanup(run, status == TOOL_EXIT_USAGE);
	if (tool_stack_destroy(&run->st))
		run->failed = true;
	if (!status && run->failed)
		status = 1;
	free(op);
	free(run);
	return status;
}

int tool_cmd_dma(int argc, char **argv);	/* also in main.c */
int tool_cmd_dma(int argc, char **argv)
{
	struct tool_stack_config cfg;
	struct tool_script script;
	struct tool_err err;
	const char *path = "-";
	bool json = false;
	int i, status;

	tool_stack_config_init(&cfg, "dma");
	cfg.checking = true;
	cfg.nr_cpus = 1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (tool_stack_parse_arg(&cfg, argc, argv, &i)) {
			continue;
		} else if (!strcmp(a, "--") && i + 1 < argc) {
			if (i + 2 < argc)
				tool_fail("dma: one script at most (see smmukit dma --help)");
			path = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			tool_fail("dma: unknown option '%s' (see smmukit dma --help)",
				  a);
		} else if (i == argc - 1) {
			path = a;
		} else {
			tool_fail("dma: one script at most (see smmukit dma --help)");
		}
	}
	if (tool_script_open(&script, path))
		tool_fail("dma: cannot read script '%s': %s", path,
			  tool_script_open_error());
	status = tool_dma_run_script(&cfg, json, &script, stdout, NULL, &err);
	tool_script_close(&script);
	if (status == TOOL_EXIT_USAGE)
		tool_fail("%s", err.msg);
	return status;
}

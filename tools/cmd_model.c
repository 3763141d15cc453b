/* SPDX-License-Identifier: MIT */
/*
 * smmukit model: the SMMU a user can poke. Runs a script of register
 * accesses, memory writes and device DMA against the hardware model on a
 * manual clock, printing one line per result (one JSON object per line with
 * --json). Event records, command errors, refused writes and stale accesses
 * appear as their own lines when they happen. This is the way to learn the
 * SMMUv3 programming model, to reproduce a bug, and the entry point that
 * fuzzers reuse.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "smmukit/model.h"
#include "smmukit/platform_posix.h"
#include "smmukit/smmuv3_hw.h"
#include "tool.h"
#include "tool_run.h"

#define MAX_TOK 80
#define MAX_DMA_LEN (UINT64_C(1) << 20)

struct model_run {
	struct smmukit_platform *plat;
	struct smmukit_model *m;
	struct smmukit_mmio mmio;
	FILE *out;
	bool json;
	bool trace;
	uint64_t max_len;	/* one DMA's LEN */
	uint64_t max_advance;	/* one advance's NS */
	struct tool_err *err;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: smmukit model [--model KEY=VAL,...] [--profile NAME|PATH] [--json]\n"
		"                     [--trace] [SCRIPT|-]\n"
		"\n"
		"Runs SCRIPT (default: standard input) against the SMMUv3 model, one\n"
		"command a line:\n"
		"  w32 OFFSET VALUE | w64 OFFSET VALUE   write a register\n"
		"  r32 OFFSET | r64 OFFSET               read a register\n"
		"  mem PADDR HEX...                      write simulated memory: each\n"
		"                                        0x-token is a 64-bit little-endian\n"
		"                                        word, other tokens are hex bytes\n"
		"  peek PADDR LEN                        read simulated memory (LEN <= 4096)\n"
		"  dma SID[:SSID] IOVA r|w LEN [HEX]     device access through the SMMU\n"
		"                                        (writes HEX bytes, or 0xa5s)\n"
		"  advance NS                            move the manual clock\n"
		"  stats                                 print the model's counters\n"
		"RAM starts at 0x80000000 (1 GiB). Event records, command errors,\n"
		"refused register writes and stale accesses are printed as they happen;\n"
		"--trace adds every consumed command and completed CMD_SYNC.\n"
		"Numbers: decimal or 0x hex, K/M/G suffixes. Limits: a line at most %u\n"
		"bytes and %u words; dma LEN 1..%llu; peek LEN 1..4096; SID < 2^32,\n"
		"SSID < 2^20.\n"
		"A DMA that faults prints its event (\"ABORT\": an abort without an\n"
		"event record); that is a result, not a failure.\n"
		"\n",
		TOOL_SCRIPT_MAX_LINE, MAX_TOK, (unsigned long long)MAX_DMA_LEN);
	tool_model_keys_usage(f);
	fprintf(f,
		"Profiles (--profile): 'zero' (no timing, the default), a NAME.profile\n"
		"in %s ($SMMUKIT_PROFILE_DIR), or a path;\n"
		"smmukit --cmdline \"model.KEY=V\" overrides one profile key (smmukit\n"
		"options lists them).\n"
		"\n",
		tool_profile_dir());
	tool_exit_status_usage(f);
}

static const char *event_name(unsigned ev)
{
	return smmukit_model_event_name(ev);
}

static void on_trace(void *arg, const struct smmukit_model_trace_rec *r)
{
	struct model_run *run = arg;
	char h1[20], h2[20];

	switch (r->kind) {
	case SMMUKIT_MODEL_TRACE_EVENT:
		if (run->json) {
			fprintf(run->out, "{\"op\":\"event\",\"type\":");
			tool_json_str(run->out, smmuv3_event_name(r->code));
			fprintf(run->out, ",\"sid\":%u,\"addr\":\"%s\",\"rnw\":%s,\"recorded\":%s}\n",
			       r->sid, tool_hex(h1, r->addr),
			       r->rnw ? "true" : "false",
			       r->recorded ? "true" : "false");
		} else {
			fprintf(run->out, "event %s sid=%u addr=%s rnw=%d%s\n",
			       smmuv3_event_name(r->code), r->sid,
			       tool_hex(h1, r->addr), r->rnw,
			       r->recorded ? "" : " (not written: queue off or full)");
		}
		break;
	case SMMUKIT_MODEL_TRACE_CERROR:
		if (run->json) {
			fprintf(run->out, "{\"op\":\"cerror\",\"type\":");
			tool_json_str(run->out, smmuv3_cerror_name(r->code));
			fprintf(run->out, ",\"slot\":\"%s\",\"cmd\":\"%s\",\"why\":",
			       tool_hex(h1, r->addr), tool_hex(h2, r->dw[0]));
			tool_json_str(run->out, r->why ? r->why : "");
			fprintf(run->out, "}\n");
		} else {
			fprintf(run->out, "cerror %s slot=%s cmd=%s: %s\n",
			       smmuv3_cerror_name(r->code), tool_hex(h1, r->addr),
			       tool_hex(h2, r->dw[0]), r->why ? r->why : "");
		}
		break;
	case SMMUKIT_MODEL_TRACE_STALE:
		if (run->json) {
			/* code 1: reused (the tables point elsewhere, even
			 * behind a permission fault); else unmapped. */
			fprintf(run->out, "{\"op\":\"stale\",\"kind\":\"%s\",\"sid\":%u,\"addr\":\"%s\",\"old_pa\":\"%s\"",
			       r->code == 1 ? "reused" : "unmapped", r->sid,
			       tool_hex(h1, r->addr), tool_hex(h2, r->pa));
			if (r->new_pa)
				fprintf(run->out, ",\"new_pa\":\"%s\"", tool_hex(h1, r->new_pa));
			if (r->new_event) {
				fprintf(run->out, ",\"new_event\":");
				tool_json_str(run->out, event_name(r->new_event));
			}
			fprintf(run->out, "}\n");
		} else {
			fprintf(run->out, "stale %s sid=%u addr=%s old_pa=%s\n",
			       r->code == 1 ? "reused" : "unmapped", r->sid,
			       tool_hex(h1, r->addr), tool_hex(h2, r->pa));
		}
		break;
	case SMMUKIT_MODEL_TRACE_REFUSED:
	case SMMUKIT_MODEL_TRACE_VIOLATION:
		if (run->json) {
			fprintf(run->out, "{\"op\":\"%s\",\"addr\":\"%s\",\"why\":",
			       r->kind == SMMUKIT_MODEL_TRACE_REFUSED ? "refused" :
									 "violation",
			       tool_hex(h1, r->addr));
			tool_json_str(run->out, r->why ? r->why : "");
			fprintf(run->out, "}\n");
		} else {
			fprintf(run->out, "%s %s: %s\n",
			       r->kind == SMMUKIT_MODEL_TRACE_REFUSED ? "refused" :
									 "violation",
			       tool_hex(h1, r->addr), r->why ? r->why : "");
		}
		break;
	case SMMUKIT_MODEL_TRACE_CMD:
	case SMMUKIT_MODEL_TRACE_SYNC:
		if (r->kind == SMMUKIT_MODEL_TRACE_SYNC) {
			if (run->json)
				fprintf(run->out, "{\"op\":\"sync_done\",\"time_ns\":%llu,\"cs\":%u}\n",
				       (unsigned long long)r->time_ns, r->code);
			else
				fprintf(run->out, "sync done t=%lluns cs=%u\n",
				       (unsigned long long)r->time_ns, r->code);
		} else if (run->json) {
			fprintf(run->out, "{\"op\":\"cmd\",\"name\":");
			tool_json_str(run->out, smmuv3_cmd_name(r->code));
			fprintf(run->out, ",\"dw0\":\"%s\",\"dw1\":\"%s\",\"time_ns\":%llu}\n",
			       tool_hex(h1, r->dw[0]), tool_hex(h2, r->dw[1]),
			       (unsigned long long)r->time_ns);
		} else {
			fprintf(run->out, "cmd %s %s %s t=%lluns\n", smmuv3_cmd_name(r->code),
			       tool_hex(h1, r->dw[0]), tool_hex(h2, r->dw[1]),
			       (unsigned long long)r->time_ns);
		}
		break;
	default:
		break;
	}
}

/* Bad input: the line's message, TOOL_EXIT_USAGE. */
#define BAD(run, ...) tool_err_set((run)->err, __VA_ARGS__)

static int num(struct model_run *run, const char *s, unsigned lineno,
	       const char *what, uint64_t *v)
{
	if (!tool_parse_u64(s, true, v))
		return BAD(run, "model: line %u: bad %s '%s'", lineno, what, s);
	return 0;
}

/* Append hex bytes (or a 0x little-endian word) from tok to buf; *got: how many. */
static int parse_hex(struct model_run *run, const char *tok, unsigned char *buf,
		     size_t cap, unsigned lineno, size_t *got)
{
	size_t n = 0, len = strlen(tok);

	if (len > 2 && tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X')) {
		uint64_t v;

		if (num(run, tok, lineno, "word", &v))
			return TOOL_EXIT_USAGE;
		if (cap < 8)
			return BAD(run, "model: line %u: too much data", lineno);
		for (unsigned i = 0; i < 8; i++)
			buf[i] = (unsigned char)(v >> (8 * i));
		*got = 8;
		return 0;
	}
	if (len % 2)
		return BAD(run, "model: line %u: odd number of hex digits in '%s'",
			   lineno, tok);
	for (size_t i = 0; i < len; i += 2) {
		char pair[3] = { tok[i], tok[i + 1], 0 };

		if (!isxdigit((unsigned char)pair[0]) ||
		    !isxdigit((unsigned char)pair[1]))
			return BAD(run, "model: line %u: bad hex '%s'", lineno, tok);
		if (n == cap)
			return BAD(run, "model: line %u: too much data", lineno);
		buf[n++] = (unsigned char)strtoul(pair, NULL, 16);
	}
	*got = n;
	return 0;
}

static void print_hex_bytes(FILE *out, const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%02x", b[i]);
}

static void print_stats(struct model_run *run)
{
	struct smmukit_model_stats s;
	const struct {
		const char *name;
		uint64_t v;
	} *f, fields[] = {
#define S(x) { #x, 0 }
		S(translations), S(iotlb_hits), S(iotlb_misses),
		S(iotlb_evictions), S(iotlb_invalidated), S(walks),
		S(walk_faults), S(walk_reads), S(walkcache_hits),
		S(cfgcache_hits), S(cfgcache_misses), S(cmds), S(syncs),
		S(msi_writes), S(sevs), S(cerrors), S(events), S(events_lost),
		S(events_dropped), S(gerrors), S(refused_writes), S(checks),
		S(stale_unmapped), S(stale_reused), S(free_violations),
		S(sync_violations), S(iotlb_valid), S(walkcache_valid),
		S(cfgcache_valid),
#undef S
	};
	uint64_t vals[SMMUKIT_ARRAY_SIZE(fields)];
	size_t i = 0;

	smmukit_model_get_stats(run->m, &s);
	vals[i++] = s.translations;
	vals[i++] = s.iotlb_hits;
	vals[i++] = s.iotlb_misses;
	vals[i++] = s.iotlb_evictions;
	vals[i++] = s.iotlb_invalidated;
	vals[i++] = s.walks;
	vals[i++] = s.walk_faults;
	vals[i++] = s.walk_reads;
	vals[i++] = s.walkcache_hits;
	vals[i++] = s.cfgcache_hits;
	vals[i++] = s.cfgcache_misses;
	vals[i++] = s.cmds;
	vals[i++] = s.syncs;
	vals[i++] = s.msi_writes;
	vals[i++] = s.sevs;
	vals[i++] = s.cerrors;
	vals[i++] = s.events;
	vals[i++] = s.events_lost;
	vals[i++] = s.events_dropped;
	vals[i++] = s.gerrors;
	vals[i++] = s.refused_writes;
	vals[i++] = s.checks;
	vals[i++] = s.stale_unmapped;
	vals[i++] = s.stale_reused;
	vals[i++] = s.free_violations;
	vals[i++] = s.sync_violations;
	vals[i++] = s.iotlb_valid;
	vals[i++] = s.walkcache_valid;
	vals[i++] = s.cfgcache_valid;
	fprintf(run->out, run->json ? "{\"op\":\"stats\"" : "stats");
	for (i = 0; i < SMMUKIT_ARRAY_SIZE(fields); i++) {
		f = &fields[i];
		if (run->json)
			fprintf(run->out, ",\"%s\":%llu", f->name, (unsigned long long)vals[i]);
		else
			fprintf(run->out, " %s=%llu", f->name, (unsigned long long)vals[i]);
	}
	if (run->json) {
		fprintf(run->out, ",\"cmds_by_op\":{");
		for (unsigned op = 0, first = 1; op < SMMUKIT_MODEL_NR_OPCODES; op++) {
			if (!s.cmds_by_op[op])
				continue;
			fprintf(run->out, "%s\"%s\":%llu", first ? "" : ",",
			       smmuv3_cmd_name(op),
			       (unsigned long long)s.cmds_by_op[op]);
			first = 0;
		}
		fprintf(run->out, "}}\n");
	} else {
		fprintf(run->out, "\n");
	}
}

static int do_dma(struct model_run *run, char **tok, int n, unsigned lineno)
{
	uint32_t sid, ssid = SMMUKIT_MODEL_NO_SSID;
	uint64_t iova, len, sidv;
	char *colon;
	bool w;
	unsigned char *buf;
	struct smmukit_model_dma_result r;
	FILE *out = run->out;
	char h[20];
	int ret;

	if (n < 5)
		return BAD(run, "model: line %u: dma SID IOVA r|w LEN [HEX]", lineno);
	colon = strchr(tok[1], ':');
	if (colon) {
		uint64_t ssidv;

		*colon = '\0';
		if (num(run, colon + 1, lineno, "SSID", &ssidv))
			return TOOL_EXIT_USAGE;
		if (ssidv >= (UINT64_C(1) << 20))
			return BAD(run, "model: line %u: SSID too large", lineno);
		ssid = (uint32_t)ssidv;
	}
	if (num(run, tok[1], lineno, "SID", &sidv))
		return TOOL_EXIT_USAGE;
	if (sidv > UINT32_MAX)
		return BAD(run, "model: line %u: SID too large", lineno);
	sid = (uint32_t)sidv;
	if (num(run, tok[2], lineno, "IOVA", &iova))
		return TOOL_EXIT_USAGE;
	if (!strcmp(tok[3], "r"))
		w = false;
	else if (!strcmp(tok[3], "w"))
		w = true;
	else
		return BAD(run, "model: line %u: direction must be r or w", lineno);
	if (num(run, tok[4], lineno, "LEN", &len))
		return TOOL_EXIT_USAGE;
	if (!len || len > MAX_DMA_LEN)
		return BAD(run, "model: line %u: LEN must be 1..%llu", lineno,
			   (unsigned long long)MAX_DMA_LEN);
	if (run->max_len && len > run->max_len)
		return BAD(run, "model: line %u: LEN beyond the caller's limit (%llu)",
			   lineno, (unsigned long long)run->max_len);
	if (iova + len - 1 < iova)
		return BAD(run, "model: line %u: IOVA + LEN wraps", lineno);
	if (n > 5 && !w)
		return BAD(run, "model: line %u: data only for writes", lineno);
	buf = malloc(len);
	if (!buf)
		return BAD(run, "model: out of memory");
	memset(buf, 0xa5, len);
	if (n > 5) {
		size_t got = 0, more;

		for (int i = 5; i < n; i++) {
			if (parse_hex(run, tok[i], buf + got, len - got, lineno,
				      &more)) {
				free(buf);
				return TOOL_EXIT_USAGE;
			}
			got += more;
		}
	}
	ret = smmukit_model_dma(run->m, sid, ssid, iova, len, w, buf, &r);
	if (ret < 0) {
		free(buf);
		return BAD(run, "model: line %u: dma: %s", lineno, tool_errname(ret));
	}
	if (run->json) {
		if (ret == 0) {
			fprintf(out, "{\"op\":\"dma\",\"ok\":true,\"pa\":\"%s\",\"cost_ns\":%llu,\"hit\":%s",
				tool_hex(h, r.pa), (unsigned long long)r.cost_ns,
				r.iotlb_hit ? "true" : "false");
			if (!w && len <= 64) {
				fprintf(out, ",\"data\":\"");
				print_hex_bytes(out, buf, len);
				fprintf(out, "\"");
			}
			fprintf(out, "}\n");
		} else {
			fprintf(out, "{\"op\":\"dma\",\"ok\":false,\"event\":");
			tool_json_str(out, event_name(r.event));
			fprintf(out, ",\"bytes\":%llu}\n", (unsigned long long)r.bytes);
		}
	} else if (ret == 0) {
		fprintf(out, "dma ok pa=%s cost=%lluns%s", tool_hex(h, r.pa),
			(unsigned long long)r.cost_ns, r.iotlb_hit ? " (hit)" : "");
		if (!w && len <= 64) {
			fprintf(out, " data=");
			print_hex_bytes(out, buf, len);
		}
		fprintf(out, "\n");
	} else {
		fprintf(out, "dma fault %s after %llu bytes\n", event_name(r.event),
			(unsigned long long)r.bytes);
	}
	free(buf);
	return 0;
}

/* 0, or TOOL_EXIT_USAGE for a bad line (run->err says why). */
static int run_line(struct model_run *run, char **tok, int n, unsigned lineno)
{
	char h1[20], h2[20];
	const char *op = tok[0];
	FILE *out = run->out;

	if (!strcmp(op, "w32") || !strcmp(op, "w64")) {
		uint64_t off, val;

		if (n != 3)
			return BAD(run, "model: line %u: %s OFFSET VALUE", lineno, op);
		if (num(run, tok[1], lineno, "offset", &off) ||
		    num(run, tok[2], lineno, "value", &val))
			return TOOL_EXIT_USAGE;
		if (op[1] == '3') {
			if (val > UINT32_MAX)
				return BAD(run, "model: line %u: value does not fit 32 bits",
					   lineno);
			run->mmio.ops->write32(run->mmio.ctx, off, (uint32_t)val);
		} else {
			run->mmio.ops->write64(run->mmio.ctx, off, val);
		}
	} else if (!strcmp(op, "r32") || !strcmp(op, "r64")) {
		uint64_t off, val;

		if (n != 2)
			return BAD(run, "model: line %u: %s OFFSET", lineno, op);
		if (num(run, tok[1], lineno, "offset", &off))
			return TOOL_EXIT_USAGE;
		val = op[1] == '3' ? run->mmio.ops->read32(run->mmio.ctx, off) :
				     run->mmio.ops->read64(run->mmio.ctx, off);
		if (run->json)
			fprintf(out, "{\"op\":\"%s\",\"off\":\"%s\",\"val\":\"%s\"}\n", op,
				tool_hex(h1, off), tool_hex(h2, val));
		else
			fprintf(out, "%s %s = %s\n", op, tool_hex(h1, off),
				tool_hex(h2, val));
	} else if (!strcmp(op, "mem")) {
		unsigned char data[8 * MAX_TOK];
		size_t len = 0, more;
		uint64_t pa;
		unsigned char *p;

		if (n < 3)
			return BAD(run, "model: line %u: mem PADDR HEX...", lineno);
		if (num(run, tok[1], lineno, "PADDR", &pa))
			return TOOL_EXIT_USAGE;
		for (int i = 2; i < n; i++) {
			if (parse_hex(run, tok[i], data + len, sizeof(data) - len,
				      lineno, &more))
				return TOOL_EXIT_USAGE;
			len += more;
		}
		p = smmukit_posix_phys_range(run->plat, pa, len);
		if (!p)
			return BAD(run, "model: line %u: [%s, +%zu) is not in RAM",
				   lineno, tool_hex(h1, pa), len);
		/* The CPU's store, made visible to a non-coherent SMMU too. */
		memcpy(p, data, len);
		smmukit_wmb();
		smmukit_plat_dma_sync_for_device(run->plat, pa, len);
	} else if (!strcmp(op, "peek")) {
		uint64_t pa, len;
		const unsigned char *p;

		if (n != 3)
			return BAD(run, "model: line %u: peek PADDR LEN", lineno);
		if (num(run, tok[1], lineno, "PADDR", &pa) ||
		    num(run, tok[2], lineno, "LEN", &len))
			return TOOL_EXIT_USAGE;
		if (!len || len > 4096)
			return BAD(run, "model: line %u: LEN must be 1..4096", lineno);
		p = smmukit_posix_phys_range(run->plat, pa, len);
		if (!p)
			return BAD(run, "model: line %u: [%s, +%llu) is not in RAM",
				   lineno, tool_hex(h1, pa), (unsigned long long)len);
		if (run->json) {
			fprintf(out, "{\"op\":\"peek\",\"pa\":\"%s\",\"bytes\":\"",
				tool_hex(h1, pa));
			print_hex_bytes(out, p, len);
			fprintf(out, "\"}\n");
		} else {
			fprintf(out, "peek %s ", tool_hex(h1, pa));
			print_hex_bytes(out, p, len);
			fprintf(out, "\n");
		}
	} else if (!strcmp(op, "dma")) {
		return do_dma(run, tok, n, lineno);
	} else if (!strcmp(op, "advance")) {
		uint64_t ns;

		if (n != 2)
			return BAD(run, "model: line %u: advance NS", lineno);
		if (num(run, tok[1], lineno, "NS", &ns))
			return TOOL_EXIT_USAGE;
		if (run->max_advance && ns > run->max_advance)
			return BAD(run, "model: line %u: NS beyond the caller's limit (%llu)",
				   lineno, (unsigned long long)run->max_advance);
		smmukit_posix_clock_advance(run->plat, ns);
	} else if (!strcmp(op, "stats")) {
		if (n != 1)
			return BAD(run, "model: line %u: stats takes no argument", lineno);
		print_stats(run);
	} else {
		return BAD(run, "model: line %u: unknown command '%s'", lineno, op);
	}
	return 0;
}

int tool_model_run_script(const struct tool_model_params *p,
			  struct tool_script *s, FILE *out,
			  const struct tool_script_limits *lim,
			  struct tool_err *err)
{
	struct smmukit_posix_config pc = {
		.manual_clock = true,
		.polled_timers = true,
		.log_level = SMMUKIT_LOG_ERR,
	};
	struct model_run run = { .out = out, .json = p->json, .trace = p->trace,
				 .err = err };
	unsigned lines = 0;
	char *tok[MAX_TOK];
	int n, ret;

	if (lim) {
		run.max_len = lim->max_size;
		run.max_advance = lim->max_advance_ns;
		pc.mem_size = lim->mem_size;
	}
	ret = smmukit_posix_create(&pc, &run.plat);
	if (ret)
		return tool_err_set(err, "model: platform: %s", tool_errname(ret));
	ret = smmukit_model_create(run.plat, p->cfg, p->prof, &run.m);
	if (ret) {
		smmukit_posix_destroy(run.plat);
		return tool_err_set(err, "model: cannot create the model: %s (check the keys)",
				    tool_errname(ret));
	}
	run.mmio = smmukit_model_mmio(run.m);
	smmukit_model_set_trace(run.m,
				SMMUKIT_MODEL_TRACE_EVENT |
					SMMUKIT_MODEL_TRACE_CERROR |
					SMMUKIT_MODEL_TRACE_STALE |
					SMMUKIT_MODEL_TRACE_REFUSED |
					SMMUKIT_MODEL_TRACE_VIOLATION |
					(run.trace ? SMMUKIT_MODEL_TRACE_CMD |
							     SMMUKIT_MODEL_TRACE_SYNC :
						     0),
				on_trace, &run);
	ret = 0;
	while (!(lim && lim->max_lines && lines == lim->max_lines) &&
	       (n = tool_script_next(s, tok, MAX_TOK)) != 0) {
		lines++;
		ret = n < 0 ? tool_err_set(err, "model: line %u: %s", s->lineno,
					   tool_script_strerror(n)) :
			      run_line(&run, tok, n, s->lineno);
		if (ret)
			break;
		fflush(out);
	}
	smmukit_model_destroy(run.m);
	smmukit_posix_destroy(run.plat);
	return ret;
}

int tool_cmd_model(int argc, char **argv);	/* also in main.c */
int tool_cmd_model(int argc, char **argv)
{
	struct smmukit_model_config cfg;
	struct smmukit_model_profile prof;
	/* The options set its json and trace flags. */
	struct model_run run = { 0 };
	struct tool_model_params params;
	struct tool_script script;
	struct tool_err rerr;
	const char *profile = "zero", *path = "-", *v;
	char features[1024] = "", err[256];
	bool opts_done = false;
	int i, ret;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (opts_done) {
			if (i != argc - 1)
				tool_fail("model: one script at most (see smmukit model --help)");
			path = a;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--json")) {
			run.json = true;
		} else if (!strcmp(a, "--trace")) {
			run.trace = true;
		} else if (tool_arg_value("model", argc, argv, &i, "--model", &v)) {
			tool_append_keys("model", features, sizeof(features), v);
		} else if (tool_arg_value("model", argc, argv, &i, "--profile", &v)) {
			profile = v;
		} else if (!strcmp(a, "--")) {
			opts_done = true;
		} else if (a[0] == '-' && a[1]) {
			tool_fail("model: unknown option '%s' (see smmukit model --help)",
				  a);
		} else if (i == argc - 1) {
			path = a;
		} else {
			tool_fail("model: one script at most (see smmukit model --help)");
		}
	}
	smmukit_model_config_default(&cfg);
	if (features[0] && smmukit_model_config_parse(&cfg, features, err,
						      sizeof(err)))
		tool_fail("model: --model: %s", err);
	ret = smmukit_model_profile_load(&prof, profile, tool_profile_dir(), err,
					 sizeof(err));
	if (ret)
		tool_fail("model: %s", err);
	/* --cmdline "model.KEY=V": override one profile key each. */
	tool_options_apply("model", tool_globals.cmdline,
			   &(struct tool_option_targets){ .model = &prof });
	if (tool_script_open(&script, path))
		tool_fail("model: cannot read script '%s': %s", path,
			  tool_script_open_error());
	params.cfg = &cfg;
	params.prof = &prof;
	params.json = run.json;
	params.trace = run.trace;
	ret = tool_model_run_script(&params, &script, stdout, NULL, &rerr);
	tool_script_close(&script);
	if (ret == TOOL_EXIT_USAGE)
		tool_fail("%s", rerr.msg);
	return ret;
}

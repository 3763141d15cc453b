/* SPDX-License-Identifier: MIT */
/*
 * The fio-like engine (io_engine.h). One run: build the stack on simulated
 * CPUs, probe the NVMe-like device with its stream ID, put it on the
 * mode's domain, give each job a queue pair and iodepth buffers, run the
 * jobs in virtual time, then drain, unmap and tear everything down.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io_engine.h"
#include "smmukit/model_nvme.h"
#include "smmukit/smmuv3_hw.h"
#include "tool.h"
#include "tool_stack.h"
#include "tool_vtime.h"

#define NS_PER_S 1000000000.0
/* The namespace: large enough that random 4 KiB I/Os rarely meet. */
#define NS_BYTES (UINT64_C(64) << 20)
/* Each 4 KiB block a job writes starts with this stamp and its LBA. */
#define STAMP UINT64_C(0x736d6d756b697421)
#define PAGE 4096u

static const char *const mode_names[] = { "strict", "lazy", "passthrough" };
static const char *const rw_names[] = { "randread", "randwrite", "randrw" };

const char *io_mode_name(enum io_mode m)
{
	return (unsigned)m < 3 ? mode_names[m] : "?";
}

const char *io_rw_name(enum io_rw rw)
{
	return (unsigned)rw < 3 ? rw_names[rw] : "?";
}

int io_mode_parse(const char *s, enum io_mode *out)
{
	for (unsigned i = 0; i < 3; i++)
		if (s && !strcmp(s, mode_names[i])) {
			*out = (enum io_mode)i;
			return 0;
		}
	return -1;
}

int io_rw_parse(const char *s, enum io_rw *out)
{
	for (unsigned i = 0; i < 3; i++)
		if (s && !strcmp(s, rw_names[i])) {
			*out = (enum io_rw)i;
			return 0;
		}
	return -1;
}

void io_cfg_default(struct io_cfg *c, const char *cmd)
{
	memset(c, 0, sizeof(*c));
	c->cmd = cmd;
	c->mode = IO_MODE_STRICT;
	c->rw = IO_RANDREAD;
	c->bs = PAGE;
	c->iodepth = 32;
	c->jobs = 8;
	c->seconds = 0.05;
	c->profile = "zero";
	c->model_keys = "";
	c->seed = 1;
}

void io_cfg_check(const struct io_cfg *c)
{
	if (c->bs < PAGE || c->bs > IO_MAX_BS || c->bs % PAGE)
		tool_fail("%s: --bs must be a multiple of 4k from 4k to 1M", c->cmd);
	if (!c->iodepth || c->iodepth > IO_MAX_IODEPTH)
		tool_fail("%s: --iodepth must be 1..%u", c->cmd, IO_MAX_IODEPTH);
	if (!c->jobs || c->jobs > IO_MAX_JOBS)
		tool_fail("%s: --jobs must be 1..%u", c->cmd, IO_MAX_JOBS);
	if (!(c->seconds > 0) || c->seconds > IO_MAX_SECONDS)
		tool_fail("%s: --seconds must be > 0 and <= %g (modelled time)",
			  c->cmd, IO_MAX_SECONDS);
	if ((uint64_t)c->jobs * c->iodepth * c->bs > IO_MAX_BUFFERS)
		tool_fail("%s: --jobs x --iodepth x --bs is more than %llu MiB of buffers",
			  c->cmd, (unsigned long long)(IO_MAX_BUFFERS >> 20));
	if (c->bs > NS_BYTES / 16)
		tool_fail("%s: --bs larger than 1/16 of the %llu MiB namespace",
			  c->cmd, (unsigned long long)(NS_BYTES >> 20));
}

struct io_slot {
	struct smmukit_dma_pages buf;
	smmukit_dma_addr_t addr;
	enum smmukit_dma_dir dir;
	bool busy;
	bool is_read;
	uint64_t lba;		/* in 4 KiB blocks */
	uint64_t t_submit;
};

struct io_job {
	struct io_run *run;
	unsigned qid;
	struct io_slot *slots;
	uint64_t rng;
	uint64_t ios, reads, writes, errors, verify_errors;
	uint64_t *lat;		/* ns, measured window only */
	size_t nr_lat, cap_lat;
	int first_err;
	const char *first_err_op;
};

struct io_run {
	const struct io_cfg *cfg;
	struct tool_stack st;
	struct tool_vtime *vt;
	struct smmukit_platform *plat;	/* the simulated CPUs' view */
	struct tool_stack_dev *dev;
	struct smmukit_nvme *nvme;
	uint64_t nr_blocks;	/* namespace, 4 KiB blocks */
	uint64_t t_measure, t_end;
	struct io_job jobs[IO_MAX_JOBS];
	double wall_start, wall_last_progress;
};

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / NS_PER_S;
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / NS_PER_S;
}

/* xorshift64*: each job its own deterministic stream. */
static uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * UINT64_C(2685821657736338717);
}

static void job_error(struct io_job *j, const char *op, int err)
{
	j->errors++;
	if (!j->first_err) {
		j->first_err = err ? err : -SMMUKIT_EIO;
		j->first_err_op = op;
	}
}

static void record_lat(struct io_job *j, uint64_t ns)
{
	if (j->nr_lat == j->cap_lat) {
		size_t cap = j->cap_lat ? 2 * j->cap_lat : 4096;
		uint64_t *n = realloc(j->lat, cap * sizeof(*n));

		if (!n)
			return;	/* the percentiles then miss a few samples */
		j->lat = n;
		j->cap_lat = cap;
	}
	j->lat[j->nr_lat++] = ns;
}

static void *buf_cpu(struct io_run *r, struct io_slot *s)
{
	return smmukit_plat_phys_to_virt(r->st.plat, s->buf.pa);
}

static bool submit(struct io_run *r, struct io_job *j, unsigned idx)
{
	const struct io_cfg *c = r->cfg;
	struct io_slot *s = &j->slots[idx];
	uint64_t pages = c->bs / PAGE, prp[IO_MAX_BS / PAGE];
	struct smmukit_nvme_cmd cmd;
	int ret;

	if (c->rw == IO_RANDREAD)
		s->is_read = true;
	else if (c->rw == IO_RANDWRITE)
		s->is_read = false;
	else
		s->is_read = rnd(&j->rng) & 1;
	s->lba = rnd(&j->rng) % (r->nr_blocks / pages) * pages;
	s->dir = s->is_read ? SMMUKIT_DMA_FROM_DEVICE : SMMUKIT_DMA_TO_DEVICE;
	if (!s->is_read) {
		uint8_t *p = buf_cpu(r, s);

		for (uint64_t i = 0; i < pages; i++) {
			uint64_t hdr[2] = { STAMP, s->lba + i };

			memcpy(p + i * PAGE, hdr, sizeof(hdr));
		}
	}
	ret = smmukit_dma_map_page(r->dev->dev, s->buf.pa, c->bs, s->dir,
				   &s->addr);
	if (ret) {
		job_error(j, "dma_map", ret);
		return false;
	}
	for (uint64_t i = 0; i < pages; i++)
		prp[i] = s->addr + i * PAGE;
	cmd = (struct smmukit_nvme_cmd){
		.opcode = s->is_read ? SMMUKIT_NVME_OP_READ : SMMUKIT_NVME_OP_WRITE,
		.cid = (uint16_t)idx,
		.slba = s->lba,
		.nlb = (uint32_t)pages,
		.nr_prps = (unsigned)pages,
		.prp = prp,
	};
	s->t_submit = smmukit_plat_clock_ns(r->plat);
	ret = smmukit_nvme_submit(r->nvme, j->qid, &cmd);
	if (ret) {
		job_error(j, "submit", ret);
		smmukit_dma_unmap_page(r->dev->dev, s->addr, c->bs, s->dir);
		return false;
	}
	s->busy = true;
	return true;
}

/* A read returns zeros (never written) or what a write of that block put. */
static void verify(struct io_run *r, struct io_job *j, struct io_slot *s)
{
	const uint8_t *p = buf_cpu(r, s);
	uint64_t pages = r->cfg->bs / PAGE;

	for (uint64_t i = 0; i < pages; i++) {
		uint64_t hdr[2];

		memcpy(hdr, p + i * PAGE, sizeof(hdr));
		if ((hdr[0] || hdr[1]) && (hdr[0] != STAMP || hdr[1] != s->lba + i))
			j->verify_errors++;
	}
}

static void complete(struct io_run *r, struct io_job *j,
		     const struct smmukit_nvme_cpl *cpl, uint64_t now)
{
	struct io_slot *s = &j->slots[cpl->cid];
	int ret;

	s->busy = false;
	ret = smmukit_dma_unmap_page(r->dev->dev, s->addr, r->cfg->bs, s->dir);
	if (ret)
		job_error(j, "dma_unmap", ret);
	if (cpl->status != SMMUKIT_NVME_SC_SUCCESS) {
		job_error(j, "I/O", -SMMUKIT_EIO);
		return;
	}
	if (s->is_read)
		verify(r, j, s);
	if (now >= r->t_measure && now < r->t_end) {
		j->ios++;
		if (s->is_read)
			j->reads++;
		else
			j->writes++;
		record_lat(j, now - s->t_submit);
	}
	if (s->is_read)
		memset(buf_cpu(r, s), 0, 16);
}

static void progress(struct io_run *r, uint64_t now)
{
	double w = wall_now();
	uint64_t start = r->t_measure - (r->t_end - r->t_measure) / 10;
	double done;

	if (w - r->wall_last_progress < 0.5)
		return;
	r->wall_last_progress = w;
	done = (double)(now - start) / (double)(r->t_end - start);
	fprintf(stderr, "\r%s %3.0f%% ", r->cfg->progress_label ?
		r->cfg->progress_label : "", done > 1 ? 100.0 : 100.0 * done);
	fflush(stderr);
}

static void job_fn(void *arg, unsigned cpu)
{
	struct io_run *r = arg;
	struct io_job *j = &r->jobs[cpu];
	unsigned depth = r->cfg->iodepth, in_flight = 0;
	struct smmukit_nvme_cpl cpl[64];
	uint64_t loops = 0;

	for (;;) {
		uint64_t now = smmukit_plat_clock_ns(r->plat);
		int n;

		if (now < r->t_end && !j->first_err)
			for (unsigned i = 0; i < depth; i++)
				if (!j->slots[i].busy && submit(r, j, i))
					in_flight++;
		n = smmukit_nvme_poll(r->nvme, j->qid, cpl, SMMUKIT_ARRAY_SIZE(cpl));
		if (n < 0) {
			job_error(j, "poll", n);
			break;
		}
		if (n == 0) {
			if (!in_flight)
				break;
			/*
			 * Poll again when the device next has something for
			 * this queue: what a spinning poller would see, with
			 * fewer wake-ups of the simulation.
			 */
			tool_vtime_relax_until(r->vt,
				smmukit_nvme_queue_next_ns(r->nvme, j->qid));
			continue;
		}
		now = smmukit_plat_clock_ns(r->plat);
		for (int i = 0; i < n; i++)
			complete(r, j, &cpl[i], now);
		in_flight -= (unsigned)n;
		if (cpu == 0 && r->cfg->progress && !(++loops & 255))
			progress(r, now);
	}
}

static struct smmukit_platform *wrap(void *arg, struct smmukit_platform *plat,
				     struct smmukit_model *m)
{
	struct io_run *r = arg;

	if (tool_vtime_create(plat, m, r->cfg->jobs + 1, &r->vt))
		return NULL;
	return tool_vtime_platform(r->vt);
}

static void nvme_run(void *arg)
{
	smmukit_nvme_run(arg);
}

static uint64_t nvme_next(void *arg)
{
	return smmukit_nvme_next_due_ns(arg);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct_us(const uint64_t *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return (double)v[i] / 1000.0;
}

static void summarise(struct io_run *r, struct io_result *res)
{
	size_t total = 0, k = 0;
	uint64_t *all;

	for (unsigned i = 0; i < r->cfg->jobs; i++) {
		struct io_job *j = &r->jobs[i];

		res->ios += j->ios;
		res->reads += j->reads;
		res->writes += j->writes;
		res->errors += j->errors;
		res->verify_errors += j->verify_errors;
		total += j->nr_lat;
	}
	res->seconds = (double)(r->t_end - r->t_measure) / NS_PER_S;
	res->iops = (double)res->ios / res->seconds;
	res->bw_mib_s = res->iops * (double)r->cfg->bs / (1024.0 * 1024.0);
	all = malloc((total ? total : 1) * sizeof(*all));
	if (!all)
		return;
	for (unsigned i = 0; i < r->cfg->jobs; i++) {
		memcpy(all + k, r->jobs[i].lat, r->jobs[i].nr_lat * sizeof(*all));
		k += r->jobs[i].nr_lat;
	}
	qsort(all, total, sizeof(*all), cmp_u64);
	res->lat_p50_us = pct_us(all, total, 0.50);
	res->lat_p99_us = pct_us(all, total, 0.99);
	res->lat_p999_us = pct_us(all, total, 0.999);
	free(all);
}

static unsigned order_for(uint64_t bytes)
{
	unsigned o = 0;

	while (((uint64_t)PAGE << o) < bytes)
		o++;
	return o;
}

static void free_buffers(struct io_run *r)
{
	for (unsigned i = 0; i < r->cfg->jobs; i++) {
		struct io_job *j = &r->jobs[i];

		if (j->slots)
			for (unsigned k = 0; k < r->cfg->iodepth; k++)
				if (j->slots[k].buf.pa)
					smmukit_plat_free_pages(r->st.plat,
								&j->slots[k].buf);
		free(j->slots);
		free(j->lat);
		j->slots = NULL;
		j->lat = NULL;
	}
}

static int setup(struct io_run *r)
{
	const struct io_cfg *c = r->cfg;
	struct smmukit_nvme_config nc;
	uint32_t sid = IO_DEVICE_SID;
	static const enum smmukit_domain_type types[] = {
		[IO_MODE_STRICT] = SMMUKIT_DOMAIN_DMA,
		[IO_MODE_LAZY] = SMMUKIT_DOMAIN_DMA_FQ,
		[IO_MODE_PASSTHROUGH] = SMMUKIT_DOMAIN_IDENTITY,
	};
	const char *what;
	int ret;

	what = "adding the NVMe device";
	ret = tool_stack_add_device(&r->st, "nvme0", &sid, 1, false, &r->dev);
	if (!ret) {
		what = "setting its domain type";
		ret = tool_stack_set_domain(&r->st, r->dev, types[c->mode], true);
	}
	if (!ret && tool_stack_domain_type(r->dev) != types[c->mode]) {
		what = "setting its domain type (not honoured)";
		ret = -SMMUKIT_EINVAL;
	}
	if (ret)
		goto fail;
	smmukit_nvme_config_default(&nc);
	smmukit_nvme_config_from_profile(&nc, &r->st.profile);
	/*
	 * A device that takes no time would make every rate infinite (and
	 * the run endless): a profile without device keys gets a fast drive.
	 */
	if (!nc.latency_ns)
		nc.latency_ns = IO_DEFAULT_DEVICE_LATENCY_NS;
	nc.sid = sid;
	nc.nr_blocks = NS_BYTES / PAGE;
	nc.nr_queues = c->jobs;
	nc.queue_depth = c->iodepth;
	r->nr_blocks = nc.nr_blocks;
	what = "creating the NVMe device model";
	ret = smmukit_nvme_create(r->st.model, r->plat, &nc, &r->nvme);
	if (ret)
		goto fail;
	what = "virtual time";
	ret = tool_vtime_add_source(r->vt, nvme_run, nvme_next, r->nvme);
	if (ret)
		goto fail;
	what = "allocating I/O buffers";
	for (unsigned i = 0; i < c->jobs; i++) {
		struct io_job *j = &r->jobs[i];

		j->run = NULL;
		j->qid = i;
		j->rng = (c->seed * UINT64_C(0x9e3779b97f4a7c15)) ^ (i + 1) * UINT64_C(0xbf58476d1ce4e5b9);
		if (!j->rng)
			j->rng = 1;
		j->slots = calloc(c->iodepth, sizeof(*j->slots));
		ret = -SMMUKIT_ENOMEM;
		if (!j->slots)
			goto fail;
		for (unsigned k = 0; k < c->iodepth; k++) {
			ret = smmukit_plat_alloc_pages(r->st.plat, order_for(c->bs),
						       &j->slots[k].buf);
			if (ret)
				goto fail;
		}
	}
	return 0;
fail:
	fprintf(stderr, "smmukit: %s: %s: %s\n", c->cmd, what, tool_errname(ret));
	return ret;
}

static void stats_now(struct io_run *r, struct smmukit_model_stats *ms,
		      struct smmukit_dma_stats *ds, struct smmukit_nvme_stats *ns)
{
	smmukit_model_get_stats(r->st.model, ms);
	smmukit_dma_get_stats(r->st.dma, ds);
	smmukit_nvme_get_stats(r->nvme, ns);
}

static uint64_t tlbi_count(const struct smmukit_model_stats *s)
{
	uint64_t n = 0;

	for (unsigned op = 0; op < SMMUKIT_MODEL_NR_OPCODES; op++)
		if (smmuv3_op_is_tlbi((uint8_t)op))
			n += s->cmds_by_op[op];
	return n;
}

int io_run(const struct io_cfg *c, struct io_result *res)
{
	struct tool_stack_config sc;
	struct io_run *r;
	struct smmukit_model_stats ms0, ms1;
	struct smmukit_dma_stats ds0, ds1;
	struct smmukit_nvme_stats ns0, ns1;
	char *cmdline = NULL;
	double cpu0, wall0;
	uint64_t start, run_ns;
	int ret;

	io_cfg_check(c);
	memset(res, 0, sizeof(*res));
	r = calloc(1, sizeof(*r));
	if (!r)
		return -SMMUKIT_ENOMEM;
	r->cfg = c;
	tool_stack_config_init(&sc, c->cmd);
	sc.log_level = SMMUKIT_LOG_WARN;
	sc.profile = c->profile;
	sc.nr_cpus = c->jobs + 1;
	if (c->model_keys && c->model_keys[0]) {
		if (strlen(c->model_keys) >= sizeof(sc.model_keys))
			tool_fail("%s: --model keys too long (max %zu characters)",
				  c->cmd, sizeof(sc.model_keys) - 1);
		strcpy(sc.model_keys, c->model_keys);
	}
	if (c->extra_cmdline && c->extra_cmdline[0]) {
		size_t n = (sc.cmdline ? strlen(sc.cmdline) : 0) +
			   strlen(c->extra_cmdline) + 2;

		cmdline = malloc(n);
		if (!cmdline) {
			free(r);
			return -SMMUKIT_ENOMEM;
		}
		snprintf(cmdline, n, "%s %s", sc.cmdline ? sc.cmdline : "",
			 c->extra_cmdline);
		sc.cmdline = cmdline;
	}
	sc.wrap_platform = wrap;
	sc.wrap_arg = r;
	ret = tool_stack_create(&r->st, &sc);
	if (ret) {
		tool_vtime_destroy(r->vt);
		free(cmdline);
		free(r);
		return ret;
	}
	r->plat = r->st.lib_plat;
	ret = setup(r);
	if (!ret) {
		run_ns = (uint64_t)(c->seconds * NS_PER_S);
		if (!run_ns)
			run_ns = 1;
		start = smmukit_plat_clock_ns(r->plat);
		/* A tenth more first, unmeasured: queues fill, rings cycle. */
		r->t_measure = start + run_ns / 10;
		r->t_end = r->t_measure + run_ns;
		stats_now(r, &ms0, &ds0, &ns0);
		cpu0 = cpu_now();
		wall0 = wall_now();
		r->wall_start = r->wall_last_progress = wall0;
		ret = tool_vtime_run(r->vt, c->jobs, job_fn, r);
		res->host_wall_s = wall_now() - wall0;
		res->host_cpu = res->host_wall_s > 0 ?
					(cpu_now() - cpu0) / res->host_wall_s : 0;
		if (c->progress)
			fprintf(stderr, "\r%*s\r", 60, "");
		stats_now(r, &ms1, &ds1, &ns1);
		res->domain = smmukit_domain_type_name(tool_stack_domain_type(r->dev));
		res->cmds = ms1.cmds - ms0.cmds;
		res->syncs = ms1.syncs - ms0.syncs;
		res->tlbi = tlbi_count(&ms1) - tlbi_count(&ms0);
		res->flushes = ds1.fq_flushes - ds0.fq_flushes;
		{
			uint64_t h = ns1.iotlb_hits - ns0.iotlb_hits;
			uint64_t m = ns1.iotlb_misses - ns0.iotlb_misses;

			res->tlb_hit_rate = h + m ? (double)h / (double)(h + m) : 0;
		}
		summarise(r, res);
		{
			uint64_t sim = ns1.completed - ns0.completed;

			res->host_us_per_io = sim ? res->host_cpu * res->host_wall_s *
							    1e6 / (double)sim : 0;
		}
		for (unsigned i = 0; i < c->jobs; i++)
			if (r->jobs[i].first_err) {
				fprintf(stderr, "smmukit: %s: job %u: %s failed: %s\n",
					c->cmd, i, r->jobs[i].first_err_op,
					tool_errname(r->jobs[i].first_err));
				break;
			}
	}
	free_buffers(r);
	{
		int r2 = tool_stack_destroy(&r->st);

		if (!ret)
			ret = r2;
	}
	/* Idle by now, but relax() during the teardown still asked it. */
	smmukit_nvme_destroy(r->nvme);
	tool_vtime_destroy(r->vt);
	free(cmdline);
	free(r);
	return ret;
}

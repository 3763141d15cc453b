/* SPDX-License-Identifier: MIT */
/*
 * The NVMe-like device model (see smmukit/model_nvme.h): queues of PRP-style
 * commands, a namespace backed by host memory, a rate limit per direction
 * and a service time, every data transfer made through the SMMU model.
 *
 * Pending work is one min-heap of I/O events ordered by (time, sequence
 * number), so events due at the same time are performed in submission
 * order and a run is deterministic whatever thread polls.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "smmukit/model_nvme.h"

#define NS_PER_S UINT64_C(1000000000)
#define DEFAULT_NS_BYTES (UINT64_C(64) << 20)
/* The namespace is host memory: keep it to what a test host can back. */
#define MAX_NS_BYTES (UINT64_C(4) << 30)

enum io_state {
	IO_FREE,
	IO_STARTED,	/* waiting for its transfer (READ) or fetch (WRITE) */
	IO_XFERRED,	/* transfer done, waiting to complete */
};

struct nvme_io {
	enum io_state state;
	unsigned qid;
	uint8_t opcode;
	uint16_t cid;
	uint16_t status;
	unsigned dma_event;
	uint64_t slba;
	uint32_t nlb;
	unsigned nr_prps;
	uint64_t prp[SMMUKIT_NVME_MAX_PRPS];
	uint64_t submit_ns;
	uint64_t event_ns;	/* time of its next step */
	uint64_t seq;		/* tie-break: submission order */
	uint8_t *data;		/* staging buffer for the transfer */
};

struct nvme_queue {
	struct nvme_io *ios;	/* queue_depth slots */
	unsigned in_flight;	/* slots not free */
	struct smmukit_nvme_cpl *cq;	/* ring of queue_depth completions */
	unsigned cq_head, cq_count;
};

struct smmukit_nvme {
	struct smmukit_model *model;
	struct smmukit_platform *plat;
	struct smmukit_nvme_config cfg;
	/* Protects everything below; taken before the SMMU model's lock. */
	pthread_mutex_t lock;
	uint8_t *media;		/* nr_blocks * block_size bytes */
	uint64_t media_bytes;
	struct nvme_queue *queues;
	struct nvme_io **heap;	/* pending I/Os by (event_ns, seq) */
	unsigned heap_len, heap_cap;
	uint64_t busy_until[2];	/* per direction: 0 read, 1 write */
	uint64_t next_seq;
	struct smmukit_nvme_stats stats;
};

void smmukit_nvme_config_default(struct smmukit_nvme_config *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->block_size = 4096;
	cfg->nr_blocks = DEFAULT_NS_BYTES / 4096;
	cfg->nr_queues = 1;
	cfg->queue_depth = 32;
}

void smmukit_nvme_config_from_profile(struct smmukit_nvme_config *cfg,
				      const struct smmukit_model_profile *prof)
{
	if (!cfg || !prof)
		return;
	cfg->read_iops = prof->device_read_iops;
	cfg->write_iops = prof->device_write_iops;
	cfg->latency_ns = prof->device_latency_ns;
}

static uint64_t now_ns(struct smmukit_nvme *d)
{
	return smmukit_plat_clock_ns(d->plat);
}

/* ---- the event heap ---- */

static bool io_before(const struct nvme_io *a, const struct nvme_io *b)
{
	return a->event_ns < b->event_ns ||
	       (a->event_ns == b->event_ns && a->seq < b->seq);
}

static void heap_push(struct smmukit_nvme *d, struct nvme_io *io)
{
	unsigned i = d->heap_len++;

	while (i > 0) {
		unsigned parent = (i - 1) / 2;

		if (!io_before(io, d->heap[parent]))
			break;
		d->heap[i] = d->heap[parent];
		i = parent;
	}
	d->heap[i] = io;
}

static struct nvme_io *heap_pop(struct smmukit_nvme *d)
{
	struct nvme_io *top = d->heap[0], *last = d->heap[--d->heap_len];
	unsigned i = 0;

	for (;;) {
		unsigned c = 2 * i + 1;

		if (c >= d->heap_len)
			break;
		if (c + 1 < d->heap_len && io_before(d->heap[c + 1], d->heap[c]))
			c++;
		if (!io_before(d->heap[c], last))
			break;
		d->heap[i] = d->heap[c];
		i = c;
	}
	if (d->heap_len)
		d->heap[i] = last;
	return top;
}

/* ---- life cycle ---- */

static bool config_ok(const struct smmukit_nvme_config *c)
{
	uint64_t bs = c->block_size;

	if (bs < 512 || bs > 65536 || (bs & (bs - 1)))
		return false;
	if (!c->nr_blocks || c->nr_blocks > MAX_NS_BYTES / bs)
		return false;
	if (!c->nr_queues || c->nr_queues > SMMUKIT_NVME_MAX_QUEUES)
		return false;
	return c->queue_depth && c->queue_depth <= SMMUKIT_NVME_MAX_DEPTH;
}

void smmukit_nvme_destroy(struct smmukit_nvme *d)
{
	if (!d)
		return;
	if (d->queues) {
		for (unsigned q = 0; q < d->cfg.nr_queues; q++) {
			struct nvme_queue *nq = &d->queues[q];

			if (nq->ios)
				for (unsigned i = 0; i < d->cfg.queue_depth; i++)
					free(nq->ios[i].data);
			free(nq->ios);
			free(nq->cq);
		}
		free(d->queues);
	}
	free(d->heap);
	if (d->media)
		munmap(d->media, d->media_bytes);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

int smmukit_nvme_create(struct smmukit_model *m, struct smmukit_platform *plat,
			const struct smmukit_nvme_config *cfg,
			struct smmukit_nvme **out)
{
	struct smmukit_nvme *d;
	void *media;

	if (!m || !plat || !cfg || !out)
		return -SMMUKIT_EINVAL;
	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -SMMUKIT_ENOMEM;
	d->cfg = *cfg;
	if (!d->cfg.block_size)
		d->cfg.block_size = 4096;
	if (!d->cfg.nr_blocks)
		d->cfg.nr_blocks = DEFAULT_NS_BYTES / d->cfg.block_size;
	if (!config_ok(&d->cfg)) {
		free(d);
		return -SMMUKIT_EINVAL;
	}
	pthread_mutex_init(&d->lock, NULL);
	d->model = m;
	d->plat = plat;
	/* Untouched blocks cost nothing and read as zeros. */
	d->media_bytes = d->cfg.nr_blocks * d->cfg.block_size;
	media = mmap(NULL, d->media_bytes, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (media == MAP_FAILED)
		goto nomem;
	d->media = media;
	d->queues = calloc(d->cfg.nr_queues, sizeof(*d->queues));
	d->heap_cap = d->cfg.nr_queues * d->cfg.queue_depth;
	d->heap = calloc(d->heap_cap, sizeof(*d->heap));
	if (!d->queues || !d->heap)
		goto nomem;
	for (unsigned q = 0; q < d->cfg.nr_queues; q++) {
		struct nvme_queue *nq = &d->queues[q];

		nq->ios = calloc(d->cfg.queue_depth, sizeof(*nq->ios));
		nq->cq = calloc(d->cfg.queue_depth, sizeof(*nq->cq));
		if (!nq->ios || !nq->cq)
			goto nomem;
	}
	*out = d;
	return 0;
nomem:
	smmukit_nvme_destroy(d);
	return -SMMUKIT_ENOMEM;
}

/* ---- data transfer ---- */

/*
 * Move the I/O's data between the staging buffer and host memory through
 * the SMMU, one PRP entry at a time. is_write: the device writes memory
 * (a READ command). Returns the summed translation cost; a fault ends the
 * transfer with a data transfer error.
 */
static uint64_t transfer(struct smmukit_nvme *d, struct nvme_io *io,
			 bool dev_writes)
{
	uint64_t len = (uint64_t)io->nlb * d->cfg.block_size, done = 0, cost = 0;

	for (unsigned i = 0; i < io->nr_prps && done < len; i++) {
		uint64_t addr = io->prp[i];
		uint64_t chunk = SMMUKIT_NVME_PAGE_SIZE -
				 (addr & (SMMUKIT_NVME_PAGE_SIZE - 1));
		struct smmukit_model_dma_result res;
		int ret;

		if (chunk > len - done)
			chunk = len - done;
		memset(&res, 0, sizeof(res));
		ret = smmukit_model_dma(d->model, d->cfg.sid,
					SMMUKIT_MODEL_NO_SSID, addr, chunk,
					dev_writes, io->data + done, &res);
		cost += res.cost_ns;
		d->stats.translation_ns += res.cost_ns;
		if (res.iotlb_hit)
			d->stats.iotlb_hits++;
		else
			d->stats.iotlb_misses++;
		if (ret) {
			io->status = SMMUKIT_NVME_SC_DATA_XFER_ERROR;
			io->dma_event = ret > 0 ? (unsigned)ret : 0;
			d->stats.dma_errors++;
			break;
		}
		done += chunk;
	}
	return cost;
}

static uint8_t *media_at(struct smmukit_nvme *d, uint64_t lba)
{
	return d->media + lba * d->cfg.block_size;
}

static void post(struct smmukit_nvme *d, struct nvme_io *io)
{
	struct nvme_queue *nq = &d->queues[io->qid];
	unsigned tail = (nq->cq_head + nq->cq_count) % d->cfg.queue_depth;
	uint64_t len = (uint64_t)io->nlb * d->cfg.block_size;

	nq->cq[tail] = (struct smmukit_nvme_cpl){
		.cid = io->cid,
		.status = io->status,
		.dma_event = io->dma_event,
		.submit_ns = io->submit_ns,
		.done_ns = io->event_ns,
	};
	nq->cq_count++;
	d->stats.completed++;
	if (io->status == SMMUKIT_NVME_SC_SUCCESS) {
		if (io->opcode == SMMUKIT_NVME_OP_READ)
			d->stats.bytes_read += len;
		else
			d->stats.bytes_written += len;
	}
	d->stats.in_flight--;
}

/* One step of an I/O whose time has come. */
static void step(struct smmukit_nvme *d, struct nvme_io *io)
{
	uint64_t len = (uint64_t)io->nlb * d->cfg.block_size;
	bool ok = io->status == SMMUKIT_NVME_SC_SUCCESS;

	if (io->state == IO_STARTED) {
		uint64_t cost = 0;

		if (ok && io->opcode == SMMUKIT_NVME_OP_WRITE) {
			/* Fetch the host data; it reaches the media at completion. */
			cost = transfer(d, io, false);
			io->event_ns += cost + d->cfg.latency_ns;
		} else if (ok) {
			memcpy(io->data, media_at(d, io->slba), len);
			cost = transfer(d, io, true);
			io->event_ns += cost;
		}
		io->state = IO_XFERRED;
		heap_push(d, io);
		return;
	}
	if (io->status == SMMUKIT_NVME_SC_SUCCESS &&
	    io->opcode == SMMUKIT_NVME_OP_WRITE)
		memcpy(media_at(d, io->slba), io->data, len);
	post(d, io);
	io->state = IO_FREE;
	free(io->data);
	io->data = NULL;
	d->queues[io->qid].in_flight--;
}

static void run_locked(struct smmukit_nvme *d, uint64_t now)
{
	while (d->heap_len && d->heap[0]->event_ns <= now)
		step(d, heap_pop(d));
}

void smmukit_nvme_run(struct smmukit_nvme *d)
{
	uint64_t now;

	if (!d)
		return;
	now = now_ns(d);
	pthread_mutex_lock(&d->lock);
	run_locked(d, now);
	pthread_mutex_unlock(&d->lock);
}

uint64_t smmukit_nvme_next_due_ns(struct smmukit_nvme *d)
{
	uint64_t t = UINT64_MAX;

	if (!d)
		return t;
	pthread_mutex_lock(&d->lock);
	if (d->heap_len)
		t = d->heap[0]->event_ns;
	pthread_mutex_unlock(&d->lock);
	return t;
}

uint64_t smmukit_nvme_queue_next_ns(struct smmukit_nvme *d, unsigned qid)
{
	uint64_t t = UINT64_MAX, now;
	struct nvme_queue *nq;

	if (!d || qid >= d->cfg.nr_queues)
		return t;
	now = now_ns(d);
	pthread_mutex_lock(&d->lock);
	run_locked(d, now);
	nq = &d->queues[qid];
	if (nq->cq_count)
		t = now;
	else
		for (unsigned i = 0; i < d->cfg.queue_depth; i++)
			if (nq->ios[i].state != IO_FREE &&
			    nq->ios[i].event_ns < t)
				t = nq->ios[i].event_ns;
	pthread_mutex_unlock(&d->lock);
	return t;
}

/* How long one I/O of len bytes holds its direction: the rate limit. */
static uint64_t interval_ns(uint64_t iops, uint64_t len)
{
	uint64_t pages = (len + SMMUKIT_NVME_PAGE_SIZE - 1) /
			 SMMUKIT_NVME_PAGE_SIZE;

	if (!iops)
		return 0;
	/* Rounded up: the device never runs faster than its rate. */
	return (pages * NS_PER_S + iops - 1) / iops;
}

static bool prps_ok(const struct smmukit_nvme_cmd *cmd, uint64_t len)
{
	uint64_t first = SMMUKIT_NVME_PAGE_SIZE -
			 (cmd->prp[0] & (SMMUKIT_NVME_PAGE_SIZE - 1));
	uint64_t need = 1;

	if (len > first)
		need += (len - first + SMMUKIT_NVME_PAGE_SIZE - 1) /
			SMMUKIT_NVME_PAGE_SIZE;
	if (cmd->nr_prps != need)
		return false;
	for (unsigned i = 1; i < cmd->nr_prps; i++)
		if (cmd->prp[i] & (SMMUKIT_NVME_PAGE_SIZE - 1))
			return false;
	return true;
}

int smmukit_nvme_submit(struct smmukit_nvme *d, unsigned qid,
			const struct smmukit_nvme_cmd *cmd)
{
	struct nvme_queue *nq;
	struct nvme_io *io = NULL;
	uint64_t now, len, start;
	unsigned dir;

	if (!d || !cmd || qid >= d->cfg.nr_queues || !cmd->nlb ||
	    !cmd->nr_prps || cmd->nr_prps > SMMUKIT_NVME_MAX_PRPS || !cmd->prp ||
	    (cmd->opcode != SMMUKIT_NVME_OP_READ &&
	     cmd->opcode != SMMUKIT_NVME_OP_WRITE))
		return -SMMUKIT_EINVAL;
	len = (uint64_t)cmd->nlb * d->cfg.block_size;
	if (len > (uint64_t)(SMMUKIT_NVME_MAX_PRPS - 1) * SMMUKIT_NVME_PAGE_SIZE ||
	    !prps_ok(cmd, len))
		return -SMMUKIT_EINVAL;
	now = now_ns(d);
	pthread_mutex_lock(&d->lock);
	run_locked(d, now);
	nq = &d->queues[qid];
	/* A completion not yet polled still holds its queue entry. */
	if (nq->in_flight + nq->cq_count >= d->cfg.queue_depth) {
		pthread_mutex_unlock(&d->lock);
		return -SMMUKIT_EBUSY;
	}
	for (unsigned i = 0; i < d->cfg.queue_depth; i++)
		if (nq->ios[i].state == IO_FREE) {
			io = &nq->ios[i];
			break;
		}
	io->data = malloc(len);
	if (!io->data) {
		pthread_mutex_unlock(&d->lock);
		return -SMMUKIT_ENOMEM;
	}
	io->qid = qid;
	io->opcode = cmd->opcode;
	io->cid = cmd->cid;
	io->status = SMMUKIT_NVME_SC_SUCCESS;
	io->dma_event = 0;
	io->slba = cmd->slba;
	io->nlb = cmd->nlb;
	io->nr_prps = cmd->nr_prps;
	memcpy(io->prp, cmd->prp, cmd->nr_prps * sizeof(uint64_t));
	io->submit_ns = now;
	io->seq = d->next_seq++;
	if (cmd->slba >= d->cfg.nr_blocks ||
	    cmd->nlb > d->cfg.nr_blocks - cmd->slba)
		io->status = SMMUKIT_NVME_SC_LBA_RANGE;
	dir = cmd->opcode == SMMUKIT_NVME_OP_WRITE;
	start = now > d->busy_until[dir] ? now : d->busy_until[dir];
	d->busy_until[dir] = start +
			     interval_ns(dir ? d->cfg.write_iops : d->cfg.read_iops,
					 len);
	/* A WRITE fetches its data at its start; a READ after its service. */
	io->event_ns = dir ? start : start + d->cfg.latency_ns;
	io->state = IO_STARTED;
	nq->in_flight++;
	heap_push(d, io);
	d->stats.submitted++;
	d->stats.in_flight++;
	if (dir)
		d->stats.writes++;
	else
		d->stats.reads++;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

int smmukit_nvme_poll(struct smmukit_nvme *d, unsigned qid,
		      struct smmukit_nvme_cpl *out, unsigned max)
{
	struct nvme_queue *nq;
	uint64_t now;
	unsigned n = 0;

	if (!d || qid >= d->cfg.nr_queues || (max && !out))
		return -SMMUKIT_EINVAL;
	now = now_ns(d);
	pthread_mutex_lock(&d->lock);
	run_locked(d, now);
	nq = &d->queues[qid];
	while (n < max && nq->cq_count) {
		out[n++] = nq->cq[nq->cq_head];
		nq->cq_head = (nq->cq_head + 1) % d->cfg.queue_depth;
		nq->cq_count--;
	}
	pthread_mutex_unlock(&d->lock);
	return (int)n;
}

int smmukit_nvme_get_stats(struct smmukit_nvme *d,
			   struct smmukit_nvme_stats *out)
{
	if (!d || !out)
		return -SMMUKIT_EINVAL;
	pthread_mutex_lock(&d->lock);
	*out = d->stats;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

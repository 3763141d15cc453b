/* SPDX-License-Identifier: MIT */
/*
 * The whole stack for a subcommand (see tool_stack.h): platform, model,
 * driver, IOMMU core, DMA layer and the unmap observer, built in that order
 * and torn down in the reverse one.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"
#include "tool_stack.h"

void tool_stack_config_init(struct tool_stack_config *cfg, const char *cmd)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cmd = cmd;
	cfg->log_level = SMMUKIT_LOG_INFO;
	cfg->profile = "zero";
	cfg->cmdline = tool_globals.cmdline;
}

/* Repeated --model options add keys: join them with ','. */
static void add_model_keys(struct tool_stack_config *cfg, const char *keys)
{
	size_t have = strlen(cfg->model_keys), add = strlen(keys);

	if (!add)
		return;
	if (have + (have ? 1 : 0) + add >= sizeof(cfg->model_keys))
		tool_fail("%s: --model keys longer than %zu characters in all",
			  cfg->cmd, sizeof(cfg->model_keys) - 1);
	if (have)
		cfg->model_keys[have++] = ',';
	memcpy(cfg->model_keys + have, keys, add + 1);
}

bool tool_stack_parse_arg(struct tool_stack_config *cfg, int argc,
			  char **argv, int *i)
{
	const char *a = argv[*i];

	if (!strcmp(a, "--model") || !strcmp(a, "--profile")) {
		if (*i + 1 >= argc)
			tool_fail("%s: %s needs a value", cfg->cmd, a);
		if (a[2] == 'm')
			add_model_keys(cfg, argv[*i + 1]);
		else
			cfg->profile = argv[*i + 1];
		*i += 1;
		return true;
	}
	if (!strncmp(a, "--model=", 8)) {
		add_model_keys(cfg, a + 8);
		return true;
	}
	if (!strncmp(a, "--profile=", 10)) {
		cfg->profile = a + 10;
		return true;
	}
	return false;
}

void tool_stack_usage(FILE *f)
{
	fprintf(f,
		"Stack options (--opt VALUE or --opt=VALUE):\n"
		"  --model KEYS        model features, KEY=VAL,... (repeat to add; below)\n"
		"  --profile NAME|PATH model timing profile: 'zero' (default), a name\n"
		"                      in %s ($SMMUKIT_PROFILE_DIR), or a path\n"
		"  smmukit --cmdline \"...\" (or $SMMUKIT_CMDLINE): iommu.strict=0|1,\n"
		"                      iommu.non_strict=0|1, iommu.passthrough=0|1,\n"
		"                      iommu.fq_mode=percpu|single, iommu.fq_size=N,\n"
		"                      iommu.fq_timeout_ms=N, smmu.KEY=V,\n"
		"                      model.PROFILE_KEY=V (smmukit options lists them)\n",
		tool_profile_dir());
	tool_model_keys_usage(f);
}

/* Input errors exit 2 here, before anything is built. */
static void configure(struct tool_stack *st)
{
	const char *cmd = st->cfg.cmd;
	char err[256];

	smmukit_model_config_default(&st->model_cfg);
	if (st->cfg.model_keys[0] &&
	    smmukit_model_config_parse(&st->model_cfg, st->cfg.model_keys, err,
				       sizeof(err)))
		tool_fail("%s: %s", cmd, err);
	if (st->cfg.checking)
		st->model_cfg.checking = true;
	if (smmukit_model_profile_load(&st->profile,
				       st->cfg.profile ? st->cfg.profile : "zero",
				       tool_profile_dir(), err, sizeof(err)))
		tool_fail("%s: %s", cmd, err);
	smmukit_iommu_options_default(&st->iommu_opts);
	memset(&st->smmu_cfg, 0, sizeof(st->smmu_cfg));
	/* "iommu.", "smmu." and "model." keys, all or nothing; exits 2. */
	tool_options_apply(cmd, st->cfg.cmdline,
			   &(struct tool_option_targets){
				   .iommu = &st->iommu_opts,
				   .smmu = &st->smmu_cfg,
				   .model = &st->profile,
			   });
}

static void on_event(void *arg, const struct smmukit_smmu_event *ev)
{
	struct tool_stack *st = arg;

	st->events++;
	if (st->cfg.event_handler)
		st->cfg.event_handler(st->cfg.event_arg, ev);
}

/*
 * The unmap observer runs on the unmapping thread, possibly with the core's
 * locks held: it must not call back into the core, so it matches the
 * domain against the devices' cached domains (tool_stack_refresh).
 */
static const struct tool_stack_dev *dev_of(const struct tool_stack *st,
					   const struct smmukit_domain *dom)
{
	for (unsigned i = 0; i < st->nr_devs; i++)
		if (st->devs[i].cur_dom == dom || st->devs[i].def_dom == dom)
			return &st->devs[i];
	return NULL;
}

/* Was this begin refused by the model? Then its end must not be told. */
static bool take_refused(struct tool_stack *st, uint32_t sid, uint64_t iova,
			 uint64_t size)
{
	bool found = false;

	pthread_mutex_lock(&st->notes_lock);
	for (unsigned i = 0; i < st->nr_refused; i++) {
		struct tool_stack_range *r = &st->refused[i];

		if (r->sid == sid && r->iova == iova && r->size == size) {
			*r = st->refused[--st->nr_refused];
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&st->notes_lock);
	return found;
}

static void note_refused(struct tool_stack *st, uint32_t sid, uint64_t iova,
			 uint64_t size)
{
	pthread_mutex_lock(&st->notes_lock);
	st->unmap_note_errors++;
	if (st->nr_refused < TOOL_STACK_MAX_REFUSED)
		st->refused[st->nr_refused++] =
			(struct tool_stack_range){ sid, iova, size };
	pthread_mutex_unlock(&st->notes_lock);
}

/*
 * The model's checker counts an access as stale only once the unmap that
 * covers it has returned: tell it when each unmap starts and ends, naming
 * the first SID of a device on that domain. A begin the model refuses (the
 * SID does not translate, e.g. identity; too many ranges in flight) is not
 * ended.
 */
static void note_unmap(struct tool_stack *st, struct smmukit_domain *dom,
		       uint64_t iova, uint64_t size, bool returned)
{
	const struct tool_stack_dev *d = dev_of(st, dom);

	pthread_mutex_lock(&st->notes_lock);
	st->unmap_notes++;
	pthread_mutex_unlock(&st->notes_lock);
	if (!d)
		return;
	if (!returned) {
		if (smmukit_model_unmap_begin(st->model, d->sid, iova, size))
			note_refused(st, d->sid, iova, size);
	} else if (!take_refused(st, d->sid, iova, size)) {
		smmukit_model_unmap_end(st->model, d->sid, iova, size);
	}
}

static void obs_begin(void *arg, struct smmukit_domain *dom, uint64_t iova,
		      uint64_t size)
{
	note_unmap(arg, dom, iova, size, false);
}

static void obs_end(void *arg, struct smmukit_domain *dom, uint64_t iova,
		    uint64_t size)
{
	note_unmap(arg, dom, iova, size, true);
}

/* Unwind what build() made, newest first; NULL members are skipped. */
static int teardown(struct tool_stack *st)
{
	int ret = 0, r;

	if (st->iommu)
		smmukit_iommu_set_unmap_observer(st->iommu, NULL);
	smmukit_dma_destroy(st->dma);
	st->dma = NULL;
	r = smmukit_iommu_destroy(st->iommu);
	if (r) {
		fprintf(stderr, "smmukit: %s: IOMMU core teardown: %s\n",
			st->cfg.cmd, tool_errname(r));
		ret = ret ? ret : r;
	}
	st->iommu = NULL;
	if (st->smmu)
		smmukit_smmu_destroy(st->smmu);
	st->smmu = NULL;
	smmukit_model_destroy(st->model);
	st->model = NULL;
	if (st->plat) {
		struct smmukit_posix_stats ps;

		/* Everything above gave its memory back, or it is a leak. */
		smmukit_posix_get_stats(st->plat, &ps);
		if (ps.pages_in_use || ps.zallocs_in_use) {
			fprintf(stderr, "smmukit: %s: leak: %llu pages and %llu bytes still allocated at teardown\n",
				st->cfg.cmd, (unsigned long long)ps.pages_in_use,
				(unsigned long long)ps.zallocs_in_use);
			ret = ret ? ret : -SMMUKIT_EBUSY;
		}
		smmukit_posix_destroy(st->plat);
	}
	st->plat = NULL;
	return ret;
}

static int build(struct tool_stack *st)
{
	struct smmukit_posix_config pc = {
		.manual_clock = !st->cfg.real_clock,
		.polled_timers = !st->cfg.real_clock,
		.nr_cpus = st->cfg.nr_cpus,
		.mem_size = st->cfg.mem_size,
		.log_level = st->cfg.log_level,
	};
	struct smmukit_iommu_config ic = { 0 };
	struct smmukit_unmap_observer obs = { obs_begin, obs_end, st };
	const char *what;
	int ret;

	what = "platform";
	ret = smmukit_posix_create(&pc, &st->plat);
	if (ret)
		goto fail;
	/* One thread on one CPU: per-CPU state, hence every IOVA, repeats. */
	smmukit_posix_set_cpu(st->plat, 0);
	what = "model (check the --model keys)";
	ret = smmukit_model_create(st->plat, &st->model_cfg, &st->profile,
				   &st->model);
	if (ret)
		goto fail;
	st->lib_plat = st->plat;
	if (st->cfg.wrap_platform) {
		what = "platform view";
		st->lib_plat = st->cfg.wrap_platform(st->cfg.wrap_arg, st->plat,
						     st->model);
		ret = -SMMUKIT_ENOMEM;
		if (!st->lib_plat)
			goto fail;
	}
	st->smmu_cfg.platform = st->lib_plat;
	st->smmu_cfg.mmio = smmukit_model_mmio(st->model);
	st->smmu_cfg.event_handler = on_event;
	st->smmu_cfg.event_arg = st;
	what = "SMMUv3 driver probe";
	ret = smmukit_smmu_probe(&st->smmu_cfg, &st->smmu);
	if (ret)
		goto fail;
	ic.platform = st->lib_plat;
	ic.drv = smmukit_smmu_iommu(st->smmu);
	ic.options = &st->iommu_opts;
	what = "IOMMU core";
	ret = smmukit_iommu_create(&ic, &st->iommu);
	if (ret)
		goto fail;
	what = "DMA layer";
	ret = smmukit_dma_create(st->iommu, &st->dma);
	if (ret)
		goto fail;
	smmukit_iommu_set_unmap_observer(st->iommu, &obs);
	return 0;
fail:
	fprintf(stderr, "smmukit: %s: %s: %s\n", st->cfg.cmd, what,
		tool_errname(ret));
	teardown(st);
	return ret;
}

int tool_stack_create(struct tool_stack *st, const struct tool_stack_config *cfg)
{
	int ret;

	memset(st, 0, sizeof(*st));
	st->cfg = *cfg;
	pthread_mutex_init(&st->notes_lock, NULL);
	if (!st->cfg.cmd)
		st->cfg.cmd = "stack";
	configure(st);
	ret = build(st);
	if (ret)
		pthread_mutex_destroy(&st->notes_lock);
	return ret;
}

void tool_stack_refresh(struct tool_stack_dev *d)
{
	d->cur_dom = smmukit_device_domain(d->dev);
	d->def_dom = smmukit_device_default_domain(d->dev);
}

int tool_stack_destroy(struct tool_stack *st)
{
	int ret = 0, r;

	for (unsigned i = st->nr_devs; i-- > 0;) {
		struct tool_stack_dev *d = &st->devs[i];

		if (d->user_dom) {
			r = smmukit_iommu_detach_group(d->user_dom, d->dev);
			if (!r)
				r = smmukit_iommu_domain_free(d->user_dom);
			if (r) {
				fprintf(stderr, "smmukit: %s: %s: freeing its user domain: %s\n",
					st->cfg.cmd, d->name, tool_errname(r));
				ret = ret ? ret : r;
			}
			d->user_dom = NULL;
		}
		r = smmukit_iommu_release_device(d->dev);
		if (r) {
			fprintf(stderr, "smmukit: %s: releasing %s: %s\n",
				st->cfg.cmd, d->name, tool_errname(r));
			ret = ret ? ret : r;
		}
	}
	st->nr_devs = 0;
	r = teardown(st);
	pthread_mutex_destroy(&st->notes_lock);
	return ret ? ret : r;
}

struct tool_stack_dev *tool_stack_find(struct tool_stack *st, const char *name)
{
	for (unsigned i = 0; i < st->nr_devs; i++)
		if (!strcmp(st->devs[i].name, name))
			return &st->devs[i];
	return NULL;
}

int tool_stack_add_device(struct tool_stack *st, const char *name,
			  const uint32_t *sids, unsigned nr_sids,
			  bool untrusted, struct tool_stack_dev **out)
{
	struct smmukit_device_config dc = {
		.name = name,
		.sids = sids,
		.nr_sids = nr_sids,
		.untrusted = untrusted,
	};
	struct tool_stack_dev *d;
	int ret;

	if (!name || strlen(name) >= SMMUKIT_DEVICE_NAME_MAX || !sids ||
	    !nr_sids)
		return -SMMUKIT_EINVAL;
	if (tool_stack_find(st, name))
		return -SMMUKIT_EEXIST;
	if (st->nr_devs == TOOL_STACK_MAX_DEVICES)
		return -SMMUKIT_ENOSPC;
	/* As a probe does: the streams exist before anything attaches them. */
	for (unsigned i = 0; i < nr_sids; i++) {
		ret = smmukit_smmu_init_stream(st->smmu, sids[i]);
		if (ret)
			return ret;
	}
	d = &st->devs[st->nr_devs];
	memset(d, 0, sizeof(*d));
	ret = smmukit_iommu_probe_device(st->iommu, &dc, &d->dev);
	if (ret)
		return ret;
	strcpy(d->name, name);
	d->sid = sids[0];
	tool_stack_refresh(d);
	st->nr_devs++;
	if (out)
		*out = d;
	return 0;
}

struct smmukit_domain *tool_stack_domain(const struct tool_stack_dev *d)
{
	return smmukit_device_domain(d->dev);
}

enum smmukit_domain_type tool_stack_domain_type(const struct tool_stack_dev *d)
{
	struct smmukit_domain *dom = smmukit_device_domain(d->dev);

	/* A group on no domain at all can do no DMA: that is "blocked". */
	return dom ? smmukit_domain_get_type(dom) : SMMUKIT_DOMAIN_BLOCKED;
}

static int to_user_domain(struct tool_stack *st, struct tool_stack_dev *d)
{
	struct smmukit_domain *dom;
	int ret;

	if (d->user_dom)
		return 0;
	ret = smmukit_iommu_domain_alloc(st->iommu, SMMUKIT_DOMAIN_UNMANAGED,
					 &dom);
	if (ret)
		return ret;
	ret = smmukit_iommu_attach_group(dom, d->dev);
	if (ret) {
		smmukit_iommu_domain_free(dom);
		return ret;
	}
	d->user_dom = dom;
	return 0;
}

int tool_stack_set_domain(struct tool_stack *st, struct tool_stack_dev *d,
			  enum smmukit_domain_type type, bool user_idle)
{
	int ret;

	if (type == SMMUKIT_DOMAIN_UNMANAGED) {
		ret = to_user_domain(st, d);
		tool_stack_refresh(d);
		return ret;
	}
	if (d->user_dom) {
		if (!user_idle)
			return -SMMUKIT_EBUSY;
		ret = smmukit_iommu_detach_group(d->user_dom, d->dev);
		if (ret)
			return ret;
		ret = smmukit_iommu_domain_free(d->user_dom);
		d->user_dom = NULL;
		tool_stack_refresh(d);
		if (ret)
			return ret;
	}
	ret = smmukit_iommu_set_default_domain_type(d->dev, type);
	tool_stack_refresh(d);
	return ret;
}

void tool_stack_advance(struct tool_stack *st, uint64_t ns)
{
	smmukit_posix_clock_advance(st->plat, ns);
	smmukit_plat_timer_poll(st->plat);
}

void tool_stack_drain_events(struct tool_stack *st)
{
	smmukit_smmu_handle_evtq_irq(st->smmu);
}

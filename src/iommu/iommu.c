/* SPDX-License-Identifier: MIT */
/*
 * The IOMMU core: instances, devices, groups, domains and the policy that
 * decides who may be lazy. The map/unmap paths are in iommu_map.c.
 *
 * Every configuration change runs under the instance's cfg_lock; the map
 * and unmap paths never take it: they read the few fields that can change
 * under them (a domain's type and fq_allowed, a group's domain pointers)
 * with atomics.
 */
#include "iommu_internal.h"

static const struct {
	enum smmukit_domain_type type;
	const char *name;
} type_names[] = {
	{ SMMUKIT_DOMAIN_BLOCKED, "blocked" },
	{ SMMUKIT_DOMAIN_IDENTITY, "identity" },
	{ SMMUKIT_DOMAIN_UNMANAGED, "unmanaged" },
	{ SMMUKIT_DOMAIN_DMA, "DMA" },
	{ SMMUKIT_DOMAIN_DMA_FQ, "DMA-FQ" },
};

const char *smmukit_domain_type_name(enum smmukit_domain_type t)
{
	for (size_t i = 0; i < SMMUKIT_ARRAY_SIZE(type_names); i++)
		if (type_names[i].type == t)
			return type_names[i].name;
	return "?";
}

/* The core is freestanding: no strlen. */
static size_t str_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

int smmukit_domain_type_parse(const char *name, enum smmukit_domain_type *out)
{
	if (!name || !out)
		return -SMMUKIT_EINVAL;
	for (size_t i = 0; i < SMMUKIT_ARRAY_SIZE(type_names); i++) {
		if (str_eq(name, type_names[i].name)) {
			*out = type_names[i].type;
			return 0;
		}
	}
	return -SMMUKIT_EINVAL;
}

/* ---- instance ---- */

static void log_policy(struct smmukit_iommu *iommu)
{
	const struct smmukit_iommu_options *o = &iommu->opts;
	static const char via[] = " (set via kernel command line)";

	smmukit_info(iommu->plat, "Default domain type: %s%s",
		     o->passthrough ? "Passthrough" : "Translated",
		     o->passthrough_given ? via : "");
	if (!o->passthrough)
		smmukit_info(iommu->plat,
			     "DMA domain TLB invalidation policy: %s mode%s",
			     o->strict ? "strict" : "lazy",
			     o->strict_given ? via : "");
}

int smmukit_iommu_create(const struct smmukit_iommu_config *cfg,
			 struct smmukit_iommu **out)
{
	struct smmukit_iommu *iommu;

	if (!cfg || !out || !cfg->platform || !cfg->drv || !cfg->drv->ops)
		return -SMMUKIT_EINVAL;
	iommu = smmukit_plat_zalloc(cfg->platform, sizeof(*iommu));
	if (!iommu)
		return -SMMUKIT_ENOMEM;
	iommu->plat = cfg->platform;
	iommu->drv = cfg->drv;
	if (cfg->options)
		iommu->opts = *cfg->options;
	else
		smmukit_iommu_options_default(&iommu->opts);
	smmukit_plat_lock_init(iommu->plat, &iommu->cfg_lock);
	atomic_init(&iommu->has_observer, false);
	log_policy(iommu);
	*out = iommu;
	return 0;
}

int smmukit_iommu_destroy(struct smmukit_iommu *iommu)
{
	if (!iommu)
		return 0;
	if (iommu->devices || iommu->user_domains)
		return -SMMUKIT_EBUSY;
	smmukit_plat_lock_destroy(iommu->plat, &iommu->cfg_lock);
	smmukit_plat_free(iommu->plat, iommu, sizeof(*iommu));
	return 0;
}

int smmukit_iommu_set_dma_ops(struct smmukit_iommu *iommu,
			      const struct smmukit_iommu_dma_ops *ops,
			      void *arg)
{
	int ret = 0;

	if (!iommu || (ops && (!ops->cookie_init || !ops->init_fq ||
			       !ops->busy || !ops->cookie_free)))
		return -SMMUKIT_EINVAL;
	smmukit_plat_lock(iommu->plat, &iommu->cfg_lock);
	if (iommu->devices)
		ret = -SMMUKIT_EBUSY;
	else {
		iommu->dma_ops = ops;
		iommu->dma_arg = arg;
	}
	smmukit_plat_unlock(iommu->plat, &iommu->cfg_lock);
	return ret;
}

void smmukit_iommu_set_unmap_observer(struct smmukit_iommu *iommu,
				      const struct smmukit_unmap_observer *obs)
{
	if (!iommu)
		return;
	atomic_store_explicit(&iommu->has_observer, false, memory_order_release);
	if (obs && (obs->unmap_begin || obs->unmap_end)) {
		iommu->observer = *obs;
		atomic_store_explicit(&iommu->has_observer, true,
				      memory_order_release);
	}
}

struct smmukit_platform *smmukit_iommu_platform(const struct smmukit_iommu *iommu)
{
	return iommu ? iommu->plat : NULL;
}

const struct smmukit_iommu_options *smmukit_iommu_get_options(const struct smmukit_iommu *iommu)
{
	return iommu ? &iommu->opts : NULL;
}

enum smmukit_domain_type smmukit_iommu_default_type(const struct smmukit_iommu *iommu)
{
	if (!iommu)
		return SMMUKIT_DOMAIN_BLOCKED;
	if (iommu->opts.passthrough)
		return SMMUKIT_DOMAIN_IDENTITY;
	return iommu->opts.strict ? SMMUKIT_DOMAIN_DMA : SMMUKIT_DOMAIN_DMA_FQ;
}

/* ---- domains ---- */

static enum smmukit_iommu_drv_domain_kind hw_kind(enum smmukit_domain_type t)
{
	if (smmukit_domain_type_is_paging(t))
		return SMMUKIT_IOMMU_DRV_DOMAIN_PAGING;
	if (t == SMMUKIT_DOMAIN_IDENTITY)
		return SMMUKIT_IOMMU_DRV_DOMAIN_IDENTITY;
	return SMMUKIT_IOMMU_DRV_DOMAIN_BLOCKED;
}

static bool can_defer_flush(struct smmukit_iommu *iommu)
{
	return iommu->dma_ops &&
	       smmukit_iommu_drv_capable(iommu->drv,
					 SMMUKIT_IOMMU_DRV_CAP_DEFERRED_FLUSH);
}

static void domain_destroy(struct smmukit_domain *dom)
{
	struct smmukit_iommu *iommu = dom->iommu;

	if (dom->dma_cookie && iommu->dma_ops)
		iommu->dma_ops->cookie_free(iommu->dma_arg, dom);
	if (dom->hw)
		smmukit_iommu_drv_domain_free(dom->hw);
	smmukit_plat_free(iommu->plat, dom, sizeof(*dom));
}

/*
 * A new domain of type (DMA-FQ already checked against the policy). A
 * DMA-FQ domain whose flush queue cannot be built becomes DMA, as Linux
 * does; any other failure is an error. Called under cfg_lock.
 */
static int domain_create(struct smmukit_iommu *iommu,
			 enum smmukit_domain_type type, bool is_default,
			 struct smmukit_domain **out)
{
	struct smmukit_iommu_drv_domain_cfg cfg = { 0 };
	struct smmukit_domain *dom;
	bool fq_failed = false;
	int ret;

	if (smmukit_domain_type_is_lazy(type) && !can_defer_flush(iommu))
		type = SMMUKIT_DOMAIN_DMA;
	dom = smmukit_plat_zalloc(iommu->plat, sizeof(*dom));
	if (!dom)
		return -SMMUKIT_ENOMEM;
	dom->iommu = iommu;
	dom->is_default = is_default;
	cfg.kind = hw_kind(type);
	ret = smmukit_iommu_drv_domain_alloc(iommu->drv, &cfg, &dom->hw);
	if (ret) {
		dom->hw = NULL;
		goto fail;
	}
	atomic_init(&dom->fq_allowed, smmukit_domain_type_is_lazy(type));
	atomic_init(&dom->type, (unsigned)type);
	/*
	 * An identity default domain gets a cookie too: the DMA layer counts
	 * the addresses it hands out through it, so that a type change cannot
	 * pull the domain from under them (domain_busy).
	 */
	if ((smmukit_domain_type_is_dma_api(type) ||
	     (is_default && type == SMMUKIT_DOMAIN_IDENTITY)) && iommu->dma_ops) {
		ret = iommu->dma_ops->cookie_init(iommu->dma_arg, dom,
						  &fq_failed);
		if (ret && fq_failed && smmukit_domain_type_is_lazy(type)) {
			smmukit_warn(iommu->plat,
				     "iommu: flush queue allocation failed, domain stays strict");
			atomic_store(&dom->fq_allowed, false);
			atomic_store(&dom->type, (unsigned)SMMUKIT_DOMAIN_DMA);
			ret = 0;
		}
		if (ret)
			goto fail;
	}
	*out = dom;
	return 0;
fail:
	domain_destroy(dom);
	return ret;
}

enum smmukit_domain_type smmukit_domain_get_type(const struct smmukit_domain *dom)
{
	if (!dom)
		return SMMUKIT_DOMAIN_BLOCKED;
	return (enum smmukit_domain_type)atomic_load_explicit(
		&((struct smmukit_domain *)dom)->type, memory_order_acquire);
}

struct smmukit_iommu *smmukit_domain_iommu(const struct smmukit_domain *dom)
{
	return dom ? dom->iommu : NULL;
}

uint64_t smmukit_domain_pgsize_bitmap(const struct smmukit_domain *dom)
{
	return dom && dom->hw ? dom->hw->pgsize_bitmap : 0;
}

uint64_t smmukit_domain_granule(const struct smmukit_domain *dom)
{
	return dom && dom->hw ? dom->hw->granule : 0;
}

unsigned smmukit_domain_ias(const struct smmukit_domain *dom)
{
	return dom && dom->hw ? dom->hw->ias : 0;
}

void *smmukit_domain_dma_cookie(const struct smmukit_domain *dom)
{
	return dom ? dom->dma_cookie : NULL;
}

void smmukit_domain_set_dma_cookie(struct smmukit_domain *dom, void *cookie)
{
	if (dom)
		dom->dma_cookie = cookie;
}

bool smmukit_domain_attached(const struct smmukit_domain *dom)
{
	return dom && dom->attached > 0;
}

/* ---- groups: attaching a whole group to a domain ---- */

static void group_detach_hw(struct smmukit_group *g, struct smmukit_domain *dom,
			    struct smmukit_device *upto)
{
	for (struct smmukit_device *d = g->devices; d && d != upto;
	     d = d->group_next)
		smmukit_iommu_drv_detach_dev(dom->hw, &d->drv_dev);
}

static int group_attach_hw(struct smmukit_group *g, struct smmukit_domain *dom)
{
	for (struct smmukit_device *d = g->devices; d; d = d->group_next) {
		int ret = smmukit_iommu_drv_attach_dev(dom->hw, &d->drv_dev);

		if (ret) {
			group_detach_hw(g, dom, d);
			return ret;
		}
	}
	return 0;
}

/*
 * Move a group from its current domain to dom: detach everything, then
 * attach (break before make: the driver refuses a stream attached
 * elsewhere). On failure the group is put back where it was.
 */
static int group_switch(struct smmukit_group *g, struct smmukit_domain *dom)
{
	struct smmukit_domain *old = atomic_load(&g->domain);
	int ret;

	if (old == dom)
		return 0;
	if (old) {
		group_detach_hw(g, old, NULL);
		old->attached--;
	}
	ret = group_attach_hw(g, dom);
	if (ret) {
		if (old && group_attach_hw(g, old) == 0)
			old->attached++;
		else if (old)
			atomic_store(&g->domain, NULL);
		return ret;
	}
	dom->attached++;
	atomic_store_explicit(&g->domain, dom, memory_order_release);
	return 0;
}

static bool group_needs_strict(const struct smmukit_group *g,
			       const struct smmukit_device *extra)
{
#ifdef SMMUKIT_BROKEN_LAZY_UNTRUSTED
	return false;
#endif
	if (extra && (extra->untrusted || extra->no_deferred_flush))
		return true;
	for (const struct smmukit_device *d = g->devices; d; d = d->group_next)
		if (d->untrusted || d->no_deferred_flush)
			return true;
	return false;
}

static bool group_has_untrusted(const struct smmukit_group *g,
				const struct smmukit_device *extra)
{
#ifdef SMMUKIT_BROKEN_LAZY_UNTRUSTED
	/* Deliberately broken variant (invariant tests): trust everyone. */
	return false;
#endif
	if (extra && extra->untrusted)
		return true;
	for (const struct smmukit_device *d = g->devices; d; d = d->group_next)
		if (d->untrusted)
			return true;
	return false;
}

/*
 * The policy: what a default domain of the wanted type becomes for the
 * group (with extra about to join). Untrusted devices are never lazy and
 * never in passthrough (Linux forces them to DMA); a device that opts out
 * of deferred flushing is never lazy.
 */
static enum smmukit_domain_type policy_type(const struct smmukit_group *g,
					    const struct smmukit_device *extra,
					    enum smmukit_domain_type want)
{
	if (group_has_untrusted(g, extra) &&
	    (want == SMMUKIT_DOMAIN_IDENTITY || smmukit_domain_type_is_lazy(want)))
		return SMMUKIT_DOMAIN_DMA;
	if (smmukit_domain_type_is_lazy(want) && group_needs_strict(g, extra))
		return SMMUKIT_DOMAIN_DMA;
	return want;
}

static bool domain_busy(struct smmukit_domain *dom)
{
	struct smmukit_iommu *iommu = dom->iommu;

	return dom->dma_cookie && iommu->dma_ops &&
	       iommu->dma_ops->busy(iommu->dma_arg, dom);
}

/*
 * Replace the group's default domain with a new one of type. The group
 * must be on its default domain and that domain idle. Under cfg_lock.
 */
static int group_rebuild_default(struct smmukit_group *g,
				 enum smmukit_domain_type type)
{
	struct smmukit_domain *old = atomic_load(&g->default_domain);
	struct smmukit_domain *dom;
	int ret;

	ret = domain_create(g->iommu, type, true, &dom);
	if (ret)
		return ret;
	if (g->devices) {
		ret = group_switch(g, dom);
		if (ret) {
			domain_destroy(dom);
			return ret;
		}
	}
	atomic_store_explicit(&g->default_domain, dom, memory_order_release);
	if (old)
		domain_destroy(old);
	return 0;
}

/* ---- devices ---- */

static bool sid_in_use(struct smmukit_iommu *iommu, uint32_t sid)
{
	for (struct smmukit_device *d = iommu->devices; d; d = d->next)
		for (unsigned i = 0; i < d->nr_sids; i++)
			if (d->sids[i] == sid)
				return true;
	return false;
}

static int check_device_cfg(struct smmukit_iommu *iommu,
			    const struct smmukit_device_config *cfg)
{
	size_t len;

	if (!cfg->name || !cfg->sids || cfg->nr_sids == 0 ||
	    cfg->nr_sids > SMMUKIT_DEVICE_MAX_SIDS)
		return -SMMUKIT_EINVAL;
	len = str_len(cfg->name);
	if (len == 0 || len >= SMMUKIT_DEVICE_NAME_MAX)
		return -SMMUKIT_EINVAL;
	for (unsigned i = 0; i < cfg->nr_sids; i++) {
		if (sid_in_use(iommu, cfg->sids[i]))
			return -SMMUKIT_EINVAL;
		for (unsigned j = 0; j < i; j++)
			if (cfg->sids[j] == cfg->sids[i])
				return -SMMUKIT_EINVAL;
	}
	return 0;
}

static struct smmukit_group *find_group(struct smmukit_iommu *iommu,
					unsigned id)
{
	if (id == 0)
		return NULL;
	for (struct smmukit_group *g = iommu->groups; g; g = g->next)
		if (g->id == id)
			return g;
	return NULL;
}

static struct smmukit_group *group_new(struct smmukit_iommu *iommu,
				       unsigned id)
{
	struct smmukit_group *g = smmukit_plat_zalloc(iommu->plat, sizeof(*g));

	if (!g)
		return NULL;
	g->iommu = iommu;
	g->id = id;
	atomic_init(&g->default_domain, NULL);
	atomic_init(&g->domain, NULL);
	return g;
}

static void group_unlink(struct smmukit_iommu *iommu, struct smmukit_group *g)
{
	for (struct smmukit_group **pp = &iommu->groups; *pp; pp = &(*pp)->next) {
		if (*pp == g) {
			*pp = g->next;
			return;
		}
	}
}

/*
 * Make sure the group has a default domain fit for dev joining it: build
 * one for a new group; rebuild an idle one whose type the newcomer may not
 * share (an untrusted device joining a lazy or passthrough group).
 */
static int group_prepare_for(struct smmukit_group *g, struct smmukit_device *dev)
{
	struct smmukit_domain *cur = atomic_load(&g->default_domain);
	enum smmukit_domain_type want, cur_type;

	if (!cur) {
		int ret;

		want = policy_type(g, dev, smmukit_iommu_default_type(g->iommu));
		ret = domain_create(g->iommu, want, true, &cur);
		if (!ret)
			atomic_store_explicit(&g->default_domain, cur,
					      memory_order_release);
		return ret;
	}
	cur_type = smmukit_domain_get_type(cur);
	want = policy_type(g, dev, cur_type);
	if (want == cur_type)
		return 0;
	if (atomic_load(&g->domain) != cur || domain_busy(cur))
		return -SMMUKIT_EBUSY;
	return group_rebuild_default(g, want);
}

static void device_unlink(struct smmukit_iommu *iommu, struct smmukit_device *dev)
{
	struct smmukit_group *g = dev->group;

	for (struct smmukit_device **pp = &iommu->devices; *pp; pp = &(*pp)->next) {
		if (*pp == dev) {
			*pp = dev->next;
			break;
		}
	}
	for (struct smmukit_device **pp = &g->devices; *pp;
	     pp = &(*pp)->group_next) {
		if (*pp == dev) {
			*pp = dev->group_next;
			break;
		}
	}
	g->nr_devices--;
}

int smmukit_iommu_probe_device(struct smmukit_iommu *iommu,
			       const struct smmukit_device_config *cfg,
			       struct smmukit_device **out)
{
	struct smmukit_device *dev;
	struct smmukit_group *g;
	struct smmukit_domain *dom;
	bool new_group = false;
	int ret;

	if (!iommu || !cfg || !out)
		return -SMMUKIT_EINVAL;
	dev = smmukit_plat_zalloc(iommu->plat, sizeof(*dev));
	if (!dev)
		return -SMMUKIT_ENOMEM;
	smmukit_plat_lock(iommu->plat, &iommu->cfg_lock);
	ret = check_device_cfg(iommu, cfg);
	if (ret)
		goto fail_unlock;
	dev->iommu = iommu;
	for (size_t i = 0; cfg->name[i]; i++)
		dev->name[i] = cfg->name[i];	/* zalloc'd: NUL-terminated */
	for (unsigned i = 0; i < cfg->nr_sids; i++)
		dev->sids[i] = cfg->sids[i];
	dev->nr_sids = cfg->nr_sids;
	dev->untrusted = cfg->untrusted;
	dev->no_deferred_flush = cfg->no_deferred_flush;
	dev->drv_dev.sids = dev->sids;
	dev->drv_dev.nr_sids = dev->nr_sids;

	g = find_group(iommu, cfg->group_id);
	if (!g) {
		g = group_new(iommu, cfg->group_id);
		if (!g) {
			ret = -SMMUKIT_ENOMEM;
			goto fail_unlock;
		}
		new_group = true;
	}
	ret = group_prepare_for(g, dev);
	if (ret)
		goto fail_group;
	dom = atomic_load(&g->domain);
	if (!dom)
		dom = atomic_load(&g->default_domain);
	ret = smmukit_iommu_drv_attach_dev(dom->hw, &dev->drv_dev);
	if (ret)
		goto fail_group;
	if (!atomic_load(&g->domain)) {
		atomic_store_explicit(&g->domain, dom, memory_order_release);
		dom->attached++;
	}
	dev->group = g;
	dev->group_next = g->devices;
	g->devices = dev;
	g->nr_devices++;
	if (new_group) {
		g->next = iommu->groups;
		iommu->groups = g;
	}
	dev->next = iommu->devices;
	iommu->devices = dev;
	smmukit_plat_unlock(iommu->plat, &iommu->cfg_lock);
	*out = dev;
	return 0;

fail_group:
	if (new_group) {
		dom = atomic_load(&g->default_domain);
		if (dom)
			domain_destroy(dom);
		smmukit_plat_free(iommu->plat, g, sizeof(*g));
	}
fail_unlock:
	smmukit_plat_unlock(iommu->plat, &iommu->cfg_lock);
	smmukit_plat_free(iommu->plat, dev, sizeof(*dev));
	return ret;
}

int smmukit_iommu_release_device(struct smmukit_device *dev)
{
	struct smmukit_iommu *iommu;
	struct smmukit_group *g;
	struct smmukit_domain *def, *cur;
	int ret = 0;

	if (!dev)
		return -SMMUKIT_EINVAL;
	iommu = dev->iommu;
	g = dev->group;
	smmukit_plat_lock(iommu->plat, &iommu->cfg_lock);
	def = atomic_load(&g->default_domain);
	cur = atomic_load(&g->domain);
	if (cur != def || (g->nr_devices == 1 && domain_busy(def))) {
		ret = -SMMUKIT_EBUSY;
		goto out;
	}
	ret = smmukit_iommu_drv_detach_dev(cur->hw, &dev->drv_dev);
	if (ret)
		goto out;
	device_unlink(iommu, dev);
	if (g->nr_devices == 0) {
		cur->attached--;
		group_unlink(iommu, g);
		domain_destroy(def);
		smmukit_plat_free(iommu->plat, g, sizeof(*g));
	}
	smmukit_plat_free(iommu->plat, dev, sizeof(*dev));
out:
	smmukit_plat_unlock(iommu->plat, &iommu->cfg_lock);
	return ret;
}

const char *smmukit_device_name(const struct smmukit_device *dev)
{
	return dev ? dev->name : "";
}

bool smmukit_device_untrusted(const struct smmukit_device *dev)
{
	return dev && dev->untrusted;
}

unsigned smmukit_device_nr_sids(const struct smmukit_device *dev)
{
	return dev ? dev->nr_sids : 0;
}

uint32_t smmukit_device_sid(const struct smmukit_device *dev, unsigned i)
{
	return dev && i < dev->nr_sids ? dev->sids[i] : UINT32_MAX;
}

struct smmukit_group *smmukit_device_group(const struct smmukit_device *dev)
{
	return dev ? dev->group : NULL;
}

struct smmukit_iommu *smmukit_device_iommu(const struct smmukit_device *dev)
{
	return dev ? dev->iommu : NULL;
}

struct smmukit_domain *smmukit_device_domain(const struct smmukit_device *dev)
{
	return dev ? atomic_load_explicit(&dev->group->domain,
					  memory_order_acquire) : NULL;
}

struct smmukit_domain *smmukit_device_default_domain(const struct smmukit_device *dev)
{
	return dev ? atomic_load_explicit(&dev->group->default_domain,
					  memory_order_acquire) : NULL;
}

/*
 * DMA -> DMA-FQ on a live domain: allow queued gathers, build and publish
 * the flush queue, then flip the type. Unmaps racing with the change take
 * the strict path until they see the queue, which is harmless.
 */
static int upgrade_to_fq(struct smmukit_domain *dom)
{
	struct smmukit_iommu *iommu = dom->iommu;

	if (!can_defer_flush(iommu))
		return 0;	/* lazy cannot be honoured: stays DMA */
	atomic_store(&dom->fq_allowed, true);
	if (iommu->dma_ops->init_fq(iommu->dma_arg, dom)) {
		atomic_store(&dom->fq_allowed, false);
		smmukit_warn(iommu->plat,
			     "iommu: flush queue allocation failed, domain stays strict");
		return 0;
	}
	atomic_store_explicit(&dom->type, (unsigned)SMMUKIT_DOMAIN_DMA_FQ,
			      memory_order_release);
	return 0;
}

int smmukit_iommu_set_default_domain_type(struct smmukit_device *dev,
					  enum smmukit_domain_type type)
{
	struct smmukit_iommu *iommu;
	struct smmukit_group *g;
	struct smmukit_domain *def;
	enum smmukit_domain_type cur, want;
	int ret;

	if (!dev)
		return -SMMUKIT_EINVAL;
	if (type != SMMUKIT_DOMAIN_BLOCKED && type != SMMUKIT_DOMAIN_IDENTITY &&
	    type != SMMUKIT_DOMAIN_DMA && type != SMMUKIT_DOMAIN_DMA_FQ)
		return -SMMUKIT_EINVAL;
	iommu = dev->iommu;
	g = dev->group;
	smmukit_plat_lock(iommu->plat, &iommu->cfg_lock);
	def = atomic_load(&g->default_domain);
	cur = smmukit_domain_get_type(def);
	if (smmukit_domain_type_is_lazy(type) && group_has_untrusted(g, NULL)) {
		ret = -SMMUKIT_EPERM;
		goto out;
	}
	want = policy_type(g, NULL, type);
	if (smmukit_domain_type_is_lazy(want) && !can_defer_flush(iommu))
		want = SMMUKIT_DOMAIN_DMA;
	if (want == cur) {
		ret = 0;
	} else if (cur == SMMUKIT_DOMAIN_DMA &&
		   want == SMMUKIT_DOMAIN_DMA_FQ) {
		ret = upgrade_to_fq(def);
	} else if (atomic_load(&g->domain) != def || domain_busy(def)) {
		ret = -SMMUKIT_EBUSY;
	} else {
		ret = group_rebuild_default(g, want);
	}
out:
	smmukit_plat_unlock(iommu->plat, &iommu->cfg_lock);
	return ret;
}

/* ---- user domains ---- */

int smmukit_iommu_domain_alloc(struct smmukit_iommu *iommu,
			       enum smmukit_domain_type type,
			       struct smmukit_domain **out)
{
	struct smmukit_domain *dom;
	int ret;

	if (!iommu || !out)
		return -SMMUKIT_EINVAL;
	if (type != SMMUKIT_DOMAIN_UNMANAGED && type != SMMUKIT_DOMAIN_IDENTITY &&
	    type != SMMUKIT_DOMAIN_BLOCKED)
		return -SMMUKIT_EINVAL;
	smmukit_plat_lock(iommu->plat, &iommu->cfg_lock);
	ret = domain_create(iommu, type, false, &dom);
	if (!ret) {
		dom->next = iommu->user_domains;
		iommu->user_domains = dom;
		*out = dom;
	}
	smmukit_plat_unlock(iommu->plat, &iommu->cfg_lock);
	return ret;
}

int smmukit_iommu_domain_free(struct smmukit_domain *dom)
{
	struct smmukit_iommu *iommu;
	int ret = -SMMUKIT_EINVAL;

	if (!dom)
		return -SMMUKIT_EINVAL;
	iommu = dom->iommu;
	smmukit_plat_lock(iommu->plat, &iommu->cfg_lock);
	for (struct smmukit_domain **pp = &iommu->user_domains; *pp;
	     pp = &(*pp)->next) {
		if (*pp != dom)
			continue;
		if (dom->attached) {
			ret = -SMMUKIT_EBUSY;
			break;
		}
		*pp = dom->next;
		domain_destroy(dom);
		ret = 0;
		break;
	}
	smmukit_plat_unlock(iommu->plat, &iommu->cfg_lock);
	return ret;
}

static bool is_user_domain(struct smmukit_iommu *iommu,
			   const struct smmukit_domain *dom)
{
	for (struct smmukit_domain *d = iommu->user_domains; d; d = d->next)
		if (d == dom)
			return true;
	return false;
}

int smmukit_iommu_attach_group(struct smmukit_domain *dom,
			       struct smmukit_device *dev)
{
	struct smmukit_iommu *iommu;
	struct smmukit_group *g;
	struct smmukit_domain *def, *cur;
	int ret;

	if (!dom || !dev || dom->iommu != dev->iommu)
		return -SMMUKIT_EINVAL;
	iommu = dom->iommu;
	g = dev->group;
	smmukit_plat_lock(iommu->plat, &iommu->cfg_lock);
	def = atomic_load(&g->default_domain);
	cur = atomic_load(&g->domain);
	if (!is_user_domain(iommu, dom))
		ret = -SMMUKIT_EINVAL;
	else if (cur == dom)
		ret = -SMMUKIT_EEXIST;
	else if (cur != def || domain_busy(def))
		ret = -SMMUKIT_EBUSY;
	else
		ret = group_switch(g, dom);
	smmukit_plat_unlock(iommu->plat, &iommu->cfg_lock);
	return ret;
}

int smmukit_iommu_detach_group(struct smmukit_domain *dom,
			       struct smmukit_device *dev)
{
	struct smmukit_iommu *iommu;
	struct smmukit_group *g;
	int ret;

	if (!dom || !dev || dom->iommu != dev->iommu)
		return -SMMUKIT_EINVAL;
	iommu = dom->iommu;
	g = dev->group;
	smmukit_plat_lock(iommu->plat, &iommu->cfg_lock);
	if (atomic_load(&g->domain) != dom || dom->is_default)
		ret = -SMMUKIT_ENOENT;
	else
		ret = group_switch(g, atomic_load(&g->default_domain));
	smmukit_plat_unlock(iommu->plat, &iommu->cfg_lock);
	return ret;
}

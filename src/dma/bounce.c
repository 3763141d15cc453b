/* SPDX-License-Identifier: MIT */
/*
 * Bounce buffers for untrusted devices.
 *
 * An IOMMU grants access by granule: mapping 100 bytes maps the whole 4 KiB
 * page around them, and a device that should see only those bytes can read
 * and write everything else on the page, strict mode or not. For untrusted
 * (external-facing) devices a buffer that does not fill whole granules is
 * therefore copied into granule-aligned, zero-filled pages of its own, and
 * those are mapped instead (Linux does the same through swiotlb): the device
 * reaches the buffer's bytes and zeros, nothing else. Data is copied in at
 * map (to_device, bidir) and out at unmap (from_device, bidir), after the
 * strict unmap has returned, so the device can no longer change it.
 *
 * Records (bounce page -> original buffer) live in a small hash table keyed
 * by the bounce pages' physical address, which is what the domain's page
 * table gives back for the DMA address at unmap. The table is protected by
 * the layer's bounce_lock; only untrusted devices' sub-granule mappings ever
 * take it.
 */
#include "dma_internal.h"

struct bounce_rec {
	smmukit_phys_t bounce_pa;
	void *bounce_cpu;
	unsigned order;
	smmukit_phys_t orig_pa;
	uint64_t size;
	enum smmukit_dma_dir dir;
	struct bounce_rec *next;
};

static unsigned bucket(smmukit_phys_t pa)
{
	return (unsigned)((pa >> SMMUKIT_PAGE_SHIFT) % DMA_BOUNCE_BUCKETS);
}

bool dma_needs_bounce(struct smmukit_device *dev, const struct dma_cookie *c,
		      smmukit_phys_t pa, uint64_t size)
{
	return smmukit_unlikely(((pa | size) & (c->granule - 1)) != 0) &&
	       smmukit_device_untrusted(dev);
}

static void copy_phys(struct smmukit_platform *plat, smmukit_phys_t dst,
		      smmukit_phys_t src, uint64_t len)
{
	void *d = smmukit_plat_phys_to_virt(plat, dst);
	const void *s = smmukit_plat_phys_to_virt(plat, src);

	if (d && s)
		__builtin_memcpy(d, s, len);
}

static unsigned order_for(uint64_t bytes)
{
	uint64_t pages = (bytes + SMMUKIT_PAGE_SIZE - 1) >> SMMUKIT_PAGE_SHIFT;

	return pages <= 1 ? 0 : smmukit_ilog2(pages - 1) + 1;
}

/*
 * Copy [pa, pa+size) into fresh zeroed pages covering whole granules;
 * *bounce_pa is where to map (aligned), *span the bytes to map.
 */
int dma_bounce_map(struct dma_cookie *c, smmukit_phys_t pa, uint64_t size,
		   enum smmukit_dma_dir dir, smmukit_phys_t *bounce_pa,
		   uint64_t *span)
{
	struct smmukit_dma *dma = c->dma;
	struct smmukit_dma_pages pg;
	struct bounce_rec *r;
	uint64_t len = smmukit_align_up(size, c->granule);
	unsigned order = order_for(len);
	int ret;

	if (order > SMMUKIT_MAX_PAGE_ORDER)
		return -SMMUKIT_E2BIG;
	r = smmukit_plat_zalloc(dma->plat, sizeof(*r));
	if (!r)
		return -SMMUKIT_ENOMEM;
	/* Naturally aligned to 2^order pages, so to the granule as well. */
	ret = smmukit_plat_alloc_pages(dma->plat, order, &pg);
	if (ret) {
		smmukit_plat_free(dma->plat, r, sizeof(*r));
		return ret;
	}
	if (dir != SMMUKIT_DMA_FROM_DEVICE)
		copy_phys(dma->plat, pg.pa, pa, size);
	/* The padding is zero (fresh pages); make it all visible. */
	smmukit_plat_dma_sync_for_device(dma->plat, pg.pa, len);
	r->bounce_pa = pg.pa;
	r->bounce_cpu = pg.cpu;
	r->order = order;
	r->orig_pa = pa;
	r->size = size;
	r->dir = dir;
	smmukit_plat_lock(dma->plat, &dma->bounce_lock);
	r->next = dma->bounce[bucket(pg.pa)];
	dma->bounce[bucket(pg.pa)] = r;
	smmukit_plat_unlock(dma->plat, &dma->bounce_lock);
	*bounce_pa = pg.pa;
	*span = len;
	DMA_CTR_ADD(dma, bounced, 1);
	return 0;
}

/* Take the record of the bounce pages at pa out of the table, or NULL. */
struct bounce_rec *dma_bounce_take(struct smmukit_dma *dma, smmukit_phys_t pa)
{
	struct bounce_rec **pp, *r = NULL;

	smmukit_plat_lock(dma->plat, &dma->bounce_lock);
	for (pp = &dma->bounce[bucket(pa)]; *pp; pp = &(*pp)->next) {
		if ((*pp)->bounce_pa == pa) {
			r = *pp;
			*pp = r->next;
			break;
		}
	}
	smmukit_plat_unlock(dma->plat, &dma->bounce_lock);
	return r;
}

/* Put a record back (an unmap that failed before changing anything). */
void dma_bounce_put_back(struct smmukit_dma *dma, struct bounce_rec *r)
{
	if (!r)
		return;
	smmukit_plat_lock(dma->plat, &dma->bounce_lock);
	r->next = dma->bounce[bucket(r->bounce_pa)];
	dma->bounce[bucket(r->bounce_pa)] = r;
	smmukit_plat_unlock(dma->plat, &dma->bounce_lock);
}

/* After the strict unmap: copy out what the device wrote, free the pages. */
void dma_bounce_finish(struct smmukit_dma *dma, struct bounce_rec *r,
		       bool copy_out)
{
	struct smmukit_dma_pages pg;

	if (!r)
		return;
	if (copy_out && r->dir != SMMUKIT_DMA_TO_DEVICE) {
		smmukit_plat_dma_sync_for_cpu(dma->plat, r->bounce_pa, r->size);
		copy_phys(dma->plat, r->orig_pa, r->bounce_pa, r->size);
	}
	pg.pa = r->bounce_pa;
	pg.cpu = r->bounce_cpu;
	pg.order = r->order;
	smmukit_plat_free_pages(dma->plat, &pg);
	smmukit_plat_free(dma->plat, r, sizeof(*r));
}

/* Sync calls: copy between the buffer and its bounce pages, if any. */
int dma_bounce_sync(struct smmukit_dma *dma, smmukit_phys_t bounce_page_pa,
		    uint64_t off, uint64_t size, bool for_device)
{
	struct bounce_rec *r;
	int ret = 0;

	smmukit_plat_lock(dma->plat, &dma->bounce_lock);
	for (r = dma->bounce[bucket(bounce_page_pa)]; r; r = r->next)
		if (r->bounce_pa == bounce_page_pa)
			break;
	if (!r) {
		ret = 1;	/* not bounced: nothing to copy */
	} else if (off > r->size || size > r->size - off) {
		ret = -SMMUKIT_EINVAL;
	} else if (for_device) {
		copy_phys(dma->plat, r->bounce_pa + off, r->orig_pa + off, size);
		smmukit_plat_dma_sync_for_device(dma->plat, r->bounce_pa + off, size);
	} else {
		smmukit_plat_dma_sync_for_cpu(dma->plat, r->bounce_pa + off, size);
		copy_phys(dma->plat, r->orig_pa + off, r->bounce_pa + off, size);
	}
	smmukit_plat_unlock(dma->plat, &dma->bounce_lock);
	return ret;
}

void dma_bounce_chain(struct bounce_rec *r, struct bounce_rec **list)
{
	r->next = *list;
	*list = r;
}

struct bounce_rec *dma_bounce_unchain(struct bounce_rec **list)
{
	struct bounce_rec *r = *list;

	*list = r->next;
	r->next = NULL;
	return r;
}

/* Layer teardown: records left behind are the caller's leaks; free them. */
void dma_bounce_drain(struct smmukit_dma *dma)
{
	for (unsigned i = 0; i < DMA_BOUNCE_BUCKETS; i++) {
		while (dma->bounce[i]) {
			struct bounce_rec *r = dma->bounce[i];

			dma->bounce[i] = r->next;
			dma_bounce_finish(dma, r, false);
		}
	}
}

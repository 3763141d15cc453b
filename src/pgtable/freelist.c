/* SPDX-License-Identifier: MIT */
/*
 * Lists of removed table pages, linked through the pages themselves so that
 * unmap never allocates. A page only reaches a list after the synchronous walk
 * flush that made it unreachable for the walker, so reusing its first two
 * words as list links cannot be observed by the hardware.
 */
#include "pgtable_internal.h"

#define FL_NEXT 0	/* word: physical address of the next page */
#define FL_ORDER 1	/* word: allocation order of this page */

static uint64_t *page_words(struct smmukit_platform *p, smmukit_phys_t pa)
{
	return smmukit_plat_page_virt(p, pa);
}

void smmukit_pgtable_freelist_init(struct smmukit_pgtable_freelist *fl)
{
	if (!fl)
		return;
	fl->head_pa = 0;
	fl->tail_pa = 0;
	fl->count = 0;
}

void smmukit_pgtable_freelist_add(struct smmukit_platform *p,
				  struct smmukit_pgtable_freelist *fl,
				  smmukit_phys_t pa, unsigned order)
{
	uint64_t *w = page_words(p, pa);

	smmukit_write_once64(&w[FL_NEXT], 0);
	smmukit_write_once64(&w[FL_ORDER], order);
	if (fl->count == 0) {
		fl->head_pa = pa;
	} else {
		uint64_t *tail = page_words(p, fl->tail_pa);

		smmukit_write_once64(&tail[FL_NEXT], pa);
	}
	fl->tail_pa = pa;
	fl->count++;
}

void smmukit_pgtable_freelist_splice(struct smmukit_platform *p,
				     struct smmukit_pgtable_freelist *dst,
				     struct smmukit_pgtable_freelist *src)
{
	if (!p || !dst || !src || src->count == 0 || dst == src)
		return;
	if (dst->count == 0) {
		dst->head_pa = src->head_pa;
	} else {
		uint64_t *tail = page_words(p, dst->tail_pa);

		smmukit_write_once64(&tail[FL_NEXT], src->head_pa);
	}
	dst->tail_pa = src->tail_pa;
	dst->count += src->count;
	smmukit_pgtable_freelist_init(src);
}

uint64_t smmukit_pgtable_freelist_free(struct smmukit_platform *p,
				       struct smmukit_pgtable_freelist *fl)
{
	uint64_t n = 0;
	smmukit_phys_t pa;

	if (!p || !fl)
		return 0;
	pa = fl->head_pa;
	while (n < fl->count) {
		uint64_t *w = page_words(p, pa);
		struct smmukit_dma_pages pg = {
			.cpu = w,
			.pa = pa,
			.order = (unsigned)smmukit_read_once64(&w[FL_ORDER]),
		};

		pa = smmukit_read_once64(&w[FL_NEXT]);
		smmukit_plat_free_pages(p, &pg);
		n++;
	}
	smmukit_pgtable_freelist_init(fl);
	return n;
}

/* SPDX-License-Identifier: MIT */
/* Shared between the files of src/pgtable only. */
#ifndef SMMUKIT_PGTABLE_INTERNAL_H
#define SMMUKIT_PGTABLE_INTERNAL_H

#include "smmukit/pgtable.h"

/* Push one removed table page (walk flush already done) onto fl. */
void smmukit_pgtable_freelist_add(struct smmukit_platform *p,
				  struct smmukit_pgtable_freelist *fl,
				  smmukit_phys_t pa, unsigned order);

#endif /* SMMUKIT_PGTABLE_INTERNAL_H */

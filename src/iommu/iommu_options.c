/* SPDX-License-Identifier: MIT */
/*
 * The "iommu." option keys: the invalidation policy and the flush queue's
 * shape, stored into a struct smmukit_iommu_options.
 *
 * The *_given flags exist because the core reports where its policy came
 * from ("(set via kernel command line)"), and because the flush queue's
 * size and timeout defaults depend on fq_mode: a size the user gave is kept
 * whatever the mode, one they did not give follows the mode.
 */
#include "smmukit/iommu.h"

enum {
	OPT_STRICT,
	OPT_PASSTHROUGH,
	OPT_FQ_SIZE,
	OPT_FQ_TIMEOUT_MS,
	OPT_FQ_MODE,
};

static const char *const fq_modes[] = { "percpu", "single", NULL };

static const struct smmukit_option iommu_opts[] = {
	{
		.name = "strict",
		.legacy = "non_strict",
		.legacy_inverted = true,
		.type = SMMUKIT_OPT_BOOL,
		.def = 1,
		.help = "DMA unmaps invalidate the IOTLB before returning; 0: lazily, through a flush queue",
		.id = OPT_STRICT,
	},
	{
		.name = "passthrough",
		.type = SMMUKIT_OPT_BOOL,
		.def = 0,
		.help = "default domains are identity (DMA untranslated) instead of translated",
		.id = OPT_PASSTHROUGH,
	},
	{
		.name = "fq_size",
		.type = SMMUKIT_OPT_UINT,
		.min = 2,
		.max = SMMUKIT_FQ_MAX_SIZE,
		.flags = SMMUKIT_OPT_F_POW2,
		.def = SMMUKIT_FQ_PERCPU_SIZE,
		.help = "flush-queue entries per ring (default 32768 when fq_mode=single)",
		.id = OPT_FQ_SIZE,
	},
	{
		.name = "fq_timeout_ms",
		.type = SMMUKIT_OPT_UINT,
		.min = 1,
		.max = SMMUKIT_FQ_MAX_TIMEOUT_MS,
		.def = SMMUKIT_FQ_PERCPU_TIMEOUT_MS,
		.help = "longest wait before queued unmaps are flushed, ms (default 1000 when fq_mode=single)",
		.id = OPT_FQ_TIMEOUT_MS,
	},
	{
		.name = "fq_mode",
		.type = SMMUKIT_OPT_ENUM,
		.def = SMMUKIT_FQ_PERCPU,
		.choices = fq_modes,
		.help = "one flush-queue ring per CPU, or one shared ring",
		.id = OPT_FQ_MODE,
	},
};

static int iommu_set(void *target, const struct smmukit_option *opt,
		     uint64_t value)
{
	struct smmukit_iommu_options *o = target;

	if (!o || !opt)
		return -SMMUKIT_EINVAL;
	switch (opt->id) {
	case OPT_STRICT:
		o->strict = value != 0;
		o->strict_given = true;
		return 0;
	case OPT_PASSTHROUGH:
		o->passthrough = value != 0;
		o->passthrough_given = true;
		return 0;
	case OPT_FQ_SIZE:
		o->fq_size = (uint32_t)value;
		o->fq_size_given = true;
		return 0;
	case OPT_FQ_TIMEOUT_MS:
		o->fq_timeout_ms = (uint32_t)value;
		o->fq_timeout_given = true;
		return 0;
	case OPT_FQ_MODE:
		o->fq_mode = value == SMMUKIT_FQ_SINGLE ? SMMUKIT_FQ_SINGLE :
							 SMMUKIT_FQ_PERCPU;
		return 0;
	default:
		return -SMMUKIT_EINVAL;
	}
}

const struct smmukit_option_table smmukit_iommu_option_table = {
	.prefix = "iommu",
	.opts = iommu_opts,
	.nr_opts = (unsigned)SMMUKIT_ARRAY_SIZE(iommu_opts),
	.set = iommu_set,
};

void smmukit_iommu_options_default(struct smmukit_iommu_options *o)
{
	if (!o)
		return;
	*o = (struct smmukit_iommu_options){
		.strict = true,
		.passthrough = false,
		.fq_mode = SMMUKIT_FQ_PERCPU,
		.fq_size = SMMUKIT_FQ_PERCPU_SIZE,
		.fq_timeout_ms = SMMUKIT_FQ_PERCPU_TIMEOUT_MS,
	};
}

uint32_t smmukit_iommu_options_fq_size(const struct smmukit_iommu_options *o)
{
	if (!o)
		return SMMUKIT_FQ_PERCPU_SIZE;
	if (o->fq_size_given && o->fq_size)
		return o->fq_size;
	if (o->fq_mode == SMMUKIT_FQ_SINGLE)
		return SMMUKIT_FQ_SINGLE_SIZE;
	/* Not given: an embedder may still have filled the field directly. */
	return o->fq_size ? o->fq_size : SMMUKIT_FQ_PERCPU_SIZE;
}

uint32_t smmukit_iommu_options_fq_timeout_ms(const struct smmukit_iommu_options *o)
{
	if (!o)
		return SMMUKIT_FQ_PERCPU_TIMEOUT_MS;
	if (o->fq_timeout_given && o->fq_timeout_ms)
		return o->fq_timeout_ms;
	if (o->fq_mode == SMMUKIT_FQ_SINGLE)
		return SMMUKIT_FQ_SINGLE_TIMEOUT_MS;
	return o->fq_timeout_ms ? o->fq_timeout_ms :
				  SMMUKIT_FQ_PERCPU_TIMEOUT_MS;
}

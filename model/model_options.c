/* SPDX-License-Identifier: MIT */
/*
 * The "model." option keys: one per profile key, so that
 * "model.cmd_sync_ns=1000" overrides one parameter of the loaded profile.
 *
 * The rows come from SMMUKIT_MODEL_PROFILE_KEYS, the one list of profile
 * keys; only each key's range is chosen here, by a MODEL_RANGE_<key>
 * macro. A key added to the list without a range does not compile, which
 * is the point: someone must decide what values it may take.
 *
 * Ranges are what one key can check alone (a cost of at most ten seconds,
 * so that sums of costs never wrap; at most 64 ways, as the model's
 * geometry check wants; at most 2^20 entries). What needs two keys (entries
 * a multiple of ways, by a power of two) is smmukit_model_profile_check's
 * job, run on the finished profile by whoever parses.
 */
#include <stddef.h>
#include <string.h>

#include "smmukit/model.h"

#define MODEL_COST_MAX_NS UINT64_C(10000000000)	/* 10 s */
#define MODEL_ENTRIES_MAX (UINT64_C(1) << 20)
#define MODEL_WAYS_MAX UINT64_C(64)

#define RANGE_COST 0, MODEL_COST_MAX_NS
#define RANGE_ENTRIES 1, MODEL_ENTRIES_MAX
#define RANGE_ENTRIES_OR_OFF 0, MODEL_ENTRIES_MAX
#define RANGE_WAYS 1, MODEL_WAYS_MAX

#define MODEL_RANGE_cmd_cfgi_ns RANGE_COST
#define MODEL_RANGE_cmd_tlbi_va_ns RANGE_COST
#define MODEL_RANGE_cmd_tlbi_range_ns RANGE_COST
#define MODEL_RANGE_cmd_tlbi_asid_ns RANGE_COST
#define MODEL_RANGE_cmd_tlbi_all_ns RANGE_COST
#define MODEL_RANGE_cmd_sync_ns RANGE_COST
#define MODEL_RANGE_cmd_other_ns RANGE_COST
#define MODEL_RANGE_cfg_fetch_ns RANGE_COST
#define MODEL_RANGE_walk_level_ns RANGE_COST
#define MODEL_RANGE_iotlb_hit_ns RANGE_COST
#define MODEL_RANGE_iotlb_miss_ns RANGE_COST
#define MODEL_RANGE_iotlb_entries RANGE_ENTRIES
#define MODEL_RANGE_iotlb_ways RANGE_WAYS
/* 0 turns the walk cache off. */
#define MODEL_RANGE_walkcache_entries RANGE_ENTRIES_OR_OFF
#define MODEL_RANGE_walkcache_ways RANGE_WAYS
#define MODEL_RANGE_cfgcache_entries RANGE_ENTRIES
#define MODEL_RANGE_cfgcache_ways RANGE_WAYS
/* Device model: 0 is "no limit"; a billion 4 KiB I/Os a second is 4 TB/s. */
#define MODEL_RATE_MAX UINT64_C(1000000000)
#define MODEL_RANGE_device_read_iops 0, MODEL_RATE_MAX
#define MODEL_RANGE_device_write_iops 0, MODEL_RATE_MAX
#define MODEL_RANGE_device_latency_ns RANGE_COST

/* Two steps so that MODEL_RANGE_<key> expands into "min, max". */
#define MODEL_MIN_MAX(lo, hi) .min = (lo), .max = (hi)
#define MODEL_MIN_MAX_OF(r) MODEL_MIN_MAX(r)

#define MODEL_OPT_ROW(n, d, doc)                                  \
	{                                                         \
		.name = #n,                                       \
		.type = SMMUKIT_OPT_UINT,                         \
		MODEL_MIN_MAX_OF(MODEL_RANGE_##n),                \
		.def = (d),                                       \
		.help = doc,                                      \
		.id = (unsigned)offsetof(struct smmukit_model_profile, n), \
	},

static const struct smmukit_option model_opts[] = {
	SMMUKIT_MODEL_PROFILE_KEYS(MODEL_OPT_ROW)
};

/* A row's id is its field's offset: every profile key is a uint64_t. */
static int model_set(void *target, const struct smmukit_option *opt,
		     uint64_t value)
{
	if (!target || !opt ||
	    opt->id + sizeof(uint64_t) > sizeof(struct smmukit_model_profile))
		return -SMMUKIT_EINVAL;
	memcpy((char *)target + opt->id, &value, sizeof(value));
	return 0;
}

const struct smmukit_option_table smmukit_model_option_table = {
	.prefix = "model",
	.opts = model_opts,
	.nr_opts = (unsigned)SMMUKIT_ARRAY_SIZE(model_opts),
	.set = model_set,
};

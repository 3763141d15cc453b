/* SPDX-License-Identifier: MIT */
/*
 * The "smmu." option keys: the driver's choices, stored into a struct
 * smmukit_smmu_config before smmukit_smmu_probe. Every default behaves
 * as an all-zero config does, so a zeroed config with the defaults applied
 * (or none) drives the SMMU the same way.
 *
 * The keys say what the user wants ("msi_sync=1", "strtab=auto") while the
 * config says what to turn off (disable_msi_sync, force_linear_strtab):
 * set() does the translation, so the config stays zero-is-default.
 */
#include "smmu_internal.h"
#include "smmukit/smmu.h"

enum {
	OPT_BYPASS_UNATTACHED,
	OPT_MSI_SYNC,
	OPT_STRTAB,
	OPT_CMDQ_LOG2_MAX,
	OPT_EVTQ_LOG2_MAX,
	OPT_POLL_TIMEOUT_MS,
	OPT_TLBI_MAX_CMDS,
	OPT_SID_BITS,
};

#define NS_PER_MS UINT64_C(1000000)

static const char *const strtab_modes[] = { "auto", "linear", NULL };

static const struct smmukit_option smmu_opts[] = {
	{
		.name = "bypass_unattached",
		.type = SMMUKIT_OPT_BOOL,
		.def = 0,
		.help = "streams no domain is attached to bypass the SMMU instead of aborting",
		.id = OPT_BYPASS_UNATTACHED,
	},
	{
		.name = "msi_sync",
		.type = SMMUKIT_OPT_BOOL,
		.def = 1,
		.help = "wait for CMD_SYNC by its MSI write when the SMMU has MSIs and is coherent; 0: poll CONS",
		.id = OPT_MSI_SYNC,
	},
	{
		.name = "strtab",
		.type = SMMUKIT_OPT_ENUM,
		.def = 0,
		.choices = strtab_modes,
		.help = "stream-table format: auto (2-level when supported and needed) or always linear",
		.id = OPT_STRTAB,
	},
	{
		.name = "cmdq_log2_max",
		.type = SMMUKIT_OPT_UINT,
		.min = 0,
		.max = SMMUV3_Q_MAX_LOG2SIZE,
		.def = 0,
		.help = "command queue at most 2^N entries (and at most what the SMMU offers); 0: 2^12",
		.id = OPT_CMDQ_LOG2_MAX,
	},
	{
		.name = "evtq_log2_max",
		.type = SMMUKIT_OPT_UINT,
		.min = 0,
		.max = SMMUV3_Q_MAX_LOG2SIZE,
		.def = 0,
		.help = "event queue at most 2^N entries (and at most what the SMMU offers); 0: 2^10",
		.id = OPT_EVTQ_LOG2_MAX,
	},
	{
		.name = "poll_timeout_ms",
		.type = SMMUKIT_OPT_UINT,
		.min = 1,
		.max = 3600u * 1000u,
		.def = POLL_TIMEOUT_DEFAULT_NS / NS_PER_MS,
		.help = "bound on every register handshake and command-queue wait, ms",
		.id = OPT_POLL_TIMEOUT_MS,
	},
	{
		.name = "tlbi_max_cmds",
		.type = SMMUKIT_OPT_UINT,
		.min = 1,
		.max = 1u << 20,
		.def = TLBI_MAX_CMDS_DEFAULT,
		.help = "an invalidation needing more TLBI commands than this invalidates the whole context instead",
		.id = OPT_TLBI_MAX_CMDS,
	},
	{
		.name = "sid_bits",
		.type = SMMUKIT_OPT_UINT,
		.min = 0,
		.max = 32,
		.def = 0,
		.help = "stream IDs used are below 2^N: the stream table covers only those (0: every SID the SMMU has)",
		.id = OPT_SID_BITS,
	},
};

static int smmu_set(void *target, const struct smmukit_option *opt,
		    uint64_t value)
{
	struct smmukit_smmu_config *c = target;

	if (!c || !opt)
		return -SMMUKIT_EINVAL;
	switch (opt->id) {
	case OPT_BYPASS_UNATTACHED:
		c->bypass_unattached = value != 0;
		return 0;
	case OPT_MSI_SYNC:
		c->disable_msi_sync = value == 0;
		return 0;
	case OPT_STRTAB:
		c->force_linear_strtab = value == 1;
		return 0;
	case OPT_CMDQ_LOG2_MAX:
		c->cmdq_log2_max = (unsigned)value;
		return 0;
	case OPT_EVTQ_LOG2_MAX:
		c->evtq_log2_max = (unsigned)value;
		return 0;
	case OPT_POLL_TIMEOUT_MS:
		c->poll_timeout_ns = value * NS_PER_MS;
		return 0;
	case OPT_TLBI_MAX_CMDS:
		c->tlbi_max_cmds = (unsigned)value;
		return 0;
	case OPT_SID_BITS:
		c->sid_bits = (unsigned)value;
		return 0;
	default:
		return -SMMUKIT_EINVAL;
	}
}

const struct smmukit_option_table smmukit_smmu_option_table = {
	.prefix = "smmu",
	.opts = smmu_opts,
	.nr_opts = (unsigned)SMMUKIT_ARRAY_SIZE(smmu_opts),
	.set = smmu_set,
};

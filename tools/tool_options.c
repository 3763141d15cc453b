/* SPDX-License-Identifier: MIT */
/*
 * The command's side of the options registry: which tables exist, and one
 * helper every subcommand calls to apply --cmdline / $SMMUKIT_CMDLINE.
 */
#include <stdlib.h>
#include <string.h>

#include "smmukit/iommu.h"
#include "smmukit/model.h"
#include "smmukit/options.h"
#include "smmukit/smmu.h"
#include "tool.h"

/* A new layer with options adds its table here, and a target below. */
const struct smmukit_option_table *const tool_option_tables[] = {
	&smmukit_iommu_option_table,
	&smmukit_smmu_option_table,
	&smmukit_model_option_table,
	NULL,
};

static void warn_line(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "smmukit: warning: %s\n", msg);
}

/* Does any word of cmdline start with "prefix."? */
static bool uses_prefix(const char *cmdline, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *p = cmdline;

	while (*p) {
		size_t len;

		p += strspn(p, " \t\n\r\v\f");
		len = strcspn(p, " \t\n\r\v\f");
		if (len > n && !strncmp(p, prefix, n) && p[n] == '.')
			return true;
		p += len;
	}
	return false;
}

void tool_options_apply(const char *cmd, const char *cmdline,
			const struct tool_option_targets *t)
{
	static const struct tool_option_targets none;
	struct smmukit_iommu_options iommu_scratch;
	struct smmukit_smmu_config smmu_scratch;
	struct smmukit_model_profile model_scratch;
	struct smmukit_option_binding b[3];
	const char *src = "--cmdline";
	char err[512];

	if (!cmdline || !*cmdline)
		return;
	if (!t)
		t = &none;
	/*
	 * A subcommand may append its own keys to the user's string (attack
	 * --mode): an error in it is still the user's, from where they gave it.
	 */
	if (tool_globals.cmdline && tool_globals.cmdline_source &&
	    !strncmp(cmdline, tool_globals.cmdline, strlen(tool_globals.cmdline)))
		src = tool_globals.cmdline_source;
	smmukit_iommu_options_default(&iommu_scratch);
	memset(&smmu_scratch, 0, sizeof(smmu_scratch));
	smmukit_model_profile_zero(&model_scratch);
	b[0] = (struct smmukit_option_binding){
		&smmukit_iommu_option_table,
		t->iommu ? (void *)t->iommu : &iommu_scratch
	};
	b[1] = (struct smmukit_option_binding){
		&smmukit_smmu_option_table,
		t->smmu ? (void *)t->smmu : &smmu_scratch
	};
	b[2] = (struct smmukit_option_binding){
		&smmukit_model_option_table,
		t->model ? (void *)t->model : &model_scratch
	};
	if (smmukit_parse_options(cmdline, b, 3, warn_line, NULL, err,
				  sizeof(err)))
		tool_fail("%s: %s: %s", cmd, src, err);
	/*
	 * Cache geometry needs two keys at once, so it is checked on the
	 * result; for a subcommand without a model, on the zero profile, so
	 * that a string is refused the same way everywhere.
	 */
	if (smmukit_model_profile_check(t->model ? t->model : &model_scratch,
					err, sizeof(err)))
		tool_fail("%s: %s: model profile after the model.* options: %s",
			  cmd, src, err);
	if (t->quiet_unused)
		return;
	for (unsigned i = 0; i < 3; i++) {
		void *given = i == 0 ? (void *)t->iommu :
			      i == 1 ? (void *)t->smmu : (void *)t->model;

		if (!given && uses_prefix(cmdline, b[i].table->prefix))
			fprintf(stderr,
				"smmukit: warning: %s builds no %s: the %s.* options have no effect here\n",
				cmd,
				i == 0 ? "IOMMU core" :
				i == 1 ? "SMMU driver" : "hardware model",
				b[i].table->prefix);
	}
}

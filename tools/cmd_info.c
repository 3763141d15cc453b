/* SPDX-License-Identifier: MIT */
/*
 * smmukit info: bring the SMMUv3 driver up on the hardware model and print
 * what it found: the probe summary, features, address sizes, queue sizes
 * and the stream-table format it chose.
 */
#include <stdlib.h>
#include <string.h>

#include "smmukit/model.h"
#include "smmukit/platform_posix.h"
#include "smmukit/smmu.h"
#include "tool.h"

int tool_cmd_info(int argc, char **argv);

static void usage(FILE *f)
{
	fprintf(f,
		"usage: smmukit info [--model KEY=VAL,...] [--json]\n"
		"\n"
		"Brings the SMMUv3 driver up on the hardware model and prints what\n"
		"it found. smmukit --cmdline \"smmu.KEY=V model.KEY=V ...\" info (or\n"
		"$SMMUKIT_CMDLINE) sets driver and model options (smmukit options).\n"
		"Model keys (smmukit model --help): stages=s1|s2|s1s2,\n"
		"strtab=linear|2lvl, ril, msi, sev, coherent, hyp, asid16, vmid16,\n"
		"sidsize=N, cmdq_log2=N, evtq_log2=N, oas=N, gran=4k+16k+64k.\n"
		"With --json, stdout is one object:\n"
		"  {\"features\":{...},\"ias\":N,\"oas\":N,\"cmdq_entries\":N,\n"
		"   \"evtq_entries\":N,\"strtab\":\"linear\"|\"2-level\"}\n");
}

static const char *yn(bool b)
{
	return b ? "true" : "false";
}

static void print_json(const struct smmukit_smmu_info *in)
{
	printf("{\"features\":{\"s1\":%s,\"s2\":%s,\"ril\":%s,\"msi\":%s,"
	       "\"sev\":%s,\"coherent\":%s,\"hyp\":%s,\"asid16\":%s,"
	       "\"vmid16\":%s,\"strtab_2lvl\":%s},\"ias\":%u,\"oas\":%u,"
	       "\"cmdq_entries\":%llu,\"evtq_entries\":%llu,\"strtab\":\"%s\"}\n",
	       yn(in->s1), yn(in->s2), yn(in->ril), yn(in->msi), yn(in->sev),
	       yn(in->coherent), yn(in->hyp), yn(in->asid16), yn(in->vmid16),
	       yn(in->strtab_2lvl), in->ias, in->oas,
	       1ULL << in->cmdq_log2, 1ULL << in->evtq_log2,
	       in->strtab_2lvl_used ? "2-level" : "linear");
}

static void print_text(const struct smmukit_smmu_info *in)
{
	static const struct {
		const char *name;
		size_t off;
	} feats[] = {
#define F(n) { #n, offsetof(struct smmukit_smmu_info, n) }
		F(s1), F(s2), F(ril), F(msi), F(sev), F(coherent), F(hyp),
		F(asid16), F(vmid16), F(strtab_2lvl), F(btm), F(ats), F(pri),
#undef F
	};

	printf("SMMUv3.%u, IIDR 0x%08x, AIDR 0x%02x\n", in->aidr & 0xf,
	       in->iidr, in->aidr);
	printf("IDR0 0x%08x  IDR1 0x%08x  IDR3 0x%08x  IDR5 0x%08x\n",
	       in->idr[0], in->idr[1], in->idr[3], in->idr[5]);
	printf("features:");
	for (size_t i = 0; i < sizeof(feats) / sizeof(feats[0]); i++)
		if (*(const bool *)((const char *)in + feats[i].off))
			printf(" %s", feats[i].name);
	printf("\n");
	printf("ias %u bits, oas %u bits, ASID %u bits, VMID %u bits\n",
	       in->ias, in->oas, in->asid_bits, in->vmid_bits);
	printf("page sizes: 0x%llx\n", (unsigned long long)in->pgsize_bitmap);
	printf("command queue: %llu entries (%s CMD_SYNC completion)\n",
	       1ULL << in->cmdq_log2, in->msi_sync ? "MSI" : "polled");
	printf("event queue: %llu entries\n", 1ULL << in->evtq_log2);
	if (in->strtab_2lvl_used)
		printf("stream table: 2-level, %u SID bits of %u, split %u\n",
		       in->strtab_log2, in->sid_bits, in->strtab_split);
	else
		printf("stream table: linear, %u SID bits of %u\n",
		       in->strtab_log2, in->sid_bits);
}

int tool_cmd_info(int argc, char **argv)
{
	struct smmukit_posix_config pc = {
		.manual_clock = true,
		.polled_timers = true,
		.mem_size = 256u << 20,
		.log_level = SMMUKIT_LOG_ERR,
	};
	struct smmukit_model_config mcfg;
	struct smmukit_model_profile prof;
	struct smmukit_smmu_config scfg = { 0 };
	struct smmukit_smmu_info info;
	struct smmukit_platform *plat = NULL;
	struct smmukit_model *m = NULL;
	struct smmukit_smmu *s = NULL;
	const char *features = NULL;
	bool json = false;
	char err[256];
	int ret;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--model")) {
			if (i + 1 >= argc)
				tool_fail("info: --model needs a value");
			features = argv[++i];
		} else if (!strncmp(a, "--model=", 8)) {
			features = a + 8;
		} else {
			tool_fail("info: unknown argument '%s' (see smmukit info --help)",
				  a);
		}
	}
	smmukit_model_config_default(&mcfg);
	if (features && smmukit_model_config_parse(&mcfg, features, err,
						   sizeof(err)))
		tool_fail("info: %s", err);
	smmukit_model_profile_zero(&prof);
	tool_options_apply("info", tool_globals.cmdline,
			   &(struct tool_option_targets){ .smmu = &scfg,
							  .model = &prof });
	/* The probe summary line goes to stderr through the platform log. */
	if (!json)
		pc.log_level = SMMUKIT_LOG_INFO;
	ret = smmukit_posix_create(&pc, &plat);
	if (ret)
		tool_fail("info: platform: %s", tool_errname(ret));
	ret = smmukit_model_create(plat, &mcfg, &prof, &m);
	if (ret)
		tool_fail("info: cannot create the model: %s", tool_errname(ret));
	scfg.platform = plat;
	scfg.mmio = smmukit_model_mmio(m);
	ret = smmukit_smmu_probe(&scfg, &s);
	if (ret) {
		fprintf(stderr, "smmukit: info: driver probe failed: %s\n",
			tool_errname(ret));
		smmukit_model_destroy(m);
		smmukit_posix_destroy(plat);
		return 1;
	}
	smmukit_smmu_get_info(s, &info);
	if (json)
		print_json(&info);
	else
		print_text(&info);
	smmukit_smmu_destroy(s);
	smmukit_model_destroy(m);
	smmukit_posix_destroy(plat);
	return 0;
}

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
		"usage: smmukit info [--model KEY=VAL,...] [--profile NAME|PATH] [--json]\n"
		"       smmukit --cmdline \"smmu.KEY=V model.KEY=V ...\" info ...\n"
		"\n"
		"Brings the SMMUv3 driver up on the hardware model and prints what it\n"
		"found: version and ID registers, features, address sizes, ASID/VMID\n"
		"bits, page sizes, queue sizes, CMD_SYNC completion mode and the stream\n"
		"table format it chose. The driver's one-line probe summary goes to\n"
		"stderr. smmukit --cmdline (or $SMMUKIT_CMDLINE) sets driver (smmu.*)\n"
		"and model profile (model.*) options; smmukit options lists them.\n"
		"\n");
	tool_model_keys_usage(f);
	fprintf(f,
		"Profiles (--profile): 'zero' (the default), a NAME.profile in\n"
		"%s ($SMMUKIT_PROFILE_DIR), or a path.\n"
		"\n"
		"With --json, stdout is one object carrying all of the above:\n"
		"  {\"version\":\"3.N\",\"iidr\":\"0x...\",\"aidr\":\"0x...\",\n"
		"   \"idr\":[\"0x...\" x6],\"features\":{\"s1\":B,...,\"pri\":B},\n"
		"   \"ias\":N,\"oas\":N,\"asid_bits\":N,\"vmid_bits\":N,\n"
		"   \"pgsize_bitmap\":\"0x...\",\"page_sizes\":[\"4K\",\"2M\",...],\n"
		"   \"cmdq_entries\":N,\"evtq_entries\":N,\"sync\":\"msi\"|\"polled\",\n"
		"   \"strtab\":\"linear\"|\"2-level\",\"sid_bits\":N,\"strtab_sid_bits\":N,\n"
		"   \"strtab_split\":N|null}\n"
		"\n", tool_profile_dir());
	tool_exit_status_usage(f);
}

static const char *yn(bool b)
{
	return b ? "true" : "false";
}

#define FEATURES(F) \
	F(s1) F(s2) F(ril) F(msi) F(sev) F(coherent) F(hyp) F(asid16) \
	F(vmid16) F(strtab_2lvl) F(btm) F(ats) F(pri)

/* "4K", "2M", "1G": one page or block size. */
static const char *size_str(char *buf, size_t len, uint64_t size)
{
	static const char units[] = "KMGTP";
	unsigned u = 0;

	size >>= 10;
	while (size >= 1024 && !(size & 1023) && u + 1 < sizeof(units) - 1) {
		size >>= 10;
		u++;
	}
	snprintf(buf, len, "%llu%c", (unsigned long long)size, units[u]);
	return buf;
}

static void print_json(const struct smmukit_smmu_info *in)
{
	char b[24];
	bool first = true;

	printf("{\"version\":\"3.%u\",\"iidr\":\"0x%08x\",\"aidr\":\"0x%02x\",\"idr\":[",
	       in->aidr & 0xf, in->iidr, in->aidr);
	for (unsigned i = 0; i < 6; i++)
		printf("%s\"0x%08x\"", i ? "," : "", in->idr[i]);
	printf("],\"features\":{");
#define F(n) printf("%s\"" #n "\":%s", first ? "" : ",", yn(in->n)); first = false;
	FEATURES(F)
#undef F
	printf("},\"ias\":%u,\"oas\":%u,\"asid_bits\":%u,\"vmid_bits\":%u,"
	       "\"pgsize_bitmap\":\"0x%llx\",\"page_sizes\":[",
	       in->ias, in->oas, in->asid_bits, in->vmid_bits,
	       (unsigned long long)in->pgsize_bitmap);
	first = true;
	for (unsigned bit = 0; bit < 64; bit++)
		if (in->pgsize_bitmap & (UINT64_C(1) << bit)) {
			printf("%s\"%s\"", first ? "" : ",",
			       size_str(b, sizeof(b), UINT64_C(1) << bit));
			first = false;
		}
	printf("],\"cmdq_entries\":%llu,\"evtq_entries\":%llu,\"sync\":\"%s\","
	       "\"strtab\":\"%s\",\"sid_bits\":%u,\"strtab_sid_bits\":%u,"
	       "\"strtab_split\":",
	       1ULL << in->cmdq_log2, 1ULL << in->evtq_log2,
	       in->msi_sync ? "msi" : "polled",
	       in->strtab_2lvl_used ? "2-level" : "linear", in->sid_bits,
	       in->strtab_log2);
	if (in->strtab_2lvl_used)
		printf("%u}\n", in->strtab_split);
	else
		printf("null}\n");
}

static void print_text(const struct smmukit_smmu_info *in)
{
	char b[24];

	printf("SMMUv3.%u, IIDR 0x%08x, AIDR 0x%02x\n", in->aidr & 0xf,
	       in->iidr, in->aidr);
	printf("IDR0 0x%08x  IDR1 0x%08x  IDR2 0x%08x\n"
	       "IDR3 0x%08x  IDR4 0x%08x  IDR5 0x%08x\n",
	       in->idr[0], in->idr[1], in->idr[2], in->idr[3], in->idr[4],
	       in->idr[5]);
	printf("features:");
#define F(n) if (in->n) printf(" " #n);
	FEATURES(F)
#undef F
	printf("\n");
	printf("ias %u bits, oas %u bits, ASID %u bits, VMID %u bits\n",
	       in->ias, in->oas, in->asid_bits, in->vmid_bits);
	printf("page sizes:");
	for (unsigned bit = 0; bit < 64; bit++)
		if (in->pgsize_bitmap & (UINT64_C(1) << bit))
			printf(" %s", size_str(b, sizeof(b), UINT64_C(1) << bit));
	printf("  (bitmap 0x%llx)\n", (unsigned long long)in->pgsize_bitmap);
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
	const char *profile = "zero", *v;
	char features[1024] = "";
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
		} else if (tool_arg_value("info", argc, argv, &i, "--model", &v)) {
			tool_append_keys("info", features, sizeof(features), v);
		} else if (tool_arg_value("info", argc, argv, &i, "--profile", &v)) {
			profile = v;
		} else if (!strcmp(a, "--")) {
			if (i + 1 < argc)
				tool_fail("info: takes no arguments ('%s')", argv[i + 1]);
		} else {
			tool_fail("info: unknown argument '%s' (see smmukit info --help)",
				  a);
		}
	}
	smmukit_model_config_default(&mcfg);
	if (features[0] && smmukit_model_config_parse(&mcfg, features, err,
						      sizeof(err)))
		tool_fail("info: --model: %s", err);
	if (smmukit_model_profile_load(&prof, profile, tool_profile_dir(), err,
				       sizeof(err)))
		tool_fail("info: --profile: %s", err);
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

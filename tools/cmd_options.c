/* SPDX-License-Identifier: MIT */
/*
 * smmukit options (also smmukit --help-options): every key of every option
 * table, read from the tables themselves, so the listing cannot drift from
 * what the parser accepts.
 */
#include <string.h>

#include "smmukit/options.h"
#include "tool.h"

int tool_cmd_options(int argc, char **argv);

static void usage(FILE *f)
{
	fprintf(f,
		"usage: smmukit options [--json]   (or smmukit --help-options)\n"
		"\n"
		"Lists every key that --cmdline \"KEY=VALUE ...\" (or $SMMUKIT_CMDLINE)\n"
		"accepts: its other spelling, type, allowed values, default and what\n"
		"it does. Booleans take 1/0, y/n, yes/no, on/off, true/false; numbers\n"
		"decimal or 0x hex with an optional K/M/G (binary) suffix. The whole\n"
		"string is checked before anything is applied; when one setting is\n"
		"given twice (under either spelling) the later one wins, with a warning.\n"
		"With --json, one object per key:\n"
		"  {\"key\":\"iommu.strict\",\"legacy\":\"iommu.non_strict\"|null,\n"
		"   \"type\":\"bool\"|\"uint\"|\"enum\",\"range\":\"0|1\",\"default\":\"1\",\n"
		"   \"help\":\"...\"}\n");
	tool_exit_status_usage(f);
}

static const char *type_name(enum smmukit_option_type t)
{
	switch (t) {
	case SMMUKIT_OPT_BOOL: return "bool";
	case SMMUKIT_OPT_UINT: return "uint";
	case SMMUKIT_OPT_ENUM: return "enum";
	}
	return "?";
}

static void print_json(const struct smmukit_option_table *t,
		       const struct smmukit_option *o)
{
	char key[128], range[256], def[32];

	snprintf(key, sizeof(key), "%s.%s", t->prefix, o->name);
	printf("{\"key\":");
	tool_json_str(stdout, key);
	printf(",\"legacy\":");
	if (o->legacy) {
		snprintf(key, sizeof(key), "%s.%s", t->prefix, o->legacy);
		tool_json_str(stdout, key);
	} else {
		printf("null");
	}
	printf(",\"type\":\"%s\",\"range\":", type_name(o->type));
	tool_json_str(stdout, smmukit_option_range_str(o, range, sizeof(range)));
	printf(",\"default\":");
	tool_json_str(stdout, smmukit_option_default_str(o, def, sizeof(def)));
	printf(",\"help\":");
	tool_json_str(stdout, o->help ? o->help : "");
	printf("}\n");
}

static void print_text(const struct smmukit_option_table *t,
		       const struct smmukit_option *o)
{
	char key[128], range[256], def[32];

	snprintf(key, sizeof(key), "%s.%s", t->prefix, o->name);
	printf("%-26s %-4s  %-28s default %s\n", key, type_name(o->type),
	       smmukit_option_range_str(o, range, sizeof(range)),
	       smmukit_option_default_str(o, def, sizeof(def)));
	if (o->help)
		printf("    %s\n", o->help);
	if (o->legacy && o->legacy_inverted)
		printf("    also %s.%s, inverted: %s.%s=1 is %s=0\n", t->prefix,
		       o->legacy, t->prefix, o->legacy, key);
	else if (o->legacy)
		printf("    also %s.%s\n", t->prefix, o->legacy);
}

int tool_cmd_options(int argc, char **argv)
{
	bool json = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else {
			tool_fail("options: unknown argument '%s' (see smmukit options --help)",
				  argv[i]);
		}
	}
	/* A bad option string is refused here too, as everywhere. */
	tool_options_apply("options", tool_globals.cmdline,
			   &(struct tool_option_targets){ .quiet_unused = true });
	for (unsigned i = 0; tool_option_tables[i]; i++) {
		const struct smmukit_option_table *t = tool_option_tables[i];

		if (!json && i)
			printf("\n");
		for (unsigned k = 0; k < t->nr_opts; k++) {
			if (json)
				print_json(t, &t->opts[k]);
			else
				print_text(t, &t->opts[k]);
		}
	}
	return 0;
}

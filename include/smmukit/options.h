/* SPDX-License-Identifier: MIT */
/*
 * Options, kernel command-line style: "iommu.strict=0 iommu.fq_size=1024
 * model.cmd_sync_ns=1000".
 *
 * One parser, many tables. Each layer declares its own table of keys (name,
 * legacy name, type, range, default, one-line help) under a prefix ("iommu",
 * "smmu", "model") and a set() that stores a checked value into that layer's
 * own options struct. An embedder hands smmukit_parse_options() the tables
 * it uses, each bound to the struct it wants filled; the parser dispatches
 * on the prefix, so adding a layer never touches the parser.
 *
 * The library never reads the environment: the string comes from the
 * embedder (the smmukit command takes --cmdline or $SMMUKIT_CMDLINE).
 *
 * Values are parsed leniently and checked strictly:
 *  - BOOL: 1/0, y/n, yes/no, on/off, true/false;
 *  - UINT: decimal or 0x hex, optional K/M/G suffix (binary), within
 *    [min, max];
 *  - ENUM: one of the table's choices.
 * Unknown keys and bad values are errors whose message names the key and
 * what is allowed. Parsing is all or nothing: nothing is stored unless the
 * whole string is valid.
 *
 * The core layers use this without libc: messages are built by hand.
 *
 * Error codes: smmukit_parse_options() returns 0 or -SMMUKIT_EINVAL only
 * (unknown key or prefix, malformed word, value out of range, bad
 * bindings: NULL tables, a table without prefix or set()), with one line
 * in err; nothing is stored on error. The other functions cannot fail:
 * NULL arguments are ignored (set_defaults) or give "" (the _str helpers).
 */
#ifndef SMMUKIT_OPTIONS_H
#define SMMUKIT_OPTIONS_H

#include "smmukit/base.h"

#ifdef __cplusplus
extern "C" {
#endif

enum smmukit_option_type {
	SMMUKIT_OPT_BOOL = 0,
	SMMUKIT_OPT_UINT = 1,
	SMMUKIT_OPT_ENUM = 2,
};

/* UINT: the value must also be a power of two. */
#define SMMUKIT_OPT_F_POW2 (1u << 0)

struct smmukit_option {
	const char *name;	/* key after the prefix: "strict" */
	/*
	 * Another accepted spelling, or NULL ("non_strict"). For a BOOL with
	 * legacy_inverted, legacy=1 means name=0. Both spellings set one
	 * setting: when both are given, the later one wins and the parser
	 * warns.
	 */
	const char *legacy;
	bool legacy_inverted;
	enum smmukit_option_type type;
	uint64_t min, max;	/* UINT: inclusive range */
	unsigned flags;		/* SMMUKIT_OPT_F_* */
	uint64_t def;		/* default: BOOL 0/1, UINT value, ENUM index */
	const char *const *choices;	/* ENUM: NULL-terminated names */
	const char *help;	/* one line, no trailing period */
	unsigned id;		/* the layer's own identifier, for set() */
};

struct smmukit_option_table {
	const char *prefix;	/* "iommu": keys are "iommu.<name>" */
	const struct smmukit_option *opts;
	unsigned nr_opts;
	/*
	 * Store a value already checked against the option's type and range
	 * (BOOL 0/1, UINT the number, ENUM the choice's index; a legacy
	 * inverted spelling already inverted) into target, the layer's
	 * options struct. Returns 0. It is called only once the whole string
	 * has been checked, so it must accept every value the row allows: a
	 * non-zero return is reported as that key's error, but the words
	 * before it have been stored by then.
	 */
	int (*set)(void *target, const struct smmukit_option *opt,
		   uint64_t value);
};

/* A table and the struct its set() fills. */
struct smmukit_option_binding {
	const struct smmukit_option_table *table;
	void *target;
};

/* Receives one warning line (no newline), e.g. an overridden spelling. */
typedef void (*smmukit_option_warn_fn)(void *arg, const char *msg);

/*
 * Parse cmdline (NULL or empty: nothing to do) against the bound tables.
 * Words are separated by blanks; each is KEY=VALUE. Returns 0, or
 * -SMMUKIT_EINVAL with one line in err (if non-NULL) naming the key and the
 * allowed values, for example:
 *   "unknown option 'iommu.fq_sise' (see smmukit options)"
 *   "iommu.fq_size=3: must be a power of two in 2..1048576"
 *   "iommu.fq_mode=fast: must be percpu or single"
 *   "no option table for prefix 'foo' in 'foo.bar=1' (known: iommu smmu)"
 * Malformed words ("iommu.strict", "=1", "iommu.strict=") are errors that
 * quote the word. On error no target is changed (unless a set() breaks its
 * contract, see there) and nothing is warned.
 *
 * When one setting is given twice (either spelling), every word is still
 * applied in order, so the later wins, and warn (may be NULL) gets one
 * line per override:
 *   "iommu.non_strict=1 overrides earlier iommu.strict=1 (the later one wins)"
 * A word's prefix selects the first binding with that table prefix.
 */
int smmukit_parse_options(const char *cmdline,
			  const struct smmukit_option_binding *bindings,
			  unsigned nr_bindings, smmukit_option_warn_fn warn,
			  void *warn_arg, char *err, size_t errlen);

/*
 * Apply every option's default through set(), as if each were given with
 * its default value. A layer whose struct also records which options were
 * given (struct smmukit_iommu_options) has its own _default() function,
 * which leaves them "not given"; use that one there.
 */
void smmukit_options_set_defaults(const struct smmukit_option_table *table,
				  void *target);

/*
 * The default as text ("1", "256", "percpu") into buf; returns buf.
 * buf must hold at least 24 bytes.
 */
const char *smmukit_option_default_str(const struct smmukit_option *opt,
				       char *buf, size_t len);

/*
 * The allowed values as text ("0|1", "10..4096", "percpu|single", and
 * "2..1048576 (power of two)" with SMMUKIT_OPT_F_POW2) into buf; returns
 * buf.
 */
const char *smmukit_option_range_str(const struct smmukit_option *opt,
				     char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* SMMUKIT_OPTIONS_H */

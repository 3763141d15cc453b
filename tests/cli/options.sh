#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The option registry from the command line: `smmukit options` lists every
# key of every table (--json: one object per line), --cmdline and
# $SMMUKIT_CMDLINE are honoured by info and model and checked by every
# subcommand, a bad string exits 2 with one line naming the key, and two
# spellings of one setting warn once (the later wins).
# shellcheck source=../support/cli_lib.sh
. "$(dirname "$0")/../support/cli_lib.sh"

# ---- the listing ----
"$SMMUKIT" options >"$TMP/out" 2>"$TMP/err" || fail "options: exit $?"
[ -s "$TMP/err" ] && fail "options: stderr not empty: $(cat "$TMP/err")"
for key in iommu.strict iommu.passthrough iommu.fq_size iommu.fq_timeout_ms \
	iommu.fq_mode smmu.bypass_unattached smmu.msi_sync smmu.strtab \
	smmu.cmdq_log2_max smmu.evtq_log2_max smmu.poll_timeout_ms \
	smmu.tlbi_max_cmds model.cmd_sync_ns model.iotlb_entries \
	model.walkcache_entries model.cfgcache_ways; do
	grep -q "^$key " "$TMP/out" || fail "options: no line for $key"
done
grep -q 'iommu.non_strict' "$TMP/out" || fail "options: legacy spelling not shown"
grep -q '^iommu.fq_size .*2\.\.1048576 (power of two) *default 256' "$TMP/out" ||
	fail "options: fq_size line: $(grep '^iommu.fq_size' "$TMP/out")"

"$SMMUKIT" --help-options >"$TMP/alias" 2>&1 || fail "--help-options: exit $?"
cmp -s "$TMP/out" "$TMP/alias" || fail "--help-options differs from options"

"$SMMUKIT" options --json >"$TMP/json" 2>"$TMP/err" || fail "options --json: exit $?"
[ -s "$TMP/err" ] && fail "options --json: stderr not empty"
nkeys=$(grep -c '^[a-z]*\.[a-z0-9_]* ' "$TMP/out")
[ "$(wc -l <"$TMP/json")" -eq "$nkeys" ] ||
	fail "options --json: $(wc -l <"$TMP/json") lines for $nkeys keys"
if command -v python3 >/dev/null 2>&1; then
	python3 -c '
import json, sys
want = {"key", "legacy", "type", "range", "default", "help"}
for n, line in enumerate(open(sys.argv[1]), 1):
    o = json.loads(line)
    assert set(o) == want, (n, sorted(o))
    assert o["type"] in ("bool", "uint", "enum"), o
    assert all(isinstance(o[k], str) for k in want - {"legacy"}), o
    if o["key"] == "iommu.strict":
        assert o == {"key": "iommu.strict", "legacy": "iommu.non_strict",
                     "type": "bool", "range": "0|1", "default": "1",
                     "help": o["help"]}, o
    if o["key"] == "iommu.fq_mode":
        assert o["range"] == "percpu|single" and o["default"] == "percpu", o
' "$TMP/json" || fail "options --json: not one valid object per line"
else
	while IFS= read -r line; do
		case "$line" in
		'{"key":"'*'","legacy":'*',"type":"'*'","range":"'*'","default":"'*'","help":"'*'"}') ;;
		*) fail "options --json: bad line: $line" ;;
		esac
	done <"$TMP/json"
fi
grep -qx '{"key":"iommu.strict","legacy":"iommu.non_strict","type":"bool","range":"0|1","default":"1","help":"[^"]*"}' "$TMP/json" ||
	fail "options --json: iommu.strict line: $(head -n 1 "$TMP/json")"
"$SMMUKIT" options --bogus >/dev/null 2>&1
[ $? -eq 2 ] || fail "options --bogus: want exit 2"

# ---- bad option strings: exit 2, one line naming the key, stdout empty ----
# expect_bad "CMDLINE" "WANTED SUBSTRING" SUBCOMMAND ARGS...
expect_bad() {
	local cmdline=$1 want=$2 rc
	shift 2
	"$SMMUKIT" --cmdline "$cmdline" "$@" </dev/null >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc -eq 2 ] || fail "'$cmdline' $*: exit $rc, want 2"
	[ -s "$TMP/out" ] && fail "'$cmdline' $*: stdout not empty"
	[ "$(wc -l <"$TMP/err")" -eq 1 ] ||
		fail "'$cmdline' $*: not one line: $(cat "$TMP/err")"
	grep -qF -- "$want" "$TMP/err" ||
		fail "'$cmdline' $*: message $(cat "$TMP/err"), want $want"
}

for sub in "info" "info --json" "model" "pgtable --selftest" \
	"pgtable --stage 1 --granule 4k --ias 48 --oas 48 -"; do
	# shellcheck disable=SC2086
	{
		expect_bad "iommu.fq_sise=1" "unknown option 'iommu.fq_sise'" $sub
		expect_bad "iommu.fq_size=3" "iommu.fq_size=3: must be a power of two in 2..1048576" $sub
		expect_bad "iommu.fq_mode=fast" "iommu.fq_mode=fast: must be percpu or single" $sub
		expect_bad "smmu.strtab=2lvl" "smmu.strtab=2lvl: must be auto or linear" $sub
		expect_bad "model.iotlb_ways=65" "model.iotlb_ways=65: must be a number in 1..64" $sub
		expect_bad "model.iotlb_ways=3" "iotlb_entries" $sub
		expect_bad "foo.bar=1" "no option table for prefix 'foo'" $sub
		expect_bad "iommu.strict" "malformed option 'iommu.strict'" $sub
		expect_bad "=1" "malformed option '=1'" $sub
		expect_bad "iommu.strict=" "malformed option 'iommu.strict='" $sub
		expect_bad "smmu.strtab=linear iommu.strict=maybe" "iommu.strict=maybe: must be 0 or 1" $sub
	}
done

# Where the string came from is named.
SMMUKIT_CMDLINE="iommu.bogus=1" "$SMMUKIT" info >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] || fail "bad \$SMMUKIT_CMDLINE: want exit 2"
grep -qF '$SMMUKIT_CMDLINE' "$TMP/err" || fail "env error does not name \$SMMUKIT_CMDLINE: $(cat "$TMP/err")"

# ---- good strings change what info builds ----
strtab_json() {
	sed -n 's/.*"strtab":"\([^"]*\)".*/\1/p' "$1"
}
"$SMMUKIT" info --json >"$TMP/out" 2>/dev/null || fail "info: exit $?"
[ "$(strtab_json "$TMP/out")" = "2-level" ] || fail "info default strtab: $(cat "$TMP/out")"
SMMUKIT_CMDLINE="smmu.strtab=linear" "$SMMUKIT" info --json >"$TMP/out" 2>/dev/null ||
	fail "info with \$SMMUKIT_CMDLINE: exit $?"
[ "$(strtab_json "$TMP/out")" = "linear" ] ||
	fail "\$SMMUKIT_CMDLINE smmu.strtab=linear not honoured: $(cat "$TMP/out")"
"$SMMUKIT" --cmdline=smmu.strtab=linear info >"$TMP/out" 2>/dev/null || fail "--cmdline=: exit $?"
grep -q '^stream table: linear' "$TMP/out" || fail "--cmdline=smmu.strtab=linear not honoured"
# --cmdline overrides the environment.
SMMUKIT_CMDLINE="smmu.strtab=linear" "$SMMUKIT" --cmdline "smmu.strtab=auto" info --json \
	>"$TMP/out" 2>/dev/null
[ "$(strtab_json "$TMP/out")" = "2-level" ] || fail "--cmdline does not override the environment"
"$SMMUKIT" --cmdline "smmu.cmdq_log2_max=6 smmu.evtq_log2_max=3" info --json >"$TMP/out" 2>/dev/null
grep -q '"cmdq_entries":64,"evtq_entries":8,' "$TMP/out" || fail "queue maxima not honoured: $(cat "$TMP/out")"
"$SMMUKIT" --cmdline "smmu.msi_sync=0" info --model msi >"$TMP/out" 2>/dev/null
grep -q '(polled CMD_SYNC completion)' "$TMP/out" || fail "smmu.msi_sync=0 not honoured"
"$SMMUKIT" info --model msi >"$TMP/out" 2>/dev/null
grep -q '(MSI CMD_SYNC completion)' "$TMP/out" || fail "MSI sync is not the default"

# Two spellings of one setting: one warning, the later wins, still exit 0.
"$SMMUKIT" --cmdline "iommu.strict=1 iommu.non_strict=1" pgtable --selftest --json \
	>/dev/null 2>"$TMP/err" || fail "strict twice: exit $?"
grep -qx 'smmukit: warning: iommu.non_strict=1 overrides earlier iommu.strict=1 (the later one wins)' "$TMP/err" ||
	fail "no override warning: $(cat "$TMP/err")"
# Keys of a layer a subcommand does not build are checked, then said unused.
grep -q 'warning: pgtable builds no IOMMU core' "$TMP/err" || fail "no unused-layer warning"

# ---- model: profile keys, and the later of two settings wins ----
# A CMD_SYNC at t=0; CONS (0x9c) moves when it completes (cmd_sync_ns).
cat >"$TMP/timing.txt" <<'EOF'
w64 0x90 0x80010004
w32 0x20 0x8
mem 0x80010000 0x46 0x0
w32 0x98 1
advance 999
r32 0x9c
advance 1
r32 0x9c
EOF
"$SMMUKIT" --cmdline "model.cmd_sync_ns=1000 model.cmd_sync_ns=5" model --json \
	"$TMP/timing.txt" >"$TMP/out" 2>"$TMP/err" || fail "model timing: exit $?"
[ "$(grep -c '"val":"0x1"' "$TMP/out")" = 2 ] || fail "model: later cmd_sync_ns=5 did not win"
grep -q 'model.cmd_sync_ns=5 overrides earlier model.cmd_sync_ns=1000' "$TMP/err" ||
	fail "model: no override warning"
"$SMMUKIT" --cmdline "model.cmd_sync_ns=5 model.cmd_sync_ns=1000" model --json \
	"$TMP/timing.txt" >"$TMP/out" 2>/dev/null || fail "model timing: exit $?"
[ "$(grep -c '"val":"0x0"' "$TMP/out")" = 1 ] || fail "model: later cmd_sync_ns=1000 did not win"

[ $fails -eq 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
echo "ok"

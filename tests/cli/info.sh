#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# smmukit info: brings the driver up on the model; --json prints one object
# with exactly the documented keys (everything the text output shows: ID
# registers, ASID/VMID bits, page sizes decoded, sync mode, SID bits);
# unknown model keys exit 2.
# shellcheck source=../support/cli_lib.sh
. "$(dirname "$0")/../support/cli_lib.sh"

# expect_json MODEL_KEYS EXACT_OBJECT
expect_json() {
	local out rc
	out=$("$SMMUKIT" info --json --model "$1" 2>"$TMP/err")
	rc=$?
	[ $rc -eq 0 ] || fail "info --model $1: exit $rc ($(cat "$TMP/err"))"
	[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "info --model $1: not one line"
	[ "$out" = "$2" ] || fail "info --model $1: got $out, want $2"
}

expect_json "strtab=2lvl" \
'{"version":"3.2","iidr":"0x5aa00000","aidr":"0x02","idr":["0x0d44101b","0x01480010","0x00000000","0x00000404","0x00000000","0x00000075"],"features":{"s1":true,"s2":true,"ril":true,"msi":false,"sev":false,"coherent":true,"hyp":false,"asid16":true,"vmid16":true,"strtab_2lvl":true,"btm":false,"ats":false,"pri":false},"ias":48,"oas":48,"asid_bits":16,"vmid_bits":16,"pgsize_bitmap":"0x62215000","page_sizes":["4K","16K","64K","2M","32M","512M","1G"],"cmdq_entries":1024,"evtq_entries":256,"sync":"polled","strtab":"2-level","sid_bits":16,"strtab_sid_bits":16,"strtab_split":8}'

expect_json "strtab=linear,ril=0,msi,sev,hyp,coherent=0,asid16=0,vmid16=0,stages=s1,oas=40,cmdq_log2=8,evtq_log2=5" \
'{"version":"3.1","iidr":"0x5aa00000","aidr":"0x01","idr":["0x0540620a","0x01050010","0x00000000","0x00000004","0x00000000","0x00000072"],"features":{"s1":true,"s2":false,"ril":false,"msi":true,"sev":true,"coherent":false,"hyp":true,"asid16":false,"vmid16":false,"strtab_2lvl":false,"btm":false,"ats":false,"pri":false},"ias":48,"oas":40,"asid_bits":8,"vmid_bits":8,"pgsize_bitmap":"0x62215000","page_sizes":["4K","16K","64K","2M","32M","512M","1G"],"cmdq_entries":256,"evtq_entries":32,"sync":"polled","strtab":"linear","sid_bits":16,"strtab_sid_bits":16,"strtab_split":null}'

# Stage 2 only: the input size is the IPA size, i.e. the OAS.
expect_json "stages=s2,oas=44" \
'{"version":"3.2","iidr":"0x5aa00000","aidr":"0x02","idr":["0x0d441019","0x01480010","0x00000000","0x00000404","0x00000000","0x00000074"],"features":{"s1":false,"s2":true,"ril":true,"msi":false,"sev":false,"coherent":true,"hyp":false,"asid16":true,"vmid16":true,"strtab_2lvl":true,"btm":false,"ats":false,"pri":false},"ias":44,"oas":44,"asid_bits":16,"vmid_bits":16,"pgsize_bitmap":"0x62215000","page_sizes":["4K","16K","64K","2M","32M","512M","1G"],"cmdq_entries":1024,"evtq_entries":256,"sync":"polled","strtab":"2-level","sid_bits":16,"strtab_sid_bits":16,"strtab_split":8}'

# 2-level supported but few SIDs: a linear table is enough.
out=$("$SMMUKIT" info --json --model sidsize=6 2>/dev/null)
case "$out" in
*'"strtab_2lvl":true'*'"strtab":"linear"'*) ;;
*) fail "sidsize=6: $out" ;;
esac

# Text mode: what the driver found, and the probe summary line on stderr.
"$SMMUKIT" info --model strtab=linear >"$TMP/out" 2>"$TMP/err" || fail "text mode exit $?"
grep -q '^stream table: linear' "$TMP/out" || fail "text: no stream table line"
grep -q '^features: s1 s2 ril coherent' "$TMP/out" || fail "text: no features line"
grep -q '^command queue: 1024 entries' "$TMP/out" || fail "text: no queue line"
grep -q '^page sizes: 4K 16K 64K 2M 32M 512M 1G ' "$TMP/out" || fail "text: page sizes not decoded"

# A repeated --model adds to the earlier keys; --opt=value as --opt value.
a=$("$SMMUKIT" info --json --model ril=0 --model msi 2>/dev/null)
b=$("$SMMUKIT" info --json --model=ril=0,msi 2>/dev/null)
[ -n "$a" ] && [ "$a" = "$b" ] || fail "repeated --model: '$a' vs '$b'"
case "$a" in *'"ril":false,"msi":true'*) ;; *) fail "repeated --model lost a key: $a" ;; esac
grep -q 'smmu: SMMUv3' "$TMP/err" || fail "text: no probe summary on stderr"

# Errors: unknown key, bad value, unknown option: one line, exit 2.
for bad in "bogus=1" "strtab=3lvl" "oas=47"; do
	"$SMMUKIT" info --json --model "$bad" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc -eq 2 ] || fail "--model $bad: exit $rc, want 2"
	[ -s "$TMP/out" ] && fail "--model $bad: stdout not empty"
	[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "--model $bad: not one error line"
done
"$SMMUKIT" info --frobnicate >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown option: want exit 2"
"$SMMUKIT" info --model >/dev/null 2>&1
[ $? -eq 2 ] || fail "--model without value: want exit 2"
"$SMMUKIT" info --help | grep -q 'usage: smmukit info' || fail "--help"

# A hardware that never consumes commands: the probe reports the timeout
# (exit 1) instead of hanging; stdout stays empty.
"$SMMUKIT" info --json --model cmdq_stall >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -eq 1 ] || fail "cmdq_stall: exit $rc, want 1"
[ -s "$TMP/out" ] && fail "cmdq_stall: stdout not empty"
grep -q 'CMD_SYNC timeout' "$TMP/err" || fail "cmdq_stall: no timeout report"

[ $fails -eq 0 ] && echo "info: all checks passed"
exit $((fails > 0))

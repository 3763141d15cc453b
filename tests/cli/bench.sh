#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# smmukit bench map: dma_map_benchmark on the whole stack. Functional
# relations only, never timings: strict issues one TLBI and one CMD_SYNC
# per unmap, lazy far fewer than one per ten, passthrough none; JSON keys;
# --mode all gives three objects; the options and --cmdline are honoured;
# exit status 0/2 with one line on stderr for bad input.
# shellcheck source=../support/cli_lib.sh
. "$(dirname "$0")/../support/cli_lib.sh"

# get JSON_LINE KEY: a string or number value of KEY.
get() {
	printf '%s\n' "$1" |
		sed -n -e "s/.*\"$2\":\"\\([^\"]*\\)\".*/\\1/p" \
			-e "t" -e "s/.*\"$2\":\\([-0-9a-z.]*\\).*/\\1/p"
}

expect() {
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

# bad WHAT ARGS...: exit 2 with exactly one line on stderr.
bad() {
	local what=$1
	shift
	"$SMMUKIT" "$@" > "$TMP/bad.out" 2> "$TMP/bad.err"
	local rc=$?
	[ $rc -eq 2 ] || fail "$what: exit $rc, want 2"
	[ "$(wc -l < "$TMP/bad.err")" -eq 1 ] ||
		fail "$what: stderr is not one line: $(cat "$TMP/bad.err")"
	[ -s "$TMP/bad.out" ] && fail "$what: something on stdout"
}

"$SMMUKIT" bench --help > "$TMP/help" || fail "bench --help: exit $?"
grep -q "Exit status" "$TMP/help" || fail "--help does not document the exit status"
grep -q "average map latency" "$TMP/help" 2>/dev/null ||
	grep -q "kernel tool" "$TMP/help" || fail "--help does not describe the output"

bad "--threads 0" bench map --threads 0
grep -q -- "--threads 0: must be 1..64" "$TMP/bad.err" || fail "--threads 0 message: $(cat "$TMP/bad.err")"
bad "--threads 65" bench map --threads 65
bad "--mode" bench map --mode eager
bad "--seconds 0" bench map --seconds 0
bad "--seconds junk" bench map --seconds 1x
bad "--granule" bench map --granule 1025
bad "--dir" bench map --dir sideways
bad "--delay-ns" bench map --delay-ns 10000001
bad "unknown option" bench map --frobnicate
bad "missing value" bench map --threads
bad "unknown benchmark" bench nosuch
bad "no benchmark" bench
bad "bad --cmdline" --cmdline "iommu.strict=7" bench map --ops 10
bad "bad profile" bench map --profile no-such-profile --ops 10

keys="mode threads ops map_ns_avg map_ns_stddev unmap_ns_avg unmap_ns_stddev iova_ns_avg tlbi syncs flushes"

# Strict: exactly one TLBI and one CMD_SYNC per map+unmap pair.
out=$("$SMMUKIT" bench map --mode strict --ops 2000 --json 2> "$TMP/err")
rc=$?
expect "strict exit" "$rc" 0
expect "strict: one line" "$(printf '%s\n' "$out" | wc -l)" 1
for k in $keys; do
	[ -n "$(get "$out" "$k")" ] || fail "strict: no key $k in $out"
done
expect "strict mode" "$(get "$out" mode)" strict
expect "strict ops" "$(get "$out" ops)" 2000
expect "strict syncs per unmap" "$(get "$out" syncs)" 2000
expect "strict tlbi per unmap" "$(get "$out" tlbi)" 2000
expect "strict flushes" "$(get "$out" flushes)" 0

# Two threads on two simulated CPUs: still one sync per unmap.
out=$("$SMMUKIT" bench map --mode=strict --threads=2 --ops=500 --json 2>/dev/null)
expect "2 threads ops" "$(get "$out" ops)" 1000
expect "2 threads syncs" "$(get "$out" syncs)" 1000
expect "2 threads" "$(get "$out" threads)" 2

# Lazy: far fewer than one TLBI per ten ops (one flush per full ring).
out=$("$SMMUKIT" bench map --mode lazy --ops 3000 --json --profile sync-1us 2>/dev/null)
ops=$(get "$out" ops)
tlbi=$(get "$out" tlbi)
expect "lazy mode" "$(get "$out" mode)" lazy
expect "lazy ops" "$ops" 3000
[ $((tlbi * 10)) -lt "$ops" ] || fail "lazy: $tlbi TLBIs for $ops ops"
[ "$(get "$out" flushes)" -ge 1 ] || fail "lazy: no flush-queue flush in $out"

# Passthrough: no command at all.
out=$("$SMMUKIT" bench map --mode passthrough --ops 1000 --json 2>/dev/null)
expect "passthrough tlbi" "$(get "$out" tlbi)" 0
expect "passthrough syncs" "$(get "$out" syncs)" 0
expect "passthrough domain" "$(get "$out" domain)" identity

# All three, back to back: one object each, in order.
"$SMMUKIT" bench map --mode all --ops 500 --json > "$TMP/all" 2>/dev/null ||
	fail "--mode all: exit $?"
expect "--mode all lines" "$(wc -l < "$TMP/all")" 3
expect "--mode all order" "$(sed -n 's/.*"mode":"\([a-z]*\)".*/\1/p' "$TMP/all" | tr '\n' ' ')" \
	"strict lazy passthrough "
# Text: the kernel tool's lines, and the table with the ratios.
"$SMMUKIT" bench map --mode all --ops 500 > "$TMP/all.txt" 2>/dev/null
grep -q '^average map latency(us):[0-9]*\.[0-9] standard deviation:[0-9]*\.[0-9]$' "$TMP/all.txt" ||
	fail "text: no kernel-style map line"
grep -q '^average unmap latency(us):' "$TMP/all.txt" || fail "text: no unmap line"
grep -q '^unmap: strict/lazy' "$TMP/all.txt" || fail "text: no ratio line"

# Without --mode the options decide: --cmdline and $SMMUKIT_CMDLINE.
out=$("$SMMUKIT" --cmdline "iommu.strict=0" bench map --ops 300 --json 2>/dev/null)
expect "--cmdline lazy" "$(get "$out" mode)" lazy
out=$(SMMUKIT_CMDLINE="iommu.passthrough=1" "$SMMUKIT" bench map --ops 300 --json 2>/dev/null)
expect "SMMUKIT_CMDLINE passthrough" "$(get "$out" mode)" passthrough
out=$("$SMMUKIT" bench map --ops 300 --json --granule 4 --dir to_device --delay-ns 100 2>/dev/null)
expect "default mode" "$(get "$out" mode)" strict
expect "granule" "$(get "$out" granule)" 4

[ $fails -eq 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
echo "cli bench: ok"

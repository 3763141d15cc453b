#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# smmukit bench io: the fio-like engine on the NVMe-like device model, jobs
# as simulated CPUs in virtual time. Functional assertions only, never
# absolute speed: JSON keys; every mode and workload runs with no failed
# operation and no bad read; strict issues about one TLBI and one CMD_SYNC
# per I/O, lazy far fewer, passthrough none; lazy IOPS >= strict IOPS
# under sync-1us; runs are deterministic (virtual time); --cmdline and
# --opt=value are honoured; exit 2 with one line on stderr for bad input.
# shellcheck source=../support/cli_lib.sh
. "$(dirname "$0")/../support/cli_lib.sh"

# get JSON_LINE KEY: a string or number value of KEY.
get() {
	printf '%s\n' "$1" |
		sed -n -e "s/.*\"$2\":\"\\([^\"]*\\)\".*/\\1/p" \
			-e "t" -e "s/.*\"$2\":\\([-0-9a-z.]*\\).*/\\1/p"
}

# ge A B: A >= B (decimal numbers).
ge() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'
}

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

SHORT="--seconds 0.002 --jobs 2 --iodepth 4"

# --help documents the exit codes.
"$SMMUKIT" bench io --help > "$TMP/help" || fail "--help exit status"
grep -q "Exit status" "$TMP/help" || fail "--help has no exit status"

declare -A iops
for mode in strict lazy passthrough; do
	for rw in randread randwrite randrw; do
		out=$("$SMMUKIT" bench io --mode $mode --rw $rw $SHORT \
			--profile sync-1us --json 2> "$TMP/err")
		rc=$?
		[ $rc -eq 0 ] || fail "$mode $rw: exit $rc: $(cat "$TMP/err")"
		[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] ||
			fail "$mode $rw: not one JSON line"
		for k in mode rw iops lat_us p50 p99 p999 syncs flushes \
			 tlb_hit_rate host_cpu dilation virtual_time; do
			printf '%s' "$out" | grep -q "\"$k\":" ||
				fail "$mode $rw: no key $k"
		done
		[ "$(get "$out" mode)" = $mode ] || fail "$mode $rw: mode"
		[ "$(get "$out" rw)" = $rw ] || fail "$mode $rw: rw"
		[ "$(get "$out" errors)" = 0 ] || fail "$mode $rw: errors"
		[ "$(get "$out" verify_errors)" = 0 ] || fail "$mode $rw: bad reads"
		[ "$(get "$out" dilation)" = 1 ] || fail "$mode $rw: dilation"
		[ "$(get "$out" virtual_time)" = true ] || fail "$mode $rw: virtual_time"
		ge "$(get "$out" iops)" 1 || fail "$mode $rw: no I/O"
		iops[$mode.$rw]=$(get "$out" iops)
		ios=$(get "$out" ios)
		syncs=$(get "$out" syncs)
		case $mode in
		strict) ge "$syncs" "$ios" || fail "strict $rw: $syncs syncs for $ios I/Os" ;;
		lazy) ge "$((ios / 10))" "$syncs" || fail "lazy $rw: $syncs syncs for $ios I/Os" ;;
		passthrough) [ "$syncs" = 0 ] || fail "passthrough $rw: $syncs syncs" ;;
		esac
	done
done
ge "${iops[lazy.randread]}" "${iops[strict.randread]}" ||
	fail "sync-1us randread: lazy ${iops[lazy.randread]} < strict ${iops[strict.randread]}"
ge "${iops[lazy.randwrite]}" "${iops[strict.randwrite]}" ||
	fail "sync-1us randwrite: lazy < strict"
ge "${iops[passthrough.randread]}" "${iops[lazy.randread]}" ||
	fail "sync-1us randread: passthrough < lazy"

# Virtual time: the same run twice gives the same figures.
a=$("$SMMUKIT" bench io $SHORT --profile sync-1us --json | sed 's/"host[^,]*,//g')
b=$("$SMMUKIT" bench io $SHORT --profile sync-1us --json | sed 's/"host[^,]*,//g')
[ "$a" = "$b" ] || fail "two identical runs differ: $a / $b"

# --cmdline reaches the model: a free CMD_SYNC makes strict as fast as lazy
# on a device-bound profile; --opt=value works.
s=$("$SMMUKIT" --cmdline "model.cmd_sync_ns=0 model.cmd_tlbi_va_ns=0 model.cmd_tlbi_range_ns=0" \
	bench io --mode=strict --seconds=0.002 --jobs=2 --iodepth=4 \
	--profile=sync-1us --json)
l=$("$SMMUKIT" bench io --mode=lazy --seconds=0.002 --jobs=2 --iodepth=4 \
	--profile=sync-1us --json)
[ "$(get "$s" iops)" = "$(get "$l" iops)" ] ||
	fail "--cmdline free sync: strict $(get "$s" iops) != lazy $(get "$l" iops)"

# Text output: the modelled IOPS line, nothing but text.
"$SMMUKIT" bench io $SHORT > "$TMP/text" || fail "text run"
grep -q "IOPS" "$TMP/text" || fail "text: no IOPS line"

bad "unknown option" bench io --frobnicate
bad "bad mode" bench io --mode sloppy
bad "bad rw" bench io --rw seqread
bad "bs not 4k" bench io --bs 1000
bad "bs too big" bench io --bs 2M
bad "iodepth 0" bench io --iodepth 0
bad "jobs too many" bench io --jobs 1000
bad "seconds 0" bench io --seconds 0
bad "seconds junk" bench io --seconds soon
bad "missing value" bench io --jobs
bad "unknown profile" bench io --profile no-such-profile
bad "bad cmdline" --cmdline "model.nope=1" bench io

[ $fails -eq 0 ] && echo "bench_io: all passed"
exit $((fails != 0))

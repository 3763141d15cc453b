#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# smmukit compare: the original series' table. Functional assertions only,
# never absolute speed: the JSON keys and rows; lazy >= strict and
# passthrough >= lazy under sync-1us; the ratios agree with the IOPS;
# --csv; --sweep gives one object per point with strict IOPS falling as
# cmd_sync_ns grows; --plot writes an SVG (or says gnuplot is missing);
# text output without --json; exit 2 with one line on stderr for bad input.
# shellcheck source=../support/cli_lib.sh
. "$(dirname "$0")/../support/cli_lib.sh"

# field JSON_OBJECT KEY: a number or string value (first occurrence).
field() {
	printf '%s\n' "$1" |
		sed -n -e "s/.*\"$2\":\"\\([^\"]*\\)\".*/\\1/p" \
			-e "t" -e "s/.*\"$2\":\\([-0-9a-z.]*\\).*/\\1/p" | head -1
}

ge() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'
}

near() {	# near A B: |A - B| <= 1% of B (+0.01)
	awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 0.01 * b + 0.01) }'
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

SHORT="--seconds 0.002 --jobs 2 --iodepth 4 --runs 1"

"$SMMUKIT" compare --help > "$TMP/help" || fail "--help exit status"
grep -q "Exit status" "$TMP/help" || fail "--help has no exit status"

out=$("$SMMUKIT" compare --profile sync-1us $SHORT --json --csv "$TMP/t.csv" 2> "$TMP/err")
rc=$?
[ $rc -eq 0 ] || fail "compare: exit $rc: $(cat "$TMP/err")"
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "compare: not one JSON line"
[ "$(field "$out" profile)" = sync-1us ] || fail "profile key"
for rw in randread randwrite; do
	row=$(printf '%s\n' "$out" | grep -o "{\"rw\":\"$rw\"[^}]*}")
	[ -n "$row" ] || { fail "no $rw row"; continue; }
	for k in strict_iops lazy_iops passthrough_iops lazy_over_strict \
		 lazy_over_passthrough host_bound; do
		printf '%s' "$row" | grep -q "\"$k\":" || fail "$rw: no key $k"
	done
	s=$(field "$row" strict_iops)
	l=$(field "$row" lazy_iops)
	p=$(field "$row" passthrough_iops)
	ge "$l" "$s" || fail "$rw: lazy $l < strict $s under sync-1us"
	ge "$p" "$l" || fail "$rw: passthrough $p < lazy $l"
	near "$(field "$row" lazy_over_strict)" "$(awk -v a="$l" -v b="$s" 'BEGIN{print a/b}')" ||
		fail "$rw: lazy_over_strict does not match the IOPS"
	[ "$(field "$row" host_bound)" = false ] || fail "$rw: host_bound"
done
[ -s "$TMP/t.csv" ] || fail "no CSV"
[ "$(wc -l < "$TMP/t.csv")" -eq 3 ] || fail "CSV: not a header and two rows"
head -1 "$TMP/t.csv" | grep -q "^rw,strict_iops,lazy_iops,passthrough_iops" ||
	fail "CSV header"

# The table in text.
"$SMMUKIT" compare --profile sync-1us $SHORT > "$TMP/text" 2>&1 || fail "text run"
grep -q "lazy/strict" "$TMP/text" || fail "text: no table"
grep -q "^randwrite" "$TMP/text" || fail "text: no randwrite row"

# The sweep: one object per point, strict falls as the sync gets dearer,
# and lazy/strict grows.
sw=$("$SMMUKIT" compare --profile sync-1us $SHORT --sweep cmd_sync_ns=100:10000 \
	--points 3 --json)
[ "$(printf '%s\n' "$sw" | wc -l)" -eq 3 ] || fail "sweep: not 3 lines"
first=$(printf '%s\n' "$sw" | head -1)
last=$(printf '%s\n' "$sw" | tail -1)
[ "$(field "$first" value)" = 100 ] || fail "sweep: first value"
[ "$(field "$last" value)" = 10000 ] || fail "sweep: last value"
[ "$(field "$first" sweep)" = cmd_sync_ns ] || fail "sweep: key"
ge "$(field "$first" strict_iops)" "$(field "$last" strict_iops)" ||
	fail "sweep: strict IOPS grew with cmd_sync_ns"
ge "$(field "$last" lazy_over_strict)" "$(field "$first" lazy_over_strict)" ||
	fail "sweep: lazy/strict fell with cmd_sync_ns"

# --plot: an SVG when gnuplot is there; otherwise exit 1 saying so.
if command -v gnuplot > /dev/null 2>&1; then
	"$SMMUKIT" compare --profile sync-1us $SHORT --plot "$TMP/t.svg" > /dev/null ||
		fail "--plot failed"
	grep -q "<svg" "$TMP/t.svg" 2>/dev/null || fail "--plot: no SVG"
fi

bad "unknown option" compare --frobnicate
bad "runs 0" compare --runs 0
bad "runs too many" compare --runs 100
bad "seconds junk" compare --seconds x
bad "sweep syntax" compare --sweep cmd_sync_ns
bad "sweep key" compare --sweep nope_ns=1:2
bad "sweep bounds" compare --sweep cmd_sync_ns=10:1
bad "points" compare --sweep cmd_sync_ns=1:10 --points 1
bad "rw without sweep" compare --rw randread
bad "unknown profile" compare --profile no-such-profile

[ $fails -eq 0 ] && echo "compare: all passed"
exit $((fails != 0))

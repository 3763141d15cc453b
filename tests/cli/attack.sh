#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# smmukit attack: a device misusing IOVAs after their unmap returned.
# Strict and untrusted (bounce buffers) give no stale access; lazy gives
# stale accesses to the old buffers only (never to reused memory), every
# window within timeout + flush + timer lateness, and the single flush
# queue longer windows than the per-CPU one; bounce buffers leave no byte
# beyond the buffers reachable; runs are deterministic; exit status 0/2.
# shellcheck source=../support/cli_lib.sh
. "$(dirname "$0")/../support/cli_lib.sh"

get() {
	printf '%s\n' "$1" |
		sed -n -e "s/.*\"$2\":\"\\([^\"]*\\)\".*/\\1/p" \
			-e "t" -e "s/.*\"$2\":\\([-0-9a-z.]*\\).*/\\1/p"
}

expect() {
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

# le A B: A <= B as decimal numbers.
le() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'
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

"$SMMUKIT" attack --help > "$TMP/help" || fail "attack --help: exit $?"
grep -q "Exit status" "$TMP/help" || fail "--help does not document the exit status"

bad "--mode" attack --mode eager
bad "--fq-mode" attack --fq-mode triple
bad "--seconds" attack --seconds 61
bad "--seconds 0" attack --seconds 0
bad "--io-ns" attack --io-ns 5
grep -q -- "--io-ns 5: must be 1000..1000000000" "$TMP/bad.err" || fail "--io-ns message: $(cat "$TMP/bad.err")"
bad "--ops" attack --ops 0
bad "unknown option" attack --frobnicate
bad "bad --cmdline" --cmdline "iommu.fq_mode=triple" attack

keys="mode stale_accesses stale_unmapped stale_reused window_us pages_exposed bytes_beyond_buffers accesses"
S="--seconds 0.2"

out=$("$SMMUKIT" attack --mode strict $S --json 2> "$TMP/err")
expect "strict exit" "$?" 0
expect "strict: one line" "$(printf '%s\n' "$out" | wc -l)" 1
for k in $keys; do
	printf '%s\n' "$out" | grep -q "\"$k\":" || fail "strict: no key $k in $out"
done
for k in min p50 p99 max; do
	printf '%s\n' "$out" | grep -q "\"window_us\":{.*\"$k\":" || fail "strict: no window $k"
done
expect "strict stale" "$(get "$out" stale_accesses)" 0
expect "strict pages exposed" "$(get "$out" pages_exposed)" 0
[ "$(get "$out" accesses)" -gt 0 ] || fail "strict: no rogue access"
# A trusted device reaches the rest of each mapped page.
[ "$(get "$out" bytes_beyond_buffers)" -gt 0 ] || fail "strict: no byte beyond the buffers"

out=$("$SMMUKIT" attack --mode lazy $S --json 2>/dev/null)
expect "lazy domain" "$(get "$out" domain)" DMA-FQ
[ "$(get "$out" stale_unmapped)" -gt 0 ] || fail "lazy: no stale access in $out"
expect "lazy stale_reused" "$(get "$out" stale_reused)" 0
[ "$(get "$out" pages_exposed)" -gt 0 ] || fail "lazy: no page exposed"
max=$(get "$out" max)
bound=$(get "$out" bound_us)
le "$max" "$bound" || fail "lazy: max window $max us beyond the bound $bound us"
percpu_p50=$(get "$out" p50)

out=$("$SMMUKIT" attack --mode lazy --fq-mode single $S --json 2>/dev/null)
expect "single fq_mode" "$(get "$out" fq_mode)" single
expect "single stale_reused" "$(get "$out" stale_reused)" 0
[ "$(get "$out" stale_unmapped)" -gt 0 ] || fail "single: no stale access"
single_p50=$(get "$out" p50)
le "$single_p50" "$percpu_p50" && fail "single queue p50 $single_p50 us not above per-CPU $percpu_p50 us"
le "$(get "$out" max)" "$(get "$out" bound_us)" || fail "single: max window beyond the bound"

# Untrusted: strict whatever was asked, and bounced.
out=$(SMMUKIT_CMDLINE="iommu.strict=0" "$SMMUKIT" attack --untrusted $S --json 2>/dev/null)
expect "untrusted domain" "$(get "$out" domain)" DMA
expect "untrusted stale" "$(get "$out" stale_accesses)" 0
expect "untrusted bytes beyond" "$(get "$out" bytes_beyond_buffers)" 0

# Passthrough: nothing is stale (no translation), everything reachable.
out=$("$SMMUKIT" attack --mode=passthrough --ops=500 --json 2>/dev/null)
expect "passthrough domain" "$(get "$out" domain)" identity
expect "passthrough ios" "$(get "$out" ios)" 500
expect "passthrough after unmap" "$(get "$out" after_unmap_ok)" 500

# Deterministic: the manual clock and a fixed sequence.
a=$("$SMMUKIT" attack --mode lazy --profile sync-1us --ops 3000 --json 2>/dev/null)
b=$("$SMMUKIT" attack --mode lazy --profile sync-1us --ops 3000 --json 2>/dev/null)
expect "deterministic" "$a" "$b"
"$SMMUKIT" attack --mode lazy --ops 300 > "$TMP/text" 2>/dev/null || fail "text run: exit $?"
grep -q "modelled time" "$TMP/text" || fail "text: does not say which clock"

[ $fails -eq 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
echo "cli attack: ok"

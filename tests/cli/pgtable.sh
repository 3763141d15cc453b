#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# smmukit pgtable: scripts in, one line per command out (JSON with --json);
# a bad line exits 2 naming its line number.
# shellcheck source=../support/cli_lib.sh
. "$(dirname "$0")/../support/cli_lib.sh"

# expect_line FILE LINE_NO EXACT_TEXT
expect_line() {
	local got
	got=$(sed -n "${2}p" "$1")
	[ "$got" = "$3" ] || fail "$1 line $2: got '$got', want '$3'"
}

expect_grep() {
	grep -q -- "$2" "$1" || fail "$1 lacks '$2'"
}

# --- JSON: results of each command ------------------------------------------
cat > "$TMP/s1.txt" <<'EOF'
# a comment, then a blank line

map 0x1000 0x90000000 4K rw      # trailing comment
map 0x200000 0x90200000 2M r
map 0x40000000 0x40000000 1G rwx
map 0x1000 0x1000 4K rw
map 0x1800 0x1000 4K rw
map 0x1000000000000 0 4K r
translate 0x1234
translate 0x200123
translate 0x5000
unmap 0x200000 4K
unmap 0x200000 2M
unmap 0x200000 2M
translate 0x200123
map 0x601000 0x5000 4K r
unmap 0x601000 4K
map 0x600000 0x0 2M w
dump
EOF
"$SMMUKIT" pgtable --stage 1 --granule 4k --ias 48 --oas 48 --json "$TMP/s1.txt" \
	> "$TMP/o1" 2> "$TMP/e1"
rc=$?
# Three maps and an unmap fail (EEXIST, EINVAL, ERANGE): the run goes on and
# exits 1, not 0, so a script's failures are never silent.
[ $rc -eq 1 ] || fail "s1 exited $rc, want 1: $(cat "$TMP/e1")"
[ "$(wc -l < "$TMP/o1")" -eq 17 ] || fail "s1: want 17 lines, got $(wc -l < "$TMP/o1")"
expect_line "$TMP/o1" 1 '{"op":"map","ret":0}'
expect_line "$TMP/o1" 2 '{"op":"map","ret":0}'
expect_line "$TMP/o1" 3 '{"op":"map","ret":0}'
expect_line "$TMP/o1" 4 '{"op":"map","ret":-17,"err":"EEXIST"}'
expect_line "$TMP/o1" 5 '{"op":"map","ret":-22,"err":"EINVAL"}'
expect_line "$TMP/o1" 6 '{"op":"map","ret":-34,"err":"ERANGE"}'
expect_line "$TMP/o1" 7 '{"op":"translate","iova":"0x1234","pa":"0x90000234"}'
expect_line "$TMP/o1" 8 '{"op":"translate","iova":"0x200123","pa":"0x90200123"}'
expect_line "$TMP/o1" 9 '{"op":"translate","iova":"0x5000","pa":null}'
expect_line "$TMP/o1" 10 '{"op":"unmap","ret":-22,"err":"EINVAL"}'
expect_line "$TMP/o1" 11 '{"op":"unmap","ret":2097152}'
expect_line "$TMP/o1" 12 '{"op":"unmap","ret":0}'
expect_line "$TMP/o1" 13 '{"op":"translate","iova":"0x200123","pa":null}'
expect_line "$TMP/o1" 14 '{"op":"map","ret":0}'
expect_line "$TMP/o1" 15 '{"op":"unmap","ret":4096}'
expect_line "$TMP/o1" 16 '{"op":"map","ret":0}'
# The dump: every valid descriptor, with table page, level and index.
dump=$(sed -n 17p "$TMP/o1")
case "$dump" in
'{"op":"dump","root":"0x'*'","entries":[{"table":"0x'*']}') ;;
*) fail "dump line malformed: $dump" ;;
esac
# 4K page at 0x1000: level 3 index 1, RW, cacheable (AttrIndx 1), XN, nG, AF, SH inner.
echo "$dump" | grep -q '"level":3,"index":1,"desc":"0x60000090000f47"' ||
	fail "dump lacks the 4K page descriptor"
# 2M write-only block at 0x600000 replaced the empty L3 table: level 2 index 3.
echo "$dump" | grep -q '"level":2,"index":3,"desc":"0x60000000000f45"' ||
	fail "dump lacks the 2M block descriptor"
# 1G executable block: level 1 index 1.
echo "$dump" | grep -q '"level":1,"index":1,"desc":"0x40000f45"' ||
	fail "dump lacks the 1G block descriptor"
# Start level 0 for 4K/48 bits: one L0 entry.
[ "$(echo "$dump" | grep -o '"level":0' | wc -l)" -eq 1 ] || fail "want one L0 entry"
[ "$(echo "$dump" | grep -o '"table":' | wc -l)" -eq 6 ] || fail "want 6 dump entries"
# stdout holds JSON only.
grep -qv '^{.*}$' "$TMP/o1" && fail "non-JSON line on stdout with --json"

# --- the same script from standard input, human-readable ---------------------
"$SMMUKIT" pgtable - < "$TMP/s1.txt" > "$TMP/o2" 2> "$TMP/e2"
[ $? -eq 1 ] || fail "stdin run: want exit 1 (failed maps)"
expect_grep "$TMP/o2" 'translate 0x1234 -> 0x90000234'
expect_grep "$TMP/o2" 'EEXIST'
expect_grep "$TMP/o2" 'dump: root 0x'
expect_grep "$TMP/o2" '^      L3\[1\] page iova 0x1000 -> pa 0x90000000 size 4K rw attr=1(wb) ng xn sh=inner af'
expect_grep "$TMP/o2" '^    L2\[3\] block iova 0x600000 -> pa 0x0 size 2M rw'
expect_grep "$TMP/o2" '^  L1\[1\] block iova 0x40000000 -> pa 0x40000000 size 1G'
expect_grep "$TMP/o2" '^L0\[0\] table -> 0x'

# --- stage 2, concatenated root ---------------------------------------------
printf 'map 0x8040000000 0x40000000 1G rw\ntranslate 0x8040001234\ndump\n' > "$TMP/s3.txt"
"$SMMUKIT" pgtable --stage 2 --granule 4k --ias 40 --oas 40 --json "$TMP/s3.txt" \
	> "$TMP/o3" 2> "$TMP/e3" || fail "stage 2 run failed: $(cat "$TMP/e3")"
expect_line "$TMP/o3" 2 '{"op":"translate","iova":"0x8040001234","pa":"0x40001234"}'
root=$(sed -n 3p "$TMP/o3" | sed 's/.*"root":"\(0x[0-9a-f]*\)".*/\1/')
second=$(printf '0x%x' $((root + 4096)))
# IPA 513G: level 1, second concatenated table, index 1. S2: RW, MemAttr WB,
# no-exec (XN[1:0] = 0b10: bit 54 only).
expect_line "$TMP/o3" 3 "{\"op\":\"dump\",\"root\":\"$root\",\"entries\":[{\"table\":\"$second\",\"level\":1,\"index\":1,\"desc\":\"0x400000400007fd\"}]}"
"$SMMUKIT" pgtable --stage 2 --granule 4k --ias 40 --oas 40 "$TMP/s3.txt" > "$TMP/o3h" ||
	fail "stage 2 human run failed"
expect_grep "$TMP/o3h" '2 concatenated tables'
expect_grep "$TMP/o3h" '^L1\[1\] (root table 1) block iova 0x8040000000 -> pa 0x40000000 size 1G'
expect_grep "$TMP/o3h" 's2ap=rw memattr=0xf(wb) xn sh=inner af'
# 64K with PS 40: SL0 = 0b10 (level 1) is invalid below PAMax 44, so a
# 44-bit IPA starts at level 2 with four concatenated tables.
echo dump | "$SMMUKIT" pgtable --stage 2 --granule 64k --ias 44 --oas 40 - > "$TMP/o64" ||
	fail "64K stage 2, PS 40 run failed"
expect_grep "$TMP/o64" '2 levels from L2 (4 concatenated tables)'

# --- 16K and 64K granules ----------------------------------------------------
printf 'map 0x2000000 0x4000000 32M r\nmap 0x4000 0x8000 16K w\ntranslate 0x2000010\ndump\n' > "$TMP/s4.txt"
"$SMMUKIT" pgtable --stage 1 --granule 16k --ias 36 --oas 40 --json "$TMP/s4.txt" \
	> "$TMP/o4" || fail "16k run failed"
expect_line "$TMP/o4" 3 '{"op":"translate","iova":"0x2000010","pa":"0x4000010"}'
expect_grep "$TMP/o4" '"level":2,"index":1,"desc":"0x60000004000fc5"'
printf 'map 0x10000 0xf123456780000 64K rw\ntranslate 0x10010\n' > "$TMP/s5.txt"
"$SMMUKIT" pgtable --granule 64k --ias 52 --oas 52 --json "$TMP/s5.txt" > "$TMP/o5" ||
	fail "64k run failed"
expect_line "$TMP/o5" 2 '{"op":"translate","iova":"0x10010","pa":"0xf123456780010"}'

# --- bad lines: exit 2 with the line number ----------------------------------
bad_line() { # NAME LINE_NO SCRIPT_TEXT
	printf '%b' "$3" > "$TMP/bad.txt"
	"$SMMUKIT" pgtable --json "$TMP/bad.txt" > "$TMP/ob" 2> "$TMP/eb"
	local rc=$?
	[ $rc -eq 2 ] || fail "$1: exit $rc, want 2"
	grep -q "line $2" "$TMP/eb" || fail "$1: stderr lacks 'line $2': $(cat "$TMP/eb")"
}
bad_line unknown-command 3 'map 0x1000 0x1000 4K rw\n# ok\nfrobnicate 1\n'
bad_line bad-prot 1 'map 0x1000 0x1000 4K rq\n'
bad_line prot-x-only 2 '\nmap 0x1000 0x1000 4K x\n'
bad_line bad-number 1 'translate 0x12g\n'
bad_line bad-size 1 'map 0x1000 0x1000 4Q rw\n'
bad_line missing-arg 2 'dump\nunmap 0x1000\n'
bad_line extra-arg 1 'translate 0x1000 0x2000\n'
bad_line dump-arg 4 '\n\n\ndump now\n'
# Lines before the bad one were run and printed.
printf 'map 0x1000 0x1000 4K rw\nbogus\n' > "$TMP/bad.txt"
"$SMMUKIT" pgtable --json "$TMP/bad.txt" > "$TMP/ob" 2>/dev/null
expect_line "$TMP/ob" 1 '{"op":"map","ret":0}'

# --- bad options --------------------------------------------------------------
for args in "--stage 3" "--granule 8k" "--ias 60" "--bogus" "--stage 2 --granule 4k --ias 44 --oas 40" \
	"--stage 2 --granule 64k --ias 48 --oas 40"; do
	echo dump | "$SMMUKIT" pgtable $args - > /dev/null 2>&1
	rc=$?
	[ $rc -eq 2 ] || fail "options '$args': exit $rc, want 2"
done
"$SMMUKIT" pgtable "$TMP/does-not-exist" > /dev/null 2>&1
[ $? -eq 2 ] || fail "missing script file: want exit 2"
"$SMMUKIT" pgtable --help | grep -q 'translate IOVA' || fail "--help"

# --- the self-test summary (what make run prints for now) ---------------------
"$SMMUKIT" pgtable --selftest --json > "$TMP/ost" || fail "--selftest failed"
expect_line "$TMP/ost" 141 '{"op":"selftest","pass":140,"fail":0,"refused":0,"pages_leaked":0}'
"$SMMUKIT" pgtable --selftest | grep -q '140 PASS, 0 FAIL' || fail "--selftest summary"

if [ $fails -ne 0 ]; then
	echo "cli pgtable: $fails failure(s)" >&2
	exit 1
fi
echo "cli pgtable: all checks passed"

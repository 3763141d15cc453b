#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# smmukit dma: the DMA API on the whole stack. Strict unmap closes the
# window at once (one TLBI + one CMD_SYNC, none on map); lazy unmap leaves a
# stale TLB entry until a flush or the flush-queue timer (one whole-domain
# TLBI + one sync per flush, none per unmap); untrusted devices and user
# domains stay strict whatever the options; DMA -> DMA-FQ keeps mappings
# live; identity gives pa == iova without TLBI; runs are deterministic;
# exit status 0/1/2; --json is one object per line.
# shellcheck source=../support/cli_lib.sh
. "$(dirname "$0")/../support/cli_lib.sh"

# run NAME [ARGS...] < script: stdout in $TMP/NAME.out, stderr in .err,
# exit status in $rc.
run() {
	local name=$1
	shift
	"$SMMUKIT" "$@" > "$TMP/$name.out" 2> "$TMP/$name.err"
	rc=$?
}

# line FILE N: the Nth line of FILE.
line() {
	sed -n "${2}p" "$1"
}

# get JSON_LINE KEY: a string, number, true/false/null value of KEY.
get() {
	printf '%s\n' "$1" |
		sed -n -e "s/.*\"$2\":\"\\([^\"]*\\)\".*/\\1/p" \
			-e "t" -e "s/.*\"$2\":\\([-0-9a-z]*\\).*/\\1/p"
}

# expect WHAT GOT WANT
expect() {
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

# The IOVA the first map of a script returns (deterministic: the same
# prefix gives the same IOVA in the full run).
first_iova() {
	local out
	out=$("$SMMUKIT" "$@" 2>/dev/null | grep '"op":"map' | head -1)
	get "$out" iova
}

# nth_stats FILE N: the Nth stats line.
nth_stats() {
	grep '"op":"stats"' "$1" | sed -n "${2}p"
}

# delta FILE KEY A B: stats line B's KEY minus stats line A's.
delta() {
	local a b
	a=$(get "$(nth_stats "$1" "$3")" "$2")
	b=$(get "$(nth_stats "$1" "$4")" "$2")
	echo $((b - a))
}

check_json() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c '
import json, sys
for n, l in enumerate(open(sys.argv[1]), 1):
    o = json.loads(l)
    assert isinstance(o, dict) and "op" in o, "line %d: %r" % (n, l)
' "$1" || fail "$1: not one JSON object per line"
	elif grep -v '^{.*}$' "$1" >/dev/null; then
		fail "$1: non-JSON line"
	fi
}

# --- strict (the default) -------------------------------------------------------
printf 'device nvme 8\nmap nvme 4096\n' > "$TMP/pre.txt"
IOVA=$(first_iova dma --json "$TMP/pre.txt")
[ -n "$IOVA" ] || fail "strict: no IOVA from map"

cat > "$TMP/strict.txt" <<EOF
device nvme 8
stats
map nvme 4096
stats
dma nvme $IOVA w 16
dma nvme $IOVA r 16
unmap nvme $IOVA
stats
dma nvme $IOVA r 16
EOF
run strict dma --json "$TMP/strict.txt"
expect "strict exit" "$rc" 0
check_json "$TMP/strict.out"
expect "strict device" "$(line "$TMP/strict.out" 1)" \
	'{"op":"device","name":"nvme","sid":8,"domain":"DMA"}'
expect "strict map ret" "$(get "$(line "$TMP/strict.out" 3)" ret)" 0
expect "strict map size" "$(get "$(line "$TMP/strict.out" 3)" size)" 4096
expect "strict dma ok" "$(get "$(line "$TMP/strict.out" 5)" ok)" true
expect "strict dma stale" "$(get "$(line "$TMP/strict.out" 5)" stale)" null
expect "strict dma pa" "$(get "$(line "$TMP/strict.out" 5)" pa)" \
	"$(get "$(line "$TMP/strict.out" 3)" pa)"
expect "strict unmap" "$(line "$TMP/strict.out" 7)" '{"op":"unmap","ret":0}'
expect "strict map: TLBI" "$(delta "$TMP/strict.out" tlbi 1 2)" 0
expect "strict map: syncs" "$(delta "$TMP/strict.out" syncs 1 2)" 0
expect "strict unmap: TLBI" "$(delta "$TMP/strict.out" tlbi 2 3)" 1
expect "strict unmap: syncs" "$(delta "$TMP/strict.out" syncs 2 3)" 1
last=$(line "$TMP/strict.out" 9)
expect "strict after unmap: ok" "$(get "$last" ok)" false
expect "strict after unmap: event" "$(get "$last" event)" F_TRANSLATION
expect "strict after unmap: stale" "$(get "$last" stale)" null
expect "strict stats" "$(nth_stats "$TMP/strict.out" 3)" \
	'{"op":"stats","maps":1,"unmaps":1,"tlbi":'"$(get "$(nth_stats "$TMP/strict.out" 3)" tlbi)"',"syncs":'"$(get "$(nth_stats "$TMP/strict.out" 3)" syncs)"',"flushes":0,"fq_pending":0,"iova_live":0,"stale_unmapped":0,"stale_reused":0}'
grep -q 'strict mode' "$TMP/strict.err" || fail "strict: no policy line on stderr"

# --- lazy: iommu.strict=0 and the legacy iommu.non_strict=1 ----------------------
for opt in iommu.strict=0 iommu.non_strict=1; do
	IOVA=$(first_iova --cmdline "$opt" dma --json "$TMP/pre.txt")
	cat > "$TMP/lazy.txt" <<EOF
device nvme 8
map nvme 4096
dma nvme $IOVA r 8
stats
unmap nvme $IOVA
stats
dma nvme $IOVA r 8
flush nvme
stats
dma nvme $IOVA r 8
EOF
	run lazy --cmdline "$opt" dma --json "$TMP/lazy.txt"
	expect "$opt exit" "$rc" 0
	check_json "$TMP/lazy.out"
	expect "$opt domain" "$(get "$(line "$TMP/lazy.out" 1)" domain)" DMA-FQ
	expect "$opt unmap: TLBI" "$(delta "$TMP/lazy.out" tlbi 1 2)" 0
	expect "$opt unmap: syncs" "$(delta "$TMP/lazy.out" syncs 1 2)" 0
	expect "$opt pending" "$(get "$(nth_stats "$TMP/lazy.out" 2)" fq_pending)" 1
	l=$(line "$TMP/lazy.out" 7)
	expect "$opt stale dma ok" "$(get "$l" ok)" true
	expect "$opt stale kind" "$(get "$l" stale)" unmapped
	expect "$opt flush" "$(line "$TMP/lazy.out" 8)" '{"op":"flush","ret":0}'
	expect "$opt flush: TLBI" "$(delta "$TMP/lazy.out" tlbi 2 3)" 1
	expect "$opt flush: syncs" "$(delta "$TMP/lazy.out" syncs 2 3)" 1
	expect "$opt flushes" "$(delta "$TMP/lazy.out" flushes 2 3)" 1
	expect "$opt pending after flush" "$(get "$(nth_stats "$TMP/lazy.out" 3)" fq_pending)" 0
	expect "$opt stale_unmapped" "$(get "$(nth_stats "$TMP/lazy.out" 3)" stale_unmapped)" 1
	expect "$opt stale_reused" "$(get "$(nth_stats "$TMP/lazy.out" 3)" stale_reused)" 0
	l=$(line "$TMP/lazy.out" 10)
	expect "$opt after flush: ok" "$(get "$l" ok)" false
	expect "$opt after flush: event" "$(get "$l" event)" F_TRANSLATION
	grep -q 'lazy mode' "$TMP/lazy.err" || fail "$opt: no lazy policy line on stderr"
done

# The flush-queue timer (10 ms) on the manual clock.
IOVA=$(first_iova --cmdline iommu.strict=0 dma --json "$TMP/pre.txt")
cat > "$TMP/timer.txt" <<EOF
device nvme 8
map nvme 4096
dma nvme $IOVA r 8
unmap nvme $IOVA
advance 1000000
dma nvme $IOVA r 8
stats
advance 10000000
stats
dma nvme $IOVA r 8
EOF
run timer --cmdline iommu.strict=0 dma --json "$TMP/timer.txt"
expect "timer exit" "$rc" 0
expect "timer: stale at 1 ms" "$(get "$(line "$TMP/timer.out" 6)" stale)" unmapped
expect "timer: still pending at 1 ms" "$(get "$(nth_stats "$TMP/timer.out" 1)" fq_pending)" 1
expect "timer: flushed by 11 ms" "$(delta "$TMP/timer.out" flushes 1 2)" 1
expect "timer: TLBI" "$(delta "$TMP/timer.out" tlbi 1 2)" 1
expect "timer: pending" "$(get "$(nth_stats "$TMP/timer.out" 2)" fq_pending)" 0
l=$(line "$TMP/timer.out" 10)
expect "timer: after: ok" "$(get "$l" ok)" false
expect "timer: after: event" "$(get "$l" event)" F_TRANSLATION
expect "timer: after: stale" "$(get "$l" stale)" null

# --- untrusted devices are strict whatever the options ---------------------------
printf 'device tb 9 untrusted\nmap tb 4096\n' > "$TMP/upre.txt"
IOVA=$(first_iova --cmdline iommu.strict=0 dma --json "$TMP/upre.txt")
cat > "$TMP/untrusted.txt" <<EOF
device tb 9 untrusted
map tb 4096
dma tb $IOVA r 4
stats
unmap tb $IOVA
stats
dma tb $IOVA r 4
EOF
run untrusted --cmdline iommu.strict=0 dma --json "$TMP/untrusted.txt"
expect "untrusted exit" "$rc" 0
expect "untrusted device" "$(line "$TMP/untrusted.out" 1)" \
	'{"op":"device","name":"tb","sid":9,"domain":"DMA"}'
expect "untrusted unmap: TLBI" "$(delta "$TMP/untrusted.out" tlbi 1 2)" 1
expect "untrusted unmap: syncs" "$(delta "$TMP/untrusted.out" syncs 1 2)" 1
expect "untrusted after unmap" "$(get "$(line "$TMP/untrusted.out" 7)" event)" F_TRANSLATION

# --- DMA -> DMA-FQ on a live device keeps its mappings ---------------------------
IOVA=$(first_iova dma --json "$TMP/pre.txt")
cat > "$TMP/tofq.txt" <<EOF
device nvme 8
map nvme 4096
dma nvme $IOVA w 64
domain nvme DMA-FQ
dma nvme $IOVA r 64
stats
unmap nvme $IOVA
stats
dma nvme $IOVA r 64
EOF
run tofq dma --json "$TMP/tofq.txt"
expect "tofq exit" "$rc" 0
expect "tofq domain" "$(line "$TMP/tofq.out" 4)" \
	'{"op":"domain","name":"nvme","domain":"DMA-FQ","ret":0}'
expect "tofq dma after switch" "$(get "$(line "$TMP/tofq.out" 5)" ok)" true
expect "tofq dma pa" "$(get "$(line "$TMP/tofq.out" 5)" pa)" \
	"$(get "$(line "$TMP/tofq.out" 2)" pa)"
expect "tofq unmap now lazy: TLBI" "$(delta "$TMP/tofq.out" tlbi 1 2)" 0
expect "tofq stale" "$(get "$(line "$TMP/tofq.out" 9)" stale)" unmapped

# --- user (unmanaged) domains: strict even with iommu.strict=0 -------------------
cat > "$TMP/user.txt" <<'EOF'
device gpu 10
domain gpu unmanaged
map gpu 4096 to_device
dma gpu 0x100000 r 16
dma gpu 0x100000 w 16
stats
unmap gpu 0x100000
stats
dma gpu 0x100000 r 16
map_sg gpu 4096,8192
unmap gpu 0x101000
domain gpu DMA-FQ
EOF
run user --cmdline iommu.strict=0 dma --json "$TMP/user.txt"
expect "user exit" "$rc" 0
expect "user device" "$(get "$(line "$TMP/user.out" 1)" domain)" DMA-FQ
expect "user domain" "$(line "$TMP/user.out" 2)" \
	'{"op":"domain","name":"gpu","domain":"unmanaged","ret":0}'
expect "user map iova" "$(get "$(line "$TMP/user.out" 3)" iova)" 0x100000
expect "user read ok" "$(get "$(line "$TMP/user.out" 4)" ok)" true
expect "user write to a to_device buffer" "$(get "$(line "$TMP/user.out" 5)" ok)" false
expect "user unmap: TLBI" "$(delta "$TMP/user.out" tlbi 1 2)" 1
expect "user unmap: syncs" "$(delta "$TMP/user.out" syncs 1 2)" 1
expect "user after unmap" "$(get "$(line "$TMP/user.out" 9)" event)" F_TRANSLATION
expect "user after unmap stale" "$(get "$(line "$TMP/user.out" 9)" stale)" null
expect "user map_sg" "$(line "$TMP/user.out" 10)" \
	'{"op":"map_sg","iova":"0x101000","size":12288,"ret":0}'
expect "user unmap sg" "$(get "$(line "$TMP/user.out" 11)" ret)" 0
expect "user back to DMA-FQ" "$(line "$TMP/user.out" 12)" \
	'{"op":"domain","name":"gpu","domain":"DMA-FQ","ret":0}'

# --- identity (iommu.passthrough=1): pa == iova, no TLBI -------------------------
cat > "$TMP/ident.txt" <<'EOF'
device nvme 8
stats
map nvme 8192 from_device
map_sg nvme 4096,4096
EOF
run identpre --cmdline iommu.passthrough=1 dma --json "$TMP/ident.txt"
IOVA=$(get "$(line "$TMP/identpre.out" 3)" iova)
SGIOVA=$(get "$(line "$TMP/identpre.out" 4)" iova)
cat >> "$TMP/ident.txt" <<EOF
dma nvme $IOVA w 100
unmap nvme $IOVA
unmap nvme $SGIOVA
stats
EOF
run ident --cmdline iommu.passthrough=1 dma --json "$TMP/ident.txt"
expect "identity exit" "$rc" 0
expect "identity device" "$(get "$(line "$TMP/ident.out" 1)" domain)" identity
expect "identity iova == pa" "$IOVA" "$(get "$(line "$TMP/ident.out" 3)" pa)"
expect "identity dma pa" "$(get "$(line "$TMP/ident.out" 5)" pa)" "$IOVA"
expect "identity unmap" "$(get "$(line "$TMP/ident.out" 6)" ret)" 0
expect "identity unmap sg" "$(get "$(line "$TMP/ident.out" 7)" ret)" 0
expect "identity: TLBI" "$(delta "$TMP/ident.out" tlbi 1 2)" 0
grep -q 'Passthrough' "$TMP/ident.err" || fail "identity: no policy line on stderr"

# --- map_sg through the DMA API --------------------------------------------------
printf 'device nvme 8\nmap_sg nvme 4096,8192,100\n' > "$TMP/sgpre.txt"
IOVA=$(first_iova dma --json "$TMP/sgpre.txt")
cat "$TMP/sgpre.txt" - > "$TMP/sg.txt" <<EOF
dma nvme $IOVA r 4096
unmap nvme $IOVA
stats
EOF
run sg dma --json "$TMP/sg.txt"
expect "sg exit" "$rc" 0
expect "sg size" "$(get "$(line "$TMP/sg.out" 2)" size)" 12388
expect "sg dma" "$(get "$(line "$TMP/sg.out" 3)" ok)" true
expect "sg unmap" "$(get "$(line "$TMP/sg.out" 4)" ret)" 0
expect "sg iova_live" "$(get "$(line "$TMP/sg.out" 5)" iova_live)" 0

# --- determinism: the same script twice, byte for byte ---------------------------
cat "$TMP/strict.txt" "$TMP/user.txt" > "$TMP/det.txt"
printf 'device a 20\ndevice b 21\nmap a 64K\nmap b 3000 to_device\nmap_sg a 1M,4K\nadvance 5000000\nstats\n' >> "$TMP/det.txt"
for k in 1 2; do
	"$SMMUKIT" --cmdline iommu.strict=0 dma --json "$TMP/det.txt" > "$TMP/det$k.out" 2>&1
done
cmp -s "$TMP/det1.out" "$TMP/det2.out" || fail "two runs differ"

# --- exit status: 1 when an operation fails; the script goes on -------------------
cat > "$TMP/opfail.txt" <<'EOF'
device nvme 8
unmap nvme 0x1234000
domain nvme blocked
map nvme 4096
stats
EOF
run opfail dma --json "$TMP/opfail.txt"
expect "opfail exit" "$rc" 1
expect "opfail unmap" "$(line "$TMP/opfail.out" 2)" \
	'{"op":"unmap","ret":-2,"err":"ENOENT"}'
expect "opfail map on blocked: ret" "$(get "$(line "$TMP/opfail.out" 4)" ret)" -19
expect "opfail map on blocked: err" "$(get "$(line "$TMP/opfail.out" 4)" err)" ENODEV
[ "$(wc -l < "$TMP/opfail.out")" -eq 5 ] || fail "opfail: script did not go on"

# --- exit status 2: malformed lines name their number and why --------------------
bad() {	# bad WHAT SCRIPT_TEXT EXPECTED_STDERR_FRAGMENT
	printf "$2" | "$SMMUKIT" dma --json > "$TMP/bad.out" 2> "$TMP/bad.err"
	local r=$?
	[ $r -eq 2 ] || fail "$1: exit $r, want 2"
	[ "$(wc -l < "$TMP/bad.err" | tr -d ' ')" -ge 1 ] || fail "$1: nothing on stderr"
	grep -qF -- "$3" "$TMP/bad.err" || fail "$1: stderr lacks '$3': $(tail -1 "$TMP/bad.err")"
	[ "$(grep -c 'smmukit: dma' "$TMP/bad.err")" -eq 1 ] || fail "$1: want one error line"
}
bad "unknown command" 'device nvme 8\n\n# comment\nfrobnicate\n' "line 4: unknown command 'frobnicate'"
bad "unknown device" 'map nvme 4096\n' "line 1: unknown device 'nvme'"
bad "size 0" 'device nvme 8\nmap nvme 0\n' "line 2: SIZE '0' must be 1..4194304"
bad "size too big" 'device nvme 8\nmap nvme 5M\n' "must be 1..4194304"
bad "bad sg list" 'device nvme 8\nmap_sg nvme 4096,,4096\n' "line 2: bad size list"
bad "bad direction" 'device nvme 8\nmap nvme 4096 sideways\n' "direction 'sideways'"
bad "bad iova" 'device nvme 8\nunmap nvme 0x1ffffffffffffffff\n' "line 2: bad IOVA"
bad "iova wraps" 'device nvme 8\ndma nvme 0xfffffffffffffff0 r 32\n' "beyond 2^64"
bad "dma len" 'device nvme 8\ndma nvme 0x1000 r 0\n' "LEN must be 1..1048576"
bad "dma r|w" 'device nvme 8\ndma nvme 0x1000 x 4\n' "must be r or w"
bad "domain type" 'device nvme 8\ndomain nvme lazy\n' "domain type 'lazy' must be"
bad "duplicate device" 'device nvme 8\ndevice nvme 9\n' "line 2: device 'nvme' exists"
bad "long name" 'device abcdefghijklmnopqrstuvwxyz0123456789 8\n' "longer than 31"
bad "trailing word" 'device nvme 8 trusted\n' "only 'untrusted'"
bad "advance" 'advance 99999999999999999\n' "at most"
bad "arity" 'stats now\n' "usage: stats"
"$SMMUKIT" dma --frob < /dev/null > /dev/null 2>&1
expect "unknown option" "$?" 2
"$SMMUKIT" dma --model bogus=1 < /dev/null > /dev/null 2> "$TMP/bm.err"
expect "bad model key" "$?" 2
grep -q bogus "$TMP/bm.err" || fail "bad model key not named"
"$SMMUKIT" dma --profile nosuchprofile < /dev/null > /dev/null 2>&1
expect "bad profile" "$?" 2
"$SMMUKIT" --cmdline iommu.fq_sise=3 dma < /dev/null > /dev/null 2> "$TMP/bo.err"
expect "bad option" "$?" 2
grep -q fq_sise "$TMP/bo.err" || fail "bad option not named"
SMMUKIT_CMDLINE=model.nokey=1 "$SMMUKIT" dma < /dev/null > /dev/null 2>&1
expect "bad model.KEY" "$?" 2
"$SMMUKIT" dma /nonexistent/script > /dev/null 2>&1
expect "missing script" "$?" 2

# --- --model adds keys; stdin; text mode; --help ---------------------------------
printf 'device nvme 8\nstats\n' |
	"$SMMUKIT" dma --json --model ril=0 --model strtab=linear - > "$TMP/mk.out" 2>&1
expect "--model twice" "$?" 0
"$SMMUKIT" dma "$TMP/strict.txt" > "$TMP/text.out" 2> /dev/null
expect "text exit" "$?" 0
grep -q '^device name=nvme sid=8 domain=DMA' "$TMP/text.out" || fail "text: device line"
grep -q '^dma nvme ok=true pa=0x' "$TMP/text.out" || fail "text: dma line"
grep -q '^dma nvme ok=false event=F_TRANSLATION' "$TMP/text.out" || fail "text: fault line"
grep -q '^stats maps=1 unmaps=1 tlbi=' "$TMP/text.out" || fail "text: stats line"
"$SMMUKIT" dma --help > "$TMP/help.out"
expect "--help exit" "$?" 0
grep -q 'usage: smmukit .*dma' "$TMP/help.out" || fail "--help: usage"
grep -q 'Exit status' "$TMP/help.out" || fail "--help: exit status"
"$SMMUKIT" --help | grep -q '^  dma ' || fail "dma not listed in smmukit --help"

[ $fails -eq 0 ] && echo "dma: all checks passed"
exit $((fails > 0))

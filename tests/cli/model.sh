#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# smmukit model: a hand-written bring-up script drives the SMMUv3 model to a
# stage-1 DMA; JSON lines for reads, DMA, events, command errors and stale
# accesses; profiles and --cmdline overrides change timing; bad input exits 2
# naming its line.
# shellcheck source=../support/cli_lib.sh
. "$(dirname "$0")/../support/cli_lib.sh"

expect_grep() {
	grep -qF -- "$2" "$1" || { fail "$1 lacks '$2'"; cat "$1" >&2; }
}

# --- a bring-up by hand --------------------------------------------------------
cat > "$TMP/setup.txt" <<'EOF'
# RAM: strtab 0x80000000, cmdq 0x80010000, evtq 0x80020000, CD 0x80030000,
# tables 0x80040000.., data 0x80100000.
r32 0x0
w32 0x28 0xd75
w32 0x2c 0x6
w64 0x80 0x80000000
w32 0x88 0x4
w64 0x90 0x80010004
w32 0x98 0
w32 0x9c 0
w32 0x20 0x8
r32 0x24
mem 0x80010000 0x4 0x1f          # CFGI_ALL
mem 0x80010010 0x46 0x0          # CMD_SYNC
w32 0x98 2
r32 0x9c
w64 0xa0 0x80020004
w32 0x100a8 0
w32 0x100ac 0
w32 0x20 0xc
w32 0x20 0xd
mem 0x80030000 0x0001e204c0003510 0x80040000 0x0 0xf404ff44
mem 0x80000048 0xd4
mem 0x80000040 0x8003000b
mem 0x80040000 0x80041003
mem 0x80041000 0x80042003
mem 0x80042000 0x80043003
mem 0x80043008 0x80100f47
mem 0x80010020 0x0000000100000003 0x1   # CFGI_STE SID 1
mem 0x80010030 0x46 0x0                 # CMD_SYNC
w32 0x98 4
EOF

cat "$TMP/setup.txt" - > "$TMP/dma.txt" <<'EOF'
dma 1 0x1008 w 6 48656c6c6f21
dma 1 0x1008 r 6
peek 0x80100008 6
dma 1 0x2000 r 4
r32 0x100a8
r64 0x80
stats
EOF
"$SMMUKIT" model --json "$TMP/dma.txt" > "$TMP/dma.out" 2> "$TMP/dma.err" ||
	fail "dma script exited $?"
expect_grep "$TMP/dma.out" '{"op":"r32","off":"0x0","val":"0xd44101b"}'
expect_grep "$TMP/dma.out" '{"op":"r32","off":"0x24","val":"0x8"}'
expect_grep "$TMP/dma.out" '{"op":"r32","off":"0x9c","val":"0x2"}'
expect_grep "$TMP/dma.out" '{"op":"dma","ok":true,"pa":"0x80100008","cost_ns":0,"hit":false}'
expect_grep "$TMP/dma.out" '"data":"48656c6c6f21"'
expect_grep "$TMP/dma.out" '{"op":"peek","pa":"0x80100008","bytes":"48656c6c6f21"}'
expect_grep "$TMP/dma.out" '{"op":"event","type":"F_TRANSLATION","sid":1,"addr":"0x2000","rnw":true,"recorded":true}'
expect_grep "$TMP/dma.out" '{"op":"dma","ok":false,"event":"F_TRANSLATION","bytes":0}'
expect_grep "$TMP/dma.out" '{"op":"r32","off":"0x100a8","val":"0x1"}'
expect_grep "$TMP/dma.out" '{"op":"r64","off":"0x80","val":"0x80000000"}'
expect_grep "$TMP/dma.out" '"cmds":4,"syncs":2'
expect_grep "$TMP/dma.out" '"cmds_by_op":{"CFGI_STE":1,"CFGI_STE_RANGE":1,"CMD_SYNC":2}'
# stdout is JSON only: every line is an object
if grep -v '^{.*}$' "$TMP/dma.out" >/dev/null; then
	fail "non-JSON line on stdout"
fi

# --trace: every consumed command and completed sync; SID:SSID.
printf 'dma 1:3 0x1000 r 4\n' | cat "$TMP/setup.txt" - > "$TMP/trace.txt"
"$SMMUKIT" model --json --trace "$TMP/trace.txt" > "$TMP/trace.out" ||
	fail "trace script exited $?"
expect_grep "$TMP/trace.out" '{"op":"cmd","name":"CFGI_STE_RANGE","dw0":"0x4","dw1":"0x1f","time_ns":0}'
expect_grep "$TMP/trace.out" '{"op":"cmd","name":"CFGI_STE","dw0":"0x100000003","dw1":"0x1","time_ns":0}'
[ "$(grep -c '"op":"sync_done"' "$TMP/trace.out")" = 2 ] || fail "want 2 sync_done lines"
expect_grep "$TMP/trace.out" '{"op":"event","type":"C_BAD_SUBSTREAMID","sid":1'

# Human-readable form.
"$SMMUKIT" model "$TMP/dma.txt" > "$TMP/plain.out" || fail "plain exited $?"
expect_grep "$TMP/plain.out" 'dma ok pa=0x80100008 cost=0ns (hit) data=48656c6c6f21'
expect_grep "$TMP/plain.out" 'event F_TRANSLATION sid=1 addr=0x2000 rnw=1'

# --- stale access in checking mode ---------------------------------------------
cat "$TMP/setup.txt" - > "$TMP/stale.txt" <<'EOF'
dma 1 0x1000 r 4
mem 0x80043008 0x0               # unmap without invalidation
dma 1 0x1000 r 4
mem 0x80010040 0x0001000000000011 0x0   # TLBI_NH_ASID 1
mem 0x80010050 0x46 0x0                 # CMD_SYNC
w32 0x98 6
dma 1 0x1000 r 4
EOF
"$SMMUKIT" model --json --model checking "$TMP/stale.txt" > "$TMP/stale.out" ||
	fail "stale script exited $?"
expect_grep "$TMP/stale.out" '{"op":"stale","kind":"unmapped","sid":1,"addr":"0x1000","old_pa":"0x80100000","new_event":"F_TRANSLATION"}'
[ "$(grep -c '"op":"dma","ok":true' "$TMP/stale.out")" = 2 ] ||
	fail "expected two successful DMAs (one stale)"
expect_grep "$TMP/stale.out" '{"op":"dma","ok":false,"event":"F_TRANSLATION","bytes":0}'

# --- command error and refused writes ------------------------------------------
cat "$TMP/setup.txt" - > "$TMP/cerror.txt" <<'EOF'
mem 0x80010040 0x7 0x0           # opcode 0x07: no such command
w32 0x98 5
r32 0x9c
r32 0x60
w64 0x90 0x0                     # CMDQ_BASE while CMDQEN: refused
EOF
"$SMMUKIT" model --json "$TMP/cerror.txt" > "$TMP/cerror.out" ||
	fail "cerror script exited $?"
expect_grep "$TMP/cerror.out" '{"op":"cerror","type":"CERROR_ILL","slot":"0x4","cmd":"0x7"'
expect_grep "$TMP/cerror.out" '{"op":"r32","off":"0x9c","val":"0x1000004"}'
expect_grep "$TMP/cerror.out" '{"op":"r32","off":"0x60","val":"0x1"}'
expect_grep "$TMP/cerror.out" '{"op":"refused","addr":"0x90"'

# --- profiles: time only moves with the clock ----------------------------------
cat > "$TMP/timing.txt" <<'EOF'
w64 0x90 0x80010004
w32 0x20 0x8
mem 0x80010000 0x46 0x0
w32 0x98 1
r32 0x9c
advance 999
r32 0x9c
advance 1
r32 0x9c
EOF
"$SMMUKIT" model --json --profile demo "$TMP/timing.txt" > "$TMP/timing.out" ||
	fail "timing script exited $?"
[ "$(grep -c '"val":"0x0"' "$TMP/timing.out")" = 2 ] ||
	fail "sync (1000 ns in demo) completed early"
expect_grep "$TMP/timing.out" '{"op":"r32","off":"0x9c","val":"0x1"}'
SMMUKIT_CMDLINE="model.cmd_sync_ns=5" "$SMMUKIT" model --json --profile demo \
	"$TMP/timing.txt" > "$TMP/timing2.out" || fail "override exited $?"
[ "$(grep -c '"val":"0x1"' "$TMP/timing2.out")" = 2 ] ||
	fail "model.cmd_sync_ns override not applied"
"$SMMUKIT" model --json --profile "$SMMUKIT_SRC/profiles/demo.profile" \
	"$TMP/timing.txt" > "$TMP/timing3.out" || fail "profile path exited $?"
cmp -s "$TMP/timing.out" "$TMP/timing3.out" || fail "profile by path differs"

# --- bad input -----------------------------------------------------------------
printf 'r32 0x0\nfrobnicate 1\n' > "$TMP/bad1.txt"
"$SMMUKIT" model "$TMP/bad1.txt" > /dev/null 2> "$TMP/bad1.err"
[ $? = 2 ] || fail "unknown command: want exit 2"
expect_grep "$TMP/bad1.err" "line 2"
printf 'w32 0x20 0x1ffffffff\n' | "$SMMUKIT" model - > /dev/null 2> "$TMP/bad2.err"
[ $? = 2 ] || fail "32-bit overflow: want exit 2"
expect_grep "$TMP/bad2.err" "line 1"
printf 'dma 1 0x0 x 4\n' | "$SMMUKIT" model > /dev/null 2> "$TMP/bad3.err"
[ $? = 2 ] || fail "bad direction: want exit 2"
printf 'mem 0x10 0x1\n' | "$SMMUKIT" model > /dev/null 2> "$TMP/bad4.err"
[ $? = 2 ] || fail "mem outside RAM: want exit 2"
expect_grep "$TMP/bad4.err" "not in RAM"
printf 'mem 0x80000000 abc\n' | "$SMMUKIT" model > /dev/null 2> "$TMP/bad5.err"
[ $? = 2 ] || fail "odd hex: want exit 2"
"$SMMUKIT" model --model bogus=1 < /dev/null > /dev/null 2> "$TMP/bad6.err"
[ $? = 2 ] || fail "unknown model key: want exit 2"
expect_grep "$TMP/bad6.err" "bogus"
"$SMMUKIT" model --profile nosuchprofile < /dev/null > /dev/null 2> "$TMP/bad7.err"
[ $? = 2 ] || fail "unknown profile: want exit 2"
printf 'nosuch_ns = 3\n' > "$TMP/bad.profile"
"$SMMUKIT" model --profile "$TMP/bad.profile" < /dev/null > /dev/null 2> "$TMP/bad8.err"
[ $? = 2 ] || fail "bad profile key: want exit 2"
expect_grep "$TMP/bad8.err" "nosuch_ns"
SMMUKIT_CMDLINE="model.nokey=1" "$SMMUKIT" model < /dev/null > /dev/null 2> "$TMP/bad9.err"
[ $? = 2 ] || fail "unknown model.KEY: want exit 2"
"$SMMUKIT" model --frob < /dev/null > /dev/null 2>&1
[ $? = 2 ] || fail "unknown option: want exit 2"
"$SMMUKIT" model --help > "$TMP/help.out" || fail "--help exited $?"
expect_grep "$TMP/help.out" "usage: smmukit model"

# CMDQ_PROD moved back behind CONS is refused: nothing new is fetched.
cat > "$TMP/prodback.txt" <<'EOF2'
w64 0x90 0x80010003
w32 0x98 0
w32 0x9c 0
w32 0x20 0x8
mem 0x80010000 0x46 0x0
mem 0x80010010 0x46 0x0
mem 0x80010020 0x46 0x0
w32 0x98 2
w32 0x98 1
r32 0x9c
stats
EOF2
"$SMMUKIT" model --json "$TMP/prodback.txt" > "$TMP/prodback.out" 2>&1 ||
	fail "prodback script exited $?"
expect_grep "$TMP/prodback.out" '{"op":"refused","addr":"0x98","why":"CMDQ_PROD behind CONS'
expect_grep "$TMP/prodback.out" '{"op":"r32","off":"0x9c","val":"0x2"}'
expect_grep "$TMP/prodback.out" '"cmds":2,"syncs":2'

# Garbage register traffic never crashes the model.
{
	for off in 0x0 0x20 0x24 0x44 0x60 0x64 0x80 0x88 0x90 0x98 0x9c 0xa0 \
		0x100a8 0x100ac 0xfff0 0x1fffc; do
		echo "w32 $off 0xffffffff"
		echo "r32 $off"
		echo "w64 $off 0xffffffffffffffff"
	done
	echo "dma 0 0x0 r 4"
	echo "dma 0xffffffff 0xfffffffffffff000 w 16"
} > "$TMP/garbage.txt"
"$SMMUKIT" model --json "$TMP/garbage.txt" > "$TMP/garbage.out" 2>&1 ||
	fail "garbage script exited $?"

echo "$((fails == 0 ? 1 : 0)) passed, $fails failed"
[ $fails = 0 ]

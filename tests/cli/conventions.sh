#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The conventions every subcommand keeps, checked on every subcommand that
# `smmukit --help` lists (so a new one is covered the day it lands):
#  - --help exits 0, documents the exit status and, where it takes --model,
#    every model key the model accepts and $SMMUKIT_PROFILE_DIR;
#  - an unknown option is one line on stderr and exit 2;
#  - a subcommand that reads a SCRIPT refuses, at once and naming the limit,
#    an endless line (/dev/zero, a line with no newline), binary bytes, a
#    directory, a closed standard input, too many words; no raw input byte
#    reaches stderr;
#  - a write error on stdout (/dev/full) is an error, never exit 0;
#  - --version gives the library's version, the same as smmukit.pc's and the
#    shared library's file name; --opt=value and '--' work.
# shellcheck source=../support/cli_lib.sh
. "$(dirname "$0")/../support/cli_lib.sh"
SRC=${SMMUKIT_SRC:?set SMMUKIT_SRC to the source tree}
BUILD=$(dirname "$SMMUKIT")

subcommands=$("$SMMUKIT" --help | awk '/^subcommands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on=0}')
[ -n "$subcommands" ] || fail "no subcommands in smmukit --help"

# The model's keys, from the parser's own tables in the source.
model_keys=$(grep -oE '\{ "[a-z0-9_]+", &c->' "$SRC/model/model_profile.c" | cut -d'"' -f2)
model_keys="$model_keys stages strtab oas gran"
[ "$(echo $model_keys | wc -w)" -ge 20 ] || fail "found only $(echo $model_keys | wc -w) model keys in the source"

# one_line_error NAME WANT_STATUS PATTERN COMMAND...: exit status, one line
# error line on stderr matching PATTERN, printable ASCII only, within 10 s.
one_line_error() {
	local name=$1 want=$2 pat=$3 rc
	shift 3
	timeout 10 "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc -eq 124 ] && { fail "$name: still running after 10 s"; return; }
	[ $rc -eq "$want" ] || fail "$name: exit $rc, want $want ($(head -c 300 "$TMP/err"))"
	# The platform log's info and warning lines may come first (dma shows
	# the probe summary and the core's policy); the error is one line.
	tail -n 1 "$TMP/err" >"$TMP/errline"
	head -n -1 "$TMP/err" | grep -Ev '^smmukit: (info|warning): ' | grep -q . &&
		fail "$name: more than one error line: $(head -c 300 "$TMP/err")"
	[ -s "$TMP/errline" ] || fail "$name: nothing on stderr"
	grep -q -- "$pat" "$TMP/errline" || fail "$name: stderr lacks '$pat': $(head -c 300 "$TMP/errline")"
	LC_ALL=C grep -q '[^ -~]' "$TMP/err" && fail "$name: raw bytes on stderr"
}

for cmd in $subcommands; do
	help=$("$SMMUKIT" "$cmd" --help) || fail "$cmd --help: exit $?"
	echo "$help" | grep -q 'Exit status' || fail "$cmd --help: no exit status"
	if echo "$help" | grep -q -- '--model'; then
		for k in $model_keys; do
			echo "$help" | grep -qw -- "$k" || fail "$cmd --help: model key '$k' missing"
		done
	fi
	if echo "$help" | grep -q -- '--profile'; then
		echo "$help" | grep -q 'SMMUKIT_PROFILE_DIR' ||
			fail "$cmd --help: \$SMMUKIT_PROFILE_DIR not named"
	fi
	one_line_error "$cmd --frobnicate" 2 "unknown" "$SMMUKIT" "$cmd" --frobnicate

	echo "$help" | grep -q 'SCRIPT' || continue
	one_line_error "$cmd /dev/zero" 2 "max\|not a text line" "$SMMUKIT" "$cmd" /dev/zero
	one_line_error "$cmd <endless line" 2 "line too long (max 4096 bytes)" \
		bash -c "yes a | tr -d '\n' | \"\$0\" $cmd" "$SMMUKIT"
	printf 'bogus\x01\xff\x1b[31m\n' >"$TMP/bin"
	one_line_error "$cmd binary" 2 "line 1: not a text line: byte 0x01" "$SMMUKIT" "$cmd" "$TMP/bin"
	one_line_error "$cmd directory" 2 "Is a directory" "$SMMUKIT" "$cmd" "$TMP"
	one_line_error "$cmd closed stdin" 2 "standard input" bash -c "\"\$0\" $cmd <&-" "$SMMUKIT"
	echo "x $(seq -s ' ' 1 200)" >"$TMP/words"
	one_line_error "$cmd too many words" 2 "line 1: too many words (max [0-9]*)" "$SMMUKIT" "$cmd" "$TMP/words"
	one_line_error "$cmd missing file" 2 "No such file" "$SMMUKIT" "$cmd" "$TMP/nonexistent"
	# A script whose name starts with '-': only after '--'.
	: >"$TMP/-empty"
	(cd "$TMP" && "$SMMUKIT" "$cmd" -- -empty >/dev/null 2>&1) ||
		fail "$cmd -- -empty: exit $?"
done

# Write errors: stdout on /dev/full is an error, with a message.
if [ -w /dev/full ]; then
	for args in "info --json" "info" "pgtable --selftest" "options" "--help" "--version" "info --help"; do
		# shellcheck disable=SC2086
		"$SMMUKIT" $args >/dev/full 2>"$TMP/err"
		rc=$?
		[ $rc -ne 0 ] || fail "smmukit $args >/dev/full: exit 0"
		grep -q 'cannot write standard output' "$TMP/err" ||
			fail "smmukit $args >/dev/full: no message"
	done
fi

# --version: one number for the command, the library, smmukit.pc and the
# shared library's file name.
v=$("$SMMUKIT" --version) || fail "--version: exit $?"
case "$v" in
"smmukit "[0-9]*.[0-9]*.[0-9]*" (library "*")") ;;
*) fail "--version: '$v'" ;;
esac
num=$(echo "$v" | awk '{print $2}')
[ "$v" = "smmukit $num (library $num)" ] || fail "--version: tool and library differ: $v"
hdr=$(sed -n 's/^#define SMMUKIT_VERSION_STRING "\(.*\)"/\1/p' "$SRC/include/smmukit/version.h")
[ "$num" = "$hdr" ] || fail "--version $num, version.h $hdr"
if [ -f "$BUILD/smmukit.pc" ]; then
	pcv=$(sed -n 's/^Version: //p' "$BUILD/smmukit.pc")
	[ "$num" = "$pcv" ] || fail "--version $num, smmukit.pc $pcv"
fi
[ -e "$BUILD/libsmmukit.so.$num" ] || fail "no $BUILD/libsmmukit.so.$num"

# --opt=value is --opt value.
printf 'map 0x1000 0x80000000 4K rw\ntranslate 0x1234\n' >"$TMP/s"
a=$("$SMMUKIT" pgtable --stage 2 --granule 16k --ias 40 --oas 40 --json "$TMP/s")
b=$("$SMMUKIT" pgtable --stage=2 --granule=16k --ias=40 --oas=40 --json "$TMP/s")
[ -n "$a" ] && [ "$a" = "$b" ] || fail "--opt=value differs: '$a' vs '$b'"
one_line_error "pgtable --ias=0" 2 "--ias 0: must be 32..48 for stage 1 with 4K granule" \
	"$SMMUKIT" pgtable --ias=0 "$TMP/s"
one_line_error "pgtable --oas 60 64k" 2 "--oas 60: must be 32..48 or 52" \
	"$SMMUKIT" pgtable --granule 64k --oas 60 "$TMP/s"

# A script's failed operation: exit 1, the error by name.
printf 'map 0x1000 0x80000000 4K rw\nmap 0x1000 0x80000000 4K rw\n' >"$TMP/dup"
out=$("$SMMUKIT" pgtable --json "$TMP/dup")
[ $? -eq 1 ] || fail "pgtable failed map: want exit 1"
echo "$out" | grep -qx '{"op":"map","ret":-17,"err":"EEXIST"}' || fail "pgtable failed map: $out"

# A terminal on stdin with no script: a hint on stderr instead of silence.
if command -v script >/dev/null 2>&1; then
	script -qec "\"$SMMUKIT\" pgtable </dev/tty" /dev/null </dev/null >"$TMP/tty" 2>&1 &
	pid=$!
	sleep 1
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	grep -q 'reading a script from the terminal' "$TMP/tty" || fail "no hint on a terminal: $(cat "$TMP/tty")"
fi

[ $fails -eq 0 ] && echo "conventions: all checks passed for: $(echo $subcommands)"
exit $((fails > 0))

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The bad-input audit of the command line: every option of every subcommand
# with values it must refuse -- missing, not a number, negative, zero where
# zero is not allowed, beyond 64 bits, out of range, unknown words, options
# that contradict each other, bad --cmdline / $SMMUKIT_CMDLINE keys and
# values, profiles and output files that are missing, directories or
# unreadable. Each must exit 2 within 10 s with exactly one line on stderr
# (printable, "smmukit: ...", naming the option or what was wrong), and
# nothing on stdout (with --json: nothing, or JSON objects only).
#
# A repeated single-valued option is not an error: the later one wins, as
# with --cmdline keys.
# shellcheck source=../support/cli_lib.sh
. "$(dirname "$0")/../support/cli_lib.sh"
: "${SMMUKIT_SRC:?set SMMUKIT_SRC to the source tree}"
# The unreadable-file probes leave directories without permissions.
trap 'chmod -R u+rwx "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
probes=0

# bad PATTERN ARGS...: smmukit ARGS must refuse with exit 2, one stderr line
# matching PATTERN (grep -E), stdout empty or JSON lines only.
bad() {
	local pat=$1 rc name
	shift
	name="smmukit $*"
	probes=$((probes + 1))
	timeout 10 "$SMMUKIT" "$@" </dev/null >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ $rc -eq 124 ]; then
		fail "$name: still running after 10 s"
		return
	fi
	[ $rc -eq 2 ] || fail "$name: exit $rc, want 2 ($(head -c 200 "$TMP/err"))"
	[ "$(wc -l <"$TMP/err")" -eq 1 ] ||
		fail "$name: $(wc -l <"$TMP/err") lines on stderr, want 1: $(head -c 300 "$TMP/err")"
	grep -q '^smmukit: ' "$TMP/err" || fail "$name: stderr not 'smmukit: ...': $(head -c 200 "$TMP/err")"
	grep -Eq -- "$pat" "$TMP/err" || fail "$name: stderr lacks /$pat/: $(head -c 200 "$TMP/err")"
	LC_ALL=C grep -q '[^ -~]' "$TMP/err" && fail "$name: raw bytes on stderr"
	if [ -s "$TMP/out" ]; then
		if printf '%s\n' "$@" | grep -qx -- --json; then
			grep -vq '^{.*}$' "$TMP/out" && fail "$name: non-JSON on stdout"
		else
			fail "$name: stdout not empty: $(head -c 200 "$TMP/out")"
		fi
	fi
}

# Value checks shared by several options: NAME RANGE_PATTERN CMD... --opt
huge=99999999999999999999
numeric() {
	local opt=$1 pat=$2
	shift 2
	bad "$opt" "$@" "$opt"			# missing value
	bad "$opt.*$pat|$pat" "$@" "$opt" x
	bad "$opt.*$pat|$pat" "$@" "$opt" -1
	bad "$opt.*$pat|$pat" "$@" "$opt" "$huge"
	bad "$opt.*$pat|$pat" "$@" "$opt" 1.5x
	bad "$opt.*$pat|$pat" "$@" "$opt=" ""
	bad "$opt" "$@" --json "$opt" x
}

mkdir "$TMP/dir"
printf 'no_such_key = 1\n' >"$TMP/badkey.profile"
printf 'cmd_sync_ns = lots\n' >"$TMP/badval.profile"
printf 'cmd_sync_ns = %s\n' "$huge" >"$TMP/huge.profile"
printf 'garbage\n' >"$TMP/garbage.profile"
printf 'cmd_sync_ns = 1\n' >"$TMP/unreadable.profile"
chmod 000 "$TMP/unreadable.profile"
[ -r "$TMP/unreadable.profile" ] && can_unread=0 || can_unread=1

# ---- the command itself ----
bad 'unknown option' --bogus info
bad 'unknown subcommand' nosuchcmd
bad 'no subcommand' 
bad -- '--cmdline' --cmdline
bad 'iommu.strict=2' --cmdline "iommu.strict=2" info
bad "iommu.fq_size=$huge" --cmdline "iommu.fq_size=$huge" info
bad 'power of two' --cmdline "iommu.fq_size=3" info
bad 'iommu.fq_size=0' --cmdline "iommu.fq_size=0" info
bad 'iommu.fq_timeout_ms' --cmdline "iommu.fq_timeout_ms=60001" info
bad 'fq_mode' --cmdline "iommu.fq_mode=fast" info
bad 'iommu.passthrough' --cmdline "iommu.passthrough=-1" info
bad "unknown option 'iommu.nope'" --cmdline "iommu.nope=1" info
bad "prefix 'foo'" --cmdline "foo.bar=1" info
bad 'malformed' --cmdline "iommu.strict" info
bad 'malformed' --cmdline "=1" info
bad 'malformed|iommu.strict=' --cmdline "iommu.strict=" info
bad 'smmu\.' --cmdline "smmu.no_such=1" info
bad 'model.cmd_sync_ns' --cmdline "model.cmd_sync_ns=x" info
bad 'model.cmd_sync_ns' --cmdline "model.cmd_sync_ns=$huge" info
for c in info "bench map" "bench io" compare attack dma model pgtable; do
	# shellcheck disable=SC2086
	SMMUKIT_CMDLINE="iommu.nope=1" bad 'SMMUKIT_CMDLINE.*iommu.nope' $c
done
SMMUKIT_CMDLINE="iommu.strict=maybe" bad 'SMMUKIT_CMDLINE.*iommu.strict' info

# ---- --model and --profile, wherever a stack is built ----
stack_cmds=("info" "model" "dma" "bench map" "bench io" "compare" "attack")
for c in "${stack_cmds[@]}"; do
	# shellcheck disable=SC2086
	set -- $c
	bad -- '--model' "$@" --model
	bad "oas.*32, 36" "$@" --model oas=31
	bad "oas" "$@" --model oas=$huge
	bad "sidsize.*1\.\.32" "$@" --model sidsize=33
	bad "sidsize" "$@" --model sidsize=0
	bad "ssidsize.*0\.\.20" "$@" --model ssidsize=21
	bad "cmdq_log2.*1\.\.19" "$@" --model cmdq_log2=0
	bad "evtq_log2.*1\.\.19" "$@" --model evtq_log2=20
	bad "cmdlog" "$@" --model cmdlog=16777217
	bad "invlog" "$@" --model invlog=-1
	bad "stalelog" "$@" --model stalelog=$huge
	bad "stages.*s1, s2" "$@" --model stages=s3
	bad "strtab.*linear" "$@" --model strtab=3lvl
	bad "gran.*4k" "$@" --model gran=8k
	bad "gran" "$@" --model gran=
	bad "checking.*0 or 1" "$@" --model checking=2
	bad "ril" "$@" --model ril=yes-no
	bad "unknown model key 'nokey'" "$@" --model nokey
	bad "unknown model key" "$@" --model =
	bad -- '--profile' "$@" --profile
	bad 'no profile name|--profile needs a name' "$@" --profile ""
	bad "cannot open profile.*No such file" "$@" --profile "$TMP/none.profile"
	bad "cannot open profile" "$@" --profile no_such_profile_name
	bad "cannot read profile" "$@" --profile "$TMP/dir"
	bad "too large" "$@" --profile /dev/zero
	bad "no_such_key" "$@" --profile "$TMP/badkey.profile"
	bad "cmd_sync_ns" "$@" --profile "$TMP/badval.profile"
	bad "cmd_sync_ns" "$@" --profile "$TMP/huge.profile"
	bad "line 1" "$@" --profile "$TMP/garbage.profile"
	[ $can_unread = 1 ] && bad "cannot open profile" "$@" --profile "$TMP/unreadable.profile"
	bad "unknown (option|argument)" "$@" --no-such-option
	bad "unknown (option|argument)" "$@" --json --no-such-option
done

# ---- info, options ----
bad "unknown argument 'extra'" info extra
bad "unknown argument" options extra
bad "unknown argument" options --json=1
bad "unknown argument" options --bogus

# ---- pgtable ----
numeric --stage '1 or 2' pgtable
bad -- '--stage 0: must be 1 or 2' pgtable --stage 0
bad -- '--stage 3' pgtable --stage 3
numeric --granule '4k, 16k or 64k' pgtable
bad -- '--granule 8k' pgtable --granule 8k
bad -- '--granule 0' pgtable --granule 0
for o in --ias --oas; do
	numeric $o '32\.\.' pgtable
	bad -- "$o 31: must be 32\.\.48" pgtable $o 31
	bad -- "$o 49" pgtable $o 49
	bad -- "$o 0" pgtable $o 0
	bad -- "$o 53.*64K" pgtable --granule 64k $o 53
done
bad -- '--ias 52: must be 32\.\.48' pgtable --granule 4k --ias 52
bad -- '--selftest takes no script' pgtable --selftest script.txt
bad -- '--selftest runs every' pgtable --selftest --stage 2
bad -- '--selftest runs every' pgtable --granule 64k --selftest
bad -- '--selftest runs every' pgtable --selftest --ias 40 --json
bad 'only one script' pgtable a b
bad "cannot read script.*No such file" pgtable "$TMP/none.txt"
bad "cannot read script.*directory" pgtable "$TMP/dir"
bad "unknown option '--bogus'" pgtable --bogus

# ---- model, dma: scripts ----
for c in model dma; do
	bad "cannot read script.*No such file" $c "$TMP/none.txt"
	bad "cannot read script.*directory" $c "$TMP/dir"
	bad "one script" $c a b
done
bad "unknown option '--trace=1'" model --trace=1

# ---- bench map ----
bad "which benchmark" bench
bad "unknown benchmark 'foo'" bench foo
bad -- '--mode' bench map --mode
bad -- '--mode fast: must be strict, lazy, passthrough or all' bench map --mode fast
numeric --threads '1\.\.64' bench map
bad -- '--threads 0: must be 1\.\.64' bench map --threads 0
bad -- '--threads 65' bench map --threads 65
bad -- '--threads 4294967297' bench map --threads 4294967297
numeric --seconds '0 < S <= 300' bench map
for v in 0 301 nan inf -inf 1e400 1e-400 1,5 0.0; do
	bad -- "--seconds $v: must be a number, 0 < S <= 300" bench map --seconds "$v"
done
numeric --ops '1\.\.' bench map
bad -- '--ops 0' bench map --ops 0
numeric --granule '1\.\.1024' bench map
bad -- '--granule 0' bench map --granule 0
bad -- '--granule 1025' bench map --granule 1025
bad -- '--dir' bench map --dir
bad -- '--dir x: must be bidir, to_device or from_device' bench map --dir x
numeric --delay-ns '0\.\.10000000' bench map
bad -- '--delay-ns 10000001' bench map --delay-ns 10000001
bad "unknown option 'extra'" bench map extra

# ---- bench io and compare (shared I/O options) ----
for c in "bench io" compare; do
	# shellcheck disable=SC2086
	set -- $c
	bad -- '--bs must be a multiple of 4k from 4k to 1M' "$@" --bs 0
	for v in 3k 2M x -4k 1.5k "$huge"; do
		bad -- '--bs must be a multiple of 4k' "$@" --bs "$v"
	done
	bad -- '--bs' "$@" --bs
	for v in 0 1025 x -1 "$huge"; do
		bad -- '--iodepth must be 1\.\.1024' "$@" --iodepth "$v"
	done
	for v in 0 65 x -1 "$huge"; do
		bad -- '--jobs must be 1\.\.64' "$@" --jobs "$v"
	done
	for v in 0 11 nan inf -1 x 1e400; do
		bad -- '--seconds must be a number of seconds > 0 and <= 10' "$@" --seconds "$v"
	done
	for v in -1 x "$huge" 18446744073709551616; do
		bad -- '--seed must be a number in 0\.\.' "$@" --seed "$v"
	done
	bad -- '--seed' "$@" --seed
	bad "unknown option 'extra'" "$@" extra
	bad -- '--jobs' "$@" --json --jobs 0
done
bad -- '--mode must be strict, lazy or passthrough' bench io --mode x
bad -- '--mode' bench io --mode
bad -- '--rw must be randread, randwrite or randrw' bench io --rw x

# ---- compare ----
for v in 0 16 x -1 "$huge"; do
	bad -- '--runs must be 1\.\.15' compare --runs "$v"
done
for o in --csv --plot; do
	bad -- "$o" compare $o
	bad -- "$o needs a file name" compare $o=
	bad -- "$o .*cannot write it: Is a directory" compare $o "$TMP/dir"
	bad -- "$o .*cannot write it: No such file" compare $o "$TMP/none/x"
done
[ -e "$TMP/dir/x" ] && fail "compare left a probe file behind"
bad -- "--sweep must be KEY=LO:HI" compare --sweep cmd_sync_ns
bad -- "--sweep: unknown profile key 'foo'" compare --sweep foo=1:2
bad -- "--sweep bounds must be numbers with LO < HI" compare --sweep cmd_sync_ns=5:1
bad -- "--sweep bounds" compare --sweep cmd_sync_ns=5:5
bad -- "--sweep bounds" compare --sweep cmd_sync_ns=1:x
bad -- "--sweep bounds" compare --sweep "cmd_sync_ns=1:$huge"
bad -- "--sweep bounds" compare --sweep cmd_sync_ns=-1:5
bad -- "--sweep key empty" compare --sweep =1:2
bad -- "--sweep key empty or longer than 63" compare --sweep "$(printf 'k%.0s' $(seq 70))=1:2"
bad -- '--sweep' compare --sweep
for v in 1 33 x -1 "$huge"; do
	bad -- '--points must be 2\.\.32' compare --sweep cmd_sync_ns=1:2 --points "$v"
done
bad -- '--points only goes with --sweep' compare --points 5
bad -- '--rw only goes with --sweep' compare --rw randwrite
bad -- '--rw must be randread or randwrite' compare --sweep cmd_sync_ns=1:2 --rw randrw
bad -- '--rw must be randread or randwrite' compare --sweep cmd_sync_ns=1:2 --rw x

# ---- attack ----
bad -- '--mode x: must be strict, lazy or passthrough' attack --mode x
bad -- '--mode' attack --mode
bad -- '--fq-mode x: must be percpu or single' attack --fq-mode x
bad -- '--fq-mode' attack --fq-mode
bad "unknown option '--untrusted=1'" attack --untrusted=1
bad "unknown option '1'" attack --untrusted 1
for v in 0 61 nan inf -1 x 1e400; do
	bad -- "--seconds $v: must be a number, 0 < S <= 60" attack --seconds "$v"
done
for v in 0 999 1000000001 x -1 "$huge"; do
	bad -- "--io-ns $v: must be 1000\.\.1000000000" attack --io-ns "$v"
done
for v in 0 -1 x "$huge" 4294967297; do
	bad -- "--ops $v: must be 1\.\.4294967296" attack --ops "$v"
done
bad -- '--seconds' attack --json --seconds 0

echo "bad_options: $probes probes, $fails failures"
[ "$fails" -eq 0 ]

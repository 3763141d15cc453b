#!/usr/bin/env bash
# Run every libFuzzer target in BUILD/fuzz for SECONDS each, starting from
# the committed corpus (tests/fuzz/corpus/<name>, read only) with new
# inputs kept in BUILD/fuzz-corpus/<name>. Prints one line per fuzzer
# (executions, seconds, corpus size, crashes) and fails on any crash.
# Crash inputs land in BUILD/fuzz-artifacts/<name>/: add them to the
# committed corpus once fixed, so CI replays them for ever.
set -uo pipefail
build=${1:?build dir}
secs=${2:-60}
src=$(cd "$(dirname "$0")/.." && pwd)
status=0
printf '%-20s %12s %8s %8s %8s\n' fuzzer execs seconds corpus crashes
for bin in "$build"/fuzz/fuzz_*; do
	name=$(basename "$bin")
	work="$build/fuzz-corpus/$name"
	art="$build/fuzz-artifacts/$name/"
	mkdir -p "$work" "$art"
	log="$build/fuzz-$name.log"
	# A target's keywords, if it has a dictionary (the script languages).
	dict=()
	[ -f "$src/tests/fuzz/$name.dict" ] && dict=(-dict="$src/tests/fuzz/$name.dict")
	start=$(date +%s)
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$art" "${dict[@]}" \
		"$work" "$src/tests/fuzz/corpus/$name" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	crashes=$(ls "$art" | wc -l)
	[ $rc -ne 0 ] && status=1
	printf '%-20s %12s %8s %8s %8s\n' "$name" "${execs:-?}" \
		"$(( $(date +%s) - start ))" "$(ls "$work" | wc -l)" "$crashes"
	if [ $rc -ne 0 ]; then
		echo "  $name failed (exit $rc): see $log"
	fi
done
exit $status

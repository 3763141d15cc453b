#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Checks that each shared library given exports the public API only:
# smmukit_* names and the hardware helpers smmuv3_* (smmuv3_hw.h) and
# lpae_* (lpae_hw.h). Anything else (smmu_cmdq_init, iova_caches_init,
# model internals) means cmake/smmukit.map or a new file leaks a name.
# Prints the count per library. CTest "symbols" runs it on the build's.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: check-symbols.sh LIB.so..." >&2; exit 2; }
status=0
for lib in "$@"; do
	syms=$(nm -D --defined-only "$lib" | awk 'NF == 3 {print $3}' | sed 's/@.*//' | sort -u)
	bad=$(echo "$syms" | grep -vE '^(smmukit_|smmuv3_|lpae_)' || true)
	echo "$(basename "$lib"): $(echo "$syms" | grep -c .) exported symbols"
	if [ -n "$bad" ]; then
		echo "$(basename "$lib"): exports non-public names:" $bad >&2
		status=1
	fi
	# The public API must really be there (an empty export list passes the
	# filter above too).
	echo "$syms" | grep -q '^smmukit_' || { echo "$(basename "$lib"): no smmukit_ symbol" >&2; status=1; }
done
exit $status

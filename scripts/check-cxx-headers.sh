#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every public header compiles as C++ (alone, so each includes what it
# needs) and declares its functions inside extern "C". Uses $CXX or g++ or
# clang++; exit 77 (CTest: skipped) when there is no C++ compiler.
set -euo pipefail
inc=${1:?usage: check-cxx-headers.sh INCLUDE_DIR}
cxx=${CXX:-}
if [ -z "$cxx" ]; then
	for c in g++ clang++ c++; do
		command -v "$c" >/dev/null 2>&1 && { cxx=$c; break; }
	done
fi
[ -n "$cxx" ] || { echo "no C++ compiler: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0 n=0
for h in "$inc"/smmukit/*.h; do
	name=$(basename "$h")
	# Target-specific headers say so with #error off their target.
	if grep -q '^#error' "$h"; then
		echo "skip $name (target-specific)"
		continue
	fi
	n=$((n + 1))
	printf '#include <smmukit/%s>\n#include <smmukit/%s>\nint main() { return 0; }\n' \
		"$name" "$name" >"$tmp/t.cpp"
	for std in c++11 c++17; do
		if ! "$cxx" -std=$std -Wall -Wextra -Werror -pedantic-errors \
			-Wno-unused-parameter -fsyntax-only -I"$inc" "$tmp/t.cpp" \
			2>"$tmp/err"; then
			echo "FAIL $name with $cxx -std=$std:"
			head -20 "$tmp/err"
			status=1
		fi
	done
	# A header that declares a function must give it C linkage.
	if grep -qE '^[a-z].*\b[a-z0-9_]+\(' "$h" && ! grep -q 'extern "C"' "$h"; then
		echo "FAIL $name: declares functions without extern \"C\""
		status=1
	fi
done
# One translation unit with every header, as an embedder would write it.
{
	for h in "$inc"/smmukit/*.h; do
		grep -q '^#error' "$h" || echo "#include <smmukit/$(basename "$h")>"
	done
	echo 'int main() { return smmukit_version() ? 0 : 1; }'
} >"$tmp/all.cpp"
"$cxx" -std=c++11 -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only \
	-I"$inc" "$tmp/all.cpp" || status=1
echo "cxx_headers: $n headers, $cxx, status $status"
exit $status

#!/usr/bin/env bash
# Builds every examples/*.c against an installed smmukit (prefix $1) with
# pkg-config's flags only, twice -- linked to the shared libraries (no
# LD_LIBRARY_PATH: smmukit.pc's run path must be enough) and statically
# (--static) -- and runs each from another directory. Also checks that the
# installed libraries export the public API only and that the installed
# `smmukit --help` names the installed profile folder.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
prefix=$(cd "${1:?usage: build-example.sh PREFIX}" && pwd)
pc=$(find "$prefix" -name smmukit.pc -print -quit)
[ -n "$pc" ] || { echo "build-example: no smmukit.pc under $prefix" >&2; exit 1; }
export PKG_CONFIG_PATH="$(dirname "$pc")"
unset LD_LIBRARY_PATH
out=$src/build-example
mkdir -p "$out"
cflags="-std=c11 -Wall -Wextra -Wno-unused-parameter -Werror"
for ex in examples/*.c; do
	name=$(basename "$ex" .c)
	# shellcheck disable=SC2046,SC2086
	cc $cflags -o "$out/$name" "$ex" $(pkg-config --cflags --libs smmukit)
	# shellcheck disable=SC2046,SC2086
	cc $cflags -static -o "$out/$name-static" "$ex" \
		$(pkg-config --cflags --static --libs smmukit)
	for bin in "$name" "$name-static"; do
		echo "== $bin ($(wc -l <"$ex") lines of $ex)"
		(cd / && "$out/$bin")
	done
done
libdir=$(pkg-config --variable=libdir smmukit)
bash scripts/check-symbols.sh "$libdir"/libsmmukit.so "$libdir"/libsmmukit-model.so
# The installed command finds the installed profiles, not the source tree's.
"$prefix/bin/smmukit" model --help | grep -q "$prefix/share/smmukit/profiles" || {
	echo "build-example: installed smmukit --help does not name $prefix/share/smmukit/profiles" >&2
	exit 1
}
echo "examples: all built and ran against $prefix"

#!/usr/bin/env bash
# Builds examples/embed.c against an installed smmukit (prefix $1), using
# only pkg-config's flags, and runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=$(cd "${1:?usage: build-example.sh PREFIX}" && pwd)
pc=$(find "$prefix" -name smmukit.pc -print -quit)
[ -n "$pc" ] || { echo "build-example: no smmukit.pc under $prefix" >&2; exit 1; }
export PKG_CONFIG_PATH="$(dirname "$pc")"
mkdir -p build-example
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Wno-unused-parameter -Werror -o build-example/embed examples/embed.c \
   $(pkg-config --cflags smmukit) $(pkg-config --libs --static smmukit) \
   -Wl,-rpath,"$(pkg-config --variable=libdir smmukit)"
./build-example/embed

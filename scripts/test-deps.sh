#!/usr/bin/env bash
# Installs what the tests need (cmocka, a C toolchain, cmake, pkg-config) when
# it can: as root with apt-get. Otherwise says in one line what to install.
set -euo pipefail
need=()
have_hdr() { printf '#include <%s>\n' "$1" | cc -E -x c - >/dev/null 2>&1; }
command -v cmake >/dev/null || need+=(cmake)
command -v cc >/dev/null || need+=(gcc)
command -v pkg-config >/dev/null || need+=(pkg-config)
have_hdr stdarg.h && have_hdr stddef.h && have_hdr setjmp.h && have_hdr cmocka.h 2>/dev/null || need+=(libcmocka-dev)
# check-freestanding needs clang and lld
command -v clang >/dev/null || need+=(clang)
command -v ld.lld >/dev/null || need+=(lld)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing test dependencies: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || true
  apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "smmukit: tests need: ${need[*]} (apt-get install ${need[*]})" >&2
  exit 1
fi

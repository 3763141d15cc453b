#!/usr/bin/env bash
# The freestanding check is the bare-metal build: the core layers
# (SMMUKIT_CORE_LAYERS in CMakeLists.txt) cross-compiled for aarch64-none-elf
# with -ffreestanding -mgeneral-regs-only -mstrict-align -mno-outline-atomics
# -Werror, then linked against memcpy/memset/memcmp stubs only
# (smmukit_freestanding_check). Anything non-portable fails here: a libc call
# (undefined symbol), floating point (-mgeneral-regs-only), 128-bit division
# (undefined compiler-rt helper), thread-local storage (a TLS section).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${FREESTANDING_BUILD:-build-freestanding}
cmake -S . -B "$out" -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-none-elf.cmake \
      -DSMMUKIT_PLATFORM=baremetal >/dev/null
cmake --build "$out" -j"${JOBS:-2}" --target smmukit smmukit_freestanding_check
elf="$out/smmukit_freestanding_check"
if readelf -S "$elf" 2>/dev/null | grep -qE '\.t(data|bss)'; then
  echo "check-freestanding: thread-local storage in the core" >&2
  exit 1
fi
n=$(ar t "$out/libsmmukit.a" | wc -l)
echo "check-freestanding: the core layers build and link for aarch64-none-elf ($n objects in libsmmukit.a with the bare-metal backend)"

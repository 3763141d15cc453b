#!/usr/bin/env bash
# Compiles the core layers for a bare-metal aarch64 target and links them
# against stubs for memcpy/memset/memcmp only. Anything non-portable fails
# here: a libc call (undefined symbol), floating point (-mgeneral-regs-only),
# 128-bit division (undefined compiler-rt helper), thread-local storage
# (a TLS section in the output).
set -euo pipefail
cd "$(dirname "$0")/.."
out=build-freestanding
rm -rf "$out" && mkdir -p "$out"
CFLAGS=(--target=aarch64-none-elf -ffreestanding -fno-builtin -nostdlib
        -mgeneral-regs-only -mstrict-align -mno-outline-atomics
        -std=c11 -O2 -Wall -Wextra -Wno-unused-parameter -Werror -Iinclude -Isrc)
layers=(platform options hw pgtable iova smmu iommu dma)
objs=()
for layer in "${layers[@]}"; do
  for src in src/"$layer"/*.c; do
    [ -e "$src" ] || continue
    obj="$out/$(echo "$src" | tr / _).o"
    clang "${CFLAGS[@]}" -c "$src" -o "$obj"
    objs+=("$obj")
  done
done
clang "${CFLAGS[@]}" -c scripts/freestanding-stubs.c -o "$out/stubs.o"
ld.lld -static -e freestanding_entry -o "$out/core.elf" "$out/stubs.o" "${objs[@]}"
if readelf -S "$out/core.elf" 2>/dev/null | grep -qE '\.t(data|bss)'; then
  echo "check-freestanding: thread-local storage in the core" >&2
  exit 1
fi
echo "check-freestanding: ${#objs[@]} core objects build and link for aarch64-none-elf"

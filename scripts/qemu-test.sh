#!/usr/bin/env bash
# Cross-builds the bare-metal harness and runs it on QEMU's virt machine with
# its SMMUv3 and the edu device (see docs/baremetal.md). Installs
# qemu-system-arm (which has qemu-system-aarch64) with apt-get when missing
# and run as root. Exit status: the harness's (0 = every check passed).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${BM_BUILD:-build-baremetal}
qemu=${QEMU:-qemu-system-aarch64}
timeout_s=${QEMU_TIMEOUT:-300}
start=$(date +%s.%N)
if ! command -v "$qemu" >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing qemu-system-arm"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends qemu-system-arm >/dev/null ||
      { apt-get update -qq >/dev/null;
        apt-get install -y --no-install-recommends qemu-system-arm >/dev/null; }
  else
    echo "smmukit: qemu-test needs $qemu (apt-get install qemu-system-arm)" >&2
    exit 1
  fi
fi
command -v clang >/dev/null && command -v ld.lld >/dev/null ||
  bash scripts/test-deps.sh
cmake -S . -B "$out" -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-none-elf.cmake \
      -DSMMUKIT_PLATFORM=baremetal >/dev/null
cmake --build "$out" -j"${JOBS:-2}" --target harness
"$qemu" --version | head -1
# -icount shift=10,sleep=off: virtual time follows instructions, so edu's
# 100 ms per DMA costs no wall time and runs are deterministic.
set +e
timeout "$timeout_s" "$qemu" -M virt,iommu=smmuv3 -cpu cortex-a57 -m 256M \
  -nodefaults -display none -serial stdio \
  -semihosting-config enable=on,target=native \
  -device edu,dma_mask=0xffffffffffffffff \
  -icount shift=10,sleep=off -kernel "$out/harness.elf" | tee "$out/qemu-test.log"
rc=${PIPESTATUS[0]}
set -e
end=$(date +%s.%N)
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out/qemu-test.log" | tail -1 || true)
[ -n "$line" ] || { echo "qemu-test: no result line (status $rc)" >&2; [ "$rc" = 0 ] && rc=1; }
[ "$rc" = 124 ] && echo "qemu-test: timed out after ${timeout_s} s" >&2
echo "qemu-test: ${line:-no result}, exit status $rc, wall $(awk "BEGIN{printf \"%.1f\", $end-$start}") s"
exit "$rc"

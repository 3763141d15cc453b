# SPDX-License-Identifier: MIT
# Cross toolchain for bare-metal aarch64 (clang + ld.lld): the core layers and
# the bare-metal backend, freestanding, no floating point, no unaligned
# accesses (with the MMU off every access is Device memory), no outlined
# atomics (there is no runtime to provide them).
#   cmake -S . -B build-bm -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-none-elf.cmake \
#         -DSMMUKIT_PLATFORM=baremetal
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER clang)
set(CMAKE_ASM_COMPILER clang)
set(CMAKE_C_COMPILER_TARGET aarch64-none-elf)
set(CMAKE_ASM_COMPILER_TARGET aarch64-none-elf)
set(CMAKE_C_FLAGS_INIT
    "-ffreestanding -fno-builtin -mgeneral-regs-only -mstrict-align -mno-outline-atomics")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-fuse-ld=lld -nostdlib -static")
# The compiler check cannot link a program without a runtime.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(SMMUKIT_PLATFORM baremetal CACHE STRING "Platform backend: posix | baremetal")

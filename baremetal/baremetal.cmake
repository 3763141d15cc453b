# SPDX-License-Identifier: MIT
# Included by the top-level CMakeLists.txt when SMMUKIT_PLATFORM=baremetal:
# the same core layers (SMMUKIT_CORE_SOURCES) with the bare-metal backend,
# the freestanding link check, and the QEMU harness.
enable_language(ASM)
# The core must build without a warning on the cross target.
add_compile_options(-Werror)

file(GLOB SMMUKIT_BAREMETAL_SOURCES CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/src/platform/baremetal/*.c)

add_library(smmukit_core OBJECT ${SMMUKIT_CORE_SOURCES})
target_include_directories(smmukit_core PUBLIC ${PROJECT_SOURCE_DIR}/include)

# libsmmukit.a for a bare-metal embedder: core layers + backend.
add_library(smmukit STATIC $<TARGET_OBJECTS:smmukit_core>
            ${SMMUKIT_BAREMETAL_SOURCES})
target_include_directories(smmukit PUBLIC ${PROJECT_SOURCE_DIR}/include)

# The core layers alone, linked against memcpy/memset/memcmp stubs only:
# any other libc call, compiler-runtime helper (128-bit division,
# soft-float) or thread-local storage fails here.
add_executable(smmukit_freestanding_check
               ${PROJECT_SOURCE_DIR}/scripts/freestanding-stubs.c
               $<TARGET_OBJECTS:smmukit_core>)
target_link_options(smmukit_freestanding_check PRIVATE
                    -Wl,-e,freestanding_entry)

# The QEMU harness: public headers and libsmmukit.a only.
file(GLOB SMMUKIT_HARNESS_SOURCES CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/baremetal/*.c ${PROJECT_SOURCE_DIR}/baremetal/*.S)
add_executable(harness ${SMMUKIT_HARNESS_SOURCES})
set_target_properties(harness PROPERTIES SUFFIX ".elf" LINK_DEPENDS
                      ${PROJECT_SOURCE_DIR}/baremetal/harness.ld)
target_link_libraries(harness PRIVATE smmukit)
target_link_options(harness PRIVATE
                    -Wl,-T,${PROJECT_SOURCE_DIR}/baremetal/harness.ld)

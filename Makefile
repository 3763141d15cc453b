# SPDX-License-Identifier: MIT
# Thin wrapper over CMake. `make run` and `make test` are the two commands.
BUILD      ?= build
TEST_BUILD ?= build-test
SAN_BUILD  ?= build-asan
TSAN_BUILD ?= build-tsan
PREFIX     ?= /usr/local
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
# map->unmap cycles per mode of the invariant tests (tests/invariant): the
# plain build runs more, the sanitizer builds fewer (5-15x slower). The
# sanitizer builds skip the negative controls (the plain build runs them).
STRESS_OPS ?= 1000000
SAN_STRESS_OPS ?= 100000

.PHONY: all run test test-asan test-tsan check-freestanding qemu-test install example bench bench-instr clean deps fuzz

all:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

# The main job (see README): the original non-strict series' table (NVMe
# random read/write IOPS, strict vs lazy vs passthrough) out of the model
# of its 2018 machine, median of 3 runs in virtual time (docs/io.md). The
# build is quiet: its output goes to a log shown only if it fails.
run:
	@mkdir -p $(BUILD)
	@echo "building $(BUILD)/smmukit (log: $(BUILD)/make-run.log)"
	@{ cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) && \
	  cmake --build $(BUILD) -j$(JOBS) --target smmukit_tool; } > $(BUILD)/make-run.log 2>&1 || \
	  { cat $(BUILD)/make-run.log; exit 1; }
	@./$(BUILD)/smmukit compare --profile hi1620-2018

deps:
	@bash scripts/test-deps.sh

test: deps
	cmake -S . -B $(TEST_BUILD) -DSMMUKIT_BUILD_TESTS=ON \
	  -DSMMUKIT_STRESS_OPS=$(STRESS_OPS) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(TEST_BUILD) -j$(JOBS)
	cd $(TEST_BUILD) && ctest --output-on-failure -j$(JOBS)

test-asan: deps
	cmake -S . -B $(SAN_BUILD) -DSMMUKIT_BUILD_TESTS=ON -DSMMUKIT_BUILD_BENCH=OFF \
	  -DSMMUKIT_STRESS_OPS=$(SAN_STRESS_OPS) -DSMMUKIT_BROKEN_VARIANTS=OFF \
	  -DCMAKE_BUILD_TYPE=Debug -DSMMUKIT_SANITIZE=address,undefined >/dev/null
	cmake --build $(SAN_BUILD) -j$(JOBS)
	cd $(SAN_BUILD) && ctest --output-on-failure -j$(JOBS)

test-tsan: deps
	cmake -S . -B $(TSAN_BUILD) -DSMMUKIT_BUILD_TESTS=ON -DSMMUKIT_BUILD_BENCH=OFF \
	  -DSMMUKIT_STRESS_OPS=$(SAN_STRESS_OPS) -DSMMUKIT_BROKEN_VARIANTS=OFF \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSMMUKIT_SANITIZE=thread >/dev/null
	cmake --build $(TSAN_BUILD) -j$(JOBS)
	cd $(TSAN_BUILD) && ctest --output-on-failure -j$(JOBS) -R '$(TSAN_TESTS)'

TSAN_TESTS ?= .

# Every libFuzzer target (tests/fuzz) for FUZZ_SECONDS each, built with
# clang, AddressSanitizer and UBSan; the corpora's replays are part of
# `make test`. See docs/reliability.md.
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DSMMUKIT_FUZZ=ON \
	  -DSMMUKIT_BUILD_TESTS=ON -DSMMUKIT_BUILD_BENCH=OFF -DSMMUKIT_BROKEN_VARIANTS=OFF \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSMMUKIT_SANITIZE=address,undefined >/dev/null
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzzers
	@bash scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# The bare-metal build (cmake/aarch64-none-elf.cmake, SMMUKIT_PLATFORM=baremetal).
check-freestanding:
	@bash scripts/check-freestanding.sh

# The bare-metal harness on QEMU's SMMUv3 (installs qemu-system-arm if needed).
qemu-test:
	@bash scripts/qemu-test.sh

# The prefix is configured (not only given to --install) so smmukit.pc names it.
install:
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(abspath $(PREFIX)) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j$(JOBS)
	cmake --install $(BUILD)

# Removes exactly what the last `make install` installed (CMake's manifest).
.PHONY: uninstall
uninstall:
	@test -f $(BUILD)/install_manifest.txt || \
	  { echo "uninstall: no $(BUILD)/install_manifest.txt (nothing installed from $(BUILD))"; exit 1; }
	@xargs rm -fv < $(BUILD)/install_manifest.txt
	@# Then the folders that are smmukit's own, deepest first, if now empty.
	@xargs -n1 dirname < $(BUILD)/install_manifest.txt | grep '/smmukit' | \
	  sort -ru | while read -r d; do rmdir --ignore-fail-on-non-empty "$$d"; \
	  case "$$d" in */smmukit/*) rmdir --ignore-fail-on-non-empty "$${d%/*}";; esac; done
	@rm -f $(BUILD)/install_manifest.txt

# Build examples/ against an installed copy (PREFIX), through pkg-config.
example:
	@bash scripts/build-example.sh $(PREFIX)

bench: all
	@for b in $(BUILD)/bench/*; do echo "== $$b"; $$b || exit 1; done

# Instructions per hot-path operation under callgrind, next to Linux's.
# valgrind (with valgrind/callgrind.h) is installed first when missing.
bench-instr:
	@bash scripts/bench-deps.sh
	@$(MAKE) --no-print-directory all
	./$(BUILD)/bench/bench_instr $(BENCH_INSTR_ARGS)

clean:
	rm -rf $(BUILD) $(TEST_BUILD) $(SAN_BUILD) $(TSAN_BUILD)

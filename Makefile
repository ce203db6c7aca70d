# trustmq — the two commands that matter are `make run` and `make test`.
# Every target installs missing Debian packages first (scripts/install-deps.sh).

BUILD_DIR      ?= build
ASAN_DIR       ?= build-asan
FUZZ_DIR       ?= build-fuzz
DEB_DIR        ?= build-deb
BUILD_TYPE     ?= RelWithDebInfo
JOBS           ?= $(shell nproc)
FUZZ_SECONDS   ?= 60
# Seconds per fuzzer inside `make test`: a regression run of every fuzz/*_fuzzer.cpp (nine
# today, 9 × 15 s) over its corpus, keeping a fresh-machine `make test` as short as we can; the real campaign is
# `make fuzz` with FUZZ_SECONDS.
TEST_FUZZ_SECONDS ?= 15
ENGINE         ?= wasm-aot
# ctest's parallelism in `make test`: one more than the cores, because the four e2e suites
# (150–170 s each) mostly wait on clients, timers and sockets (about 25 s of CPU each).
TEST_JOBS      ?= $(shell echo $$(( $(JOBS) + 1 )))

.PHONY: all deps build run test unit-test e2e-test asan-test fuzz package-test build-matrix bench bench-full \
        bench-recovery format clean soak

all: build

deps:
	./scripts/install-deps.sh

# Warnings are errors here and in CI (TRUSTMQ_WERROR); a plain `cmake` build keeps them warnings.
# Re-configured when this Makefile changes, so existing build folders get new options too.
$(BUILD_DIR)/build.ninja: Makefile
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DTRUSTMQ_WERROR=ON
	touch $@

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	./scripts/run-broker.sh $(BUILD_DIR) $(ENGINE)

# Everything: unit + end-to-end tests, the install and Debian package check, the same unit tests
# under ASan/UBSan ({Ninja, Debug}; not the reproducible-wasm-build check, which compiles
# wasm32 and has nothing to sanitize), and the fuzzers.
# Each step prints its start time, so a CI log shows where the minutes go.
test: build
	@echo "== make test: ctest, $$(date -u +%T)"
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(TEST_JOBS) --timeout 300
	@echo "== make test: package-test, $$(date -u +%T)"
	$(MAKE) package-test
	@echo "== make test: asan-test, $$(date -u +%T)"
	$(MAKE) asan-test
	@echo "== make test: fuzz, $$(date -u +%T)"
	$(MAKE) fuzz FUZZ_SECONDS=$(TEST_FUZZ_SECONDS)
	@echo "== make test: done, $$(date -u +%T)"

unit-test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) -L unit

e2e-test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) -L e2e

# The persistence crash loop (tests/e2e/test_persistence_crash.py) at length, on every engine:
# SOAK_ITERATIONS kill -9s each (make test runs 20 on the engines of the e2e suite).
SOAK_ITERATIONS ?= 500
soak: build
	for engine in native wasm-aot wasm-interp; do \
	  TRUSTMQ_CRASH_ITERATIONS=$(SOAK_ITERATIONS) PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -m pytest \
	    -p no:cacheprovider -q tests/e2e/test_persistence_crash.py --broker-kind trustmq \
	    --broker $(BUILD_DIR)/apps/trustmq-broker/trustmq-broker --engine $$engine || exit 1; \
	done

asan-test: deps
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTRUSTMQ_SANITIZE=ON -DTRUSTMQ_WASM=ON \
	  -DTRUSTMQ_BENCH=OFF -DTRUSTMQ_WERROR=ON
	cmake --build $(ASAN_DIR) -j $(JOBS)
	ctest --test-dir $(ASAN_DIR) --output-on-failure -j $(JOBS) -L '^(unit|sanitized-e2e)$$' \
	  --timeout 300 -E '^runtime[.]wasm_core_reproducible$$'

fuzz: deps
	cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRUSTMQ_FUZZ=ON \
	  -DTRUSTMQ_TESTS=OFF -DTRUSTMQ_WASM=OFF -DTRUSTMQ_BENCH=OFF -DTRUSTMQ_WERROR=ON \
	  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzzers
	./scripts/run-fuzzers.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

# `cmake --install --prefix` of the main build, and the .deb from a {Unix Makefiles, Release}
# build (the `deb` preset): lintian, dpkg-deb -x, the installed broker run with every engine.
package-test: build
	./scripts/package-test.sh $(DEB_DIR) $(BUILD_DIR) $(JOBS)

# Nightly style, not in `make test` (about an hour on 2 cores): every generator x build type x
# host compiler from a clean folder with -Werror (scripts/build-matrix.sh).
build-matrix: deps
	./scripts/build-matrix.sh $(JOBS)

# The evaluation against Debian's mosquitto (docs/benchmarks.md). `bench`: quick profile, a few
# minutes; `bench-full`: every case, every target, 2 interleaved rounds (about 70 minutes on 2
# cores, docs/benchmarks.md), then the engine and handshake scripts (about 6). Both stop by themselves; results
# (CSV, summary.md, PNG plots) in BENCH_RESULTS.
BENCH_RESULTS  ?= $(BUILD_DIR)/bench-results
bench: build
	$(BUILD_DIR)/apps/trustmq-bench/trustmq-bench --profile quick --results $(BENCH_RESULTS)/quick

bench-full: build
	$(BUILD_DIR)/apps/trustmq-bench/trustmq-bench --profile full --results $(BENCH_RESULTS)/full
	./bench/run-all.sh $(BUILD_DIR)

# Restart with 1 M stored QoS 1 messages (docs/persistence.md, Measurements): ~10 minutes.
RECOVERY_MESSAGES ?= 1000000
bench-recovery: build
	$(BUILD_DIR)/apps/trustmq-bench/trustmq-bench --cases recovery \
	  --recovery-messages $(RECOVERY_MESSAGES) --targets native,mosquitto-nodelay \
	  --results $(BENCH_RESULTS)/recovery

format:
	find src apps tests fuzz bench -name '*.cpp' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR) $(DEB_DIR)

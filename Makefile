# Two entry points: `make run` and `make test`. Everything else is a helper.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 8
JOBS       ?= $(shell nproc)
CMAKE_GEN  := -G Ninja
# ccache keyed on paths relative to the checkout, so every clone on a
# machine shares one cache.
export CCACHE_BASEDIR  := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: run cluster test deps test-deps build build-asan build-fuzz fuzz-smoke fuzz unit integration integration-asan format lint clean bench

deps:
	@scripts/install-deps

test-deps:
	@scripts/install-deps --with-test-clients
	@scripts/install-js-clients

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DSLUICE_SANITIZE=ON

# The unit tests and a broker under AddressSanitizer + UndefinedBehaviorSanitizer.
build-asan: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target sluice_unit_tests sluiced

# The libFuzzer targets of tests/fuzz/ under ASan + UBSan (clang; see tests/fuzz/README.md).
$(FUZZ_BUILD)/build.ninja:
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLUICE_FUZZ=ON

build-fuzz: test-deps $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target sluice_fuzzers

# Every fuzz target for FUZZ_SMOKE_SECONDS (part of `make test`); `make fuzz` for longer runs.
fuzz-smoke: build-fuzz
	tests/fuzz/run_fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SMOKE_SECONDS) smoke

fuzz: build-fuzz
	tests/fuzz/run_fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) long

run: build
	mkdir -p sluice-data
	$(BUILD)/bin/sluiced

# etcd and three brokers on localhost:9092-9094 (scripts/run-cluster); Ctrl-C stops them all.
cluster: build
	@scripts/install-deps --with-etcd
	scripts/run-cluster $(BUILD)

test: test-deps build build-asan
	cd $(ASAN_BUILD) && ctest --output-on-failure -L unit -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) --no-print-directory integration-asan
	$(MAKE) --no-print-directory fuzz-smoke

# Every real-client test once more against the sanitized broker: races
# between a connection's reads, writes and close only show up there. The
# two out-of-descriptor tests are left out of this run (they run above):
# the sanitizer runtime itself needs descriptors to check memory.
integration-asan: build build-asan
	cd tests/integration && SLUICED=$(CURDIR)/$(ASAN_BUILD)/bin/sluiced SLUICE_CLI=$(CURDIR)/$(BUILD)/bin/sluice \
		/usr/bin/python3 -m pytest -q -p no:cacheprovider -k "not out_of_descriptors" test_*.py

unit: build
	cd $(BUILD) && ctest --output-on-failure -L unit -j $(JOBS)

integration: test-deps build
	cd $(BUILD) && ctest --output-on-failure -L integration -j $(JOBS)

bench: build
	$(BUILD)/bin/sluice_micro_bench

format:
	git ls-files '*.cc' '*.h' | grep -v /generated/ | xargs clang-format -i

lint: $(BUILD)/build.ninja
	git ls-files '*.cc' | grep -v /generated/ | xargs clang-tidy -p $(BUILD) --quiet

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

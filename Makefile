# Two entry points: `make run` and `make test`. Everything else is a helper.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_GEN  := -G Ninja
# ccache keyed on paths relative to the checkout, so every clone on a
# machine shares one cache.
export CCACHE_BASEDIR  := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: run test deps test-deps build build-asan unit integration format lint clean bench

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

# Unit tests only, under AddressSanitizer + UndefinedBehaviorSanitizer.
build-asan: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target sluice_unit_tests

run: build
	mkdir -p sluice-data
	$(BUILD)/bin/sluiced

test: test-deps build build-asan
	cd $(ASAN_BUILD) && ctest --output-on-failure -L unit -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

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
	rm -rf $(BUILD) $(ASAN_BUILD)

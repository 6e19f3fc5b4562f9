# Thin front door: every target installs what is missing, then defers to CMake presets.
.PHONY: run test build deps format bench asan-test fuzz clean release install package

BUILD := build/dev
JOBS ?= $(shell nproc)

deps:
	@scripts/install-deps

build: deps
	@cmake --preset dev >/dev/null
	@cmake --build --preset dev -j $(JOBS)

run: build
	$(BUILD)/app/desktop/sopvault

test: build
	ctest --preset dev

# Install and package from a release build (cmake/Install.cmake): `make install` puts the
# programs, desktop entry, icon, metadata, man page and completion under PREFIX (DESTDIR is
# honoured); `make package` writes the Debian package to build/release/package/.
PREFIX ?= /usr/local
release: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

install: release
	cmake --install build/release --prefix $(PREFIX)

package: release
	cd build/release && cpack -B package

asan-test: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	ctest --preset asan

# Benchmarks (tests/bench, docs/benchmarks.md): 1k and 10k SOPs; BENCH_ARGS=--large adds 100k.
# The sync figures start and remove a throwaway PostgreSQL cluster of their own (--no-sync: none).
bench: build
	$(BUILD)/tests/bench/sopvault_bench --json $(BUILD)/benchmarks.json $(BENCH_ARGS)

# libFuzzer (tests/fuzz, docs/reliability.md): clang-19 build, each target FUZZ_SECONDS long.
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/install-deps fuzz
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)
	scripts/run-fuzzers $(FUZZ_SECONDS) $(FUZZ_TARGETS)

format:
	@git ls-files '*.h' '*.cpp' | xargs clang-format -i

clean:
	rm -rf build

# Thin front door: every target installs what is missing, then defers to CMake presets.
.PHONY: run test build deps format bench asan-test clean

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

asan-test: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	ctest --preset asan

bench: build
	@cmake --build --preset dev --target bench

format:
	@git ls-files '*.h' '*.cpp' | xargs clang-format -i

clean:
	rm -rf build

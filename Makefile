# EdgeChat: `make dev` to run it, `make test` to check it. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PORT ?= 8787
STATE ?= .state
CARGO_BIN := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin
BIN := $(CURDIR)/node_modules/.bin

# worker-build would download these from GitHub; point it at the local, pinned ones instead.
export WASM_BINDGEN_BIN := $(CARGO_BIN)/wasm-bindgen
export ESBUILD_BIN := $(BIN)/esbuild
export WASM_OPT_BIN := $(BIN)/wasm-opt
export WRANGLER_SEND_METRICS := false

RUST_SOURCES := Cargo.toml Cargo.lock $(shell find src -name '*.rs')
ASSET_SOURCES := scripts/build-assets.mjs scripts/gen-api-types.mjs docs/openapi.json tsconfig.json $(shell find widget admin -type f -not -name '*.md' -not -name '*.gen.ts')
WASM_FEATURES := --enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int --enable-bulk-memory \
                 --enable-multivalue --enable-reference-types --enable-exception-handling

.PHONY: openapi help tools tools-browser build dev test test-unit test-integration test-browser deploy-check sizes bench clean

help:
	@echo "make dev    build, migrate, seed the demo tenant and serve on http://localhost:$(PORT)"
	@echo "make test   unit tests, integration tests in workerd, browser tests, deploy dry-run, sizes"
	@echo "make build  the Worker into build/ and the assets into dist/"
	@echo "make bench  benchmarks (not part of make test)"

tools:
	@scripts/tools.sh

tools-browser:
	@scripts/tools.sh browser

build: tools build/.built dist/.built

# The stamp is written last, so an interrupted build (e.g. wrangler dev stopped mid-way) is redone.
build/.built: $(RUST_SOURCES)
	@rm -f build/.built
	worker-build --release
	@# worker-build (rustc opt-level 3, then wasm-opt -O3: built for speed, see docs/PERFORMANCE.md)
	@# keeps the wasm name section for stack traces; production does not need 150 KB of names.
	$(WASM_OPT_BIN) build/index_bg.wasm --strip-debug --strip-producers $(WASM_FEATURES) -o build/index_bg.wasm
	@touch build/.built

dist/.built: $(ASSET_SOURCES) package-lock.json
	node scripts/gen-api-types.mjs
	$(BIN)/tsc -p tsconfig.json
	node scripts/build-assets.mjs
	@touch dist/.built

dev: build
	@scripts/dev.sh "$(PORT)" "$(STATE)"

test: tools-browser build test-unit test-integration test-browser deploy-check sizes

test-unit:
	cargo test --lib --quiet

test-integration:
	node --test --test-concurrency=1 --test-timeout=180000 tests/integration/

test-browser:
	node --test --test-concurrency=1 --test-timeout=180000 tests/e2e/

deploy-check:
	$(BIN)/wrangler deploy --dry-run --outdir build/dry-run > build/dry-run.log 2>&1 || (cat build/dry-run.log; exit 1)
	@grep -E "Total Upload" build/dry-run.log

openapi:
	UPDATE_OPENAPI=1 cargo test --lib --quiet openapi

sizes:
	@node scripts/sizes.mjs

bench: build
	@node bench/run.mjs

clean:
	rm -rf build dist target/wasm32-unknown-unknown

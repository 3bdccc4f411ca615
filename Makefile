# One entry point for every chore. The two a newcomer needs:
#   make serve   build the app and serve it on http://127.0.0.1:8080
#   make test    run every test: native, wasm build, browser end to end
# Both install what is missing first (scripts/setup.sh) and are idempotent.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(CURDIR)/tools/npm/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
# Set by scripts/setup.sh only when the Debian wasm toolchain fallback is in use.
WASM_ENV := if [ -f target/wasm-toolchain.env ]; then source target/wasm-toolchain.env; fi

.PHONY: serve test setup setup-test native lint build e2e build-subpath e2e-subpath screenshots model bench fmt lab-smoke lab-campaign lab-down

# The release page served by trunk on 127.0.0.1:$(SERVE_PORT), built into
# target/serve so that dist/ stays the deployable build. No auto-reload: trunk
# injects it as an inline script, which the page's Content-Security-Policy
# forbids (tests/e2e/serve.test.mjs runs this very target on a free port).
SERVE_PORT ?= 8080
serve: setup
	$(WASM_ENV); cargo fetch -q; trunk serve --release --offline --no-autoreload --address 127.0.0.1 --port $(SERVE_PORT) --dist target/serve

test: setup-test native lint lab-smoke build e2e e2e-subpath
	@scripts/test-summary.sh

setup:
	@scripts/setup.sh build

setup-test:
	@scripts/setup.sh test

native:
	cargo test --workspace --exclude mibwatch

lint:
	cargo fmt --all --check
	# The fuzz targets (their own workspace, run with nightly by scripts/fuzz.sh) still build.
	CARGO_TARGET_DIR=target/fuzz-check cargo check -q --manifest-path fuzz/Cargo.toml
	cargo clippy --workspace --exclude mibwatch --all-targets -- -D warnings
	$(WASM_ENV); cargo clippy -p mibwatch --target wasm32-unknown-unknown -- -D warnings

build:
	$(WASM_ENV); cargo fetch -q; trunk build --release --offline

e2e:
	cd tests/e2e && npm test

# GitHub Pages serves a project page under /<repo>/: build for a sub-path and
# run the page-load, worker (train, score), offline and CSP tests served there.
SUBPATH := /mibwatch/
build-subpath:
	$(WASM_ENV); cargo fetch -q; trunk build --release --offline --dist dist-sub --public-url $(SUBPATH)

e2e-subpath: build-subpath
	cd tests/e2e && MIBWATCH_DIST=dist-sub MIBWATCH_BASE=$(SUBPATH) node --test --test-concurrency=1 app.test.mjs ship.test.mjs

# Refresh the README's screenshots (docs/screenshots/) from the a11y test's screens.
screenshots:
	cd tests/e2e && MIBWATCH_SCREENSHOTS=1 node --test --test-concurrency=1 a11y.test.mjs

# Traffic lab (lab/lab.sh; needs root and network namespaces, else the smoke
# test skips with a message). lab-smoke: < 2 min, run by `make test`.
lab-smoke:
	@mkdir -p target
	lab/lab.sh smoke 2>&1 | tee target/lab-smoke.log

# The full labelled campaign → data/lab/lab.csv + manifest.json (about an hour).
lab-campaign:
	@scripts/setup.sh lab
	lab/lab.sh campaign

lab-down:
	lab/lab.sh down

# The benchmark against scikit-learn and YDF, natively, in wasm and in the page
# in headless Chromium (writes bench/results.md with its own wall time).
bench: setup-test
	bench/run.sh

# Rebuild the embedded default model from data/ (byte-identical on rerun).
model:
	cargo run --release -p mibwatch-cli -- train

fmt:
	cargo fmt --all

# The README's two commands: `make demo` (the main job) and `make test` (all tests).
#
#   make test      lint, fetch Terraform 1.15.5 / 1.0.3 (scripts/fetch-tools), build, every test
#   make demo      build, start the local Maia emulator, apply examples/quickstart (scripts/demo)
#   make tools     only fetch the external tools into .cache/tools (or $MAIA_TOOLS_CACHE)
#   make install   release build into ~/.terraform.d/plugins for local use (scripts/install)
#   make release   release zip, SHA256SUMS and registry manifest in dist/ (scripts/release)
#   make fuzz      libFuzzer run of the input decoders, FUZZ_RUNS per target (scripts/fuzz)
#   make bench     ours vs the Go null provider, Markdown report into docs/benchmarks.md (scripts/bench)

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
CARGO ?= cargo
TOOLS_CACHE := $(or $(MAIA_TOOLS_CACHE),$(CURDIR)/.cache/tools)
TOOLS_ENV := $(TOOLS_CACHE)/env

.PHONY: test demo tools rust-tools build fmt-check clippy check-tests install release fuzz docs bench

test: rust-tools fmt-check tools build clippy check-tests

# make test needs rustfmt and clippy besides cargo; say so plainly if a minimal toolchain lacks them.
rust-tools:
	@command -v $(CARGO) >/dev/null || { echo "make: cargo not found on PATH (install Rust)" >&2; exit 1; }
	@$(CARGO) fmt --version >/dev/null 2>&1 || { echo "make: rustfmt missing: rustup component add rustfmt" >&2; exit 1; }
	@$(CARGO) clippy --version >/dev/null 2>&1 || { echo "make: clippy missing: rustup component add clippy" >&2; exit 1; }

tools:
	scripts/fetch-tools

build:
	$(CARGO) build --bins

fmt-check:
	$(CARGO) fmt --check

clippy:
	$(CARGO) clippy --all-targets -- -D warnings

# Runs with the tool paths from scripts/fetch-tools exported (TF_1_15_5, TF_1_0_3, TF_NULL_PROVIDER).
check-tests: tools build
	. "$(TOOLS_ENV)" && $(CARGO) test --all-targets && $(CARGO) test --doc

demo:
	scripts/demo

install:
	scripts/install

release:
	scripts/release

fuzz:
	scripts/fuzz

# Regenerates docs/ from the provider's schema and examples/ (tests/docs.rs fails when they are stale).
docs:
	MAIA_UPDATE_DOCS=1 $(CARGO) test --test docs

bench:
	scripts/bench

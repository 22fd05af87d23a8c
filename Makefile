# The README's two commands: `make demo` (the main job) and `make test` (all tests).
.PHONY: test demo
test:
	cargo test --all-targets
demo:
	cargo build --bins

# ShopSafe: `make run` to try it, `make test` to check it, `make bench` to measure it.
CARGO ?= cargo
DEMO_DIR ?= $(CURDIR)/target/demo-shop
export SHOPSAFE_HOME ?= $(CURDIR)/target/demo-home

.PHONY: deps build run test lint bench clean-demo

deps:
	@scripts/deps.sh

build: deps
	$(CARGO) build --release -p shopsafe-cli

# Until the desktop app lands: make a demo shop, back it up, list the backups.
run: build clean-demo
	target/release/shopsafe demo $(DEMO_DIR)
	target/release/shopsafe backup --name "First backup"
	target/release/shopsafe list

clean-demo:
	rm -rf $(DEMO_DIR) $(SHOPSAFE_HOME)

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test: deps lint
	$(CARGO) test --workspace

bench: build
	bench/run.sh

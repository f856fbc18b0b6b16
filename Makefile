# ShopSafe: `make run` to try it, `make test` to check it, `make bench` to measure it.
CARGO ?= cargo
TARGET := $(or $(CARGO_TARGET_DIR),target)
SHOPSAFE := $(TARGET)/release/shopsafe
DEMO_DIR ?= $(CURDIR)/target/demo-shop
DEMO_HOME := $(CURDIR)/target/demo-home

.PHONY: deps build run test lint bench clean-demo

deps:
	@scripts/deps.sh

build: deps
	$(CARGO) build --release -p shopsafe-cli

# Until the desktop app lands: make a demo shop, back it up, list the backups.
run: build clean-demo
	$(SHOPSAFE) --home $(DEMO_HOME) demo $(DEMO_DIR)
	$(SHOPSAFE) --home $(DEMO_HOME) backup --name "First backup"
	$(SHOPSAFE) --home $(DEMO_HOME) list

clean-demo:
	rm -rf $(DEMO_DIR) $(DEMO_HOME)

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test: deps lint
	$(CARGO) test --workspace

bench: build
	SHOPSAFE=$(SHOPSAFE) bench/run.sh

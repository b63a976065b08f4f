#!/usr/bin/env bash
# Installs the pinned tools the build and tests need, skipping each one already present at its version.
#   scripts/tools.sh          Rust target, worker-build, wasm-bindgen-cli, npm packages
#   scripts/tools.sh browser  also Debian's Chromium (for browser tests)
set -euo pipefail
cd "$(dirname "$0")/.."

WORKER_BUILD_VERSION=0.8.7
# wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.lock.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"

say() { printf '\033[1m[tools]\033[0m %s\n' "$*" >&2; }
has_version() { "$CARGO_BIN/$1" --version 2>/dev/null | grep -qw -- "$2"; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding Rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if ! has_version worker-build "$WORKER_BUILD_VERSION"; then
  say "installing worker-build $WORKER_BUILD_VERSION (takes a few minutes, once)"
  cargo install worker-build --version "$WORKER_BUILD_VERSION" --locked
fi

if ! has_version wasm-bindgen "$WASM_BINDGEN_VERSION"; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (takes a few minutes, once)"
  # Not --locked: that release's own lockfile pins a webpki-roots version the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dev tools (wrangler, esbuild, binaryen, typescript, playwright-core)"
  npm ci --no-audit --no-fund
  touch node_modules/.package-lock.json
fi

# Chromium, and CJK and emoji fonts so screenshots show Japanese, Korean and Chinese text and icons, not boxes.
if [ "${1:-}" = "browser" ] && { ! command -v chromium >/dev/null 2>&1 || [ ! -d /usr/share/fonts/opentype/noto ] || [ ! -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]; }; then
  say "installing Debian's chromium, CJK and emoji fonts for browser tests"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends chromium fonts-noto-cjk fonts-noto-color-emoji
fi
exit 0

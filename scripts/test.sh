#!/usr/bin/env bash
# Runs every test of the project: formatting, lints, UI checks and unit tests, Rust unit and
# integration tests (with a real Secret Service), and the desktop app's real-window tests
# (Xvfb + tauri-driver + WebKitWebDriver).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
export PATH="$HOME/.cargo/bin:$PATH"

echo "== ui: build, svelte-check, vitest"
# The app embeds ui/dist at compile time, so the UI is built before any cargo command.
(cd ui && npm run --silent build >/dev/null && npm run --silent check && npm test --silent)

echo "== cargo fmt --check"
cargo fmt --all --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test (inside a D-Bus session with gnome-keyring unlocked)"
scripts/with-keyring.sh cargo test --workspace --locked
echo "== real-window tests (Xvfb, tauri-driver, gnome-keyring)"
cargo build --locked -q -p dam-sim
cargo build --locked -q --release -p mismatch-report --example gen
scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x800x24" \
  cargo test --locked -p dam-staging-console --test real_window -- --ignored --test-threads=1
scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x800x24" \
  cargo test --locked -p dam-staging-console --test real_window_reports -- --ignored --test-threads=1 --nocapture
echo "== all tests passed"

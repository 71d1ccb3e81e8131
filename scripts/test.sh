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
reports_suite() {
  scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x800x24" \
    cargo test --locked -p dam-staging-console --test real_window_reports -- --ignored --test-threads=1 --nocapture
}
# Known intermittent failure (1 fresh-clone run in 4): the WebDriver session of the 1,000,000-row test can be lost
# (InvalidSessionId) while typing in the search box. Until it is diagnosed, the suite gets one loud retry.
if ! reports_suite; then
  echo "== WARNING: the real-window reports suite failed; retrying it once (known intermittent session loss)" >&2
  reports_suite
fi
echo "== all tests passed"

#!/usr/bin/env bash
# Runs every test of the project: supply-chain checks, formatting, lints, UI checks and unit tests,
# Rust unit and integration tests (with a real Secret Service), and the desktop app's real-window
# tests (Xvfb + tauri-driver + WebKitWebDriver).
#
# One build: every cargo command below selects the whole workspace with its dev-dependencies
# (`--workspace`), so features unify the same way and each crate compiles once per profile
# (clippy's check build, then the test build that the real-window suites reuse).
set -euo pipefail
cd "$(dirname "$0")/.."
START=$SECONDS
phase_start=$SECONDS
PHASES=()
phase() { # phase NAME: closes the previous phase's clock and prints a header
  if [ -n "${PHASE_NAME:-}" ]; then PHASES+=("$PHASE_NAME $((SECONDS - phase_start))s"); fi
  PHASE_NAME="$1"; phase_start=$SECONDS
  echo "== $1"
}

phase "setup (system packages, Rust, npm packages, tauri-driver, cargo-deny)"
scripts/setup.sh
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
export PATH="$HOME/.cargo/bin:$PATH"

phase "supply chain: cargo deny (licenses, bans, sources)"
cargo deny --locked --workspace check licenses bans sources

phase "ui: build, svelte-check, vitest"
# The app embeds ui/dist at compile time, so the UI is built before any cargo command.
(cd ui && npm run --silent build >/dev/null && npm run --silent check && npm test --silent)

phase "cargo fmt --check, cargo clippy"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings

RESULTS="$(mktemp -t dsc-test-results-XXXXXX)"
trap 'rm -f "$RESULTS"' EXIT

phase "cargo test (inside a D-Bus session with gnome-keyring unlocked)"
# Also builds what the real-window suites run: the app, the dam-sim binary and the report generator.
scripts/with-keyring.sh cargo test --workspace --locked 2>&1 | tee -a "$RESULTS"

phase "real-window tests (Xvfb, tauri-driver, gnome-keyring)"
# The only #[ignore]d tests are the real-window suites. The same package and target selection as
# above (`--tests` only leaves out the doctests, which have no ignored tests), so nothing rebuilds.
# The screen holds a 1920×1080 window: tests/real_window_reports/screens.rs checks every screen at
# 1024×768, 1280×800 and 1920×1080.
scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1920x1080x24" \
  cargo test --workspace --locked --tests -- --ignored --test-threads=1 --nocapture 2>&1 | tee -a "$RESULTS"

phase "done"
# Disk use of the build, for the next time a machine runs short (a clean run once ran out while linking).
echo "== disk: target/ $(du -sh target 2>/dev/null | cut -f1), free $(df -h --output=avail . | tail -1 | tr -d ' ')"
echo "== time by phase: ${PHASES[*]}; total $((SECONDS - START))s"
# One closing line for everything cargo ran (the UI's vitest prints its own above).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "rust: %d passed, %d failed\n", p, f }' "$RESULTS"

#!/usr/bin/env bash
# Launches the desktop app in demo mode: a simulated DX publisher and a drifted subscriber run
# inside the app on loopback, with linked demo profiles (credentials in memory only).
# Installs what is missing (system packages, Rust, npm packages), builds the UI and the app.
# Extra arguments go to the app.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
(cd ui && npm run --silent build >/dev/null)
cargo build --locked -q -p dam-staging-console
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "demo: no display found; running the app under Xvfb (no window will be visible)" >&2
  exec xvfb-run -a -s "-screen 0 1280x800x24" target/debug/dam-staging-console --demo "$@"
fi
exec target/debug/dam-staging-console --demo "$@"

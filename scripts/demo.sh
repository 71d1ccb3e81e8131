#!/usr/bin/env bash
# Starts the demo environment: a seeded DX publisher and a slightly drifted subscriber on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
cargo build --locked -q -p dam-sim
exec target/debug/dam-sim demo "$@"

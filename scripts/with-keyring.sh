#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with gnome-keyring's Secret Service unlocked,
# its keyring files in a temporary folder (never the user's own keyring).
# Usage: scripts/with-keyring.sh CMD [ARGS...]
set -euo pipefail
KEYRING_HOME="$(mktemp -d -t dsc-keyring-XXXXXX)"
trap 'rm -rf "$KEYRING_HOME"' EXIT
export KEYRING_HOME
dbus-run-session -- bash -c '
  mkdir -p "$KEYRING_HOME/.local/share" "$KEYRING_HOME/.cache"
  echo dsc-test-keyring | HOME="$KEYRING_HOME" XDG_DATA_HOME="$KEYRING_HOME/.local/share" \
    gnome-keyring-daemon --unlock --components=secrets >/dev/null
  export DSC_REQUIRE_KEYRING=1
  "$@"
' with-keyring "$@"

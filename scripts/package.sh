#!/usr/bin/env bash
# Builds the Linux installers (deb and rpm, release profile) with Tauri's bundler, installs the deb
# with `dpkg -i`, launches the installed app in demo mode under Xvfb, checks that its window
# appears and saves a screenshot of it to target/package-check.png. Removes the package at the end
# unless KEEP_INSTALLED=1. Windows and macOS installers are built by .github/workflows/build.yml.
# Usage: scripts/package.sh            (root, or sudo for dpkg)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
export PATH="$HOME/.cargo/bin:$PATH"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
for tool in xwininfo:x11-utils rpm:rpm; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || {
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${tool#*:}" >/dev/null
  }
done

echo "== tauri build --bundles deb,rpm (release)"
start=$SECONDS
ui/node_modules/.bin/tauri build --ci --bundles deb,rpm
echo "== built in $((SECONDS - start))s"
deb="$(ls -t target/release/bundle/deb/*.deb | head -1)"
rpm_file="$(ls -t target/release/bundle/rpm/*.rpm | head -1)"
ls -l "$deb" "$rpm_file" target/release/dam-staging-console

echo "== the rpm's header and files"
rpm -qip "$rpm_file" 2>/dev/null | grep -E '^(Name|Version|Release|Architecture|License|Summary)'
rpm -qlp "$rpm_file" 2>/dev/null
echo "== dpkg -i $deb"
$SUDO dpkg -i "$deb"
package="$(dpkg-deb -f "$deb" Package)"
dpkg-deb -f "$deb" Package Version Depends Section
dpkg -L "$package"
[ "${KEEP_INSTALLED:-0}" = 1 ] || trap '$SUDO dpkg -r "$package" >/dev/null' EXIT

echo "== launch the installed app in demo mode under Xvfb"
home="$(mktemp -d -t dsc-package-home-XXXXXX)"
out="$PWD/target/package-check.png"
HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_CONFIG_HOME="$home/.config" \
  xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    /usr/bin/dam-staging-console --demo >"$0/app.log" 2>&1 &
    app=$!
    for _ in $(seq 1 120); do
      if xwininfo -root -tree | grep -q "\"DAM Staging Console\""; then break; fi
      kill -0 "$app" 2>/dev/null || { echo "the app exited early:"; cat "$0/app.log"; exit 1; }
      sleep 0.5
    done
    xwininfo -root -tree | grep "\"DAM Staging Console\"" || { echo "no window appeared"; cat "$0/app.log"; kill "$app"; exit 1; }
    sleep 4 # the demo environment starts and the first screen paints
    import -window root "$1"
    kill "$app"; wait "$app" 2>/dev/null || true
  ' "$home" "$out"
rm -rf "$home"
echo "== the installed app opened its window; screenshot: $out"

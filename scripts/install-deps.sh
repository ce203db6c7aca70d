#!/usr/bin/env bash
# Installs the Debian 12 packages trustmq needs to build, run and test.
# Idempotent and non-interactive: only missing packages are installed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libssl-dev openssl libgtest-dev libgmock-dev libsqlite3-dev sqlite3
  clang-19 lld-19 libclang-rt-19-dev
  wasi-libc libc++-19-dev-wasm32 libc++abi-19-dev-wasm32 libclang-rt-19-dev-wasm32
  wabt
  lintian
  mosquitto mosquitto-clients python3 python3-paho-mqtt python3-pytest
  gnuplot-nox
  libtss2-dev libtss2-tcti-device0 libtss2-tcti-swtpm0 swtpm swtpm-tools tpm2-tools
  chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -q
  # policy-rc.d keeps the packaged mosquitto service from starting on install.
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# MQTT.js for the browser WebSockets test (tests/e2e/test_websocket_browser.py): its browser
# bundle dist/mqtt.min.js, from the npm package `mqtt` (Debian's node-mqtt 4.3.7 has no
# browser bundle). The package tarball is fetched from the npm registry with python3 (no npm
# or Node.js needed: the bundle is self-contained), pinned by version and by its SHA-256.
mqttjs_version=5.16.0
mqttjs_sha256=c7d13d6dedf4c15063fb61d645c82d07d2a24f79b15736f313e96e116177950f
mqttjs_dir="${XDG_CACHE_HOME:-$HOME/.cache}/trustmq/mqttjs-$mqttjs_version"
if [ -f "$mqttjs_dir/mqtt.min.js" ]; then
  echo "install-deps: MQTT.js $mqttjs_version present"
else
  work=$(mktemp -d)
  tarball="$work/mqtt-$mqttjs_version.tgz"
  python3 -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' \
    "https://registry.npmjs.org/mqtt/-/mqtt-$mqttjs_version.tgz" "$tarball"
  echo "$mqttjs_sha256  $tarball" | sha256sum -c --quiet
  tar -xzf "$tarball" -C "$work" package/dist/mqtt.min.js package/LICENSE.md
  mkdir -p "$mqttjs_dir"
  cp "$work/package/dist/mqtt.min.js" "$work/package/LICENSE.md" "$mqttjs_dir/"
  rm -rf "$work"
  echo "install-deps: MQTT.js $mqttjs_version in $mqttjs_dir"
fi

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
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
# policy-rc.d keeps the packaged mosquitto service from starting on install.
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# Runs trustmq-broker in the foreground with config/trustmq.conf: MQTT on 127.0.0.1:1883 and
# attested TLS (sim: NO hardware protection) on 127.0.0.1:8883.
# Usage: scripts/run-broker.sh [BUILD_DIR] [ENGINE]     (called by `make run`)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${1:-build}"
engine="${2:-native}"
case "$build_dir" in /*) ;; *) build_dir="$root/$build_dir" ;; esac

broker="$build_dir/apps/trustmq-broker/trustmq-broker"
if [ ! -x "$broker" ]; then
  echo "run-broker: $broker not found; build first (make build)" >&2
  exit 1
fi

# No silent fallback: an engine missing from this binary (e.g. built with TRUSTMQ_WASM=OFF) is an
# error, so `make run` never runs something other than what was asked for.
if ! "$broker" --list-engines | grep -qx -- "$engine"; then
  echo "run-broker: engine '$engine' is not built in $broker (built: $("$broker" --list-engines | tr '\n' ' '))" >&2
  echo "run-broker: choose one with 'make run ENGINE=native'" >&2
  exit 1
fi

echo "run-broker: trustmq-broker on 127.0.0.1:1883 (MQTT) and 127.0.0.1:8883 (TLS, attestation sim) (engine $engine); Ctrl-C stops it" >&2
exec "$broker" -c "$root/config/trustmq.conf" -v --engine "$engine"

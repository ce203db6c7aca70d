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

# Until the wasm engines are built, an engine missing from this binary falls back to native.
if ! "$broker" --list-engines | grep -qx -- "$engine"; then
  echo "run-broker: engine '$engine' is not built in $broker; falling back to native" >&2
  engine=native
fi

echo "run-broker: trustmq-broker on 127.0.0.1:1883 (MQTT) and 127.0.0.1:8883 (TLS, attestation sim) (engine $engine); Ctrl-C stops it" >&2
exec "$broker" -c "$root/config/trustmq.conf" -v --engine "$engine"

#!/usr/bin/env bash
# Every benchmark of bench/ against one build (called by `make bench`).
# Usage: bench/run-all.sh BUILD_DIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build_dir="${1:-build}"

echo "== engine throughput (bench/engines.sh) =="
"$here/engines.sh" "$build_dir"
echo
if [ -x "$here/handshake/run.sh" ]; then
  echo "== connection latency (bench/handshake/run.sh) =="
  "$here/handshake/run.sh" "$build_dir"
fi

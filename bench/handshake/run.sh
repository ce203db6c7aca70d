#!/usr/bin/env bash
# Connection latency of trustmq-broker on loopback: TCP connect + TLS 1.3 handshake + MQTT
# CONNECT/CONNACK, median of COUNT connections, for plain TCP, ECDHE (certificate) and PSK, each
# with and without attestation (sim evidence requested and verified against a policy).
# Broker and client are pinned to different cores when taskset and 2 cores are available.
#
# Usage: bench/handshake/run.sh [BUILD_DIR] [ENGINE]      (COUNT=300 by default; called by make bench)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build_dir="${1:-build}"
engine="${2:-native}"
count="${COUNT:-300}"
case "$build_dir" in /*) ;; *) build_dir="$root/$build_dir" ;; esac
broker="$build_dir/apps/trustmq-broker/trustmq-broker"
cli="$build_dir/apps/trustmq/trustmq"
for f in "$broker" "$cli"; do
  [ -x "$f" ] || { echo "handshake bench: $f not found; build first (make build)" >&2; exit 1; }
done
if ! "$broker" --list-engines | grep -qx -- "$engine"; then
  echo "handshake bench: engine $engine not built; using native" >&2
  engine=native
fi

# The latency tool: the CMake target if the build has it, else compiled here against the build's
# trustmq_tls/trustmq_attest libraries.
tool="$build_dir/bench/handshake/handshake_latency"
if ! cmake --build "$build_dir" --target handshake_latency >/dev/null 2>&1; then
  mkdir -p "$(dirname "$tool")"
  c++ -std=c++20 -O2 -I"$root/src" "$root/bench/handshake/handshake_latency.cpp" \
    "$build_dir/src/tls/libtrustmq_tls.a" "$build_dir/src/attest/libtrustmq_attest.a" \
    -lssl -lcrypto -o "$tool"
fi

work="$(mktemp -d)"
broker_pid=""
cleanup() {
  if [ -n "$broker_pid" ]; then kill "$broker_pid" 2>/dev/null || true; wait "$broker_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

psk_hex=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
echo "bench:$psk_hex" > "$work/psk"
cat > "$work/broker.conf" <<CONF
listener 0 127.0.0.1
listener 0 127.0.0.1
attestation sim
listener 0 127.0.0.1
psk_file $work/psk
attestation sim
allow_anonymous true
state_dir $work/state
log_type error
log_type warning
log_type notice
CONF

server_pin=() client_pin=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  server_pin=(taskset -c 0) client_pin=(taskset -c 1)
fi
"${server_pin[@]}" "$broker" -c "$work/broker.conf" --engine "$engine" 2>"$work/broker.log" &
broker_pid=$!
for _ in $(seq 100); do
  [ "$(grep -c 'listening on' "$work/broker.log" || true)" -ge 3 ] && break
  sleep 0.05
done
mapfile -t ports < <(grep -o 'listening on 127.0.0.1:[0-9]*' "$work/broker.log" | sed 's/.*://')
[ "${#ports[@]}" -eq 3 ] || { cat "$work/broker.log" >&2; exit 1; }
module="$(grep -o 'module measurement (sha-256) [0-9a-f]*' "$work/broker.log" | awk '{print $4}')"
"$cli" policy init --module-measurement "$module" --anchor "$work/state/sim/sim-root-ca.pem" \
  --allow-sim -o "$work/policy.json" 2>/dev/null

run_case() {  # label, then tool arguments
  local label="$1"; shift
  "${client_pin[@]}" "$tool" --count "$count" --label "$label" "$@"
}
results="$work/results.tsv"
{
  run_case "tcp" --mode tcp --port "${ports[0]}"
  run_case "ecdhe" --mode ecdhe --port "${ports[1]}"
  run_case "ecdhe+attest" --mode ecdhe --port "${ports[1]}" --policy "$work/policy.json"
  run_case "psk" --mode psk --psk "$psk_hex" --psk-identity bench --port "${ports[2]}"
  run_case "psk+attest" --mode psk --psk "$psk_hex" --psk-identity bench --port "${ports[2]}" \
    --policy "$work/policy.json"
} > "$results"

echo "trustmq-broker (engine $engine), loopback, $count connections per case after 20 warm-up;"
echo "TLS 1.3 TLS_AES_128_GCM_SHA256, ECDSA P-256 certificate (ecdhe) or PSK + (EC)DHE (psk);"
echo "+attest: sim evidence requested and verified (sim: NO hardware protection)."
[ ${#server_pin[@]} -gt 0 ] && echo "broker on core 0, client on core 1 (taskset)."
echo
awk -F'\t' '
  { split($3, m, "="); split($4, a, "="); split($5, b, "="); split($6, c, "=");
    name[NR] = $1; med[name[NR]] = m[2]; p10[NR] = a[2]; p90[NR] = b[2]; p99[NR] = c[2] }
  END {
    printf "| %-13s | %10s | %8s | %8s | %8s | %16s |\n", "case", "median µs", "p10 µs", "p90 µs", "p99 µs", "attestation adds"
    printf "|%s|%s|%s|%s|%s|%s|\n", "---------------", "------------", "----------", "----------", "----------", "------------------"
    for (i = 1; i <= NR; i++) {
      base = name[i]; sub(/\+attest$/, "", base)
      delta = (base != name[i]) ? sprintf("%+d µs", med[name[i]] - med[base]) : ""
      printf "| %-13s | %10d | %8d | %8d | %8d | %16s |\n", name[i], med[name[i]], p10[i], p90[i], p99[i], delta
    }
  }' "$results"

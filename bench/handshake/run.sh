#!/usr/bin/env bash
# Connection latency of trustmq-broker on loopback: TCP connect + TLS 1.3 handshake + MQTT
# CONNECT/CONNACK, median of COUNT connections, for plain TCP, ECDHE (certificate) and PSK, each
# with and without attestation (sim evidence requested and verified against a policy).
# Broker and client are pinned to different cores when taskset and 2 cores are available.
#
# Plain and attested connections alternate one by one (the tool's --alternate), and the cases
# run in ROUNDS rounds (default 3) of COUNT/ROUNDS connections each, so that changes in machine
# load hit plain and attested connections alike; the table pools all COUNT samples of a case,
# and one line per round shows that round's medians.
# The load average is printed before and after (other work on the machine inflates every case).
# Then attestation_cost splits the attestation cost in one process (client vs server, components);
# IN_PROCESS=0 skips it.
#
# Usage: bench/handshake/run.sh [BUILD_DIR] [ENGINE]   (COUNT=300 ROUNDS=3 by default; make bench)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build_dir="${1:-build}"
engine="${2:-native}"
count="${COUNT:-300}"
rounds="${ROUNDS:-3}"
[ "$rounds" -ge 1 ] && [ "$count" -ge "$rounds" ] || { echo "handshake bench: need COUNT >= ROUNDS >= 1" >&2; exit 1; }
per_round=$(( (count + rounds - 1) / rounds ))
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
# Headers of the tree the build directory was configured from (it may be another checkout).
src_dir="$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build_dir/CMakeCache.txt" 2>/dev/null)"
[ -d "$src_dir/src" ] || src_dir="$root"
build_tool() {  # name -> path of the executable
  local name="$1" out="$build_dir/bench/handshake/$1"
  if ! cmake --build "$build_dir" --target "$name" >/dev/null 2>&1; then
    mkdir -p "$(dirname "$out")"
    c++ -std=c++20 -O2 -I"$src_dir/src" "$root/bench/handshake/$name.cpp" \
      "$build_dir/src/tls/libtrustmq_tls.a" "$build_dir/src/attest/libtrustmq_attest.a" \
      -lssl -lcrypto -o "$out"
  fi
  echo "$out"
}
tool="$(build_tool handshake_latency)"
cost_tool=""
[ "${IN_PROCESS:-1}" != 0 ] && cost_tool="$(build_tool attestation_cost)"

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

cases=(tcp ecdhe ecdhe+attest psk psk+attest)
run_case() {  # label round; ecdhe and psk alternate plain and attested connections
  local label="$1" round="$2" args=()
  case "$label" in
    tcp) args=(--mode tcp --port "${ports[0]}") ;;
    ecdhe) args=(--mode ecdhe --port "${ports[1]}" --policy "$work/policy.json" --alternate yes) ;;
    psk) args=(--mode psk --psk "$psk_hex" --psk-identity bench --port "${ports[2]}"
               --policy "$work/policy.json" --alternate yes) ;;
  esac
  "${client_pin[@]}" "$tool" --count "$per_round" --label "$label" \
    --samples "$work/samples.$label" "${args[@]}" >> "$work/round.$round"
}
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$rounds"); do
  for label in tcp ecdhe psk; do run_case "$label" "$round"; done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

echo "trustmq-broker (engine $engine), loopback, $((per_round * rounds)) connections per case"
echo "($rounds rounds of $per_round after 20 warm-up connections; plain and attested connections"
echo "alternate one by one);"
echo "TLS 1.3 TLS_AES_128_GCM_SHA256, ECDSA P-256 certificate (ecdhe) or PSK + (EC)DHE (psk);"
echo "+attest: sim evidence requested and verified (sim: NO hardware protection)."
[ ${#server_pin[@]} -gt 0 ] && echo "broker on core 0, client on core 1 (taskset)."
echo "load average (1/5/15 min) before: $load_before, after: $load_after"
echo
# Percentiles as the tool computes them: linear interpolation at p * (n - 1) of the sorted samples.
percentiles() {  # file -> "median p10 p90 p99"
  sort -n "$1" | awk '{ v[NR - 1] = $1 } END {
    split("0.5 0.1 0.9 0.99", ps, " ")
    for (i = 1; i <= 4; i++) {
      x = ps[i] * (NR - 1); lo = int(x); hi = (lo + 1 < NR) ? lo + 1 : NR - 1
      printf "%s%.0f", (i > 1 ? " " : ""), v[lo] + (v[hi] - v[lo]) * (x - lo)
    }
    printf "\n" }'
}
for label in "${cases[@]}"; do
  echo "$label $(percentiles "$work/samples.$label")"
done > "$work/pooled"
awk '
  { name[NR] = $1; med[$1] = $2; p10[$1] = $3; p90[NR] = $4; p99[NR] = $5 }
  END {
    printf "| %-13s | %9s | %6s | %6s | %6s | %-26s |\n", "case", "median µs", "p10 µs", "p90 µs", "p99 µs", "attestation adds (median)"
    printf "|%s|%s|%s|%s|%s|%s|\n", "---------------", "-----------", "--------", "--------", "--------", "----------------------------"
    for (i = 1; i <= NR; i++) {
      n = name[i]; base = n; sub(/\+attest$/, "", base)
      delta = (base != n) ? sprintf("%+d µs (p10 %+d µs)", med[n] - med[base], p10[n] - p10[base]) : ""
      printf "| %-13s | %9d | %6d | %6d | %6d | %-28s |\n", n, med[n], p10[n], p90[i], p99[i], delta
    }
  }' "$work/pooled"
echo
echo "medians per round (µs):"
for round in $(seq "$rounds"); do
  awk -F'\t' -v r="$round" '
    { split($3, m, "="); med[$1] = m[2] }
    END {
      printf "  round %d: tcp %d, ecdhe %d, ecdhe+attest %d (%+d), psk %d, psk+attest %d (%+d)\n", r,
        med["tcp"], med["ecdhe"], med["ecdhe+attest"], med["ecdhe+attest"] - med["ecdhe"],
        med["psk"], med["psk+attest"], med["psk+attest"] - med["psk"]
    }' "$work/round.$round"
done

if [ "${IN_PROCESS:-1}" != 0 ]; then
  echo
  "${client_pin[@]}" "$cost_tool" --count "$((count > 1000 ? count : 1000))" --state "$work/cost"
fi

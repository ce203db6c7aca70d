#!/usr/bin/env bash
# Connection latency of trustmq-broker on loopback: TCP connect + TLS 1.3 handshake + MQTT
# CONNECT/CONNACK, median of COUNT connections, for plain TCP, ECDHE (certificate) and PSK, each
# with and without attestation (sim evidence requested and verified against a policy), and
# ecdhe/psk with tpm2-quote evidence from a private swtpm (a SOFTWARE TPM) that this script
# provisions, enrols (trustmq tpm enroll), starts and stops by its PID. When the TPM cases cannot
# run (no swtpm, provisioning or enrolment failed) they are printed as MISSING with the reason,
# never left out silently.
# Broker and client are pinned to different cores when taskset and 2 cores are available.
#
# Plain and attested connections alternate one by one (the tool's --alternate), and the cases
# run in ROUNDS rounds (default 3) of COUNT/ROUNDS connections each, so that changes in machine
# load hit plain and attested connections alike; the table pools all COUNT samples of a case,
# and one line per round shows that round's medians.
# The load average is printed before and after (other work on the machine inflates every case).
# Then attestation_cost splits the attestation cost in one process (client vs server, components);
# IN_PROCESS=0 skips it. Last, evidence_verification times the offline verification of every
# evidence type (sev-snp, sgx-dcap incl. full collateral, tdx, tpm2-quote) on the vectors'
# samples: hardware types have no attester here (and replayed evidence fails the binding), so
# this is their only figure. EVIDENCE=0 skips it.
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
    c++ -std=c++20 -O2 -I"$src_dir/src" -DTRUSTMQ_VECTORS_DIR="\"$root/tests/attest/vectors\"" \
      "$root/bench/handshake/$name.cpp" \
      "$build_dir/src/tls/libtrustmq_tls.a" "$build_dir/src/attest/libtrustmq_attest.a" \
      -lssl -lcrypto -o "$out"
  fi
  echo "$out"
}
tool="$(build_tool handshake_latency)"
cost_tool=""
[ "${IN_PROCESS:-1}" != 0 ] && cost_tool="$(build_tool attestation_cost)"
evidence_tool=""
[ "${EVIDENCE:-1}" != 0 ] && evidence_tool="$(build_tool evidence_verification)"

# The scratch folder $work, broker_pid/swtpm_pid stopped by PID on exit, and tpm2-quote's
# private swtpm, provisioned and enrolled (unless TPM=0): swtpm_setup.sh.
# shellcheck source=bench/handshake/swtpm_setup.sh
. "$root/bench/handshake/swtpm_setup.sh"
start_tpm_unless_disabled

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
listeners=3
if [ -z "$tpm_missing" ]; then
  cat >> "$work/broker.conf" <<CONF
tpm_tcti $tpm_tcti
tpm_ak_certificate $tpm_dir/enrolment/tpm-ak.pem
listener 0 127.0.0.1
attestation tpm2-quote
listener 0 127.0.0.1
psk_file $work/psk
attestation tpm2-quote
CONF
  listeners=5
fi

server_pin=() client_pin=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  server_pin=(taskset -c 0) client_pin=(taskset -c 1)
fi
"${server_pin[@]}" "$broker" -c "$work/broker.conf" --engine "$engine" 2>"$work/broker.log" &
broker_pid=$!
for _ in $(seq 100); do
  [ "$(grep -c 'listening on' "$work/broker.log" || true)" -ge "$listeners" ] && break
  sleep 0.05
done
mapfile -t ports < <(grep -o 'listening on 127.0.0.1:[0-9]*' "$work/broker.log" | sed 's/.*://')
[ "${#ports[@]}" -eq "$listeners" ] || { cat "$work/broker.log" >&2; exit 1; }
module="$(grep -o 'module measurement (sha-256) [0-9a-f]*' "$work/broker.log" | awk '{print $4}')"
"$cli" policy init --module-measurement "$module" --anchor "$work/state/sim/sim-root-ca.pem" \
  --allow-sim -o "$work/policy.json" 2>/dev/null
if [ -z "$tpm_missing" ]; then
  "$cli" policy init --module-measurement "$module" --type tpm2-quote \
    --tpm-anchor "$tpm_dir/enrolment/tpm-enrolment-ca.pem" -o "$work/policy-tpm.json" 2>/dev/null
fi

cases=(tcp ecdhe ecdhe+attest psk psk+attest ecdhe-tpm ecdhe-tpm+attest psk-tpm psk-tpm+attest)
run_case() {  # label round; ecdhe and psk alternate plain and attested connections
  local label="$1" round="$2" args=()
  case "$label" in
    tcp) args=(--mode tcp --port "${ports[0]}") ;;
    ecdhe) args=(--mode ecdhe --port "${ports[1]}" --policy "$work/policy.json" --alternate yes) ;;
    psk) args=(--mode psk --psk "$psk_hex" --psk-identity bench --port "${ports[2]}"
               --policy "$work/policy.json" --alternate yes) ;;
    ecdhe-tpm) args=(--mode ecdhe --port "${ports[3]}" --policy "$work/policy-tpm.json"
                     --alternate yes) ;;
    psk-tpm) args=(--mode psk --psk "$psk_hex" --psk-identity bench --port "${ports[4]}"
                   --policy "$work/policy-tpm.json" --alternate yes) ;;
  esac
  "${client_pin[@]}" "$tool" --count "$per_round" --label "$label" \
    --samples "$work/samples.$label" "${args[@]}" >> "$work/round.$round"
}
run_labels=(tcp ecdhe psk)
[ -z "$tpm_missing" ] && run_labels+=(ecdhe-tpm psk-tpm)
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$rounds"); do
  for label in "${run_labels[@]}"; do run_case "$label" "$round"; done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

echo "trustmq-broker (engine $engine), loopback, $((per_round * rounds)) connections per case"
echo "($rounds rounds of $per_round after 20 warm-up connections; plain and attested connections"
echo "alternate one by one);"
echo "TLS 1.3 TLS_AES_128_GCM_SHA256, ECDSA P-256 certificate (ecdhe) or PSK + (EC)DHE (psk);"
echo "+attest: sim evidence requested and verified (sim: NO hardware protection);"
echo "-tpm+attest: tpm2-quote evidence from swtpm (a SOFTWARE TPM: proves the protocol and the"
echo "code paths, nothing about the machine), verified against the enrolment CA."
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
  if [ -s "$work/samples.$label" ]; then
    echo "$label $(percentiles "$work/samples.$label")"
  else
    echo "$label MISSING"
  fi
done > "$work/pooled"
awk -v missing="$tpm_missing" '
  { name[NR] = $1; med[$1] = $2; p10[$1] = $3; p90[NR] = $4; p99[NR] = $5 }
  END {
    printf "| %-16s | %9s | %6s | %6s | %6s | %-26s |\n", "case", "median µs", "p10 µs", "p90 µs", "p99 µs", "attestation adds (median)"
    printf "|%s|%s|%s|%s|%s|%s|\n", "------------------", "-----------", "--------", "--------", "--------", "----------------------------"
    for (i = 1; i <= NR; i++) {
      n = name[i]; base = n; sub(/\+attest$/, "", base)
      if (med[n] == "MISSING") {
        printf "| %-16s | MISSING: %s |\n", n, (missing != "" ? missing : "no samples")
        continue
      }
      delta = (base != n) ? sprintf("%+d µs (p10 %+d µs)", med[n] - med[base], p10[n] - p10[base]) : ""
      printf "| %-16s | %9d | %6d | %6d | %6d | %-28s |\n", n, med[n], p10[n], p90[i], p99[i], delta
    }
  }' "$work/pooled"
echo
echo "medians per round (µs):"
for round in $(seq "$rounds"); do
  awk -F'\t' -v r="$round" '
    { split($3, m, "="); med[$1] = m[2] }
    END {
      printf "  round %d: tcp %d, ecdhe %d, ecdhe+attest %d (%+d), psk %d, psk+attest %d (%+d)", r,
        med["tcp"], med["ecdhe"], med["ecdhe+attest"], med["ecdhe+attest"] - med["ecdhe"],
        med["psk"], med["psk+attest"], med["psk+attest"] - med["psk"]
      if ("ecdhe-tpm" in med)
        printf ", ecdhe-tpm+attest %+d, psk-tpm+attest %+d",
          med["ecdhe-tpm+attest"] - med["ecdhe-tpm"], med["psk-tpm+attest"] - med["psk-tpm"]
      else
        printf ", tpm2-quote MISSING"
      printf "\n"
    }' "$work/round.$round"
done

# The broker's TPM attester is done with the TPM: stop the broker before attestation_cost starts
# its own TpmAttester on the same swtpm (it resets PCR 23, which would break the broker's log).
stop_pid "$broker_pid"
broker_pid=""
if [ "${IN_PROCESS:-1}" != 0 ]; then
  echo
  tpm_args=()
  if [ -z "$tpm_missing" ]; then
    tpm_args=(--tpm-tcti "$tpm_tcti" --tpm-ak-certificate "$tpm_dir/enrolment/tpm-ak.pem"
              --tpm-enrolment-ca "$tpm_dir/enrolment/tpm-enrolment-ca.pem")
  else
    tpm_args=(--tpm-missing "$tpm_missing")
  fi
  "${client_pin[@]}" "$cost_tool" --count "$((count > 1000 ? count : 1000))" --state "$work/cost" \
    "${tpm_args[@]}"
fi
if [ -n "$evidence_tool" ]; then
  echo
  echo "evidence_verification: offline verification per evidence type (load average" \
    "$(cut -d' ' -f1-3 /proc/loadavg))"
  "${client_pin[@]}" "$evidence_tool" --count "$((count > 1000 ? count : 1000))" \
    --vectors "$root/tests/attest/vectors"
fi

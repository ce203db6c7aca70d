#!/usr/bin/env bash
# Re-attestation round trips on loopback (docs/attestation.md §8 and §9), median of COUNT each:
#   broker → client: the client asks (AUTH 0x19 with a nonce) and verifies the broker's evidence;
#   client → broker: the client re-attests (AUTH 0x19 → challenge → evidence → AUTH 0x00) and
#                    the broker verifies it against its client_attestation_policy;
# each with sim evidence (a software key, NO hardware protection) and tpm2-quote evidence from a
# private swtpm (a SOFTWARE TPM) that this script provisions, enrols, starts and stops by its
# PID (swtpm_setup.sh, as run.sh). Cases that cannot run are printed as MISSING with the reason.
# The load average is printed before and after: figures from a loaded machine are upper bounds.
#
# Usage: bench/handshake/reattest.sh [BUILD_DIR] [ENGINE]   (COUNT=200 by default)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build_dir="${1:-build}"
engine="${2:-native}"
count="${COUNT:-200}"
case "$build_dir" in /*) ;; *) build_dir="$root/$build_dir" ;; esac
broker="$build_dir/apps/trustmq-broker/trustmq-broker"
cli="$build_dir/apps/trustmq/trustmq"
tool="$build_dir/bench/handshake/reattestation_latency"
cmake --build "$build_dir" --target reattestation_latency >/dev/null
for f in "$broker" "$cli" "$tool"; do
  [ -x "$f" ] || { echo "reattest bench: $f not found; build first" >&2; exit 1; }
done

# The scratch folder $work, broker_pid/swtpm_pid stopped by PID on exit, and tpm2-quote's
# private swtpm, provisioned and enrolled (unless TPM=0): swtpm_setup.sh.
# shellcheck source=bench/handshake/swtpm_setup.sh
. "$root/bench/handshake/swtpm_setup.sh"
start_tpm_unless_disabled

# The client's evidence carries this module measurement; the client policies accept it.
client_module="$(printf 'reattest-bench-client' | sha256sum | cut -d' ' -f1)"
"$tool" --client-evidence sim --client-evidence-state "$work/client-sim" --count 0 \
  -p 1 >/dev/null 2>&1 || true  # creates the client's sim platform; nothing listens on port 1
[ -f "$work/client-sim/sim-root-ca.pem" ] || { echo "reattest bench: no client sim platform" >&2; exit 1; }
"$cli" policy init --module-measurement "$client_module" --anchor "$work/client-sim/sim-root-ca.pem" \
  --allow-sim -o "$work/client-policy-sim.json" 2>/dev/null

# Listeners: 0 sim evidence, 1 attested sim clients, then with a TPM: 2 tpm2-quote evidence,
# 3 attested tpm2-quote clients.
cat > "$work/broker.conf" <<CONF
listener 0 127.0.0.1
attestation sim
listener 0 127.0.0.1
tls true
client_attestation_policy $work/client-policy-sim.json
allow_anonymous true
state_dir $work/state
log_type error
log_type warning
log_type notice
CONF
listeners=2
if [ -z "$tpm_missing" ]; then
  "$cli" policy init --module-measurement "$client_module" --type tpm2-quote \
    --tpm-anchor "$tpm_dir/enrolment/tpm-enrolment-ca.pem" -o "$work/client-policy-tpm.json" 2>/dev/null
  cat >> "$work/broker.conf" <<CONF
tpm_tcti $tpm_tcti
tpm_ak_certificate $tpm_dir/enrolment/tpm-ak.pem
listener 0 127.0.0.1
attestation tpm2-quote
listener 0 127.0.0.1
tls true
client_attestation_policy $work/client-policy-tpm.json
CONF
  listeners=4
fi
"$broker" -c "$work/broker.conf" --engine "$engine" 2>"$work/broker.log" &
broker_pid=$!
for _ in $(seq 100); do
  [ "$(grep -c 'listening on' "$work/broker.log" || true)" -ge "$listeners" ] && break
  sleep 0.05
done
mapfile -t ports < <(grep -o 'listening on 127.0.0.1:[0-9]*' "$work/broker.log" | sed 's/.*://')
[ "${#ports[@]}" -eq "$listeners" ] || { cat "$work/broker.log" >&2; exit 1; }
module="$(grep -o 'module measurement (sha-256) [0-9a-f]*' "$work/broker.log" | awk '{print $4}')"
"$cli" policy init --module-measurement "$module" --anchor "$work/state/sim/sim-root-ca.pem" \
  --allow-sim -o "$work/policy-sim.json" 2>/dev/null
cafile="$work/state/tls/tls-cert.pem"

median() { sed -n 's/.*median \([0-9]*\) us (p25 \([0-9]*\), p75 \([0-9]*\).*/\1 (p25–p75 \2–\3)/p' "$1"; }
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
"$tool" -p "${ports[0]}" --policy "$work/policy-sim.json" --count "$count" > "$work/broker-sim"
"$tool" -p "${ports[1]}" --cafile "$cafile" --client-evidence sim \
  --client-evidence-state "$work/client-sim" --module-measurement "$client_module" \
  --count "$count" > "$work/client-sim.out"
if [ -z "$tpm_missing" ]; then
  "$cli" policy init --module-measurement "$module" --type tpm2-quote \
    --tpm-anchor "$tpm_dir/enrolment/tpm-enrolment-ca.pem" -o "$work/policy-tpm.json" 2>/dev/null
  "$tool" -p "${ports[2]}" --policy "$work/policy-tpm.json" --count "$count" > "$work/broker-tpm"
  # The client's TpmAttester starts on the same swtpm (it resets PCR 23): the broker's own
  # tpm2-quote listener is not used after this point.
  "$tool" -p "${ports[3]}" --cafile "$cafile" --client-evidence tpm2-quote \
    --tpm-tcti "$tpm_tcti" --tpm-ak-certificate "$tpm_dir/enrolment/tpm-ak.pem" \
    --module-measurement "$client_module" --count "$count" > "$work/client-tpm.out"
fi
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

echo "re-attestation round trips, trustmq-broker (engine $engine) on 127.0.0.1, $count per case"
echo "load average (1/5/15 min) before: $load_before, after: $load_after"
echo "(sim: NO hardware protection; tpm2-quote from swtpm, a SOFTWARE TPM)"
echo "| direction | evidence | median µs (p25–p75) |"
echo "|---|---|---|"
echo "| broker → client (client verifies) | sim | $(median "$work/broker-sim") |"
echo "| client → broker (broker verifies) | sim | $(median "$work/client-sim.out") |"
if [ -z "$tpm_missing" ]; then
  echo "| broker → client (client verifies) | tpm2-quote | $(median "$work/broker-tpm") |"
  echo "| client → broker (broker verifies) | tpm2-quote | $(median "$work/client-tpm.out") |"
else
  echo "| both | tpm2-quote | MISSING: $tpm_missing |"
fi

#!/usr/bin/env bash
# Runs every libFuzzer executable BUILD_DIR/fuzz/*_fuzzer for SECONDS each, one per core at a time.
# Usage: scripts/run-fuzzers.sh BUILD_DIR SECONDS
# Corpora live in BUILD_DIR/fuzz-corpus/<fuzzer>/, seeded with valid MQTT packets written here
# and with any files checked into fuzz/corpus/<fuzzer>/. Crash inputs land in
# BUILD_DIR/fuzz-artifacts/<fuzzer>/. Exits non-zero if any fuzzer finds a crash.
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 BUILD_DIR [SECONDS]" >&2
  exit 2
fi
build_dir=$1
seconds=${2:-60}
repo_dir=$(cd "$(dirname "$0")/.." && pwd)

shopt -s nullglob
fuzzers=("$build_dir"/fuzz/*_fuzzer)
if [ ${#fuzzers[@]} -eq 0 ]; then
  echo "run-fuzzers: no *_fuzzer executables in $build_dir/fuzz (build the 'fuzzers' target)" >&2
  exit 1
fi

# Writes one MQTT packet: first byte (hex) and body (hex, < 128 bytes) → a seed file.
seed_dir="$build_dir/fuzz-seeds"
mkdir -p "$seed_dir"
seed() {
  local name=$1 first=$2 body=${3:-}
  body=${body// /}
  local length=$(( ${#body} / 2 ))
  local hex="$first$(printf '%02x' "$length")$body"
  # printf turns each \xHH into its byte (no xxd needed).
  printf "$(sed 's/../\\x&/g' <<< "$hex")" > "$seed_dir/$name"
}
# MQTT 3.1.1 and 3.1 CONNECT (clean session, keep alive 60, client id "test")
seed connect-v311 10 "0004 4d515454 04 02 003c 0004 74657374"
seed connect-v31 10 "0006 4d5149736470 03 02 003c 0004 74657374"
# MQTT 5 CONNECT: user name, password, will (QoS 1) with will delay, session expiry 10
seed connect-v5 10 "0004 4d515454 05 ce 000a 05 11 0000000a 0002 6331 05 18 00000005 0001 77 0002 6279 0001 75 0002 7077"
seed connack-v311 20 "00 00"
seed connack-v5 20 "01 00 07 21 0014 24 01 25 00"
seed publish-qos0 30 "0003 612f62 68656c6c6f"
seed publish-qos1-v5 32 "0003 612f62 000a 09 01 01 02 0000003c 0b 05 7061796c6f6164"
seed publish-qos2-alias-v5 3d "0000 0007 03 23 0001 78"
seed puback 40 "000a"
seed pubrec-v5 50 "000a 10 00"
seed pubrel 62 "000a"
seed pubcomp-v5 70 "000a 92 07 1f 0004 6e6f6e65"
seed subscribe-v311 82 "000a 0003 612f62 01 0003 632f23 02"
seed subscribe-v5 82 "000a 02 0b 07 000c 2473686172652f672f612f2b 29"
seed suback 90 "000a 00 01 02 80"
seed unsubscribe a2 "000b 0003 612f62"
seed unsuback-v5 b0 "000b 00 00 11"
seed pingreq c0 ""
seed pingresp d0 ""
seed disconnect-v5 e0 "04 05 11 00000000"
seed auth-v5 f0 "18 10 15 0005 5343524d31 16 0002 0102 1f 0000"

# One fuzzer: copy its seeds, run it, report. Writes "<name> passed|FAILED" to its status file.
run_one() {
  local fuzzer=$1 name corpus artifacts log runs
  name=$(basename "$fuzzer")
  corpus="$build_dir/fuzz-corpus/$name"
  artifacts="$build_dir/fuzz-artifacts/$name"
  log="$build_dir/fuzz-$name.log"
  mkdir -p "$corpus" "$artifacts"
  cp -n "$seed_dir"/* "$corpus"/
  # Evidence fuzzers also start from the real samples in tests/attest/vectors/.
  case $name in
    sev_snp_report_fuzzer) cp -n "$repo_dir"/tests/attest/vectors/sev-snp/*.bin "$corpus"/ ;;
    # Every genuine quote: the .dat samples and dcap-qvl's (no extension: SGX v3, TDX v4, TDX v5).
    intel_quote_fuzzer)
      cp -n "$repo_dir"/tests/attest/vectors/{sgx-dcap,tdx}/*.dat \
        "$repo_dir"/tests/attest/vectors/dcap-qvl/{sgx_quote,tdx_quote,tdx_quote_outdated} "$corpus"/ ;;
    tpm_evidence_fuzzer) cp -n "$repo_dir"/tests/attest/vectors/tpm2-quote/*.bin "$corpus"/ ;;
    intel_collateral_fuzzer)
      cp -n "$repo_dir"/tests/attest/vectors/tdx/sample_* "$repo_dir"/tests/attest/vectors/tdx/*crl* \
        "$repo_dir"/tests/attest/vectors/sgx-dcap/*.der \
        "$repo_dir"/tests/attest/vectors/sgx-dcap/pcs-2023-07-12/*.json "$corpus"/ ;;
  esac
  if [ -d "$repo_dir/fuzz/corpus/$name" ]; then
    cp -n "$repo_dir/fuzz/corpus/$name"/* "$corpus"/ 2>/dev/null || true
  fi
  echo "run-fuzzers: $name for ${seconds}s (corpus $corpus)"
  if "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" "$corpus" > "$log" 2>&1; then
    runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}' || true)
    echo "run-fuzzers: $name passed (${runs:-?} runs)"
  else
    echo "run-fuzzers: $name FAILED; last lines of $log:" >&2
    tail -n 40 "$log" >&2
    return 1
  fi
}

# As many fuzzers at a time as there are cores (FUZZ_JOBS overrides): each is one process on
# one core, and `make test` runs them for a fixed time each.
jobs=${FUZZ_JOBS:-$(nproc)}
status=0
running=0
for fuzzer in "${fuzzers[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || status=1
    running=$((running - 1))
  fi
  run_one "$fuzzer" &
  running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
  wait -n || status=1
  running=$((running - 1))
done
exit $status

#!/usr/bin/env bash
# The broker core alone, in process, per engine (bench/engines/engine_core_driver.cpp): QoS 0
# PUBLISH packets fed through the Engine API in 64 KiB chunks, as the shell does, without
# sockets. Much more repeatable than bench/engines.sh on a shared machine, and the target to
# profile (perf record, valgrind --tool=callgrind).
#
# Usage: bench/engines/core.sh [BUILD_DIR]
#   PAYLOADS="100 16384"  ENGINES="native wasm-aot"  ROUNDS=3 (interleaved)
#   MESSAGES=0 (0: 2 000 000 for payloads below 1 KiB, else 200 000)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build_dir="${1:-build}"
case "$build_dir" in /*) ;; *) build_dir="$root/$build_dir" ;; esac
payloads="${PAYLOADS:-100 16384}"
engines="${ENGINES:-native wasm-aot}"
rounds="${ROUNDS:-3}"
messages="${MESSAGES:-0}"

# Linked like trustmq-broker's engines: the runtime, the wasm engines when built, the core.
rt="$build_dir/src/runtime"
[ -f "$rt/libtrustmq_runtime.a" ] || { echo "core bench: build $build_dir first" >&2; exit 1; }
libs=("$rt/libtrustmq_runtime.a")
if [ -f "$rt/libtrustmq_wasm_engines.a" ]; then
  libs+=("$rt/libtrustmq_wasm_engines.a" "$rt/libtrustmq_wasm_aot_core.a"
         "$rt/libtrustmq_wasm_engines.a" "$rt/libtrustmq_wasm_aot_core.a"
         /usr/lib/x86_64-linux-gnu/libwabt.a "$rt/libtrustmq_wasm_rt.a")
fi
libs+=("$build_dir/src/mqtt/libtrustmq_mqtt.a" -lcrypto)
driver="$build_dir/bench/engines/engine_core_driver"
mkdir -p "$(dirname "$driver")"
c++ -std=c++20 -O2 -g -I"$root/src" "$root/bench/engines/engine_core_driver.cpp" "${libs[@]}" \
  -o "$driver"

pin=()
command -v taskset >/dev/null && pin=(taskset -c "$(($(nproc) - 1))")
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$rounds"); do
  for payload in $payloads; do
    n="$messages"
    [ "$n" = 0 ] && { [ "$payload" -lt 1024 ] && n=2000000 || n=200000; }
    for engine in $engines; do
      "${pin[@]}" "$driver" --engine "$engine" --payload "$payload" --messages "$n"
    done
  done
done | awk -F'\t' '
  { key = $2 SUBSEP $1; k = ++n[key]; rate[key, k] = $5
    if (!(($2) in sp)) { sp[$2] = 1; pl[++np] = $2 }
    if (!(($1) in se)) { se[$1] = 1; el[++ne] = $1 } }
  function median(key,   k, i, j, t, v) {
    k = n[key]; for (i = 1; i <= k; i++) v[i] = rate[key, i]
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
    return (k % 2) ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
  }
  END {
    printf "| %-8s | %-11s | %12s | %8s | %s\n", "payload", "engine", "msgs/s", "× native", "rounds"
    for (p = 1; p <= np; p++) {
      base = ("native" in se) ? median(pl[p] SUBSEP "native") : 0
      for (e = 1; e <= ne; e++) {
        key = pl[p] SUBSEP el[e]; if (!(key in n)) continue
        r = median(key); all = ""
        for (i = 1; i <= n[key]; i++) all = all sprintf(" %.0f", rate[key, i])
        printf "| %-8s | %-11s | %12.0f | %8s |%s\n", pl[p] " B", el[e], r,
               (base > 0 ? sprintf("%.3f", r / base) : "-"), all
      }
    }
  }'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

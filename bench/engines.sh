#!/usr/bin/env bash
# Peak QoS 0 throughput of trustmq-broker per engine: 1 publisher → 1 subscriber on loopback,
# delivered messages/s, for each payload size, for native, wasm-aot and wasm-interp in one run,
# printed as a table with the ratio to native, the broker's CPU time per delivered message and
# its busy share of the measured seconds (from /proc/PID/stat), the load average before and
# after, and msgs/s per round. Broker on core 0, load tool on core 1 (taskset).
#
# Usage: bench/engines.sh [BUILD_DIR]
#   DURATION=10            measured seconds per case (after 1 s of warm-up)
#   PAYLOADS="100 16384"   payload sizes in bytes
#   ENGINES="native wasm-aot wasm-interp"
#   ROUNDS=1               repeat every case ROUNDS times (interleaved); the median is shown
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${1:-build}"
case "$build_dir" in /*) ;; *) build_dir="$root/$build_dir" ;; esac
duration="${DURATION:-10}"
payloads="${PAYLOADS:-100 16384}"
engines="${ENGINES:-native wasm-aot wasm-interp}"
rounds="${ROUNDS:-1}"
broker="$build_dir/apps/trustmq-broker/trustmq-broker"
[ -x "$broker" ] || { echo "engines bench: $broker not found; build first (make build)" >&2; exit 1; }

# The load tool: the CMake target if the build has it, else compiled here against the build's
# trustmq_mqtt library (the core's codec).
tool="$build_dir/bench/engines/engine_throughput"
if ! cmake --build "$build_dir" --target engine_throughput >/dev/null 2>&1; then
  mkdir -p "$(dirname "$tool")"
  c++ -std=c++20 -O2 -I"$root/src" "$root/bench/engines/engine_throughput.cpp" \
    "$build_dir/src/mqtt/libtrustmq_mqtt.a" -pthread -o "$tool"
fi

work="$(mktemp -d)"
broker_pid=""
stop_broker() {
  if [ -n "$broker_pid" ]; then
    kill "$broker_pid" 2>/dev/null || true
    wait "$broker_pid" 2>/dev/null || true
    broker_pid=""
  fi
}
cleanup() { stop_broker; rm -rf "$work"; }
# utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat).
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
ticks_per_second="$(getconf CLK_TCK)"
trap cleanup EXIT

cat > "$work/broker.conf" <<CONF
listener 0 127.0.0.1
allow_anonymous true
sys_interval 0
log_type error
log_type warning
log_type notice
CONF

server_pin=() client_pin=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  server_pin=(taskset -c 0) client_pin=(taskset -c 1)
fi

built_engines="$("$broker" --list-engines)"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
results="$work/results.tsv"
: > "$results"
for round in $(seq "$rounds"); do
  for payload in $payloads; do
    for engine in $engines; do
      if ! grep -qx -- "$engine" <<<"$built_engines"; then
        [ "$round" = 1 ] && echo "engines bench: engine $engine not built; skipped" >&2
        continue
      fi
      "${server_pin[@]}" "$broker" -c "$work/broker.conf" --engine "$engine" \
        2>"$work/broker.log" &
      broker_pid=$!
      port=""
      for _ in $(seq 200); do
        port="$(grep -o 'listening on 127.0.0.1:[0-9]*' "$work/broker.log" | head -1 | sed 's/.*://' || true)"
        [ -n "$port" ] && break
        sleep 0.05
      done
      [ -n "$port" ] || { cat "$work/broker.log" >&2; exit 1; }
      # Broker CPU time (user + system) over the measured seconds: sampled after the tool's
      # 1 s warm-up and when it ends.
      "${client_pin[@]}" "$tool" --port "$port" --payload "$payload" --seconds "$duration" \
        --label "$engine" > "$work/line" &
      tool_pid=$!
      sleep 1
      cpu_start="$(cpu_ticks "$broker_pid")"
      wait "$tool_pid"
      cpu_end="$(cpu_ticks "$broker_pid")"
      printf '%s\t%s\n' "$(cat "$work/line")" "$((cpu_end - cpu_start))" >> "$results"
      stop_broker
    done
  done
done

echo "trustmq-broker throughput, QoS 0, 1 publisher → 1 subscriber, loopback, MQTT 3.1.1;"
echo "${duration} s measured per case after 1 s warm-up, median of $rounds round(s);"
[ ${#server_pin[@]} -gt 0 ] && echo "broker on core 0, load tool on core 1 (taskset)."
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //');"
echo "load average (1/5/15 min) before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)."
echo "broker µs/msg: broker CPU time (user + system) per delivered message; broker busy: that"
echo "CPU time over the measured seconds (below ~95 % the broker was not the bottleneck)."
echo
awk -F'\t' -v tps="$ticks_per_second" -v duration="$duration" '
  { key = $2 SUBSEP $1; n[key]++; rate[key, n[key]] = $5; mib[key, n[key]] = $6
    cpu = $7 / tps; busy[key, n[key]] = 100 * cpu / duration
    us[key, n[key]] = $4 > 0 ? 1e6 * cpu / $4 : 0
    if (!(($2) in seen_p)) { seen_p[$2] = 1; plist[++np] = $2 }
    if (!(($1) in seen_e)) { seen_e[$1] = 1; elist[++ne] = $1 } }
  function median(key, arr,   k, i, j, t, v) {
    k = n[key]; for (i = 1; i <= k; i++) v[i] = arr[key, i]
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
    return (k % 2) ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
  }
  END {
    printf "| %-8s | %-11s | %12s | %9s | %9s | %12s | %11s |\n", "payload", "engine", "msgs/s", "MiB/s", "× native", "broker µs/msg", "broker busy"
    printf "|%s|%s|%s|%s|%s|%s|%s|\n", "----------", "-------------", "--------------", "-----------", "-----------", "---------------", "-------------"
    for (p = 1; p <= np; p++) {
      base = ("native" in seen_e) ? median(plist[p] SUBSEP "native", rate) : 0
      for (e = 1; e <= ne; e++) {
        key = plist[p] SUBSEP elist[e]
        if (!(key in n)) continue
        r = median(key, rate); m = median(key, mib)
        ratio = base > 0 ? sprintf("%.3f", r / base) : "-"
        printf "| %-8s | %-11s | %12.0f | %9.1f | %9s | %13.2f | %10.0f %% |\n", plist[p] " B", elist[e], r, m, ratio, median(key, us), median(key, busy)
      }
    }
  }' "$results"
echo
echo "msgs/s per round:"
awk -F'\t' '{ k = $2 " B " $1; line[k] = line[k] " " $5; if (!(k in seen)) { seen[k] = 1; order[++n] = k } }
  END { for (i = 1; i <= n; i++) printf "  %-22s%s\n", order[i], line[order[i]] }' "$results"

#!/usr/bin/env bash
# Broker instructions per 16 KiB message over TLS 1.3 (TLS_AES_128_GCM_SHA256), 1 → 1, QoS 0
# (docs/benchmarks.md, "Where the time and memory go"): runs trustmq-broker (native engine) and
# Debian's mosquitto under valgrind --tool=callgrind, each twice (SMALL and BIG messages,
# mosquitto_pub --repeat, 20 ms apart, to one mosquitto_sub -C N), then prints the per-message
# slope of the functions that matter with callgrind_per_message.py. Everything runs on
# 127.0.0.1 ports 18851/18852; every process is stopped by its PID; the callgrind files stay in
# OUT (default: a new temporary directory).
#
# Usage: bench/profile/tls_16k_callgrind.sh [BUILD_DIR]   SMALL=50 BIG=250 OUT=DIR
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build_dir="${1:-$root/build}"
small="${SMALL:-50}"
big="${BIG:-250}"
out="${OUT:-$(mktemp -d /tmp/tls-16k-callgrind.XXXXXX)}"
mkdir -p "$out"
chmod 1777 "$out"  # mosquitto may drop to its own user before callgrind writes
broker="$build_dir/apps/trustmq-broker/trustmq-broker"
[ -x "$broker" ] || { echo "build $broker first" >&2; exit 1; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$out/key.pem" \
  -out "$out/cert.pem" -days 2 -subj "/CN=localhost" 2>/dev/null
head -c 16384 /dev/urandom >"$out/payload.bin"
common="certfile $out/cert.pem
keyfile $out/key.pem
tls_version tlsv1.3
ciphers_tls1.3 TLS_AES_128_GCM_SHA256
allow_anonymous true
max_queued_messages 1000"
printf 'listener 18851 127.0.0.1\n%s\n' "$common" >"$out/trustmq.conf"
printf 'listener 18852 127.0.0.1\n%s\nset_tcp_nodelay true\npersistence false\nlog_dest none\nuser root\n' \
  "$common" >"$out/mosquitto.conf"

run() {  # label port n command...
  local label=$1 port=$2 n=$3
  shift 3
  valgrind --tool=callgrind --callgrind-out-file="$out/$label-$n.out" "$@" >"$out/$label-$n.log" 2>&1 &
  local broker_pid=$!
  for _ in $(seq 240); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.5; done
  timeout 300 mosquitto_sub -h 127.0.0.1 -p "$port" --cafile "$out/cert.pem" --insecure \
    -t t/16k -C "$n" -q 0 >/dev/null &
  local sub_pid=$!
  sleep 3
  timeout 300 mosquitto_pub -h 127.0.0.1 -p "$port" --cafile "$out/cert.pem" --insecure \
    -t t/16k -f "$out/payload.bin" -q 0 --repeat "$n" --repeat-delay 0.02
  local status=0
  wait "$sub_pid" || status=$?
  kill -TERM "$broker_pid"
  wait "$broker_pid" || true
  [ "$status" = 0 ] || { echo "$label: the subscriber did not get $n messages" >&2; exit 1; }
}

for n in "$small" "$big"; do
  run trustmq 18851 "$n" "$broker" -c "$out/trustmq.conf" --engine native
  run mosquitto 18852 "$n" /usr/sbin/mosquitto -c "$out/mosquitto.conf"
done

per_message="$root/bench/profile/callgrind_per_message.py"
for label in trustmq mosquitto; do
  echo "== $label (callgrind files in $out)"
  python3 "$per_message" "$out/$label-$small.out" "$small" "$out/$label-$big.out" "$big" \
    'SSL_read_ex|^SSL_read$' 'SSL_write_ex|^SSL_write$' 'EVP_CipherUpdate' \
    '__memcpy_avx_unaligned_erms|__memmove_avx_unaligned_erms' '^malloc$|^calloc$|^realloc$' \
    '^read$|__libc_read' '^write$|__libc_write|writev|sendmsg' 'epoll_wait' \
    'NativeEngine::commit_input' 'TlsServerTransport::write\(' 'OutboundQueue::push'
done

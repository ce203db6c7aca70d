# Sourced by bench/handshake/run.sh and reattest.sh. Gives them:
#  - $work, a scratch directory removed on exit, and stop_pid; $broker_pid and $swtpm_pid (set
#    by the caller and by setup_tpm) are stopped by PID on exit;
#  - tpm2-quote's private swtpm (a SOFTWARE TPM), provisioned as tests/support/swtpm.h does
#    (EK certificate from a local swtpm-localca), started on a unix socket, the AK enrolled with
#    `trustmq tpm enroll` ($cli, the trustmq CLI). setup_tpm sets tpm_missing to the reason when
#    any step fails; start_tpm_unless_disabled also honours TPM=0.
work="$(mktemp -d)"
broker_pid=""
swtpm_pid=""
stop_pid() {  # pid: SIGTERM, reaped
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
cleanup() {
  if [ -n "$broker_pid" ]; then stop_pid "$broker_pid"; fi
  if [ -n "$swtpm_pid" ]; then stop_pid "$swtpm_pid"; fi
  rm -rf "$work"
}
trap cleanup EXIT

start_tpm_unless_disabled() {
  if [ "${TPM:-1}" = 0 ]; then tpm_missing="TPM=0 given"; else setup_tpm; fi
  if [ -n "$tpm_missing" ] && [ -n "$swtpm_pid" ]; then
    stop_pid "$swtpm_pid"
    swtpm_pid=""
  fi
}

tpm_missing=""
tpm_dir="$work/tpm"
tpm_tcti="swtpm:path=$tpm_dir/sock"
setup_tpm() {
  local tool
  for tool in swtpm swtpm_setup swtpm_ioctl swtpm_localca; do
    command -v "$tool" >/dev/null || { tpm_missing="$tool not installed (Debian swtpm, swtpm-tools)"; return; }
  done
  mkdir -p "$tpm_dir/state" "$tpm_dir/ca"
  cat > "$tpm_dir/swtpm_setup.conf" <<SETUP
create_certs_tool = $(command -v swtpm_localca)
create_certs_tool_config = $tpm_dir/swtpm-localca.conf
create_certs_tool_options = $tpm_dir/swtpm-localca.options
active_pcr_banks = sha256
SETUP
  cat > "$tpm_dir/swtpm-localca.conf" <<LOCALCA
statedir = $tpm_dir/ca
signingkey = $tpm_dir/ca/signkey.pem
issuercert = $tpm_dir/ca/issuercert.pem
certserial = $tpm_dir/ca/certserial
LOCALCA
  printf -- '--platform-manufacturer trustmq-bench\n--platform-version 2.1\n--platform-model swtpm\n' \
    > "$tpm_dir/swtpm-localca.options"
  if ! timeout 60 swtpm_setup --tpm2 --tpmstate "$tpm_dir/state" --create-ek-cert \
      --config "$tpm_dir/swtpm_setup.conf" --overwrite > "$tpm_dir/setup.log" 2>&1; then
    tpm_missing="swtpm_setup failed: $(tail -n 1 "$tpm_dir/setup.log")"; return
  fi
  swtpm socket --tpm2 --tpmstate "dir=$tpm_dir/state" --flags not-need-init,startup-clear \
    --server "type=unixio,path=$tpm_dir/sock" --ctrl "type=unixio,path=$tpm_dir/sock.ctrl" \
    > "$tpm_dir/swtpm.log" 2>&1 &
  swtpm_pid=$!
  local ready=""
  for _ in $(seq 100); do
    if [ -S "$tpm_dir/sock" ] && swtpm_ioctl --unix "$tpm_dir/sock.ctrl" -c >/dev/null 2>&1; then
      ready=yes; break
    fi
    sleep 0.05
  done
  [ -n "$ready" ] || { tpm_missing="swtpm did not come up within 5 s: $(tail -n 1 "$tpm_dir/swtpm.log")"; return; }
  if ! "$cli" tpm enroll --tcti "$tpm_tcti" --ek-ca "$tpm_dir/ca/swtpm-localca-rootca-cert.pem" \
      --ek-ca "$tpm_dir/ca/issuercert.pem" --ca-dir "$tpm_dir/enrolment" > "$tpm_dir/enroll.log" 2>&1; then
    tpm_missing="trustmq tpm enroll failed: $(tail -n 1 "$tpm_dir/enroll.log")"; return
  fi
}

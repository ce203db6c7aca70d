#!/usr/bin/env bash
# The install and package check of `make test` (make package-test):
#  1. `cmake --install BUILD --prefix P` of the main build (Ninja, default layout): the files are
#     where docs/install.md says, and P/sbin/trustmq-broker runs the module in P/share/trustmq.
#  2. The Debian package from a {Unix Makefiles, Release} build (the `deb` preset, -Werror):
#     `cpack -G DEB`, lintian (no errors), the control files, man pages without warnings, then
#     `dpkg-deb -x` into a scratch root and the installed broker run from there with every engine.
# Every broker runs with W^X enforced by the kernel (prctl PR_SET_MDWE, what the unit's
# MemoryDenyWriteExecute=yes asks of systemd) on an ephemeral 127.0.0.1 port, gets a real
# mosquitto_pub → mosquitto_sub and trustmq pub → trustmq sub round trip, and is stopped by PID.
# Usage: scripts/package-test.sh [DEB_BUILD_DIR] [MAIN_BUILD_DIR] [JOBS]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deb_build="${1:-build-deb}"
main_build="${2:-build}"
jobs="${3:-$(nproc)}"
case "$deb_build" in /*) ;; *) deb_build="$root/$deb_build" ;; esac
case "$main_build" in /*) ;; *) main_build="$root/$main_build" ;; esac

started=$(date +%s)
scratch="$(mktemp -d "${TMPDIR:-/tmp}/trustmq-package-test.XXXXXX")"
broker_pid=""
cleanup() {
  if [ -n "$broker_pid" ]; then kill "$broker_pid" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT

step() { echo "package-test: $*" >&2; }
fail() {
  echo "package-test: FAILED: $*" >&2
  exit 1
}

# `/usr/bin/python3 -c "$under_wx" PROGRAM ARGS...` runs PROGRAM (same PID) with W^X enforced:
# PR_SET_MDWE (65) with PR_MDWE_REFUSE_EXEC_GAIN (1) refuses any mapping that is (or becomes)
# writable and executable, and survives execve. Linux >= 6.3; older kernels: maps checked only.
under_wx='
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(65, 1, 0, 0, 0) != 0:
    sys.stderr.write("package-test: PR_SET_MDWE unavailable (errno %d): W^X checked on /proc/PID/maps only\n" % ctypes.get_errno())
os.execv(sys.argv[1], sys.argv[1:])'

# run_broker PREFIX ENGINE CONFIG: starts PREFIX/sbin/trustmq-broker (PREFIX is P or ROOT/usr)
# with the installed service configuration CONFIG, its listener moved to an ephemeral port and
# its state_dir into the scratch folder; checks the module it runs, does both round trips and
# stops it with SIGTERM.
run_broker() {
  local prefix="$1" engine="$2" config="$3"
  local dir
  dir="$(mktemp -d "$scratch/run-$engine.XXXX")"
  sed -e 's/^listener 1883 127\.0\.0\.1$/listener 0 127.0.0.1/' \
      -e "s|^state_dir .*|state_dir $dir/state|" "$config" >"$dir/broker.conf"
  grep -qx 'listener 0 127.0.0.1' "$dir/broker.conf" || fail "$config: no 'listener 1883 127.0.0.1'"
  printf 'engine %s\nlog_type all\n' "$engine" >>"$dir/broker.conf"
  /usr/bin/python3 -c "$under_wx" "$prefix/sbin/trustmq-broker" -c "$dir/broker.conf" \
    >"$dir/broker.log" 2>&1 &
  broker_pid=$!
  local port="" i
  for i in $(seq 1 100); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/broker.log" | head -n 1)
    [ -n "$port" ] && break
    kill -0 "$broker_pid" 2>/dev/null || { cat "$dir/broker.log" >&2; fail "$engine: broker exited at start"; }
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$dir/broker.log" >&2; fail "$engine: no 'listening on' line"; }

  local module="$prefix/share/trustmq/trustmq-core.wasm"
  local expected
  expected=$("$prefix/bin/trustmq" measure "$module")
  if [ "$engine" != native ]; then
    grep -q "module measurement (sha-256) $expected, module file $module\$" "$dir/broker.log" ||
      { cat "$dir/broker.log" >&2; fail "$engine: did not run $module ($expected)"; }
  fi
  if grep -E '^[0-9a-f-]+ [r-][w]x' "/proc/$broker_pid/maps" >/dev/null; then
    fail "$engine: writable and executable mapping in /proc/$broker_pid/maps"
  fi

  mosquitto_pub -h 127.0.0.1 -p "$port" -q 1 -r -t "package/$engine" -m "hello $engine"
  local got
  got=$(mosquitto_sub -h 127.0.0.1 -p "$port" -t "package/$engine" -C 1 -W 10)
  [ "$got" = "hello $engine" ] || fail "$engine: mosquitto_sub got '$got'"
  "$prefix/bin/trustmq" pub -h 127.0.0.1 -p "$port" -q 1 -r -t "package/cli" -m "cli $engine"
  got=$("$prefix/bin/trustmq" sub -h 127.0.0.1 -p "$port" -t "package/cli" -C 1 -W 10)
  [ "$got" = "cli $engine" ] || fail "$engine: trustmq sub got '$got'"

  kill -TERM "$broker_pid"
  local status=0
  wait "$broker_pid" || status=$?
  broker_pid=""
  [ "$status" -eq 0 ] || { cat "$dir/broker.log" >&2; fail "$engine: exit status $status after SIGTERM"; }
  local wx="W^X enforced by the kernel"
  if grep -q 'PR_SET_MDWE unavailable' "$dir/broker.log"; then wx="no W^X mapping"; fi
  local ran="module $expected"
  if [ "$engine" = native ]; then ran="native core"; fi
  step "$engine from $prefix: port $port, $ran, round trips ok, $wx, stopped by PID"
}

# ---- 1. cmake --install --prefix of the main build ---------------------------------------------
if [ -f "$main_build/cmake_install.cmake" ]; then
  prefix="$scratch/prefix"
  cmake --install "$main_build" --prefix "$prefix" >/dev/null
  for f in bin/trustmq sbin/trustmq-broker share/trustmq/trustmq-core.wasm \
           share/doc/trustmq/README.md share/doc/trustmq/copyright \
           share/doc/trustmq/examples/trustmq.conf share/man/man1/trustmq.1.gz \
           share/man/man5/trustmq.conf.5.gz share/man/man8/trustmq-broker.8.gz \
           etc/trustmq/trustmq.conf lib/systemd/system/trustmq-broker.service; do
    [ -e "$prefix/$f" ] || fail "cmake --install --prefix: $f missing"
  done
  run_broker "$prefix" wasm-aot "$prefix/etc/trustmq/trustmq.conf"
else
  step "no $main_build: skipping the --prefix install"
fi

# ---- 2. the Debian package ------------------------------------------------------------------
step "configure + build ($deb_build: Unix Makefiles, Release, -Werror, tests off)"
# Quiet unless it fails: then the log's end (the compiler's or cpack's message) is shown.
log="$scratch/deb-build.log"
if ! { cmake --preset deb -B "$deb_build" -DTRUSTMQ_WERROR=ON &&
       cmake --build "$deb_build" -j "$jobs" &&
       rm -f "$deb_build"/trustmq_*.deb &&
       (cd "$deb_build" && cpack -G DEB); } >"$log" 2>&1; then
  tail -n 60 "$log" >&2
  fail "configure, build or cpack of $deb_build"
fi
deb=$(ls "$deb_build"/trustmq_*.deb)
step "built $deb"
dpkg-deb --info "$deb" >&2

if command -v lintian >/dev/null; then
  lintian_out="$scratch/lintian.txt"
  status=0
  # Errors fail the test; warnings are shown (none today). lintian's stderr only complains
  # about running as root (as in CI).
  lintian --fail-on error --display-level '>=warning' "$deb" >"$lintian_out" 2>/dev/null || status=$?
  if [ -s "$lintian_out" ]; then cat "$lintian_out" >&2; else step "lintian: no errors, no warnings"; fi
  [ "$status" -eq 0 ] || fail "lintian reported errors"
else
  fail "lintian missing (scripts/install-deps.sh installs it)"
fi

control="$scratch/control"
dpkg-deb -e "$deb" "$control"
grep -qx /etc/trustmq/trustmq.conf "$control/conffiles" || fail "/etc/trustmq/trustmq.conf is not a conffile"
grep -q 'adduser --system' "$control/postinst" || fail "postinst does not create the trustmq user"
for script in postinst prerm postrm; do
  sh -n "$control/$script" || fail "$script: syntax error"
done

pkgroot="$scratch/root"
dpkg-deb -x "$deb" "$pkgroot"
for f in usr/bin/trustmq usr/sbin/trustmq-broker usr/share/trustmq/trustmq-core.wasm \
         etc/trustmq/trustmq.conf lib/systemd/system/trustmq-broker.service \
         usr/share/doc/trustmq/copyright usr/share/doc/trustmq/changelog.gz; do
  [ -e "$pkgroot/$f" ] || fail "package: $f missing"
done
unit="$pkgroot/lib/systemd/system/trustmq-broker.service"
for line in "User=trustmq" "StateDirectory=trustmq" "ProtectSystem=strict" "NoNewPrivileges=yes" \
            "MemoryDenyWriteExecute=yes" "ExecStart=/usr/sbin/trustmq-broker -c /etc/trustmq/trustmq.conf"; do
  grep -qx -- "$line" "$unit" || fail "unit lacks '$line'"
done
if command -v systemd-analyze >/dev/null; then
  # Every directive must parse (systemd 252 reports "FILE:LINE: ..." for any it ignores); the
  # rest of what verify says concerns the scratch root (no sysinit.target, man pages not indexed).
  problems=$(systemd-analyze verify --root="$pkgroot" /lib/systemd/system/trustmq-broker.service 2>&1 |
    grep -E 'trustmq-broker\.service:[0-9]+:' || true)
  [ -z "$problems" ] || fail "unit: $problems"
  step "unit: $(systemd-analyze security --offline=yes --root="$pkgroot" \
    /lib/systemd/system/trustmq-broker.service 2>/dev/null | grep 'Overall exposure' | sed 's/^→ //')"
fi
for page in "$pkgroot"/usr/share/man/man*/*.gz; do
  warnings=$(zcat "$page" | LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l - 2>&1 >/dev/null)
  [ -z "$warnings" ] || fail "man --warnings $(basename "$page"): $warnings"
done

for engine in wasm-aot wasm-interp native; do
  run_broker "$pkgroot/usr" "$engine" "$pkgroot/etc/trustmq/trustmq.conf"
done

step "ok in $(($(date +%s) - started)) s"

"""A mosquitto user's configuration works unchanged: Debian's stock mosquitto.conf with its
conf.d/ (pid_file, persistence, log_dest file, include_dir), crlfile, and reload on SIGHUP.
Runs against Debian's mosquitto 2.0.11 too, which proves the tests."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from broker_process import (
    START_TIMEOUT_S,
    STOP_TIMEOUT_S,
    free_port,
    wait_for_listener,
    make_password_file,
)
from mqtt_clients import mosquitto_publish
from tls_helpers import OPENSSL, make_pki, mosquitto_pub, run, start_tls_broker

STOCK_CONFIG = Path("/etc/mosquitto/mosquitto.conf")


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    wait_for_listener(process, port, START_TIMEOUT_S, lambda: read(log))


def read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def stop(process: subprocess.Popen) -> int:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            return process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_TIMEOUT_S)
            raise AssertionError("broker did not stop on SIGTERM")
    return process.returncode


def test_debian_stock_config_with_conf_d_starts_unchanged(broker_kind, tmp_path):
    """The shipped file, only its paths moved into a temporary folder; the local listener comes
    from conf.d/, where Debian tells users to put their settings."""
    root = tmp_path / "stock"
    for sub in ("etc/conf.d", "run", "lib", "log"):
        (root / sub).mkdir(parents=True)
    text = STOCK_CONFIG.read_text()
    for old, new in (("/run/mosquitto", root / "run"), ("/var/lib/mosquitto", root / "lib"),
                     ("/var/log/mosquitto", root / "log"), ("/etc/mosquitto/conf.d",
                                                            root / "etc/conf.d")):
        text = text.replace(old, str(new))
    config = root / "etc/mosquitto.conf"
    config.write_text(text)
    port = free_port()
    local = [f"listener {port} 127.0.0.1", "allow_anonymous true"] + broker_kind.config_lines()
    (root / "etc/conf.d/local.conf").write_text("\n".join(local) + "\n")
    (root / "etc/conf.d/README").write_text("not a .conf file: never read\n")
    (root / "etc/conf.d/zz.conf.disabled").write_text("no_such_option 1\n")

    stdout = root / "stdout.log"
    with open(stdout, "wb") as out:
        process = subprocess.Popen(broker_kind.command(config), stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=subprocess.STDOUT, cwd=root)
    try:
        log = root / "log/mosquitto.log"
        wait_for_port(port, process, log)
        pid_file = root / "run/mosquitto.pid"
        assert pid_file.read_text().strip() == str(process.pid)
        result = mosquitto_publish(_Broker(port), 311, "stock/config", [b""], qos=1,
                                   check=False)
        assert result.returncode == 0, result.stderr
        deadline = time.monotonic() + 3
        while "New client connected" not in read(log) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "New client connected" in read(log), read(log) + read(stdout)
        if broker_kind.name == "trustmq":  # persistence true, persistence_location .../lib/
            assert f"persistence: {root / 'lib'}/trustmq.db (durability sync): restored 0" in \
                read(log), read(log)
    finally:
        status = stop(process)
    assert status == 0, read(root / "log/mosquitto.log") + read(stdout)
    assert not (root / "run/mosquitto.pid").exists()


class _Broker:
    """What mosquitto_publish needs of a broker."""

    def __init__(self, port: int):
        self.host = "127.0.0.1"
        self.port = port


@pytest.mark.trustmq_only
def test_bad_config_line_names_file_and_line(broker_kind, tmp_path):
    conf_d = tmp_path / "conf.d"
    conf_d.mkdir()
    (conf_d / "a.conf").write_text("sys_interval 10\n\nmax_qos 1\n")
    main = tmp_path / "main.conf"
    main.write_text(f"include_dir {conf_d}\n")
    result = run(broker_kind.command(main))
    assert result.returncode == 1
    assert f"{conf_d}/a.conf:3: option 'max_qos': '1' is not supported" in result.stderr


def make_crl(pki, revoked: Path) -> Path:
    d = pki.directory
    (d / "index.txt").write_text("")
    (d / "crlnumber").write_text("1000\n")
    cnf = d / "ca.cnf"
    cnf.write_text(f"[ca]\ndefault_ca=t\n[t]\ndatabase={d}/index.txt\ncrlnumber={d}/crlnumber\n"
                   "default_md=sha256\ndefault_crl_days=2\n")
    base = [OPENSSL, "ca", "-config", cnf, "-keyfile", pki.ca_key, "-cert", pki.ca_cert]
    assert run(base + ["-revoke", revoked]).returncode == 0
    crl = d / "crl.pem"
    result = run(base + ["-gencrl", "-out", crl])
    assert result.returncode == 0, result.stderr
    return crl


def test_crlfile_refuses_a_revoked_client_certificate(broker_factory, tmp_path, topic):
    pki = make_pki(tmp_path / "pki")
    good_cert, good_key = pki.client_certificate("alice")
    bad_cert, bad_key = pki.client_certificate("mallory")
    crl = make_crl(pki, bad_cert)
    tb = start_tls_broker(broker_factory, [
        f"certfile {pki.server_cert}", f"keyfile {pki.server_key}", f"cafile {pki.ca_cert}",
        "require_certificate true", f"crlfile {crl}"])
    good = mosquitto_pub(tb.tls_port, ["--cafile", pki.ca_cert, "--cert", good_cert,
                                       "--key", good_key], topic, "alice")
    assert good.returncode == 0, good.stderr
    bad = mosquitto_pub(tb.tls_port, ["--cafile", pki.ca_cert, "--cert", bad_cert,
                                      "--key", bad_key], topic, "mallory")
    assert bad.returncode != 0
    if tb.broker.kind.name == "trustmq":
        tb.wait_for_log(r"certificate revoked")


# ---- SIGHUP -------------------------------------------------------------------------------


def can_connect(broker, username: str, password: str) -> bool:
    result = mosquitto_publish(broker, 311, "reload/probe", [b""], qos=1, username=username,
                               password=password, check=False)
    return result.returncode == 0


def wait_until(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_sighup_reloads_the_password_file_for_new_connections(broker_factory):
    # Clients connected before the reload: test_reload_access.py.
    broker = broker_factory(allow_anonymous=False, users={"alice": "old-secret"})
    assert can_connect(broker, "alice", "old-secret")
    make_password_file(broker.workdir / "passwords", {"alice": "new-secret", "bob": "bob-1"})
    os.kill(broker.process.pid, signal.SIGHUP)
    assert wait_until(lambda: can_connect(broker, "bob", "bob-1")), broker.read_log()
    assert can_connect(broker, "alice", "new-secret")
    assert not can_connect(broker, "alice", "old-secret")


@pytest.mark.trustmq_only
def test_sighup_with_a_bad_password_file_keeps_the_old_one(broker_factory):
    broker = broker_factory(allow_anonymous=False, users={"alice": "secret"})
    (broker.workdir / "passwords").write_text("alice:plaintext-is-not-a-hash\n")
    os.kill(broker.process.pid, signal.SIGHUP)
    assert wait_until(lambda: "keeping the previous password file" in broker.read_log()), \
        broker.read_log()
    assert can_connect(broker, "alice", "secret")
    assert broker.alive()


@pytest.mark.trustmq_only
def test_sighup_with_a_bad_config_line_keeps_running(broker_factory):
    broker = broker_factory()
    broker.config_path.write_text(broker.config_path.read_text() + "no_such_option 1\n")
    os.kill(broker.process.pid, signal.SIGHUP)
    assert wait_until(lambda: re.search(r"reload failed, keeping the running configuration: "
                                        r".*unknown option 'no_such_option'",
                                        broker.read_log())), broker.read_log()
    assert broker.alive()
    assert mosquitto_publish(broker, 5, "still/up", [b""], qos=1, check=False).returncode == 0


# Every option trustmq accepts, with a value mosquitto accepts; the ones without effect each
# give one warning.
WARNED_LINES = [
    "allow_duplicate_messages true", "auth_plugin_deny_special_chars true",
    "autosave_on_changes false", "log_dest topic", "log_dest dlt",
    "max_inflight_bytes 100000", "persistence_file mosquitto.db",
    "queue_qos0_messages true", "set_tcp_nodelay true",
    "http_dir {dir}", "websockets_log_level 0",
]


@pytest.mark.trustmq_only
def test_a_file_with_every_accepted_option_starts(broker_kind, tmp_path):
    port, ws_port = free_port(), free_port()
    log = tmp_path / "broker.log"
    pid_file = tmp_path / "broker.pid"
    lines = [
        "acl_file {dir}/acl", "allow_anonymous true", "allow_zero_length_clientid true",
        "auto_id_prefix auto-", "check_retain_source false", "connection_messages false",
        "include_dir {dir}/conf.d", "log_dest file {log}", "log_dest stderr", "log_facility 3",
        "log_timestamp false", "log_timestamp_format %H:%M:%S", "log_type all",
        "max_inflight_messages 10", "max_keepalive 120", "max_packet_size 100000",
        "max_queued_bytes 100000", "max_queued_messages 100", "memory_limit 10000000",
        "message_size_limit 50000", "password_file {dir}/passwords",
        "per_listener_settings false", "persistence false", "persistence_location {dir}/",
        "autosave_interval 1800", "persistence_durability sync", "persistent_client_expiration 1d",
        "pid_file {pid}", "retain_available true", "sys_interval 10",
        "upgrade_outgoing_qos false", "user " + os.environ.get("USER", "root"),
        f"listener {port} 127.0.0.1", "socket_domain ipv4", "max_connections 100",
        "max_qos 2", "max_topic_alias 5", "protocol mqtt", "tls_keyform pem",
        f"listener {ws_port} 127.0.0.1", "protocol websockets", "websockets_headers_size 4096",
    ] + WARNED_LINES
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d/b.conf").write_text("max_inflight_messages 20\n")
    (tmp_path / "acl").write_text("topic readwrite #\n")
    make_password_file(tmp_path / "passwords", {"alice": "secret"})
    config = tmp_path / "every.conf"
    config.write_text("\n".join(lines).format(dir=tmp_path, log=log, pid=pid_file) + "\n")
    stderr = tmp_path / "stderr.log"
    with open(stderr, "wb") as out:
        process = subprocess.Popen(broker_kind.command(config), stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        wait_for_port(port, process, stderr)
        wait_for_port(ws_port, process, stderr)
        assert pid_file.read_text().strip() == str(process.pid)
        assert can_connect(_Broker(port), "alice", "secret")
    finally:
        status = stop(process)
    text = read(log)
    assert status == 0, text
    assert not pid_file.exists()
    assert read(stderr) == text  # log_dest file and stderr: the same lines
    warnings = [line for line in text.splitlines() if line.startswith("warning: ")]
    assert len([w for w in warnings if "has no effect" in w]) == len(WARNED_LINES), text
    assert "New connection from" not in text  # connection_messages false
    assert "New client connected" not in text
    assert re.search(r"^notice: listening on 127\.0\.0\.1:\d+ \(WebSockets\)$", text, re.M), text


@pytest.mark.trustmq_only
def test_user_drops_root_or_is_ignored_with_a_notice(broker_kind, tmp_path):
    import pwd
    nobody = pwd.getpwnam("nobody")
    port = free_port()
    config = tmp_path / "user.conf"
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\nuser nobody\n")
    stderr = tmp_path / "stderr.log"
    with open(stderr, "wb") as out:
        process = subprocess.Popen(broker_kind.command(config), stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        wait_for_port(port, process, stderr)
        assert wait_until(lambda: "user nobody" in read(stderr)), read(stderr)
        uids = next(line for line in Path(f"/proc/{process.pid}/status").read_text().splitlines()
                    if line.startswith("Uid:")).split()[1:]
        if os.geteuid() == 0:
            assert uids == [str(nobody.pw_uid)] * 4, read(stderr)
            assert "running as user nobody" in read(stderr)
        else:
            assert uids[0] == str(os.geteuid())
            assert "option 'user nobody' ignored: the broker was not started as root" in \
                read(stderr)
        assert mosquitto_publish(_Broker(port), 311, "user/test", [b""], qos=1,
                                 check=False).returncode == 0
    finally:
        status = stop(process)
    assert status == 0, read(stderr)


def test_sighup_reopens_the_log_file_after_rotation(broker_factory, tmp_path):
    log = tmp_path / "rotated" / "broker.log"
    log.parent.mkdir()
    broker = broker_factory(extra_lines=[f"log_dest file {log}"])
    assert wait_until(lambda: log.exists() and log.stat().st_size > 0)
    rotated = log.with_suffix(".log.1")
    log.rename(rotated)  # what logrotate does
    os.kill(broker.process.pid, signal.SIGHUP)
    # The file is reopened (created) at once; whether anything is written right away differs
    # (mosquitto writes nothing until the next event), so a client connects and its connection
    # must be logged in the new file, not in the rotated one.
    assert wait_until(log.exists), broker.read_log()
    rotated_size = rotated.stat().st_size
    assert mosquitto_publish(broker, 311, "rotate/test", [b""], qos=0).returncode == 0
    assert wait_until(lambda: "127.0.0.1" in log.read_text(errors="replace")), broker.read_log()
    assert rotated.stat().st_size == rotated_size
    assert broker.alive()

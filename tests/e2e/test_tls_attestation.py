"""Attested TLS listeners (`attestation sim`): the self-signed certificate in the state
directory, `trustmq attest` with a right and a wrong policy, `trustmq sub --attest`, clients
that do not ask for evidence, failed and stalled handshakes. trustmq only (mosquitto has no
attestation)."""

from __future__ import annotations

import socket
import subprocess
import time

import pytest

from tls_helpers import (
    mosquitto_pub,
    mosquitto_sub_one,
    run,
    start_tls_broker,
    trustmq_cli,
)

pytestmark = pytest.mark.trustmq_only

PSK_KEY = "8f2a0c4b6d1e3f5a7b9c0d2e4f6a8b1c3d5e7f9a0b2c4d6e8f1a3b5c7d9e0f2a"
OTHER_MODULE = "ab" * 32


@pytest.fixture
def cli(broker_kind):
    return trustmq_cli(broker_kind.path)


@pytest.fixture
def attested(broker_factory, tmp_path):
    return start_tls_broker(broker_factory, ["attestation sim"], state_dir=tmp_path / "state")


def write_policy(cli, tb, path, module: str | None = None):
    result = run([cli, "policy", "init", "--module-measurement", module or tb.module_measurement(),
                  "--anchor", tb.state_dir / "sim" / "sim-root-ca.pem", "--allow-sim", "-o", path])
    assert result.returncode == 0, result.stderr
    assert "NO hardware protection" in result.stderr
    return path


def count(log: str, text: str) -> int:
    return log.count(text)


def test_self_signed_certificate_is_created_and_plain_tls_clients_are_unaffected(attested, topic):
    cert = attested.state_dir / "tls" / "tls-cert.pem"
    assert cert.is_file()
    attested.wait_for_log(r"created a self-signed ECDSA P-256 certificate " + str(cert))
    attested.wait_for_log(r"attestation sim: .*NO hardware protection")
    # mosquitto clients do not ask for evidence: plain TLS 1.3, nothing changes for them.
    pub = mosquitto_pub(attested.tls_port, ["--cafile", cert], topic, "no evidence asked")
    assert pub.returncode == 0, pub.stderr
    sub = mosquitto_sub_one(attested.tls_port, ["--cafile", cert], topic)
    assert sub.returncode == 0, sub.stderr
    assert sub.stdout.strip() == "no evidence asked"
    log = attested.broker.read_log()
    assert count(log, "attestation evidence sent") == 0
    assert count(log, "TLSv1.3") >= 2


def test_attest_with_the_right_policy_is_trusted(attested, cli, tmp_path):
    policy = write_policy(cli, attested, tmp_path / "policy.json")
    result = run([cli, "attest", "-h", "localhost", "-p", attested.tls_port, "--policy", policy])
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Verdict: TRUSTED" in out
    assert f"module measurement:  {attested.module_measurement()}" in out
    assert "type:                sim (0xfe01)" in out
    assert "NO hardware protection" in out
    for claim in ("platform:", "runtime measurement:", "report data:", "timestamp:", "debug:"):
        assert claim in out
    attested.wait_for_log(r"attestation evidence sent \(sim: software key, NO hardware protection\)")


def test_attest_with_the_certificate_checked_against_cafile(attested, cli, tmp_path):
    policy = write_policy(cli, attested, tmp_path / "policy.json")
    cert = attested.state_dir / "tls" / "tls-cert.pem"
    result = run([cli, "attest", "-h", "localhost", "-p", attested.tls_port, "--policy", policy,
                  "--cafile", cert])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "verified against --cafile" in result.stdout


def test_attest_with_a_policy_for_another_module_is_refused(attested, cli, tmp_path, topic):
    policy = write_policy(cli, attested, tmp_path / "other.json", module=OTHER_MODULE)
    measurement = attested.module_measurement()
    result = run([cli, "attest", "-h", "localhost", "-p", attested.tls_port, "--policy", policy])
    assert result.returncode == 1, result.stdout + result.stderr
    expected = f"module measurement {measurement[:8]}… not in policy"
    assert "Verdict: NOT TRUSTED (module-measurement-rejected)" in result.stdout
    assert expected in result.stdout
    assert expected in result.stderr
    # The claims are still shown, so the user sees what the broker runs.
    assert f"module measurement:  {measurement}" in result.stdout
    # The client's alert closed only that handshake; the broker logged it and keeps serving.
    attested.wait_for_log(r"handshake failed: TLS handshake: tlsv1 alert access denied")
    cert = attested.state_dir / "tls" / "tls-cert.pem"
    assert mosquitto_pub(attested.tls_port, ["--cafile", cert], topic, "up").returncode == 0


def test_attest_against_a_listener_without_attestation_fails_precisely(broker_factory, cli,
                                                                       tmp_path):
    plain_tls = start_tls_broker(broker_factory, ["tls true"], state_dir=tmp_path / "state")
    # A sim platform the broker does not use: the policy is valid, the evidence never comes.
    attested = start_tls_broker(broker_factory, ["attestation sim"],
                                state_dir=tmp_path / "other-state")
    policy = write_policy(cli, attested, tmp_path / "policy.json")
    result = run([cli, "attest", "-h", "localhost", "-p", plain_tls.tls_port, "--policy", policy])
    assert result.returncode == 1
    assert "Verdict: NOT TRUSTED (missing-evidence)" in result.stdout


def test_trustmq_sub_attest_receives_after_verification(attested, cli, tmp_path, topic):
    policy = write_policy(cli, attested, tmp_path / "policy.json")
    pub = mosquitto_pub(attested.broker.port, [], topic, "attested hello", host="127.0.0.1")
    assert pub.returncode == 0, pub.stderr
    sub = run([cli, "sub", "-h", "localhost", "-p", attested.tls_port, "--attest", policy,
               "-t", topic, "-C", "1", "-W", "5"])
    assert sub.returncode == 0, sub.stdout + sub.stderr
    assert sub.stdout.strip() == "attested hello"


def test_trustmq_sub_attest_refuses_before_sending_mqtt(attested, cli, tmp_path, topic):
    policy = write_policy(cli, attested, tmp_path / "other.json", module=OTHER_MODULE)
    before = count(attested.broker.read_log(), "New client connected")
    sub = run([cli, "sub", "-h", "localhost", "-p", attested.tls_port, "--attest", policy,
               "-t", topic, "-C", "1", "-W", "5"])
    assert sub.returncode == 40, sub.stdout + sub.stderr
    assert "module measurement" in sub.stderr and "not in policy" in sub.stderr
    attested.wait_for_log(r"tlsv1 alert access denied")
    assert count(attested.broker.read_log(), "New client connected") == before


def test_psk_listener_with_attestation(broker_factory, cli, tmp_path, topic):
    psk_file = tmp_path / "psk"
    psk_file.write_text(f"sensor7:{PSK_KEY}\n")
    tb = start_tls_broker(broker_factory, [f"psk_file {psk_file}", "attestation sim"],
                          state_dir=tmp_path / "state")
    policy = write_policy(cli, tb, tmp_path / "policy.json")
    result = run([cli, "attest", "-h", "127.0.0.1", "-p", tb.tls_port, "--policy", policy,
                  "--psk", PSK_KEY, "--psk-identity", "sensor7"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PSK: no certificate" in result.stdout
    pub = mosquitto_pub(tb.tls_port, ["--psk", PSK_KEY, "--psk-identity", "sensor7"], topic, "p",
                        host="127.0.0.1")
    assert pub.returncode == 0, pub.stderr
    tb.wait_for_log(r"PSK identity 'sensor7'")


def test_garbage_instead_of_a_client_hello_closes_only_that_connection(attested, topic):
    cert = attested.state_dir / "tls" / "tls-cert.pem"
    subscriber = subprocess.Popen(
        ["/usr/bin/mosquitto_sub", "-h", "localhost", "-p", str(attested.tls_port), "--cafile",
         str(cert), "-t", topic, "-C", "1", "-W", "10"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        attested.wait_for_log(r"Connection from [0-9.:]+: TLSv1.3")
        time.sleep(0.3)  # SUBSCRIBE follows the handshake
        with socket.create_connection(("127.0.0.1", attested.tls_port), timeout=5) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            s.settimeout(5)
            try:
                while s.recv(4096):  # the broker answers with an alert and closes
                    pass
            except ConnectionResetError:
                pass  # closed with our unread bytes still queued: a reset
        attested.wait_for_log(r"handshake failed: TLS handshake: ")
        pub = mosquitto_pub(attested.tls_port, ["--cafile", cert], topic, "after garbage")
        assert pub.returncode == 0, pub.stderr
        out, err = subscriber.communicate(timeout=10)
        assert subscriber.returncode == 0, err
        assert out.strip() == "after garbage"
    finally:
        if subscriber.poll() is None:
            subscriber.kill()
            subscriber.wait(timeout=5)


def test_stalled_handshake_times_out(broker_factory, tmp_path):
    tb = start_tls_broker(broker_factory, ["attestation sim"], state_dir=tmp_path / "state",
                          top_lines=["tls_handshake_timeout 1"])
    with socket.create_connection(("127.0.0.1", tb.tls_port), timeout=5) as s:
        started = time.monotonic()
        s.settimeout(5)
        assert s.recv(4096) == b""  # closed by the broker, nothing sent
        elapsed = time.monotonic() - started
    assert 0.8 <= elapsed < 3.5, elapsed
    tb.wait_for_log(r"handshake failed: not completed within 1000 ms")


def test_contradictory_listener_options_stop_start_up(broker_kind, tmp_path):
    config = tmp_path / "bad.conf"
    config.write_text("listener 0 127.0.0.1\ntls false\nattestation sim\n")
    result = run([broker_kind.path, "-c", config], timeout=10, cwd=tmp_path)
    assert result.returncode == 1
    assert "'tls false' together with TLS options" in result.stderr

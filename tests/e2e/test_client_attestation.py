"""Attested clients and ACL rules over claims (docs/attestation.md, "Attested clients";
docs/configuration.md, "ACL rules over claims"): `trustmq pub/sub --client-evidence sim` against
a TLS listener with `client_attestation_policy`, an acl_file with a `claim` block, and
mosquitto and paho clients on the same listener, on every engine.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import time

import pytest

from broker_process import free_port
from tls_helpers import mosquitto_pub, mosquitto_sub_one, run, start_tls_broker, trustmq_cli

pytestmark = pytest.mark.trustmq_only


def make_client_platform(cli, state, tmp_path):
    """Creates the client's sim platform: the CLI opens it before it goes on the network, so a
    port nobody listens on is enough."""
    result = run([cli, "pub", "-p", free_port(), "--cafile", tmp_path / "none.pem",
                  "--client-evidence", "sim", "--client-evidence-state", state,
                  "-t", "x", "-m", "x", "--quiet"])
    assert (state / "sim-root-ca.pem").is_file(), result.stderr


@pytest.fixture
def attested_setup(broker_factory, broker_kind, tmp_path):
    cli = trustmq_cli(broker_kind.path)
    client_state = tmp_path / "client-sim"
    make_client_platform(cli, client_state, tmp_path)
    measurement = hashlib.sha256(cli.resolve().read_bytes()).hexdigest()
    policy = tmp_path / "client-policy.json"
    made = run([cli, "policy", "init", "--module-measurement", measurement,
                "--anchor", client_state / "sim-root-ca.pem", "--allow-sim", "-o", policy])
    assert made.returncode == 0, made.stderr
    acl = tmp_path / "acl"
    acl.write_text("topic readwrite public/#\n"
                   "topic read $SYS/#\n"
                   f"claim module_measurement {measurement}\n"
                   "topic readwrite telemetry/#\n")
    tb = start_tls_broker(broker_factory,
                          ["tls true", f"client_attestation_policy {policy}"],
                          state_dir=tmp_path / "state",
                          top_lines=[f"acl_file {acl}", "sys_interval 1"])
    tls_args = ["--cafile", tb.state_dir / "tls" / "tls-cert.pem", "--insecure"]
    return cli, client_state, tb, tls_args, policy


def trustmq(cli, tb, tls_args, client_state, *args):
    return [str(cli), *args, "-h", "localhost", "-p", str(tb.tls_port),
            *[str(a) for a in tls_args], "--client-evidence", "sim",
            "--client-evidence-state", str(client_state)]


def test_claim_topics_open_to_attested_clients_only(attested_setup, topic):
    cli, client_state, tb, tls_args, _ = attested_setup
    mosq_tls = ["--cafile", tb.state_dir / "tls" / "tls-cert.pem", "--insecure"]
    telemetry = "telemetry/" + topic
    sub = subprocess.Popen(trustmq(cli, tb, tls_args, client_state, "sub", "-t", telemetry,
                                   "-C", "1", "-W", "10"),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        tb.wait_for_log(r"Client trustmq-sub-\d+ attested: type=sim platform=sim:")
        # A plain client may not write the claim topic (dropped) ...
        denied = mosquitto_pub(tb.tls_port, mosq_tls, telemetry, "from mosquitto")
        assert denied.returncode == 0, denied.stderr
        tb.wait_for_log(r"Denied PUBLISH from .* on 'telemetry/")
        # ... an attested one may.
        pub = run(trustmq(cli, tb, tls_args, client_state, "pub", "-t", telemetry, "-m",
                          "from attested", "-q", "1"))
        assert pub.returncode == 0, pub.stderr
        out, err = sub.communicate(timeout=10)
    finally:
        if sub.poll() is None:
            sub.kill()
            sub.wait()
    assert sub.returncode == 0, err
    assert out.strip() == "from attested"

    # Plain clients on the same listener keep working on the topics open to them.
    public = "public/" + topic
    assert mosquitto_pub(tb.tls_port, mosq_tls, public, "plain").returncode == 0
    got = mosquitto_sub_one(tb.tls_port, mosq_tls, public)
    assert got.returncode == 0 and got.stdout.strip() == "plain", got.stderr

    # paho (MQTT 5): its subscription to the claim topic is refused, the public one granted.
    import paho.mqtt.client as paho
    granted = {}
    client = paho.Client(client_id="paho-plain", protocol=paho.MQTTv5)
    client.tls_set(ca_certs=str(tb.state_dir / "tls" / "tls-cert.pem"))
    client.tls_insecure_set(True)

    def on_subscribe(c, userdata, mid, reasons, props):
        granted[mid] = [r.value if hasattr(r, "value") else r for r in reasons]

    client.on_subscribe = on_subscribe
    client.connect("127.0.0.1", tb.tls_port, keepalive=30)
    _, telemetry_mid = client.subscribe(telemetry, qos=1)
    _, public_mid = client.subscribe(public, qos=1)
    deadline = time.monotonic() + 5
    while len(granted) < 2 and time.monotonic() < deadline:
        client.loop(timeout=0.1)
    client.disconnect()
    assert granted.get(telemetry_mid) == [0x87], granted
    assert granted.get(public_mid) == [1], granted

    # $SYS counts the accepted client attestations (sub and pub).
    sys = mosquitto_sub_one(tb.tls_port, mosq_tls, "$SYS/broker/attestation/clients/accepted")
    assert sys.returncode == 0 and int(sys.stdout.strip()) >= 2, sys.stdout + sys.stderr


def test_client_whose_evidence_the_policy_refuses_gets_connack_0x87(attested_setup, tmp_path,
                                                                     topic):
    cli, _, tb, tls_args, _ = attested_setup
    stranger = tmp_path / "stranger-sim"  # another platform: its root is not in the policy
    result = run(trustmq(cli, tb, tls_args, stranger, "pub", "-t", "telemetry/" + topic, "-m",
                         "x"))
    assert result.returncode == 0x87, (result.returncode, result.stderr)
    tb.wait_for_log(r"Refused connection from .*: client attestation refused: untrusted-platform")
    sys = mosquitto_sub_one(tb.tls_port, ["--cafile", tb.state_dir / "tls" / "tls-cert.pem",
                                          "--insecure"],
                            "$SYS/broker/attestation/clients/refused/untrusted-platform")
    assert sys.returncode == 0 and sys.stdout.strip() == "1", sys.stdout + sys.stderr


def count_in_log(tb, pattern):
    return len(re.findall(pattern, tb.broker.read_log()))


def wait_for_count(tb, pattern, count, timeout=8.0):
    deadline = time.monotonic() + timeout
    while count_in_log(tb, pattern) < count:
        assert time.monotonic() < deadline, f"{pattern!r} < {count}:\n" + tb.broker.read_log()
        time.sleep(0.05)


def test_cli_client_reattests_and_a_reloaded_policy_ends_its_session(attested_setup, tmp_path,
                                                                      topic):
    """--client-reattest 1 re-presents evidence every second; SIGHUP re-reads the policy: a
    file that does not load keeps the running one, a policy the client no longer satisfies
    ends the session at its next re-attestation (DISCONNECT 0x87, exit 40, a clear message)."""
    cli, client_state, tb, tls_args, policy = attested_setup
    telemetry = "telemetry/" + topic
    reattested = r"Client trustmq-sub-\d+ re-attested: type=sim"
    sub = subprocess.Popen(trustmq(cli, tb, tls_args, client_state, "sub", "-t", telemetry,
                                   "-W", "30", "--client-reattest", "1", "-d"),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_count(tb, reattested, 1)
        # Still attested: the claim topic is delivered after re-attestation.
        pub = run(trustmq(cli, tb, tls_args, client_state, "pub", "-t", telemetry, "-m",
                          "after re-attestation", "-q", "1"))
        assert pub.returncode == 0, pub.stderr

        # A policy file that does not load: the running policy stays, re-attestation goes on.
        good_policy = policy.read_text()
        policy.write_text("{ not json")
        os.kill(tb.broker.process.pid, signal.SIGHUP)
        tb.wait_for_log(r"reload: keeping the running client attestation policy: "
                        r"client_attestation_policy .*client-policy.json")
        seen = count_in_log(tb, reattested)
        wait_for_count(tb, reattested, seen + 1)
        assert sub.poll() is None

        # A policy that now asks for another module measurement: refused at the next one.
        made = run([cli, "policy", "init", "--module-measurement", "ab" * 32,
                    "--anchor", client_state / "sim-root-ca.pem", "--allow-sim", "-o", policy])
        assert made.returncode == 0, made.stderr
        assert policy.read_text() != good_policy
        os.kill(tb.broker.process.pid, signal.SIGHUP)
        tb.wait_for_log(r"reload: client_attestation_policy .*client-policy.json loaded")
        out, err = sub.communicate(timeout=10)
    finally:
        if sub.poll() is None:
            sub.kill()
            sub.wait()
    assert "after re-attestation" in out
    assert "Client re-attestation: evidence accepted" in err
    assert sub.returncode == 40, (sub.returncode, err)
    assert re.search(r"Error: client re-attestation failed: the broker disconnected: "
                     r"Not authorized", err), err
    tb.wait_for_log(r"Client trustmq-sub-\d+ failed re-attestation, its claims are withdrawn: "
                    r"module-measurement-rejected")
    mosq_tls = ["--cafile", tb.state_dir / "tls" / "tls-cert.pem", "--insecure"]
    sys = mosquitto_sub_one(tb.tls_port, mosq_tls,
                            "$SYS/broker/attestation/clients/refused/module-measurement-rejected")
    assert sys.returncode == 0 and sys.stdout.strip() == "1", sys.stdout + sys.stderr

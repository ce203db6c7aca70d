"""Post-handshake attestation over MQTT 5 enhanced authentication (method trustmq-attest-v1,
docs/attestation.md §8): `trustmq sub/pub --attest POLICY --reattest SECONDS` against an
attested listener on every engine, with mosquitto and paho clients on the same listener; and
the answer of a broker without the feature (trustmq's plain listener, Debian's mosquitto): 0x8C.
"""

from __future__ import annotations

import re
import struct
import subprocess
import time

import pytest

from raw_mqtt import CONNACK, RawConnection, encode_varint, utf8
from tls_helpers import mosquitto_pub, mosquitto_sub_one, run, start_tls_broker, trustmq_cli

METHOD = b"trustmq-attest-v1"


def attest_connect_packet(client_id: str, request: bytes) -> bytes:
    """MQTT 5 CONNECT with Authentication Method (0x15) and Data (0x16)."""
    props = b"\x15" + utf8(METHOD) + b"\x16" + struct.pack("!H", len(request)) + request
    body = utf8(b"MQTT") + bytes([5, 0x02]) + struct.pack("!H", 30)
    body += encode_varint(len(props)) + props + utf8(client_id)
    return b"\x10" + encode_varint(len(body)) + body


def sim_request() -> bytes:
    """AttestationRequest: 32-byte nonce, accepts sim (0xfe01)."""
    return bytes([32]) + bytes(range(32)) + b"\x02\xfe\x01"


def write_policy(cli, tb, path):
    result = run([cli, "policy", "init", "--module-measurement", tb.module_measurement(),
                  "--anchor", tb.state_dir / "sim" / "sim-root-ca.pem", "--allow-sim", "-o", path])
    assert result.returncode == 0, result.stderr
    return path


def test_broker_without_the_feature_answers_bad_authentication_method(broker):
    # Plain TCP: trustmq has no TLS session to bind evidence to; mosquitto has no such method.
    connection = RawConnection(broker.host, broker.port)
    connection.send(attest_connect_packet("asks-for-evidence", sim_request()))
    packet = connection.read_packet()
    assert packet is not None and packet[0] == CONNACK, packet
    assert packet[2][1] == 0x8C, packet  # reason code: bad authentication method
    connection.close()


@pytest.mark.trustmq_only
def test_sub_reattests_on_its_timer_next_to_plain_clients(broker_factory, broker_kind, tmp_path,
                                                          topic):
    cli = trustmq_cli(broker_kind.path)
    tb = start_tls_broker(broker_factory, ["attestation sim"], state_dir=tmp_path / "state")
    policy = write_policy(cli, tb, tmp_path / "policy.json")
    sub = subprocess.Popen(
        [str(cli), "sub", "-h", "localhost", "-p", str(tb.tls_port), "--attest", str(policy),
         "--reattest", "1", "-t", topic, "-C", "1", "-W", "10", "-d"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        tb.wait_for_log(r"post-handshake evidence sim \(software key, NO hardware protection\)")
        # Two re-attestations on the timer (≥ 2 s) before the message comes.
        deadline = time.monotonic() + 8
        while tb.broker.read_log().count("post-handshake evidence sim") < 3:
            assert time.monotonic() < deadline, tb.broker.read_log()
            time.sleep(0.1)
        # mosquitto clients on the same attested listener: plain TLS, unaffected.
        cert = ["--cafile", tb.state_dir / "tls" / "tls-cert.pem"]
        pub = mosquitto_pub(tb.tls_port, cert, topic, "still attested")
        assert pub.returncode == 0, pub.stderr
        out, err = sub.communicate(timeout=10)
    finally:
        if sub.poll() is None:
            sub.kill()
            sub.wait()
    assert sub.returncode == 0, err
    assert out.strip() == "still attested"
    assert "Post-handshake attestation at connect: evidence verified" in err
    assert "Re-attestation: evidence verified: sim" in err
    assert "NO hardware protection" in err
    retained = mosquitto_sub_one(tb.tls_port, cert, topic)
    assert retained.returncode == 0 and retained.stdout.strip() == "still attested"


@pytest.mark.trustmq_only
def test_paho_v5_on_the_attested_listener_gets_evidence_only_when_it_asks(broker_factory, tmp_path):
    import paho.mqtt.client as paho
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    tb = start_tls_broker(broker_factory, ["attestation sim"], state_dir=tmp_path / "state")
    results = {}

    def run_client(name, properties):
        client = paho.Client(client_id=name, protocol=paho.MQTTv5)
        client.tls_set(ca_certs=str(tb.state_dir / "tls" / "tls-cert.pem"))
        client.tls_insecure_set(True)

        def on_connect(c, userdata, flags, reason, props):
            results[name] = (reason.value if hasattr(reason, "value") else reason, props)

        client.on_connect = on_connect
        client.connect("127.0.0.1", tb.tls_port, keepalive=30, properties=properties)
        deadline = time.monotonic() + 5
        while name not in results and time.monotonic() < deadline:
            client.loop(timeout=0.1)
        client.disconnect()

    run_client("paho-plain", None)
    asking = Properties(PacketTypes.CONNECT)
    asking.AuthenticationMethod = METHOD.decode()
    asking.AuthenticationData = sim_request()
    run_client("paho-asking", asking)
    assert results["paho-plain"][0] == 0
    assert not hasattr(results["paho-plain"][1], "AuthenticationData")
    assert results["paho-asking"][0] == 0
    data = results["paho-asking"][1].AuthenticationData
    assert data[:2] == b"\xfe\x01" and len(data) > 100  # AttestationEvidence, type sim
    tb.wait_for_log(r"post-handshake evidence sim")


@pytest.mark.trustmq_only
def test_sys_topics_count_attestations(broker_factory, tmp_path):
    tb = start_tls_broker(broker_factory, ["attestation sim"], state_dir=tmp_path / "state",
                          top_lines=["sys_interval 1"])
    connection = RawConnection(tb.broker.host, tb.broker.port)  # plain listener: refused 0x8C
    connection.send(attest_connect_packet("no-tls", sim_request()))
    assert connection.read_packet()[2][1] == 0x8C
    connection.close()
    # A listener serves evidence, so the topics exist from the start (retained 0): the count
    # arrives with the next $SYS interval.
    deadline = time.monotonic() + 5
    while True:
        sub = run(["mosquitto_sub", "-h", "127.0.0.1", "-p", tb.broker.port, "-v", "-C", "1",
                   "-W", "5", "-t", "$SYS/broker/attestation/failures/unsupported"])
        assert sub.returncode == 0, sub.stderr
        if sub.stdout != "$SYS/broker/attestation/failures/unsupported 0\n":
            break
        assert time.monotonic() < deadline, "the count stayed 0"
        time.sleep(0.2)
    assert re.fullmatch(r"\$SYS/broker/attestation/failures/unsupported 1\n", sub.stdout), sub.stdout


@pytest.mark.trustmq_only
def test_sys_shows_the_evidence_type_and_module_measurement_served(broker_factory, tmp_path):
    tb = start_tls_broker(broker_factory, ["attestation sim"], state_dir=tmp_path / "state",
                          top_lines=["sys_interval 1"])
    sub = run(["mosquitto_sub", "-h", "127.0.0.1", "-p", tb.broker.port, "-v", "-C", "2", "-W",
               "5", "-t", "$SYS/broker/attestation/evidence/#"])
    assert sub.returncode == 0, sub.stderr
    values = dict(line.split(" ", 1) for line in sub.stdout.splitlines())
    assert values == {
        "$SYS/broker/attestation/evidence/types": "sim",
        # the measurement the evidence carries, as logged at start-up
        "$SYS/broker/attestation/evidence/module-measurement": tb.module_measurement(),
    }, sub.stdout

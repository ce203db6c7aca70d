"""Holes a security review found (issue 7), each attacked from outside as the review did.

Run against every trustmq engine and against Debian's mosquitto as the reference; where
mosquitto 2.0.11 behaves differently the test is trustmq_only and says why.
"""

from __future__ import annotations

import os
import select
import socket
import struct
import time

import pytest

from mqtt_clients import CLIENT_KINDS, mosquitto_publish, split_kind
from raw_mqtt import CONNACK, DISCONNECT, RawConnection, encode_varint, utf8

REFUSED_V3 = 5  # not authorised
REFUSED_V5 = 0x87  # not authorized


# ---- 1. allow_anonymous false without password_file -------------------------------------------


@pytest.mark.parametrize("kind", CLIENT_KINDS)
def test_user_name_without_password_file_is_refused(broker_factory, client_factory, kind):
    clients = client_factory(broker_factory(allow_anonymous=False))
    tool, version = split_kind(kind)
    if tool == "mosquitto":
        result = mosquitto_publish(clients.broker, version, "e2e/anon/x", [b"intruder"], qos=1,
                                   username="mallory", password="whatever", check=False,
                                   workdir=clients.workdir)
        assert result.returncode != 0
        assert b"not author" in result.stderr.lower(), result
        return
    client = clients.paho(version, username="mallory", password="whatever")
    connack = client.connect(expect_success=False)
    assert connack.rc == (REFUSED_V5 if version == 5 else REFUSED_V3), f"code {connack.rc:#x}"
    client.wait_disconnected()


# ---- 2. memory: one client must not take the broker's memory or stop it ----------------------


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def huge_connect_header() -> bytes:
    """A CONNECT fixed header claiming ~256 MiB, the start of its body, then nothing."""
    return b"\x10" + encode_varint(256 * 1024 * 1024 - 16) + utf8("MQTT") + bytes([4, 2, 0, 30])


@pytest.mark.trustmq_only  # mosquitto 2.0.11 buffers the claimed CONNECT (max_packet_size only)
def test_huge_connect_claims_are_refused_at_once_and_service_goes_on(clients, broker, topic):
    subscriber = clients.paho(5, client_id="steady-sub")
    subscriber.connect()
    assert subscriber.subscribe(topic, 1) == [1]
    publisher = clients.paho(5, client_id="steady-pub")
    publisher.connect()
    rss_before = rss_kib(broker.process.pid)

    sent = 0
    for round_ in range(3):
        attackers = [RawConnection(broker.host, broker.port) for _ in range(3)]
        for attacker in attackers:
            attacker.send(huge_connect_header())
            try:  # zeros as the review sent; the broker may close while we write
                attacker.sock.sendall(bytes(1024 * 1024))
            except OSError:
                pass
        for attacker in attackers:
            assert attacker.read_until_closed() == []  # closed, no CONNACK
            attacker.close()
        publisher.publish(topic, f"during-{round_}".encode(), qos=1)
        sent += 1
    received = subscriber.wait_for_messages(sent)
    assert [m.payload for m in received] == [f"during-{i}".encode() for i in range(sent)]
    assert broker.alive()
    growth = rss_kib(broker.process.pid) - rss_before
    assert growth < 32 * 1024, f"broker grew by {growth} KiB"


def slow_partial_connect(host: str, port: int, claimed: int) -> socket.socket:
    sock = socket.create_connection((host, port), timeout=5)
    sock.sendall(b"\x10" + encode_varint(claimed) + utf8("MQTT") + bytes([4, 2, 0, 30]))
    return sock


@pytest.mark.trustmq_only  # the limits are trustmq's (max_connect_packet_size, memory_limit)
def test_many_slow_partial_packets_cannot_exhaust_memory(broker_factory, client_factory, topic):
    broker = broker_factory(extra_lines=["max_connect_packet_size 65536",
                                         "memory_limit 4194304"])  # pre-CONNECT share: 1 MiB
    clients = client_factory(broker)
    subscriber = clients.paho(5, client_id="steady-sub")
    subscriber.connect()
    assert subscriber.subscribe(topic, 1) == [1]
    publisher = clients.paho(311, client_id="steady-pub")
    publisher.connect()

    slow = []
    try:
        for i in range(40):  # 40 × 60 000 bytes claimed: far more than the 1 MiB share
            slow.append(slow_partial_connect(broker.host, broker.port, 60_000))
            if i % 10 == 9:
                publisher.publish(topic, f"m{i}".encode(), qos=1)
        # Some were admitted, the rest closed by the broker; the steady pair never noticed.
        # A closed socket reads EOF at once: wait 2 s in all for them, not 2 s per open one.
        closed = 0
        pending = list(slow)
        deadline = time.monotonic() + 2
        while pending and time.monotonic() < deadline:
            readable, _, _ = select.select(pending, [], [], deadline - time.monotonic())
            for sock in readable:
                pending.remove(sock)
                try:
                    closed += sock.recv(1) == b""
                except ConnectionResetError:
                    pass
        assert 10 <= closed < 40, f"{closed} of 40 slow connections closed"
        received = subscriber.wait_for_messages(4)
        assert [m.payload for m in received] == [b"m9", b"m19", b"m29", b"m39"]
        assert not subscriber.disconnected.is_set()
        assert "the buffer limit for clients that have not completed CONNECT" in broker.read_log()
    finally:
        for sock in slow:
            sock.close()
    assert broker.alive()


@pytest.mark.trustmq_only  # memory_limit is enforced by trustmq per packet, see docs
def test_a_packet_past_the_memory_limit_ends_only_its_connection(broker_factory, client_factory,
                                                                  topic):
    broker = broker_factory(extra_lines=["memory_limit 1048576"])  # one client: 256 KiB
    clients = client_factory(broker)
    subscriber = clients.paho(5, client_id="steady-sub")
    subscriber.connect()
    assert subscriber.subscribe(topic, 1) == [1]

    greedy = RawConnection(broker.host, broker.port)
    greedy.connect("greedy", 5)
    body = utf8(topic) + b"\x00"
    greedy.send(b"\x30" + encode_varint(len(body) + 300_000) + body + bytes(1000))
    answer = greedy.read_until_closed()
    assert [(kind, body[:1]) for kind, _, body in answer] == [(DISCONNECT, b"\x97")]

    clients.publish("paho-v311", topic, [b"after"], qos=1)
    assert subscriber.wait_for_messages(1)[0].payload == b"after"
    assert broker.alive()


# ---- 4. a session resumed by another user ------------------------------------------------------

USERS = {"alice": "alice-secret", "bob": "bob-secret"}
ACL = """\
user alice
topic readwrite private/alice/#
user bob
topic readwrite bob/#
"""


# Debian's mosquitto 2.0.11 predates the fix of CVE-2021-34434 (2.0.12) and hands the session over.
@pytest.mark.trustmq_only
@pytest.mark.parametrize("version", [311, 5])
def test_another_user_does_not_take_over_a_persistent_session(broker_factory, client_factory,
                                                              version):
    clients = client_factory(broker_factory(allow_anonymous=False, users=USERS, acl=ACL))
    alice = clients.paho(version, client_id="alice-dev", clean=False,
                         username="alice", password=USERS["alice"])
    alice.connect(session_expiry=300)
    assert alice.subscribe("private/alice/#", 1) == [1]
    alice.disconnect()
    clients.publish("paho-v311", "private/alice/inbox", [b"for alice only"], qos=1,
                    username="alice", password=USERS["alice"])

    bob = clients.paho(version, client_id="alice-dev", clean=False,
                       username="bob", password=USERS["bob"])
    connack = bob.connect(session_expiry=300)
    assert not connack.session_present
    bob.inbox.expect_no_more(0, quiet=0.5)
    bob.disconnect()


# ---- conformance -------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [311, 5])
def test_will_larger_than_message_size_limit_is_refused(broker_factory, version):
    broker = broker_factory(message_size_limit=100)
    raw = RawConnection(broker.host, broker.port)
    flags = 0x02 | 0x04  # clean, will (QoS 0)
    level = 5 if version == 5 else 4
    body = utf8("MQTT") + bytes([level, flags]) + struct.pack("!H", 30)
    if version == 5:
        body += b"\x00"
    body += utf8("big-will")
    if version == 5:
        body += b"\x00"  # will properties
    body += utf8("will/t") + utf8(b"w" * 101)
    raw.send(b"\x10" + encode_varint(len(body)) + body)
    answer = raw.read_until_closed()
    assert len(answer) == 1 and answer[0][0] == CONNACK, answer
    assert answer[0][2][1] == (0x95 if version == 5 else 5)
    raw.close()


def test_mqtt31_connack_has_no_session_present_bit(broker):
    for attempt in range(2):
        raw = RawConnection(broker.host, broker.port)
        body = utf8("MQIsdp") + bytes([3, 0x00]) + struct.pack("!H", 30) + utf8("old-client")
        raw.send(b"\x10" + encode_varint(len(body)) + body)
        kind, _, connack = raw.read_packet()
        assert kind == CONNACK
        assert connack == b"\x00\x00", f"attempt {attempt}: {connack!r}"  # resumed the 2nd time
        raw.close()
        time.sleep(0.1)


def publish_to(raw: RawConnection, topic: str, qos: int, packet_id: int) -> None:
    body = utf8(topic) + struct.pack("!H", packet_id) + b"\x00" + b"payload"
    raw.send(bytes([0x30 | (qos << 1)]) + encode_varint(len(body)) + body)


WRONG_ACKS = {  # delivered QoS → acknowledgement that does not belong to its flow
    "pubrec-for-qos1": (1, 0x50),
    "pubcomp-for-qos1": (1, 0x70),
    "puback-for-qos2": (2, 0x40),
}


# mosquitto 2.0.11 closes without a DISCONNECT for two of these and ignores the third; trustmq
# sends DISCONNECT 0x82 (Protocol Error) first, as MQTT 5 recommends, in all three.
@pytest.mark.trustmq_only
@pytest.mark.parametrize("case", sorted(WRONG_ACKS))
def test_acknowledgement_of_the_wrong_flow_is_a_protocol_error(broker, topic, case):
    qos, wrong = WRONG_ACKS[case]
    sub = RawConnection(broker.host, broker.port)
    sub.connect("wrong-acker", 5)
    sub_body = struct.pack("!H", 1) + b"\x00" + utf8(topic) + bytes([qos])
    sub.send(b"\x82" + encode_varint(len(sub_body)) + sub_body)
    assert sub.read_packet()[0] == 9  # SUBACK
    pub = RawConnection(broker.host, broker.port)
    pub.connect("publisher", 5)
    publish_to(pub, topic, qos, 7)
    kind, _, body = sub.read_packet()
    assert kind == 3, kind
    packet_id = struct.unpack("!H", body[2 + len(topic):4 + len(topic)])[0]
    sub.send(bytes([wrong]) + b"\x02" + struct.pack("!H", packet_id))
    answer = sub.read_until_closed()
    assert [(k, b[:1]) for k, _, b in answer] == [(DISCONNECT, b"\x82")], answer
    sub.close()
    pub.close()


MALFORMED_311_CONNECTS = {
    "password-without-user-name": (0x42, utf8("c1") + utf8("pw")),
    "user-name-flag-without-user-name": (0x82, utf8("c1")),
    "invalid-utf8-user-name": (0x82, utf8("c1") + utf8(b"\xff\xfe")),
    "invalid-utf8-will-topic": (0x06, utf8("c1") + utf8(b"\xc0\x80") + utf8("x")),
    "will-qos-without-will-flag": (0x0A, utf8("c1")),
    "will-retain-without-will-flag": (0x22, utf8("c1")),
}


@pytest.mark.parametrize("case", sorted(MALFORMED_311_CONNECTS))
def test_malformed_311_connect_is_closed_without_connack(broker, case):
    flags, payload = MALFORMED_311_CONNECTS[case]
    body = utf8("MQTT") + bytes([4, flags]) + struct.pack("!H", 30) + payload
    raw = RawConnection(broker.host, broker.port)
    raw.send(b"\x10" + encode_varint(len(body)) + body)
    assert raw.read_until_closed() == []
    raw.close()


# ---- local only mode ------------------------------------------------------------------------


@pytest.mark.trustmq_only  # runs trustmq-broker with -p and no config file
def test_port_flag_without_config_is_local_only_and_anonymous(broker_kind, tmp_path):
    import subprocess

    from broker_process import free_port

    port = free_port()
    log = open(tmp_path / "local-only.log", "wb")
    command = [broker_kind.path, "-p", str(port)]
    if broker_kind.engine:
        command += ["--engine", broker_kind.engine]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
                               env={**os.environ, "HOME": str(tmp_path)})
    try:
        deadline = time.monotonic() + 5
        while True:
            try:
                raw = RawConnection("127.0.0.1", port)
                break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "local-only.log").read_text()
                time.sleep(0.02)
        assert raw.connect("newcomer", 4) == b"\x00\x00"  # anonymous accepted
        raw.close()
        text = (tmp_path / "local-only.log").read_text()
        assert "local only mode" in text
        listening = [line for line in text.splitlines() if "listening on" in line]
        assert listening and all("127.0.0.1:" in line or "[::1]:" in line for line in listening)
    finally:
        process.terminate()
        assert process.wait(timeout=5) == 0
        log.close()

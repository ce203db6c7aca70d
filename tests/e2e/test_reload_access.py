"""SIGHUP with clients connected: the reloaded ACL and password file apply to them, as mosquitto
does (docs/broker.md, Reloading access rules). Each test sends SIGHUP to the broker it
started, by its PID.
"""

import os
import signal
import struct
import time

import pytest

from broker_process import make_password_file
from raw_mqtt import RawConnection, disconnect_reason, encode_varint, utf8

PUBACK = 4

RELOADED = {
    # What each broker logs once the reload is done (mosquitto logs before it applies the
    # files: a short pause follows).
    "trustmq": "connected clients checked against the ACL and the password file",
    "mosquitto": "Reloading config.",
}


def reload(broker) -> None:
    marker = RELOADED[broker.kind.name]
    before = broker.read_log().count(marker)
    os.kill(broker.process.pid, signal.SIGHUP)
    deadline = time.monotonic() + 5
    while broker.read_log().count(marker) <= before:
        assert time.monotonic() < deadline, f"no reload logged: {broker.read_log()[-2000:]}"
        time.sleep(0.05)
    if broker.kind.name == "mosquitto":
        time.sleep(0.5)


def qos1_publish(topic: str, payload: bytes, packet_id: int) -> bytes:
    body = utf8(topic) + struct.pack("!H", packet_id) + b"\x00" + payload
    return b"\x32" + encode_varint(len(body)) + body


def puback_reason(connection: RawConnection, topic: str) -> int:
    connection.send(qos1_publish(topic, b"x", 9))
    packet = connection.read_packet()
    assert packet is not None and packet[0] == PUBACK, packet
    body = packet[2]
    assert body[:2] == b"\x00\x09"
    return body[2] if len(body) > 2 else 0


def test_a_narrowed_acl_stops_delivery_to_a_connected_subscriber(broker_factory, client_factory,
                                                                   topic):
    broker = broker_factory(acl=f"topic readwrite {topic}/#\n")
    clients = client_factory(broker)
    sub = clients.subscriber("paho-v5", f"{topic}/#", qos=1)
    pub = clients.paho(5)
    pub.connect()
    pub.publish(f"{topic}/secret/1", b"before", qos=1)
    assert [m.topic for m in sub.wait_for_messages(1)] == [f"{topic}/secret/1"]

    (broker.workdir / "acl").write_text(f"topic read {topic}/open/#\ntopic write {topic}/#\n")
    reload(broker)
    pub.publish(f"{topic}/secret/2", b"after", qos=1)
    pub.publish(f"{topic}/open/3", b"after", qos=1)
    sub.wait_for_messages(2)
    got = sub.inbox.expect_no_more(2, quiet=0.5)
    assert [m.topic for m in got] == [f"{topic}/secret/1", f"{topic}/open/3"]


def test_publishing_to_a_newly_denied_topic_is_refused(broker_factory, topic):
    broker = broker_factory(acl=f"topic readwrite {topic}/#\n")
    v5 = RawConnection(broker.host, broker.port)
    v311 = RawConnection(broker.host, broker.port)
    try:
        v5.connect("v5-publisher", 5)
        v311.connect("v311-publisher", 4)
        assert puback_reason(v5, f"{topic}/closed") in (0x00, 0x10)  # allowed (no subscriber)
        (broker.workdir / "acl").write_text(f"topic readwrite {topic}/open/#\n")
        reload(broker)
        assert puback_reason(v5, f"{topic}/closed") == 0x87  # Not authorized
        # 3.1.1 has no reason code: a plain PUBACK, the message is dropped (as mosquitto).
        assert puback_reason(v311, f"{topic}/closed") == 0
        assert puback_reason(v5, f"{topic}/open/x") in (0x00, 0x10)
    finally:
        v5.close()
        v311.close()


@pytest.mark.trustmq_only
def test_a_bad_acl_file_keeps_the_old_rules(broker_factory, client_factory, topic):
    broker = broker_factory(acl=f"topic readwrite {topic}/open/#\n")
    clients = client_factory(broker)
    sub = clients.subscriber("paho-v5", f"{topic}/#", qos=1)
    (broker.workdir / "acl").write_text(f"topic read {topic}/#\nbogus line\n")
    os.kill(broker.process.pid, signal.SIGHUP)
    deadline = time.monotonic() + 5
    while "the running ACL is kept" not in broker.read_log():
        assert time.monotonic() < deadline, broker.read_log()[-2000:]
        time.sleep(0.05)
    pub = clients.paho(5)
    pub.connect()
    pub.publish(f"{topic}/secret", b"still denied", qos=1)
    pub.publish(f"{topic}/open/1", b"still allowed", qos=1)
    sub.wait_for_messages(1)
    got = sub.inbox.expect_no_more(1, quiet=0.5)
    assert [m.topic for m in got] == [f"{topic}/open/1"]
    assert broker.alive()


def test_clients_whose_password_no_longer_verifies_are_disconnected(broker_factory,
                                                                     client_factory):
    # mosquitto 2.0 (mosquitto_security_apply_default) checks every connected client's
    # credentials again on reload and disconnects those that fail; so does trustmq.
    broker = broker_factory(allow_anonymous=False, users={"alice": "a-1", "bob": "b-1"})
    clients = client_factory(broker)
    alice = clients.paho(5, client_id="alice", username="alice", password="a-1")
    alice.connect()
    bob5 = clients.paho(5, client_id="bob5", username="bob", password="b-1")
    bob5.connect()
    bob311 = clients.paho(311, client_id="bob311", username="bob", password="b-1")
    bob311.connect()
    raw_bob = RawConnection(broker.host, broker.port)
    try:
        raw_bob.connect("bob-raw", 5, username="bob", password="b-1")
        make_password_file(broker.workdir / "passwords", {"alice": "a-1", "bob": "b-2"})
        reload(broker)
        bob5.wait_disconnected()
        bob311.wait_disconnected()
        packets = raw_bob.read_until_closed()
    finally:
        raw_bob.close()
    if broker.kind.name == "trustmq":
        # DISCONNECT 0x87 Not authorized tells a v5 client why; mosquitto just closes.
        assert disconnect_reason(packets) == 0x87, packets
    time.sleep(0.3)
    assert not alice.disconnected.is_set()
    alice.publish("still/connected", b"x", qos=1)

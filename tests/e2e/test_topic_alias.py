"""Outbound topic aliases (MQTT 5): the broker assigns aliases on the PUBLISH packets it sends to
a client that announced a Topic Alias Maximum (docs/broker.md, Outbound topic aliases).

paho-mqtt 1.6.1 (Debian) passes the Topic Alias property to on_message but does not resolve
it: a PUBLISH that carries only an alias reaches on_message with an empty topic. The tests
therefore resolve aliases as the spec tells a client to (§3.3.2.3.4) and check that every
message reads as the topic it was published on. mosquitto_sub -V 5 announces no Topic Alias
Maximum (checked below on its CONNECT bytes; libmosquitto refuses a PUBLISH with an empty
topic), so it must never get an alias.
"""

import socket
import subprocess

import pytest
from paho.mqtt.packettypes import PacketTypes

from broker_process import free_port
from mqtt_clients import MOSQUITTO_SUB, v5_properties

ALIAS_MAXIMUM = 3


def alias_subscriber(clients, topic, maximum=ALIAS_MAXIMUM, qos=0):
    sub = clients.paho(5)
    sub.connect(properties=v5_properties(PacketTypes.CONNECT, TopicAliasMaximum=maximum))
    assert sub.subscribe(f"{topic}/#", qos=qos) == [qos]
    return sub


def resolve(messages, maximum):
    """Topics as a spec-conforming client reads them, and the aliases seen."""
    known = {}
    topics, aliases = [], []
    for m in messages:
        alias = getattr(m.properties, "TopicAlias", None) if m.properties else None
        if alias is None:
            topics.append(m.topic)
            continue
        assert 1 <= alias <= maximum, f"alias {alias} above the announced maximum {maximum}"
        aliases.append((m.topic, alias))
        if m.topic:
            known[alias] = m.topic
        assert alias in known, f"alias {alias} used before it was given a topic"
        topics.append(known[alias])
    return topics, aliases


def published_topics(topic):
    # 5 topics through 3 aliases, with repeats: first-use, reuse and replacement all happen.
    names = ["a", "a", "b", "c", "a", "d", "d", "e", "b", "a", "a", "c"]
    return [f"{topic}/{n}" for n in names]


@pytest.mark.parametrize("qos", [0, 1])
def test_paho_v5_reads_every_topic_through_the_aliases(clients, topic, qos):
    sub = alias_subscriber(clients, topic, qos=qos)
    pub = clients.paho(5)
    pub.connect()
    sent = published_topics(topic)
    for i, t in enumerate(sent):
        pub.publish(t, f"m{i}".encode(), qos=qos)
    got = sub.wait_for_messages(len(sent))
    topics, _ = resolve(got, ALIAS_MAXIMUM)
    assert topics == sent
    assert [m.payload for m in got] == [f"m{i}".encode() for i in range(len(sent))]


@pytest.mark.trustmq_only
def test_aliases_are_assigned_and_reused(clients, topic):
    # mosquitto 2.0 assigns no outbound aliases; trustmq does (least recently used replacement).
    sub = alias_subscriber(clients, topic)
    pub = clients.paho(5)
    pub.connect()
    sent = published_topics(topic)
    for t in sent:
        pub.publish(t, b"x", qos=1)
    got = sub.wait_for_messages(len(sent))
    _, aliases = resolve(got, ALIAS_MAXIMUM)
    assert len(aliases) == len(sent), "every message carries an alias"
    with_topic = [t for t, _ in aliases if t]
    # Set on first use and on each replacement; the repeats go with an empty topic.
    assert 0 < len(with_topic) < len(sent)
    assert aliases[0] == (f"{topic}/a", 1)
    assert aliases[1] == ("", 1)


@pytest.mark.trustmq_only
def test_aliases_start_afresh_on_a_new_connection(clients, topic):
    sub = alias_subscriber(clients, topic)
    pub = clients.paho(5)
    pub.connect()
    pub.publish(f"{topic}/a", b"1", qos=1)
    pub.publish(f"{topic}/a", b"2", qos=1)
    got = sub.wait_for_messages(2)
    assert resolve(got, ALIAS_MAXIMUM)[1] == [(f"{topic}/a", 1), ("", 1)]
    sub.disconnect()
    again = alias_subscriber(clients, topic)
    pub.publish(f"{topic}/a", b"3", qos=1)
    [m] = again.wait_for_messages(1)
    assert m.topic == f"{topic}/a"  # the new connection is told the topic again
    assert m.properties.TopicAlias == 1


def test_without_a_maximum_paho_gets_full_topics(clients, topic):
    sub = clients.paho(5)
    sub.connect()
    sub.subscribe(f"{topic}/#")
    pub = clients.paho(5)
    pub.connect()
    sent = published_topics(topic)
    for t in sent:
        pub.publish(t, b"x")
    got = sub.wait_for_messages(len(sent))
    assert [m.topic for m in got] == sent
    assert all(getattr(m.properties, "TopicAlias", None) is None for m in got)


def test_mosquitto_sub_v5_gets_full_topics(clients, topic):
    sub = clients.mosquitto_subscriber(5, [f"{topic}/#"])
    sub.wait_subscribed()
    pub = clients.paho(5)
    pub.connect()
    sent = published_topics(topic)
    for t in sent:
        pub.publish(t, b"x", qos=1)
    got = sub.wait_for_messages(len(sent))
    assert [m.topic for m in got] == sent


def read_connect(conn: socket.socket) -> bytes:
    """One whole MQTT packet from `conn` (the CONNECT), bounded in time."""
    conn.settimeout(5)
    data = b""
    while True:
        chunk = conn.recv(4096)
        assert chunk, "closed before a whole CONNECT arrived"
        data += chunk
        # fixed header: type byte, remaining length (variable byte integer)
        length, shift, i = 0, 0, 1
        while i < len(data):
            length |= (data[i] & 0x7F) << shift
            if not data[i] & 0x80:
                break
            shift, i = shift + 7, i + 1
        else:
            continue
        if len(data) >= i + 1 + length:
            return data[: i + 1 + length]


def connect_property_ids(packet: bytes) -> set[int]:
    """The identifiers of the properties of a v5 CONNECT packet."""
    i = 1
    while packet[i] & 0x80:
        i += 1
    i += 1
    name_length = int.from_bytes(packet[i:i + 2], "big")
    i += 2 + name_length + 1 + 1 + 2  # protocol name, level, flags, keep alive
    length, shift = 0, 0
    while True:
        length |= (packet[i] & 0x7F) << shift
        i += 1
        if not packet[i - 1] & 0x80:
            break
        shift += 7
    props, end, ids = packet[i:i + length], length, set()
    j = 0
    while j < end:
        pid = props[j]
        ids.add(pid)
        j += 1
        if pid in (0x11, 0x27):  # four-byte integers
            j += 4
        elif pid in (0x21, 0x22):  # two-byte integers (0x22: Topic Alias Maximum)
            j += 2
        elif pid in (0x17, 0x19):  # bytes
            j += 1
        elif pid == 0x26:  # user property: two strings
            for _ in range(2):
                j += 2 + int.from_bytes(props[j:j + 2], "big")
        elif pid in (0x15, 0x16):  # authentication method (string) / data (binary)
            j += 2 + int.from_bytes(props[j:j + 2], "big")
        else:
            raise AssertionError(f"unexpected CONNECT property {pid:#x}")
    return ids


@pytest.mark.trustmq_only  # broker-independent: runs once, with the trustmq suite
def test_mosquitto_sub_v5_announces_no_topic_alias_maximum():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", free_port()))
    server.listen(1)
    server.settimeout(5)
    port = server.getsockname()[1]
    proc = subprocess.Popen([MOSQUITTO_SUB, "-h", "127.0.0.1", "-p", str(port), "-V", "5",
                             "-t", "x", "-W", "5"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        conn, _ = server.accept()
        with conn:
            packet = read_connect(conn)
        assert packet[0] == 0x10, "not a CONNECT"
        ids = connect_property_ids(packet)
        assert 0x22 not in ids, f"mosquitto_sub announced Topic Alias Maximum: {sorted(ids)}"
    finally:
        server.close()
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=3)

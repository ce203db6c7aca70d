"""Large messages, slow consumers and queue limits."""

import socket
import time

import pytest

from mqtt_clients import CLIENT_KINDS
from raw_mqtt import RawConnection, encode_varint, utf8

LARGE_PAYLOAD = bytes((i * 7 + 3) % 256 for i in range(1024 * 1024))  # 1 MiB


@pytest.mark.parametrize("sub_kind,pub_kind", list(zip(CLIENT_KINDS, reversed(CLIENT_KINDS))))
def test_one_mebibyte_payload_arrives_intact(clients, topic, pub_kind, sub_kind):
    sub = clients.subscriber(sub_kind, topic, qos=1)
    clients.publish(pub_kind, topic, [LARGE_PAYLOAD], qos=1)
    [message] = sub.wait_for_messages(1, timeout=10)
    assert message.payload == LARGE_PAYLOAD


def test_slow_consumer_does_not_stall_other_subscribers(clients, raw_connection, topic):
    # A subscriber that never reads its socket: the broker's writes to it back up.
    stalled = raw_connection()
    stalled.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.connect("stalled", version=4)
    body = b"\x00\x01" + utf8(topic) + b"\x00"
    stalled.send(b"\x82" + encode_varint(len(body)) + body)
    time.sleep(0.1)  # SUBACK on its way; never read from here on

    healthy = clients.subscriber("paho-v311", topic, qos=1)
    payload = b"z" * 65536
    count = 120  # ~7.5 MiB, far beyond any socket buffer
    publisher = clients.paho(5)
    publisher.connect()
    started = time.monotonic()
    for i in range(count):
        publisher.publish(topic, i.to_bytes(4, "big") + payload, qos=0, timeout=10)
    received = healthy.wait_for_messages(count, timeout=20)
    assert [int.from_bytes(m.payload[:4], "big") for m in received] == list(range(count))
    assert time.monotonic() - started < 20
    # And the broker still serves new clients.
    probe = clients.subscriber("mosquitto-v5", f"{topic}/probe", qos=1)
    clients.publish("mosquitto-v311", f"{topic}/probe", [b"alive"], qos=1)
    assert probe.wait_for_messages(1)[0].payload == b"alive"


@pytest.mark.trustmq_only
def test_twenty_subscribers_keep_receiving_while_one_stalls_and_memory_stays_flat(
    broker_factory, client_factory, topic
):
    # Issue "nothing lost, nothing stalled": one subscriber stops reading; 20 others get every
    # message; the stalled one's queue stays at max_queued_bytes (its QoS 0 messages are
    # dropped and logged, docs/configuration.md "Slow clients"), so the broker's memory does
    # not grow with what is published.
    queue_limit = 1024 * 1024
    broker = broker_factory(extra_lines=[f"max_queued_bytes {queue_limit}"])
    clients = client_factory(broker)
    stalled = RawConnection(broker.host, broker.port)
    try:
        stalled.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.connect("stalled", version=4)
        body = b"\x00\x01" + utf8(topic) + b"\x00"
        stalled.send(b"\x82" + encode_varint(len(body)) + body)
        time.sleep(0.1)  # SUBACK on its way; never read from here on

        healthy = [clients.subscriber("paho-v311", topic, qos=1) for _ in range(20)]
        publisher = clients.paho(5)
        publisher.connect()
        payload = b"m" * (32 * 1024)
        per_round = 100  # 3.2 MiB a round: more than the stalled queue's limit each time
        resident = [broker.resident_kib()]
        started = time.monotonic()
        rounds = 6
        for round_index in range(rounds):
            for i in range(per_round):
                sequence = round_index * per_round + i
                publisher.publish(topic, sequence.to_bytes(4, "big") + payload, qos=1, timeout=10)
            for sub in healthy:
                sub.wait_for_messages((round_index + 1) * per_round, timeout=30)
            resident.append(broker.resident_kib())
        elapsed = time.monotonic() - started

        expected = list(range(rounds * per_round))
        for sub in healthy:
            got = [int.from_bytes(m.payload[:4], "big") for m in sub.inbox.snapshot()]
            assert got == expected, "a healthy subscriber lost or reordered messages"
        assert elapsed < 90, f"20 subscribers took {elapsed:.1f} s for {len(expected)} messages"
        # Rounds 2 to 6 published 16 MiB more; an unbounded queue for the stalled subscriber
        # would hold all of it. Allow 6 MiB: on a loaded machine the healthy subscribers read
        # late, their queues (up to 20 in flight × 32 KiB each) reach a higher mark in a later
        # round, and the allocator keeps that peak resident (seen: 3–6 MiB at load 9–12).
        growth = resident[rounds] - resident[1]
        assert growth < 6 * 1024, f"broker memory grew {growth} KiB over {rounds - 1} rounds: {resident}"
        log = broker.read_log()
        assert "full (" in log and "QoS 0 message(s)" in log, "the drops were not logged"
        assert ": outbound queue full" not in log, "no one should be disconnected: only QoS 0 drops"
    finally:
        stalled.close()


def test_max_queued_messages_bounds_an_offline_session(broker_factory, client_factory, topic):
    clients = client_factory(broker_factory(max_queued_messages=5, max_inflight_messages=20))
    first = clients.paho(5, client_id="bounded", clean=False)
    first.connect(session_expiry=300)
    assert first.subscribe(topic, 1) == [1]
    first.disconnect()

    payloads = [f"queued-{i:02d}".encode() for i in range(12)]
    clients.publish("paho-v5", topic, payloads, qos=1)

    back = clients.paho(5, client_id="bounded", clean=False)
    assert back.connect(session_expiry=300).session_present
    back.wait_for_messages(5)
    received = [m.payload for m in back.inbox.expect_no_more(5, quiet=0.3)]
    assert received == payloads[:5], "the queue keeps the oldest messages, drops the rest"

"""A client that sends garbage is disconnected; the other clients do not notice."""

import pytest

from raw_mqtt import CONNACK, DISCONNECT, connect_packet

VALID_CONNECT = connect_packet("raw", 4)

GARBAGE = {
    "http-request": b"GET / HTTP/1.1\r\nHost: broker\r\n\r\n",
    "all-ones": b"\xff" * 64,
    "remaining-length-over-4-bytes": b"\x10\xff\xff\xff\xff\x7f",
    "publish-before-connect": b"\x30\x07\x00\x03a/bxyz",
    "unknown-protocol-name": connect_packet("raw", 4, protocol_name=b"MQTX"),
    "unknown-protocol-level": connect_packet("raw", 9),
    "reserved-flags-in-connect": bytes([0x1F]) + VALID_CONNECT[1:],
    "second-connect": VALID_CONNECT + VALID_CONNECT,
    "reserved-packet-type-after-connect": VALID_CONNECT + b"\x00\x00",
    "subscribe-with-bad-flags": VALID_CONNECT + b"\x80\x06\x00\x01\x00\x01a\x00",
    "publish-with-qos-3": VALID_CONNECT + b"\x36\x05\x00\x01a\x00\x01",
    "utf8-invalid-topic": VALID_CONNECT + b"\x30\x05\x00\x02\xc3\x28x",
    "random-bytes": bytes((i * 131 + 7) % 256 for i in range(512)),
}


@pytest.mark.parametrize("version", [311, 5])
@pytest.mark.parametrize("garbage", sorted(GARBAGE))
def test_garbage_client_is_disconnected_and_others_continue(
    clients, broker, raw_connection, topic, garbage, version
):
    bystander = clients.paho(version, client_id="bystander")
    bystander.connect()
    assert bystander.subscribe(topic, 1) == [1]
    bystander.publish(topic, b"before", qos=1)
    bystander.wait_for_messages(1)

    raw = raw_connection()
    raw.send(GARBAGE[garbage])
    answer = raw.read_until_closed()
    # At most a CONNACK (for a valid CONNECT that came first) and a DISCONNECT came back.
    assert all(kind in (CONNACK, DISCONNECT) for kind, _, _ in answer), answer

    bystander.publish(topic, b"after", qos=1)
    assert [m.payload for m in bystander.wait_for_messages(2)] == [b"before", b"after"]
    assert not bystander.disconnected.is_set()
    assert broker.alive()


def test_idle_half_packet_does_not_block_other_clients(clients, raw_connection, topic):
    raw = raw_connection()
    raw.send(VALID_CONNECT[:5])  # a CONNECT that never completes
    sub = clients.subscriber("paho-v5", topic, qos=1)
    clients.publish("mosquitto-v311", topic, [b"through"], qos=1)
    assert sub.wait_for_messages(1)[0].payload == b"through"

"""Publish/subscribe at QoS 0, 1 and 2 between every pair of client kinds."""

import pytest

from mqtt_clients import CLIENT_KINDS

# Binary payload: every byte value, NUL bytes included, a little over 2 KiB.
BINARY_PAYLOAD = bytes(range(256)) * 8 + b"\x00\xff-end"


@pytest.mark.parametrize("qos", [0, 1, 2])
@pytest.mark.parametrize("sub_kind", CLIENT_KINDS)
@pytest.mark.parametrize("pub_kind", CLIENT_KINDS)
def test_payload_arrives_intact(clients, topic, pub_kind, sub_kind, qos):
    sub = clients.subscriber(sub_kind, topic, qos=qos)
    assert sub.granted_codes == [qos]

    clients.publish(pub_kind, topic, [BINARY_PAYLOAD], qos=qos)

    [message] = sub.wait_for_messages(1)
    assert message.topic == topic
    assert message.payload == BINARY_PAYLOAD
    assert message.qos == qos
    assert not message.retain


@pytest.mark.parametrize("qos", [1, 2])
@pytest.mark.parametrize("kind", CLIENT_KINDS)
def test_several_messages_arrive_once_and_in_order(clients, topic, kind, qos):
    payloads = [f"message-{i:03d}".encode() for i in range(25)]
    sub = clients.subscriber(kind, topic, qos=qos)

    clients.publish(kind, topic, payloads, qos=qos)

    received = sub.wait_for_messages(len(payloads))
    assert [m.payload for m in received] == payloads
    assert {m.qos for m in received} == {qos}
    sub.inbox.expect_no_more(len(payloads), quiet=0.2)  # no duplicates


@pytest.mark.parametrize("sub_qos", [0, 1, 2])
@pytest.mark.parametrize("pub_qos", [0, 1, 2])
def test_delivery_qos_is_the_minimum_of_publish_and_subscription(clients, topic, pub_qos, sub_qos):
    sub = clients.subscriber("paho-v5", topic, qos=sub_qos)
    clients.publish("paho-v311", topic, [b"downgrade"], qos=pub_qos)
    [message] = sub.wait_for_messages(1)
    assert message.qos == min(pub_qos, sub_qos)


@pytest.mark.parametrize("kind", CLIENT_KINDS)
def test_wildcard_filters_match_only_their_topics(clients, topic, kind):
    sub = clients.subscriber(kind, [f"{topic}/+/temp", f"{topic}/house/#"], qos=1)
    for suffix in ["room1/temp", "room1/humidity", "house", "house/a/b", "room2/temp/x"]:
        clients.publish("paho-v311", f"{topic}/{suffix}", [suffix.encode()], qos=1)
    clients.publish("paho-v311", f"{topic}/end/temp", [b"end"], qos=1)

    received = sub.wait_for_messages(4)
    assert [m.payload for m in received] == [b"room1/temp", b"house", b"house/a/b", b"end"]
    sub.inbox.expect_no_more(4, quiet=0.1)

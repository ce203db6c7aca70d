"""Retained messages: kept for late subscribers, replaced by newer ones, cleared by an empty one."""

import pytest

from mqtt_clients import CLIENT_KINDS


@pytest.mark.parametrize("kind", CLIENT_KINDS)
def test_retained_message_reaches_late_subscriber_then_is_cleared(clients, topic, kind):
    live = clients.subscriber(kind, topic, qos=1)
    clients.publish(kind, topic, [b"first value"], qos=1, retain=True)
    clients.publish(kind, topic, [b"retained value"], qos=1, retain=True)

    # Delivery on an existing subscription carries retain=0 (3.1.1 [MQTT-3.3.1-9]; v5 with
    # Retain As Published off).
    live_messages = live.wait_for_messages(2)
    assert [m.payload for m in live_messages] == [b"first value", b"retained value"]
    assert not any(m.retain for m in live_messages)

    # A late subscriber gets the newest retained message only, flagged retained.
    late = clients.subscriber(kind, topic, qos=1)
    [message] = late.wait_for_messages(1)
    assert message.payload == b"retained value"
    assert message.retain
    late.inbox.expect_no_more(1, quiet=0.1)

    # An empty retained payload clears it: a later subscriber gets only what is published live.
    clients.publish(kind, topic, [b""], qos=1, retain=True)
    later = clients.subscriber(kind, topic, qos=1)
    clients.publish(kind, topic, [b"sentinel"], qos=1)
    [message] = later.wait_for_messages(1)
    assert message.payload == b"sentinel"
    assert not message.retain
    later.inbox.expect_no_more(1, quiet=0.2)


@pytest.mark.parametrize("kind", ["mosquitto-v311", "paho-v5"])
def test_retained_messages_match_wildcard_subscriptions(clients, topic, kind):
    for name in ["a", "b", "c/d"]:
        clients.publish("paho-v311", f"{topic}/{name}", [name.encode()], qos=1, retain=True)
    sub = clients.subscriber(kind, f"{topic}/+", qos=1)
    received = sub.wait_for_messages(2)
    assert sorted(m.payload for m in received) == [b"a", b"b"]
    assert all(m.retain for m in received)
    sub.inbox.expect_no_more(2, quiet=0.1)

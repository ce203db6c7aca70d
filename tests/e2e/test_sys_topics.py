"""$SYS topics, published every sys_interval seconds."""

import re
import time

import pytest

from mqtt_clients import CLIENT_KINDS


@pytest.fixture
def sys_clients(broker_factory, client_factory):
    return client_factory(broker_factory(sys_interval=1))


def uptime_seconds(payload: bytes) -> int:
    match = re.fullmatch(rb"(\d+) seconds", payload)
    assert match, f"$SYS/broker/uptime payload {payload!r} is not '<n> seconds'"
    return int(match.group(1))


@pytest.mark.parametrize("kind", CLIENT_KINDS)
def test_sys_broker_uptime_is_published_and_grows(sys_clients, kind):
    sub = sys_clients.subscriber(kind, "$SYS/broker/uptime", qos=0)
    received = sub.wait_for_messages(2, timeout=3.5)
    values = [uptime_seconds(m.payload) for m in received]
    assert all(m.topic == "$SYS/broker/uptime" for m in received)
    assert values == sorted(values), values


def test_hash_wildcard_does_not_match_sys_topics(sys_clients, topic):
    # [MQTT-4.7.2-1]: "#" and "+/..." filters do not match topics starting with "$".
    everything = sys_clients.subscriber("paho-v5", ["#", "+/broker/uptime"], qos=0)
    sys_watcher = sys_clients.subscriber("paho-v311", "$SYS/#", qos=0)
    sys_watcher.wait_for_messages(1, timeout=3.0)  # $SYS is being published meanwhile
    time.sleep(1.2)  # at least one more sys_interval
    sys_clients.publish("paho-v311", topic, [b"ordinary"], qos=1)
    [message] = everything.wait_for_messages(1)
    assert message.topic == topic
    everything.inbox.expect_no_more(1, quiet=0.1)

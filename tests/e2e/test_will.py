"""Last will: published when a client vanishes without DISCONNECT, not after a clean one."""

import time

import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCodes

from mqtt_clients import CLIENT_KINDS


def will_client(clients, topic, version, keepalive=30):
    client = clients.paho(version, client_id=f"will-{version}", keepalive=keepalive)
    client.set_will(topic, b"client gone", qos=1)
    client.connect()
    return client


@pytest.mark.parametrize("will_version", [311, 5])
@pytest.mark.parametrize("watcher_kind", CLIENT_KINDS)
def test_will_published_when_socket_dies_without_disconnect(clients, topic, watcher_kind, will_version):
    dying = will_client(clients, topic, will_version)
    watcher = clients.subscriber(watcher_kind, topic, qos=1)

    dying.drop_connection()

    [message] = watcher.wait_for_messages(1)
    assert message.topic == topic
    assert message.payload == b"client gone"
    assert message.qos == 1


@pytest.mark.parametrize("will_version", [311, 5])
@pytest.mark.parametrize("watcher_kind", CLIENT_KINDS)
def test_will_not_published_after_clean_disconnect(clients, topic, watcher_kind, will_version):
    leaving = will_client(clients, topic, will_version)
    watcher = clients.subscriber(watcher_kind, topic, qos=1)

    leaving.disconnect()
    clients.publish("paho-v311", topic, [b"sentinel"], qos=1)

    [message] = watcher.wait_for_messages(1)
    assert message.payload == b"sentinel"
    watcher.inbox.expect_no_more(1, quiet=0.3)


def test_v5_disconnect_with_will_message_reason_publishes_will(clients, topic):
    leaving = will_client(clients, topic, 5)
    watcher = clients.subscriber("paho-v5", topic, qos=1)

    leaving.disconnect(reason=ReasonCodes(PacketTypes.DISCONNECT, identifier=0x04))

    [message] = watcher.wait_for_messages(1)
    assert message.payload == b"client gone"


def test_will_published_when_keep_alive_expires(clients, topic):
    silent = will_client(clients, topic, 311, keepalive=1)
    watcher = clients.subscriber("paho-v311", topic, qos=1)

    silent.stop_network()  # socket stays open, but no PINGREQ any more
    silent_since = time.monotonic()

    # The broker must give up after 1.5 x keep-alive (1.5 s), not before the keep-alive ran
    # out. mosquitto 2.0.11 checks keep-alives coarsely (takes ~5-6 s), hence the 8 s bound.
    [message] = watcher.wait_for_messages(1, timeout=8.0)
    assert message.payload == b"client gone"
    assert time.monotonic() - silent_since >= 1.0, "dropped a client before its keep-alive ran out"


# mosquitto 2.0.11 checks keep-alives only every few seconds; trustmq keeps the spec's bound.
@pytest.mark.trustmq_only
@pytest.mark.parametrize("version", [4, 5])
def test_keep_alive_expiry_closes_within_one_and_a_half_periods(raw_connection, version):
    raw = raw_connection()
    raw.connect("silent", version=version, keepalive=1)
    silent_since = time.monotonic()
    raw.read_until_closed(timeout=5.0)
    elapsed = time.monotonic() - silent_since
    # [MQTT-3.1.2-24]: disconnect when nothing arrived for 1.5 x keep-alive; allow 0.3 s slack.
    assert 1.4 <= elapsed <= 1.8, f"closed after {elapsed:.2f} s, expected ~1.5 s"

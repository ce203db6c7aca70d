"""Persistent sessions keep subscriptions and queue QoS 1 messages while the client is offline."""

import pytest

from mqtt_clients import CLIENT_KINDS, split_kind

SESSION_EXPIRY_S = 300


def open_persistent_session(clients, kind, client_id, topic):
    """Creates a session with one QoS 1 subscription, then disconnects cleanly."""
    tool, version = split_kind(kind)
    if tool == "mosquitto":
        sub = clients.mosquitto_subscriber(
            version,
            [topic],
            qos=1,
            client_id=client_id,
            persistent=True,
            session_expiry=SESSION_EXPIRY_S,
            exit_after_subscribe=True,
        )
        assert sub.wait_subscribed() == [1]
        assert sub.wait_exit() == 0
    else:
        client = clients.paho(version, client_id=client_id, clean=False)
        connack = client.connect(session_expiry=SESSION_EXPIRY_S)
        assert client.subscribe(topic, 1) == [1]
        client.disconnect()
        return connack


@pytest.mark.parametrize("kind", CLIENT_KINDS)
def test_offline_persistent_session_receives_queued_qos1_messages(clients, topic, kind):
    client_id = f"persistent-{kind}"
    open_persistent_session(clients, kind, client_id, topic)

    payloads = [f"while-offline-{i}".encode() for i in range(5)]
    clients.publish(kind, topic, payloads, qos=1)

    tool, version = split_kind(kind)
    if tool == "mosquitto":
        back = clients.subscriber(
            kind, topic, qos=1, client_id=client_id, persistent=True, session_expiry=SESSION_EXPIRY_S
        )
    else:
        back = clients.paho(version, client_id=client_id, clean=False)
        connack = back.connect(session_expiry=SESSION_EXPIRY_S)
        assert connack.session_present, "session not kept for a persistent client"
        # No new SUBSCRIBE: the stored subscription must deliver.
    received = back.wait_for_messages(len(payloads))
    assert [m.payload for m in received] == payloads
    assert all(m.qos == 1 for m in received)

    # The stored subscription keeps working live too.
    clients.publish("paho-v311", topic, [b"live"], qos=1)
    assert back.wait_for_messages(len(payloads) + 1)[-1].payload == b"live"


@pytest.mark.parametrize("version", [311, 5])
def test_clean_session_discards_stored_session(clients, topic, version):
    kind = f"paho-v{version}"
    client_id = f"discarded-{version}"
    open_persistent_session(clients, kind, client_id, topic)
    clients.publish("paho-v311", topic, [b"queued"], qos=1)

    fresh = clients.paho(version, client_id=client_id, clean=True)
    connack = fresh.connect()
    assert not connack.session_present
    assert fresh.subscribe(topic, 1) == [1]
    clients.publish("paho-v311", topic, [b"sentinel"], qos=1)
    [message] = fresh.wait_for_messages(1)
    assert message.payload == b"sentinel"
    fresh.inbox.expect_no_more(1, quiet=0.2)


def test_v5_session_with_zero_expiry_ends_at_disconnect(clients, topic):
    first = clients.paho(5, client_id="short-lived", clean=False)
    first.connect(session_expiry=0)
    assert first.subscribe(topic, 1) == [1]
    first.disconnect()
    clients.publish("paho-v311", topic, [b"queued"], qos=1)

    second = clients.paho(5, client_id="short-lived", clean=False)
    connack = second.connect(session_expiry=0)
    assert not connack.session_present
    assert second.subscribe(topic, 1) == [1]
    clients.publish("paho-v311", topic, [b"sentinel"], qos=1)
    [message] = second.wait_for_messages(1)
    assert message.payload == b"sentinel"
    second.inbox.expect_no_more(1, quiet=0.2)

"""MQTT 5 features seen through paho's v5 client."""

import time

import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.subscribeoptions import SubscribeOptions

from mqtt_clients import v5_properties
from raw_mqtt import disconnect_reason, publish_packet, topic_alias_property


def publish_props(**values):
    return v5_properties(PacketTypes.PUBLISH, **values)


def test_user_properties_response_topic_and_correlation_data_pass_through(clients, topic):
    responder = clients.subscriber("paho-v5", f"{topic}/request", qos=1)
    requester = clients.subscriber("paho-v5", f"{topic}/reply/+", qos=1)
    correlation = b"\x00\x01corr\xff"
    user_properties = [("trace", "abc"), ("trace", "def"), ("empty", ""), ("ключ", "значение")]

    requester.publish(
        f"{topic}/request",
        b"question",
        qos=1,
        properties=publish_props(
            UserProperty=user_properties,
            ResponseTopic=f"{topic}/reply/42",
            CorrelationData=correlation,
            ContentType="text/plain; charset=utf-8",
            PayloadFormatIndicator=1,
        ),
    )
    [request] = responder.wait_for_messages(1)
    props = request.properties
    assert props.UserProperty == user_properties  # order and duplicates kept
    assert props.ResponseTopic == f"{topic}/reply/42"
    assert props.CorrelationData == correlation
    assert props.ContentType == "text/plain; charset=utf-8"
    assert props.PayloadFormatIndicator == 1

    # The responder answers as the request asked.
    responder.publish(props.ResponseTopic, b"answer", qos=1,
                      properties=publish_props(CorrelationData=props.CorrelationData))
    [reply] = requester.wait_for_messages(1)
    assert (reply.topic, reply.payload) == (f"{topic}/reply/42", b"answer")
    assert reply.properties.CorrelationData == correlation


def test_user_properties_reach_a_v311_subscriber_as_plain_message(clients, topic):
    sub = clients.subscriber("paho-v311", topic, qos=1)
    pub = clients.paho(5)
    pub.connect()
    pub.publish(topic, b"with properties", qos=1, properties=publish_props(UserProperty=[("a", "b")]))
    [message] = sub.wait_for_messages(1)
    assert message.payload == b"with properties"


@pytest.mark.parametrize("no_local", [True, False])
def test_no_local_suppresses_own_messages(clients, topic, no_local):
    me = clients.paho(5)
    me.connect()
    assert me.subscribe(topic, options=SubscribeOptions(qos=1, noLocal=no_local)) == [1]
    me.publish(topic, b"own", qos=1)
    clients.publish("paho-v5", topic, [b"other"], qos=1)
    expected = [b"other"] if no_local else [b"own", b"other"]
    received = me.wait_for_messages(len(expected))
    assert [m.payload for m in received] == expected
    me.inbox.expect_no_more(len(expected), quiet=0.1)


def test_subscription_identifiers_are_delivered(clients, topic):
    sub = clients.paho(5)
    sub.connect()
    sid = lambda n: v5_properties(PacketTypes.SUBSCRIBE, SubscriptionIdentifier=n)  # noqa: E731
    assert sub.subscribe(f"{topic}/a", 1, properties=sid(7)) == [1]
    assert sub.subscribe(f"{topic}/b/+", 1, properties=sid(300000)) == [1]  # multi-byte varint
    assert sub.subscribe(f"{topic}/c", 1) == [1]  # none

    for name in ["a", "b/x", "c"]:
        clients.publish("paho-v311", f"{topic}/{name}", [name.encode()], qos=1)
    received = sub.wait_for_messages(3)
    by_payload = {m.payload: m.properties for m in received}
    assert by_payload[b"a"].SubscriptionIdentifier == [7]
    assert by_payload[b"b/x"].SubscriptionIdentifier == [300000]
    assert not hasattr(by_payload[b"c"], "SubscriptionIdentifier")


def test_expired_message_is_not_delivered_to_reconnecting_session(clients, topic):
    first = clients.paho(5, client_id="expiry-session", clean=False)
    first.connect(session_expiry=300)
    assert first.subscribe(topic, 1) == [1]
    first.disconnect()

    pub = clients.paho(5)
    pub.connect()
    pub.publish(topic, b"short-lived", qos=1, properties=publish_props(MessageExpiryInterval=1))
    pub.publish(topic, b"long-lived", qos=1, properties=publish_props(MessageExpiryInterval=60))
    pub.publish(topic, b"immortal", qos=1)
    published_at = time.monotonic()
    time.sleep(2.2)  # past the 1 s expiry (must really wait: the broker's clock decides)

    back = clients.paho(5, client_id="expiry-session", clean=False)
    assert back.connect(session_expiry=300).session_present
    received = back.wait_for_messages(2)
    assert [m.payload for m in received] == [b"long-lived", b"immortal"]
    back.inbox.expect_no_more(2, quiet=0.2)
    # The forwarded expiry is what is left of it ([MQTT-3.3.2-6]).
    waited = time.monotonic() - published_at
    remaining = received[0].properties.MessageExpiryInterval
    assert 60 - waited - 1 <= remaining <= 60 - 2, remaining
    assert not hasattr(received[1].properties, "MessageExpiryInterval")


@pytest.mark.parametrize("sub_kind", ["paho-v311", "paho-v5", "mosquitto-v5"])
def test_topic_alias_from_client_is_resolved(clients, topic, sub_kind):
    sub = clients.subscriber(sub_kind, f"{topic}/#", qos=1)
    pub = clients.paho(5)
    connack = pub.connect()
    maximum = getattr(connack.properties, "TopicAliasMaximum", 0)
    assert maximum >= 2, f"broker announces Topic Alias Maximum {maximum}"

    pub.publish(f"{topic}/one", b"1: set alias 1", qos=1, properties=publish_props(TopicAlias=1))
    pub.publish("", b"2: use alias 1", qos=1, properties=publish_props(TopicAlias=1))
    pub.publish(f"{topic}/two", b"3: set alias 2", qos=0, properties=publish_props(TopicAlias=2))
    pub.publish(f"{topic}/three", b"4: remap alias 1", qos=2, properties=publish_props(TopicAlias=1))
    pub.publish("", b"5: use alias 2", qos=1, properties=publish_props(TopicAlias=2))
    pub.publish("", b"6: use alias 1", qos=1, properties=publish_props(TopicAlias=1))

    received = sub.wait_for_messages(6)
    assert [(m.topic, m.payload[:1]) for m in received] == [
        (f"{topic}/one", b"1"),
        (f"{topic}/one", b"2"),
        (f"{topic}/two", b"3"),
        (f"{topic}/three", b"4"),
        (f"{topic}/two", b"5"),
        (f"{topic}/three", b"6"),
    ]


def test_topic_alias_above_maximum_is_a_protocol_error(raw_connection, topic):
    raw = raw_connection()
    raw.connect("bad-alias")
    raw.send(publish_packet(f"{topic}/x", b"bad alias", topic_alias_property(1000)))
    assert disconnect_reason(raw.read_until_closed()) == 0x94  # Topic Alias invalid


def test_unknown_topic_alias_is_a_protocol_error(raw_connection, topic):
    raw = raw_connection()
    raw.connect("unknown-alias")
    raw.send(publish_packet("", b"alias never set", topic_alias_property(1)))
    assert disconnect_reason(raw.read_until_closed()) in (0x82, 0x94)


@pytest.mark.parametrize("version", [311, 5])
def test_session_takeover_disconnects_the_first_connection(clients, topic, version):
    first = clients.paho(version, client_id="same-id")
    first.connect()
    assert first.subscribe(topic, 1) == [1]

    second = clients.paho(version, client_id="same-id")
    second.connect()

    first.wait_disconnected()
    assert second.subscribe(topic, 1) == [1]
    clients.publish("paho-v311", topic, [b"to the new connection"], qos=1)
    [message] = second.wait_for_messages(1)
    assert message.payload == b"to the new connection"
    assert first.inbox.snapshot() == []
    assert not second.disconnected.is_set()


# [MQTT-3.1.4-3]: the server sends DISCONNECT 0x8E to the old connection, then closes it;
# mosquitto 2.0.11 only closes it.
@pytest.mark.trustmq_only
def test_v5_session_takeover_sends_disconnect_session_taken_over(raw_connection):
    first = raw_connection()
    first.connect("taken")
    second = raw_connection()
    second.connect("taken")
    assert disconnect_reason(first.read_until_closed()) == 0x8E


def test_session_takeover_keeps_persistent_session(clients, topic):
    first = clients.paho(5, client_id="taken-over", clean=False)
    first.connect(session_expiry=300)
    assert first.subscribe(topic, 1) == [1]
    second = clients.paho(5, client_id="taken-over", clean=False)
    assert second.connect(session_expiry=300).session_present
    first.wait_disconnected()
    clients.publish("paho-v311", topic, [b"still subscribed"], qos=1)
    assert second.wait_for_messages(1)[0].payload == b"still subscribed"


def test_connack_reports_server_limits(broker_factory, client_factory):
    clients = client_factory(broker_factory(max_inflight_messages=7, message_size_limit=1000))
    client = clients.paho(5)
    props = client.connect().properties
    assert props.ReceiveMaximum == 7
    assert props.MaximumPacketSize >= 1000 if hasattr(props, "MaximumPacketSize") else True


def test_message_size_limit_drops_oversized_publish(broker_factory, client_factory, topic):
    clients = client_factory(broker_factory(message_size_limit=100))
    sub = clients.subscriber("paho-v5", topic, qos=1)
    clients.publish("paho-v311", topic, [b"x" * 101], qos=1, check=False)
    clients.publish("paho-v311", topic, [b"y" * 100], qos=1)
    [message] = sub.wait_for_messages(1)
    assert message.payload == b"y" * 100
    sub.inbox.expect_no_more(1, quiet=0.2)

"""password_file (made with the real mosquitto_passwd) and acl_file in mosquitto syntax."""

import pytest

from mqtt_clients import CLIENT_KINDS, mosquitto_publish, split_kind

USERS = {"alice": "alice-secret", "bob": "bob-secret"}

ACL = """\
# alice: her own area, read-only news
user alice
topic readwrite acl/open/#
topic read acl/news/#

# bob may do anything under acl/
user bob
topic readwrite acl/#
"""

REFUSED_V3 = {4, 5}  # bad user name or password / not authorised
REFUSED_V5 = {0x86, 0x87}


@pytest.fixture
def secured(broker_factory, client_factory):
    broker = broker_factory(allow_anonymous=False, users=USERS, acl=ACL)
    return client_factory(broker)


def bob_watching(clients, topics):
    return clients.subscriber("paho-v5", topics, qos=1, username="bob", password=USERS["bob"])


# ---- authentication --------------------------------------------------------------------------


def try_connect(clients, kind, username, password):
    """Returns True if the broker accepted the connection, False if it refused it."""
    tool, version = split_kind(kind)
    if tool == "mosquitto":
        result = mosquitto_publish(
            clients.broker, version, "acl/open/auth-probe", [b""], qos=1,
            username=username, password=password, check=False,
        )
        if result.returncode != 0:  # refused by the broker, not failed for another reason
            reasons = (b"refused", b"not author", b"bad user name or password")
            assert any(r in result.stderr.lower() for r in reasons), result
        return result.returncode == 0
    client = clients.paho(version, username=username, password=password)
    connack = client.connect(expect_success=False)
    if connack.rc == 0:
        client.disconnect()
        return True
    assert connack.rc in (REFUSED_V5 if version == 5 else REFUSED_V3), f"code {connack.rc:#x}"
    client.wait_disconnected()
    return False


@pytest.mark.parametrize("kind", CLIENT_KINDS)
@pytest.mark.parametrize(
    "username,password",
    [("alice", "wrong-secret"), ("alice", ""), ("mallory", "alice-secret"), ("alice", "bob-secret")],
)
def test_wrong_credentials_are_refused(secured, kind, username, password):
    assert not try_connect(secured, kind, username, password)


@pytest.mark.parametrize("kind", CLIENT_KINDS)
def test_right_password_is_accepted(secured, kind):
    assert try_connect(secured, kind, "alice", USERS["alice"])
    assert try_connect(secured, kind, "bob", USERS["bob"])


@pytest.mark.parametrize("kind", CLIENT_KINDS)
def test_anonymous_refused_when_not_allowed(secured, kind):
    assert not try_connect(secured, kind, None, None)


@pytest.mark.parametrize("kind", CLIENT_KINDS)
def test_refused_client_cannot_publish(secured, kind):
    watcher = bob_watching(secured, "acl/#")
    tool, version = split_kind(kind)
    if tool == "mosquitto":
        mosquitto_publish(
            secured.broker, version, "acl/open/x", [b"intruder"], qos=1,
            username="alice", password="wrong", check=False, workdir=secured.workdir,
        )
    else:
        intruder = secured.paho(version, username="alice", password="wrong")
        intruder.connect(expect_success=False)
        intruder.client.publish("acl/open/x", b"intruder", qos=0)
    secured.publish("paho-v311", "acl/open/x", [b"sentinel"], qos=1,
                    username="alice", password=USERS["alice"])
    [message] = watcher.wait_for_messages(1)
    assert message.payload == b"sentinel"
    watcher.inbox.expect_no_more(1, quiet=0.2)


# ---- authorisation (ACL) ---------------------------------------------------------------------


@pytest.mark.parametrize("qos", [0, 1, 2])
@pytest.mark.parametrize("kind", CLIENT_KINDS)
def test_acl_denies_unauthorised_publish(secured, kind, qos):
    watcher = bob_watching(secured, "acl/#")

    # alice may only read acl/news, and has no rule at all for acl/private.
    for forbidden in ["acl/news/today", "acl/private/x"]:
        secured.publish(kind, forbidden, [b"forbidden"], qos=qos,
                        username="alice", password=USERS["alice"], check=False)
    secured.publish(kind, "acl/open/x", [b"allowed"], qos=qos,
                    username="alice", password=USERS["alice"])

    [message] = watcher.wait_for_messages(1)
    assert (message.topic, message.payload) == ("acl/open/x", b"allowed")
    watcher.inbox.expect_no_more(1, quiet=0.2)


ALICE_FILTERS = ["acl/private/x", "acl/news/today", "acl/open/x"]  # denied, read, readwrite


@pytest.mark.parametrize("kind", CLIENT_KINDS)
def test_acl_denied_subscription_delivers_nothing(secured, kind):
    alice = secured.subscriber(kind, ALICE_FILTERS, qos=1, username="alice",
                               password=USERS["alice"], expect_granted=False)

    for topic in ALICE_FILTERS:
        secured.publish("paho-v5", topic, [topic.encode()], qos=1,
                        username="bob", password=USERS["bob"])

    received = alice.wait_for_messages(2)
    assert [m.payload for m in received] == [b"acl/news/today", b"acl/open/x"]
    alice.inbox.expect_no_more(2, quiet=0.2)


# mosquitto 2.0.11's acl_file grants every SUBSCRIBE and filters at delivery time; trustmq
# refuses the subscription up front, as MQTT allows and as clients can then see.
@pytest.mark.trustmq_only
@pytest.mark.parametrize("kind", CLIENT_KINDS)
def test_acl_denied_subscription_gets_failure_suback(secured, kind):
    _, version = split_kind(kind)
    denied = 0x87 if version == 5 else 0x80
    alice = secured.subscriber(kind, ALICE_FILTERS, qos=1, username="alice",
                               password=USERS["alice"], expect_granted=False)
    assert alice.granted_codes == [denied, 1, 1]


def test_acl_read_does_not_grant_write_and_write_does_not_grant_read(broker_factory, client_factory):
    acl = "user alice\ntopic write acl/drop/#\ntopic read acl/news/#\nuser bob\ntopic readwrite acl/#\n"
    clients = client_factory(broker_factory(allow_anonymous=False, users=USERS, acl=acl))
    alice = clients.subscriber("paho-v5", ["acl/drop/x", "acl/news/x"], qos=1,
                               username="alice", password=USERS["alice"], expect_granted=False)
    watcher = bob_watching(clients, "acl/#")

    alice.publish("acl/news/x", b"alice writes news", qos=1)  # read-only for her: dropped
    alice.publish("acl/drop/x", b"alice writes drop", qos=1)  # write-only for her: passes
    [message] = watcher.wait_for_messages(1)
    assert (message.topic, message.payload) == ("acl/drop/x", b"alice writes drop")

    clients.publish("paho-v311", "acl/drop/x", [b"bob writes drop"], qos=1,
                    username="bob", password=USERS["bob"])  # alice may not read it
    clients.publish("paho-v311", "acl/news/x", [b"bob writes news"], qos=1,
                    username="bob", password=USERS["bob"])  # alice may read it
    [message] = alice.wait_for_messages(1)
    assert message.payload == b"bob writes news"
    alice.inbox.expect_no_more(1, quiet=0.2)
    assert [m.payload for m in watcher.inbox.snapshot()] == [
        b"alice writes drop", b"bob writes drop", b"bob writes news"
    ]


def test_acl_pattern_substitutes_username(broker_factory, client_factory):
    acl = "pattern readwrite home/%u/#\nuser bob\ntopic read home/#\n"
    clients = client_factory(broker_factory(allow_anonymous=False, users=USERS, acl=acl))
    watcher = bob_watching(clients, "home/#")
    clients.publish("paho-v311", "home/bob/x", [b"bob at home"], qos=1,
                    username="bob", password=USERS["bob"])
    clients.publish("paho-v311", "home/bob/y", [b"alice into bob"], qos=1,
                    username="alice", password=USERS["alice"], check=False)
    clients.publish("paho-v311", "home/alice/z", [b"alice home"], qos=1,
                    username="alice", password=USERS["alice"])
    received = watcher.wait_for_messages(2)
    assert [(m.topic) for m in received] == ["home/bob/x", "home/alice/z"]
    watcher.inbox.expect_no_more(2, quiet=0.2)

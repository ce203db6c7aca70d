"""Shared subscriptions ($share/group/filter) spread messages over the group's members."""

import time

import pytest

from mqtt_clients import CLIENT_KINDS

MESSAGES = 30


def wait_for_total(subscribers, total, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(len(s.inbox.snapshot()) for s in subscribers) >= total:
            return
        time.sleep(0.02)
    counts = [len(s.inbox.snapshot()) for s in subscribers]
    raise AssertionError(f"members received {counts} messages in {timeout} s, expected {total} in all")


@pytest.mark.parametrize("members", [2, 3])
@pytest.mark.parametrize("kind", CLIENT_KINDS)
def test_shared_subscription_spreads_messages_over_members(clients, topic, kind, members):
    group = [clients.subscriber(kind, f"$share/group1/{topic}", qos=1) for _ in range(members)]
    ordinary = clients.subscriber(kind, topic, qos=1)
    payloads = [f"job-{i:03d}".encode() for i in range(MESSAGES)]

    clients.publish("paho-v5", topic, payloads, qos=1)

    wait_for_total(group, MESSAGES)
    time.sleep(0.2)  # would-be duplicates have time to show up
    per_member = [[m.payload for m in s.inbox.snapshot()] for s in group]
    assert all(per_member), f"a member got nothing: {[len(p) for p in per_member]}"
    every = [p for member in per_member for p in member]
    assert sorted(every) == payloads, "together the members must get each message exactly once"
    for member in per_member:
        assert member == sorted(member), "each member sees its share in publish order"
    # A non-shared subscription to the same topic still gets everything.
    assert [m.payload for m in ordinary.wait_for_messages(MESSAGES)] == payloads
    for message in (m for s in group for m in s.inbox.snapshot()):
        assert message.topic == topic


def test_two_share_groups_each_get_every_message(clients, topic):
    group_a = [clients.subscriber("paho-v5", f"$share/a/{topic}", qos=1) for _ in range(2)]
    group_b = [clients.subscriber("paho-v311", f"$share/b/{topic}", qos=1) for _ in range(2)]
    payloads = [f"m{i:02d}".encode() for i in range(10)]
    clients.publish("paho-v311", topic, payloads, qos=1)
    for group in (group_a, group_b):
        wait_for_total(group, len(payloads))
    time.sleep(0.2)
    for group in (group_a, group_b):
        assert sorted(m.payload for s in group for m in s.inbox.snapshot()) == payloads

"""Persistence under kill -9 (docs/persistence.md): a persistent paho publisher sends QoS 1
and QoS 2 messages to an offline persistent session while the broker is killed at random
moments and restarted on the same store. Every message the publisher saw acknowledged
(PUBACK/PUBCOMP) is delivered after the last restart, QoS 2 exactly once; the retained
message and the subscription survive.

TRUSTMQ_CRASH_ITERATIONS (default 20) sets the number of kills; `make soak` runs more.
TRUSTMQ_CRASH_SEED replays one run (the seed is printed on failure).
"""

from __future__ import annotations

import collections
import os
import random
import threading
import time

import paho.mqtt.client as mqtt
import pytest

ITERATIONS = int(os.environ.get("TRUSTMQ_CRASH_ITERATIONS", "20"))
SEED = int(os.environ.get("TRUSTMQ_CRASH_SEED", str(random.randrange(1 << 30))))
TOPIC = "crash/data"
RETAINED_TOPIC = "crash/retained"
WAIT_S = 30.0


class Publisher:
    """One paho client kept across broker restarts (clean_session false): it reconnects by
    itself and resends what was not acknowledged, as an application would."""

    def __init__(self, port: int):
        self.lock = threading.Lock()
        self.connected = threading.Event()
        self.acked: set[int] = set()
        self.by_mid: dict[int, tuple[bytes, int]] = {}
        self.client = mqtt.Client(client_id="crash-publisher", clean_session=False)
        self.client.reconnect_delay_set(min_delay=0.05, max_delay=0.2)
        self.client.on_connect = lambda c, u, f, rc: rc == 0 and self.connected.set()
        self.client.on_disconnect = lambda c, u, rc: self.connected.clear()
        self.client.on_publish = self._on_publish
        self.client.connect("127.0.0.1", port, keepalive=30)
        self.client.loop_start()

    def _on_publish(self, client, userdata, mid):
        with self.lock:
            self.acked.add(mid)

    def publish(self, payload: bytes, qos: int, retain: bool = False, topic: str = TOPIC) -> None:
        with self.lock:  # on_publish may run before publish() returns
            info = self.client.publish(topic, payload, qos=qos, retain=retain)
            self.by_mid[info.mid] = (payload, qos)

    def all_acked(self) -> bool:
        with self.lock:
            return self.acked >= set(self.by_mid)

    def acknowledged(self) -> list[tuple[bytes, int]]:
        with self.lock:
            return [self.by_mid[mid] for mid in self.acked if mid in self.by_mid]

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def drain_session(port: int, client_id: str, expected: int) -> list[mqtt.MQTTMessage]:
    """Reconnects the persistent session and collects messages until `expected` distinct
    payloads arrived and nothing more came for a second (duplicates would show then)."""
    got: list[mqtt.MQTTMessage] = []
    lock = threading.Lock()
    present: list[bool] = []
    client = mqtt.Client(client_id=client_id, clean_session=False)

    def on_message(c, u, message):
        with lock:
            got.append(message)

    client.on_message = on_message
    client.on_connect = lambda c, u, flags, rc: present.append(bool(flags.get("session present")))
    client.connect("127.0.0.1", port, keepalive=30)
    client.loop_start()
    try:
        deadline = time.monotonic() + WAIT_S
        last_count, quiet_since = -1, time.monotonic()
        while time.monotonic() < deadline:
            with lock:
                count = len(got)
                distinct = len({m.payload for m in got})
            if count != last_count:
                last_count, quiet_since = count, time.monotonic()
            elif distinct >= expected and time.monotonic() - quiet_since > 1.0:
                break
            time.sleep(0.05)
    finally:
        client.disconnect()
        client.loop_stop()
    assert present == [True], "the persistent session did not survive the restarts"
    return got


@pytest.mark.trustmq_only
def test_acknowledged_messages_survive_kill_9(broker_factory, tmp_path):
    rng = random.Random(SEED)
    store = tmp_path / "store"
    broker = broker_factory(
        max_queued_messages=0,  # unlimited: the offline session must keep every message
        # paho 1.6 resends every unacknowledged message at once after a reconnect, beyond its
        # own in-flight window: a Receive Maximum of 65535 lets them in.
        max_inflight_messages=0,
        extra_lines=["persistence true", f"persistence_location {store}"],
    )

    subscriber = mqtt.Client(client_id="crash-subscriber", clean_session=False)
    subscriber.connect("127.0.0.1", broker.port)
    subscriber.loop_start()
    granted = subscriber.subscribe(TOPIC, qos=2)
    time.sleep(0.2)
    subscriber.disconnect()
    subscriber.loop_stop()
    assert granted[0] == mqtt.MQTT_ERR_SUCCESS

    publisher = Publisher(broker.port)
    assert publisher.connected.wait(5), "publisher did not connect"
    publisher.publish(b"kept", 1, retain=True, topic=RETAINED_TOPIC)
    sent = 0
    for iteration in range(ITERATIONS):
        assert publisher.connected.wait(10), f"seed {SEED}: no reconnect in iteration {iteration}"
        kill_at = time.monotonic() + rng.uniform(0.01, 0.25)
        while time.monotonic() < kill_at:
            publisher.publish(f"{iteration}-{sent}".encode(), 1 + sent % 2)
            sent += 1
            time.sleep(rng.uniform(0, 0.002))
        broker.kill()
        broker.start(same_port=True)

    deadline = time.monotonic() + WAIT_S
    while not publisher.all_acked() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert publisher.all_acked(), f"seed {SEED}: the publisher's messages were not all acknowledged"
    publisher.stop()
    confirmed = [m for m in publisher.acknowledged() if m[0] != b"kept"]
    assert len(confirmed) == sent

    received = drain_session(broker.port, "crash-subscriber", len(confirmed))
    counts = collections.Counter(m.payload for m in received)
    missing = [p for p, _ in confirmed if counts[p] == 0]
    duplicated_qos2 = [p for p, qos in confirmed if qos == 2 and counts[p] > 1]
    unknown = set(counts) - {p for p, _ in confirmed}
    assert not missing, f"seed {SEED}: {len(missing)} acknowledged messages lost, e.g. {missing[:5]}"
    assert not duplicated_qos2, f"seed {SEED}: QoS 2 delivered twice: {duplicated_qos2[:5]}"
    assert not unknown, f"seed {SEED}: messages nobody published: {sorted(unknown)[:5]}"

    # The retained message survived every restart.
    fresh = mqtt.Client(client_id="crash-fresh", clean_session=True)
    retained: list[bytes] = []
    fresh.on_message = lambda c, u, m: retained.append(m.payload)
    fresh.connect("127.0.0.1", broker.port)
    fresh.loop_start()
    fresh.subscribe(RETAINED_TOPIC, qos=1)
    deadline = time.monotonic() + 5
    while not retained and time.monotonic() < deadline:
        time.sleep(0.02)
    fresh.disconnect()
    fresh.loop_stop()
    assert retained == [b"kept"]
    print(f"crash loop: seed {SEED}, {ITERATIONS} kills, {sent} messages, "
          f"{sum(counts.values()) - len(counts)} QoS 1 duplicates")


@pytest.mark.trustmq_only
def test_tampered_record_is_reported_and_the_rest_loads(broker_factory, tmp_path):
    import sqlite3

    store = tmp_path / "store"
    broker = broker_factory(extra_lines=["persistence true", f"persistence_location {store}"])
    client = mqtt.Client(client_id="tamper", clean_session=True)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    for topic in ("tamper/a", "tamper/b"):
        client.publish(topic, b"value-" + topic.encode(), qos=1, retain=True).wait_for_publish()
    client.disconnect()
    client.loop_stop()
    broker.kill()

    db = sqlite3.connect(store / "trustmq.db")
    key = b"\x02tamper/a"  # RecordKind::kRetained + topic (src/mqtt/persistence_record.h)
    (value,) = db.execute("SELECT value FROM records WHERE key = ?", (key,)).fetchone()
    altered = bytearray(value)
    altered[50] ^= 0x01
    db.execute("UPDATE records SET value = ? WHERE key = ?", (bytes(altered), key))
    db.commit()
    db.close()

    broker.start(same_port=True)
    log = broker.read_log()
    assert "record retained 'tamper/a' refused: authentication failed" in log
    got: list[tuple[str, bytes]] = []
    reader = mqtt.Client(client_id="tamper-reader", clean_session=True)
    reader.on_message = lambda c, u, m: got.append((m.topic, m.payload))
    reader.connect("127.0.0.1", broker.port)
    reader.loop_start()
    reader.subscribe("tamper/#", qos=1)
    deadline = time.monotonic() + 5
    while not got and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)
    reader.disconnect()
    reader.loop_stop()
    assert got == [("tamper/b", b"value-tamper/b")]

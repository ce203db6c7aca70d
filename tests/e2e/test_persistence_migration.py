"""Migration of a store to another module measurement (docs/persistence.md, "Migration to
another module"): broker A (the engine under test, measurement M1) keeps a retained message
and a durable session with queued QoS 1 messages; broker B runs another module (M2: the
wasm-interp engine on a copy of the core's .wasm with one custom section appended, so the same
code with another SHA-256). Without migration B refuses every record by name; after A stopped
with `persistence_migrate_to M2`, B loads every record and delivers them, and A itself no
longer opens the store.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from broker_process import BrokerKind, BrokerProcess, BrokerSettings

pytestmark = pytest.mark.trustmq_only

QUEUED = [f"queued {i}".encode() for i in range(5)]


def measurement_of(log: str) -> str:
    found = re.search(r"module measurement \(sha-256\) ([0-9a-f]{64})", log)
    assert found, log
    return found[1]


def restored(log: str) -> tuple[int, int]:
    """(restored, refused) of the last start in `log`."""
    found = re.findall(r"restored (\d+) record\(s\), refused (\d+)", log)
    assert found, log
    return int(found[-1][0]), int(found[-1][1])


# The records of fill(): the session, its 5 messages and the retained message (the broker's
# retained $SYS topics are stored too, so a store holds more).
OWN_RECORDS = ["session 'migration-subscriber'", "retained 'migration/retained'"] + [
    f"message {n} of 'migration-subscriber'" for n in range(1, 6)]


def core_module(broker_path: str) -> Path:
    """The core's .wasm next to this broker: in the build tree or installed."""
    binary = Path(broker_path).resolve()
    for candidate in (binary.parents[2] / "src" / "runtime" / "trustmq-core.wasm",
                      binary.parent.parent / "share" / "trustmq" / "trustmq-core.wasm"):
        if candidate.is_file():
            return candidate
    raise AssertionError(f"no trustmq-core.wasm found for {broker_path}")


def module_with_another_measurement(original: Path, target: Path) -> str:
    """Copies the module with a custom section (id 0) appended: valid, same code, other hash."""
    name = b"trustmq-test-migration"
    body = bytes([len(name)]) + name + b"another build"
    target.write_bytes(original.read_bytes() + bytes([0, len(body)]) + body)
    return hashlib.sha256(target.read_bytes()).hexdigest()


def fill(port: int) -> None:
    subscriber = mqtt.Client(client_id="migration-subscriber", clean_session=False)
    subscriber.connect("127.0.0.1", port)
    subscriber.loop_start()
    subscriber.subscribe("migration/queue", qos=1)[1]
    time.sleep(0.3)  # the SUBACK
    subscriber.disconnect()
    subscriber.loop_stop()
    publisher = mqtt.Client(client_id="migration-publisher", clean_session=True)
    publisher.connect("127.0.0.1", port)
    publisher.loop_start()
    publisher.publish("migration/retained", b"kept", qos=1, retain=True).wait_for_publish(5)
    for payload in QUEUED:
        publisher.publish("migration/queue", payload, qos=1).wait_for_publish(5)
    publisher.disconnect()
    publisher.loop_stop()


def receive(port: int) -> tuple[list[bytes], list[bytes]]:
    """The durable session's queued messages and the retained message, as a client sees them."""
    queued: list[bytes] = []
    retained: list[bytes] = []
    subscriber = mqtt.Client(client_id="migration-subscriber", clean_session=False)
    subscriber.on_message = lambda c, u, m: queued.append(m.payload)
    subscriber.connect("127.0.0.1", port)
    subscriber.loop_start()
    reader = mqtt.Client(client_id="migration-reader", clean_session=True)
    reader.on_message = lambda c, u, m: retained.append(m.payload)
    reader.connect("127.0.0.1", port)
    reader.loop_start()
    reader.subscribe("migration/retained", qos=1)
    deadline = time.monotonic() + 5
    while (len(queued) < len(QUEUED) or not retained) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)
    for client in (subscriber, reader):
        client.disconnect()
        client.loop_stop()
    return queued, retained


def test_a_store_migrated_at_the_clean_stop_loads_in_the_new_module_only(
        broker_factory, broker_kind, tmp_path):
    engines = subprocess.run([broker_kind.path, "--list-engines"], capture_output=True, text=True,
                             timeout=10, check=True).stdout.split()
    if "wasm-interp" not in engines:
        pytest.skip("this broker has no wasm-interp engine to run the second module with")
    store = tmp_path / "store"
    persistence = ["persistence true", f"persistence_location {store}"]
    old = broker_factory(extra_lines=persistence)
    old_measurement = measurement_of(old.read_log())
    fill(old.port)
    assert old.stop() == []

    new_module = tmp_path / "trustmq-core-next.wasm"
    new_measurement = module_with_another_measurement(core_module(broker_kind.path), new_module)
    assert new_measurement != old_measurement
    new_kind = BrokerKind(name="trustmq", path=broker_kind.path, engine="wasm-interp")

    new_brokers: list[BrokerProcess] = []  # stopped here; broker_factory stops `old`

    def new_broker(folder: Path, name: str) -> BrokerProcess:
        lines = ["persistence true", f"persistence_location {folder}", f"module {new_module}"]
        new_brokers.append(BrokerProcess(new_kind, BrokerSettings(extra_lines=lines),
                                         tmp_path / name, name))
        return new_brokers[-1].start()

    try:
        check_migration(old, persistence, old_measurement, new_measurement, new_broker,
                        store, tmp_path)
    finally:
        for broker in new_brokers:
            broker.stop()


def check_migration(old: BrokerProcess, persistence: list[str], old_measurement: str,
                    new_measurement: str, new_broker, store: Path, tmp_path: Path) -> None:

    # Without migration: the new module refuses every record, by name and measurement.
    unmigrated = tmp_path / "unmigrated"
    shutil.copytree(store, unmigrated)
    refusing = new_broker(unmigrated, "new-unmigrated")
    assert measurement_of(refusing.read_log()) == new_measurement
    log = refusing.read_log()
    for record in OWN_RECORDS:
        assert (f"record {record} refused: sealed by module measurement {old_measurement}, not "
                f"by this broker's {new_measurement}") in log, log
    stored, refused = restored(log)
    assert stored == 0 and refused >= len(OWN_RECORDS), log
    assert refusing.stop() == []

    # The old broker, asked to migrate, re-seals everything at its clean stop.
    old.settings.extra_lines = persistence + [f"persistence_migrate_to {new_measurement.upper()}"]
    old.start()
    assert f"will be re-sealed for module measurement {new_measurement}" in old.read_log()
    assert old.stop() == []
    log = old.read_log()
    assert restored(log) == (refused, 0), log
    assert (f"re-sealed {refused} record(s) for module measurement {new_measurement} "
            f"(persistence_migrate_to), left 0") in log, log

    # The new module loads all of it and delivers it.
    migrated = tmp_path / "migrated"
    shutil.copytree(store, migrated)
    loading = new_broker(migrated, "new-migrated")
    assert restored(loading.read_log()) == (refused, 0), loading.read_log()
    queued, retained = receive(loading.port)
    assert sorted(queued) == QUEUED
    assert retained == [b"kept"]
    assert loading.stop() == []

    # And the old module no longer opens the migrated store.
    old.settings.extra_lines = persistence
    old.start()
    log = old.read_log()
    assert (f"refused: sealed by module measurement {new_measurement}, not by this broker's "
            f"{old_measurement}") in log, log
    assert restored(log) == (0, refused), log  # broker_factory stops it and checks its exit



def test_migrate_to_without_persistence_is_a_warning(broker_factory):
    broker = broker_factory(extra_lines=[f"persistence_migrate_to {'ab' * 32}"])
    assert ("persistence_migrate_to has no effect without persistence true"
            in broker.read_log()), broker.read_log()

"""A store sealed with a TPM-sealed platform secret, and rollback detection with a TPM NV
counter (docs/persistence.md, "Sealing" and "Rollback"), on private software TPMs: each
`Swtpm` is Debian's swtpm started by the test on a FRESH state folder (its own random seeds:
another TPM), on unix sockets, and stopped by its PID. swtpm is a SOFTWARE TPM: these tests
prove the protocol, not hardware protection.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from broker_process import BrokerKind, BrokerProcess, BrokerSettings
from mqtt_clients import read_retained

pytestmark = pytest.mark.trustmq_only


class Swtpm:
    def __init__(self, folder: Path):
        folder.mkdir(parents=True)
        self.socket = folder / "sock"
        self.log = open(folder / "swtpm.log", "wb")
        self.process = subprocess.Popen(
            ["swtpm", "socket", "--tpm2", "--tpmstate", f"dir={folder}", "--flags",
             "not-need-init,startup-clear", "--server", f"type=unixio,path={self.socket}",
             "--ctrl", f"type=unixio,path={folder / 'sock.ctrl'}"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(str(self.socket))
                    return
            except OSError:
                time.sleep(0.01)
        self.stop()
        raise AssertionError("swtpm did not accept connections within 5 s")

    @property
    def tcti(self) -> str:
        return f"swtpm:path={self.socket}"

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.log.close()


@pytest.fixture
def swtpms(tmp_path):
    started: list[Swtpm] = []

    def start() -> Swtpm:
        tpm = Swtpm(tmp_path / f"swtpm{len(started)}")
        started.append(tpm)
        return tpm

    yield start
    for tpm in started:
        tpm.stop()


def tpm_lines(store: Path, tpm: Swtpm, *more: str) -> list[str]:
    return ["persistence true", f"persistence_location {store}", "persistence_sealing tpm",
            f"tpm_tcti {tpm.tcti}", *more]


def start_failing(broker_kind, tmp_path: Path, name: str, lines: list[str]) -> str:
    """Starts a broker that must refuse to start; returns its log."""
    broker = BrokerProcess(broker_kind, BrokerSettings(extra_lines=lines), tmp_path / name, name)
    with pytest.raises(AssertionError):
        broker.start()
    assert broker.exit_status not in (None, 0), broker.read_log()
    return broker.read_log()


def publish_retained(port: int, topic: str, payload: bytes) -> None:
    client = mqtt.Client(client_id="tpm-writer", clean_session=True)
    client.connect("127.0.0.1", port)
    client.loop_start()
    client.publish(topic, payload, qos=1, retain=True).wait_for_publish(5)
    client.disconnect()
    client.loop_stop()


def test_tpm_sealed_store_reopens_on_the_same_tpm_and_not_on_another(
        broker_factory, broker_kind, swtpms, tmp_path):
    tpm = swtpms()
    store = tmp_path / "store"
    broker = broker_factory(extra_lines=tpm_lines(store, tpm))
    log = broker.read_log()
    assert "TPM-sealed secret (swtpm: a software TPM" in log, log
    assert ("rollback to an older copy is detected (TPM NV counter, advanced at each start and "
            "clean stop and every 3600 s)") in log, log
    publish_retained(broker.port, "tpm/a", b"sealed")
    assert broker.stop() == []
    # The secret exists only in TPM-sealed form.
    assert (store / "platform_secret.tpm").exists()
    assert not (store / "platform_secret").exists()
    assert (store / "platform_secret.tpm").stat().st_mode & 0o077 == 0

    broker.start(same_port=True)
    assert read_retained(broker.port, "tpm/a") == [b"sealed"]
    assert broker.stop() == []

    # A copy of the state folder, with another TPM: refused at start, saying why.
    copy = tmp_path / "copy"
    shutil.copytree(store, copy)
    other = swtpms()
    log = start_failing(broker_kind, tmp_path, "other-tpm", tpm_lines(copy, other))
    assert "cannot unseal the platform secret" in log, log
    assert "does not load on this TPM (sealed by another TPM" in log, log
    assert other.tcti in log, log
    broker.start(same_port=True)  # the original still opens on its own TPM
    assert read_retained(broker.port, "tpm/a") == [b"sealed"]


def test_rollback_to_an_older_copy_is_refused_unless_accepted(
        broker_factory, broker_kind, swtpms, tmp_path):
    tpm = swtpms()
    store = tmp_path / "store"
    broker = broker_factory(extra_lines=tpm_lines(store, tpm))
    publish_retained(broker.port, "tpm/state", b"old")
    assert broker.stop() == []
    old = tmp_path / "old-copy"
    shutil.copytree(store, old)

    broker.start(same_port=True)
    publish_retained(broker.port, "tpm/state", b"new")
    assert broker.stop() == []

    # The host puts the old copy back.
    shutil.rmtree(store)
    shutil.copytree(old, store)
    log = start_failing(broker_kind, tmp_path, "rolled-back", tpm_lines(store, tpm))
    assert "this is an older copy of the store (rollback)" in log, log
    assert "Refusing to start" in log and "persistence_accept_rollback true" in log, log

    # A deliberate restore: accepted once, loudly; the store is stamped anew.
    broker.settings.extra_lines = tpm_lines(store, tpm, "persistence_accept_rollback true")
    broker.start(same_port=True)
    assert "accepted because persistence_accept_rollback is true" in broker.read_log()
    assert read_retained(broker.port, "tpm/state") == [b"old"]
    assert broker.stop() == []
    broker.settings.extra_lines = tpm_lines(store, tpm)
    broker.start(same_port=True)
    assert read_retained(broker.port, "tpm/state") == [b"old"]


def test_a_copy_taken_before_a_crash_restart_is_refused(broker_factory, broker_kind, swtpms,
                                                        tmp_path):
    tpm = swtpms()
    store = tmp_path / "store"
    broker = broker_factory(extra_lines=tpm_lines(store, tpm))
    publish_retained(broker.port, "tpm/state", b"old")
    broker.kill()  # no clean stop: the counter advanced only at the start
    old = tmp_path / "old-copy"
    shutil.copytree(store, old)
    broker.start(same_port=True)  # this start advances the counter past the copy's stamp
    broker.kill()
    shutil.rmtree(store)
    shutil.copytree(old, store)
    log = start_failing(broker_kind, tmp_path, "rolled-back", tpm_lines(store, tpm))
    assert "this is an older copy of the store (rollback)" in log, log
    broker.settings.extra_lines = tpm_lines(store, tpm, "persistence_accept_rollback true")
    broker.start(same_port=True)
    assert read_retained(broker.port, "tpm/state") == [b"old"]


def test_a_copy_taken_while_running_is_refused_after_a_periodic_advance_and_a_crash(
        broker_factory, broker_kind, swtpms, tmp_path):
    tpm = swtpms()
    store = tmp_path / "store"
    broker = broker_factory(extra_lines=tpm_lines(store, tpm, "persistence_rollback_interval 1"))
    publish_retained(broker.port, "tpm/state", b"old")

    def advances() -> int:
        return broker.read_log().count("rollback counter advanced to")

    def wait_for_advances(count: int) -> None:
        deadline = time.monotonic() + 10
        while advances() < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert advances() >= count, broker.read_log()

    # Copied just after a periodic advance (the next is ~1 s away, the broker is idle): a
    # consistent copy of a running store. Then one more advance after the copy.
    wait_for_advances(advances() + 1)
    old = tmp_path / "old-copy"
    shutil.copytree(store, old)
    wait_for_advances(advances() + 1)
    broker.kill()  # no clean stop: only the periodic advance dates the copy
    shutil.rmtree(store)
    shutil.copytree(old, store)
    log = start_failing(broker_kind, tmp_path, "rolled-back", tpm_lines(store, tpm))
    assert "this is an older copy of the store (rollback)" in log, log
    broker.settings.extra_lines = tpm_lines(store, tpm, "persistence_accept_rollback true")
    broker.start(same_port=True)


def test_a_store_emptied_of_its_stamp_is_refused(broker_factory, broker_kind, swtpms, tmp_path):
    import sqlite3

    tpm = swtpms()
    store = tmp_path / "store"
    broker = broker_factory(extra_lines=tpm_lines(store, tpm))
    publish_retained(broker.port, "tpm/state", b"x")
    assert broker.stop() == []
    db = sqlite3.connect(store / "trustmq.db")
    db.execute("DELETE FROM rollback")
    db.commit()
    db.close()
    log = start_failing(broker_kind, tmp_path, "no-stamp", tpm_lines(store, tpm))
    assert "has records but no rollback counter stamp" in log, log
    broker.settings.extra_lines = tpm_lines(store, tpm, "persistence_accept_rollback true")
    broker.start(same_port=True)
    assert "accepted because persistence_accept_rollback is true" in broker.read_log()


def test_unreachable_tpm_is_a_startup_error_naming_the_tcti(broker_kind, tmp_path):
    tcti = f"swtpm:path={tmp_path / 'no-such-socket'}"
    log = start_failing(broker_kind, tmp_path, "no-tpm",
                        ["persistence true", f"persistence_location {tmp_path / 'store'}",
                         "persistence_sealing tpm", f"tpm_tcti {tcti}"])
    assert f"TPM at TCTI '{tcti}'" in log, log


def test_without_tpm_the_file_secret_is_kept_and_says_rollback_is_not_detected(
        broker_factory, tmp_path):
    store = tmp_path / "store"
    broker = broker_factory(extra_lines=["persistence true", f"persistence_location {store}"])
    log = broker.read_log()
    assert f"sealed with the file secret {store}/platform_secret" in log, log
    assert "rollback to an older copy is NOT detected" in log, log
    assert (store / "platform_secret").exists()
    assert not (store / "platform_secret.tpm").exists()


def test_a_file_sealed_store_is_not_silently_resealed_with_the_tpm(
        broker_factory, broker_kind, swtpms, tmp_path):
    store = tmp_path / "store"
    broker = broker_factory(extra_lines=["persistence true", f"persistence_location {store}"])
    assert broker.stop() == []
    tpm = swtpms()
    log = start_failing(broker_kind, tmp_path, "switch", tpm_lines(store, tpm))
    assert "this store is sealed with a file secret, not a TPM-sealed one" in log, log
    broker.start(same_port=True)  # still opens with its file secret


def test_a_migrated_tpm_store_loads_in_the_new_module_and_an_older_copy_stays_refused(
        broker_kind, swtpms, tmp_path):
    """persistence_migrate_to with TPM sealing (docs/persistence.md, "Migration to another
    module"): the stamp follows the records, and the copy taken before the migration is refused
    by the new module (sealed for the old one) and by the old one (older than the counter)."""
    from test_persistence_migration import core_module, module_with_another_measurement

    engines = subprocess.run([broker_kind.path, "--list-engines"], capture_output=True, text=True,
                             timeout=10, check=True).stdout.split()
    if "wasm-interp" not in engines:
        pytest.skip("this broker has no wasm-interp engine to run the second module with")
    store = tmp_path / "store"
    tpm = swtpms()
    new_module = tmp_path / "trustmq-core-next.wasm"
    new_measurement = module_with_another_measurement(core_module(broker_kind.path), new_module)
    new_kind = BrokerKind(name="trustmq", path=broker_kind.path, engine="wasm-interp")
    new_lines = tpm_lines(store, tpm, f"module {new_module}")
    old = BrokerProcess(broker_kind, BrokerSettings(extra_lines=tpm_lines(store, tpm)),
                        tmp_path / "old", "old")
    new = BrokerProcess(new_kind, BrokerSettings(extra_lines=new_lines), tmp_path / "new", "new")
    try:
        old.start()
        publish_retained(old.port, "tpm/migrated", b"sealed by the old module")
        assert old.stop() == []
        before = tmp_path / "before-migration"
        shutil.copytree(store, before)
        old.settings.extra_lines = tpm_lines(store, tpm, f"persistence_migrate_to {new_measurement}")
        old.start()
        assert old.stop() == []
        assert f"record(s) for module measurement {new_measurement}" in old.read_log()
        new.start()
        assert read_retained(new.port, "tpm/migrated") == [b"sealed by the old module"]
        assert "rollback counter stamp is refused" not in new.read_log()
        assert new.stop() == []

        shutil.rmtree(store)
        shutil.copytree(before, store)
        with pytest.raises(AssertionError):
            new.start()
        assert "the rollback counter stamp is refused: sealed by module measurement" in \
            new.read_log(), new.read_log()
        old.settings.extra_lines = tpm_lines(store, tpm)
        with pytest.raises(AssertionError):
            old.start()
        assert "Refusing to start" in old.read_log(), old.read_log()
    finally:
        old.stop()
        new.stop()

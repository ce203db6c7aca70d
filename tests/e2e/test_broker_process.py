"""The broker as a process: refuses bad start-up input, selects its engine."""

import subprocess

import pytest

from broker_process import BrokerSettings, BrokerProcess


@pytest.mark.trustmq_only
def test_unknown_engine_is_refused(broker_kind, tmp_path):
    # Write a valid config through the normal path, then start with a bogus engine by hand.
    probe = BrokerProcess(broker_kind, BrokerSettings(), tmp_path / "probe", label="probe")
    probe.workdir.mkdir()
    probe._write_config()
    result = subprocess.run(
        [broker_kind.path, "-c", str(probe.config_path), "--engine", "no-such-engine"],
        capture_output=True, timeout=10,
    )
    assert result.returncode != 0
    assert b"no-such-engine" in result.stderr + result.stdout


def test_unreadable_config_is_refused(broker_kind, tmp_path):
    kind = broker_kind
    result = subprocess.run(
        [kind.path, "-c", str(tmp_path / "missing.conf")] + (
            ["--engine", kind.engine] if kind.name == "trustmq" and kind.engine else []),
        capture_output=True, timeout=10,
    )
    assert result.returncode != 0


def test_broker_stops_cleanly_with_clients_connected(broker, clients, topic):
    sub = clients.subscriber("paho-v5", topic, qos=1)
    clients.subscriber("mosquitto-v311", topic, qos=2, client_id="kept", persistent=True)
    clients.publish("paho-v311", topic, [b"x"], qos=1)
    sub.wait_for_messages(1)
    # the broker fixture's teardown asserts exit status 0 after SIGTERM, with clients attached

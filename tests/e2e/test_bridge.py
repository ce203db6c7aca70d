"""Bridges (docs/bridges.md): trustmq → trustmq plain and attested, trustmq → mosquitto and
mosquitto → trustmq, out/in/both with prefixes, no loops with `both` (No Local in MQTT 5,
try_private in 3.1.1), the connection state on $SYS, a remote restart with QoS 1 messages held
meanwhile, the local broker killed (-9) while messages wait for the remote, a remote that dies
in the middle of a QoS 1/2 flow, bad bridge lines at start-up.
trustmq only (the bridge under test is trustmq's, or the remote is)."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest

from broker_process import BrokerKind, BrokerProcess, BrokerSettings
from mqtt_clients import ClientSet
from scripted_remote import ScriptedRemote
from tls_helpers import run, start_tls_broker, trustmq_cli

pytestmark = pytest.mark.trustmq_only

OTHER_MODULE = "ab" * 32
MOSQUITTO = "/usr/sbin/mosquitto"


def wait_log(broker: BrokerProcess, pattern: str, timeout: float = 8.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = re.search(pattern, broker.read_log())
        if match:
            return match.group(0)
        time.sleep(0.05)
    raise AssertionError(f"no log line matching {pattern!r} within {timeout} s:\n"
                         + broker.read_log())


def bridge_lines(name: str, port: int, topics: list[str], version: str = "mqttv50",
                 extra: list[str] | None = None) -> list[str]:
    return ([f"connection {name}", f"address 127.0.0.1:{port}", f"remote_clientid {name}",
             f"bridge_protocol_version {version}", "restart_timeout 1 2"]
            + [f"topic {t}" for t in topics] + (extra or []))


def connected(edge: BrokerProcess, name: str, count: int = 1) -> None:
    """Waits until the edge's bridge `name` has connected `count` times."""
    deadline = time.monotonic() + 8.0
    pattern = f"bridge {name}: connected to"
    while edge.read_log().count(pattern) < count:
        assert time.monotonic() < deadline, edge.read_log()
        time.sleep(0.05)


def state_topic(name: str) -> str:
    return f"$SYS/broker/connection/{name}/state"


@pytest.fixture
def cli(broker_kind):
    return trustmq_cli(broker_kind.path)


def test_out_in_and_both_with_prefixes_between_two_trustmq(broker_factory, tmp_path):
    remote = broker_factory()
    edge = broker_factory(extra_lines=bridge_lines("b1", remote.port, [
        "sensors/# out 1 edge/ site1/",
        "cmd/# in 1 local/ site1/",
        "chat/# both 1",
    ]))
    connected(edge, "b1")
    at_remote, at_edge = ClientSet(remote, tmp_path), ClientSet(edge, tmp_path)
    try:
        sensors = at_remote.subscriber("paho-v5", "#", qos=1)
        commands = at_edge.subscriber("paho-v5", "local/#", qos=1)
        chat_edge = at_edge.subscriber("paho-v5", "chat/#", qos=1)

        at_edge.publish("mosquitto-v311", "edge/sensors/t1", [b"21.5"], qos=1)
        got = sensors.wait_for_messages(1)
        assert (got[0].topic, got[0].payload) == ("site1/sensors/t1", b"21.5")

        at_remote.publish("mosquitto-v5", "site1/cmd/reboot", [b"now"], qos=1)
        got = commands.wait_for_messages(1)
        assert (got[0].topic, got[0].payload) == ("local/cmd/reboot", b"now")

        # `both`: one copy on each side, nothing comes back (No Local on both sides).
        at_edge.publish("mosquitto-v5", "chat/a", [b"from edge"], qos=1)
        at_remote.publish("mosquitto-v5", "chat/b", [b"from remote"], qos=1)
        chat_edge.inbox.wait_for(2)
        sensors.inbox.wait_for(4)  # site1/sensors/t1, site1/cmd/reboot, chat/a, chat/b
        time.sleep(1.0)
        edge_topics = sorted(m.topic for m in chat_edge.inbox.snapshot())
        remote_topics = sorted(m.topic for m in sensors.inbox.snapshot())
        assert edge_topics == ["chat/a", "chat/b"]
        assert remote_topics == ["chat/a", "chat/b", "site1/cmd/reboot", "site1/sensors/t1"]
        # Not matched by any topic line: stays local.
        at_edge.publish("mosquitto-v5", "private/x", [b"no"], qos=1)
        sensors.inbox.expect_no_more(4, quiet=0.5)
    finally:
        at_remote.close_all()
        at_edge.close_all()
    assert "bridge b1" in edge.read_log()


def test_state_is_announced_on_sys_and_qos1_messages_wait_for_a_restarted_remote(
        broker_factory, tmp_path):
    store = tmp_path / "remote-store"
    remote = broker_factory(extra_lines=["persistence true", f"persistence_location {store}"])
    edge = broker_factory(extra_lines=bridge_lines("b2", remote.port, ["q/# out 1"]))
    connected(edge, "b2")
    at_edge = ClientSet(edge, tmp_path)
    at_remote = ClientSet(remote, tmp_path)
    try:
        state = at_edge.subscriber("paho-v5", state_topic("b2"), qos=1)
        assert state.wait_for_messages(1)[-1].payload == b"1"
        # A persistent subscriber on the remote, offline while the remote is down.
        sub = at_remote.subscriber("mosquitto-v5", "q/#", qos=1, client_id="collector",
                                   persistent=True, session_expiry=600)
        sub.close()

        problems = remote.stop()
        assert problems == [], problems
        state.inbox.wait_for(2)
        assert state.inbox.snapshot()[-1].payload == b"0"
        wait_log(edge, r"bridge b2: connection to 127\.0\.0\.1:\d+ lost")

        at_edge.publish("mosquitto-v5", "q/held", [b"m%d" % i for i in range(5)], qos=1)
        remote.start(same_port=True)
        connected(edge, "b2", count=2)
        state.inbox.wait_for(3)
        assert state.inbox.snapshot()[-1].payload == b"1"

        again = at_remote.subscriber("mosquitto-v5", "q/#", qos=1, client_id="collector",
                                     persistent=True, session_expiry=600)
        got = again.wait_for_messages(5)
        assert [m.payload for m in got] == [b"m%d" % i for i in range(5)]
    finally:
        at_edge.close_all()
        at_remote.close_all()


def test_messages_for_a_down_remote_survive_a_kill_9_of_the_local_broker(
        broker_factory, tmp_path):
    # The bridge acknowledges to its own broker only what the remote acknowledged, and its
    # local session is durable: what waits for the remote is the local broker's, in its sealed
    # store (20 in flight to the bridge with max_inflight_messages 20, the rest queued in the
    # bridge's session), and comes again to the bridge after a crash of the local broker.
    remote = broker_factory(extra_lines=["persistence true",
                                         f"persistence_location {tmp_path / 'remote-store'}"])
    edge = broker_factory(extra_lines=[
        "persistence true", f"persistence_location {tmp_path / 'edge-store'}",
        *bridge_lines("kept", remote.port, ["q1/# out 1", "q2/# out 2"])])
    connected(edge, "kept")
    at_edge, at_remote = ClientSet(edge, tmp_path), ClientSet(remote, tmp_path)
    try:
        collector = at_remote.subscriber("mosquitto-v5", "#", qos=2, client_id="collector",
                                         persistent=True, session_expiry=600)
        collector.close()
        assert remote.stop() == []
        wait_log(edge, r"bridge kept: connection to 127\.0\.0\.1:\d+ lost")

        qos1 = [b"one-%d" % i for i in range(30)]
        qos2 = [b"two-%d" % i for i in range(5)]
        at_edge.publish("mosquitto-v5", "q1/m", qos1, qos=1)  # acknowledged by the edge
        at_edge.publish("mosquitto-v5", "q2/m", qos2, qos=2)
        time.sleep(0.2)  # the bridge has read what the edge lets it hold
        edge.kill()
        edge.start(same_port=True)
        wait_log(edge, r"bridge kept: resuming its durable local session")

        remote.start(same_port=True)
        connected(edge, "kept", count=2)
        again = at_remote.subscriber("mosquitto-v5", "#", qos=2, client_id="collector",
                                     persistent=True, session_expiry=600)
        got = again.wait_for_messages(len(qos1) + len(qos2))
        # Nothing was forwarded before the crash, so each arrives once, in order per topic.
        assert [m.payload for m in got if m.topic == "q1/m"] == qos1
        assert [m.payload for m in got if m.topic == "q2/m"] == qos2
        again.inbox.expect_no_more(len(qos1) + len(qos2), quiet=1.0)
    finally:
        at_edge.close_all()
        at_remote.close_all()


@pytest.mark.parametrize("qos, dies", [(1, "publish"), (2, "publish"), (2, "pubrel")])
def test_a_remote_dying_mid_flow_gets_the_message_again(broker_factory, tmp_path, qos, dies):
    # What the bridge guarantees (docs/bridges.md): a QoS 1/2 message whose flow with the
    # remote did not complete (no PUBACK, or no PUBCOMP) is sent again on the next connection,
    # as a new PUBLISH: at least once, for QoS 2 too. The local publisher's message stays
    # unacknowledged to the local broker until then.
    remote = ScriptedRemote(die_after=[dies])
    try:
        edge = broker_factory(extra_lines=bridge_lines("mid", remote.port, [f"m/# out {qos}"]))
        connected(edge, "mid")
        at_edge = ClientSet(edge, tmp_path)
        try:
            at_edge.publish("mosquitto-v5", "m/x", [b"flow"], qos=qos)
            got = remote.wait_received(2)
            assert [(n, topic, payload, q) for n, topic, payload, q, _ in got] == [
                (0, "m/x", b"flow", qos), (1, "m/x", b"flow", qos)]
            wait_log(edge, r"bridge mid: connection to 127\.0\.0\.1:\d+ lost")
            time.sleep(0.5)
            assert len(remote.snapshot()) == 2  # completed on the 2nd connection: no 3rd copy
        finally:
            at_edge.close_all()
    finally:
        remote.close()


def test_the_local_acl_applies_to_the_bridge_as_its_local_username(broker_factory, tmp_path):
    remote = broker_factory()
    acl = ("topic write a/#\n"  # anonymous clients (the publisher, the bridge without a user)
           "user edge-bridge\n"
           "topic read a/#\n"
           "topic write $SYS/broker/connection/#\n")
    edge = broker_factory(acl=acl, extra_lines=[
        *bridge_lines("named", remote.port, ["a/# out 1"], extra=["local_username edge-bridge"]),
        *bridge_lines("anonymous", remote.port, ["a/# out 1 \"\" anon/"]),
    ])
    connected(edge, "named")
    connected(edge, "anonymous")
    wait_log(edge, r"bridge anonymous: the local broker refused the subscription to 'a/#'")
    wait_log(edge, r"bridge anonymous: the local broker refused the notification")
    at_edge, at_remote = ClientSet(edge, tmp_path), ClientSet(remote, tmp_path)
    try:
        sub = at_remote.subscriber("paho-v5", "#", qos=1)
        at_edge.publish("mosquitto-v5", "a/x", [b"acl"], qos=1)
        got = sub.wait_for_messages(1)
        assert (got[0].topic, got[0].payload) == ("a/x", b"acl")
        sub.inbox.expect_no_more(1, quiet=0.5)  # nothing on anon/a/x
    finally:
        at_edge.close_all()
        at_remote.close_all()


def test_the_bridge_needs_no_password_on_its_broker_but_a_network_client_does(
        broker_factory, tmp_path):
    remote = broker_factory()
    edge = broker_factory(allow_anonymous=False, users={"alice": "secret"},
                          extra_lines=bridge_lines("internal", remote.port, ["a/# out 1"],
                                                   extra=["local_clientid bridge-local"]))
    connected(edge, "internal")
    wait_log(edge, r"New client connected from bridge internal as bridge-local")
    at_edge, at_remote = ClientSet(edge, tmp_path), ClientSet(remote, tmp_path)
    try:
        sub = at_remote.subscriber("paho-v5", "a/#", qos=1)
        at_edge.publish("mosquitto-v5", "a/x", [b"authenticated"], qos=1, username="alice",
                        password="secret")
        got = sub.wait_for_messages(1)
        assert got[0].payload == b"authenticated"
        # An anonymous network client gets no such pass: refused, nothing forwarded.
        at_edge.publish("mosquitto-v5", "a/y", [b"anonymous"], qos=1, check=False)
        sub.inbox.expect_no_more(1, quiet=0.5)
    finally:
        at_edge.close_all()
        at_remote.close_all()


def write_policy(cli, remote_tls, path: Path, module: str | None = None) -> Path:
    result = run([cli, "policy", "init", "--module-measurement",
                  module or remote_tls.module_measurement(),
                  "--anchor", remote_tls.state_dir / "sim" / "sim-root-ca.pem", "--allow-sim",
                  "-o", path])
    assert result.returncode == 0, result.stderr
    return path


def test_attested_bridge_forwards_only_to_a_remote_whose_evidence_verifies(
        broker_factory, cli, tmp_path):
    remote_tls = start_tls_broker(broker_factory, ["attestation sim"],
                                  state_dir=tmp_path / "remote-state")
    good = write_policy(cli, remote_tls, tmp_path / "good.json")
    bad = write_policy(cli, remote_tls, tmp_path / "bad.json", module=OTHER_MODULE)
    edge = broker_factory(extra_lines=[
        *bridge_lines("trusted", remote_tls.tls_port, ["a/# out 1"],
                      extra=[f"bridge_attestation_policy {good}"]),
        *bridge_lines("untrusted", remote_tls.tls_port, ["b/# out 1"],
                      extra=[f"bridge_attestation_policy {bad}"]),
    ])
    connected(edge, "trusted")
    wait_log(edge, r"bridge trusted: connected to .*remote attested against")
    wait_log(edge, r"bridge untrusted: cannot connect to .*module measurement .* not in policy"
                   r".*nothing forwarded")
    at_edge, at_remote = ClientSet(edge, tmp_path), ClientSet(remote_tls.broker, tmp_path)
    try:
        trusted_state = at_edge.subscriber("paho-v5", state_topic("trusted"), qos=1)
        untrusted_state = at_edge.subscriber("paho-v5", state_topic("untrusted"), qos=1)
        assert trusted_state.wait_for_messages(1)[-1].payload == b"1"
        assert untrusted_state.wait_for_messages(1)[-1].payload == b"0"

        sub = at_remote.subscriber("paho-v5", "#", qos=1)
        at_edge.publish("mosquitto-v5", "a/x", [b"attested"], qos=1)
        at_edge.publish("mosquitto-v5", "b/x", [b"must not leave"], qos=1)
        got = sub.wait_for_messages(1)
        assert (got[0].topic, got[0].payload) == ("a/x", b"attested")
        sub.inbox.expect_no_more(1, quiet=1.0)
    finally:
        at_edge.close_all()
        at_remote.close_all()
    log = remote_tls.broker.read_log()
    assert log.count("New client connected") >= 2  # the trusted bridge and the subscriber
    assert "as untrusted" not in log  # no MQTT byte from the bridge that did not trust it


def test_attested_bridge_stops_forwarding_when_the_remote_restarts_as_other_code(
        broker_factory, cli, tmp_path):
    # The remote restarts on the same ports and the same sim platform, but with another engine:
    # another module measurement. Every reconnection is attested again, so the bridge whose
    # policy pins the first measurement must stop (state 0) and forward nothing more.
    remote_tls = start_tls_broker(broker_factory, ["attestation sim"],
                                  state_dir=tmp_path / "remote-state")
    policy = write_policy(cli, remote_tls, tmp_path / "pinned.json")
    edge = broker_factory(extra_lines=bridge_lines(
        "pinned", remote_tls.tls_port, ["a/# out 1"],
        extra=[f"bridge_attestation_policy {policy}"]))
    connected(edge, "pinned")
    remote = remote_tls.broker
    other_engine = "wasm-aot" if remote.kind.engine == "native" else "native"
    assert remote.stop() == []
    remote.kind = BrokerKind(name=remote.kind.name, path=remote.kind.path, engine=other_engine)
    remote.start(same_port=True)
    wait_log(edge, r"bridge pinned: cannot connect to .*module measurement .* not in policy"
                   r".*nothing forwarded", timeout=15.0)
    at_edge, at_remote = ClientSet(edge, tmp_path), ClientSet(remote, tmp_path)
    try:
        state = at_edge.subscriber("paho-v5", state_topic("pinned"), qos=1)
        assert state.wait_for_messages(1)[-1].payload == b"0"
        sub = at_remote.subscriber("paho-v5", "#", qos=1)
        at_edge.publish("mosquitto-v5", "a/x", [b"must not leave"], qos=1)
        sub.inbox.expect_no_more(0, quiet=1.5)
    finally:
        at_edge.close_all()
        at_remote.close_all()
    restarted_log = remote.read_log().split(f"(engine {other_engine})", 1)[-1]
    assert "as pinned" not in restarted_log  # the bridge sent no CONNECT to the other code


def start_mosquitto(tmp_path: Path, label: str, extra: list[str]) -> BrokerProcess:
    return BrokerProcess(BrokerKind(name="mosquitto", path=MOSQUITTO),
                         BrokerSettings(extra_lines=extra), tmp_path / label, label).start()


def test_trustmq_bridge_to_mosquitto(broker_factory, tmp_path):
    remote = start_mosquitto(tmp_path, "mosquitto-remote", [])
    try:
        edge = broker_factory(extra_lines=bridge_lines(
            "tm", remote.port, ["up/# out 1 \"\" edge1/", "down/# in 1 \"\" edge1/"],
            version="mqttv311"))
        connected(edge, "tm")
        at_edge, at_remote = ClientSet(edge, tmp_path), ClientSet(remote, tmp_path)
        try:
            up = at_remote.subscriber("mosquitto-v311", "edge1/#", qos=1)
            down = at_edge.subscriber("paho-v311", "down/#", qos=1)
            at_edge.publish("mosquitto-v311", "up/x", [b"to mosquitto"], qos=1)
            at_remote.publish("mosquitto-v311", "edge1/down/y", [b"from mosquitto"], qos=1)
            assert sorted((m.topic, m.payload) for m in up.wait_for_messages(2)) == [
                ("edge1/down/y", b"from mosquitto"), ("edge1/up/x", b"to mosquitto")]
            got = down.wait_for_messages(1)
            assert (got[0].topic, got[0].payload) == ("down/y", b"from mosquitto")
        finally:
            at_edge.close_all()
            at_remote.close_all()
    finally:
        assert remote.stop() == []


@pytest.mark.parametrize("remote_kind", ["mosquitto", "trustmq"])
def test_try_private_keeps_both_from_looping_in_mqtt311(broker_factory, tmp_path, remote_kind):
    # With the bridge bit (try_private, the default) the remote — Debian's mosquitto, or trustmq
    # itself — treats the peer as a bridge and sends it no copy of what it published, so `both`
    # over MQTT 3.1.1 has one copy per side.
    mosquitto = start_mosquitto(tmp_path, "mosquitto-private", []) if remote_kind == "mosquitto" \
        else None
    remote = mosquitto or broker_factory()
    try:
        edge = broker_factory(extra_lines=bridge_lines("tp", remote.port, ["chat/# both 1"],
                                                       version="mqttv311"))
        connected(edge, "tp")
        wait_log(edge, r"bridge tp: connected to .* as a bridge \(try_private\)")
        if mosquitto is None:
            wait_log(remote, r"New client connected from .* \(p132, ")  # 0x84, as mosquitto logs
        at_edge, at_remote = ClientSet(edge, tmp_path), ClientSet(remote, tmp_path)
        try:
            on_edge = at_edge.subscriber("paho-v311", "chat/#", qos=1)
            on_remote = at_remote.subscriber("mosquitto-v311", "chat/#", qos=1)
            at_edge.publish("mosquitto-v311", "chat/a", [b"from edge"], qos=1)
            at_remote.publish("mosquitto-v311", "chat/b", [b"from remote"], qos=1)
            on_edge.inbox.wait_for(2)
            on_remote.inbox.wait_for(2)
            time.sleep(1.0)
            assert sorted(m.topic for m in on_edge.inbox.snapshot()) == ["chat/a", "chat/b"]
            assert sorted(m.topic for m in on_remote.inbox.snapshot()) == ["chat/a", "chat/b"]
        finally:
            at_edge.close_all()
            at_remote.close_all()
        assert "the remote refused the bridge bit" not in edge.read_log()
    finally:
        if mosquitto is not None:
            assert mosquitto.stop() == []


def test_try_private_refused_by_the_remote(broker_factory, tmp_path):
    # A remote that does not know the bridge bit refuses it (3.1.1 return code 1, as mosquitto
    # before 1.x and other brokers do): the bridge connects again without it, as mosquitto does;
    # unless a `both` line would then loop: nothing is forwarded and the log says why.
    refusing = ScriptedRemote(die_after=[], refuse_bridge_bit=True)
    looping_remote = ScriptedRemote(die_after=[], refuse_bridge_bit=True)
    try:
        edge = broker_factory(extra_lines=[
            *bridge_lines("plain", refusing.port, ["up/# out 1"], version="mqttv311"),
            *bridge_lines("looping", looping_remote.port, ["chat/# both 1"], version="mqttv311"),
        ])
        wait_log(edge, r"bridge plain: the remote refused the bridge bit \(try_private\); "
                       r"connecting without it")
        connected(edge, "plain")
        wait_log(edge, r"bridge looping: the remote refused the bridge bit .*'topic chat/# both' "
                       r"would loop, so nothing is forwarded")
        at_edge = ClientSet(edge, tmp_path)
        try:
            at_edge.publish("mosquitto-v311", "up/x", [b"plain 3.1.1"], qos=1)
            at_edge.publish("mosquitto-v311", "chat/x", [b"must not leave"], qos=1)
            got = refusing.wait_received(1)
            assert [(topic, payload) for _, topic, payload, _, _ in got] == [("up/x", b"plain 3.1.1")]
            time.sleep(0.5)
            assert looping_remote.snapshot() == []
        finally:
            at_edge.close_all()
        assert refusing.refused_bridge_bit >= 1 and looping_remote.refused_bridge_bit >= 1
        assert "bridge looping: connected to" not in edge.read_log()
    finally:
        refusing.close()
        looping_remote.close()


# mosquitto's default try_private true sets the bridge bit in the protocol level; trustmq
# accepts it and treats the bridge as mosquitto would (No Local, Retain As Published).
@pytest.mark.parametrize("try_private", [[], ["try_private false"]], ids=["default", "off"])
def test_mosquitto_bridge_to_trustmq(broker_factory, tmp_path, try_private):
    remote = broker_factory()
    edge = start_mosquitto(tmp_path, "mosquitto-edge", [
        "connection mq", f"address 127.0.0.1:{remote.port}", "remote_clientid mq-bridge",
        "bridge_protocol_version mqttv311", "restart_timeout 1", *try_private,
        "topic up/# out 1 \"\" site/", "topic down/# in 1 \"\" site/"])
    try:
        at_edge, at_remote = ClientSet(edge, tmp_path), ClientSet(remote, tmp_path)
        try:
            wait_log(remote, r"New client connected from .* as mq-bridge", timeout=10.0)
            up = at_remote.subscriber("paho-v5", "site/#", qos=1)
            down = at_edge.subscriber("mosquitto-v311", "down/#", qos=1)
            time.sleep(0.3)  # mosquitto's bridge subscribes on the remote after CONNACK
            at_edge.publish("mosquitto-v311", "up/x", [b"to trustmq"], qos=1)
            at_remote.publish("paho-v5", "site/down/y", [b"from trustmq"], qos=1)
            got = up.wait_for_messages(2)
            assert sorted((m.topic, m.payload) for m in got) == [
                ("site/down/y", b"from trustmq"), ("site/up/x", b"to trustmq")]
            got = down.wait_for_messages(1)
            assert (got[0].topic, got[0].payload) == ("down/y", b"from trustmq")
        finally:
            at_edge.close_all()
            at_remote.close_all()
    finally:
        assert edge.stop() == []


@pytest.mark.parametrize("lines, message", [
    (["address 127.0.0.1:1"], "a bridge option must follow a 'connection NAME' line"),
    (["connection x", "topic a/#"], "bridge 'x': no address given"),
    (["connection x", "address 127.0.0.1:1", "topic a/# sideways"],
     "option 'topic': direction must be out, in or both"),
    (["connection x", "address 127.0.0.1:1", "topic a/# both", "try_private false"],
     "needs try_private true"),
    (["connection x", "bridge_insecure true"], "never switched off"),
])
def test_bad_bridge_lines_stop_start_up_with_the_reason(broker_kind, tmp_path, lines, message):
    config = tmp_path / "bad.conf"
    config.write_text("listener 0 127.0.0.1\n" + "\n".join(lines) + "\n")
    result = subprocess.run(broker_kind.command(config), capture_output=True, text=True,
                            timeout=10)
    assert result.returncode == 1
    assert message in result.stderr, result.stderr
    assert f"{config}:" in result.stderr

"""Connection load: 10 000 idle MQTT connections held at once, with the broker's resident memory
per connection reported; a connect/disconnect flood from one client does not starve the others."""

from __future__ import annotations

import resource
import selectors
import socket
import statistics
import threading
import time

import pytest

from raw_mqtt import connect_packet

IDLE_CONNECTIONS = 10_000
CONNACK_ACCEPTED_V311 = b"\x20\x02\x00\x00"


class OpenFileLimit:
    """Sets this process's soft RLIMIT_NOFILE (children inherit it); restore() puts it back."""

    def __init__(self) -> None:
        self.original = resource.getrlimit(resource.RLIMIT_NOFILE)

    def set_soft(self, soft: int) -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, self.original[1]))

    def restore(self) -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, self.original)


def open_idle_connections(host: str, port: int, count: int, timeout: float) -> list[socket.socket]:
    """`count` MQTT 3.1.1 connections (keep alive 0: never timed out), each accepted by CONNACK."""
    deadline = time.monotonic() + timeout
    selector = selectors.DefaultSelector()
    sockets: list[socket.socket] = []
    pending: dict[socket.socket, bytes] = {}

    def collect(wait: float) -> None:
        for key, _ in selector.select(timeout=wait):
            sock = key.fileobj
            data = sock.recv(16)
            assert data, f"the broker closed connection {sockets.index(sock)} before CONNACK"
            answer = pending[sock] + data
            if len(answer) < len(CONNACK_ACCEPTED_V311):
                pending[sock] = answer
                continue
            assert answer == CONNACK_ACCEPTED_V311, f"CONNACK {answer!r}"
            selector.unregister(sock)
            del pending[sock]

    try:
        for i in range(count):
            sock = socket.create_connection((host, port), timeout=5)
            sock.sendall(connect_packet(f"idle-{i}", version=4, keepalive=0))
            sock.setblocking(False)
            sockets.append(sock)
            pending[sock] = b""
            selector.register(sock, selectors.EVENT_READ)
            if len(pending) >= 500:  # keep the number of unanswered CONNECTs bounded
                collect(0.0)
            assert time.monotonic() < deadline, f"only {i} connections opened in {timeout} s"
        while pending and time.monotonic() < deadline:
            collect(0.2)
        assert not pending, f"{len(pending)} of {count} connections got no CONNACK in {timeout} s"
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    finally:
        selector.close()
    return sockets


# Debian's mosquitto 2.0.11 passes this test too, but takes about 26 s to accept the 10 000
# connections (trustmq: 2-4 s), so the reference run does not repeat it in CI.
@pytest.mark.trustmq_only
def test_ten_thousand_idle_connections_are_held(broker_factory, client_factory, broker_kind, topic):
    limit = OpenFileLimit()
    needed = IDLE_CONNECTIONS + 512
    assert limit.original[1] >= needed, (
        f"hard open-file limit {limit.original[1]} < {needed}: this machine cannot hold "
        f"{IDLE_CONNECTIONS} connections in one process (raise ulimit -Hn)"
    )
    sockets: list[socket.socket] = []
    try:
        # trustmq raises its own soft limit (src/shell/open_file_limit.h): start it under the
        # common default of 1024 to show that. mosquitto does not, so it gets the raised limit.
        limit.set_soft(1024 if broker_kind.name == "trustmq" else needed)
        broker = broker_factory()
        limit.set_soft(needed)
        clients = client_factory(broker)
        probe = clients.subscriber("mosquitto-v5", topic, qos=1)
        before_kib = broker.resident_kib()
        started = time.monotonic()
        sockets = open_idle_connections(broker.host, broker.port, IDLE_CONNECTIONS, timeout=60)
        opened_s = time.monotonic() - started
        after_kib = broker.resident_kib()
        per_connection = (after_kib - before_kib) * 1024 / IDLE_CONNECTIONS
        print(
            f"\n{broker.kind.name} {broker.kind.engine or ''}: {IDLE_CONNECTIONS} idle connections "
            f"opened in {opened_s:.1f} s; resident {before_kib} -> {after_kib} KiB, "
            f"{per_connection:.0f} bytes per connection"
        )
        # With all of them held, the broker still serves everyone else.
        clients.publish("mosquitto-v311", topic, [b"still-serving"], qos=1)  # paho uses select()
        assert probe.wait_for_messages(1, timeout=10)[0].payload == b"still-serving"
        if broker_kind.name == "trustmq":
            assert "open file limit raised from 1024" in broker.read_log()
            # About 0.95 KiB (native), 0.66 KiB (wasm-aot) and 0.9 KiB (wasm-interp) today,
            # mosquitto 0.7 KiB; it was 3.5 KiB while every connection held an inline Will and
            # two eagerly allocated deques, 1.1 KiB before the structs were packed (docs/broker.md).
            # The bound catches a regression to either, with a margin for allocator noise.
            assert per_connection < 1.5 * 1024, f"{per_connection:.0f} bytes per idle connection"
        # And they are still open: nothing timed them out or dropped them.
        readable = selectors.DefaultSelector()
        for sock in sockets[:: IDLE_CONNECTIONS // 100]:
            readable.register(sock, selectors.EVENT_READ)
        assert readable.select(timeout=0.2) == [], "the broker closed idle connections"
        readable.close()
    finally:
        for sock in sockets:
            sock.close()
        limit.restore()


def test_connect_disconnect_flood_does_not_starve_others(broker, clients, topic):
    stop = threading.Event()
    flood_count = [0]

    def flood() -> None:
        # One client connecting and disconnecting as fast as it can (bounded: 5 s at most).
        deadline = time.monotonic() + 5
        while not stop.is_set() and time.monotonic() < deadline:
            with socket.create_connection((broker.host, broker.port), timeout=5) as sock:
                sock.sendall(connect_packet("flooder", version=4) + b"\xe0\x00")
                sock.recv(4)
            flood_count[0] += 1

    subscriber = clients.paho(5)
    subscriber.connect()
    assert subscriber.subscribe(topic, 1) == [1]
    publisher = clients.paho(5)
    publisher.connect()
    flooder = threading.Thread(target=flood)
    flooder.start()
    latencies = []
    try:
        time.sleep(0.2)  # the flood is under way
        for i in range(40):
            sent = time.monotonic()
            publisher.publish(topic, str(i).encode(), qos=1, timeout=10)
            subscriber.wait_for_messages(i + 1, timeout=10)
            latencies.append(time.monotonic() - sent)
    finally:
        stop.set()
        flooder.join(timeout=10)
    assert not flooder.is_alive()
    assert flood_count[0] > 100, f"the flood made only {flood_count[0]} connections"
    # Loopback round trips take well under a millisecond; a broker that served the flood first
    # (accepting until the backlog is empty, or one client's packets before others') would show
    # delays of the flood's length here.
    median = statistics.median(latencies)
    assert max(latencies) < 1.0, f"a publish waited {max(latencies):.2f} s during the flood"
    print(f"\nflood: {flood_count[0]} connections; publish→deliver median {median * 1000:.1f} ms")

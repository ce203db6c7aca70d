"""Real MQTT clients driven by the tests: Debian's mosquitto_pub/mosquitto_sub and paho-mqtt.

Every process is started with a timeout and stopped by its PID; every wait is bounded.
A "client kind" names a tool and a protocol version: mosquitto-v311, mosquitto-v5,
paho-v311, paho-v5.
"""

from __future__ import annotations

import os
import queue
import signal
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

MOSQUITTO_SUB = "/usr/bin/mosquitto_sub"
MOSQUITTO_PUB = "/usr/bin/mosquitto_pub"

CLIENT_KINDS = ["mosquitto-v311", "mosquitto-v5", "paho-v311", "paho-v5"]

WAIT_S = 5.0  # default bound for any single wait on the broker
PROCESS_LIFETIME_S = 60  # a client process never outlives this, even if the suite hangs


def split_kind(kind: str) -> tuple[str, int]:
    tool, version = kind.split("-v")
    return tool, int(version)


@dataclass
class ReceivedMessage:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    properties: Any = None  # paho Properties for v5 paho subscribers


class MessageInbox:
    """Thread-safe list of received messages with bounded waits."""

    def __init__(self) -> None:
        self._messages: list[ReceivedMessage] = []
        self._cond = threading.Condition()

    def add(self, message: ReceivedMessage) -> None:
        with self._cond:
            self._messages.append(message)
            self._cond.notify_all()

    def snapshot(self) -> list[ReceivedMessage]:
        with self._cond:
            return list(self._messages)

    def wait_for(self, count: int, timeout: float = WAIT_S, describe=lambda: "") -> list[ReceivedMessage]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self._messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {count} message(s) within {timeout} s, got "
                        f"{len(self._messages)}: {self._messages!r} {describe()}"
                    )
                self._cond.wait(left)
            return list(self._messages)

    def expect_no_more(self, count: int, quiet: float) -> list[ReceivedMessage]:
        """Waits `quiet` seconds and asserts no more than `count` messages arrived."""
        time.sleep(quiet)
        got = self.snapshot()
        assert len(got) == count, f"expected exactly {count} message(s), got {got!r}"
        return got


def stop_process(proc: subprocess.Popen, timeout: float = 3.0) -> None:
    """Stops a child by PID: SIGTERM, then SIGKILL."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=timeout)


# ---------------------------------------------------------------------------------------------
# mosquitto_sub / mosquitto_pub


class MosquittoSubscriber:
    """mosquitto_sub in the background; messages are parsed from a -F format with hex payload."""

    FORMAT = "MSG %r %q %t %x"

    def __init__(
        self,
        broker,
        version: int,
        topics: list[str],
        qos: int = 0,
        client_id: str | None = None,
        persistent: bool = False,
        session_expiry: int | None = None,
        username: str | None = None,
        password: str | None = None,
        exit_after_subscribe: bool = False,
        count: int | None = None,
    ) -> None:
        args = ["stdbuf", "-oL", MOSQUITTO_SUB, "-h", broker.host, "-p", str(broker.port)]
        args += ["-V", "5" if version == 5 else "311", "-q", str(qos), "-d", "-F", self.FORMAT]
        args += ["-W", str(PROCESS_LIFETIME_S)]
        for topic in topics:
            args += ["-t", topic]
        if client_id is not None:
            args += ["-i", client_id]
        if persistent:
            args += ["-c"]
        if session_expiry is not None and version == 5:
            args += ["-x", str(session_expiry)]
        if username is not None:
            args += ["-u", username]
        if password is not None:
            args += ["-P", password]
        if exit_after_subscribe:
            args += ["-E"]
        if count is not None:
            args += ["-C", str(count)]
        self.args = args
        self.inbox = MessageInbox()
        self.granted: list[int] | None = None
        self._subscribed = threading.Event()
        self._output: list[str] = []
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            self._output.append(line)
            if line.startswith("MSG "):
                parts = line.split(" ", 4)
                payload_hex = parts[4] if len(parts) > 4 else ""
                self.inbox.add(
                    ReceivedMessage(
                        topic=parts[3],
                        payload=bytes.fromhex(payload_hex),
                        qos=int(parts[2]),
                        retain=parts[1] == "1",
                    )
                )
            elif line.startswith("Subscribed (mid:"):
                codes = line.split(":", 2)[2]
                self.granted = [int(c) for c in codes.replace(" ", "").split(",") if c]
                self._subscribed.set()
        self._subscribed.set()  # EOF: wake waiters; they check the process state

    def output(self) -> str:
        return "\n".join(self._output)

    def wait_subscribed(self, timeout: float = WAIT_S) -> list[int]:
        if not self._subscribed.wait(timeout) or self.granted is None:
            raise AssertionError(
                f"mosquitto_sub did not report SUBACK within {timeout} s; "
                f"exit={self.proc.poll()} output:\n{self.output()}"
            )
        return self.granted

    def wait_for_messages(self, count: int, timeout: float = WAIT_S) -> list[ReceivedMessage]:
        return self.inbox.wait_for(count, timeout, describe=lambda: "\n" + self.output())

    def wait_exit(self, timeout: float = WAIT_S) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"mosquitto_sub did not exit within {timeout} s; output:\n{self.output()}"
            )

    def close(self) -> None:
        stop_process(self.proc)
        self._reader.join(timeout=2)


def mosquitto_publish(
    broker,
    version: int,
    topic: str,
    payloads: list[bytes],
    qos: int = 0,
    retain: bool = False,
    username: str | None = None,
    password: str | None = None,
    client_id: str | None = None,
    workdir: Path | None = None,
    check: bool = True,
    timeout: float = 10.0,
) -> subprocess.CompletedProcess:
    """Publishes payloads in order over one connection with mosquitto_pub."""
    args = [MOSQUITTO_PUB, "-h", broker.host, "-p", str(broker.port)]
    args += ["-V", "5" if version == 5 else "311", "-q", str(qos), "-t", topic]
    if retain:
        args += ["-r"]
    if username is not None:
        args += ["-u", username]
    if password is not None:
        args += ["-P", password]
    if client_id is not None:
        args += ["-i", client_id]
    stdin = None
    if len(payloads) == 1:
        payload = payloads[0]
        if payload == b"":
            args += ["-n"]
        else:
            assert workdir is not None, "binary payloads go through a file"
            path = workdir / f"payload-{time.monotonic_ns()}"
            path.write_bytes(payload)
            args += ["-f", str(path)]
    else:
        assert all(b"\n" not in p and p for p in payloads), "-l needs non-empty single lines"
        args += ["-l"]
        stdin = b"".join(p + b"\n" for p in payloads)
    result = subprocess.run(args, input=stdin, capture_output=True, timeout=timeout)
    if check:
        assert result.returncode == 0, (
            f"mosquitto_pub failed ({result.returncode}): {result.stdout!r} {result.stderr!r}"
        )
    return result


# ---------------------------------------------------------------------------------------------
# paho


@dataclass
class Connack:
    rc: int
    session_present: bool
    properties: Any = None


class PahoClient:
    """A paho client on its own network thread, with bounded waits for every acknowledgement.

    Never reconnects by itself: a dropped connection stays dropped.
    """

    def __init__(
        self,
        broker,
        version: int,
        client_id: str = "",
        clean: bool = True,
        username: str | None = None,
        password: str | None = None,
        keepalive: int = 30,
        transport: str = "tcp",
        tls_ca_certs: str | None = None,
    ) -> None:
        self.broker = broker
        self.version = version
        self.clean = clean
        self.keepalive = keepalive
        protocol = paho.MQTTv5 if version == 5 else paho.MQTTv311
        kwargs: dict[str, Any] = {"protocol": protocol, "reconnect_on_failure": False}
        if version != 5:
            kwargs["clean_session"] = clean
        self.client = paho.Client(client_id, transport=transport, **kwargs)
        if tls_ca_certs is not None:
            self.client.tls_set(ca_certs=tls_ca_certs, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        if username is not None:
            self.client.username_pw_set(username, password)
        self.inbox = MessageInbox()
        self._connack: queue.Queue[Connack] = queue.Queue()
        self._subacks: dict[int, list[int]] = {}
        self._suback_cond = threading.Condition()
        self.disconnected = threading.Event()
        self.disconnect_rc: int | None = None
        self.disconnect_codes: list[int] = []
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.client.on_disconnect = self._on_disconnect
        self._loop_started = False

    # ---- callbacks (network thread) ----

    def _on_connect(self, client, userdata, flags, rc, properties=None):
        code = rc.value if hasattr(rc, "value") else int(rc)
        self._connack.put(Connack(code, bool(flags.get("session present")), properties))

    def _on_message(self, client, userdata, msg):
        self.inbox.add(
            ReceivedMessage(
                topic=msg.topic,
                payload=bytes(msg.payload),
                qos=msg.qos,
                retain=bool(msg.retain),
                properties=getattr(msg, "properties", None),
            )
        )

    def _on_subscribe(self, client, userdata, mid, codes, properties=None):
        values = [c.value if hasattr(c, "value") else int(c) for c in codes]
        with self._suback_cond:
            self._subacks[mid] = values
            self._suback_cond.notify_all()

    def _on_disconnect(self, client, userdata, rc, properties=None):
        code = rc.value if hasattr(rc, "value") else int(rc)
        self.disconnect_codes.append(code)
        if self.disconnect_rc is None:
            self.disconnect_rc = code  # the first one: a v5 DISCONNECT's reason code
        self.disconnected.set()

    # ---- operations ----

    def set_will(self, topic: str, payload: bytes, qos: int = 0, retain: bool = False) -> None:
        self.client.will_set(topic, payload, qos=qos, retain=retain)

    def connect(
        self,
        session_expiry: int | None = None,
        properties: Properties | None = None,
        timeout: float = WAIT_S,
        expect_success: bool = True,
    ) -> Connack:
        kwargs: dict[str, Any] = {}
        if self.version == 5:
            props = properties or Properties(PacketTypes.CONNECT)
            if session_expiry is not None:
                props.SessionExpiryInterval = session_expiry
            kwargs["clean_start"] = self.clean
            kwargs["properties"] = props
        self.disconnected.clear()
        self.disconnect_rc = None
        self.client.connect(self.broker.host, self.broker.port, self.keepalive, **kwargs)
        self.client.loop_start()
        self._loop_started = True
        try:
            connack = self._connack.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no CONNACK within {timeout} s")
        if expect_success:
            assert connack.rc == 0, f"CONNACK refused with code {connack.rc:#x}"
        return connack

    def subscribe(
        self,
        topic: str,
        qos: int = 0,
        options: Any = None,
        properties: Properties | None = None,
        timeout: float = WAIT_S,
    ) -> list[int]:
        """Subscribes and returns the SUBACK codes (granted QoS or reason codes)."""
        if self.version == 5:
            from paho.mqtt.subscribeoptions import SubscribeOptions

            opts = options or SubscribeOptions(qos=qos)
            rc, mid = self.client.subscribe(topic, options=opts, properties=properties)
        else:
            rc, mid = self.client.subscribe(topic, qos)
        assert rc == paho.MQTT_ERR_SUCCESS, f"subscribe failed locally: {rc}"
        deadline = time.monotonic() + timeout
        with self._suback_cond:
            while mid not in self._subacks:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no SUBACK for {topic!r} within {timeout} s")
                self._suback_cond.wait(left)
            return self._subacks.pop(mid)

    def publish(
        self,
        topic: str,
        payload: bytes,
        qos: int = 0,
        retain: bool = False,
        properties: Properties | None = None,
        timeout: float = WAIT_S,
    ) -> None:
        """Publishes and waits until the QoS flow completes (QoS 0: until sent)."""
        kwargs = {"properties": properties} if self.version == 5 and properties else {}
        info = self.client.publish(topic, payload, qos=qos, retain=retain, **kwargs)
        assert info.rc == paho.MQTT_ERR_SUCCESS, f"publish failed locally: {info.rc}"
        info.wait_for_publish(timeout)
        assert info.is_published(), f"publish to {topic!r} (QoS {qos}) not acknowledged in {timeout} s"

    def wait_for_messages(self, count: int, timeout: float = WAIT_S) -> list[ReceivedMessage]:
        return self.inbox.wait_for(count, timeout)

    def wait_disconnected(self, timeout: float = WAIT_S) -> int:
        assert self.disconnected.wait(timeout), f"connection not closed within {timeout} s"
        assert self.disconnect_rc is not None
        return self.disconnect_rc

    def disconnect(self, properties: Properties | None = None, reason: Any = None) -> None:
        """Clean disconnect: sends DISCONNECT and waits for the socket to close."""
        if self.version == 5:
            self.client.disconnect(reasoncode=reason, properties=properties)
        else:
            self.client.disconnect()
        self.wait_disconnected()
        self._stop_loop()

    def stop_network(self) -> None:
        """Stops the network thread; the socket stays open and silent (no PINGREQ)."""
        self._stop_loop()

    def drop_connection(self) -> None:
        """Abnormal end: closes the socket under paho's feet, without DISCONNECT."""
        import socket as socket_module

        sock = self.client.socket()
        if sock is not None:
            try:
                sock.shutdown(socket_module.SHUT_RDWR)  # FIN now; wakes the network thread
            except OSError:
                pass
        self._stop_loop()
        if sock is not None:
            sock.close()

    def _stop_loop(self) -> None:
        if self._loop_started:
            self.client.loop_stop()
            self._loop_started = False

    def close(self) -> None:
        if not self.disconnected.is_set() and self._loop_started:
            try:
                self.client.disconnect()
                self.disconnected.wait(1.0)
            except Exception:
                pass
        self._stop_loop()
        sock = self.client.socket()
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass


def v5_properties(packet_type: int, **values: Any) -> Properties:
    props = Properties(packet_type)
    for name, value in values.items():
        setattr(props, name, value)
    return props


# ---------------------------------------------------------------------------------------------
# One interface over both tools, so the tests can be parametrised by client kind.


@dataclass
class ClientSet:
    """Creates clients for one test and stops every one of them at teardown."""

    broker: Any
    workdir: Path
    _owned: list[Any] = field(default_factory=list)

    def subscriber(
        self,
        kind: str,
        topics: list[str] | str,
        qos: int = 0,
        client_id: str | None = None,
        persistent: bool = False,
        session_expiry: int | None = None,
        username: str | None = None,
        password: str | None = None,
        expect_granted: bool = True,
    ):
        """A connected, subscribed subscriber of the given kind (SUBACK already received)."""
        tool, version = split_kind(kind)
        topics = [topics] if isinstance(topics, str) else topics
        if tool == "mosquitto":
            sub = MosquittoSubscriber(
                self.broker,
                version,
                topics,
                qos=qos,
                client_id=client_id,
                persistent=persistent,
                session_expiry=session_expiry,
                username=username,
                password=password,
            )
            self._owned.append(sub)
            sub.granted_codes = sub.wait_subscribed()
        else:
            sub = self.paho(
                version,
                client_id=client_id or "",
                clean=not persistent,
                username=username,
                password=password,
            )
            sub.connect(session_expiry=session_expiry if persistent else None)
            codes: list[int] = []
            for topic in topics:
                codes += sub.subscribe(topic, qos)
            sub.granted_codes = codes
        if expect_granted:
            assert all(c < 0x80 for c in sub.granted_codes), f"SUBACK refused: {sub.granted_codes}"
        return sub

    def publish(
        self,
        kind: str,
        topic: str,
        payloads: list[bytes],
        qos: int = 0,
        retain: bool = False,
        username: str | None = None,
        password: str | None = None,
        check: bool = True,
    ) -> None:
        """Publishes payloads in order over one connection, then disconnects cleanly.

        check=False: do not require mosquitto_pub to exit 0 (e.g. a v5 PUBACK with an error code).
        """
        tool, version = split_kind(kind)
        if tool == "mosquitto":
            mosquitto_publish(
                self.broker,
                version,
                topic,
                payloads,
                qos=qos,
                retain=retain,
                username=username,
                password=password,
                workdir=self.workdir,
                check=check,
            )
        else:
            pub = self.paho(version, username=username, password=password)
            pub.connect()
            for payload in payloads:
                pub.publish(topic, payload, qos=qos, retain=retain)
            pub.disconnect()

    def paho(self, version: int, **kwargs: Any) -> PahoClient:
        client = PahoClient(self.broker, version, **kwargs)
        self._owned.append(client)
        return client

    def mosquitto_subscriber(self, version: int, topics: list[str], **kwargs: Any) -> MosquittoSubscriber:
        sub = MosquittoSubscriber(self.broker, version, topics, **kwargs)
        self._owned.append(sub)
        return sub

    def close_all(self) -> None:
        for client in reversed(self._owned):
            try:
                client.close()
            except Exception:  # teardown must reach every client
                pass
        self._owned.clear()


def read_retained_messages(port: int, topic_filter: str,
                           settle_s: float = 0.1) -> list[tuple[str, bytes]]:
    """The retained messages (topic, payload) a fresh subscriber to `topic_filter` gets (up to
    5 s for the first, then `settle_s` more), from a paho client on 127.0.0.1:`port`."""
    got: list[tuple[str, bytes]] = []
    reader = paho.Client(client_id="retained-reader", clean_session=True)
    reader.on_message = lambda c, u, m: got.append((m.topic, m.payload))
    reader.connect("127.0.0.1", port)
    reader.loop_start()
    reader.subscribe(topic_filter, qos=1)
    deadline = time.monotonic() + 5
    while not got and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(settle_s)
    reader.disconnect()
    reader.loop_stop()
    return got


def read_retained(port: int, topic: str) -> list[bytes]:
    """The payloads of read_retained_messages."""
    return [payload for _, payload in read_retained_messages(port, topic)]

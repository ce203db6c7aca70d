"""A scripted MQTT 5 remote for a bridge: it accepts connections on 127.0.0.1 (ephemeral port),
answers CONNECT, PINGREQ and the QoS flows of the PUBLISH packets the bridge sends, and
records them. A connection can be told to die in the middle of a QoS flow (after reading
the PUBLISH, or for QoS 2 after PUBREC/PUBREL), as a remote that crashes would: that is the
case a real broker cannot be made to hit on demand.

    remote = ScriptedRemote(die_after=["publish"])   # the 1st connection dies at its 1st PUBLISH
    ... remote.port ...
    remote.received   # [(connection number, topic, payload, qos, dup)]
    remote.close()

It speaks MQTT 5, or 3.1.1 when the CONNECT says so. With `refuse_bridge_bit=True` it answers a
CONNECT whose level has mosquitto's bridge bit (0x84) with 3.1.1's return code 1 and closes,
as a broker that does not know try_private does.
"""

from __future__ import annotations

import socket
import struct
import threading
import time

CONNECT, PUBLISH, PUBREL, SUBSCRIBE, PINGREQ, DISCONNECT = 1, 3, 6, 8, 12, 14


class ScriptedRemote:
    def __init__(self, die_after: list[str], refuse_bridge_bit: bool = False):
        """`die_after[i]`: where connection i (0-based) dies: "publish" (after reading a
        PUBLISH, before any acknowledgement) or "pubrel" (QoS 2: after PUBREC was sent and
        PUBREL read, before PUBCOMP). Connections past the list complete every flow."""
        self.die_after = list(die_after)
        self.refuse_bridge_bit = refuse_bridge_bit
        self.refused_bridge_bit = 0  # CONNECTs refused for their bridge bit
        self.received: list[tuple[int, str, bytes, int, bool]] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def wait_received(self, count: int, timeout: float = 10.0) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.02)
        raise AssertionError(f"the remote received {self.received}, expected {count} PUBLISH")

    def snapshot(self) -> list:
        with self._lock:
            return list(self.received)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._server.close()

    # ---- the server (one connection at a time, as a bridge makes them) ----------------------

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            number = self.connections
            self.connections += 1
            die = self.die_after[number] if number < len(self.die_after) else None
            with conn:
                conn.settimeout(0.2)
                try:
                    self._session(conn, number, die)
                except (OSError, ConnectionError):
                    pass

    def _read_packet(self, conn: socket.socket, buffer: bytearray) -> tuple[int, int, bytes] | None:
        """(type, flags, body), or None when the peer closed or the remote is stopping."""
        while not self._stop.is_set():
            if len(buffer) >= 2:
                length, multiplier, i = 0, 1, 1
                while i < len(buffer):
                    byte = buffer[i]
                    length += (byte & 0x7F) * multiplier
                    multiplier *= 128
                    i += 1
                    if not byte & 0x80:
                        if len(buffer) >= i + length:
                            header = buffer[0]
                            body = bytes(buffer[i:i + length])
                            del buffer[:i + length]
                            return header >> 4, header & 0x0F, body
                        break
            try:
                chunk = conn.recv(4096)
            except TimeoutError:
                continue
            if not chunk:
                return None
            buffer += chunk
        return None

    def _session(self, conn: socket.socket, number: int, die: str | None) -> None:
        buffer = bytearray()
        v5 = True
        while True:
            packet = self._read_packet(conn, buffer)
            if packet is None:
                return
            kind, flags, body = packet
            if kind == CONNECT:
                (name_length,) = struct.unpack("!H", body[:2])
                level = body[2 + name_length]
                v5 = level == 5
                if level & 0x80 and self.refuse_bridge_bit:
                    with self._lock:
                        self.refused_bridge_bit += 1
                    conn.sendall(bytes([0x20, 0x02, 0x00, 0x01]))  # unacceptable protocol level
                    return
                if v5:
                    conn.sendall(bytes([0x20, 0x03, 0x00, 0x00, 0x00]))  # CONNACK v5, success
                else:
                    conn.sendall(bytes([0x20, 0x02, 0x00, 0x00]))
            elif kind == PINGREQ:
                conn.sendall(bytes([0xD0, 0x00]))
            elif kind == SUBSCRIBE:
                packet_id = body[:2]
                if v5:
                    conn.sendall(bytes([0x90, 0x04]) + packet_id + bytes([0x00, 0x01]))
                else:
                    conn.sendall(bytes([0x90, 0x03]) + packet_id + bytes([0x01]))
            elif kind == PUBLISH:
                qos, dup = (flags >> 1) & 0x03, bool(flags & 0x08)
                (topic_length,) = struct.unpack("!H", body[:2])
                topic = body[2:2 + topic_length].decode()
                at = 2 + topic_length
                packet_id = body[at:at + 2] if qos else b""
                at += 2 if qos else 0
                properties_length, i, multiplier = 0, at, 1
                while v5:  # Property Length (MQTT 5)
                    byte = body[i]
                    properties_length += (byte & 0x7F) * multiplier
                    multiplier *= 128
                    i += 1
                    if not byte & 0x80:
                        break
                payload = body[i + properties_length:]
                with self._lock:
                    self.received.append((number, topic, payload, qos, dup))
                if die == "publish":
                    return  # dies with the PUBLISH unacknowledged
                if qos == 1:
                    conn.sendall(bytes([0x40, 0x02]) + packet_id)
                elif qos == 2:
                    conn.sendall(bytes([0x50, 0x02]) + packet_id)
            elif kind == PUBREL:
                if die == "pubrel":
                    return  # dies between PUBREL and PUBCOMP
                conn.sendall(bytes([0x70, 0x02]) + body[:2])
            elif kind == DISCONNECT:
                return


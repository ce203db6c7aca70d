"""A bare MQTT connection over a socket, for checking exact packets (reason codes, garbage).

paho 1.6.1 drops the reason code of a DISCONNECT that has no property length (remaining
length 1), so checks on a broker's DISCONNECT go through this instead.
"""

from __future__ import annotations

import socket
import struct
import time

CONNACK, PUBLISH, DISCONNECT = 2, 3, 14


def encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value % 128
        value //= 128
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def utf8(text: str | bytes) -> bytes:
    data = text.encode() if isinstance(text, str) else text
    return struct.pack("!H", len(data)) + data


def connect_packet(client_id: str, version: int = 5, keepalive: int = 30, clean: bool = True,
                   protocol_name: bytes = b"MQTT", username: str | None = None,
                   password: str | None = None) -> bytes:
    flags = 0x02 if clean else 0x00
    if username is not None:
        flags |= 0x80
    if password is not None:
        flags |= 0x40
    body = utf8(protocol_name) + bytes([version, flags])
    body += struct.pack("!H", keepalive)
    if version == 5:
        body += b"\x00"  # no properties
    body += utf8(client_id)
    if username is not None:
        body += utf8(username)
    if password is not None:
        body += utf8(password)
    return b"\x10" + encode_varint(len(body)) + body


def publish_packet(topic: str, payload: bytes, properties: bytes = b"", version: int = 5) -> bytes:
    """QoS 0 PUBLISH; `properties` is the raw property block (without its length)."""
    body = utf8(topic)
    if version == 5:
        body += encode_varint(len(properties)) + properties
    body += payload
    return b"\x30" + encode_varint(len(body)) + body


def topic_alias_property(alias: int) -> bytes:
    return b"\x23" + struct.pack("!H", alias)


class RawConnection:
    def __init__(self, host: str, port: int, timeout: float = 5.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self._buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self, deadline: float) -> bool:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("no packet from the broker in time")
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise AssertionError("no packet from the broker in time")
        except ConnectionResetError:
            chunk = b""
        self._buffer += chunk
        return bool(chunk)

    def read_packet(self, timeout: float = 5.0) -> tuple[int, int, bytes] | None:
        """(type, flags, body) of the next packet, or None when the broker closed the connection."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self._buffer) >= 2:
                length, shift, pos = 0, 0, 1
                complete_header = False
                while pos < len(self._buffer) and pos <= 4:
                    byte = self._buffer[pos]
                    length += (byte & 0x7F) << shift
                    shift += 7
                    pos += 1
                    if not byte & 0x80:
                        complete_header = True
                        break
                if complete_header and len(self._buffer) >= pos + length:
                    first = self._buffer[0]
                    body = self._buffer[pos:pos + length]
                    self._buffer = self._buffer[pos + length:]
                    return first >> 4, first & 0x0F, body
            if not self._fill(deadline):
                assert not self._buffer, f"connection closed inside a packet: {self._buffer!r}"
                return None

    def connect(self, client_id: str, version: int = 5, **kwargs) -> bytes:
        self.send(connect_packet(client_id, version, **kwargs))
        packet = self.read_packet()
        assert packet is not None and packet[0] == CONNACK, packet
        return packet[2]

    def read_until_closed(self, timeout: float = 5.0) -> list[tuple[int, int, bytes]]:
        """Every packet the broker sends until it closes the connection (bounded)."""
        deadline = time.monotonic() + timeout
        packets = []
        while True:
            packet = self.read_packet(max(0.01, deadline - time.monotonic()))
            if packet is None:
                return packets
            packets.append(packet)

    def close(self) -> None:
        self.sock.close()


def disconnect_reason(packets: list[tuple[int, int, bytes]]) -> int | None:
    """The reason code of a DISCONNECT among packets (0 if it had none), None without DISCONNECT."""
    for kind, _, body in packets:
        if kind == DISCONNECT:
            return body[0] if body else 0
    return None

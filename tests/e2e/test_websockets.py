"""MQTT over WebSockets (`listener PORT` + `protocol websockets`), plain and TLS: paho-mqtt's
WebSocket transport against TCP peers (mosquitto_sub/mosquitto_pub), and hostile WebSocket
input on a bare socket.

trustmq only: Debian's mosquitto 2.0.11 is built without WebSockets support — with
`protocol websockets` it logs "Opening websockets listen socket" and then exits with
"Unable to start any listening sockets" — so there is no reference run here."""

from __future__ import annotations

import base64
import os
import socket
import struct

import pytest

from broker_process import BrokerSettings, free_port, wait_for_listener
from mqtt_clients import PahoClient, mosquitto_publish
from tls_helpers import make_pki

pytestmark = pytest.mark.trustmq_only

MASK = b"\x11\x22\x33\x44"


class Endpoint:
    def __init__(self, host: str, port: int):
        self.host = host
        self.port = port


def wait_for_port(port: int, broker) -> None:
    wait_for_listener(broker.process, port, 5, broker.read_log)


def start_ws_broker(broker_factory, listener_lines=(), **settings):
    port = free_port()
    broker = broker_factory(BrokerSettings(
        extra_lines=[f"listener {port} 127.0.0.1", "protocol websockets", *listener_lines],
        **settings))
    wait_for_port(port, broker)
    return broker, Endpoint("127.0.0.1", port)


def test_paho_over_websockets_talks_with_tcp_clients(broker_factory, client_factory, topic):
    broker, ws = start_ws_broker(broker_factory)
    clients = client_factory(broker)
    tcp_sub = clients.subscriber("mosquitto-v311", topic, qos=1)
    ws_sub = PahoClient(ws, 5, transport="websockets")
    clients._owned.append(ws_sub)
    ws_sub.connect()
    assert ws_sub.subscribe(topic, qos=1) == [1]
    ws_pub = PahoClient(ws, 4, transport="websockets")
    clients._owned.append(ws_pub)
    ws_pub.connect()
    big = os.urandom(200_000)  # many WebSocket frames' worth on the way in and out
    ws_pub.publish(topic, b"from websockets", qos=1)
    ws_pub.publish(topic, big, qos=1)
    mosquitto_publish(broker, 5, topic, [b"from tcp"], qos=1, workdir=broker.workdir)
    assert [m.payload for m in tcp_sub.wait_for_messages(3)] == [b"from websockets", big,
                                                                 b"from tcp"]
    assert [m.payload for m in ws_sub.wait_for_messages(3)] == [b"from websockets", big,
                                                                b"from tcp"]
    assert "(WebSockets)" in broker.read_log()


def test_websockets_over_tls(broker_factory, client_factory, tmp_path, topic):
    pki = make_pki(tmp_path / "pki")
    broker, ws = start_ws_broker(broker_factory, [f"certfile {pki.server_cert}",
                                                  f"keyfile {pki.server_key}"])
    clients = client_factory(broker)
    tcp_sub = clients.subscriber("mosquitto-v5", topic, qos=1)
    wss = PahoClient(Endpoint("localhost", ws.port), 4, transport="websockets",
                     tls_ca_certs=str(pki.ca_cert))
    clients._owned.append(wss)
    wss.connect()
    wss.publish(topic, b"over wss", qos=1)
    assert [m.payload for m in tcp_sub.wait_for_messages(1)] == [b"over wss"]
    assert "(WebSockets over TLS)" in broker.read_log()


# ---- a bare WebSocket client for exact frames --------------------------------------------


def upgrade(port: int, protocol: str = "mqtt", extra: str = "") -> tuple[socket.socket, bytes]:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET /mqtt HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               f"Sec-WebSocket-Version: 13\r\n{extra}")
    if protocol:
        request += f"Sec-WebSocket-Protocol: {protocol}\r\n"
    s.sendall((request + "\r\n").encode())
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = s.recv(4096)
        if not chunk:
            break
        response += chunk
    return s, response


def frame(opcode: int, payload: bytes, fin: bool = True, masked: bool = True) -> bytes:
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    mask_bit = 0x80 if masked else 0
    if n < 126:
        head += bytes([mask_bit | n])
    elif n < 65536:
        head += bytes([mask_bit | 126]) + struct.pack(">H", n)
    else:
        head += bytes([mask_bit | 127]) + struct.pack(">Q", n)
    if not masked:
        return head + payload
    return head + MASK + bytes(b ^ MASK[i % 4] for i, b in enumerate(payload))


def read_frame(s: socket.socket) -> tuple[int, bytes]:
    def exactly(n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = s.recv(n - len(data))
            assert chunk, "connection closed"
            data += chunk
        return data
    b0, b1 = exactly(2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack(">H", exactly(2))[0]
    elif n == 127:
        n = struct.unpack(">Q", exactly(8))[0]
    assert not b1 & 0x80, "server frames are never masked"
    return b0 & 0x0F, exactly(n)


def eof(s: socket.socket) -> bool:
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True


CONNECT_311 = bytes([0x10, 0x0E, 0x00, 0x04]) + b"MQTT" + bytes([0x04, 0x02, 0x00, 0x3C,
                                                                 0x00, 0x02]) + b"ws"


def test_mqtt_packets_split_over_frames_with_pings_between(broker_factory):
    broker, ws = start_ws_broker(broker_factory)
    s, response = upgrade(ws.port)
    with s:
        assert response.startswith(b"HTTP/1.1 101 "), response
        assert b"Sec-WebSocket-Protocol: mqtt\r\n" in response
        # CONNECT in three fragments, a ping between them, then PINGREQ in the same frame as
        # the end of CONNECT.
        s.sendall(frame(0x2, CONNECT_311[:3], fin=False) + frame(0x9, b"are you there")
                  + frame(0x0, CONNECT_311[3:9], fin=False)
                  + frame(0x0, CONNECT_311[9:] + b"\xc0\x00", fin=True))
        assert read_frame(s) == (0xA, b"are you there")
        # CONNACK and PINGRESP, in one binary frame or two.
        received = b""
        while len(received) < 6:
            opcode, body = read_frame(s)
            assert opcode == 0x2
            received += body
        assert received == b"\x20\x02\x00\x00\xd0\x00"
        s.sendall(frame(0x8, b"\x03\xe8"))
        assert read_frame(s) == (0x8, b"\x03\xe8")
        assert eof(s)
    assert broker.alive()


@pytest.mark.parametrize("name,payload,close_code", [
    ("unmasked", frame(0x2, CONNECT_311, masked=False), 1002),
    ("text frame", frame(0x1, b"hello"), 1003),
    ("huge declared length", b"\x82\xff" + struct.pack(">Q", 2**62) + MASK, 1009),
    ("reserved bits", b"\xc2\x80" + MASK, 1002),
])
def test_hostile_frames_close_only_that_connection(broker_factory, name, payload, close_code):
    broker, ws = start_ws_broker(broker_factory, )
    bystander, response = upgrade(ws.port)
    with bystander:
        bystander.sendall(frame(0x2, CONNECT_311))
        assert read_frame(bystander)[1] == b"\x20\x02\x00\x00"
        s, response = upgrade(ws.port)
        with s:
            assert response.startswith(b"HTTP/1.1 101 ")
            s.sendall(payload)
            opcode, body = read_frame(s)
            assert opcode == 0x8 and struct.unpack(">H", body[:2])[0] == close_code, (name, body)
            assert eof(s)
        bystander.sendall(frame(0x2, b"\xc0\x00"))  # the bystander still gets its PINGRESP
        assert read_frame(bystander) == (0x2, b"\xd0\x00")
    assert broker.alive()
    assert "WebSocket protocol error" in broker.read_log()


@pytest.mark.parametrize("protocol,extra,status", [
    ("", "", b"400"),                       # no MQTT subprotocol
    ("chat", "", b"400"),
    ("mqtt", "Cookie: " + "x" * 2000 + "\r\n", b"431"),  # over websockets_headers_size
])
def test_bad_upgrade_requests_get_an_http_error(broker_factory, protocol, extra, status):
    broker, ws = start_ws_broker(broker_factory)
    s, response = upgrade(ws.port, protocol, extra)
    with s:
        assert response.split(b" ")[1] == status, response
        assert eof(s)
    assert broker.alive()


def test_websockets_origin_refuses_other_web_pages(broker_factory):
    broker, ws = start_ws_broker(broker_factory, ["websockets_origin https://dashboard.example"])
    s, response = upgrade(ws.port, extra="Origin: https://evil.example\r\n")
    with s:
        assert response.startswith(b"HTTP/1.1 403 "), response
    for extra in ("Origin: https://dashboard.example\r\n", ""):  # no Origin: not a browser
        s, response = upgrade(ws.port, extra=extra)
        with s:
            assert response.startswith(b"HTTP/1.1 101 "), response
    assert "Origin 'https://evil.example' is not a websockets_origin" in broker.read_log()


def test_plain_mqtt_on_a_websockets_listener_is_refused(broker_factory):
    broker, ws = start_ws_broker(broker_factory)
    with socket.create_connection(("127.0.0.1", ws.port), timeout=5) as s:
        s.sendall(CONNECT_311)
        # Not an HTTP request: nothing but the 400 answer (or an EOF) comes back once the
        # request would be complete; the connection goes at the handshake timeout at the latest.
        s.sendall(b"\r\n\r\n")
        data = s.recv(4096)
        assert data.startswith(b"HTTP/1.1 400") or data == b"", data
    assert broker.alive()

#!/usr/bin/python3
"""QoS 1 1→1 throughput, 100-byte payloads, with persistence off / sync / interval.

Starts trustmq-broker itself (127.0.0.1, ephemeral port, temporary store), connects one
publisher (clean session, WINDOW QoS 1 messages in flight) and one subscriber with a
persistent session (clean session 0: its messages are stored), both over raw sockets in this
one process, and counts messages the publisher saw PUBACKed and the subscriber received
during SECONDS. Python drives both clients, so the "off" figure is bounded by this script,
not only by the broker; the machine's load average is printed with the results.

usage: qos1_throughput.py BROKER [ENGINE] [SECONDS]
"""

import os
import selectors
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "e2e"))
from raw_mqtt import RawConnection, connect_packet, encode_varint, utf8  # noqa: E402

WINDOW = 100
PAYLOAD = b"x" * 100


def complete_packets(conn: RawConnection):
    """Yields (type, body) of every complete packet already buffered, without reading more."""
    buf = conn._buffer
    pos = 0
    while len(buf) - pos >= 2:
        length, shift, i = 0, 0, pos + 1
        while i < len(buf) and buf[i] & 0x80:
            length += (buf[i] & 0x7F) << shift
            shift += 7
            i += 1
        if i >= len(buf):
            break
        length += (buf[i] & 0x7F) << shift
        i += 1
        if len(buf) < i + length:
            break
        yield buf[pos] >> 4, buf[i:i + length]
        pos = i + length
    conn._buffer = buf[pos:]


def drain(conn: RawConnection) -> None:
    conn.sock.setblocking(False)
    try:
        while True:
            chunk = conn.sock.recv(1 << 20)
            if not chunk:
                break
            conn._buffer += chunk
    except BlockingIOError:
        pass
    conn.sock.setblocking(True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(broker: str, engine: str, mode: str, seconds: float) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as work:
        port = free_port()
        lines = [f"listener {port} 127.0.0.1", "allow_anonymous true", "log_type error",
                 "sys_interval 0", "max_queued_messages 0", f"state_dir {work}"]
        if mode != "off":
            lines += ["persistence true", f"persistence_location {work}/store",
                      f"persistence_durability {mode}", "autosave_interval 1"]
        conf = os.path.join(work, "b.conf")
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        proc = subprocess.Popen([broker, "-c", conf, "--engine", engine],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port), 0.1).close()
                    break
                except OSError:
                    time.sleep(0.02)
            sub = RawConnection("127.0.0.1", port)
            sub.send(connect_packet("bench-sub", version=4, clean=False))
            sub.read_packet()
            body = struct.pack("!H", 1) + utf8("bench/t") + b"\x01"
            sub.send(b"\x82" + encode_varint(len(body)) + body)
            sub.read_packet()
            pub = RawConnection("127.0.0.1", port)
            pub.send(connect_packet("bench-pub", version=4, clean=True))
            pub.read_packet()
            mid, inflight, acked, received = 0, 0, 0, 0
            start = time.monotonic()
            end = start + seconds
            while time.monotonic() < end:
                out = bytearray()
                while inflight < WINDOW:
                    mid = mid % 65535 + 1
                    b = utf8("bench/t") + struct.pack("!H", mid) + PAYLOAD
                    out += b"\x32" + encode_varint(len(b)) + b
                    inflight += 1
                if out:
                    pub.send(bytes(out))
                # Subscriber: read what is there, ack every PUBLISH.
                drain(sub)
                acks = bytearray()
                for kind, body in complete_packets(sub):
                    if kind == 3:
                        (tl,) = struct.unpack("!H", body[:2])
                        acks += b"\x40\x02" + body[2 + tl:4 + tl]
                        received += 1
                if acks:
                    sub.send(bytes(acks))
                # Publisher: wait briefly for acknowledgements.
                pub.sock.settimeout(0.0005)
                try:
                    chunk = pub.sock.recv(1 << 20)
                    pub._buffer += chunk
                except (socket.timeout, BlockingIOError):
                    pass
                drain(pub)
                for kind, _ in complete_packets(pub):
                    if kind == 4:
                        inflight -= 1
                        acked += 1
            elapsed = time.monotonic() - start
            return acked / elapsed, received / elapsed
        finally:
            proc.terminate()
            proc.wait(10)


def main() -> None:
    broker = sys.argv[1]
    engine = sys.argv[2] if len(sys.argv) > 2 else "native"
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 5.0
    print(f"load average {os.getloadavg()}, engine {engine}, {seconds} s, window {WINDOW}")
    for mode in ("off", "sync", "interval"):
        acked, received = run(broker, engine, mode, seconds)
        print(f"persistence {mode:8}: {acked:8.0f} msg/s acknowledged, {received:8.0f} msg/s delivered")


if __name__ == "__main__":
    main()

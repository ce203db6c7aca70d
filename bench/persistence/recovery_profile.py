#!/usr/bin/python3
"""Instruction count of a trustmq restart with N stored QoS 1 messages (issue 11, recovery).

Fills a store through the broker (one offline durable session, MQTT 3.1.1, N QoS 1 messages of
100 B, persistence_durability interval, clean stop), then restarts the broker on it once under
`valgrind --tool=callgrind`, counting only Server::open_persistence (open the store, unseal and
restore every record; nothing else runs then), and prints the instructions, the broker's own
"restored … in N ms" line and the store's size; before that, one plain restart gives the
broker's resident memory and CPU time once it accepts connections. Instruction counts do not depend on the
machine's load, unlike the seconds of `trustmq-bench --cases recovery`; use them to compare two
builds:

  bench/persistence/recovery_profile.py --broker build/apps/trustmq-broker/trustmq-broker \
      --messages 100000 [--engine native] [--keep-profile DIR]

Every process it starts is stopped by its PID; the store lives in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def encode_length(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n % 128
        n //= 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def mqtt_string(text: str) -> bytes:
    data = text.encode()
    return struct.pack("!H", len(data)) + data


def connect_packet(client_id: str, clean: bool) -> bytes:
    body = mqtt_string("MQTT") + bytes([4, 2 if clean else 0]) + struct.pack("!H", 60)
    body += mqtt_string(client_id)
    return bytes([0x10]) + encode_length(len(body)) + body


def read_packet(sock: socket.socket, buffer: bytearray) -> tuple[int, bytes]:
    while True:
        if len(buffer) >= 2:
            length, multiplier, i = 0, 1, 1
            while i < len(buffer):
                length += (buffer[i] & 0x7F) * multiplier
                multiplier *= 128
                if not buffer[i] & 0x80:
                    break
                i += 1
            if i < len(buffer) and len(buffer) >= i + 1 + length:
                packet_type = buffer[0] >> 4
                body = bytes(buffer[i + 1:i + 1 + length])
                del buffer[:i + 1 + length]
                return packet_type, body
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("the broker closed the connection")
        buffer += chunk


def open_client(port: int, client_id: str, clean: bool) -> tuple[socket.socket, bytearray]:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(connect_packet(client_id, clean))
    buffer = bytearray()
    packet_type, body = read_packet(sock, buffer)
    if packet_type != 2 or body[1] != 0:
        raise RuntimeError(f"CONNACK refused: {body!r}")
    return sock, buffer


def fill(port: int, topic: str, count: int) -> None:
    sub, buffer = open_client(port, "recovery-subscriber", clean=False)
    body = struct.pack("!H", 1) + mqtt_string(topic) + bytes([1])
    sub.sendall(bytes([0x82]) + encode_length(len(body)) + body)
    if read_packet(sub, buffer)[0] != 9:
        raise RuntimeError("no SUBACK")
    sub.sendall(b"\xe0\x00")
    sub.close()
    pub, buffer = open_client(port, "recovery-publisher", clean=True)
    payload = b"r" * 100
    sent = acked = 0
    in_flight = 0
    while acked < count:
        batch = bytearray()
        while sent < count and in_flight < 20:
            packet_id = sent % 65535 + 1
            body = mqtt_string(topic) + struct.pack("!H", packet_id) + payload
            batch += bytes([0x32]) + encode_length(len(body)) + body
            sent += 1
            in_flight += 1
        if batch:
            pub.sendall(batch)
        packet_type, _ = read_packet(pub, buffer)
        if packet_type == 4:
            acked += 1
            in_flight -= 1
    pub.sendall(b"\xe0\x00")
    pub.close()


def wait_for_port(port: int, process: subprocess.Popen, timeout_s: float, log: Path) -> None:
    """Until the broker says it listens (its log is new for each start): a connection test
    alone could reach another process that took the port between two starts."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the broker exited with {process.returncode}")
        if f"listening on 127.0.0.1:{port}" in log.read_text(errors="replace"):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
            return
        time.sleep(0.05)
    raise RuntimeError("the broker did not start listening")


def stop(process: subprocess.Popen, timeout_s: float) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise RuntimeError("the broker did not stop cleanly")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--broker", required=True)
    parser.add_argument("--engine", default="native")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--keep-profile", help="copy callgrind.out here (for callgrind_annotate)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="trustmq-recovery-profile-"))
    try:
        port = free_port()
        store = work / "store"
        config = work / "broker.conf"
        log = work / "broker.log"
        config.write_text("\n".join([
            f"listener {port} 127.0.0.1", "allow_anonymous true", "log_dest stderr",
            "log_type error", "log_type warning", "log_type notice", "persistence true",
            f"persistence_location {store}", "persistence_durability interval",
            "max_queued_messages 0"]) + "\n")
        command = [args.broker, "-c", str(config), "--engine", args.engine]
        with open(log, "w") as out:
            broker = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for_port(port, broker, 30, log)
            started = time.monotonic()
            fill(port, "recovery/profile", args.messages)
            filled_s = time.monotonic() - started
        finally:
            stop(broker, 120 + args.messages / 1000)
        store_bytes = sum(f.stat().st_size for f in store.iterdir() if f.is_file())
        with sqlite3.connect(f"file:{store / 'trustmq.db'}?mode=ro", uri=True) as db:
            pages, page_size = db.execute("PRAGMA page_count").fetchone()[0], \
                db.execute("PRAGMA page_size").fetchone()[0]
            rows, keys, values = db.execute(
                "SELECT count(*), sum(length(key)), sum(length(value)) FROM records").fetchone()
        db.close()
        layout = (f"{rows} rows: key {keys / rows:.0f} + sealed value {values / rows:.0f} bytes a "
                  f"row, {pages} pages of {page_size} bytes = {pages * page_size / rows:.0f} bytes "
                  f"a row on disk")

        # A plain restart first: the broker's resident memory and CPU time once it accepts.
        with open(log, "w") as out:
            broker = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for_port(port, broker, 120 + args.messages / 1000, log)
            status = Path(f"/proc/{broker.pid}/status").read_text()
            resident_kib = int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)[1])
            cpu_s = sum(int(Path(task, "schedstat").read_text().split()[0])
                        for task in Path(f"/proc/{broker.pid}/task").iterdir()) / 1e9
        finally:
            stop(broker, 120 + args.messages / 1000)

        profile = work / "callgrind.out"
        callgrind = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={profile}",
                     "--collect-atstart=no",
                     "--toggle-collect=trustmq::shell::Server::open_persistence()"]
        with open(log, "w") as out:
            broker = subprocess.Popen(callgrind + command, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for_port(port, broker, 600 + args.messages / 100, log)
        finally:
            stop(broker, 600)
        text = log.read_text()
        restored = re.search(r"restored (\d+) record\(s\), refused (\d+), in (\d+) ms", text)
        totals = re.search(r"^summary: (\d+)", profile.read_text(), re.MULTILINE)
        if not restored or not totals:
            print(text, file=sys.stderr)
            raise RuntimeError("no restore line or no callgrind summary")
        load = os.getloadavg()
        print(f"messages {args.messages}, engine {args.engine}: filled in {filled_s:.1f} s; "
              f"store {store_bytes} bytes ({store_bytes / args.messages:.0f} per message; "
              f"{layout}); "
              f"restored {restored[1]} record(s), refused {restored[2]}; "
              f"open_persistence {int(totals[1]):,} instructions "
              f"({int(totals[1]) / args.messages:,.0f} per message); "
              f"under callgrind {restored[3]} ms; without: broker CPU {cpu_s:.2f} s until it "
              f"accepts, resident {resident_kib / 1024:.1f} MiB "
              f"({resident_kib * 1024 / args.messages:.0f} bytes per message); "
              f"load average {load[0]:.1f}")
        if args.keep_profile:
            Path(args.keep_profile).mkdir(parents=True, exist_ok=True)
            shutil.copy(profile, Path(args.keep_profile) / "callgrind.out")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

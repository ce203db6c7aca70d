#!/usr/bin/env python3
"""Resident memory per idle connection of one broker (docs/benchmarks.md, "Where the time and
memory go"): starts BROKER_COMMAND (anything after --, e.g. prefixed by `heaptrack -o FILE`),
opens COUNT idle MQTT 3.1.1 connections (plain, or TLS with --tls), prints the broker's VmRSS
before and after and the difference per connection, closes them and stops the broker by its PID.

  bench/profile/idle_memory.py --port 18841 --count 1000 -- build/apps/trustmq-broker/trustmq-broker -c broker.conf
The config must have a listener on 127.0.0.1:PORT (with certfile/keyfile for --tls).
"""
from __future__ import annotations

import argparse
import os
import resource
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "e2e"))
from raw_mqtt import connect_packet  # noqa: E402

CONNACK_ACCEPTED_V311 = b"\x20\x02\x00\x00"


def resident_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def broker_pid(root: int) -> int:
    """The broker process: `root` itself or, under a wrapper such as heaptrack, a descendant."""
    todo = [root]
    while todo:
        pid = todo.pop()
        try:
            exe = Path(f"/proc/{pid}/cmdline").read_text().split("\0")[0]
            if Path(exe).name in ("trustmq-broker", "mosquitto"):
                return pid
            for task in os.listdir(f"/proc/{pid}/task"):
                todo += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
        except OSError:
            pass
    raise RuntimeError("broker process not found under the started command")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--tls", action="store_true")
    parser.add_argument("--log", default="/dev/null", help="the broker's stdout/stderr")
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, args.count + 512)), hard))
    context = None
    if args.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    with open(args.log, "wb") as log:
        process = subprocess.Popen(args.command, stdout=log, stderr=subprocess.STDOUT)
    sockets: list[socket.socket] = []
    pid = None
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, f"the broker exited with {process.returncode}"
            try:
                socket.create_connection(("127.0.0.1", args.port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the broker did not listen within 120 s"
                time.sleep(0.5)
        time.sleep(2)  # start-up allocations settle
        pid = broker_pid(process.pid)
        before = resident_kib(pid)
        for i in range(args.count):
            sock = socket.create_connection(("127.0.0.1", args.port), timeout=30)
            if context is not None:
                sock = context.wrap_socket(sock)
            sock.sendall(connect_packet(f"idle-{i}", version=4, keepalive=0))
            assert sock.recv(4) == CONNACK_ACCEPTED_V311, f"connection {i} refused"
            sockets.append(sock)
        time.sleep(1)
        after = resident_kib(pid)
        per = (after - before) * 1024 / args.count
        print(f"{args.count} idle {'TLS' if args.tls else 'plain'} connections: VmRSS {before} -> "
              f"{after} KiB, {per:.0f} bytes per connection")
    finally:
        for sock in sockets:
            sock.close()
        time.sleep(1)
        if pid is not None and process.poll() is None:
            os.kill(pid, signal.SIGTERM)  # the broker itself, so a wrapper can write its data
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())

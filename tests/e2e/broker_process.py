"""The broker under test as a child process: config file, start, readiness, stop, crash checks.

Works for Debian's mosquitto 2.0.11 (the reference that proves the tests) and for
trustmq-broker with any engine; both read the same mosquitto.conf syntax.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

MOSQUITTO_PASSWD = "/usr/bin/mosquitto_passwd"

START_TIMEOUT_S = 5.0
STOP_TIMEOUT_S = 5.0

# Lines that mean a sanitizer (ASan/UBSan/LSan) found a bug in the broker.
SANITIZER_MARKERS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "UndefinedBehaviorSanitizer",
    "runtime error:",
)


@dataclass
class BrokerKind:
    """Which broker binary to run and how to call it."""

    name: str  # "trustmq" or "mosquitto"
    path: str
    engine: str | None = None  # trustmq only

    def command(self, config_path: Path) -> list[str]:
        cmd = [self.path, "-c", str(config_path)]
        if self.name == "trustmq" and self.engine:
            cmd += ["--engine", self.engine]
        return cmd

    def config_lines(self) -> list[str]:
        """Lines only this kind of broker needs."""
        if self.name == "mosquitto" and os.geteuid() == 0:
            # Started as root, mosquitto would switch to user "mosquitto" and then fail to
            # read our root-owned password/acl files in root's private temp directory.
            return ["user root"]
        return []


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_password_file(path: Path, users: dict[str, str]) -> None:
    """Writes a mosquitto password file with the real mosquitto_passwd (PBKDF2-SHA512 hashes)."""
    first = True
    for user, password in users.items():
        args = [MOSQUITTO_PASSWD] + (["-c"] if first else []) + ["-b", str(path), user, password]
        subprocess.run(args, check=True, timeout=10, capture_output=True)
        first = False


@dataclass
class BrokerSettings:
    """The subset of mosquitto.conf the suite uses. None means: leave the line out."""

    allow_anonymous: bool = True
    users: dict[str, str] | None = None  # -> password_file
    acl: str | None = None  # text of an acl_file
    max_inflight_messages: int | None = None
    max_queued_messages: int | None = None
    message_size_limit: int | None = None
    persistent_client_expiration: str | None = None
    sys_interval: int | None = None
    extra_lines: list[str] = field(default_factory=list)


def listens_on(pid: int, port: int) -> bool:
    """True when process `pid` holds the listening TCP socket of `port` (/proc/net/tcp[6])."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                inodes.add(fields[9])
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            return True
    return False


def wait_for_listener(process: subprocess.Popen, port: int, timeout_s: float, log) -> None:
    """Waits until `process` itself listens on 127.0.0.1:`port` (another process may hold a port
    that free_port() gave out); fails with `log()` when it exits or the time is up."""
    deadline = time.monotonic() + timeout_s
    while True:
        assert process.poll() is None, f"broker exited ({process.returncode}):\n{log()}"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                if listens_on(process.pid, port):
                    return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"port {port} not accepting within {timeout_s} s:\n{log()}"
        time.sleep(0.02)


class BrokerProcess:
    """One running broker. Start with start(); stop() terminates it by PID and checks its exit."""

    def __init__(self, kind: BrokerKind, settings: BrokerSettings, workdir: Path, label: str):
        self.kind = kind
        self.settings = settings
        self.workdir = workdir
        self.label = label
        self.host = "127.0.0.1"
        self.port = 0
        self.log_path = workdir / "broker.log"
        self.config_path = workdir / "broker.conf"
        self.process: subprocess.Popen | None = None
        self.exit_status: int | None = None
        self._log_file = None

    # ---- config -------------------------------------------------------------------------

    def _write_config(self) -> None:
        s = self.settings
        lines = [
            f"listener {self.port} {self.host}",
            f"allow_anonymous {'true' if s.allow_anonymous else 'false'}",
            "log_dest stderr",
            "log_type all",
        ]
        if s.users is not None:
            pw = self.workdir / "passwords"
            make_password_file(pw, s.users)
            lines.append(f"password_file {pw}")
        if s.acl is not None:
            acl = self.workdir / "acl"
            acl.write_text(s.acl)
            lines.append(f"acl_file {acl}")
        for key in (
            "max_inflight_messages",
            "max_queued_messages",
            "message_size_limit",
            "persistent_client_expiration",
            "sys_interval",
        ):
            value = getattr(s, key)
            if value is not None:
                lines.append(f"{key} {value}")
        lines += self.kind.config_lines()
        lines += s.extra_lines
        self.config_path.write_text("\n".join(lines) + "\n")

    # ---- lifecycle ----------------------------------------------------------------------

    def start(self, same_port: bool = False) -> "BrokerProcess":
        """Starts the broker; `same_port` restarts it on the port it had (after kill())."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        last_error = ""
        for _ in range(1 if same_port else 3):  # a free port can be taken by someone else
            if not same_port:
                self.port = free_port()
            self._write_config()
            if self._spawn_and_wait():
                return self
            last_error = self.read_log()
            if "in use" not in last_error.lower():
                break
        raise AssertionError(
            f"broker {self.kind.name} did not accept connections on {self.host}:{self.port} "
            f"within {START_TIMEOUT_S} s; log:\n{last_error}"
        )

    def _spawn_and_wait(self) -> bool:
        self._log_file = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            self.kind.command(self.config_path),
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.exit_status = self.process.returncode
                self._log_file.close()
                return False
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    # Another process may have taken the port between free_port() and our
                    # bind: then our broker exits with "in use" and start() picks another.
                    if listens_on(self.process.pid, self.port):
                        return True
            except OSError:
                pass
            time.sleep(0.01)
        self._kill()
        return False

    def kill(self) -> None:
        """SIGKILL by PID (a crash: nothing is flushed or committed); start() may follow."""
        self._kill()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=STOP_TIMEOUT_S)
        if self._log_file is not None:
            self._log_file.close()

    def stop(self) -> list[str]:
        """Stops the broker by PID (SIGTERM, then SIGKILL after a timeout).

        Returns the problems found: died during the test, did not stop, non-zero exit status,
        sanitizer report in the log. An empty list means a clean run.
        """
        problems: list[str] = []
        if self.process is None:
            return problems
        if self.process.poll() is not None:
            problems.append(
                f"broker exited during the test with status {self.process.returncode}"
            )
        else:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                problems.append(f"broker did not exit within {STOP_TIMEOUT_S} s of SIGTERM")
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=STOP_TIMEOUT_S)
            if self.process.returncode != 0 and not problems:
                problems.append(
                    f"broker exited with status {self.process.returncode} after SIGTERM "
                    "(expected 0)"
                )
        self.exit_status = self.process.returncode
        if self._log_file is not None:
            self._log_file.close()
        log = self.read_log()
        for marker in SANITIZER_MARKERS:
            if marker in log:
                problems.append(f"sanitizer report in broker log ({marker!r})")
                break
        return problems

    def resident_kib(self) -> int:
        """The broker process's resident set (VmRSS) in KiB."""
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError(f"no VmRSS for pid {self.process.pid}")

    def read_log(self) -> str:
        try:
            return self.log_path.read_bytes().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return ""

"""Helpers for the TLS end-to-end tests (test_tls_*.py): a CA made with the openssl CLI, a
broker with an extra TLS listener, Debian's mosquitto clients over TLS, and the trustmq CLI.

Every subprocess runs with a timeout; every wait is bounded.
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from broker_process import BrokerSettings, free_port, wait_for_listener

MOSQUITTO_SUB = "/usr/bin/mosquitto_sub"
MOSQUITTO_PUB = "/usr/bin/mosquitto_pub"
OPENSSL = "/usr/bin/openssl"
RUN_TIMEOUT_S = 20


def run(args: list[str], timeout: float = RUN_TIMEOUT_S, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=timeout, **kwargs
    )


# ---- certificates -------------------------------------------------------------------------


@dataclass
class Pki:
    """A test CA with one server certificate (localhost, 127.0.0.1) and client certificates."""

    directory: Path
    ca_cert: Path
    ca_key: Path
    server_cert: Path
    server_key: Path

    def client_certificate(self, common_name: str) -> tuple[Path, Path]:
        return issue(self.directory, self.ca_cert, self.ca_key, f"client-{common_name}",
                     common_name, extensions="extendedKeyUsage=clientAuth")


def _openssl(args: list) -> None:
    result = run([OPENSSL] + args)
    assert result.returncode == 0, f"openssl {args[0]} failed: {result.stderr}"


def issue(directory: Path, ca_cert: Path, ca_key: Path, name: str, common_name: str,
          extensions: str) -> tuple[Path, Path]:
    key, csr, cert = directory / f"{name}.key", directory / f"{name}.csr", directory / f"{name}.pem"
    ext = directory / f"{name}.ext"
    ext.write_text(extensions + "\n")
    _openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
              "-keyout", key, "-out", csr, "-subj", f"/CN={common_name}"])
    _openssl(["x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-CAcreateserial",
              "-out", cert, "-days", "2", "-extfile", ext])
    return cert, key


def make_pki(directory: Path) -> Pki:
    directory.mkdir(parents=True, exist_ok=True)
    ca_cert, ca_key = directory / "ca.pem", directory / "ca.key"
    _openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
              "-keyout", ca_key, "-out", ca_cert, "-days", "2", "-subj", "/CN=trustmq e2e test CA",
              "-addext", "basicConstraints=critical,CA:TRUE",
              "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    server_cert, server_key = issue(directory, ca_cert, ca_key, "server", "localhost",
                                    "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                                    "extendedKeyUsage=serverAuth")
    return Pki(directory, ca_cert, ca_key, server_cert, server_key)


# ---- broker with a TLS listener -----------------------------------------------------------


@dataclass
class TlsBroker:
    broker: object  # BrokerProcess
    tls_port: int
    state_dir: Path | None

    @property
    def host(self) -> str:
        return self.broker.host

    def module_measurement(self) -> str:
        """The measurement trustmq-broker logs at start-up (the one its evidence carries)."""
        match = re.search(r"module measurement \(sha-256\) ([0-9a-f]{64})", self.broker.read_log())
        assert match, "broker log has no module measurement line:\n" + self.broker.read_log()
        return match.group(1)

    def wait_for_log(self, pattern: str, timeout: float = 5.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            log = self.broker.read_log()
            match = re.search(pattern, log)
            if match:
                return match.group(0)
            time.sleep(0.05)
        raise AssertionError(f"no log line matching {pattern!r} within {timeout} s:\n"
                             + self.broker.read_log())


def start_tls_broker(broker_factory, listener_lines: list[str], state_dir: Path | None = None,
                     top_lines: list[str] | None = None, **settings) -> TlsBroker:
    """A broker with its usual plain listener plus `listener PORT 127.0.0.1` and the given
    listener-scoped lines (certfile, attestation …). `state_dir` is trustmq's option."""
    port = free_port()
    extra = list(top_lines or [])
    if state_dir is not None:
        extra.append(f"state_dir {state_dir}")
    extra += [f"listener {port} 127.0.0.1"] + listener_lines
    broker = broker_factory(BrokerSettings(extra_lines=extra, **settings))
    wait_for_listener(broker.process, port, 5, broker.read_log)
    return TlsBroker(broker, port, state_dir)


# ---- mosquitto clients over TLS -----------------------------------------------------------


def mosquitto_pub(port: int, tls_args: list, topic: str, message: str, host: str = "localhost",
                  extra: list | None = None) -> subprocess.CompletedProcess:
    return run([MOSQUITTO_PUB, "-h", host, "-p", port, "-t", topic, "-m", message, "-q", "1",
                "-r"] + tls_args + (extra or []))


def mosquitto_sub_one(port: int, tls_args: list, topic: str, host: str = "localhost",
                      extra: list | None = None) -> subprocess.CompletedProcess:
    """Subscribes, waits for one message (a retained one arrives at once), prints the payload."""
    return run([MOSQUITTO_SUB, "-h", host, "-p", port, "-t", topic, "-C", "1", "-W", "5"]
               + tls_args + (extra or []))


# ---- the trustmq CLI ----------------------------------------------------------------------


def trustmq_cli(broker_path: str) -> Path:
    """`trustmq` next to trustmq-broker in the build tree (apps/trustmq/trustmq)."""
    cli = Path(broker_path).resolve().parent.parent / "trustmq" / "trustmq"
    assert cli.is_file(), f"trustmq CLI not found at {cli} (build the 'trustmq' target)"
    return cli

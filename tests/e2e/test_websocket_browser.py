"""A real browser over our WebSockets listener: headless Chromium (Debian package `chromium`)
loads a page that uses MQTT.js (npm package `mqtt`, its browser bundle dist/mqtt.min.js, put
in place by scripts/install-deps.sh) to subscribe and publish over `protocol websockets`,
while mosquitto_sub and mosquitto_pub on the plain TCP listener see and send the same messages.

Skipped — loudly, and a skip is not a pass — only when Chromium cannot run on this machine
(not installed, or it cannot start headless). A missing MQTT.js bundle is a failure: run
scripts/install-deps.sh.

trustmq only: Debian's mosquitto 2.0.11 is built without WebSockets support.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mqtt_clients import MosquittoSubscriber, mosquitto_publish
from test_websockets import start_ws_broker

pytestmark = pytest.mark.trustmq_only

MQTTJS_VERSION = "5.16.0"
CHROMIUM_START_S = 30  # a cold start on a loaded CI machine is slow


def mqttjs_bundle() -> Path:
    default = (Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "trustmq" /
               f"mqttjs-{MQTTJS_VERSION}" / "mqtt.min.js")
    return Path(os.environ.get("TRUSTMQ_MQTTJS", default))


def chromium_or_skip() -> str:
    path = shutil.which("chromium")
    why = None
    if path is None:
        why = "chromium is not installed (Debian package chromium; scripts/install-deps.sh)"
    else:
        probe = subprocess.run([path, "--headless", "--no-sandbox", "--disable-gpu",
                                "--dump-dom", "about:blank"],
                               capture_output=True, timeout=CHROMIUM_START_S)
        if probe.returncode != 0 or b"<html" not in probe.stdout:
            why = (f"chromium cannot run headless here (exit {probe.returncode}): "
                   f"{probe.stderr.decode(errors='replace')[-500:]}")
    if why:
        banner = "!" * 78
        sys.__stderr__.write(f"\n{banner}\nBROWSER WEBSOCKETS TEST NOT RUN (skipped, not passed): "
                             f"{why}\n{banner}\n")
        pytest.skip(f"BROWSER TEST NOT RUN: {why}")
    return path


# One page, two MQTT.js clients (MQTT 3.1.1 and 5): one Chromium start serves both.
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><script src="{bundle}"></script></head>
<body><script>
const topic = {topic!r};
for (const version of [4, 5]) {{
  const client = mqtt.connect("ws://127.0.0.1:{port}", {{
    protocolVersion: version, clientId: "browser-v" + version, reconnectPeriod: 0
  }});
  client.on("connect", () => {{
    client.subscribe(topic + "/to-browser/v" + version, {{ qos: 1 }}, (err) => {{
      if (err) {{ client.publish(topic + "/from-browser", "error " + err); return; }}
      // Subscribed: say so to the TCP side, which then sends to the browser.
      client.publish(topic + "/from-browser", "ready v" + version, {{ qos: 1 }});
    }});
  }});
  client.on("message", (t, payload) => {{
    client.publish(topic + "/from-browser", "echo " + t + " " + payload.toString(), {{ qos: 1 }});
  }});
  client.on("error", () => client.end());
}}
</script></body></html>
"""


def start_chromium(chromium: str, page: Path, profile: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--allow-file-access-from-files", f"--user-data-dir={profile}", page.as_uri()],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def stop_chromium(proc: subprocess.Popen) -> str:
    """Stops Chromium and the helpers it started (its own process group, by its PID)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # helpers that outlived the main process
    except ProcessLookupError:
        pass
    return proc.stderr.read().decode(errors="replace")[-2000:] if proc.stderr else ""


def test_mqttjs_in_chromium_talks_with_tcp_clients(broker_factory, client_factory, tmp_path,
                                                   topic):
    bundle = mqttjs_bundle()
    assert bundle.is_file(), f"{bundle} missing: run scripts/install-deps.sh (MQTT.js bundle)"
    chromium = chromium_or_skip()
    broker, ws = start_ws_broker(broker_factory)
    clients = client_factory(broker)
    tcp_sub = MosquittoSubscriber(broker, 311, [f"{topic}/from-browser"], qos=1)
    clients._owned.append(tcp_sub)
    tcp_sub.wait_subscribed()

    page = tmp_path / "page.html"
    shutil.copy(bundle, tmp_path / "mqtt.min.js")
    page.write_text(PAGE.format(bundle="mqtt.min.js", topic=topic, port=ws.port))
    proc = start_chromium(chromium, page, tmp_path / "profile")
    try:
        ready = tcp_sub.wait_for_messages(2, timeout=CHROMIUM_START_S)
        assert sorted(m.payload for m in ready) == [b"ready v4", b"ready v5"]
        # TCP -> browser -> TCP: each browser client echoes what it got over the WebSocket.
        for version in (4, 5):
            for i in range(2):
                mosquitto_publish(broker, 311, f"{topic}/to-browser/v{version}",
                                  [f"m{i}".encode()], qos=1, workdir=tmp_path)
        got = tcp_sub.wait_for_messages(6)
        echoes = sorted(m.payload for m in got[2:])
        assert echoes == [f"echo {topic}/to-browser/v{v} m{i}".encode()
                          for v in (4, 5) for i in range(2)]
        log = broker.read_log()
        assert "as browser-v4 (p4" in log and "as browser-v5 (p5" in log, log
    finally:
        chromium_log = stop_chromium(proc)
    assert broker.alive(), chromium_log

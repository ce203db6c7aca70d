"""TLS listeners with Debian's mosquitto_pub/mosquitto_sub: server certificate from a CA made
with openssl, client certificates (require_certificate, use_identity_as_username) and TLS-PSK
(psk_file). Runs against mosquitto 2.0.11 too, which proves the tests."""

from __future__ import annotations

import pytest

from tls_helpers import make_pki, mosquitto_pub, mosquitto_sub_one, start_tls_broker

PSK_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


@pytest.fixture
def pki(tmp_path):
    return make_pki(tmp_path / "pki")


def server_lines(pki) -> list[str]:
    return [f"certfile {pki.server_cert}", f"keyfile {pki.server_key}"]


def test_publish_and_subscribe_over_tls_with_cafile(broker_factory, pki, topic):
    tb = start_tls_broker(broker_factory, server_lines(pki))
    tls = ["--cafile", pki.ca_cert]
    pub = mosquitto_pub(tb.tls_port, tls, topic, "over tls")
    assert pub.returncode == 0, pub.stderr
    sub = mosquitto_sub_one(tb.tls_port, tls, topic)
    assert sub.returncode == 0, sub.stderr
    assert sub.stdout.strip() == "over tls"


def test_client_rejects_a_certificate_from_another_ca(broker_factory, pki, tmp_path, topic):
    tb = start_tls_broker(broker_factory, server_lines(pki))
    other = make_pki(tmp_path / "other-pki")
    pub = mosquitto_pub(tb.tls_port, ["--cafile", other.ca_cert], topic, "x")
    assert pub.returncode != 0
    # The failed handshake closed only that connection: the broker still serves TLS clients.
    ok = mosquitto_pub(tb.tls_port, ["--cafile", pki.ca_cert], topic, "still up")
    assert ok.returncode == 0, ok.stderr


def test_require_certificate_accepts_clients_of_the_ca_only(broker_factory, pki, topic):
    tb = start_tls_broker(broker_factory, server_lines(pki) + [
        f"cafile {pki.ca_cert}", "require_certificate true"])
    cert, key = pki.client_certificate("alice")
    with_cert = ["--cafile", pki.ca_cert, "--cert", cert, "--key", key]
    pub = mosquitto_pub(tb.tls_port, with_cert, topic, "from alice")
    assert pub.returncode == 0, pub.stderr
    sub = mosquitto_sub_one(tb.tls_port, with_cert, topic)
    assert sub.returncode == 0, sub.stderr
    assert sub.stdout.strip() == "from alice"
    without_cert = mosquitto_pub(tb.tls_port, ["--cafile", pki.ca_cert], topic, "anonymous")
    assert without_cert.returncode != 0


def test_use_identity_as_username_applies_the_acl_to_the_certificate_cn(broker_factory, pki):
    tb = start_tls_broker(
        broker_factory,
        server_lines(pki) + [f"cafile {pki.ca_cert}", "require_certificate true",
                             "use_identity_as_username true"],
        acl="pattern readwrite users/%u/#\n",
    )
    alice_cert, alice_key = pki.client_certificate("alice")
    bob_cert, bob_key = pki.client_certificate("bob")
    alice = ["--cafile", pki.ca_cert, "--cert", alice_cert, "--key", alice_key]
    bob = ["--cafile", pki.ca_cert, "--cert", bob_cert, "--key", bob_key]
    assert mosquitto_pub(tb.tls_port, bob, "users/bob/note", "bob's").returncode == 0
    assert mosquitto_pub(tb.tls_port, alice, "users/alice/note", "alice's").returncode == 0
    own = mosquitto_sub_one(tb.tls_port, alice, "users/alice/note")
    assert own.returncode == 0, own.stderr
    assert own.stdout.strip() == "alice's"
    # The ACL names alice (her certificate's CN): bob's topic stays closed to her.
    other = mosquitto_sub_one(tb.tls_port, alice, "users/bob/note", extra=["-W", "2"])
    assert "bob's" not in other.stdout
    # mosquitto grants and delivers nothing (timeout); trustmq refuses the subscription.
    assert other.returncode != 0 or "denied" in other.stderr


def test_psk_file(broker_factory, tmp_path, topic):
    psk_file = tmp_path / "psk"
    psk_file.write_text(f"# identity:key\nsensor1:{PSK_KEY}\n")
    tb = start_tls_broker(broker_factory, [f"psk_file {psk_file}", "psk_hint trustmq"])
    psk = ["--psk", PSK_KEY, "--psk-identity", "sensor1"]
    pub = mosquitto_pub(tb.tls_port, psk, topic, "via psk", host="127.0.0.1")
    assert pub.returncode == 0, pub.stderr
    sub = mosquitto_sub_one(tb.tls_port, psk, topic, host="127.0.0.1")
    assert sub.returncode == 0, sub.stderr
    assert sub.stdout.strip() == "via psk"
    wrong = mosquitto_pub(tb.tls_port, ["--psk", "ff" * 32, "--psk-identity", "sensor1"], topic,
                          "wrong key", host="127.0.0.1")
    assert wrong.returncode != 0
    unknown = mosquitto_pub(tb.tls_port, ["--psk", PSK_KEY, "--psk-identity", "nobody"], topic,
                            "unknown", host="127.0.0.1")
    assert unknown.returncode != 0

// TLS-PSK clients against a certificate-only TLS server (issue 7 A): `openssl s_server` with a
// self-signed certificate and no PSK stands in for an attacker who does not know the key.
// `trustmq pub --psk` must refuse the handshake, under TLS 1.3 (the server answers the PSK offer
// with a certificate) and under TLS 1.2 (the server would pick ECDHE-ECDSA), before any MQTT
// byte: the server never sees CONNECT with the user's password.
#include <gtest/gtest.h>

#include <string>

#include "broker_process.h"
#include "cli_process.h"

namespace trustmq::client {
namespace {

using namespace std::chrono_literals;
using test_support::TempDirectory;
using testing::ChildProcess;

constexpr const char* kPskKey = "00112233445566778899aabbccddeeff";

class PskAgainstCertificateServerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto cert =
        ChildProcess::exec({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:P-256", "-nodes", "-keyout", dir_.file("k.pem"),
                            "-out", dir_.file("c.pem"), "-subj", "/CN=attacker", "-days", "2"},
                           dir_.path());
    ASSERT_EQ(cert.wait(30s), 0) << cert.err();
  }
  // openssl s_server for one TLS version, certificate only; it prints what it receives.
  ChildProcess start_certificate_server(std::uint16_t port) {
    const std::string version = GetParam() == "tlsv1.2" ? "-tls1_2" : "-tls1_3";
    auto server = ChildProcess::exec({"/usr/bin/stdbuf", "-oL", "/usr/bin/openssl", "s_server",
                                      "-accept", "127.0.0.1:" + std::to_string(port), "-cert",
                                      dir_.file("c.pem"), "-key", dir_.file("k.pem"), version},
                                     dir_.path());
    EXPECT_TRUE(server.wait_for_output("ACCEPT", 10s)) << server.out() << server.err();
    return server;
  }

  TempDirectory dir_;
};

TEST_P(PskAgainstCertificateServerTest, PubRefusesTheHandshakeAndSendsNoCredentials) {
  const std::uint16_t port = testing::free_port();
  auto server = start_certificate_server(port);
  auto pub = testing::run_cli("pub",
                              {"-h", "127.0.0.1", "-p", std::to_string(port), "--psk", kPskKey,
                               "--psk-identity", "victim", "--tls-version", GetParam(), "-u",
                               "alice", "-P", "alicepw", "-t", "t", "-m", "secret payload"},
                              dir_.path());
  const auto rc = pub.wait(20s);
  server.stop();
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 1) << pub.err();
  // A clear error naming the PSK identity, before any MQTT traffic.
  EXPECT_NE(pub.err().find("pre-shared key for identity 'victim'"), std::string::npos) << pub.err();
  EXPECT_EQ(pub.err().find("timed out"), std::string::npos) << pub.err();
  // The server got no application data: no CONNECT ("MQTT"), no password.
  const std::string seen = server.out() + server.err();
  EXPECT_EQ(seen.find("alicepw"), std::string::npos) << seen;
  EXPECT_EQ(seen.find("MQTT"), std::string::npos) << seen;
}

INSTANTIATE_TEST_SUITE_P(TlsVersions, PskAgainstCertificateServerTest,
                         ::testing::Values("tlsv1.3", "tlsv1.2"), [](const auto& info) {
                           return info.param == "tlsv1.2" ? "Tls12" : "Tls13";
                         });

}  // namespace
}  // namespace trustmq::client

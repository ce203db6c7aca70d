// TLS-PSK clients against a certificate-only TLS server (issue 7 A): a server with a self-signed
// certificate and no PSK stands in for an attacker who does not know the key. `trustmq pub
// --psk` must refuse the handshake, under TLS 1.3 (the server answers the PSK offer with a
// certificate) and under TLS 1.2 (the server would pick ECDHE-ECDSA), before any MQTT byte: the
// server never completes a handshake and never sees CONNECT with the user's password.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <string>

#include "certificate_only_tls_server.h"
#include "cli_process.h"
#include "support/temp_directory.h"

namespace trustmq::client {
namespace {

using namespace std::chrono_literals;
using test_support::TempDirectory;
using testing::CertificateOnlyTlsServer;

constexpr const char* kPskKey = "00112233445566778899aabbccddeeff";

class PskAgainstCertificateServerTest : public ::testing::TestWithParam<std::string> {
 protected:
  int version() const { return GetParam() == "tlsv1.2" ? TLS1_2_VERSION : TLS1_3_VERSION; }
  TempDirectory dir_;
};

TEST_P(PskAgainstCertificateServerTest, PubRefusesTheHandshakeAndSendsNoCredentials) {
  auto server = CertificateOnlyTlsServer::start(dir_.file("tls"), version());
  ASSERT_NE(server, nullptr);
  auto pub = testing::run_cli("pub",
                              {"-h", "127.0.0.1", "-p", std::to_string(server->port()), "--psk",
                               kPskKey, "--psk-identity", "victim", "--tls-version", GetParam(),
                               "-u", "alice", "-P", "alicepw", "-t", "t", "-m", "secret payload"},
                              dir_.path());
  const auto rc = pub.wait(20s);
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 1) << pub.err();
  // A clear error naming the PSK identity, not a CONNACK timeout after the fact.
  EXPECT_NE(pub.err().find("pre-shared key for identity 'victim'"), std::string::npos) << pub.err();
  EXPECT_EQ(pub.err().find("timed out"), std::string::npos) << pub.err();
  // The server's handshake never completed, and no application data reached it.
  EXPECT_EQ(server->completed_handshakes(), 0);
  const std::string received = server->received();
  EXPECT_EQ(received.find("alicepw"), std::string::npos) << received;
  EXPECT_EQ(received.find("MQTT"), std::string::npos) << received;
  EXPECT_EQ(received, "");
}

INSTANTIATE_TEST_SUITE_P(TlsVersions, PskAgainstCertificateServerTest,
                         ::testing::Values("tlsv1.3", "tlsv1.2"), [](const auto& info) {
                           return info.param == "tlsv1.2" ? "Tls12" : "Tls13";
                         });

}  // namespace
}  // namespace trustmq::client

// Issue 7 A: a TLS-PSK client completes a handshake only when the server used the key. In
// process, over a socketpair: a certificate-only server (which knows no PSK) is refused under
// TLS 1.3 and TLS 1.2 before the server's handshake completes; a PSK server is accepted.
#include "tls/psk_client_authentication.h"

#include <gtest/gtest.h>

#include <string>

#include "handshake_pump.h"
#include "support/temp_directory.h"
#include "tls/tls_context.h"

namespace trustmq::tls {
namespace {

using testing::run_handshake;

constexpr const char* kIdentity = "device-1";

TlsClientConfig psk_client(const std::string& version) {
  TlsClientConfig config;
  config.psk_identity = kIdentity;
  config.psk_key_hex = std::string(64, '4');
  config.tls_version = version;
  config.verify_peer = false;  // what the CLI sets for --psk without --cafile
  return config;
}

// A server context of exactly one version.
SslCtxPtr server_of_version(TlsServerConfig config, int version) {
  auto ctx = make_server_context(config);
  EXPECT_TRUE(ctx.ok()) << ctx.error();
  SSL_CTX_set_min_proto_version(ctx->get(), version);
  SSL_CTX_set_max_proto_version(ctx->get(), version);
  return std::move(*ctx);
}

class PskClientAuthenticationTest : public ::testing::TestWithParam<int> {
 protected:
  std::string client_version() const {
    return GetParam() == TLS1_2_VERSION ? "tlsv1.2" : "tlsv1.3";
  }
  test_support::TempDirectory dir_;
};

TEST_P(PskClientAuthenticationTest, CertificateOnlyServerIsRefused) {
  TlsServerConfig certificate_only;
  certificate_only.state_dir = dir_.file("tls");  // generated self-signed certificate, no PSK
  auto sctx = server_of_version(certificate_only, GetParam());
  auto cctx = make_client_context(psk_client(client_version()));
  ASSERT_TRUE(cctx.ok()) << cctx.error();
  SslPtr c(SSL_new(cctx->get()));
  SslPtr s(SSL_new(sctx.get()));
  const auto r = run_handshake(c.get(), s.get());
  EXPECT_FALSE(r.client_ok());
  // The server's handshake does not complete either: it never gets to read application data.
  EXPECT_FALSE(r.server_ok());
  if (GetParam() == TLS1_3_VERSION) {
    // The server answered the PSK offer with its certificate, refused while verifying it.
    EXPECT_TRUE(server_certificate_refused(c.get()));
  } else {
    // TLS 1.2: the client offers PSK suites only, the server has none in common.
    EXPECT_FALSE(server_certificate_refused(c.get()));
  }
  EXPECT_FALSE(psk_authenticated(c.get()));
}

TEST_P(PskClientAuthenticationTest, PskServerIsAccepted) {
  TlsServerConfig psk_server;
  psk_server.psk_table = {{kIdentity, attest::Bytes(32, 0x44)}};
  auto sctx = server_of_version(psk_server, GetParam());
  auto cctx = make_client_context(psk_client(client_version()));
  ASSERT_TRUE(cctx.ok()) << cctx.error();
  SslPtr c(SSL_new(cctx->get()));
  SslPtr s(SSL_new(sctx.get()));
  const auto r = run_handshake(c.get(), s.get());
  ASSERT_TRUE(r.client_ok());
  ASSERT_TRUE(r.server_ok());
  EXPECT_EQ(SSL_version(c.get()), GetParam());
  EXPECT_TRUE(psk_authenticated(c.get()));
  EXPECT_FALSE(server_certificate_refused(c.get()));
  EXPECT_EQ(psk_identity_of(s.get()), kIdentity);
}

INSTANTIATE_TEST_SUITE_P(TlsVersions, PskClientAuthenticationTest,
                         ::testing::Values(TLS1_3_VERSION, TLS1_2_VERSION), [](const auto& info) {
                           return info.param == TLS1_2_VERSION ? "Tls12" : "Tls13";
                         });

TEST(PskClientAuthenticationTest, PskWithCafileIsAConfigurationError) {
  TlsClientConfig config = psk_client("tlsv1.3");
  config.cafile = "/etc/ssl/certs/ca-certificates.crt";
  auto ctx = make_client_context(config);
  ASSERT_FALSE(ctx.ok());
  EXPECT_NE(ctx.error().find("cafile"), std::string::npos) << ctx.error();
}

TEST(PskClientAuthenticationTest, RefusalMessagesNameIdentityAndPeer) {
  const std::string refused = psk_not_used_message("127.0.0.1:8883", "victim");
  EXPECT_NE(refused.find("127.0.0.1:8883"), std::string::npos) << refused;
  EXPECT_NE(refused.find("pre-shared key for identity 'victim'"), std::string::npos) << refused;
  EXPECT_NE(refused.find("nothing was sent"), std::string::npos) << refused;
  EXPECT_NE(psk_handshake_failure_hint("victim").find("identity 'victim'"), std::string::npos);
}

}  // namespace
}  // namespace trustmq::tls

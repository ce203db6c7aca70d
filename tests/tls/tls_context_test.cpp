#include "tls/tls_context.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "support/temp_directory.h"

namespace trustmq::tls {
namespace {

TEST(PskFileTest, ParsesMosquittoFormat) {
  auto t = parse_psk_file_text("# comment\n\nalice:00ff10\r\nbob:DEADBEEF\n");
  ASSERT_TRUE(t.ok()) << t.error();
  EXPECT_EQ(t->size(), 2u);
  EXPECT_EQ(t->at("alice"), (attest::Bytes{0x00, 0xff, 0x10}));
  EXPECT_EQ(t->at("bob"), (attest::Bytes{0xde, 0xad, 0xbe, 0xef}));
}

TEST(PskFileTest, ErrorsNameTheLine) {
  EXPECT_NE(parse_psk_file_text("a:00\nnocolon\n").error().find("line 2"), std::string::npos);
  EXPECT_NE(parse_psk_file_text("a:zz").error().find("not non-empty hex"), std::string::npos);
  EXPECT_NE(parse_psk_file_text("a:00\na:11").error().find("twice"), std::string::npos);
  EXPECT_FALSE(parse_psk_file_text("a:").ok());
}

TEST(TlsContextTest, GeneratesSelfSignedCertificateOnceWithPrivateKeyFile) {
  test_support::TempDirectory dir;
  TlsServerConfig config;
  config.state_dir = dir.file("state");
  auto first = make_server_context(config);
  ASSERT_TRUE(first.ok()) << first.error();
  struct stat st {};
  ASSERT_EQ(::stat(dir.file("state/tls-key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  X509* cert1 = SSL_CTX_get0_certificate(first->get());
  ASSERT_NE(cert1, nullptr);
  EXPECT_EQ(EVP_PKEY_get_base_id(X509_get0_pubkey(cert1)), EVP_PKEY_EC);
  auto second = make_server_context(config);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(X509_cmp(cert1, SSL_CTX_get0_certificate(second->get())), 0);
}

TEST(TlsContextTest, GeneratedKeyOrFolderAccessibleByOthersIsRefused) {
  test_support::TempDirectory dir;
  TlsServerConfig config;
  config.state_dir = dir.file("tls");
  ASSERT_TRUE(make_server_context(config).ok());
  const std::string key = dir.file("tls/tls-key.pem");
  ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
  auto refused = make_server_context(config);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("generated TLS key " + key +
                                 " is readable by group/others (mode 0644); run: chmod 600 " + key),
            std::string::npos)
      << refused.error();
  ASSERT_EQ(::chmod(key.c_str(), 0600), 0);
  ASSERT_EQ(::chmod(config.state_dir.c_str(), 0755), 0);
  refused = make_server_context(config);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("run: chmod 700 " + config.state_dir), std::string::npos)
      << refused.error();
}

TEST(TlsContextTest, ExistingLooseFolderIsMadePrivateWhenTheKeyIsCreated) {
  test_support::TempDirectory dir;
  TlsServerConfig config;
  config.state_dir = dir.file("tls");
  ASSERT_EQ(::mkdir(config.state_dir.c_str(), 0755), 0);
  ASSERT_EQ(::chmod(config.state_dir.c_str(), 0755), 0);
  auto created = make_server_context(config);
  ASSERT_TRUE(created.ok()) << created.error();
  struct stat st {};
  ASSERT_EQ(::stat(config.state_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
}

TEST(TlsContextTest, ConfigurationErrorsAreClear) {
  TlsServerConfig bad_version;
  bad_version.tls_version = "tlsv1.1";
  bad_version.state_dir = "/nonexistent";
  EXPECT_NE(make_server_context(bad_version).error().find("tls_version"), std::string::npos);
  TlsServerConfig missing_cert;
  missing_cert.certfile = "/nonexistent/cert.pem";
  missing_cert.keyfile = "/nonexistent/key.pem";
  EXPECT_NE(make_server_context(missing_cert).error().find("certfile"), std::string::npos);
  TlsServerConfig need_ca;
  need_ca.psk_table = {{"a", {1}}};
  need_ca.require_certificate = true;
  EXPECT_NE(make_server_context(need_ca).error().find("cafile"), std::string::npos);
  TlsServerConfig suites;
  suites.psk_table = {{"a", {1}}};
  suites.ciphers_tls13 = "NOT_A_SUITE";
  EXPECT_NE(make_server_context(suites).error().find("ciphers_tls1.3"), std::string::npos);
  TlsClientConfig psk;
  psk.psk_identity = "x";
  psk.psk_key_hex =
      std::string(2, 'z');  // not = "zz": g++ 12 -O3 -Wmaybe-uninitialized false positive
  EXPECT_FALSE(make_client_context(psk).ok());
}

}  // namespace
}  // namespace trustmq::tls

// TLS and TLS-PSK against Debian's mosquitto, with certificates made by the openssl CLI here.
#include "client/tls_client_transport.h"

#include <gtest/gtest.h>

#include <string>

#include "broker_process.h"
#include "cli_process.h"
#include "client_connection.h"
#include "client_options.h"

namespace trustmq::client {
namespace {

using namespace std::chrono_literals;
using test_support::TempDirectory;
using testing::BrokerKind;
using testing::BrokerProcess;
using testing::bytes;
using testing::ChildProcess;
using testing::options_for;
using testing::receives_own_message;
using testing::try_connect;

constexpr const char* kPskIdentity = "sensor-7";
constexpr const char* kPskKey = "00112233445566778899aabbccddeeff";

// openssl CLI, failing the test on error.
void openssl(const TempDirectory& dir, std::vector<std::string> args) {
  args.insert(args.begin(), "/usr/bin/openssl");
  auto p = ChildProcess::exec(args, dir.path());
  ASSERT_EQ(p.wait(30s), 0) << p.err();
}

// A CA, and a leaf signed by it for `san` (e.g. "DNS:localhost,IP:127.0.0.1").
void make_ca(const TempDirectory& dir, const std::string& name) {
  openssl(dir, {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", dir.file(name + ".key"), "-out", dir.file(name + ".pem"), "-subj",
                "/CN=" + name, "-days", "2"});
}
void make_leaf(const TempDirectory& dir, const std::string& ca, const std::string& name,
               const std::string& san) {
  openssl(dir, {"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                dir.file(name + ".key"), "-out", dir.file(name + ".csr"), "-subj", "/CN=" + name});
  const std::string ext = dir.write(name + ".ext", "subjectAltName=" + san + "\n");
  openssl(dir, {"x509", "-req", "-in", dir.file(name + ".csr"), "-CA", dir.file(ca + ".pem"),
                "-CAkey", dir.file(ca + ".key"), "-CAcreateserial", "-out", dir.file(name + ".pem"),
                "-days", "2", "-extfile", ext});
}

class MosquittoTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDirectory();
    make_ca(*dir_, "ca");
    make_ca(*dir_, "other-ca");
    make_leaf(*dir_, "ca", "server", "DNS:localhost,IP:127.0.0.1");
    make_leaf(*dir_, "ca", "wrong-name", "DNS:elsewhere.example");
    make_leaf(*dir_, "ca", "client", "DNS:client");
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  std::unique_ptr<BrokerProcess> start_tls(const std::string& leaf, const std::string& extra = "") {
    return BrokerProcess::start(BrokerKind::kMosquitto, *dir_,
                                "cafile " + dir_->file("ca.pem") + "\ncertfile " +
                                    dir_->file(leaf + ".pem") + "\nkeyfile " +
                                    dir_->file(leaf + ".key") + "\n" + extra);
  }
  Endpoint tls_endpoint(const std::string& host, std::uint16_t port, const std::string& ca) {
    Endpoint e;
    e.host = host;
    e.port = port;
    e.tls.emplace();
    e.tls->cafile = dir_->file(ca + ".pem");
    return e;
  }
  static TempDirectory* dir_;
};
TempDirectory* MosquittoTlsTest::dir_ = nullptr;

TEST_F(MosquittoTlsTest, PublishAndReceiveOverVerifiedTls13) {
  auto broker = start_tls("server");
  ASSERT_NE(broker, nullptr);
  for (const char* host : {"127.0.0.1", "localhost"}) {  // IP and DNS subjectAltName
    auto e = tls_endpoint(host, broker->port(), "ca");
    auto c = try_connect(e, options_for(mqtt::ProtocolVersion::kV5, "tls-client"));
    ASSERT_TRUE(c.ok()) << host << ": " << c.error().message;
    const std::string d = c.value()->transport().description();
    EXPECT_NE(d.find("TLSv1.3"), std::string::npos) << d;
    EXPECT_TRUE(
        receives_own_message(*c.value(), "secure/#", "secure/a", "secret", mqtt::QoS::kExactlyOnce))
        << host;
    c.value()->disconnect();
  }
}

TEST_F(MosquittoTlsTest, UntrustedCaIsRefused) {
  auto broker = start_tls("server");
  ASSERT_NE(broker, nullptr);
  auto c = try_connect(tls_endpoint("127.0.0.1", broker->port(), "other-ca"),
                       options_for(mqtt::ProtocolVersion::kV311, "x"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ClientErrorKind::kTls);
  EXPECT_NE(c.error().message.find("certificate verify failed"), std::string::npos)
      << c.error().message;
}

TEST_F(MosquittoTlsTest, HostnameMismatchIsRefusedUnlessInsecure) {
  auto broker = start_tls("wrong-name");
  ASSERT_NE(broker, nullptr);
  for (const char* host : {"127.0.0.1", "localhost"}) {
    auto e = tls_endpoint(host, broker->port(), "ca");
    auto refused = try_connect(e, options_for(mqtt::ProtocolVersion::kV311, "x"));
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().kind, ClientErrorKind::kTls);
    EXPECT_NE(refused.error().message.find("mismatch"), std::string::npos)
        << refused.error().message;
    e.tls->insecure = true;
    auto accepted = try_connect(e, options_for(mqtt::ProtocolVersion::kV311, "x"));
    EXPECT_TRUE(accepted.ok()) << accepted.error().message;
  }
  // --insecure still verifies the chain.
  auto e = tls_endpoint("127.0.0.1", broker->port(), "other-ca");
  e.tls->insecure = true;
  EXPECT_FALSE(try_connect(e, options_for(mqtt::ProtocolVersion::kV311, "x")).ok());
}

TEST_F(MosquittoTlsTest, ClientCertificateRequiredByBroker) {
  auto broker = start_tls("server", "require_certificate true\n");
  ASSERT_NE(broker, nullptr);
  auto e = tls_endpoint("localhost", broker->port(), "ca");
  auto without = try_connect(e, options_for(mqtt::ProtocolVersion::kV311, "anon"));
  ASSERT_FALSE(without.ok());
  e.tls->certfile = dir_->file("client.pem");
  e.tls->keyfile = dir_->file("client.key");
  auto with = try_connect(e, options_for(mqtt::ProtocolVersion::kV311, "certified"));
  ASSERT_TRUE(with.ok()) << with.error().message;
  EXPECT_TRUE(with.value()->publish("x", bytes("y"), mqtt::QoS::kAtLeastOnce, false).ok());
}

TEST_F(MosquittoTlsTest, CliPubOverTlsToMosquittoSub) {
  auto broker = start_tls("server");
  ASSERT_NE(broker, nullptr);
  const std::string port = std::to_string(broker->port());
  auto sub = ChildProcess::exec(
      {"/usr/bin/stdbuf", "-oL", testing::kMosquittoSubPath, "-h", "localhost", "-p", port,
       "--cafile", dir_->file("ca.pem"), "-t", "tls/cli", "-C", "1", "-d"},
      dir_->path());
  ASSERT_TRUE(sub.wait_for_output("received SUBACK", 5s)) << sub.out() << sub.err();
  auto pub = testing::run_cli("pub",
                              {"-h", "localhost", "-p", port, "--cafile", dir_->file("ca.pem"),
                               "-t", "tls/cli", "-m", "over tls", "-q", "1"},
                              dir_->path());
  EXPECT_EQ(pub.wait(10s), 0) << pub.err();
  ASSERT_EQ(sub.wait(5s), 0);
  EXPECT_NE(sub.out().find("\nover tls\n"), std::string::npos) << sub.out();

  // A wrong CA makes the CLI fail with exit status 1 and the reason.
  auto bad = testing::run_cli("pub",
                              {"-h", "localhost", "-p", port, "--cafile",
                               dir_->file("other-ca.pem"), "-t", "tls/cli", "-m", "x"},
                              dir_->path());
  EXPECT_EQ(bad.wait(10s), 1);
  EXPECT_NE(bad.err().find("certificate verify failed"), std::string::npos) << bad.err();
}

class MosquittoPskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string psk_file =
        dir_.write("psk.txt", std::string(kPskIdentity) + ":" + kPskKey + "\n");
    broker_ = BrokerProcess::start(
        BrokerKind::kMosquitto, dir_,
        "psk_hint trustmq-test\npsk_file " + psk_file + "\nuse_identity_as_username false\n");
    ASSERT_NE(broker_, nullptr);
  }
  Endpoint psk_endpoint(const std::string& key) {
    Endpoint e;
    e.host = "127.0.0.1";
    e.port = broker_->port();
    e.tls.emplace();
    e.tls->psk_identity = kPskIdentity;
    e.tls->psk_hex = key;
    return e;
  }
  TempDirectory dir_;
  std::unique_ptr<BrokerProcess> broker_;
};

TEST_F(MosquittoPskTest, PskHandshakeAndPubSub) {
  auto c = try_connect(psk_endpoint(kPskKey), options_for(mqtt::ProtocolVersion::kV311, "psk"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_NE(c.value()->transport().description().find("TLSv1.3"), std::string::npos);
  EXPECT_TRUE(
      receives_own_message(*c.value(), "psk/#", "psk/1", "shared", mqtt::QoS::kAtLeastOnce));
}

TEST_F(MosquittoPskTest, WrongKeyIsRefused) {
  auto c = try_connect(psk_endpoint("ffeeddccbbaa99887766554433221100"),
                       options_for(mqtt::ProtocolVersion::kV311, "psk"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ClientErrorKind::kTls) << c.error().message;
}

TEST_F(MosquittoPskTest, MosquittoPubToCliSubWithPsk) {
  const std::string port = std::to_string(broker_->port());
  auto sub = testing::run_cli("sub",
                              {"-h", "127.0.0.1", "-p", port, "--psk", kPskKey, "--psk-identity",
                               kPskIdentity, "-t", "psk/cli", "-C", "1", "-v", "-d"},
                              dir_.path());
  ASSERT_TRUE(sub.wait_for_output("received SUBACK", 5s)) << sub.err();
  auto pub = ChildProcess::exec(
      {testing::kMosquittoPubPath, "-h", "127.0.0.1", "-p", port, "--psk", kPskKey,
       "--psk-identity", kPskIdentity, "-t", "psk/cli", "-m", "from mosquitto_pub", "-q", "2"},
      dir_.path());
  ASSERT_EQ(pub.wait(10s), 0) << pub.err();
  ASSERT_EQ(sub.wait(5s), 0) << sub.err();
  EXPECT_EQ(sub.out(), "psk/cli from mosquitto_pub\n");
}

}  // namespace
}  // namespace trustmq::client

// The client against trustmq-broker's own TLS listeners: a self-signed certificate listener and
// the attested (sim) listener, over real sockets, with the library and `trustmq sub`.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <thread>

#include "attest/bytes.h"
#include "broker_process.h"
#include "cli_process.h"
#include "client/tls_client_transport.h"
#include "client_connection.h"
#include "client_options.h"

namespace trustmq::client {
namespace {

using namespace std::chrono_literals;
using test_support::TempDirectory;
using testing::BrokerKind;
using testing::BrokerProcess;
using testing::bytes;
using testing::options_for;
using testing::receives_own_message;
using testing::try_connect;

bool wait_until_listening(std::uint16_t port) {
  const auto end = std::chrono::steady_clock::now() + 5s;
  while (!testing::accepts_connections(port)) {
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

class TrustmqBrokerTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tls_port_ = testing::free_port();
    broker_ = BrokerProcess::start(BrokerKind::kTrustmq, dir_,
                                   "allow_anonymous true\nstate_dir " + dir_.file("state") +
                                       "\nlistener " + std::to_string(tls_port_) +
                                       " 127.0.0.1\nattestation sim\n");
    ASSERT_NE(broker_, nullptr);
    ASSERT_TRUE(wait_until_listening(tls_port_)) << broker_->log();
    std::smatch m;
    const std::string log = broker_->log();
    ASSERT_TRUE(
        std::regex_search(log, m, std::regex("module measurement \\(sha-256\\) ([0-9a-f]{64})")))
        << log;
    module_hex_ = m[1];
  }
  std::string policy(const std::string& module_hex) {
    return dir_.write("policy-" + module_hex.substr(0, 8) + ".json",
                      R"({"version": 1, "allowed_types": ["sim"], "allow_sim": true,
                          "trust_anchors": [")" +
                          dir_.file("state/sim/sim-root-ca.pem") + R"("],
                          "module_measurements": [")" +
                          module_hex + R"("], "runtime_measurements": "any"})");
  }
  Endpoint tls_endpoint(const std::string& host) {
    Endpoint e;
    e.host = host;
    e.port = tls_port_;
    e.tls.emplace();
    return e;
  }

  TempDirectory dir_;
  std::unique_ptr<BrokerProcess> broker_;
  std::uint16_t tls_port_ = 0;
  std::string module_hex_;
};

TEST_F(TrustmqBrokerTlsTest, AttestedConnectionCarriesTheLoggedModuleMeasurement) {
  Endpoint e = tls_endpoint("127.0.0.1");
  e.tls->attestation_policy = policy(module_hex_);
  auto t = TlsClientTransport::open(e.host, *e.port, *e.tls, Deadline::after(5s));
  ASSERT_TRUE(t.ok()) << t.error().message;
  const auto& outcome = t.value()->attestation();
  ASSERT_TRUE(outcome && outcome->ok() && outcome->claims);
  EXPECT_EQ(attest::to_hex(outcome->claims->module_measurement), module_hex_);
  auto c = MqttClient::connect(std::move(t.value()),
                               options_for(mqtt::ProtocolVersion::kV5, "attested"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(receives_own_message(*c.value(), "a", "a", "z", mqtt::QoS::kExactlyOnce));
}

TEST_F(TrustmqBrokerTlsTest, CliAttestedSubAndPinnedMismatch) {
  const std::string port = std::to_string(tls_port_);
  auto sub = testing::run_cli("sub",
                              {"-h", "127.0.0.1", "-p", port, "--attest", policy(module_hex_), "-t",
                               "news", "-C", "1", "-d"},
                              dir_.path());
  ASSERT_TRUE(sub.wait_for_output("received SUBACK", 5s)) << sub.err();
  auto pub = testing::run_cli("pub",
                              {"-h", "127.0.0.1", "-p", port, "--attest", policy(module_hex_), "-t",
                               "news", "-m", "attested both ways", "-q", "2"},
                              dir_.path());
  EXPECT_EQ(pub.wait(10s), 0) << pub.err();
  ASSERT_EQ(sub.wait(5s), 0) << sub.err();
  EXPECT_EQ(sub.out(), "attested both ways\n");

  const std::string other(64, '0');
  auto refused = testing::run_cli(
      "pub",
      {"-h", "127.0.0.1", "-p", port, "--attest", policy(other), "-t", "news", "-m", "never sent"},
      dir_.path());
  EXPECT_EQ(refused.wait(10s), cli::kExitAttestationFailed);
  EXPECT_NE(refused.err().find(module_hex_.substr(0, 4)), std::string::npos) << refused.err();
}

TEST_F(TrustmqBrokerTlsTest, SelfSignedCertificateWithCafileAndHostnameCheck) {
  const std::string cert = dir_.file("state/tls/tls-cert.pem");
  Endpoint by_name = tls_endpoint("localhost");  // the certificate names DNS:localhost
  by_name.tls->cafile = cert;
  auto ok = try_connect(by_name, options_for(mqtt::ProtocolVersion::kV311, "tls"));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_TRUE(ok.value()->publish("t", bytes("x"), mqtt::QoS::kAtLeastOnce, false).ok());

  Endpoint by_ip = tls_endpoint("127.0.0.1");
  by_ip.tls->cafile = cert;
  auto mismatch = try_connect(by_ip, options_for(mqtt::ProtocolVersion::kV311, "tls"));
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.error().message.find("mismatch"), std::string::npos)
      << mismatch.error().message;
  by_ip.tls->insecure = true;
  EXPECT_TRUE(try_connect(by_ip, options_for(mqtt::ProtocolVersion::kV311, "tls")).ok());
}

}  // namespace
}  // namespace trustmq::client

// Post-handshake attestation end to end, in-process: the shell's event loop with the native
// engine on ephemeral 127.0.0.1 ports, and the client library's BrokerAttestation over real
// TLS 1.3 sockets (docs/attestation.md, "Post-handshake attestation"). The broker's sim
// attester is the test's, so it can start serving evidence the policy refuses mid-session.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "attest/sim_attester.h"
#include "attest/sim_platform.h"
#include "client/broker_attestation.h"
#include "client/endpoint.h"
#include "client/mqtt_client.h"
#include "in_process_broker.h"
#include "shell/config_file.h"
#include "shell/engine_selection.h"
#include "shell/server.h"
#include "support/temp_directory.h"

namespace trustmq::shell {
namespace {

using test_support::TempDirectory;

class BrokerReattestationTest : public ::testing::Test {
 protected:
  // Listeners: 0 attested, 1 attested for authenticated clients only, 2 plain TCP, 3 TLS
  // without attestation.
  void SetUp() override {
    std::filesystem::create_directories(dir_.file("state"));
    std::filesystem::permissions(dir_.file("state"), std::filesystem::perms::owner_all);
    auto platform = attest::SimPlatform::open_or_create(dir_.file("state/sim"));
    ASSERT_TRUE(platform.ok()) << platform.error();
    platform_.emplace(*platform);
    attester_ = std::make_shared<SwitchableAttester>(make_attester(kModule),
                                                     make_attester(digest_of(0x99)));
    server_ = std::make_unique<InProcessBroker>(
        "allow_anonymous true\nstate_dir " + dir_.file("state") +
            "\nlistener 0 127.0.0.1\nattestation sim\n"
            "listener 0 127.0.0.1\nattestation sim\nattestation_requires_authentication true\n"
            "listener 0 127.0.0.1\n"
            "listener 0 127.0.0.1\ntls true\n",
        attester_);
    policy_file_ = dir_.file("policy.json");
    std::ofstream(policy_file_) << "{\"version\": 1, \"allowed_types\": [\"sim\"], "
                                   "\"allow_sim\": true, \"trust_anchors\": [\""
                                << platform_->root_cert_path()
                                << "\"], \"module_measurements\": [\"" << hex(kModule)
                                << "\"], \"runtime_measurements\": \"any\"}\n";
  }

  static std::string hex(const attest::Sha256Digest& d) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s;
    for (auto b : d) {
      s += kHex[b >> 4];
      s += kHex[b & 15];
    }
    return s;
  }

  std::shared_ptr<const attest::Attester> make_attester(const attest::Sha256Digest& module) {
    attest::SimAttesterClaims claims;
    claims.module_measurement = module;
    claims.runtime_measurement = digest_of(0x51);
    return std::make_shared<attest::SimAttester>(*platform_, claims);
  }

  attest::Policy policy() {
    auto p = attest::load_policy_file(policy_file_);
    EXPECT_TRUE(p.ok()) << p.error();
    return *p;
  }

  // TLS to listener `i`; with the policy also attested in the handshake.
  client::ClientResult<std::unique_ptr<client::ClientTransport>> open(std::size_t i, bool tls,
                                                                      bool in_handshake) {
    client::Endpoint endpoint;
    endpoint.host = "127.0.0.1";
    endpoint.port = server_->port(i);
    if (tls) {
      client::TlsOptions options;
      if (in_handshake) {
        options.attestation_policy = policy_file_;
      } else {
        options.cafile = dir_.file("state/tls/tls-cert.pem");
        options.insecure = true;
      }
      endpoint.tls = options;
    }
    return client::open_transport(endpoint, client::Deadline::after(std::chrono::seconds(5)));
  }

  client::ConnectOptions options(const std::string& id) {
    client::ConnectOptions o;
    o.version = mqtt::ProtocolVersion::kV5;
    o.client_id = id;
    o.timeout = std::chrono::seconds(5);
    return o;
  }

  const attest::Sha256Digest kModule = digest_of(0x3f);
  TempDirectory dir_;
  std::optional<attest::SimPlatform> platform_;
  std::shared_ptr<SwitchableAttester> attester_;
  std::unique_ptr<InProcessBroker> server_;
  std::string policy_file_;
};

TEST_F(BrokerReattestationTest, EvidenceAtConnectAndOnEveryReattestationVerifies) {
  auto transport = open(0, true, true);
  ASSERT_TRUE(transport.ok()) << transport.error().message;
  client::BrokerAttestation attestation(policy());
  int verified = 0;
  attestation.on_verified([&](const tls::AttestationOutcome& o) {
    ++verified;
    EXPECT_NE(o.message.find("NO hardware protection"), std::string::npos) << o.message;
  });
  client::ConnectOptions o = options("reattested");
  ASSERT_TRUE(attestation.prepare_connect(o).ok());
  auto c = client::MqttClient::connect(std::move(*transport), o);
  ASSERT_TRUE(c.ok()) << c.error().message << "\n" << server_->log_text();
  auto first = attestation.verify_connack(**c);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->claims->module_measurement, kModule);
  for (int i = 0; i < 3; ++i) {
    auto again = attestation.reattest(**c);
    ASSERT_TRUE(again.ok()) << again.error().message;
  }
  EXPECT_EQ(verified, 4);
  // The session is intact: ping and publish still work.
  EXPECT_TRUE((*c)->ping().ok());
  EXPECT_TRUE(server_->logged("post-handshake evidence sim (software key, NO hardware protection)"))
      << server_->log_text();
  (*c)->disconnect();
}

TEST_F(BrokerReattestationTest, PostHandshakeAttestationWorksWithoutInHandshakeEvidence) {
  auto transport = open(0, true, false);  // TLS, certificate checked, no extension
  ASSERT_TRUE(transport.ok()) << transport.error().message;
  client::BrokerAttestation attestation(policy());
  client::ConnectOptions o = options("post-only");
  ASSERT_TRUE(attestation.prepare_connect(o).ok());
  auto c = client::MqttClient::connect(std::move(*transport), o);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(attestation.verify_connack(**c).ok());
  EXPECT_TRUE(attestation.reattest(**c).ok());
}

TEST_F(BrokerReattestationTest, BrokerThatStopsSatisfyingThePolicyIsRefusedAtOnce) {
  auto transport = open(0, true, true);
  ASSERT_TRUE(transport.ok()) << transport.error().message;
  client::BrokerAttestation attestation(policy());
  client::ConnectOptions o = options("watchful");
  ASSERT_TRUE(attestation.prepare_connect(o).ok());
  auto c = client::MqttClient::connect(std::move(*transport), o);
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_TRUE(attestation.verify_connack(**c).ok());
  ASSERT_TRUE(attestation.reattest(**c).ok());
  attester_->switch_to_bad();  // the broker now runs another module
  auto refused = attestation.reattest(**c);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, client::ClientErrorKind::kAttestation);
  EXPECT_EQ(refused.error().attestation_error, "module-measurement-rejected")
      << refused.error().message;
  // The periodic form reports the same through reattest_if_due.
  attestation.set_interval(std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto due = attestation.reattest_if_due(**c);
  ASSERT_FALSE(due.ok());
  EXPECT_EQ(due.error().attestation_error, "module-measurement-rejected");
}

TEST_F(BrokerReattestationTest, ListenersWithoutAttestationAnswerBadAuthenticationMethod) {
  for (std::size_t listener : {std::size_t{2}, std::size_t{3}}) {
    auto transport = open(listener, listener == 3, false);
    ASSERT_TRUE(transport.ok()) << transport.error().message;
    client::BrokerAttestation attestation(policy());
    client::ConnectOptions o = options("no-evidence");
    ASSERT_TRUE(attestation.prepare_connect(o).ok());
    auto c = client::MqttClient::connect(std::move(*transport), o);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().kind, client::ClientErrorKind::kConnectionRefused);
    EXPECT_EQ(c.error().reason, mqtt::ReasonCode::kBadAuthenticationMethod);
    const std::string explained =
        client::BrokerAttestation::explain(c.error(), "attestation at connect").message;
    EXPECT_NE(explained.find("does not offer post-handshake attestation"), std::string::npos)
        << explained;
  }
  EXPECT_TRUE(server_->logged("no attested TLS on this connection"));
  EXPECT_TRUE(server_->logged("this listener has no attestation"));
}

TEST_F(BrokerReattestationTest, AnonymousClientsGetNoEvidenceWhereTheListenerRequiresIt) {
  auto transport = open(1, true, true);  // in-handshake evidence still flows on this listener
  ASSERT_TRUE(transport.ok()) << transport.error().message;
  client::BrokerAttestation attestation(policy());
  client::ConnectOptions o = options("anonymous");
  ASSERT_TRUE(attestation.prepare_connect(o).ok());
  auto c = client::MqttClient::connect(std::move(*transport), o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().reason, mqtt::ReasonCode::kNotAuthorized);
  EXPECT_TRUE(server_->logged("attestation_requires_authentication: anonymous client"));
}

TEST_F(BrokerReattestationTest, PlainClientsOnTheAttestedListenerAreUnaffected) {
  for (auto version : {mqtt::ProtocolVersion::kV311, mqtt::ProtocolVersion::kV5}) {
    auto transport = open(0, true, false);
    ASSERT_TRUE(transport.ok()) << transport.error().message;
    client::ConnectOptions o = options("plain");
    o.version = version;
    auto c = client::MqttClient::connect(std::move(*transport), o);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_FALSE((*c)->connack().properties.authentication_data);
    EXPECT_TRUE((*c)->ping().ok());
    // Without the method in CONNECT there is nothing to re-authenticate.
    auto auth = (*c)->reauthenticate(mqtt::Bytes{1});
    EXPECT_FALSE(auth.ok());
    EXPECT_EQ(auth.error().kind, client::ClientErrorKind::kInvalidArgument);
    (*c)->disconnect();
  }
}

}  // namespace
}  // namespace trustmq::shell

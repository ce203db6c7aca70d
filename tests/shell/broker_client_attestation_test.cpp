// Attested clients end to end, in-process: the shell's event loop with the native engine on
// ephemeral 127.0.0.1 ports, a TLS listener with client_attestation_policy and an ACL with a
// claim block, and the client library's ClientAttestation over real TLS 1.3 sockets
// (docs/attestation.md, "Attested clients"). The client's sim platform is the test's own, so
// the test can make evidence the policy refuses, or evidence for another connection.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
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
#include "client/client_attestation.h"
#include "client/endpoint.h"
#include "client/mqtt_client.h"
#include "client/tls_client_transport.h"
#include "in_process_broker.h"
#include "mqtt/attestation_method.h"
#include "shell/acl_file.h"
#include "shell/config_file.h"
#include "shell/engine_selection.h"
#include "shell/server.h"
#include "support/temp_directory.h"
#include "tls/attestation_wire.h"
#include "tls/client_evidence.h"

namespace trustmq::shell {
namespace {

using test_support::TempDirectory;

std::string hex(const attest::Sha256Digest& d) { return attest::to_hex(d); }

class BrokerClientAttestationTest : public ::testing::Test {
 protected:
  // Listeners: 0 TLS with client_attestation_policy, 1 TLS without it.
  void SetUp() override {
    std::filesystem::create_directories(dir_.file("state"));
    std::filesystem::permissions(dir_.file("state"), std::filesystem::perms::owner_all);
    auto platform = attest::SimPlatform::open_or_create(dir_.file("client-sim"));
    ASSERT_TRUE(platform.ok()) << platform.error();
    platform_.emplace(*platform);
    std::ofstream(dir_.file("policy.json"))
        << "{\"version\": 1, \"allowed_types\": [\"sim\"], \"allow_sim\": true, "
           "\"trust_anchors\": [\""
        << platform_->root_cert_path() << "\"], \"module_measurements\": [\"" << hex(kModule)
        << "\"], \"runtime_measurements\": \"any\"}\n";
    std::ofstream(dir_.file("acl")) << "topic readwrite public/#\n"
                                    << "claim module_measurement " << hex(kModule) << "\n"
                                    << "topic readwrite telemetry/#\n";
    server_ = std::make_unique<InProcessBroker>(
        "allow_anonymous true\nstate_dir " + dir_.file("state") + "\nacl_file " + dir_.file("acl") +
        "\nlistener 0 127.0.0.1\ntls true\nclient_attestation_policy " + dir_.file("policy.json") +
        "\nlistener 0 127.0.0.1\ntls true\n");
  }

  std::shared_ptr<const attest::Attester> make_attester(const attest::Sha256Digest& module) {
    attest::SimAttesterClaims claims;
    claims.module_measurement = module;
    claims.runtime_measurement = digest_of(0x51);
    return std::make_shared<attest::SimAttester>(*platform_, claims);
  }

  std::unique_ptr<client::ClientTransport> open(std::size_t i) {
    client::Endpoint endpoint;
    endpoint.host = "127.0.0.1";
    endpoint.port = server_->port(i);
    client::TlsOptions options;
    options.cafile = dir_.file("state/tls/tls-cert.pem");
    options.insecure = true;
    endpoint.tls = options;
    auto t = client::open_transport(endpoint, client::Deadline::after(std::chrono::seconds(5)));
    EXPECT_TRUE(t.ok()) << t.error().message;
    return t.ok() ? std::move(*t) : nullptr;
  }

  static client::ConnectOptions options(const std::string& id) {
    client::ConnectOptions o;
    o.version = mqtt::ProtocolVersion::kV5;
    o.client_id = id;
    o.timeout = std::chrono::seconds(5);
    return o;
  }

  // An attested client connected on listener 0 with `attester`.
  std::unique_ptr<client::MqttClient> attested(const std::string& id,
                                               std::shared_ptr<const attest::Attester> attester,
                                               client::ClientAttestation** presenter = nullptr) {
    auto transport = open(0);
    if (!transport) return nullptr;
    presenters_.push_back(std::make_unique<client::ClientAttestation>(std::move(attester)));
    client::ConnectOptions o = options(id);
    auto prepared = presenters_.back()->prepare_connect(*transport, o);
    EXPECT_TRUE(prepared.ok()) << prepared.error().message;
    auto c = client::MqttClient::connect(std::move(transport), o);
    EXPECT_TRUE(c.ok()) << c.error().message << "\n" << server_->log_text();
    if (presenter != nullptr) *presenter = presenters_.back().get();
    return c.ok() ? std::move(*c) : nullptr;
  }

  static SSL* ssl_of(client::ClientTransport& t) {
    return dynamic_cast<client::TlsClientTransport&>(t).ssl();
  }

  // CONNECT data carrying `evidence` (an encoded AttestationEvidence), no broker request.
  static mqtt::Bytes envelope(const attest::Bytes& evidence) {
    mqtt::Bytes data{mqtt::kClientEvidenceMarker, 0};
    data.insert(data.end(), evidence.begin(), evidence.end());
    return data;
  }

  const attest::Sha256Digest kModule = digest_of(0x3f);
  TempDirectory dir_;
  std::optional<attest::SimPlatform> platform_;
  std::unique_ptr<InProcessBroker> server_;
  std::vector<std::unique_ptr<client::ClientAttestation>> presenters_;
};

TEST_F(BrokerClientAttestationTest, AcceptedEvidenceOpensTheClaimTopicsOnlyToThatClient) {
  auto gateway = attested("gateway", make_attester(kModule));
  ASSERT_TRUE(gateway);
  EXPECT_TRUE(server_->logged("Client gateway attested: type=sim platform=sim:"))
      << server_->log_text();
  EXPECT_TRUE(server_->logged("module_measurement=" + hex(kModule)));
  auto granted = gateway->subscribe({{"telemetry/#", mqtt::QoS::kAtLeastOnce}});
  ASSERT_TRUE(granted.ok()) << granted.error().message;
  EXPECT_EQ(granted->at(0), mqtt::ReasonCode::kGrantedQoS1);

  // A plain client on the same listener: public works, the claim topics do not.
  auto transport = open(0);
  ASSERT_TRUE(transport);
  auto plain = client::MqttClient::connect(std::move(transport), options("plain"));
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  auto refused = (*plain)->subscribe({{"telemetry/#", mqtt::QoS::kAtLeastOnce}});
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->at(0), mqtt::ReasonCode::kNotAuthorized);
  auto pub = (*plain)->subscribe({{"public/#", mqtt::QoS::kAtLeastOnce}});
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(pub->at(0), mqtt::ReasonCode::kGrantedQoS1);
  const std::string text = "denied";
  auto denied = (*plain)->publish(
      "telemetry/t",
      mqtt::ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()),
      mqtt::QoS::kAtLeastOnce, false);
  EXPECT_FALSE(denied.ok());  // PUBACK 0x87
  const std::string ok_text = "allowed";
  ASSERT_TRUE(gateway
                  ->publish("telemetry/t",
                            mqtt::ByteView(reinterpret_cast<const std::uint8_t*>(ok_text.data()),
                                           ok_text.size()),
                            mqtt::QoS::kAtLeastOnce, false)
                  .ok());
  auto got = gateway->receive(client::Deadline::after(std::chrono::seconds(5)));
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(std::string((*got)->payload.begin(), (*got)->payload.end()), "allowed");
  gateway->disconnect();
  (*plain)->disconnect();
}

TEST_F(BrokerClientAttestationTest, EvidenceBoundToAnotherConnectionIsRefused) {
  auto first = open(0);
  auto second = open(0);
  ASSERT_TRUE(first && second);
  auto attester = make_attester(kModule);
  auto evidence = tls::produce_client_evidence(ssl_of(*first), *attester, {});
  ASSERT_TRUE(evidence.ok()) << evidence.error();
  client::ConnectOptions o = options("relayed");
  o.authentication_method = std::string(mqtt::kAttestAuthenticationMethod);
  o.authentication_data = envelope(*evidence);
  auto c = client::MqttClient::connect(std::move(second), o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, client::ClientErrorKind::kConnectionRefused);
  EXPECT_EQ(c.error().reason, mqtt::ReasonCode::kNotAuthorized);
  EXPECT_TRUE(server_->logged("binding-mismatch")) << server_->log_text();
}

TEST_F(BrokerClientAttestationTest, EvidenceThePolicyRefusesIsRefusedBeforeConnack) {
  auto transport = open(0);
  ASSERT_TRUE(transport);
  client::ClientAttestation presenter(make_attester(digest_of(0x99)));
  client::ConnectOptions o = options("other-module");
  ASSERT_TRUE(presenter.prepare_connect(*transport, o).ok());
  auto c = client::MqttClient::connect(std::move(transport), o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().reason, mqtt::ReasonCode::kNotAuthorized);
  EXPECT_TRUE(server_->logged("module-measurement-rejected")) << server_->log_text();
}

TEST_F(BrokerClientAttestationTest, ListenerWithoutPolicyAnswersBadAuthenticationMethod) {
  auto transport = open(1);
  ASSERT_TRUE(transport);
  client::ClientAttestation presenter(make_attester(kModule));
  client::ConnectOptions o = options("nowhere");
  ASSERT_TRUE(presenter.prepare_connect(*transport, o).ok());
  auto c = client::MqttClient::connect(std::move(transport), o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().reason, mqtt::ReasonCode::kBadAuthenticationMethod);
}

TEST_F(BrokerClientAttestationTest, ReattestationAnswersAFreshChallengeOnly) {
  client::ClientAttestation* presenter = nullptr;
  auto c = attested("gateway", make_attester(kModule), &presenter);
  ASSERT_TRUE(c);
  ASSERT_TRUE(presenter->reattest(*c).ok());
  // By hand: answer challenge 1, then answer challenge 2 with challenge 1's evidence.
  const mqtt::Bytes start{mqtt::kClientReattestationMarker};
  auto challenge = c->authentication_step(mqtt::ReasonCode::kReAuthenticate, start);
  ASSERT_TRUE(challenge.ok()) << challenge.error().message;
  auto request = tls::decode_request(*challenge->properties.authentication_data);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->nonce.size(), tls::kClientNonceSize);
  auto attester = make_attester(kModule);
  auto evidence = tls::produce_client_evidence(ssl_of(c->transport()), *attester, request->nonce);
  ASSERT_TRUE(evidence.ok());
  auto done = c->authentication_step(mqtt::ReasonCode::kContinueAuthentication, *evidence);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->reason, mqtt::ReasonCode::kSuccess);
  auto second = c->authentication_step(mqtt::ReasonCode::kReAuthenticate, start);
  ASSERT_TRUE(second.ok());
  auto stale = c->authentication_step(mqtt::ReasonCode::kContinueAuthentication, *evidence);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().kind, client::ClientErrorKind::kDisconnected);
  EXPECT_EQ(stale.error().reason, mqtt::ReasonCode::kNotAuthorized);
  EXPECT_TRUE(server_->logged("failed re-attestation, its claims are withdrawn"))
      << server_->log_text();
}

TEST_F(BrokerClientAttestationTest, ClientThatStopsSatisfyingThePolicyLosesTheConnection) {
  auto attester =
      std::make_shared<SwitchableAttester>(make_attester(kModule), make_attester(digest_of(0x99)));
  client::ClientAttestation* presenter = nullptr;
  auto c = attested("drifting", attester, &presenter);
  ASSERT_TRUE(c);
  ASSERT_TRUE(presenter->reattest(*c).ok());
  attester->switch_to_bad();
  auto refused = presenter->reattest(*c);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, client::ClientErrorKind::kDisconnected);
  EXPECT_EQ(refused.error().reason, mqtt::ReasonCode::kNotAuthorized);
  EXPECT_TRUE(server_->logged("module-measurement-rejected")) << server_->log_text();
  // The connection is gone: nothing more goes through.
  EXPECT_FALSE(c->ping().ok());
}

}  // namespace
}  // namespace trustmq::shell

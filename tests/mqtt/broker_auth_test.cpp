// Attestation over MQTT 5 enhanced authentication (src/mqtt/broker_auth.cpp): the core
// carries the request to the host and the host's evidence back, at CONNECT (CONNACK) and on
// re-authentication (AUTH 0x19 → AUTH 0x00), and refuses everything else as MQTT 5 requires.
#include <gtest/gtest.h>

#include <algorithm>

#include "broker_test_harness.h"
#include "mqtt/attestation_method.h"
#include "mqtt/sys_topics.h"

namespace trustmq::mqtt::testing {
namespace {

const Bytes kRequest = {1, 2, 3, 4};

ConnectPacket attest_connect(std::string client_id, Bytes request = kRequest) {
  ConnectPacket p;
  p.client_id = std::move(client_id);
  p.properties.authentication_method = std::string(kAttestAuthenticationMethod);
  p.properties.authentication_data = std::move(request);
  return p;
}

AuthPacket reauth(Bytes request, std::string method = std::string(kAttestAuthenticationMethod)) {
  AuthPacket a;
  a.reason = ReasonCode::kReAuthenticate;
  a.properties.authentication_method = std::move(method);
  a.properties.authentication_data = std::move(request);
  return a;
}

Bytes answer_for(const Bytes& request) {
  Bytes out(3 + request.size());
  out[0] = 'E';
  out[1] = 'V';
  out[2] = ':';
  std::copy(request.begin(), request.end(), out.begin() + 3);
  return out;
}

TEST(BrokerAuth, ConnectWithTheMethodGetsEvidenceInConnack) {
  BrokerHarness h;
  h.host.evidence_status = EvidenceStatus::kProduced;
  TestClient& c = h.open();
  ConnackPacket connack = c.connect(attest_connect("a"));
  EXPECT_EQ(connack.properties.authentication_method, kAttestAuthenticationMethod);
  EXPECT_EQ(connack.properties.authentication_data, answer_for(kRequest));
  ASSERT_EQ(h.host.evidence_calls.size(), 1u);
  EXPECT_EQ(h.host.evidence_calls[0].conn, c.conn());
  EXPECT_EQ(h.host.evidence_calls[0].request, kRequest);
  EXPECT_FALSE(h.host.evidence_calls[0].client_authenticated);  // anonymous
}

TEST(BrokerAuth, HostWithoutAttestationRefusesWithBadAuthenticationMethod) {
  BrokerHarness h;  // FakeBrokerHost answers kUnsupported, like a plain-TCP connection
  TestClient& c = h.open();
  auto packets = c.try_connect(attest_connect("a"));
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<ConnackPacket>(packets[0]).reason, ReasonCode::kBadAuthenticationMethod);
  EXPECT_FALSE(std::get<ConnackPacket>(packets[0]).properties.authentication_data);
  EXPECT_TRUE(c.closed());
}

TEST(BrokerAuth, EveryRefusalHasItsReasonCode) {
  const std::pair<EvidenceStatus, ReasonCode> cases[] = {
      {EvidenceStatus::kNotAuthorized, ReasonCode::kNotAuthorized},
      {EvidenceStatus::kMalformedRequest, ReasonCode::kProtocolError},
      {EvidenceStatus::kFailed, ReasonCode::kUnspecifiedError},
  };
  for (auto [status, reason] : cases) {
    BrokerHarness h;
    h.host.evidence_status = status;
    TestClient& c = h.open();
    auto packets = c.try_connect(attest_connect("a"));
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(std::get<ConnackPacket>(packets[0]).reason, reason);
    EXPECT_TRUE(c.closed());
  }
}

TEST(BrokerAuth, OtherMethodsAreStillRefusedWithoutAskingTheHost) {
  BrokerHarness h;
  h.host.evidence_status = EvidenceStatus::kProduced;
  TestClient& c = h.open();
  ConnectPacket p = attest_connect("a");
  p.properties.authentication_method = "SCRAM-SHA-1";
  auto packets = c.try_connect(p);
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<ConnackPacket>(packets[0]).reason, ReasonCode::kBadAuthenticationMethod);
  EXPECT_TRUE(h.host.evidence_calls.empty());
}

TEST(BrokerAuth, PasswordIsCheckedBeforeEvidenceIsProduced) {
  BrokerConfig config = BrokerHarness::default_config();
  config.allow_anonymous = false;
  config.check_passwords = true;
  BrokerHarness h(config);
  h.host.passwords = {{"alice", "secret"}};
  h.host.evidence_status = EvidenceStatus::kProduced;
  TestClient& bad = h.open();
  ConnectPacket p = attest_connect("a");
  p.username = "alice";
  p.password = to_bytes("wrong");
  auto packets = bad.try_connect(p);
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<ConnackPacket>(packets[0]).reason, ReasonCode::kBadUserNameOrPassword);
  EXPECT_TRUE(h.host.evidence_calls.empty());  // no evidence for a client that failed

  TestClient& good = h.open();
  p.password = to_bytes("secret");
  good.connect(p);
  ASSERT_EQ(h.host.evidence_calls.size(), 1u);
  EXPECT_TRUE(h.host.evidence_calls[0].client_authenticated);
}

TEST(BrokerAuth, ReauthenticationIsAnsweredWithAuthSuccess) {
  BrokerHarness h;
  h.host.evidence_status = EvidenceStatus::kProduced;
  TestClient& c = h.open();
  c.connect(attest_connect("a"));
  const Bytes second = {9, 9, 9};
  c.send(reauth(second));
  auto packets = c.receive();
  ASSERT_EQ(packets.size(), 1u);
  const auto& auth = std::get<AuthPacket>(packets[0]);
  EXPECT_EQ(auth.reason, ReasonCode::kSuccess);
  EXPECT_EQ(auth.properties.authentication_method, kAttestAuthenticationMethod);
  EXPECT_EQ(auth.properties.authentication_data, answer_for(second));
  EXPECT_FALSE(c.closed());
  // The session goes on: PINGREQ still answered.
  c.send(PingreqPacket{});
  ASSERT_EQ(c.receive().size(), 1u);
}

TEST(BrokerAuth, AuthWithoutTheMethodInConnectIsAProtocolError) {
  BrokerHarness h;
  h.host.evidence_status = EvidenceStatus::kProduced;
  TestClient& c = h.open();
  c.connect("plain");
  c.send(reauth(kRequest));
  auto packets = c.receive();
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<DisconnectPacket>(packets[0]).reason, ReasonCode::kProtocolError);
  EXPECT_TRUE(c.closed());
  EXPECT_TRUE(h.host.evidence_calls.empty());
}

TEST(BrokerAuth, ChangedMethodOrWrongReasonIsAProtocolError) {
  for (int variant = 0; variant < 3; ++variant) {
    BrokerHarness h;
    h.host.evidence_status = EvidenceStatus::kProduced;
    TestClient& c = h.open();
    c.connect(attest_connect("a"));
    AuthPacket a = reauth(kRequest);
    if (variant == 0) a.properties.authentication_method = "other";
    if (variant == 1) a.reason = ReasonCode::kContinueAuthentication;
    if (variant == 2) a.reason = ReasonCode::kSuccess;
    c.send(a);
    auto packets = c.receive();
    ASSERT_EQ(packets.size(), 1u) << variant;
    EXPECT_EQ(std::get<DisconnectPacket>(packets[0]).reason, ReasonCode::kProtocolError);
    EXPECT_TRUE(c.closed());
    EXPECT_EQ(h.host.evidence_calls.size(), 1u);  // only the CONNECT's
  }
}

// Evidence costs the host a signature or a TPM quote in the event loop: a client asking in a
// loop is cut off once its budget (kEvidenceBurst answers, one more per second) is spent,
// and only that client.
TEST(BrokerAuth, ReattestationInALoopIsCutOffWithMessageRateTooHigh) {
  BrokerHarness h;
  h.host.evidence_status = EvidenceStatus::kProduced;
  TestClient& looping = h.open();
  looping.connect(attest_connect("looping"));  // the first answer of the budget
  TestClient& other = h.open();
  other.connect(attest_connect("other"));
  for (std::uint32_t i = 1; i < kEvidenceBurst; ++i) {
    // 0x10 + i: a one-byte 0x01 would be an attested client's re-attestation request
    // (kClientReattestationMarker), not a request for the broker's evidence.
    looping.send(reauth({static_cast<std::uint8_t>(0x10 + i)}));
    auto packets = looping.receive();
    ASSERT_EQ(packets.size(), 1u) << i;
    EXPECT_EQ(std::get<AuthPacket>(packets[0]).reason, ReasonCode::kSuccess) << i;
  }
  h.advance(kEvidenceRefillInterval);  // regains one answer
  looping.send(reauth({0x40}));
  ASSERT_EQ(looping.receive().size(), 1u);
  const std::size_t calls = h.host.evidence_calls.size();
  looping.send(reauth({0x41}));
  auto packets = looping.receive();
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<DisconnectPacket>(packets[0]).reason, ReasonCode::kMessageRateTooHigh);
  EXPECT_TRUE(looping.closed());
  EXPECT_EQ(h.host.evidence_calls.size(), calls);  // the host was not asked again
  // The other connection still gets its evidence.
  other.send(reauth({0x42}));
  auto answer = other.receive();
  ASSERT_EQ(answer.size(), 1u);
  EXPECT_EQ(std::get<AuthPacket>(answer[0]).reason, ReasonCode::kSuccess);
}

TEST(BrokerAuth, FailedReattestationDisconnectsWithTheReason) {
  BrokerHarness h;
  h.host.evidence_status = EvidenceStatus::kProduced;
  TestClient& c = h.open();
  c.connect(attest_connect("a"));
  h.host.evidence_status = EvidenceStatus::kMalformedRequest;
  c.send(reauth({0xFF}));
  auto packets = c.receive();
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<DisconnectPacket>(packets[0]).reason, ReasonCode::kProtocolError);
  EXPECT_TRUE(c.closed());
}

TEST(BrokerAuth, ReattestationTheHostCannotServeDisconnectsWithAValidDisconnectReason) {
  BrokerHarness h;
  h.host.evidence_status = EvidenceStatus::kProduced;
  TestClient& c = h.open();
  c.connect(attest_connect("a"));
  h.host.evidence_status = EvidenceStatus::kUnsupported;
  c.send(reauth(kRequest));
  auto packets = c.receive();
  ASSERT_EQ(packets.size(), 1u);
  // 0x8C is a CONNACK reason only; DISCONNECT says 0x80.
  EXPECT_EQ(std::get<DisconnectPacket>(packets[0]).reason, ReasonCode::kUnspecifiedError);
  EXPECT_TRUE(h.host.decode_failures.empty());
  EXPECT_TRUE(c.closed());
}

TEST(BrokerAuth, Mqtt311ConnectCannotAskForEvidence) {
  BrokerHarness h;
  h.host.evidence_status = EvidenceStatus::kProduced;
  TestClient& c = h.open(ProtocolVersion::kV311);
  c.connect("old");  // 3.1.1 has no properties: nothing to ask with
  EXPECT_TRUE(h.host.evidence_calls.empty());
  Bytes auth = {0xF0, 0x00};  // AUTH does not exist in 3.1.1
  c.send_raw(auth);
  EXPECT_TRUE(c.closed());
  EXPECT_TRUE(h.host.evidence_calls.empty());
}

TEST(BrokerAuth, SysCountersCountAttestationsAndFailuresByReason) {
  BrokerConfig config = BrokerHarness::default_config();
  config.sys_interval_seconds = 1;
  BrokerHarness h(config);
  h.host.evidence_status = EvidenceStatus::kProduced;
  PeerInfo attested;
  attested.attested = true;
  h.open(ProtocolVersion::kV5, attested).connect("tls-attested");
  TestClient& c = h.open();
  c.connect(attest_connect("a"));
  c.send(reauth(kRequest));
  c.send(reauth(kRequest));
  h.host.evidence_status = EvidenceStatus::kNotAuthorized;
  h.open().try_connect(attest_connect("b"));

  TestClient& watcher = h.connected("watcher");
  watcher.subscribe("$SYS/broker/attestation/#");
  h.advance(1500);
  std::map<std::string, std::string> values;
  for (auto& p : watcher.receive_publishes()) values[p.topic] = to_string(p.payload);
  EXPECT_EQ(values["$SYS/broker/attestation/handshakes/attested"], "1");
  EXPECT_EQ(values["$SYS/broker/attestation/connect/attested"], "1");
  EXPECT_EQ(values["$SYS/broker/attestation/reattestations"], "2");
  EXPECT_EQ(values["$SYS/broker/attestation/failures/not-authorized"], "1");
  EXPECT_EQ(values["$SYS/broker/attestation/failures/unsupported"], "0");
}

TEST(BrokerAuth, SysShowsTheEvidenceTypesServedAndTheModuleMeasurement) {
  BrokerConfig config = BrokerHarness::default_config();
  config.sys_interval_seconds = 1;
  config.served_evidence_types = {"sim", "tpm2-quote"};
  config.module_measurement = std::string(64, 'a');
  BrokerHarness h(config);  // nothing attested yet: what is served is shown anyway
  TestClient& watcher = h.connected("watcher");
  watcher.subscribe("$SYS/broker/attestation/#");
  h.advance(1500);
  std::map<std::string, std::string> values;
  for (auto& p : watcher.receive_publishes()) values[p.topic] = to_string(p.payload);
  EXPECT_EQ(values["$SYS/broker/attestation/evidence/types"], "sim,tpm2-quote");
  EXPECT_EQ(values["$SYS/broker/attestation/evidence/module-measurement"], std::string(64, 'a'));
  EXPECT_EQ(values["$SYS/broker/attestation/handshakes/attested"], "0");
}

TEST(BrokerAuth, SysSaysNoneServedWhenOnlyClientsAttest) {
  BrokerConfig config = BrokerHarness::default_config();
  config.sys_interval_seconds = 1;
  config.module_measurement = "ab12";
  BrokerHarness h(config);
  h.host.evidence_status = EvidenceStatus::kUnsupported;
  h.open().try_connect(attest_connect("a"));
  TestClient& watcher = h.connected("watcher");
  watcher.subscribe("$SYS/broker/attestation/evidence/#");
  h.advance(1500);
  std::map<std::string, std::string> values;
  for (auto& p : watcher.receive_publishes()) values[p.topic] = to_string(p.payload);
  EXPECT_EQ(values["$SYS/broker/attestation/evidence/types"], "none");
  EXPECT_EQ(values["$SYS/broker/attestation/evidence/module-measurement"], "ab12");
}

TEST(BrokerAuth, NoAttestationTopicsOnABrokerThatNeverSawAttestation) {
  BrokerConfig config = BrokerHarness::default_config();
  config.sys_interval_seconds = 1;
  BrokerHarness h(config);
  TestClient& watcher = h.connected("watcher");
  watcher.subscribe("$SYS/broker/attestation/#");
  h.advance(1500);
  EXPECT_TRUE(watcher.receive_publishes().empty());
}

}  // namespace
}  // namespace trustmq::mqtt::testing

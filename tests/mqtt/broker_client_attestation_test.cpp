// Attested clients in the core (src/mqtt/broker_client_attestation.cpp): the client's evidence
// in CONNECT goes to the host, whose claims become the session's and open the ACL's claim
// blocks; re-attestation runs AUTH 0x19 → 0x18 challenge → 0x18 evidence → 0x00, and a failed
// one withdraws the claims and ends the connection.
#include <gtest/gtest.h>

#include <map>

#include "broker_test_harness.h"
#include "mqtt/acl.h"
#include "mqtt/attestation_method.h"

namespace trustmq::mqtt::testing {
namespace {

const Bytes kEvidence = {0xfe, 0x01, 0x00, 0x02, 0xAA, 0xBB};
const std::string kClaims = "type=sim\nmodule_measurement=3f3f\n";

// 0x00 || broker_request<0..255> || evidence.
Bytes envelope(const Bytes& broker_request, const Bytes& evidence) {
  Bytes out{kClientEvidenceMarker, static_cast<std::uint8_t>(broker_request.size())};
  out.insert(out.end(), broker_request.begin(), broker_request.end());
  out.insert(out.end(), evidence.begin(), evidence.end());
  return out;
}

ConnectPacket attested_connect(std::string client_id, Bytes data) {
  ConnectPacket p;
  p.client_id = std::move(client_id);
  p.properties.authentication_method = std::string(kAttestAuthenticationMethod);
  p.properties.authentication_data = std::move(data);
  return p;
}

AuthPacket auth(ReasonCode reason, Bytes data) {
  AuthPacket a;
  a.reason = reason;
  a.properties.authentication_method = std::string(kAttestAuthenticationMethod);
  a.properties.authentication_data = std::move(data);
  return a;
}

BrokerConfig config_with_acl(const std::string& acl_text) {
  BrokerConfig config = BrokerHarness::default_config();
  AclRules rules;
  AclParseError error;
  EXPECT_TRUE(parse_acl(acl_text, rules, error)) << error.message;
  config.acl = rules;
  return config;
}

const char* const kClaimAcl =
    "topic read public/#\n"
    "claim module_measurement 3f3f\n"
    "topic readwrite telemetry/#\n";

void accept_clients(FakeBrokerHost& host) {
  host.client_answers[0] = {ClientEvidenceStatus::kAccepted, kClaims};
  host.client_answers[1] = {ClientEvidenceStatus::kChallenge, "CHALLENGE"};
  host.client_answers[2] = {ClientEvidenceStatus::kAccepted, kClaims};
}

TEST(BrokerClientAttestation, AcceptedEvidenceGivesTheSessionItsClaimsAndTheClaimRules) {
  BrokerHarness h(config_with_acl(kClaimAcl));
  accept_clients(h.host);
  TestClient& c = h.open();
  ConnackPacket connack = c.connect(attested_connect("gateway", envelope({}, kEvidence)));
  EXPECT_EQ(connack.properties.authentication_method, kAttestAuthenticationMethod);
  EXPECT_FALSE(connack.properties.authentication_data);  // no broker evidence asked for
  ASSERT_EQ(h.host.client_calls.size(), 1u);
  EXPECT_EQ(h.host.client_calls[0].step, ClientEvidenceStep::kAtConnect);
  EXPECT_EQ(h.host.client_calls[0].input, kEvidence);
  EXPECT_TRUE(h.host.evidence_calls.empty());
  EXPECT_TRUE(h.host.logged("Client gateway attested: type=sim module_measurement=3f3f"));

  EXPECT_EQ(c.subscribe("telemetry/#").reasons.at(0), ReasonCode::kSuccess);
  TestClient& plain = h.connected("plain");
  EXPECT_EQ(plain.subscribe("telemetry/#").reasons.at(0), ReasonCode::kNotAuthorized);
  EXPECT_EQ(plain.subscribe("public/#").reasons.at(0), ReasonCode::kSuccess);
  // The attested client may write telemetry; the plain one may not.
  plain.publish("telemetry/t", "from plain");
  c.publish("telemetry/t", "from gateway");
  auto got = c.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(to_string(got[0].payload), "from gateway");
}

TEST(BrokerClientAttestation, BrokerEvidenceAndClientEvidenceInOneConnect) {
  BrokerHarness h;
  accept_clients(h.host);
  h.host.evidence_status = EvidenceStatus::kProduced;
  TestClient& c = h.open();
  const Bytes request = {7, 7, 7};
  ConnackPacket connack = c.connect(attested_connect("both", envelope(request, kEvidence)));
  ASSERT_EQ(h.host.evidence_calls.size(), 1u);
  EXPECT_EQ(h.host.evidence_calls[0].request, request);
  ASSERT_TRUE(connack.properties.authentication_data);
  EXPECT_EQ(connack.properties.authentication_data->size(), 3u + request.size());
}

TEST(BrokerClientAttestation, RefusalsAtConnectHaveTheirReasonAndNoSession) {
  const std::pair<ClientEvidenceStatus, ReasonCode> cases[] = {
      {ClientEvidenceStatus::kRefused, ReasonCode::kNotAuthorized},
      {ClientEvidenceStatus::kMalformed, ReasonCode::kProtocolError},
      {ClientEvidenceStatus::kUnsupported, ReasonCode::kBadAuthenticationMethod},
      {ClientEvidenceStatus::kChallenge, ReasonCode::kUnspecifiedError},  // host bug
  };
  for (auto [status, reason] : cases) {
    BrokerHarness h;
    h.host.client_answers[0] = {status, "binding-mismatch: evidence is bound to another handshake"};
    h.host.evidence_status = EvidenceStatus::kProduced;
    TestClient& c = h.open();
    auto packets = c.try_connect(attested_connect("x", envelope({1, 2}, kEvidence)));
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(std::get<ConnackPacket>(packets[0]).reason, reason);
    EXPECT_TRUE(c.closed());
    EXPECT_TRUE(h.host.evidence_calls.empty());  // refused before the broker spends a signature
    EXPECT_EQ(h.broker().stats().clients_connected, 0u);
  }
}

TEST(BrokerClientAttestation, ClaimsTheHostCannotWordAreARefusal) {
  BrokerHarness h;
  h.host.client_answers[0] = {ClientEvidenceStatus::kAccepted, "type=sim\nno equals sign\n"};
  TestClient& c = h.open();
  auto packets = c.try_connect(attested_connect("x", envelope({}, kEvidence)));
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_NE(std::get<ConnackPacket>(packets[0]).reason, ReasonCode::kSuccess);
  EXPECT_TRUE(c.closed());
}

TEST(BrokerClientAttestation, MalformedEnvelopeIsAProtocolError) {
  for (const Bytes& data : {Bytes{0x00}, Bytes{0x00, 0x05, 1, 2}, Bytes{0x00, 0x00}}) {
    BrokerHarness h;
    accept_clients(h.host);
    TestClient& c = h.open();
    auto packets = c.try_connect(attested_connect("x", data));
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(std::get<ConnackPacket>(packets[0]).reason, ReasonCode::kProtocolError);
    EXPECT_TRUE(h.host.client_calls.empty());
  }
}

TEST(BrokerClientAttestation, ReattestationByChallengeKeepsTheClaims) {
  BrokerHarness h(config_with_acl(kClaimAcl));
  accept_clients(h.host);
  TestClient& c = h.open();
  c.connect(attested_connect("gateway", envelope({}, kEvidence)));
  c.send(auth(ReasonCode::kReAuthenticate, {kClientReattestationMarker}));
  auto packets = c.receive();
  ASSERT_EQ(packets.size(), 1u);
  const auto& challenge = std::get<AuthPacket>(packets[0]);
  EXPECT_EQ(challenge.reason, ReasonCode::kContinueAuthentication);
  EXPECT_EQ(to_string(*challenge.properties.authentication_data), "CHALLENGE");
  c.send(auth(ReasonCode::kContinueAuthentication, kEvidence));
  packets = c.receive();
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<AuthPacket>(packets[0]).reason, ReasonCode::kSuccess);
  ASSERT_EQ(h.host.client_calls.size(), 3u);
  EXPECT_EQ(h.host.client_calls[2].step, ClientEvidenceStep::kAnswer);
  EXPECT_EQ(c.subscribe("telemetry/#").reasons.at(0), ReasonCode::kSuccess);
}

TEST(BrokerClientAttestation, FailedReattestationWithdrawsTheClaimsAndEndsTheConnection) {
  BrokerConfig config = config_with_acl(kClaimAcl);
  BrokerHarness h(config);
  accept_clients(h.host);
  TestClient& c = h.open();
  ConnectPacket p = attested_connect("gateway", envelope({}, kEvidence));
  p.clean_start = false;
  p.properties.session_expiry_interval = 3600;
  c.connect(p);
  ASSERT_EQ(c.subscribe("telemetry/#").reasons.at(0), ReasonCode::kSuccess);
  c.send(auth(ReasonCode::kReAuthenticate, {kClientReattestationMarker}));
  ASSERT_EQ(c.receive().size(), 1u);
  h.host.client_answers[2] = {ClientEvidenceStatus::kRefused,
                              "module-measurement-rejected: module measurement 9999 not in policy"};
  c.send(auth(ReasonCode::kContinueAuthentication, kEvidence));
  auto packets = c.receive();
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<DisconnectPacket>(packets[0]).reason, ReasonCode::kNotAuthorized);
  EXPECT_TRUE(c.closed());
  EXPECT_TRUE(h.host.logged("failed re-attestation, its claims are withdrawn"));
  // Messages published on the claim topic are no longer queued for the session.
  TestClient& writer = h.open();
  writer.connect(attested_connect("writer", envelope({}, kEvidence)));
  writer.publish("telemetry/t", "after the failure", QoS::kAtLeastOnce);
  // The client comes back without evidence: its claim subscription is gone, nothing queued.
  TestClient& again = h.open();
  ConnectPacket plain;
  plain.client_id = "gateway";
  plain.clean_start = false;
  plain.properties.session_expiry_interval = 3600;
  ConnackPacket connack = again.connect(plain);
  EXPECT_TRUE(connack.session_present);
  EXPECT_TRUE(again.receive_publishes().empty());
  again.send(PingreqPacket{});
  writer.publish("telemetry/t", "later", QoS::kAtMostOnce);
  EXPECT_TRUE(again.receive_publishes().empty());
}

TEST(BrokerClientAttestation, ReplayedOrUnaskedAnswerIsAProtocolError) {
  BrokerHarness h;
  accept_clients(h.host);
  TestClient& c = h.open();
  c.connect(attested_connect("gateway", envelope({}, kEvidence)));
  c.send(auth(ReasonCode::kReAuthenticate, {kClientReattestationMarker}));
  c.receive();
  c.send(auth(ReasonCode::kContinueAuthentication, kEvidence));
  c.receive();
  // The same answer again: no challenge is outstanding.
  c.send(auth(ReasonCode::kContinueAuthentication, kEvidence));
  auto packets = c.receive();
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<DisconnectPacket>(packets[0]).reason, ReasonCode::kProtocolError);
  EXPECT_EQ(h.host.client_calls.size(), 3u);  // the host never saw the replay
}

TEST(BrokerClientAttestation, ANewReauthenticationWhileTheAnswerIsDueIsAProtocolError) {
  BrokerHarness h;
  accept_clients(h.host);
  TestClient& c = h.open();
  c.connect(attested_connect("gateway", envelope({}, kEvidence)));
  c.send(auth(ReasonCode::kReAuthenticate, {kClientReattestationMarker}));
  c.receive();
  c.send(auth(ReasonCode::kReAuthenticate, {kClientReattestationMarker}));
  auto packets = c.receive();
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<DisconnectPacket>(packets[0]).reason, ReasonCode::kProtocolError);
}

TEST(BrokerClientAttestation, ReloadedAclAppliesClaimBlocksToConnectedClients) {
  BrokerHarness h(config_with_acl(kClaimAcl));
  accept_clients(h.host);
  TestClient& c = h.open();
  c.connect(attested_connect("gateway", envelope({}, kEvidence)));
  ASSERT_EQ(c.subscribe("telemetry/#").reasons.at(0), ReasonCode::kSuccess);
  // The claim block is gone: the subscription it granted is removed.
  AclRules without;
  AclParseError error;
  ASSERT_TRUE(parse_acl("topic read public/#\n", without, error));
  h.broker().reload_security(without, h.now);
  c.receive();
  TestClient& writer = h.open();
  writer.connect(attested_connect("writer", envelope({}, kEvidence)));
  writer.publish("telemetry/t", "not delivered");
  EXPECT_TRUE(c.receive_publishes().empty());
  // Back: the connected client's claims match again.
  h.broker().reload_security(config_with_acl(kClaimAcl).acl, h.now);
  EXPECT_EQ(c.subscribe("telemetry/#").reasons.at(0), ReasonCode::kSuccess);
  writer.publish("telemetry/t", "delivered");
  auto got = c.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(to_string(got[0].payload), "delivered");
}

TEST(BrokerClientAttestation, SysCountsClientAttestationsByReason) {
  BrokerConfig config = BrokerHarness::default_config();
  config.sys_interval_seconds = 1;
  BrokerHarness h(config);
  accept_clients(h.host);
  h.open().connect(attested_connect("good", envelope({}, kEvidence)));
  h.host.client_answers[0] = {ClientEvidenceStatus::kRefused,
                              "binding-mismatch: evidence is bound to another handshake"};
  h.open().try_connect(attested_connect("relayed", envelope({}, kEvidence)));
  h.open().try_connect(attested_connect("relayed2", envelope({}, kEvidence)));
  h.host.client_answers[0] = {ClientEvidenceStatus::kRefused, "Not A Name: x"};
  h.open().try_connect(attested_connect("odd", envelope({}, kEvidence)));
  TestClient& watcher = h.connected("watcher");
  watcher.subscribe("$SYS/broker/attestation/clients/#");
  h.advance(1500);
  std::map<std::string, std::string> values;
  for (auto& p : watcher.receive_publishes()) values[p.topic] = to_string(p.payload);
  EXPECT_EQ(values["$SYS/broker/attestation/clients/accepted"], "1");
  EXPECT_EQ(values["$SYS/broker/attestation/clients/refused/binding-mismatch"], "2");
  EXPECT_EQ(values["$SYS/broker/attestation/clients/refused/other"], "1");
}

// A challenge that is never answered: at the deadline the claims go and the connection ends
// with 0x87, counted as answer-timeout; before it, the client is untouched.
TEST(BrokerClientAttestation, UnansweredChallengeEndsTheConnectionAtTheDeadline) {
  BrokerConfig config = config_with_acl(std::string("topic read $SYS/#\n") + kClaimAcl);
  config.client_reattestation_timeout_seconds = 5;
  config.sys_interval_seconds = 1;
  BrokerHarness h(config);
  accept_clients(h.host);
  TestClient& watcher = h.connected("watcher");
  watcher.subscribe("$SYS/broker/attestation/clients/refused/#");
  TestClient& c = h.open();
  ConnectPacket p = attested_connect("gateway", envelope({}, kEvidence));
  p.clean_start = false;
  p.properties.session_expiry_interval = 3600;
  c.connect(p);
  ASSERT_EQ(c.subscribe("telemetry/#").reasons.at(0), ReasonCode::kSuccess);
  c.receive();
  c.send(auth(ReasonCode::kReAuthenticate, {kClientReattestationMarker}));
  ASSERT_EQ(c.receive().size(), 1u);           // the challenge; no answer follows
  TimeMs next = h.advance(4'000);
  EXPECT_LE(next, h.now + 1'000);  // the deadline is among the next wake-ups
  next = h.advance(999);
  EXPECT_EQ(next, h.now + 1);
  EXPECT_FALSE(c.closed());
  h.advance(1);
  auto packets = c.receive();
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<DisconnectPacket>(packets[0]).reason, ReasonCode::kNotAuthorized);
  EXPECT_TRUE(c.closed());
  EXPECT_TRUE(h.host.logged("client re-attestation not answered within 5 s"));
  // The offline session holds no claims: nothing on the claim topic is queued for it.
  TestClient& writer = h.open();
  writer.connect(attested_connect("writer", envelope({}, kEvidence)));
  writer.publish("telemetry/t", "after the timeout", QoS::kAtLeastOnce);
  h.advance(1'000);
  std::map<std::string, std::string> values;
  for (auto& got : watcher.receive_publishes()) values[got.topic] = to_string(got.payload);
  EXPECT_EQ(values["$SYS/broker/attestation/clients/refused/answer-timeout"], "1");
  TestClient& again = h.open();
  ConnectPacket plain;
  plain.client_id = "gateway";
  plain.clean_start = false;
  plain.properties.session_expiry_interval = 3600;
  EXPECT_TRUE(again.connect(plain).session_present);
  EXPECT_TRUE(again.receive_publishes().empty());
}

TEST(BrokerClientAttestation, AnAnswerInTimeClearsTheDeadline) {
  BrokerConfig config = config_with_acl(kClaimAcl);
  config.client_reattestation_timeout_seconds = 5;
  BrokerHarness h(config);
  accept_clients(h.host);
  TestClient& c = h.open();
  c.connect(attested_connect("gateway", envelope({}, kEvidence)));
  c.send(auth(ReasonCode::kReAuthenticate, {kClientReattestationMarker}));
  c.receive();
  h.advance(4'000);
  c.send(auth(ReasonCode::kContinueAuthentication, kEvidence));
  ASSERT_EQ(std::get<AuthPacket>(c.receive().at(0)).reason, ReasonCode::kSuccess);
  h.advance(10'000);
  EXPECT_FALSE(c.closed());
  EXPECT_EQ(c.subscribe("telemetry/#").reasons.at(0), ReasonCode::kSuccess);
}

}  // namespace
}  // namespace trustmq::mqtt::testing

// Persistent sessions: offline queueing, resume with retransmission, expiry, clean start.
#include <gtest/gtest.h>

#include "broker_test_harness.h"

namespace trustmq::mqtt::testing {
namespace {

ConnectPacket persistent(std::string id, ProtocolVersion version, std::uint32_t expiry = 3600) {
  ConnectPacket p;
  p.client_id = std::move(id);
  p.clean_start = false;
  if (version == kV5) p.properties.session_expiry_interval = expiry;
  return p;
}

AckPacket puback(std::uint16_t id) {
  AckPacket a;
  a.packet_id = id;
  return a;
}

class BrokerSessionTest : public ::testing::TestWithParam<ProtocolVersion> {};

TEST_P(BrokerSessionTest, OfflineQueueDeliveredOnReconnect) {
  BrokerHarness h;
  const ProtocolVersion v = GetParam();
  TestClient& c = h.open(v);
  EXPECT_FALSE(c.connect(persistent("p", v)).session_present);
  c.subscribe("t", QoS::kAtLeastOnce);
  c.close();
  TestClient& pub = h.connected("pub", v);
  pub.publish("t", "q0", QoS::kAtMostOnce);  // not queued
  pub.publish("t", "q1", QoS::kAtLeastOnce);
  pub.publish("t", "q2", QoS::kExactlyOnce);
  TestClient& back = h.open(v);
  EXPECT_TRUE(back.connect(persistent("p", v)).session_present);
  auto got = back.receive_publishes();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(to_string(got[0].payload), "q1");
  EXPECT_EQ(to_string(got[1].payload), "q2");
  EXPECT_EQ(got[1].qos, QoS::kAtLeastOnce);  // granted QoS 1
}

TEST_P(BrokerSessionTest, UnackedMessagesRetransmittedWithDup) {
  BrokerHarness h;
  const ProtocolVersion v = GetParam();
  TestClient& c = h.open(v);
  c.connect(persistent("p", v));
  c.subscribe("t", QoS::kAtLeastOnce);
  h.connected("pub", v).publish("t", "x", QoS::kAtLeastOnce);
  auto first = c.receive_publishes();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_FALSE(first[0].dup);
  c.close();  // never acknowledged
  TestClient& back = h.open(v);
  back.connect(persistent("p", v));
  auto again = back.receive_publishes();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_TRUE(again[0].dup);
  EXPECT_EQ(again[0].packet_id, first[0].packet_id);
  back.send(puback(again[0].packet_id));
  back.close();
  TestClient& third = h.open(v);
  third.connect(persistent("p", v));
  EXPECT_TRUE(third.receive_publishes().empty());
}

TEST_P(BrokerSessionTest, PubrelResentOnResume) {
  BrokerHarness h;
  const ProtocolVersion v = GetParam();
  TestClient& c = h.open(v);
  c.connect(persistent("p", v));
  c.subscribe("t", QoS::kExactlyOnce);
  h.connected("pub", v).publish("t", "x", QoS::kExactlyOnce);
  auto got = c.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  AckPacket pubrec;
  pubrec.type = PacketType::kPubrec;
  pubrec.packet_id = got[0].packet_id;
  c.send(pubrec);
  c.receive();  // PUBREL
  c.close();
  TestClient& back = h.open(v);
  back.connect(persistent("p", v));
  auto packets = back.receive();
  ASSERT_EQ(packets.size(), 1u);
  const auto& pubrel = std::get<AckPacket>(packets[0]);
  EXPECT_EQ(pubrel.type, PacketType::kPubrel);
  EXPECT_EQ(pubrel.packet_id, got[0].packet_id);
}

TEST_P(BrokerSessionTest, InboundQoS2StateSurvivesReconnect) {
  BrokerHarness h;
  const ProtocolVersion v = GetParam();
  TestClient& sub = h.connected("sub", v);
  sub.subscribe("t");
  TestClient& c = h.open(v);
  c.connect(persistent("p", v));
  c.publish("t", "x", QoS::kExactlyOnce, false, 5);
  EXPECT_EQ(sub.receive_publishes().size(), 1u);
  c.close();
  TestClient& back = h.open(v);
  back.connect(persistent("p", v));
  PublishPacket dup;
  dup.topic = "t";
  dup.payload = to_bytes("x");
  dup.qos = QoS::kExactlyOnce;
  dup.packet_id = 5;
  dup.dup = true;
  back.publish(dup);
  EXPECT_TRUE(sub.receive_publishes().empty());  // not delivered twice
}

TEST_P(BrokerSessionTest, CleanStartDiscardsSession) {
  BrokerHarness h;
  const ProtocolVersion v = GetParam();
  TestClient& c = h.open(v);
  c.connect(persistent("p", v));
  c.subscribe("t", QoS::kAtLeastOnce);
  c.close();
  h.connected("pub", v).publish("t", "x", QoS::kAtLeastOnce);
  TestClient& back = h.open(v);
  EXPECT_FALSE(back.connect("p", /*clean_start=*/true).session_present);
  EXPECT_TRUE(back.receive_publishes().empty());
  EXPECT_EQ(h.broker().stats().subscriptions, 0u);
}

INSTANTIATE_TEST_SUITE_P(Versions, BrokerSessionTest,
                         ::testing::Values(ProtocolVersion::kV311, ProtocolVersion::kV5),
                         [](const auto& info) {
                           return info.param == ProtocolVersion::kV5 ? "v5" : "v311";
                         });

// A session resumed under another user name is not handed over (mosquitto CVE-2021-34434):
// the new user gets a fresh session, without the old one's subscriptions or queued messages.
TEST_P(BrokerSessionTest, SessionOfAnotherUserIsNotHandedOver) {
  BrokerConfig config = BrokerHarness::default_config();
  config.allow_anonymous = false;
  config.check_passwords = true;
  BrokerHarness h(config);
  h.host.passwords = {{"alice", "a"}, {"bob", "b"}};
  const ProtocolVersion v = GetParam();
  auto as = [&](const std::string& user) {
    ConnectPacket p = persistent("alice-dev", v);
    p.username = user;
    p.password = to_bytes(user.substr(0, 1));
    return p;
  };
  TestClient& alice = h.open(v);
  alice.connect(as("alice"));
  alice.subscribe("private/alice/#", QoS::kAtLeastOnce);
  alice.close();
  ConnectPacket publisher;
  publisher.client_id = "alice-pub";
  publisher.username = "alice";
  publisher.password = to_bytes("a");
  TestClient& pub = h.open(v);
  pub.connect(publisher);
  pub.publish("private/alice/x", "secret", QoS::kAtLeastOnce);

  TestClient& bob = h.open(v);
  EXPECT_FALSE(bob.connect(as("bob")).session_present);
  EXPECT_TRUE(bob.receive_publishes().empty());
  EXPECT_TRUE(h.host.logged("different user"));
  // bob's fresh session holds nothing of alice's: a new message there does not reach him.
  pub.publish("private/alice/y", "also secret", QoS::kAtLeastOnce);
  EXPECT_TRUE(bob.receive_publishes().empty());
}

TEST_P(BrokerSessionTest, SameUserResumesTheSession) {
  BrokerConfig config = BrokerHarness::default_config();
  config.check_passwords = true;
  BrokerHarness h(config);
  h.host.passwords = {{"alice", "a"}};
  const ProtocolVersion v = GetParam();
  ConnectPacket p = persistent("alice-dev", v);
  p.username = "alice";
  p.password = to_bytes("a");
  TestClient& first = h.open(v);
  first.connect(p);
  first.subscribe("t", QoS::kAtLeastOnce);
  first.close();
  h.connected("pub", v).publish("t", "queued", QoS::kAtLeastOnce);
  TestClient& again = h.open(v);
  EXPECT_TRUE(again.connect(p).session_present);
  EXPECT_EQ(again.receive_publishes().size(), 1u);

  // An anonymous client is another user too.
  again.close();
  ConnectPacket anonymous = persistent("alice-dev", v);
  TestClient& anon = h.open(v);
  EXPECT_FALSE(anon.connect(anonymous).session_present);
}

TEST(BrokerSession, V5SessionExpiry) {
  BrokerHarness h;
  TestClient& c = h.open(kV5);
  c.connect(persistent("p", kV5, /*expiry=*/30));
  c.subscribe("t", QoS::kAtLeastOnce);
  c.close();
  TimeMs next = h.advance(29'000);
  EXPECT_LE(next, h.now + 1'000);
  EXPECT_EQ(h.broker().stats().subscriptions, 1u);
  h.advance(1'000);
  EXPECT_EQ(h.broker().stats().subscriptions, 0u);
  EXPECT_FALSE(h.open(kV5).connect(persistent("p", kV5)).session_present);
}

TEST(BrokerSession, V5ZeroExpiryEndsAtDisconnect) {
  BrokerHarness h;
  TestClient& c = h.open(kV5);
  ConnectPacket p;
  p.client_id = "p";
  p.clean_start = false;  // but no session expiry interval: ends with the connection
  c.connect(p);
  c.subscribe("t");
  c.close();
  EXPECT_EQ(h.broker().stats().subscriptions, 0u);
  EXPECT_FALSE(h.open(kV5).connect(p).session_present);
}

TEST(BrokerSession, V5DisconnectUpdatesExpiry) {
  BrokerHarness h;
  TestClient& c = h.open(kV5);
  c.connect(persistent("p", kV5, 100));
  c.subscribe("t");
  DisconnectPacket d;
  d.properties.session_expiry_interval = 0;
  c.send(d);
  EXPECT_EQ(h.broker().stats().subscriptions, 0u);
}

TEST(BrokerSession, V5DisconnectCannotSetExpiryFromZero) {
  BrokerHarness h;
  TestClient& c = h.connected("z", kV5);
  DisconnectPacket d;
  d.properties.session_expiry_interval = 100;
  c.send(d);
  auto packets = c.receive();
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<DisconnectPacket>(packets[0]).reason, ReasonCode::kProtocolError);
}

TEST(BrokerSession, V311PersistentNeverExpiresByDefault) {
  BrokerHarness h;
  TestClient& c = h.open(kV311);
  c.connect(persistent("p", kV311));
  c.subscribe("t");
  c.close();
  h.advance(1'000'000'000);
  EXPECT_TRUE(h.open(kV311).connect(persistent("p", kV311)).session_present);
}

TEST(BrokerSession, V311PersistentClientExpiration) {
  BrokerConfig config = BrokerHarness::default_config();
  config.persistent_client_expiration_seconds = 60;
  BrokerHarness h(config);
  TestClient& c = h.open(kV311);
  c.connect(persistent("p", kV311));
  c.close();
  h.advance(61'000);
  EXPECT_FALSE(h.open(kV311).connect(persistent("p", kV311)).session_present);
}

TEST(BrokerSession, OfflineQueueBounded) {
  BrokerConfig config = BrokerHarness::default_config();
  config.max_queued_messages = 3;
  BrokerHarness h(config);
  TestClient& c = h.open(kV311);
  c.connect(persistent("p", kV311));
  c.subscribe("t", QoS::kAtLeastOnce);
  c.close();
  TestClient& pub = h.connected("pub", kV311);
  for (int i = 0; i < 10; ++i) pub.publish("t", std::to_string(i), QoS::kAtLeastOnce);
  TestClient& back = h.open(kV311);
  back.connect(persistent("p", kV311));
  auto got = back.receive_publishes();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(to_string(got[2].payload), "2");
  EXPECT_TRUE(h.host.logged("dropped for client p"));
}

TEST(BrokerSession, SessionSurvivesAcrossProtocolVersions) {
  BrokerHarness h;
  TestClient& c = h.open(kV5);
  c.connect(persistent("p", kV5));
  c.subscribe("t", QoS::kAtLeastOnce, 3);
  c.close();
  h.connected("pub", kV5).publish("t", "x", QoS::kAtLeastOnce);
  TestClient& back = h.open(kV311);
  EXPECT_TRUE(back.connect(persistent("p", kV311)).session_present);
  EXPECT_EQ(back.receive_publishes().size(), 1u);
}

}  // namespace
}  // namespace trustmq::mqtt::testing

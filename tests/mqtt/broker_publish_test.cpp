// PUBLISH flows: QoS 0/1/2 in both directions, in-flight window and queue, limits, aliases,
// property pass-through and message expiry.
#include <gtest/gtest.h>

#include "broker_test_harness.h"

namespace trustmq::mqtt::testing {
namespace {

template <typename T>
std::vector<T> only(const std::vector<Packet>& packets) {
  std::vector<T> out;
  for (const auto& p : packets) {
    if (auto* t = std::get_if<T>(&p)) out.push_back(*t);
  }
  return out;
}

class BrokerPublishTest : public ::testing::TestWithParam<ProtocolVersion> {};

TEST_P(BrokerPublishTest, QoS0RoundTrip) {
  BrokerHarness h;
  TestClient& sub = h.connected("sub", GetParam());
  EXPECT_EQ(sub.subscribe("a/+", QoS::kAtMostOnce).reasons[0], ReasonCode::kSuccess);
  TestClient& pub = h.connected("pub", GetParam());
  pub.publish("a/b", "hello");
  EXPECT_TRUE(pub.receive().empty());
  auto raw = h.host.take_raw(sub.conn());
  ASSERT_EQ(raw.size(), 1u);
  EXPECT_EQ(raw[0].kind, SendKind::kDroppable);
  DecodeResult r = decode_packet(raw[0].bytes, GetParam());
  ASSERT_EQ(r.status, DecodeStatus::kOk);
  const auto& p = std::get<PublishPacket>(r.packet);
  EXPECT_EQ(p.topic, "a/b");
  EXPECT_EQ(to_string(p.payload), "hello");
  EXPECT_EQ(p.qos, QoS::kAtMostOnce);
  EXPECT_FALSE(p.retain);
  pub.publish("b/a", "not matching");
  EXPECT_TRUE(sub.receive().empty());
}

TEST_P(BrokerPublishTest, QoS1BothDirections) {
  BrokerHarness h;
  TestClient& sub = h.connected("sub", GetParam());
  EXPECT_EQ(sub.subscribe("t", QoS::kAtLeastOnce).reasons[0], ReasonCode::kGrantedQoS1);
  TestClient& pub = h.connected("pub", GetParam());
  pub.publish("t", "one", QoS::kAtLeastOnce, false, 77);
  auto acks = only<AckPacket>(pub.receive());
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].type, PacketType::kPuback);
  EXPECT_EQ(acks[0].packet_id, 77);
  EXPECT_EQ(acks[0].reason, ReasonCode::kSuccess);
  auto got = sub.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].qos, QoS::kAtLeastOnce);
  EXPECT_NE(got[0].packet_id, 0);
  EXPECT_FALSE(got[0].dup);
  sub.send(ack(PacketType::kPuback, got[0].packet_id));
  EXPECT_TRUE(sub.receive().empty());
}

TEST_P(BrokerPublishTest, QoSDowngradedToSubscription) {
  BrokerHarness h;
  TestClient& sub = h.connected("sub", GetParam());
  sub.subscribe("t", QoS::kAtMostOnce);
  h.connected("pub", GetParam()).publish("t", "x", QoS::kExactlyOnce);
  auto got = sub.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].qos, QoS::kAtMostOnce);
}

TEST_P(BrokerPublishTest, InboundQoS2MethodA) {
  BrokerHarness h;
  TestClient& sub = h.connected("sub", GetParam());
  sub.subscribe("t", QoS::kAtMostOnce);
  TestClient& pub = h.connected("pub", GetParam());
  pub.publish("t", "once", QoS::kExactlyOnce, false, 9);
  auto acks = only<AckPacket>(pub.receive());
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].type, PacketType::kPubrec);
  EXPECT_EQ(sub.receive_publishes().size(), 1u);  // delivered at PUBLISH time
  // A duplicate before PUBREL is not delivered again but answered again.
  PublishPacket again;
  again.topic = "t";
  again.payload = to_bytes("once");
  again.qos = QoS::kExactlyOnce;
  again.packet_id = 9;
  again.dup = true;
  pub.publish(again);
  acks = only<AckPacket>(pub.receive());
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].type, PacketType::kPubrec);
  EXPECT_TRUE(sub.receive_publishes().empty());
  pub.send(ack(PacketType::kPubrel, 9));
  acks = only<AckPacket>(pub.receive());
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].type, PacketType::kPubcomp);
  EXPECT_EQ(acks[0].reason, ReasonCode::kSuccess);
  // After PUBREL the id is free: the same id is a new message.
  pub.publish(again);
  EXPECT_EQ(sub.receive_publishes().size(), 1u);
}

TEST(BrokerPublish, PubrelForUnknownIdV5) {
  BrokerHarness h;
  TestClient& c = h.connected("c", kV5);
  c.send(ack(PacketType::kPubrel, 42));
  auto acks = only<AckPacket>(c.receive());
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].type, PacketType::kPubcomp);
  EXPECT_EQ(acks[0].reason, ReasonCode::kPacketIdentifierNotFound);
}

TEST_P(BrokerPublishTest, OutboundQoS2Flow) {
  BrokerHarness h;
  TestClient& sub = h.connected("sub", GetParam());
  sub.subscribe("t", QoS::kExactlyOnce);
  h.connected("pub", GetParam()).publish("t", "x", QoS::kExactlyOnce);
  auto got = sub.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].qos, QoS::kExactlyOnce);
  sub.send(ack(PacketType::kPubrec, got[0].packet_id));
  auto acks = only<AckPacket>(sub.receive());
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].type, PacketType::kPubrel);
  EXPECT_EQ(acks[0].packet_id, got[0].packet_id);
  sub.send(ack(PacketType::kPubcomp, got[0].packet_id));
  EXPECT_TRUE(sub.receive().empty());
}

TEST_P(BrokerPublishTest, InflightWindowQueuesAndDrains) {
  BrokerConfig config = BrokerHarness::default_config();
  config.max_inflight_messages = 2;
  BrokerHarness h(config);
  TestClient& sub = h.connected("sub", GetParam());
  sub.subscribe("t", QoS::kAtLeastOnce);
  TestClient& pub = h.connected("pub", GetParam());
  for (int i = 0; i < 5; ++i) pub.publish("t", std::to_string(i), QoS::kAtLeastOnce);
  auto first = sub.receive_publishes();
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(to_string(first[0].payload), "0");
  EXPECT_EQ(to_string(first[1].payload), "1");
  EXPECT_NE(first[0].packet_id, first[1].packet_id);
  sub.send(ack(PacketType::kPuback, first[0].packet_id));
  auto next = sub.receive_publishes();
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(to_string(next[0].payload), "2");
  sub.send(ack(PacketType::kPuback, first[1].packet_id));
  sub.send(ack(PacketType::kPuback, next[0].packet_id));
  auto rest = sub.receive_publishes();
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(to_string(rest[1].payload), "4");
}

TEST(BrokerPublish, ClientReceiveMaximumLimitsWindow) {
  BrokerHarness h;
  TestClient& sub = h.open(kV5);
  ConnectPacket p;
  p.client_id = "sub";
  p.properties.receive_maximum = 1;
  sub.connect(p);
  sub.subscribe("t", QoS::kAtLeastOnce);
  TestClient& pub = h.connected("pub", kV5);
  pub.publish("t", "a", QoS::kAtLeastOnce);
  pub.publish("t", "b", QoS::kAtLeastOnce);
  auto got = sub.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  sub.send(ack(PacketType::kPuback, got[0].packet_id));
  got = sub.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(to_string(got[0].payload), "b");
}

// Inbound QoS 2 messages awaiting PUBREL beyond the Receive Maximum the broker announced (v5,
// 0x93, spec §3.3.4) or beyond max_inflight_messages (3.1.1, which has no such notion) end the
// connection: the client re-sends with DUP; no message is PUBREC'd and then dropped.
TEST(BrokerPublish, InboundQos2PastTheLimitEndsTheConnectionOnBothVersions) {
  BrokerConfig config = BrokerHarness::default_config();
  config.max_inflight_messages = 2;
  BrokerHarness h(config);
  TestClient& v5 = h.connected("v5", kV5);
  TestClient& v311 = h.connected("v311", kV311);
  for (std::uint16_t id = 1; id <= 3; ++id) {
    PublishPacket p;
    p.topic = "t";
    p.payload = {'x'};
    p.qos = QoS::kExactlyOnce;
    p.packet_id = id;
    v5.send(p);
    v311.send(p);
  }
  auto v5_packets = v5.receive();
  ASSERT_EQ(v5_packets.size(), 3u);
  EXPECT_EQ(std::get<AckPacket>(v5_packets[1]).type, PacketType::kPubrec);
  EXPECT_EQ(std::get<DisconnectPacket>(v5_packets[2]).reason, ReasonCode::kReceiveMaximumExceeded);
  EXPECT_TRUE(v5.closed());
  auto v311_packets = v311.receive();
  ASSERT_EQ(v311_packets.size(), 2u);  // two PUBRECs; 3.1.1 has no DISCONNECT from the server
  for (const Packet& packet : v311_packets) {
    EXPECT_EQ(std::get<AckPacket>(packet).type, PacketType::kPubrec);
  }
  EXPECT_TRUE(v311.closed());
}

TEST(BrokerPublish, QueueBoundDropsNewestWithLog) {
  BrokerConfig config = BrokerHarness::default_config();
  config.max_inflight_messages = 1;
  config.max_queued_messages = 2;
  BrokerHarness h(config);
  TestClient& sub = h.connected("sub", kV311);
  sub.subscribe("t", QoS::kAtLeastOnce);
  TestClient& pub = h.connected("pub", kV311);
  for (int i = 0; i < 6; ++i) pub.publish("t", std::to_string(i), QoS::kAtLeastOnce);
  EXPECT_TRUE(h.host.logged("Outgoing messages are being dropped for client sub"));
  std::vector<std::string> seen;
  for (int round = 0; round < 6; ++round) {
    auto got = sub.receive_publishes();
    if (got.empty()) break;
    for (auto& g : got) {
      seen.push_back(to_string(g.payload));
      sub.send(ack(PacketType::kPuback, g.packet_id));
    }
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"0", "1", "2"}));
}

TEST_P(BrokerPublishTest, AclWriteDenied) {
  BrokerConfig config = BrokerHarness::default_config();
  AclRules acl;
  acl.anonymous.push_back({AclAccess::kReadWrite, "open/#", false});
  acl.anonymous.push_back({AclAccess::kRead, "closed/#", false});
  config.acl = acl;
  BrokerHarness h(config);
  TestClient& sub = h.connected("sub", GetParam());
  sub.subscribe("#", QoS::kAtLeastOnce);
  TestClient& pub = h.connected("pub", GetParam());
  pub.publish("closed/x", "no", QoS::kAtLeastOnce, false, 5);
  auto acks = only<AckPacket>(pub.receive());
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].type, PacketType::kPuback);
  EXPECT_EQ(acks[0].reason, GetParam() == kV5 ? ReasonCode::kNotAuthorized : ReasonCode::kSuccess);
  EXPECT_TRUE(sub.receive_publishes().empty());
  EXPECT_TRUE(h.host.logged("Denied PUBLISH from pub"));
  EXPECT_FALSE(pub.closed());
  pub.publish("open/x", "yes", QoS::kAtLeastOnce, false, 6);
  EXPECT_EQ(sub.receive_publishes().size(), 1u);
}

TEST_P(BrokerPublishTest, MessageSizeLimit) {
  BrokerConfig config = BrokerHarness::default_config();
  config.message_size_limit = 10;
  BrokerHarness h(config);
  TestClient& sub = h.connected("sub", GetParam());
  sub.subscribe("t");
  TestClient& pub = h.connected("pub", GetParam());
  pub.publish("t", "0123456789A", QoS::kAtLeastOnce, false, 3);
  auto acks = only<AckPacket>(pub.receive());
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].reason, GetParam() == kV5 ? ReasonCode::kQuotaExceeded : ReasonCode::kSuccess);
  EXPECT_TRUE(sub.receive_publishes().empty());
  EXPECT_FALSE(pub.closed());
  pub.publish("t", "0123456789");
  EXPECT_EQ(sub.receive_publishes().size(), 1u);
}

TEST_P(BrokerPublishTest, ClientsCannotPublishToSys) {
  BrokerHarness h;
  TestClient& sub = h.connected("sub", GetParam());
  sub.subscribe("$SYS/#");
  TestClient& pub = h.connected("pub", GetParam());
  pub.publish("$SYS/broker/version", "fake", QoS::kAtLeastOnce, true);
  EXPECT_EQ(only<AckPacket>(pub.receive()).size(), 1u);
  EXPECT_TRUE(sub.receive_publishes().empty());
  EXPECT_EQ(h.broker().stats().retained_messages, 0u);
}

TEST(BrokerPublish, NoMatchingSubscribersReasonV5) {
  BrokerHarness h;
  TestClient& pub = h.connected("pub", kV5);
  pub.publish("nobody", "x", QoS::kAtLeastOnce);
  auto acks = only<AckPacket>(pub.receive());
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].reason, ReasonCode::kNoMatchingSubscribers);
}

TEST(BrokerPublish, OutboundRespectsClientMaximumPacketSize) {
  BrokerHarness h;
  TestClient& sub = h.open(kV5);
  ConnectPacket p;
  p.client_id = "small";
  p.properties.maximum_packet_size = 40;
  sub.connect(p);
  sub.subscribe("t", QoS::kAtLeastOnce);
  TestClient& pub = h.connected("pub", kV5);
  pub.publish("t", std::string(100, 'x'), QoS::kAtLeastOnce);
  pub.publish("t", "fits", QoS::kAtLeastOnce);
  auto got = sub.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(to_string(got[0].payload), "fits");
  EXPECT_FALSE(sub.closed());
}

TEST(BrokerPublish, TopicAliases) {
  BrokerConfig config = BrokerHarness::default_config();
  config.topic_alias_maximum = 3;
  BrokerHarness h(config);
  TestClient& sub = h.connected("sub", kV5);
  sub.subscribe("long/topic/name");
  TestClient& pub = h.connected("pub", kV5);
  PublishPacket p;
  p.topic = "long/topic/name";
  p.payload = to_bytes("1");
  p.properties.topic_alias = 2;
  pub.publish(p);
  p.topic.clear();
  p.payload = to_bytes("2");
  pub.publish(p);
  auto got = sub.receive_publishes();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].topic, "long/topic/name");
  EXPECT_FALSE(got[1].properties.topic_alias.has_value());
  EXPECT_FALSE(pub.closed());
}

TEST(BrokerPublish, TopicAliasAboveMaximumIsInvalid) {
  BrokerConfig config = BrokerHarness::default_config();
  config.topic_alias_maximum = 3;
  BrokerHarness h(config);
  TestClient& pub = h.connected("pub", kV5);
  PublishPacket p;
  p.topic = "t";
  p.properties.topic_alias = 4;
  pub.publish(p);
  auto packets = pub.receive();
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<DisconnectPacket>(packets[0]).reason, ReasonCode::kTopicAliasInvalid);
  EXPECT_TRUE(pub.closed());
}

TEST(BrokerPublish, UnknownTopicAliasIsProtocolError) {
  BrokerHarness h;
  TestClient& pub = h.connected("pub", kV5);
  PublishPacket p;
  p.properties.topic_alias = 1;
  pub.publish(p);
  auto packets = pub.receive();
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<DisconnectPacket>(packets[0]).reason, ReasonCode::kProtocolError);
}

TEST(BrokerPublish, V5PropertiesPassThrough) {
  BrokerHarness h;
  TestClient& sub = h.connected("sub", kV5);
  sub.subscribe("req");
  TestClient& v3 = h.connected("old", kV311);
  v3.subscribe("req");
  TestClient& pub = h.connected("pub", kV5);
  PublishPacket p;
  p.topic = "req";
  p.payload = to_bytes("{}");
  p.properties.user_properties = {{"k", "v"}, {"k", "w"}};
  p.properties.payload_format_indicator = 1;
  p.properties.content_type = "application/json";
  p.properties.response_topic = "resp/1";
  p.properties.correlation_data = to_bytes("c0");
  pub.publish(p);
  auto got = sub.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].properties, p.properties);
  auto old = v3.receive_publishes();
  ASSERT_EQ(old.size(), 1u);
  EXPECT_EQ(to_string(old[0].payload), "{}");
}

TEST(BrokerPublish, MessageExpiryRewrittenAndExpiredDropped) {
  BrokerHarness h;
  TestClient& sub = h.open(kV5);
  ConnectPacket c;
  c.client_id = "sub";
  c.clean_start = false;
  c.properties.session_expiry_interval = 3600;
  sub.connect(c);
  sub.subscribe("t", QoS::kAtLeastOnce);
  sub.close();
  TestClient& pub = h.connected("pub", kV5);
  PublishPacket p;
  p.topic = "t";
  p.qos = QoS::kAtLeastOnce;
  p.packet_id = 1;
  p.payload = to_bytes("short");
  p.properties.message_expiry_interval = 5;
  pub.publish(p);
  p.payload = to_bytes("long");
  p.properties.message_expiry_interval = 100;
  pub.publish(p);
  h.advance(10'000);
  TestClient& back = h.open(kV5);
  EXPECT_TRUE(back.connect(c).session_present);
  auto got = back.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(to_string(got[0].payload), "long");
  EXPECT_EQ(got[0].properties.message_expiry_interval, 90u);
}

TEST(BrokerPublish, EncodedOncePerGroupStillCorrectIds) {
  BrokerHarness h;
  std::vector<TestClient*> subs;
  for (int i = 0; i < 4; ++i) {
    subs.push_back(&h.connected("s" + std::to_string(i), i % 2 ? kV5 : kV311));
    subs.back()->subscribe("t", QoS::kAtLeastOnce);
  }
  // Give the subscribers different packet id positions.
  TestClient& pub = h.connected("pub", kV5);
  pub.publish("t", "warm", QoS::kAtLeastOnce);
  subs[0]->receive_publishes();
  pub.publish("t", "x", QoS::kAtLeastOnce);
  for (TestClient* s : subs) {
    auto got = s->receive_publishes();
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(to_string(got.back().payload), "x");
    EXPECT_EQ(got.back().topic, "t");
  }
}

INSTANTIATE_TEST_SUITE_P(Versions, BrokerPublishTest,
                         ::testing::Values(ProtocolVersion::kV311, ProtocolVersion::kV5),
                         [](const auto& info) {
                           return info.param == ProtocolVersion::kV5 ? "v5" : "v311";
                         });

}  // namespace
}  // namespace trustmq::mqtt::testing

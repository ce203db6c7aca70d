// Topic aliases the broker assigns on the PUBLISH packets it sends to a v5 client that
// announced a Topic Alias Maximum in CONNECT (outbound_topic_aliases.h, docs/broker.md).
#include <string>
#include <vector>

#include "broker_test_harness.h"
#include "mqtt/topic_alias_map.h"

namespace trustmq::mqtt::testing {
namespace {

TestClient& alias_subscriber(BrokerHarness& h, const std::string& id, std::uint16_t maximum,
                             const std::string& filter = "t/#", QoS qos = QoS::kAtMostOnce) {
  TestClient& c = h.open(ProtocolVersion::kV5);
  ConnectPacket connect;
  connect.client_id = id;
  if (maximum != 0) connect.properties.topic_alias_maximum = maximum;
  c.connect(std::move(connect));
  c.subscribe(filter, qos);
  return c;
}

// What a client resolving aliases as the spec says reads: the topic of each PUBLISH.
std::vector<std::string> resolve(TopicAliasMap& client_aliases,
                                 const std::vector<PublishPacket>& got) {
  std::vector<std::string> topics;
  for (const PublishPacket& p : got) {
    if (p.properties.topic_alias) {
      EXPECT_TRUE(client_aliases.valid(*p.properties.topic_alias)) << *p.properties.topic_alias;
      if (!p.topic.empty()) client_aliases.set(*p.properties.topic_alias, p.topic);
      const std::string* topic = client_aliases.find(*p.properties.topic_alias);
      EXPECT_NE(topic, nullptr) << "unknown alias " << *p.properties.topic_alias;
      topics.push_back(topic ? *topic : "?");
    } else {
      topics.push_back(p.topic);
    }
  }
  return topics;
}

TEST(BrokerOutboundTopicAlias, FirstUseSendsTopicAndAliasLaterUsesOnlyTheAlias) {
  BrokerHarness h;
  TestClient& sub = alias_subscriber(h, "sub", 2);
  TestClient& pub = h.connected("pub");
  for (const char* topic : {"t/a", "t/a", "t/b", "t/c", "t/a", "t/c"}) pub.publish(topic, "x");
  const auto got = sub.receive_publishes();
  ASSERT_EQ(got.size(), 6u);
  struct Expected {
    std::string topic;
    std::uint16_t alias;
  };
  // LRU: t/c takes t/a's alias 1 (least recently used), t/a then takes t/b's alias 2.
  const std::vector<Expected> expected = {{"t/a", 1}, {"", 1},    {"t/b", 2},
                                          {"t/c", 1}, {"t/a", 2}, {"", 1}};
  for (std::size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(got[i].topic, expected[i].topic);
    ASSERT_TRUE(got[i].properties.topic_alias.has_value());
    EXPECT_EQ(*got[i].properties.topic_alias, expected[i].alias);
  }
  TopicAliasMap client(2);
  EXPECT_EQ(resolve(client, got),
            (std::vector<std::string>{"t/a", "t/a", "t/b", "t/c", "t/a", "t/c"}));
}

TEST(BrokerOutboundTopicAlias, NeverAboveTheClientMaximum) {
  BrokerHarness h;
  TestClient& sub = alias_subscriber(h, "sub", 3);
  TestClient& pub = h.connected("pub");
  std::vector<std::string> sent;
  for (int i = 0; i < 40; ++i) {
    sent.push_back("t/" + std::to_string((i * 7) % 11));
    pub.publish(sent.back(), "x");
  }
  const auto got = sub.receive_publishes();
  ASSERT_EQ(got.size(), sent.size());
  for (const PublishPacket& p : got) {
    ASSERT_TRUE(p.properties.topic_alias.has_value());
    EXPECT_GE(*p.properties.topic_alias, 1);
    EXPECT_LE(*p.properties.topic_alias, 3);
  }
  TopicAliasMap client(3);
  EXPECT_EQ(resolve(client, got), sent);
}

TEST(BrokerOutboundTopicAlias, NoneWithoutTopicAliasMaximumOrBeforeV5) {
  BrokerHarness h;
  TestClient& v5 = alias_subscriber(h, "v5", 0);
  TestClient& v311 = h.connected("v311", ProtocolVersion::kV311);
  v311.subscribe("t/#");
  TestClient& pub = h.connected("pub");
  pub.publish("t/a", "x");
  pub.publish("t/a", "y");
  for (TestClient* c : {&v5, &v311}) {
    const auto got = c->receive_publishes();
    ASSERT_EQ(got.size(), 2u);
    for (const PublishPacket& p : got) {
      EXPECT_EQ(p.topic, "t/a");
      EXPECT_FALSE(p.properties.topic_alias.has_value());
    }
  }
}

TEST(BrokerOutboundTopicAlias, ResetOnReconnect) {
  BrokerHarness h;
  TestClient& pub = h.connected("pub");
  TestClient& first = h.open(ProtocolVersion::kV5);
  ConnectPacket connect;
  connect.client_id = "sub";
  connect.clean_start = false;
  connect.properties.topic_alias_maximum = 4;
  connect.properties.session_expiry_interval = 60;
  first.connect(connect);
  first.subscribe("t/#");
  pub.publish("t/a", "1");
  pub.publish("t/a", "2");
  auto got = first.receive_publishes();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[1].topic.empty());
  first.close();
  // The same session on a new network connection: the new connection knows no aliases.
  TestClient& second = h.open(ProtocolVersion::kV5);
  second.connect(connect);
  pub.publish("t/a", "3");
  got = second.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "t/a");
  EXPECT_EQ(got[0].properties.topic_alias, std::optional<std::uint16_t>(1));
  // A reconnect announcing no maximum gets none.
  second.close();
  TestClient& third = h.open(ProtocolVersion::kV5);
  connect.properties.topic_alias_maximum.reset();
  third.connect(connect);
  pub.publish("t/a", "4");
  got = third.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "t/a");
  EXPECT_FALSE(got[0].properties.topic_alias.has_value());
}

TEST(BrokerOutboundTopicAlias, TheSendThatSetsAnAliasIsNotDroppable) {
  BrokerHarness h;
  TestClient& sub = alias_subscriber(h, "sub", 2);
  TestClient& pub = h.connected("pub");
  pub.publish("t/a", "1");
  pub.publish("t/a", "2");
  const auto sent = h.host.take_raw(sub.conn());
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].kind, SendKind::kControl);    // topic + alias
  EXPECT_EQ(sent[1].kind, SendKind::kDroppable);  // alias only
}

TEST(BrokerOutboundTopicAlias, QoS1CarriesPacketIdentifierAndAlias) {
  BrokerHarness h;
  TestClient& sub = alias_subscriber(h, "sub", 2, "t/#", QoS::kAtLeastOnce);
  TestClient& pub = h.connected("pub");
  pub.publish("t/q", "1", QoS::kAtLeastOnce, false, 7);
  pub.receive();
  auto got = sub.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "t/q");
  EXPECT_EQ(got[0].qos, QoS::kAtLeastOnce);
  EXPECT_NE(got[0].packet_id, 0);
  EXPECT_EQ(got[0].properties.topic_alias, std::optional<std::uint16_t>(1));
  AckPacket ack;
  ack.type = PacketType::kPuback;
  ack.packet_id = got[0].packet_id;
  sub.send(ack);
  pub.publish("t/q", "2", QoS::kAtLeastOnce, false, 8);
  got = sub.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].topic.empty());
  EXPECT_EQ(got[0].properties.topic_alias, std::optional<std::uint16_t>(1));
  EXPECT_EQ(to_string(got[0].payload), "2");
}

TEST(BrokerOutboundTopicAlias, ASendDroppedForItsSizeAssignsNothing) {
  BrokerHarness h;
  TestClient& sub = h.open(ProtocolVersion::kV5);
  ConnectPacket connect;
  connect.client_id = "sub";
  connect.properties.topic_alias_maximum = 2;
  connect.properties.maximum_packet_size = 100;
  sub.connect(connect);
  sub.subscribe("t/#");
  TestClient& pub = h.connected("pub");
  pub.publish("t/a", std::string(200, 'x'));  // too large for the client: dropped
  pub.publish("t/a", "small");
  const auto got = sub.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "t/a");  // the alias was never given its topic before
  EXPECT_EQ(got[0].properties.topic_alias, std::optional<std::uint16_t>(1));
}

}  // namespace
}  // namespace trustmq::mqtt::testing

// $SYS topics, statistics and on_tick deadlines.
#include <gtest/gtest.h>

#include <map>

#include "broker_test_harness.h"

namespace trustmq::mqtt::testing {
namespace {

std::map<std::string, std::string> by_topic(const std::vector<PublishPacket>& publishes) {
  std::map<std::string, std::string> out;
  for (const auto& p : publishes) out[p.topic] = to_string(p.payload);
  return out;
}

TEST(BrokerSys, PublishedEveryIntervalAndRetained) {
  BrokerConfig config = BrokerHarness::default_config();
  config.sys_interval_seconds = 10;
  config.version = "trustmq 9.9";
  BrokerHarness h(config);
  h.broker().on_tick(h.now);
  TestClient& c = h.connected("watcher", kV311);
  c.subscribe("$SYS/broker/#");
  auto first = by_topic(c.receive_publishes());  // retained values, sent on subscribe
  EXPECT_EQ(first["$SYS/broker/version"], "trustmq 9.9");
  EXPECT_EQ(first["$SYS/broker/uptime"], "0 seconds");
  EXPECT_EQ(first["$SYS/broker/clients/connected"], "0");
  ASSERT_TRUE(first.count("$SYS/broker/messages/received"));
  ASSERT_TRUE(first.count("$SYS/broker/messages/sent"));
  ASSERT_TRUE(first.count("$SYS/broker/bytes/received"));
  ASSERT_TRUE(first.count("$SYS/broker/bytes/sent"));

  TimeMs next = h.advance(5'000);
  EXPECT_TRUE(c.receive_publishes().empty());
  EXPECT_LE(next, h.now + 5'000);
  h.advance(5'000);
  auto second = by_topic(c.receive_publishes());
  EXPECT_EQ(second["$SYS/broker/uptime"], "10 seconds");
  EXPECT_EQ(second["$SYS/broker/clients/connected"], "1");
  EXPECT_FALSE(second.count("$SYS/broker/version"));  // unchanged values are not re-sent
}

TEST(BrokerSys, StatsCountPacketsAndBytes) {
  BrokerHarness h;
  TestClient& sub = h.connected("sub", kV311);
  sub.subscribe("t");
  TestClient& pub = h.connected("pub", kV311);
  pub.publish("t", "hello", QoS::kAtLeastOnce);
  BrokerStats s = h.broker().stats();
  EXPECT_EQ(s.clients_connected, 2u);
  EXPECT_EQ(s.messages_received, 4u);  // CONNECT, SUBSCRIBE, CONNECT, PUBLISH
  EXPECT_EQ(s.messages_sent, 5u);      // CONNACK, SUBACK, CONNACK, PUBLISH, PUBACK
  EXPECT_EQ(s.subscriptions, 1u);
  EXPECT_GT(s.bytes_received, 20u);
  EXPECT_GT(s.bytes_sent, 15u);
  pub.close();
  EXPECT_EQ(h.broker().stats().clients_connected, 1u);
}

TEST(BrokerSys, TickDeadlineWithoutTimersIsBounded) {
  BrokerHarness h;
  TimeMs next = h.broker().on_tick(h.now);
  EXPECT_GT(next, h.now);
  EXPECT_LE(next, h.now + 1'000);
}

}  // namespace
}  // namespace trustmq::mqtt::testing

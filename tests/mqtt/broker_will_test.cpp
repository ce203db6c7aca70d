// Will messages: when they are published, will delay, will properties.
#include <gtest/gtest.h>

#include "broker_test_harness.h"

namespace trustmq::mqtt::testing {
namespace {

ConnectPacket with_will(std::string client_id, std::uint32_t will_delay = 0,
                        std::uint32_t session_expiry = 0) {
  ConnectPacket p;
  p.client_id = std::move(client_id);
  Will will;
  will.topic = "wills/" + p.client_id;
  will.payload = to_bytes("gone");
  will.qos = QoS::kAtLeastOnce;
  if (will_delay != 0) will.properties.will_delay_interval = will_delay;
  p.will = will;
  if (session_expiry != 0) {
    p.properties.session_expiry_interval = session_expiry;
    p.clean_start = false;
  }
  return p;
}

class BrokerWillTest : public ::testing::TestWithParam<ProtocolVersion> {};

TEST_P(BrokerWillTest, PublishedOnNetworkClose) {
  BrokerHarness h;
  TestClient& watcher = h.connected("watcher", GetParam());
  watcher.subscribe("wills/#", QoS::kAtLeastOnce);
  TestClient& c = h.open(GetParam());
  c.connect(with_will("dying"));
  c.close();
  auto got = watcher.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "wills/dying");
  EXPECT_EQ(to_string(got[0].payload), "gone");
  EXPECT_EQ(got[0].qos, QoS::kAtLeastOnce);
}

TEST_P(BrokerWillTest, NotPublishedOnCleanDisconnect) {
  BrokerHarness h;
  TestClient& watcher = h.connected("watcher", GetParam());
  watcher.subscribe("wills/#");
  TestClient& c = h.open(GetParam());
  c.connect(with_will("polite"));
  c.send(DisconnectPacket{});
  c.close();
  EXPECT_TRUE(watcher.receive_publishes().empty());
}

TEST_P(BrokerWillTest, PublishedOnKeepAliveTimeout) {
  BrokerHarness h;
  TestClient& watcher = h.connected("watcher", GetParam());
  watcher.subscribe("wills/#");
  TestClient& c = h.open(GetParam());
  ConnectPacket p = with_will("silent");
  p.keep_alive_seconds = 4;
  c.connect(p);
  h.advance(6'000);
  EXPECT_TRUE(c.closed());
  EXPECT_EQ(watcher.receive_publishes().size(), 1u);
}

TEST_P(BrokerWillTest, PublishedOnProtocolError) {
  BrokerHarness h;
  TestClient& watcher = h.connected("watcher", GetParam());
  watcher.subscribe("wills/#");
  TestClient& c = h.open(GetParam());
  c.connect(with_will("rude"));
  c.send(ConnectPacket{});  // second CONNECT
  EXPECT_TRUE(c.closed());
  EXPECT_EQ(watcher.receive_publishes().size(), 1u);
}

TEST_P(BrokerWillTest, RetainedWill) {
  BrokerHarness h;
  TestClient& c = h.open(GetParam());
  ConnectPacket p = with_will("ret");
  p.will->retain = true;
  c.connect(p);
  c.close();
  TestClient& later = h.connected("later", GetParam());
  later.subscribe("wills/ret");
  auto got = later.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].retain);
}

INSTANTIATE_TEST_SUITE_P(Versions, BrokerWillTest,
                         ::testing::Values(ProtocolVersion::kV311, ProtocolVersion::kV5),
                         [](const auto& info) {
                           return info.param == ProtocolVersion::kV5 ? "v5" : "v311";
                         });

TEST(BrokerWill, DisconnectWithWillMessageV5) {
  BrokerHarness h;
  TestClient& watcher = h.connected("watcher", kV5);
  watcher.subscribe("wills/#");
  TestClient& c = h.open(kV5);
  c.connect(with_will("asks"));
  DisconnectPacket d;
  d.reason = ReasonCode::kDisconnectWithWillMessage;
  c.send(d);
  EXPECT_TRUE(c.closed());
  EXPECT_EQ(watcher.receive_publishes().size(), 1u);
}

TEST(BrokerWill, WillDelayPublishesLater) {
  BrokerHarness h;
  TestClient& watcher = h.connected("watcher", kV5);
  watcher.subscribe("wills/#");
  TestClient& c = h.open(kV5);
  c.connect(with_will("delayed", /*will_delay=*/10, /*session_expiry=*/100));
  c.close();
  EXPECT_TRUE(watcher.receive_publishes().empty());
  TimeMs next = h.advance(5'000);
  EXPECT_LE(next, h.now + 5'000);
  EXPECT_TRUE(watcher.receive_publishes().empty());
  h.advance(5'000);
  EXPECT_EQ(watcher.receive_publishes().size(), 1u);
}

TEST(BrokerWill, WillDelayCancelledByReconnect) {
  BrokerHarness h;
  TestClient& watcher = h.connected("watcher", kV5);
  watcher.subscribe("wills/#");
  TestClient& c = h.open(kV5);
  ConnectPacket p = with_will("flaky", 10, 100);
  c.connect(p);
  c.close();
  h.advance(3'000);
  TestClient& again = h.open(kV5);
  p.will.reset();
  EXPECT_TRUE(again.connect(p).session_present);
  h.advance(20'000);
  EXPECT_TRUE(watcher.receive_publishes().empty());
}

TEST(BrokerWill, WillDelayCappedBySessionExpiry) {
  BrokerHarness h;
  TestClient& watcher = h.connected("watcher", kV5);
  watcher.subscribe("wills/#");
  TestClient& c = h.open(kV5);
  c.connect(with_will("short-session", /*will_delay=*/60, /*session_expiry=*/5));
  c.close();
  h.advance(5'000);
  EXPECT_EQ(watcher.receive_publishes().size(), 1u);
}

TEST(BrokerWill, WillPropertiesCarried) {
  BrokerHarness h;
  TestClient& watcher = h.connected("watcher", kV5);
  watcher.subscribe("wills/#");
  TestClient& c = h.open(kV5);
  ConnectPacket p = with_will("props");
  p.will->properties.content_type = "text/plain";
  p.will->properties.user_properties = {{"why", "crash"}};
  p.will->properties.message_expiry_interval = 30;
  p.will->properties.response_topic = "r";
  p.will->properties.correlation_data = to_bytes("id");
  p.will->properties.payload_format_indicator = 1;
  c.connect(p);
  c.close();
  auto got = watcher.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].properties.content_type, "text/plain");
  EXPECT_EQ(got[0].properties.user_properties, p.will->properties.user_properties);
  EXPECT_EQ(got[0].properties.message_expiry_interval, 30u);
  EXPECT_EQ(got[0].properties.response_topic, "r");
  EXPECT_EQ(got[0].properties.correlation_data, to_bytes("id"));
  EXPECT_EQ(got[0].properties.payload_format_indicator, 1);
  EXPECT_FALSE(got[0].properties.will_delay_interval.has_value());
}

TEST(BrokerWill, TakeoverPublishesOldWill) {
  BrokerHarness h;
  TestClient& watcher = h.connected("watcher", kV311);
  watcher.subscribe("wills/#");
  TestClient& first = h.open(kV311);
  first.connect(with_will("twin"));
  h.open(kV311).connect("twin");
  EXPECT_TRUE(first.closed());
  EXPECT_EQ(watcher.receive_publishes().size(), 1u);
}

TEST(BrokerWill, WillDeniedByAcl) {
  BrokerConfig config = BrokerHarness::default_config();
  AclRules acl;
  acl.anonymous.push_back({AclAccess::kRead, "#", false});
  config.acl = acl;
  BrokerHarness h(config);
  TestClient& watcher = h.connected("watcher", kV311);
  watcher.subscribe("wills/#");
  TestClient& c = h.open(kV311);
  c.connect(with_will("nope"));
  c.close();
  EXPECT_TRUE(watcher.receive_publishes().empty());
}

}  // namespace
}  // namespace trustmq::mqtt::testing

// Retained messages: set, replace, clear, retain handling on subscribe, expiry.
#include <gtest/gtest.h>

#include "broker_test_harness.h"

namespace trustmq::mqtt::testing {
namespace {

SubscribePacket with_handling(const std::string& filter, RetainHandling handling) {
  SubscribePacket p;
  p.packet_id = 3;
  SubscriptionRequest r;
  r.filter = filter;
  r.max_qos = QoS::kAtLeastOnce;
  r.retain_handling = handling;
  p.subscriptions.push_back(r);
  return p;
}

class BrokerRetainedTest : public ::testing::TestWithParam<ProtocolVersion> {};

TEST_P(BrokerRetainedTest, SetReplaceClear) {
  BrokerHarness h;
  TestClient& pub = h.connected("pub", GetParam());
  pub.publish("r/1", "first", QoS::kAtMostOnce, true);
  pub.publish("r/1", "second", QoS::kAtLeastOnce, true);
  pub.publish("r/2", "other", QoS::kAtMostOnce, true);
  EXPECT_EQ(h.broker().stats().retained_messages, 2u);

  TestClient& sub = h.connected("sub", GetParam());
  sub.subscribe("r/1", QoS::kExactlyOnce);
  auto got = sub.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(to_string(got[0].payload), "second");
  EXPECT_TRUE(got[0].retain);
  EXPECT_EQ(got[0].qos, QoS::kAtLeastOnce);  // min(message QoS, granted)

  pub.publish("r/1", "", QoS::kAtMostOnce, true);  // clears
  EXPECT_EQ(h.broker().stats().retained_messages, 1u);
  TestClient& late = h.connected("late", GetParam());
  late.subscribe("r/#");
  got = late.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "r/2");
}

TEST_P(BrokerRetainedTest, LiveForwardClearsRetainFlag) {
  BrokerHarness h;
  TestClient& sub = h.connected("sub", GetParam());
  sub.subscribe("r");
  h.connected("pub", GetParam()).publish("r", "x", QoS::kAtMostOnce, true);
  auto got = sub.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].retain);
}

INSTANTIATE_TEST_SUITE_P(Versions, BrokerRetainedTest,
                         ::testing::Values(ProtocolVersion::kV311, ProtocolVersion::kV5),
                         [](const auto& info) {
                           return info.param == ProtocolVersion::kV5 ? "v5" : "v311";
                         });

TEST(BrokerRetained, RetainHandlingOptions) {
  BrokerHarness h;
  h.connected("pub", kV5).publish("r", "x", QoS::kAtMostOnce, true);
  TestClient& c = h.connected("c", kV5);
  c.subscribe(with_handling("r", RetainHandling::kSendAtSubscribe));
  EXPECT_EQ(c.receive_publishes().size(), 1u);
  c.subscribe(with_handling("r", RetainHandling::kSendAtSubscribe));  // again: sent again
  EXPECT_EQ(c.receive_publishes().size(), 1u);
  c.subscribe(with_handling("r", RetainHandling::kSendAtSubscribeIfNew));  // exists: not sent
  EXPECT_TRUE(c.receive_publishes().empty());
  TestClient& d = h.connected("d", kV5);
  d.subscribe(with_handling("r", RetainHandling::kSendAtSubscribeIfNew));  // new: sent
  EXPECT_EQ(d.receive_publishes().size(), 1u);
  TestClient& e = h.connected("e", kV5);
  e.subscribe(with_handling("r", RetainHandling::kDoNotSend));
  EXPECT_TRUE(e.receive_publishes().empty());
}

TEST(BrokerRetained, RetainedSentAfterSuback) {
  BrokerHarness h;
  h.connected("pub", kV311).publish("r", "x", QoS::kAtMostOnce, true);
  TestClient& c = h.connected("c", kV311);
  SubscribePacket p = with_handling("r", RetainHandling::kSendAtSubscribe);
  c.send(p);
  auto packets = c.receive();
  ASSERT_EQ(packets.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<SubackPacket>(packets[0]));
  EXPECT_TRUE(std::holds_alternative<PublishPacket>(packets[1]));
}

TEST(BrokerRetained, RetainedMessageExpires) {
  BrokerHarness h;
  PublishPacket p;
  p.topic = "r";
  p.retain = true;
  p.payload = to_bytes("soon gone");
  p.properties.message_expiry_interval = 10;
  h.connected("pub", kV5).publish(p);
  TestClient& early = h.connected("early", kV5);
  early.subscribe("r");
  auto got = early.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].properties.message_expiry_interval, 10u);
  h.advance(4'000);
  TestClient& mid = h.connected("mid", kV5);
  mid.subscribe("r");
  got = mid.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].properties.message_expiry_interval, 6u);
  h.advance(7'000);
  TestClient& late = h.connected("late", kV5);
  late.subscribe("r");
  EXPECT_TRUE(late.receive_publishes().empty());
}

TEST(BrokerRetained, SubscriptionIdentifierOnRetained) {
  BrokerHarness h;
  h.connected("pub", kV5).publish("r", "x", QoS::kAtMostOnce, true);
  TestClient& c = h.connected("c", kV5);
  c.subscribe("r", QoS::kAtMostOnce, 42);
  auto got = c.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].properties.subscription_identifiers, (std::vector<std::uint32_t>{42}));
}

}  // namespace
}  // namespace trustmq::mqtt::testing

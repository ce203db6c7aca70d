// Shared subscriptions ($share/group/filter).
#include <gtest/gtest.h>

#include "broker_test_harness.h"

namespace trustmq::mqtt::testing {
namespace {

TEST(BrokerShared, RoundRobinWithinGroup) {
  BrokerHarness h;
  TestClient& a = h.connected("a", kV5);
  TestClient& b = h.connected("b", kV311);
  TestClient& c = h.connected("c", kV5);
  a.subscribe("$share/g/jobs/+");
  b.subscribe("$share/g/jobs/+");
  c.subscribe("$share/g/jobs/+");
  TestClient& pub = h.connected("pub", kV5);
  for (int i = 0; i < 9; ++i) pub.publish("jobs/x", std::to_string(i));
  EXPECT_EQ(a.receive_publishes().size(), 3u);
  EXPECT_EQ(b.receive_publishes().size(), 3u);
  EXPECT_EQ(c.receive_publishes().size(), 3u);
}

TEST(BrokerShared, EachGroupAndPlainSubscriberGetsACopy) {
  BrokerHarness h;
  TestClient& g1a = h.connected("g1a", kV5);
  TestClient& g1b = h.connected("g1b", kV5);
  TestClient& g2 = h.connected("g2", kV5);
  TestClient& plain = h.connected("plain", kV5);
  g1a.subscribe("$share/one/t");
  g1b.subscribe("$share/one/t");
  g2.subscribe("$share/two/t");
  plain.subscribe("t");
  h.connected("pub", kV5).publish("t", "x");
  EXPECT_EQ(g1a.receive_publishes().size() + g1b.receive_publishes().size(), 1u);
  EXPECT_EQ(g2.receive_publishes().size(), 1u);
  EXPECT_EQ(plain.receive_publishes().size(), 1u);
}

TEST(BrokerShared, PrefersConnectedMembers) {
  BrokerHarness h;
  TestClient& gone = h.open(kV5);
  ConnectPacket p;
  p.client_id = "gone";
  p.clean_start = false;
  p.properties.session_expiry_interval = 600;
  gone.connect(p);
  gone.subscribe("$share/g/t", QoS::kAtLeastOnce);
  gone.close();
  TestClient& here = h.connected("here", kV5);
  here.subscribe("$share/g/t", QoS::kAtLeastOnce);
  TestClient& pub = h.connected("pub", kV5);
  for (int i = 0; i < 4; ++i) pub.publish("t", std::to_string(i), QoS::kAtLeastOnce);
  EXPECT_EQ(here.receive_publishes().size(), 4u);
}

TEST(BrokerShared, NoLocalOnSharedIsProtocolError) {
  BrokerHarness h;
  TestClient& c = h.connected("c", kV5);
  SubscribePacket s;
  s.packet_id = 1;
  SubscriptionRequest r;
  r.filter = "$share/g/t";
  r.no_local = true;
  s.subscriptions.push_back(r);
  c.send(s);
  auto packets = c.receive();
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<DisconnectPacket>(packets[0]).reason, ReasonCode::kProtocolError);
  EXPECT_TRUE(c.closed());
}

TEST(BrokerShared, RetainedNotSentOnSharedSubscribe) {
  BrokerHarness h;
  h.connected("pub", kV5).publish("t", "kept", QoS::kAtMostOnce, true);
  TestClient& c = h.connected("c", kV5);
  c.subscribe("$share/g/t");
  EXPECT_TRUE(c.receive_publishes().empty());
}

TEST(BrokerShared, UnsubscribeLeavesGroup) {
  BrokerHarness h;
  TestClient& a = h.connected("a", kV5);
  TestClient& b = h.connected("b", kV5);
  a.subscribe("$share/g/t");
  b.subscribe("$share/g/t");
  UnsubscribePacket u;
  u.packet_id = 2;
  u.filters = {"$share/g/t"};
  a.send(u);
  a.receive();
  TestClient& pub = h.connected("pub", kV5);
  for (int i = 0; i < 3; ++i) pub.publish("t", "x");
  EXPECT_TRUE(a.receive_publishes().empty());
  EXPECT_EQ(b.receive_publishes().size(), 3u);
}

}  // namespace
}  // namespace trustmq::mqtt::testing

// SUBSCRIBE/SUBACK, UNSUBSCRIBE/UNSUBACK, v5 subscription options and overlapping
// subscriptions.
#include <gtest/gtest.h>

#include "broker_test_harness.h"

namespace trustmq::mqtt::testing {
namespace {

SubscribePacket subscribe_packet(std::vector<SubscriptionRequest> requests,
                                 std::uint32_t subscription_id = 0) {
  SubscribePacket p;
  p.packet_id = 10;
  p.subscriptions = std::move(requests);
  if (subscription_id != 0) p.properties.subscription_identifiers.push_back(subscription_id);
  return p;
}

SubscriptionRequest request(std::string filter, QoS qos = QoS::kAtMostOnce) {
  SubscriptionRequest r;
  r.filter = std::move(filter);
  r.max_qos = qos;
  return r;
}

TEST(BrokerSubscribe, GrantedQoSPerFilterAndInvalidFilterV5) {
  BrokerHarness h;
  TestClient& c = h.connected("c", kV5);
  SubackPacket suback = c.subscribe(
      subscribe_packet({request("a", QoS::kAtMostOnce), request("b/+", QoS::kAtLeastOnce),
                        request("c/#", QoS::kExactlyOnce), request("bad/#/x", QoS::kAtLeastOnce)}));
  EXPECT_EQ(suback.packet_id, 10);
  EXPECT_EQ(suback.reasons,
            (std::vector<ReasonCode>{ReasonCode::kSuccess, ReasonCode::kGrantedQoS1,
                                     ReasonCode::kGrantedQoS2, ReasonCode::kTopicFilterInvalid}));
  EXPECT_EQ(h.broker().stats().subscriptions, 3u);
}

TEST(BrokerSubscribe, InvalidFilterV311GetsFailureCode) {
  BrokerHarness h;
  TestClient& c = h.connected("c", kV311);
  c.send(subscribe_packet({request("a+"), request("ok")}));
  auto raw = h.host.take_raw(c.conn());
  ASSERT_EQ(raw.size(), 1u);
  EXPECT_EQ(raw[0].bytes, (Bytes{0x90, 0x04, 0x00, 0x0A, 0x80, 0x00}));
}

TEST(BrokerSubscribe, AclReadDenied) {
  BrokerConfig config = BrokerHarness::default_config();
  AclRules acl;
  acl.anonymous.push_back({AclAccess::kRead, "public/#", false});
  acl.anonymous.push_back({AclAccess::kDeny, "public/secret/#", false});
  config.acl = acl;
  BrokerHarness h(config);
  TestClient& v5 = h.connected("five", kV5);
  SubackPacket s5 = v5.subscribe(subscribe_packet(
      {request("public/a"), request("private/a"), request("public/secret/x"), request("#")}));
  EXPECT_EQ(s5.reasons,
            (std::vector<ReasonCode>{ReasonCode::kSuccess, ReasonCode::kNotAuthorized,
                                     ReasonCode::kNotAuthorized, ReasonCode::kSuccess}));
  TestClient& v3 = h.connected("three", kV311);
  SubackPacket s3 = v3.subscribe(subscribe_packet({request("private/a")}));
  EXPECT_EQ(s3.reasons, (std::vector<ReasonCode>{ReasonCode::kUnspecifiedError}));
}

TEST(BrokerSubscribe, WildcardSubscriptionOnlyReceivesReadableTopics) {
  BrokerConfig config = BrokerHarness::default_config();
  AclRules acl;
  acl.anonymous.push_back({AclAccess::kReadWrite, "public/#", false});
  acl.patterns.push_back({AclAccess::kReadWrite, "private/%c/#", true});
  config.acl = acl;
  BrokerHarness h(config);
  TestClient& reader = h.connected("reader", kV5);
  reader.subscribe("#");
  TestClient& owner = h.connected("owner", kV5);
  owner.publish("private/owner/diary", "dear diary");
  owner.publish("public/news", "hello");
  auto got = reader.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "public/news");
}

TEST(BrokerSubscribe, NoLocal) {
  BrokerHarness h;
  TestClient& c = h.connected("me", kV5);
  SubscriptionRequest r = request("chat");
  r.no_local = true;
  c.subscribe(subscribe_packet({r}));
  c.publish("chat", "mine");
  EXPECT_TRUE(c.receive_publishes().empty());
  h.connected("other", kV5).publish("chat", "theirs");
  auto got = c.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(to_string(got[0].payload), "theirs");
}

TEST(BrokerSubscribe, WithoutNoLocalOwnMessagesComeBack) {
  BrokerHarness h;
  TestClient& c = h.connected("me", kV311);
  c.subscribe("chat");
  c.publish("chat", "mine");
  EXPECT_EQ(c.receive_publishes().size(), 1u);
}

TEST(BrokerSubscribe, RetainAsPublished) {
  BrokerHarness h;
  TestClient& keep = h.connected("keep", kV5);
  SubscriptionRequest r = request("t");
  r.retain_as_published = true;
  keep.subscribe(subscribe_packet({r}));
  TestClient& plain = h.connected("plain", kV5);
  plain.subscribe("t");
  h.connected("pub", kV5).publish("t", "x", QoS::kAtMostOnce, /*retain=*/true);
  auto a = keep.receive_publishes();
  auto b = plain.receive_publishes();
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_TRUE(a[0].retain);
  EXPECT_FALSE(b[0].retain);
}

TEST(BrokerSubscribe, SubscriptionIdentifiersAttached) {
  BrokerHarness h;
  TestClient& c = h.connected("c", kV5);
  c.subscribe("a/+", QoS::kAtMostOnce, 7);
  c.subscribe("a/b", QoS::kAtLeastOnce, 9);
  c.subscribe("#", QoS::kAtMostOnce);  // no identifier
  h.connected("pub", kV5).publish("a/b", "x", QoS::kAtLeastOnce);
  auto got = c.receive_publishes();
  ASSERT_EQ(got.size(), 1u);                 // one delivery for overlapping subscriptions
  EXPECT_EQ(got[0].qos, QoS::kAtLeastOnce);  // the highest granted QoS
  auto ids = got[0].properties.subscription_identifiers;
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::uint32_t>{7, 9}));
}

// Each delivery carries exactly the identifiers of its own matching subscriptions, however many
// sessions and shared groups one PUBLISH reaches (route groups them per delivery).
TEST(BrokerSubscribe, SubscriptionIdentifiersGroupedPerDelivery) {
  BrokerHarness h;
  TestClient& a = h.connected("a", kV5);
  TestClient& b = h.connected("b", kV5);
  TestClient& plain = h.connected("plain", kV5);
  TestClient& member = h.connected("member", kV5);
  a.subscribe("x/+", QoS::kAtMostOnce, 1);
  b.subscribe("x/y", QoS::kAtMostOnce, 2);
  a.subscribe("x/#", QoS::kAtMostOnce, 3);
  b.subscribe("#", QoS::kAtMostOnce);  // no identifier
  plain.subscribe("x/y");
  member.subscribe("$share/g/x/y", QoS::kAtMostOnce, 4);
  member.subscribe("x/#", QoS::kAtMostOnce, 5);
  h.connected("pub", kV5).publish("x/y", "m");
  auto ids_of = [](TestClient& c) {
    std::vector<std::vector<std::uint32_t>> all;
    for (PublishPacket& p : c.receive_publishes()) {
      std::vector<std::uint32_t> ids = p.properties.subscription_identifiers;
      std::sort(ids.begin(), ids.end());
      all.push_back(ids);
    }
    std::sort(all.begin(), all.end());
    return all;
  };
  using Ids = std::vector<std::vector<std::uint32_t>>;
  EXPECT_EQ(ids_of(a), (Ids{{1, 3}}));
  EXPECT_EQ(ids_of(b), (Ids{{2}}));
  EXPECT_EQ(ids_of(plain), (Ids{{}}));
  EXPECT_EQ(ids_of(member), (Ids{{4}, {5}}));  // the group's delivery and its own
}

TEST(BrokerSubscribe, OverlappingV311DeliveredOnceWithMaxQoS) {
  BrokerHarness h;
  TestClient& c = h.connected("c", kV311);
  c.subscribe("a/#", QoS::kAtMostOnce);
  c.subscribe("a/b", QoS::kExactlyOnce);
  h.connected("pub", kV311).publish("a/b", "x", QoS::kAtLeastOnce);
  auto got = c.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].qos, QoS::kAtLeastOnce);
}

TEST(BrokerSubscribe, ResubscribeReplacesOptions) {
  BrokerHarness h;
  TestClient& c = h.connected("c", kV5);
  c.subscribe("t", QoS::kAtMostOnce);
  c.subscribe("t", QoS::kAtLeastOnce);
  EXPECT_EQ(h.broker().stats().subscriptions, 1u);
  h.connected("pub", kV5).publish("t", "x", QoS::kAtLeastOnce);
  auto got = c.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].qos, QoS::kAtLeastOnce);
}

TEST(BrokerSubscribe, UnsubscribeV5Reasons) {
  BrokerHarness h;
  TestClient& c = h.connected("c", kV5);
  c.subscribe("t");
  UnsubscribePacket u;
  u.packet_id = 4;
  u.filters = {"t", "never"};
  c.send(u);
  auto packets = c.receive();
  ASSERT_EQ(packets.size(), 1u);
  const auto& unsuback = std::get<UnsubackPacket>(packets[0]);
  EXPECT_EQ(unsuback.packet_id, 4);
  EXPECT_EQ(unsuback.reasons,
            (std::vector<ReasonCode>{ReasonCode::kSuccess, ReasonCode::kNoSubscriptionExisted}));
  h.connected("pub", kV5).publish("t", "x");
  EXPECT_TRUE(c.receive_publishes().empty());
  EXPECT_EQ(h.broker().stats().subscriptions, 0u);
}

TEST(BrokerSubscribe, UnsubscribeV311) {
  BrokerHarness h;
  TestClient& c = h.connected("c", kV311);
  c.subscribe("t");
  UnsubscribePacket u;
  u.packet_id = 5;
  u.filters = {"t"};
  c.send(u);
  auto raw = h.host.take_raw(c.conn());
  ASSERT_EQ(raw.size(), 1u);
  EXPECT_EQ(raw[0].bytes, (Bytes{0xB0, 0x02, 0x00, 0x05}));
  h.connected("pub", kV311).publish("t", "x");
  EXPECT_TRUE(c.receive_publishes().empty());
}

TEST(BrokerSubscribe, DollarTopicsNotMatchedByLeadingWildcard) {
  BrokerConfig config = BrokerHarness::default_config();
  config.sys_interval_seconds = 1;
  BrokerHarness h(config);
  TestClient& all = h.connected("all", kV311);
  all.subscribe("#");
  TestClient& sys = h.connected("sys", kV311);
  sys.subscribe("$SYS/broker/version");
  h.advance(1'000);
  EXPECT_TRUE(all.receive_publishes().empty());
  EXPECT_EQ(sys.receive_publishes().size(), 1u);
}

// A subscription flood from one client is bounded: new filters beyond the cap are refused per
// filter, existing ones can still be renewed, and other clients are unaffected.
TEST(BrokerSubscribe, SubscriptionCapPerClient) {
  BrokerConfig config = BrokerHarness::default_config();
  config.max_subscriptions_per_client = 3;
  BrokerHarness h(config);
  TestClient& v5 = h.connected("flood5", kV5);
  SubackPacket first = v5.subscribe(
      subscribe_packet({request("a"), request("b"), request("c"), request("d"), request("a")}));
  EXPECT_EQ(first.reasons, (std::vector<ReasonCode>{
                               ReasonCode::kSuccess, ReasonCode::kSuccess, ReasonCode::kSuccess,
                               ReasonCode::kQuotaExceeded, ReasonCode::kSuccess}));
  EXPECT_EQ(h.broker().stats().subscriptions, 3u);

  TestClient& v3 = h.connected("flood3", kV311);
  SubackPacket v3_first =
      v3.subscribe(subscribe_packet({request("a"), request("b"), request("c"), request("d")}));
  EXPECT_EQ(v3_first.reasons,
            (std::vector<ReasonCode>{ReasonCode::kSuccess, ReasonCode::kSuccess,
                                     ReasonCode::kSuccess, ReasonCode::kUnspecifiedError}));

  // After unsubscribing, a new filter fits again.
  UnsubscribePacket unsubscribe;
  unsubscribe.packet_id = 11;
  unsubscribe.filters = {"b"};
  v5.send(unsubscribe);
  h.host.take_raw(v5.conn());
  SubackPacket again = v5.subscribe(subscribe_packet({request("d")}));
  EXPECT_EQ(again.reasons, (std::vector<ReasonCode>{ReasonCode::kSuccess}));
}

}  // namespace
}  // namespace trustmq::mqtt::testing

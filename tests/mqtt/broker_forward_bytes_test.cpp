// The exact bytes of a forwarded PUBLISH: whether the broker re-encodes the message or sends
// the packet as it was received, a subscriber gets what encode_packet makes of the outgoing
// message in its own protocol version.
#include <string>
#include <vector>

#include "broker_test_harness.h"

namespace trustmq::mqtt::testing {
namespace {

constexpr ProtocolVersion kV31 = ProtocolVersion::kV31;

PublishPacket message(std::string topic, std::string payload, bool retain = false) {
  PublishPacket p;
  p.topic = std::move(topic);
  p.payload = to_bytes(payload);
  p.retain = retain;
  return p;
}

Bytes encoded(const PublishPacket& p, ProtocolVersion version) {
  Bytes out;
  encode_packet(p, version, out);
  return out;
}

// The single send to `client` since the last call; fails the test if there is not exactly one.
SentBytes only_send(BrokerHarness& h, TestClient& client) {
  auto sent = h.host.take_raw(client.conn());
  EXPECT_EQ(sent.size(), 1u);
  return sent.empty() ? SentBytes{} : sent.front();
}

TEST(BrokerForwardBytes, QoS0AcrossEveryVersionPairAndRetainFlag) {
  for (ProtocolVersion from : {kV31, kV311, kV5}) {
    for (ProtocolVersion to : {kV31, kV311, kV5}) {
      for (bool retain : {false, true}) {
        BrokerHarness h;
        TestClient& sub = h.connected("sub", to);
        sub.subscribe("f/#");
        TestClient& pub = h.connected("pub", from);
        const PublishPacket sent = message("f/x", std::string(300, 'p'), retain);
        pub.send_raw(encoded(sent, from));
        SCOPED_TRACE(std::to_string(static_cast<int>(from)) + " -> " +
                     std::to_string(static_cast<int>(to)) + (retain ? " retained" : ""));
        // A plain subscription gets the retain flag cleared on a live forward.
        const SentBytes got = only_send(h, sub);
        EXPECT_EQ(got.bytes, encoded(message("f/x", std::string(300, 'p')), to));
        EXPECT_EQ(got.kind, SendKind::kDroppable);
      }
    }
  }
}

TEST(BrokerForwardBytes, RetainAsPublishedKeepsTheFlag) {
  BrokerHarness h;
  TestClient& sub = h.connected("sub", kV5);
  SubscribePacket subscribe;
  subscribe.packet_id = 1;
  SubscriptionRequest request;
  request.filter = "f/#";
  request.retain_as_published = true;
  subscribe.subscriptions.push_back(request);
  sub.subscribe(subscribe);
  TestClient& pub = h.connected("pub", kV5);
  pub.send_raw(encoded(message("f/r", "kept", true), kV5));
  EXPECT_EQ(only_send(h, sub).bytes, encoded(message("f/r", "kept", true), kV5));
}

TEST(BrokerForwardBytes, NonMinimalRemainingLengthIsReencoded) {
  BrokerHarness h;
  TestClient& sub = h.connected("sub", kV311);
  sub.subscribe("f/#");
  TestClient& pub = h.connected("pub", kV311);
  // Remaining length 7 written in two bytes (0x87 0x00) instead of one.
  pub.send_raw(Bytes{0x30, 0x87, 0x00, 0x00, 0x03, 'f', '/', 'n', 'h', 'i'});
  if (pub.closed()) GTEST_SKIP() << "the codec rejects non-minimal lengths";
  EXPECT_EQ(only_send(h, sub).bytes, encoded(message("f/n", "hi"), kV311));
}

TEST(BrokerForwardBytes, TopicAliasIsResolvedAndNotForwarded) {
  BrokerHarness h;
  TestClient& sub = h.connected("sub", kV5);
  sub.subscribe("f/#");
  TestClient& pub = h.connected("pub", kV5);
  PublishPacket first = message("f/alias", "one");
  first.properties.topic_alias = 1;
  pub.send_raw(encoded(first, kV5));
  EXPECT_EQ(only_send(h, sub).bytes, encoded(message("f/alias", "one"), kV5));
  // Then an empty topic plus the alias.
  PublishPacket second = message("", "two");
  second.properties.topic_alias = 1;
  pub.send_raw(encoded(second, kV5));
  EXPECT_EQ(only_send(h, sub).bytes, encoded(message("f/alias", "two"), kV5));
}

TEST(BrokerForwardBytes, PropertiesTravelAndQoS1BecomesQoS0) {
  BrokerHarness h;
  TestClient& sub = h.connected("sub", kV5);
  sub.subscribe("f/#", QoS::kAtMostOnce);
  TestClient& pub = h.connected("pub", kV5);
  PublishPacket with_property = message("f/p", "props");
  with_property.properties.user_properties.push_back({"k", "v"});
  pub.send_raw(encoded(with_property, kV5));
  EXPECT_EQ(only_send(h, sub).bytes, encoded(with_property, kV5));

  PublishPacket qos1 = message("f/q", "one");
  qos1.qos = QoS::kAtLeastOnce;
  qos1.packet_id = 7;
  pub.send_raw(encoded(qos1, kV5));
  EXPECT_EQ(only_send(h, sub).bytes, encoded(message("f/q", "one"), kV5));
}

TEST(BrokerForwardBytes, RetainedMessageSentLaterIsEncodedFromTheStoredCopy) {
  BrokerHarness h;
  TestClient& pub = h.connected("pub", kV311);
  std::vector<std::uint8_t> received = encoded(message("f/s", "stored", true), kV311);
  pub.send_raw(received);
  received.assign(received.size(), 0);  // the host reuses its input buffer
  TestClient& sub = h.connected("sub", kV311);
  sub.subscribe("f/#");
  auto publishes = sub.receive_publishes();
  ASSERT_EQ(publishes.size(), 1u);
  EXPECT_EQ(publishes[0].topic, "f/s");
  EXPECT_EQ(to_string(publishes[0].payload), "stored");
  EXPECT_TRUE(publishes[0].retain);
}

PublishPacket qos1_message(std::string topic, std::string payload, std::uint16_t packet_id,
                           bool dup = false) {
  PublishPacket p = message(std::move(topic), std::move(payload));
  p.qos = QoS::kAtLeastOnce;
  p.packet_id = packet_id;
  p.dup = dup;
  return p;
}

TEST(BrokerForwardBytes, SharedQoS1EncodingCarriesEachRecipientsIdentifierAndDup) {
  BrokerHarness h;
  TestClient& first = h.open(kV311);
  first.connect("first", /*clean_start=*/false);
  first.subscribe("f/both", QoS::kAtLeastOnce);
  TestClient& second = h.connected("second", kV311);
  second.subscribe("f/only-second", QoS::kAtLeastOnce);
  second.subscribe("f/both", QoS::kAtLeastOnce);
  TestClient& late = h.open(kV311);  // offline while "b" is published: gets it queued
  late.connect("late", /*clean_start=*/false);
  late.subscribe("f/both", QoS::kAtLeastOnce);
  late.close();
  TestClient& pub = h.connected("pub", kV311);
  pub.send_raw(encoded(qos1_message("f/only-second", "a", 9), kV311));
  h.host.take_raw(pub.conn());
  EXPECT_EQ(only_send(h, second).bytes, encoded(qos1_message("f/only-second", "a", 1), kV311));

  // One shared encoding (3.1.1, QoS 1), sent with identifier 1 to one and 2 to the other.
  pub.send_raw(encoded(qos1_message("f/both", "b", 10), kV311));
  EXPECT_EQ(only_send(h, first).bytes, encoded(qos1_message("f/both", "b", 1), kV311));
  EXPECT_EQ(only_send(h, second).bytes, encoded(qos1_message("f/both", "b", 2), kV311));

  // Unacknowledged: resent with DUP on reconnect; a new message after it has no DUP.
  first.close();
  TestClient& again = h.open(kV311);
  ConnectPacket connect;
  connect.version = kV311;
  connect.client_id = "first";
  connect.clean_start = false;
  Bytes connect_bytes;
  encode_packet(connect, kV311, connect_bytes);
  again.send_raw(connect_bytes);
  auto sent = h.host.take_raw(again.conn());
  ASSERT_EQ(sent.size(), 2u);  // CONNACK, then the resent PUBLISH
  EXPECT_EQ(sent[1].bytes, encoded(qos1_message("f/both", "b", 1, true), kV311));
  // The same shared encoding once more, without DUP.
  TestClient& late_again = h.open(kV311);
  connect.client_id = "late";
  connect_bytes.clear();
  encode_packet(connect, kV311, connect_bytes);
  late_again.send_raw(connect_bytes);
  sent = h.host.take_raw(late_again.conn());
  ASSERT_EQ(sent.size(), 2u);  // CONNACK, then the queued PUBLISH
  EXPECT_EQ(sent[1].bytes, encoded(qos1_message("f/both", "b", 1), kV311));
  pub.send_raw(encoded(qos1_message("f/both", "c", 11), kV311));
  EXPECT_EQ(only_send(h, again).bytes, encoded(qos1_message("f/both", "c", 2), kV311));
  EXPECT_EQ(only_send(h, second).bytes, encoded(qos1_message("f/both", "c", 3), kV311));
}

TEST(BrokerForwardBytes, OneQoS0MessageToEveryKindOfRecipient) {
  BrokerHarness h;
  TestClient& v311 = h.connected("v311", kV311);
  v311.subscribe("f/#");
  TestClient& v5 = h.connected("v5", kV5);
  v5.subscribe("f/#");
  TestClient& with_id = h.connected("with-id", kV5);
  with_id.subscribe("f/#", QoS::kAtMostOnce, /*subscription_id=*/7);
  TestClient& pub = h.connected("pub", kV311);
  const std::string payload(5000, 'z');
  pub.send_raw(encoded(message("f/all", payload), kV311));
  EXPECT_EQ(only_send(h, v311).bytes, encoded(message("f/all", payload), kV311));
  EXPECT_EQ(only_send(h, v5).bytes, encoded(message("f/all", payload), kV5));
  PublishPacket identified = message("f/all", payload);
  identified.properties.subscription_identifiers.push_back(7);
  EXPECT_EQ(only_send(h, with_id).bytes, encoded(identified, kV5));
}

}  // namespace
}  // namespace trustmq::mqtt::testing

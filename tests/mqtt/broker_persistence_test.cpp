// A broker restored from the persistence records of another has the same retained messages,
// persistent sessions (subscriptions, inbound QoS 2 state) and queued and in-flight messages;
// acknowledged messages leave the store; clean sessions and persistence off store nothing.
#include <gtest/gtest.h>

#include <map>

#include "broker_test_harness.h"
#include "mqtt/persistence_record.h"

namespace trustmq::mqtt::testing {
namespace {

BrokerConfig persistent_config() {
  BrokerConfig config = BrokerHarness::default_config();
  config.persistence = true;
  return config;
}

ConnectPacket persistent(std::string id, std::uint32_t expiry = 3600) {
  ConnectPacket p;
  p.client_id = std::move(id);
  p.clean_start = false;
  p.properties.session_expiry_interval = expiry;
  return p;
}

// What a host keeps: the last put of each key, deletes applied, in key order.
std::map<Bytes, Bytes> stored(const FakeBrokerHost& host) {
  std::map<Bytes, Bytes> store;
  for (const Bytes& bytes : host.persisted) {
    auto record = decode_record(bytes);
    EXPECT_TRUE(record);
    if (!record) continue;
    Bytes key(record->key.begin(), record->key.end());
    if (record->op == RecordOp::kPut) {
      store[key] = bytes;
    } else {
      store.erase(key);
    }
  }
  return store;
}

std::size_t count_kind(const std::map<Bytes, Bytes>& store, RecordKind kind) {
  std::size_t n = 0;
  for (const auto& [key, record] : store) n += record_kind(key) == kind ? 1 : 0;
  return n;
}

void restore_records(BrokerHarness& target, const std::map<Bytes, Bytes>& store) {
  for (const auto& [key, record] : store) {
    EXPECT_TRUE(target.broker().restore(record, target.now)) << describe_key(key);
  }
}

// Restores what `source` stored, as of target.now.
void restore_into(BrokerHarness& target, const BrokerHarness& source) {
  restore_records(target, stored(source.host));
}

TEST(BrokerPersistenceTest, RestoredBrokerHasRetainedSessionsAndQueuedMessages) {
  BrokerHarness a(persistent_config());
  TestClient& sub = a.open(kV5);
  sub.connect(persistent("p"));
  sub.subscribe("t/#", QoS::kExactlyOnce, 7);
  sub.close();
  TestClient& pub = a.connected("pub", kV5);
  pub.publish("t/1", "q1", QoS::kAtLeastOnce, false, 1);
  pub.publish("t/2", "q2", QoS::kExactlyOnce, false, 2);
  pub.publish("t/0", "q0", QoS::kAtMostOnce);  // not queued, not stored
  pub.publish("r", "kept", QoS::kAtLeastOnce, true, 3);
  pub.publish("gone", "x", QoS::kAtMostOnce, true);
  pub.publish("gone", "", QoS::kAtMostOnce, true);  // cleared: its record is deleted
  const auto store = stored(a.host);
  EXPECT_EQ(count_kind(store, RecordKind::kSession), 1u);
  EXPECT_EQ(count_kind(store, RecordKind::kRetained), 1u);
  EXPECT_EQ(count_kind(store, RecordKind::kMessage), 2u);

  BrokerHarness b(persistent_config());
  restore_into(b, a);
  TestClient& fresh = b.connected("fresh", kV5);
  fresh.subscribe("r", QoS::kAtLeastOnce);
  auto retained = fresh.receive_publishes();
  ASSERT_EQ(retained.size(), 1u);
  EXPECT_EQ(to_string(retained[0].payload), "kept");
  EXPECT_TRUE(retained[0].retain);

  TestClient& back = b.open(kV5);
  EXPECT_TRUE(back.connect(persistent("p")).session_present);
  auto got = back.receive_publishes();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(to_string(got[0].payload), "q1");
  EXPECT_EQ(got[0].qos, QoS::kAtLeastOnce);
  EXPECT_EQ(to_string(got[1].payload), "q2");
  EXPECT_EQ(got[1].qos, QoS::kExactlyOnce);
  EXPECT_EQ(got[1].properties.subscription_identifiers, std::vector<std::uint32_t>{7});
  // The subscription itself came back: new messages are routed to it.
  b.connected("pub2", kV5).publish("t/3", "q3", QoS::kAtLeastOnce, false, 1);
  auto later = back.receive_publishes();
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(to_string(later[0].payload), "q3");
}

// A persistent subscriber of "t" that was sent a QoS 1 and a QoS 2 message, neither acknowledged.
class BrokerPersistenceInFlightTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sub_ = &a_.open(kV5);
    sub_->connect(persistent("p"));
    sub_->subscribe("t", QoS::kExactlyOnce);
    TestClient& pub = a_.connected("pub", kV5);
    pub.publish("t", "one", QoS::kAtLeastOnce, false, 1);
    pub.publish("t", "two", QoS::kExactlyOnce, false, 2);
    sent_ = sub_->receive_publishes();
    ASSERT_EQ(sent_.size(), 2u);
  }

  BrokerHarness a_{persistent_config()};
  TestClient* sub_ = nullptr;
  std::vector<PublishPacket> sent_;
};

TEST_F(BrokerPersistenceInFlightTest, InFlightStateAndPacketIdsSurvive) {
  sub_->send(ack(PacketType::kPubrec, sent_[1].packet_id));  // QoS 2 released, PUBCOMP pending
  sub_->receive();

  BrokerHarness b(persistent_config());
  restore_into(b, a_);
  TestClient& back = b.open(kV5);
  EXPECT_TRUE(back.connect(persistent("p")).session_present);
  std::vector<Packet> packets = back.receive();
  bool republished = false;
  bool pubrel = false;
  for (const Packet& packet : packets) {
    if (auto* p = std::get_if<PublishPacket>(&packet)) {
      EXPECT_EQ(to_string(p->payload), "one");
      EXPECT_EQ(p->packet_id, sent_[0].packet_id);
      EXPECT_TRUE(p->dup);
      republished = true;
    } else if (auto* a2 = std::get_if<AckPacket>(&packet)) {
      EXPECT_EQ(a2->type, PacketType::kPubrel);
      EXPECT_EQ(a2->packet_id, sent_[1].packet_id);
      pubrel = true;
    }
  }
  EXPECT_TRUE(republished);
  EXPECT_TRUE(pubrel);
}

TEST_F(BrokerPersistenceInFlightTest, AcknowledgedMessagesLeaveTheStore) {
  EXPECT_EQ(count_kind(stored(a_.host), RecordKind::kMessage), 2u);
  sub_->send(ack(PacketType::kPuback, sent_[0].packet_id));
  sub_->send(ack(PacketType::kPubrec, sent_[1].packet_id));
  EXPECT_EQ(count_kind(stored(a_.host), RecordKind::kMessage), 1u);
  sub_->send(ack(PacketType::kPubcomp, sent_[1].packet_id));
  EXPECT_EQ(count_kind(stored(a_.host), RecordKind::kMessage), 0u);
}

TEST(BrokerPersistenceTest, InboundQos2IsDeliveredOnceAcrossARestart) {
  BrokerHarness a(persistent_config());
  TestClient& sub = a.open(kV5);
  sub.connect(persistent("sub"));
  sub.subscribe("t", QoS::kAtLeastOnce);
  sub.close();
  TestClient& pub = a.open(kV5);
  pub.connect(persistent("pub"));
  pub.publish("t", "once", QoS::kExactlyOnce, false, 9);  // PUBREC sent, no PUBREL yet

  BrokerHarness b(persistent_config());
  restore_into(b, a);
  TestClient& pub_back = b.open(kV5);
  EXPECT_TRUE(pub_back.connect(persistent("pub")).session_present);
  PublishPacket again;
  again.topic = "t";
  again.qos = QoS::kExactlyOnce;
  again.packet_id = 9;
  again.dup = true;
  again.payload = to_bytes("once");
  pub_back.publish(again);  // the retry after the crash: answered, not routed again
  auto answers = pub_back.receive();
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(std::get<AckPacket>(answers[0]).type, PacketType::kPubrec);
  pub_back.send(ack(PacketType::kPubrel, 9));
  auto comp = pub_back.receive();
  ASSERT_EQ(comp.size(), 1u);
  EXPECT_EQ(std::get<AckPacket>(comp[0]).reason, ReasonCode::kSuccess);
  TestClient& sub_back = b.open(kV5);
  sub_back.connect(persistent("sub"));
  auto got = sub_back.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(to_string(got[0].payload), "once");
}

TEST(BrokerPersistenceTest, EndedSessionLeavesNoRecords) {
  BrokerHarness a(persistent_config());
  TestClient& sub = a.open(kV5);
  sub.connect(persistent("p", 10));
  sub.subscribe("t", QoS::kAtLeastOnce);
  sub.close();
  a.connected("pub", kV5).publish("t", "x", QoS::kAtLeastOnce, false, 1);
  EXPECT_EQ(stored(a.host).size(), 2u);  // the session and its message
  a.advance(11'000);                     // the session expires
  EXPECT_TRUE(stored(a.host).empty());
}

TEST(BrokerPersistenceTest, CleanSessionsAndPersistenceOffStoreNothing) {
  BrokerHarness a(persistent_config());
  TestClient& sub = a.connected("clean", kV5);
  sub.subscribe("t", QoS::kAtLeastOnce);
  a.connected("pub", kV5).publish("t", "x", QoS::kAtLeastOnce, false, 1);
  EXPECT_TRUE(a.host.persisted.empty());

  BrokerHarness off;  // persistence false
  TestClient& p = off.open(kV5);
  p.connect(persistent("p"));
  p.subscribe("t", QoS::kAtLeastOnce);
  off.connected("pub", kV5).publish("r", "x", QoS::kAtLeastOnce, true, 1);
  EXPECT_TRUE(off.host.persisted.empty());
}

// Deadlines are stored on the broker's clock, which the host continues across a restart
// (docs/persistence.md, "Time across a restart"): `b.now` below is that continued clock.
TEST(BrokerPersistenceTest, DisconnectedSessionExpiryCountsTheTimeStopped) {
  BrokerHarness a(persistent_config());
  TestClient& c = a.open(kV5);
  c.connect(persistent("p", /*expiry=*/10));
  c.subscribe("t", QoS::kAtLeastOnce);
  c.close();  // expires 10 s from now
  const TimeMs disconnected = a.now;

  BrokerHarness before(persistent_config());
  before.now = disconnected + 2'000;  // stopped for 2 s
  restore_into(before, a);
  before.advance(7'000);  // 9 s after the disconnect
  EXPECT_TRUE(before.open(kV5).connect(persistent("p", 10)).session_present);

  BrokerHarness after(persistent_config());
  after.now = disconnected + 2'000;
  restore_into(after, a);
  after.advance(9'000);  // 11 s after the disconnect
  EXPECT_FALSE(after.open(kV5).connect(persistent("p", 10)).session_present);
}

TEST(BrokerPersistenceTest, SessionConnectedWhenTheBrokerStoppedExpiresFromThen) {
  BrokerHarness a(persistent_config());
  a.open(kV5).connect(persistent("p", /*expiry=*/10));  // still connected when "a" stops
  BrokerHarness b(persistent_config());
  b.now = a.now + 4'000;  // the records are as of the stop
  restore_into(b, a);
  b.advance(11'000);
  EXPECT_FALSE(b.open(kV5).connect(persistent("p", 10)).session_present);
}

TEST(BrokerPersistenceTest, DelayedWillSurvivesARestartAndIsPublishedOnce) {
  BrokerHarness a(persistent_config());
  ConnectPacket p = persistent("w", 60);
  Will will;
  will.topic = "wills/w";
  will.payload = to_bytes("gone");
  will.qos = QoS::kAtLeastOnce;
  will.properties.will_delay_interval = 5;
  p.will = will;
  TestClient& c = a.open(kV5);
  c.connect(p);
  c.close();  // abnormal: the will is due 5 s from now

  BrokerHarness b(persistent_config());
  b.now = a.now + 1'000;
  restore_into(b, a);
  TestClient& watcher = b.connected("watcher", kV5);
  watcher.subscribe("wills/#", QoS::kAtLeastOnce);
  b.advance(3'000);
  EXPECT_TRUE(watcher.receive_publishes().empty());
  b.advance(1'000);
  auto got = watcher.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(to_string(got[0].payload), "gone");

  // What "b" stored replaces what "a" stored: the session remains, its will does not.
  std::map<Bytes, Bytes> store = stored(a.host);
  for (const auto& [key, record] : stored(b.host)) store[key] = record;
  BrokerHarness d(persistent_config());
  d.now = b.now;
  restore_records(d, store);
  TestClient& watcher2 = d.connected("watcher2", kV5);
  watcher2.subscribe("wills/#", QoS::kAtLeastOnce);
  d.advance(10'000);
  EXPECT_TRUE(watcher2.receive_publishes().empty());
  EXPECT_TRUE(d.open(kV5).connect(persistent("w", 60)).session_present);
}

TEST(BrokerPersistenceTest, QueuedMessageExpiryCountsTheTimeStopped) {
  BrokerHarness a(persistent_config());
  TestClient& sub = a.open(kV5);
  sub.connect(persistent("p"));
  sub.subscribe("t", QoS::kAtLeastOnce);
  sub.close();
  PublishPacket publish;
  publish.topic = "t";
  publish.qos = QoS::kAtLeastOnce;
  publish.packet_id = 1;
  publish.payload = to_bytes("ten seconds");
  publish.properties.message_expiry_interval = 10;
  a.connected("pub", kV5).publish(publish);

  BrokerHarness b(persistent_config());
  b.now = a.now + 4'000;
  restore_into(b, a);
  b.advance(2'000);  // 6 s after it was published
  TestClient& back = b.open(kV5);
  EXPECT_TRUE(back.connect(persistent("p")).session_present);
  auto got = back.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].properties.message_expiry_interval, 4u);
}

TEST(BrokerPersistenceTest, UnusableRecordsAreRefusedAndTheRestLoads) {
  BrokerHarness a(persistent_config());
  TestClient& sub = a.open(kV5);
  sub.connect(persistent("p"));
  sub.subscribe("t", QoS::kAtLeastOnce);
  sub.close();
  a.connected("pub", kV5).publish("t", "x", QoS::kAtLeastOnce, false, 1);
  BrokerHarness b(persistent_config());
  const auto store = stored(a.host);
  ASSERT_EQ(store.size(), 2u);
  // The message alone, before its session: refused (no session to put it in).
  EXPECT_FALSE(b.broker().restore(std::prev(store.end())->second, b.now));
  EXPECT_TRUE(b.host.logged("message 1 of 'p'"));
  Bytes garbage = {1, 0, 1, 1, 0xff};
  EXPECT_FALSE(b.broker().restore(garbage, b.now));
  EXPECT_TRUE(b.broker().restore(store.begin()->second, b.now));
  EXPECT_FALSE(b.broker().restore(store.begin()->second, b.now));  // the same session twice
  TestClient& back = b.open(kV5);
  EXPECT_TRUE(back.connect(persistent("p")).session_present);
  EXPECT_TRUE(back.receive_publishes().empty());
  // No record is taken once connections exist.
  EXPECT_FALSE(b.broker().restore(std::prev(store.end())->second, b.now));
}

}  // namespace
}  // namespace trustmq::mqtt::testing

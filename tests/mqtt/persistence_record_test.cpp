// The persistence record codec: round trips, and refusal of every truncation and of values
// that contradict themselves.
#include "mqtt/persistence_record.h"

#include <gtest/gtest.h>

namespace trustmq::mqtt {
namespace {

Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }

StoredSession sample_session() {
  StoredSession s;
  s.client_id = "sensor-7";
  s.username = "alice";
  s.anonymous = false;
  s.expiry_interval = 3600;
  s.last_packet_id = 42;
  s.subscriptions.push_back({"a/+", QoS::kExactlyOnce, true, false, 7});
  s.subscriptions.push_back({"$share/g/b/#", QoS::kAtLeastOnce, false, true, 0});
  s.inbound_qos2 = {5, 9};
  return s;
}

PublishPacket sample_publish() {
  PublishPacket p;
  p.topic = "a/b";
  p.qos = QoS::kExactlyOnce;
  p.retain = true;
  p.payload = bytes_of("hello");
  p.properties.message_expiry_interval = 60;
  p.properties.content_type = "text/plain";
  return p;
}

StoredMessage sample_message() {
  StoredMessage m;
  m.client_id = "sensor-7";
  m.number = 0x0102030405060708ull;
  m.qos = QoS::kExactlyOnce;
  m.retain = false;
  m.subscription_ids = {7, 8};
  m.state = StoredMessageState::kAwaitingPubrec;
  m.packet_id = 17;
  m.publish = sample_publish();
  m.expires_at = 0x0000123456789abcull;
  return m;
}

TEST(PersistenceRecordTest, RecordFramingRoundTrips) {
  Bytes out;
  const Bytes key = session_key("c1");
  encode_record(RecordOp::kPut, key, bytes_of("v"), out);
  auto view = decode_record(out);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->op, RecordOp::kPut);
  EXPECT_EQ(Bytes(view->key.begin(), view->key.end()), key);
  EXPECT_EQ(Bytes(view->value.begin(), view->value.end()), bytes_of("v"));
  out.clear();
  encode_record(RecordOp::kDelete, key, {}, out);
  view = decode_record(out);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->op, RecordOp::kDelete);
  EXPECT_TRUE(view->value.empty());
}

TEST(PersistenceRecordTest, RecordFramingRefusesBadInput) {
  EXPECT_FALSE(decode_record({}));
  Bytes out;
  encode_record(RecordOp::kPut, session_key("c1"), {}, out);  // a put without a value
  EXPECT_FALSE(decode_record(out));
  out.clear();
  encode_record(RecordOp::kDelete, Bytes{9, 1}, {}, out);  // unknown kind
  EXPECT_FALSE(decode_record(out));
  out = {3, 0, 1, 1};  // unknown op
  EXPECT_FALSE(decode_record(out));
}

TEST(PersistenceRecordTest, KeysSortSessionsBeforeTheirMessagesAndMessagesByNumber) {
  EXPECT_LT(session_key("zzz"), message_key("a", 1));
  EXPECT_LT(message_key("c", 2), message_key("c", 10));
  EXPECT_LT(message_key("c", 255), message_key("c", 256));
  EXPECT_EQ(describe_key(message_key("c1", 12)), "message 12 of 'c1'");
  EXPECT_EQ(describe_key(retained_key("a/b")), "retained 'a/b'");
  EXPECT_EQ(describe_key(session_key("x")), "session 'x'");
}

TEST(PersistenceRecordTest, SessionRoundTripsAndEveryTruncationIsRefused) {
  Bytes value;
  encode_session(sample_session(), value);
  StoredSession decoded;
  ASSERT_TRUE(decode_session(value, decoded));
  EXPECT_EQ(decoded, sample_session());
  for (std::size_t n = 0; n < value.size(); ++n) {
    EXPECT_FALSE(decode_session(ByteView(value.data(), n), decoded)) << n;
  }
  value.push_back(0);
  EXPECT_FALSE(decode_session(value, decoded));
}

TEST(PersistenceRecordTest, MessageRoundTripsAndEveryTruncationIsRefused) {
  Bytes value;
  encode_message(sample_message(), value);
  StoredMessage decoded;
  ASSERT_TRUE(decode_message(value, decoded));
  EXPECT_EQ(decoded, sample_message());
  for (std::size_t n = 0; n < value.size(); ++n) {
    EXPECT_FALSE(decode_message(ByteView(value.data(), n), decoded)) << n;
  }
}

TEST(PersistenceRecordTest, ReleasedMessageCarriesNoPublish) {
  StoredMessage m = sample_message();
  m.state = StoredMessageState::kAwaitingPubcomp;
  m.publish.reset();
  Bytes value;
  encode_message(m, value);
  StoredMessage decoded;
  ASSERT_TRUE(decode_message(value, decoded));
  EXPECT_EQ(decoded, m);
}

TEST(PersistenceRecordTest, ContradictoryMessagesAreRefused) {
  StoredMessage decoded;
  auto refused = [&](StoredMessage m, const PublishPacket* publish) {
    Bytes value;
    encode_message(m, publish, value);
    return !decode_message(value, decoded);
  };
  const PublishPacket publish = sample_publish();
  StoredMessage m = sample_message();
  m.state = StoredMessageState::kQueued;  // queued with a packet id
  EXPECT_TRUE(refused(m, &publish));
  m = sample_message();
  m.packet_id = 0;  // in flight without one
  EXPECT_TRUE(refused(m, &publish));
  m = sample_message();
  m.qos = QoS::kAtLeastOnce;  // QoS 1 awaiting PUBREC
  EXPECT_TRUE(refused(m, &publish));
  m = sample_message();
  m.state = StoredMessageState::kAwaitingPubcomp;  // released but with a message
  EXPECT_TRUE(refused(m, &publish));
  m = sample_message();
  EXPECT_TRUE(refused(m, nullptr));  // awaiting PUBREC without a message
  m = sample_message();
  m.qos = QoS::kAtMostOnce;  // QoS 0 is never stored
  m.state = StoredMessageState::kQueued;
  m.packet_id = 0;
  EXPECT_TRUE(refused(m, &publish));
}

TEST(PersistenceRecordTest, RetainedPublishRoundTripsWithItsExpiry) {
  Bytes value;
  encode_stored_publish(sample_publish(), 123456789, value);
  PublishPacket decoded;
  TimeMs expires_at = 0;
  ASSERT_TRUE(decode_stored_publish(value, decoded, expires_at));
  EXPECT_EQ(decoded, sample_publish());
  EXPECT_EQ(expires_at, 123456789u);
  value[0] = kRecordVersion + 1;
  EXPECT_FALSE(decode_stored_publish(value, decoded, expires_at));
  value[0] = 1;  // version 1 had no deadlines
  EXPECT_FALSE(decode_stored_publish(value, decoded, expires_at));
}

TEST(PersistenceRecordTest, SessionDeadlineAndPendingWillRoundTrip) {
  StoredSession s;
  s.client_id = "c1";
  s.expiry_interval = 600;
  s.expires_at = 1'000'000;
  Will will;
  will.topic = "last/words";
  will.payload = {'b', 'y', 'e'};
  will.qos = QoS::kAtLeastOnce;
  will.retain = true;
  will.properties.will_delay_interval = 30;
  will.properties.content_type = "text/plain";
  s.pending_will = will;
  s.will_at = 950'000;
  Bytes value;
  encode_session(s, value);
  StoredSession decoded;
  ASSERT_TRUE(decode_session(value, decoded));
  EXPECT_EQ(decoded, s);
  for (std::size_t cut = 1; cut < value.size(); ++cut) {
    EXPECT_FALSE(decode_session(ByteView(value.data(), cut), decoded)) << "cut at " << cut;
  }
}

}  // namespace
}  // namespace trustmq::mqtt

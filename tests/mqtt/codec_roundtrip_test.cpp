// Round trips (encode → decode → equal, encode again → same bytes) for every packet type in
// MQTT 3.1, 3.1.1 and 5.0, with every property each v5 packet may carry.
#include <gtest/gtest.h>

#include <string>

#include "encode_to_bytes.h"
#include "mqtt/codec.h"

namespace trustmq::mqtt {
namespace {

Properties user_properties() {
  Properties p;
  p.user_properties = {{"region", "eu"}, {"region", "us"}, {"", ""}};
  return p;
}

Properties message_properties() {
  Properties p = user_properties();
  p.payload_format_indicator = 1;
  p.message_expiry_interval = 3600;
  p.content_type = "application/json";
  p.response_topic = "replies/42";
  p.correlation_data = Bytes{0x00, 0xFF, 0x10};
  return p;
}

Properties reason_properties() {
  Properties p = user_properties();
  p.reason_string = "because";
  return p;
}

// Encodes, decodes and checks the decoded packet equals the original and re-encodes alike.
void expect_round_trip(const Packet& packet, ProtocolVersion version) {
  const Bytes wire = encode_to_bytes(packet, version);
  const DecodeResult result = decode_packet(wire, version);
  ASSERT_EQ(result.status, DecodeStatus::kOk) << result.error_detail;
  EXPECT_EQ(result.consumed, wire.size());
  EXPECT_EQ(result.packet.index(), packet.index());
  EXPECT_TRUE(result.packet == packet);
  EXPECT_EQ(encode_to_bytes(result.packet, version), wire);

  // Every strict prefix is incomplete, never an error.
  for (std::size_t n = 0; n < wire.size(); ++n) {
    const DecodeResult partial = decode_packet(ByteView(wire.data(), n), version);
    ASSERT_EQ(partial.status, DecodeStatus::kNeedMoreData) << "prefix of " << n << " bytes";
  }
}

class CodecRoundTripTest : public ::testing::TestWithParam<ProtocolVersion> {
 protected:
  ProtocolVersion version() const { return GetParam(); }
  bool v5() const { return GetParam() == ProtocolVersion::kV5; }
};

TEST_P(CodecRoundTripTest, ConnectMinimal) {
  ConnectPacket c;
  c.version = version();
  c.protocol_name = version() == ProtocolVersion::kV31 ? "MQIsdp" : "MQTT";
  c.client_id = "client-1";
  c.keep_alive_seconds = 60;
  expect_round_trip(c, version());
}

TEST_P(CodecRoundTripTest, ConnectWithEverything) {
  ConnectPacket c;
  c.version = version();
  c.protocol_name = version() == ProtocolVersion::kV31 ? "MQIsdp" : "MQTT";
  c.clean_start = false;
  c.keep_alive_seconds = 65535;
  c.client_id = "sensor-\xC3\xA9t\xC3\xA9";  // UTF-8 "été"
  Will will;
  will.topic = "devices/sensor/status";
  will.payload = Bytes{'o', 'f', 'f', 0x00};
  will.qos = QoS::kExactlyOnce;
  will.retain = true;
  if (v5()) {
    will.properties = message_properties();
    will.properties.will_delay_interval = 30;
  }
  c.will = will;
  c.username = "alice";
  c.password = Bytes{0x01, 0x02, 0x00, 0xFF};
  if (v5()) {
    c.properties = user_properties();
    c.properties.session_expiry_interval = 0xFFFFFFFF;
    c.properties.authentication_method = "SCRAM-SHA-1";
    c.properties.authentication_data = Bytes{1, 2, 3};
    c.properties.request_problem_information = 0;
    c.properties.request_response_information = 1;
    c.properties.receive_maximum = 20;
    c.properties.topic_alias_maximum = 10;
    c.properties.maximum_packet_size = 1024 * 1024;
  }
  expect_round_trip(c, version());
}

TEST_P(CodecRoundTripTest, ConnectWithQoS1WillOnly) {
  ConnectPacket c;
  c.version = version();
  c.protocol_name = version() == ProtocolVersion::kV31 ? "MQIsdp" : "MQTT";
  c.client_id = "";
  c.will = Will{"last/words", Bytes{}, QoS::kAtLeastOnce, false, {}};
  expect_round_trip(c, version());
}

TEST_P(CodecRoundTripTest, Connack) {
  for (ReasonCode reason : {ReasonCode::kSuccess, ReasonCode::kUnsupportedProtocolVersion,
                            ReasonCode::kClientIdentifierNotValid, ReasonCode::kServerUnavailable,
                            ReasonCode::kBadUserNameOrPassword, ReasonCode::kNotAuthorized}) {
    ConnackPacket c;
    // MQTT 3.1 has no session-present flag (see
    // CodecVectorsTest.V31ConnackSessionPresentIsReserved).
    c.session_present = reason == ReasonCode::kSuccess && GetParam() != ProtocolVersion::kV31;
    c.reason = reason;
    if (v5()) {
      c.properties = reason_properties();
      c.properties.session_expiry_interval = 120;
      c.properties.assigned_client_identifier = "auto-7f3a";
      c.properties.server_keep_alive = 30;
      c.properties.authentication_method = "SCRAM-SHA-1";
      c.properties.authentication_data = Bytes{9, 9};
      c.properties.response_information = "responses/";
      c.properties.server_reference = "other.example:1883";
      c.properties.receive_maximum = 100;
      c.properties.topic_alias_maximum = 16;
      c.properties.maximum_qos = 1;
      c.properties.retain_available = 0;
      c.properties.maximum_packet_size = 65536;
      c.properties.wildcard_subscription_available = 1;
      c.properties.subscription_identifier_available = 1;
      c.properties.shared_subscription_available = 0;
    }
    expect_round_trip(c, version());
  }
}

TEST_P(CodecRoundTripTest, PublishAtEveryQoS) {
  for (QoS qos : {QoS::kAtMostOnce, QoS::kAtLeastOnce, QoS::kExactlyOnce}) {
    PublishPacket p;
    p.qos = qos;
    p.dup = qos != QoS::kAtMostOnce;
    p.retain = qos == QoS::kExactlyOnce;
    p.topic = "sport/tennis/player1";
    p.packet_id = qos == QoS::kAtMostOnce ? 0 : 65535;
    p.payload = Bytes(300, 0xAB);  // two-byte remaining length
    if (v5()) {
      p.properties = message_properties();
      p.properties.subscription_identifiers = {1, 127, 128, 268435455};
      p.properties.topic_alias = 3;
    }
    expect_round_trip(p, version());
  }
}

TEST_P(CodecRoundTripTest, PublishEmptyPayloadAndLargePayload) {
  PublishPacket empty;
  empty.topic = "t";
  expect_round_trip(empty, version());

  PublishPacket large;
  large.topic = "bulk";
  large.qos = QoS::kAtLeastOnce;
  large.packet_id = 1;
  large.payload = Bytes(70000, 0x5A);  // three-byte remaining length
  expect_round_trip(large, version());
}

TEST_P(CodecRoundTripTest, AcksAllFourTypes) {
  for (PacketType type :
       {PacketType::kPuback, PacketType::kPubrec, PacketType::kPubrel, PacketType::kPubcomp}) {
    AckPacket a;
    a.type = type;
    a.packet_id = 1234;
    expect_round_trip(a, version());
    if (v5()) {
      const bool is_release_flow = type == PacketType::kPubrel || type == PacketType::kPubcomp;
      a.reason = is_release_flow ? ReasonCode::kPacketIdentifierNotFound
                                 : ReasonCode::kNoMatchingSubscribers;
      expect_round_trip(a, version());  // reason code only
      a.properties = reason_properties();
      expect_round_trip(a, version());  // reason code and properties
      a.reason = ReasonCode::kSuccess;
      expect_round_trip(a, version());  // success with properties
    }
  }
}

TEST_P(CodecRoundTripTest, Subscribe) {
  SubscribePacket s;
  s.packet_id = 10;
  s.subscriptions.push_back(
      {"a/b", QoS::kAtLeastOnce, false, false, RetainHandling::kSendAtSubscribe});
  s.subscriptions.push_back(
      {"c/+/#", QoS::kExactlyOnce, false, false, RetainHandling::kSendAtSubscribe});
  s.subscriptions.push_back(
      {"$share/group/x", QoS::kAtMostOnce, false, false, RetainHandling::kSendAtSubscribe});
  if (v5()) {
    s.subscriptions[0].no_local = true;
    s.subscriptions[0].retain_as_published = true;
    s.subscriptions[0].retain_handling = RetainHandling::kDoNotSend;
    s.subscriptions[1].retain_handling = RetainHandling::kSendAtSubscribeIfNew;
    s.properties = user_properties();
    s.properties.subscription_identifiers = {268435455};
  }
  expect_round_trip(s, version());
}

TEST_P(CodecRoundTripTest, Suback) {
  SubackPacket s;
  s.packet_id = 10;
  s.reasons = {ReasonCode::kSuccess, ReasonCode::kGrantedQoS1, ReasonCode::kGrantedQoS2,
               ReasonCode::kUnspecifiedError};
  if (v5()) {
    s.reasons.push_back(ReasonCode::kTopicFilterInvalid);
    s.reasons.push_back(ReasonCode::kWildcardSubscriptionsNotSupported);
    s.properties = reason_properties();
  }
  expect_round_trip(s, version());
}

TEST_P(CodecRoundTripTest, UnsubscribeAndUnsuback) {
  UnsubscribePacket u;
  u.packet_id = 77;
  u.filters = {"a/b", "c/#", "$share/g/+"};
  if (v5()) u.properties = user_properties();
  expect_round_trip(u, version());

  UnsubackPacket a;
  a.packet_id = 77;
  if (v5()) {
    a.reasons = {ReasonCode::kSuccess, ReasonCode::kNoSubscriptionExisted,
                 ReasonCode::kNotAuthorized};
    a.properties = reason_properties();
  }
  expect_round_trip(a, version());
}

TEST_P(CodecRoundTripTest, PingAndDisconnect) {
  expect_round_trip(PingreqPacket{}, version());
  expect_round_trip(PingrespPacket{}, version());
  expect_round_trip(DisconnectPacket{}, version());
  if (v5()) {
    DisconnectPacket d;
    d.reason = ReasonCode::kDisconnectWithWillMessage;
    expect_round_trip(d, version());
    d.reason = ReasonCode::kServerMoved;
    d.properties = reason_properties();
    d.properties.session_expiry_interval = 0;
    d.properties.server_reference = "elsewhere:1883";
    expect_round_trip(d, version());
  }
}

INSTANTIATE_TEST_SUITE_P(AllVersions, CodecRoundTripTest,
                         ::testing::Values(ProtocolVersion::kV31, ProtocolVersion::kV311,
                                           ProtocolVersion::kV5),
                         [](const ::testing::TestParamInfo<ProtocolVersion>& info) {
                           switch (info.param) {
                             case ProtocolVersion::kV31:
                               return std::string("V31");
                             case ProtocolVersion::kV311:
                               return std::string("V311");
                             case ProtocolVersion::kV5:
                               return std::string("V5");
                           }
                           return std::string("Unknown");
                         });

TEST(CodecRoundTripV5Test, Auth) {
  expect_round_trip(AuthPacket{}, ProtocolVersion::kV5);
  AuthPacket a;
  a.reason = ReasonCode::kContinueAuthentication;
  expect_round_trip(a, ProtocolVersion::kV5);
  a.reason = ReasonCode::kReAuthenticate;
  a.properties = reason_properties();
  a.properties.authentication_method = "SCRAM-SHA-256";
  a.properties.authentication_data = Bytes{0xDE, 0xAD};
  expect_round_trip(a, ProtocolVersion::kV5);
}

TEST(CodecRoundTripV5Test, PublishWithEmptyTopicAndAlias) {
  PublishPacket p;
  p.topic = "";
  p.properties.topic_alias = 5;
  p.payload = Bytes{'x'};
  expect_round_trip(p, ProtocolVersion::kV5);
}

TEST(CodecRoundTripV5Test, PasswordWithoutUserNameIsAllowed) {
  ConnectPacket c;
  c.client_id = "c";
  c.password = Bytes{'p', 'w'};
  expect_round_trip(c, ProtocolVersion::kV5);
}

TEST(CodecStreamTest, SeveralPacketsInOneBuffer) {
  Bytes wire;
  PublishPacket p;
  p.topic = "a";
  p.payload = Bytes{1, 2, 3};
  encode_packet(p, ProtocolVersion::kV311, wire);
  encode_packet(PingreqPacket{}, ProtocolVersion::kV311, wire);
  const DecodeResult first = decode_packet(wire, ProtocolVersion::kV311);
  ASSERT_EQ(first.status, DecodeStatus::kOk);
  EXPECT_EQ(std::get<PublishPacket>(first.packet), p);
  const DecodeResult second =
      decode_packet(ByteView(wire).subspan(first.consumed), ProtocolVersion::kV311);
  ASSERT_EQ(second.status, DecodeStatus::kOk);
  EXPECT_TRUE(std::holds_alternative<PingreqPacket>(second.packet));
  EXPECT_EQ(first.consumed + second.consumed, wire.size());
}

}  // namespace
}  // namespace trustmq::mqtt

// One negative test per rule the decoder enforces: each asserts the exact reason code (Malformed
// Packet, Protocol Error, Packet too large, Unsupported Protocol Version) and the detail text.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "mqtt/codec.h"

namespace trustmq::mqtt {
namespace {

constexpr ProtocolVersion kV311 = ProtocolVersion::kV311;
constexpr ProtocolVersion kV5 = ProtocolVersion::kV5;

// A packet with the given first byte and body; the remaining length (< 128) is filled in.
Bytes packet(std::uint8_t first, std::initializer_list<std::uint8_t> body) {
  Bytes out{first, static_cast<std::uint8_t>(body.size())};
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// A CONNECT packet around `body` (remaining length < 128). Reserved first: inserting into a
// two-byte vector trips g++ 12's -Warray-bounds at -O3 (a false positive).
Bytes framed_connect(const Bytes& body) {
  Bytes out;
  out.reserve(2 + body.size());
  out.push_back(0x10);
  out.push_back(static_cast<std::uint8_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

DecodeResult decode(const Bytes& bytes, ProtocolVersion version) {
  return decode_packet(bytes, version);
}

// Expects an error with `code` whose detail contains `detail`.
void expect_error(const Bytes& bytes, ProtocolVersion version, ReasonCode code,
                  const std::string& detail) {
  const DecodeResult r = decode(bytes, version);
  ASSERT_EQ(r.status, DecodeStatus::kError) << "decoded although it should not";
  EXPECT_EQ(r.error, code) << reason_code_name(r.error) << ": " << r.error_detail;
  EXPECT_NE(r.error_detail.find(detail), std::string::npos)
      << "detail \"" << r.error_detail << "\" lacks \"" << detail << "\"";
  EXPECT_EQ(r.consumed, 0u);
}

void expect_ok(const Bytes& bytes, ProtocolVersion version) {
  const DecodeResult r = decode(bytes, version);
  ASSERT_EQ(r.status, DecodeStatus::kOk) << r.error_detail;
  EXPECT_EQ(r.consumed, bytes.size());
}

// --- fixed header -------------------------------------------------------------------------

TEST(CodecMalformedTest, ReservedFixedHeaderFlags) {
  expect_error(packet(0x60, {0x00, 0x01}), kV311, ReasonCode::kMalformedPacket,
               "PUBREL: fixed header flags 0x00 must be 0x02");
  expect_error(packet(0x80, {0x00, 0x01, 0x00, 0x01, 'a', 0x00}), kV5, ReasonCode::kMalformedPacket,
               "SUBSCRIBE: fixed header flags");
  expect_error(packet(0xA0, {0x00, 0x01, 0x00, 0x01, 'a'}), kV311, ReasonCode::kMalformedPacket,
               "UNSUBSCRIBE: fixed header flags");
  expect_error(packet(0x41, {0x00, 0x01}), kV5, ReasonCode::kMalformedPacket,
               "PUBACK: fixed header flags 0x01 must be 0x00");
  expect_error(packet(0xC8, {}), kV311, ReasonCode::kMalformedPacket, "PINGREQ");
  expect_error(packet(0x12, {}), kV5, ReasonCode::kMalformedPacket, "CONNECT");
  expect_ok(packet(0x62, {0x00, 0x01}), kV311);
}

TEST(CodecMalformedTest, ReservedPacketTypes) {
  expect_error(packet(0x00, {}), kV5, ReasonCode::kMalformedPacket, "packet type 0 is reserved");
  expect_error(packet(0xF0, {}), kV311, ReasonCode::kMalformedPacket, "AUTH");
  expect_ok(packet(0xF0, {}), kV5);
}

TEST(CodecMalformedTest, PublishQoS3) {
  expect_error(packet(0x36, {0x00, 0x01, 'a', 0x00, 0x01}), kV311, ReasonCode::kMalformedPacket,
               "PUBLISH: QoS is 3");
}

TEST(CodecMalformedTest, DupOnQoS0IsMalformedInV5) {
  const Bytes dup_qos0 = packet(0x38, {0x00, 0x01, 'a', 0x00});
  expect_error(dup_qos0, kV5, ReasonCode::kMalformedPacket, "DUP is set on a QoS 0 message");
  expect_ok(packet(0x38, {0x00, 0x01, 'a'}), kV311);  // tolerated in 3.1.1
}

TEST(CodecMalformedTest, RemainingLengthLongerThanFourBytes) {
  expect_error(Bytes{0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}, kV5, ReasonCode::kMalformedPacket,
               "remaining length is longer than 4 bytes");
}

TEST(CodecMalformedTest, NonMinimalRemainingLengthIsAccepted) {
  const DecodeResult r = decode(Bytes{0xC0, 0x80, 0x00}, kV311);
  ASSERT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.consumed, 3u);
  EXPECT_TRUE(std::holds_alternative<PingreqPacket>(r.packet));
}

TEST(CodecMalformedTest, NeedMoreDataForPartialPackets) {
  EXPECT_EQ(decode(Bytes{}, kV5).status, DecodeStatus::kNeedMoreData);
  EXPECT_EQ(decode(Bytes{0x30}, kV5).status, DecodeStatus::kNeedMoreData);
  EXPECT_EQ(decode(Bytes{0x30, 0x80}, kV5).status, DecodeStatus::kNeedMoreData);
  EXPECT_EQ(decode(Bytes{0x30, 0x05, 0x00, 0x01}, kV5).status, DecodeStatus::kNeedMoreData);
}

TEST(CodecMalformedTest, PacketTooLargeAsSoonAsTheHeaderTells) {
  // Only the fixed header has arrived: 1 + 3 + 2'000'000 bytes announced.
  const Bytes header{0x30, 0x80, 0x89, 0x7A};
  const DecodeResult r = decode_packet(header, kV5, 1'000'000);
  ASSERT_EQ(r.status, DecodeStatus::kError);
  EXPECT_EQ(r.error, ReasonCode::kPacketTooLarge);
  EXPECT_EQ(r.error_detail, "PUBLISH: packet of 2000004 bytes exceeds the maximum of 1000000");

  const Bytes ping{0xC0, 0x00};
  EXPECT_EQ(decode_packet(ping, kV5, 2).status, DecodeStatus::kOk);
  EXPECT_EQ(decode_packet(ping, kV5, 1).error, ReasonCode::kPacketTooLarge);
}

TEST(CodecMalformedTest, LeftoverBytesInsideRemainingLength) {
  expect_error(packet(0x40, {0x00, 0x01, 0x00}), kV311, ReasonCode::kMalformedPacket,
               "PUBACK: 1 unexpected bytes at the end of the variable header");
  expect_error(packet(0xC0, {0x00}), kV5, ReasonCode::kMalformedPacket,
               "PINGREQ: 1 unexpected bytes");
  expect_error(packet(0xE0, {0x00}), kV311, ReasonCode::kMalformedPacket, "DISCONNECT");
  expect_error(
      packet(0x10, {0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, 'c', 0xAA}),
      kV311, ReasonCode::kMalformedPacket, "CONNECT: 1 unexpected bytes");
  expect_error(packet(0x20, {0x00, 0x00, 0x00, 0x00}), kV5, ReasonCode::kMalformedPacket,
               "CONNACK: 1 unexpected bytes");
  expect_error(packet(0xB0, {0x00, 0x01, 0x00}), kV311, ReasonCode::kMalformedPacket,
               "UNSUBACK: 1 unexpected bytes");
}

TEST(CodecMalformedTest, TruncatedFieldsInsideThePacket) {
  expect_error(packet(0x30, {0x00, 0x05, 'a'}), kV311, ReasonCode::kMalformedPacket,
               "PUBLISH: topic name is truncated");
  expect_error(packet(0x40, {0x00}), kV311, ReasonCode::kMalformedPacket,
               "PUBACK: packet identifier is missing");
  expect_error(packet(0x82, {0x00, 0x01, 0x00, 0x00, 0x01, 'a'}), kV5, ReasonCode::kMalformedPacket,
               "subscription options are missing for \"a\"");
}

TEST(CodecMalformedTest, PacketIdentifierZero) {
  expect_error(packet(0x32, {0x00, 0x01, 'a', 0x00, 0x00}), kV311, ReasonCode::kProtocolError,
               "PUBLISH: packet identifier is 0");
  expect_error(packet(0x40, {0x00, 0x00}), kV5, ReasonCode::kProtocolError,
               "PUBACK: packet identifier is 0");
}

// --- properties ---------------------------------------------------------------------------

TEST(CodecMalformedTest, PropertyNotAllowedInPacket) {
  // PUBLISH "a" QoS 0 with Session Expiry Interval, which only CONNECT/CONNACK/DISCONNECT carry.
  expect_error(packet(0x30, {0x00, 0x01, 'a', 0x05, 0x11, 0x00, 0x00, 0x00, 0x01}), kV5,
               ReasonCode::kMalformedPacket,
               "PUBLISH: property 0x11 (Session Expiry Interval) is not allowed in PUBLISH");
  // Will Delay Interval belongs to the will properties, not CONNECT's own.
  expect_error(packet(0x10, {0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02, 0x00, 0x00, 0x05, 0x18,
                             0x00, 0x00, 0x00, 0x01, 0x00, 0x00}),
               kV5, ReasonCode::kMalformedPacket,
               "property 0x18 (Will Delay Interval) is not allowed in CONNECT");
  // Reason String is not allowed in SUBSCRIBE.
  expect_error(packet(0x82, {0x00, 0x01, 0x04, 0x1F, 0x00, 0x01, 'x', 0x00, 0x01, 'a', 0x00}), kV5,
               ReasonCode::kMalformedPacket,
               "property 0x1F (Reason String) is not allowed in SUBSCRIBE");
}

TEST(CodecMalformedTest, UnknownPropertyIdentifier) {
  expect_error(packet(0x30, {0x00, 0x01, 'a', 0x02, 0x05, 0x00}), kV5, ReasonCode::kMalformedPacket,
               "PUBLISH: property 0x05 is not a defined property");
}

TEST(CodecMalformedTest, PropertyAppearsTwice) {
  const Bytes twice =
      packet(0x10, {0x00, 0x04, 'M',  'Q',  'T',  'T',  0x05, 0x02, 0x00, 0x3C, 0x0A, 0x11,
                    0x00, 0x00, 0x00, 0x01, 0x11, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 'c'});
  const DecodeResult r = decode(twice, kV5);
  ASSERT_EQ(r.status, DecodeStatus::kError);
  EXPECT_EQ(r.error, ReasonCode::kProtocolError);
  EXPECT_EQ(r.error_detail, "CONNECT: property 0x11 (Session Expiry Interval) appears twice");

  // Will properties are their own block with the same rule.
  expect_error(
      packet(0x10, {0x00, 0x04, 'M',  'Q',  'T',  'T',  0x05, 0x06, 0x00, 0x3C, 0x00, 0x00,
                    0x01, 'c',  0x04, 0x01, 0x00, 0x01, 0x01, 0x00, 0x01, 't',  0x00, 0x00}),
      kV5, ReasonCode::kProtocolError,
      "CONNECT: will property 0x01 (Payload Format Indicator) appears twice");
}

TEST(CodecMalformedTest, RepeatableProperties) {
  // Two user properties and two subscription identifiers in one PUBLISH are fine.
  const Bytes publish = packet(0x30, {0x00, 0x01, 'a',  0x10, 0x26, 0x00, 0x01, 'k',  0x00, 0x01,
                                      'v',  0x26, 0x00, 0x00, 0x00, 0x00, 0x0B, 0x01, 0x0B, 0x02});
  const DecodeResult r = decode(publish, kV5);
  ASSERT_EQ(r.status, DecodeStatus::kOk) << r.error_detail;
  const auto& p = std::get<PublishPacket>(r.packet);
  EXPECT_EQ(p.properties.user_properties.size(), 2u);
  EXPECT_EQ(p.properties.subscription_identifiers, (std::vector<std::uint32_t>{1, 2}));

  // But SUBSCRIBE may carry only one subscription identifier.
  expect_error(packet(0x82, {0x00, 0x01, 0x04, 0x0B, 0x01, 0x0B, 0x02, 0x00, 0x01, 'a', 0x00}), kV5,
               ReasonCode::kProtocolError,
               "SUBSCRIBE: property 0x0B (Subscription Identifier) appears twice");
}

TEST(CodecMalformedTest, PropertyValueRules) {
  // Subscription identifier 0.
  expect_error(packet(0x82, {0x00, 0x01, 0x02, 0x0B, 0x00, 0x00, 0x01, 'a', 0x00}), kV5,
               ReasonCode::kProtocolError, "property 0x0B (Subscription Identifier) is 0");
  auto connect_with = [](std::initializer_list<std::uint8_t> property) {
    Bytes body{0x00,
               0x04,
               'M',
               'Q',
               'T',
               'T',
               0x05,
               0x02,
               0x00,
               0x3C,
               static_cast<std::uint8_t>(property.size())};
    body.insert(body.end(), property.begin(), property.end());
    body.insert(body.end(), {0x00, 0x01, 'c'});
    return framed_connect(body);
  };
  expect_error(connect_with({0x21, 0x00, 0x00}), kV5, ReasonCode::kProtocolError,
               "CONNECT: property 0x21 (Receive Maximum) is 0");
  expect_error(connect_with({0x27, 0x00, 0x00, 0x00, 0x00}), kV5, ReasonCode::kProtocolError,
               "CONNECT: property 0x27 (Maximum Packet Size) is 0");
  expect_error(connect_with({0x17, 0x02}), kV5, ReasonCode::kProtocolError,
               "property 0x17 (Request Problem Information) has value 2, not 0 or 1");
  expect_error(connect_with({0x19, 0x07}), kV5, ReasonCode::kProtocolError,
               "property 0x19 (Request Response Information) has value 7, not 0 or 1");
  expect_ok(connect_with({0x17, 0x01, 0x19, 0x00, 0x21, 0x00, 0x01}), kV5);
  // CONNACK Maximum QoS must be 0 or 1.
  expect_error(packet(0x20, {0x00, 0x00, 0x02, 0x24, 0x02}), kV5, ReasonCode::kProtocolError,
               "CONNACK: property 0x24 (Maximum QoS) has value 2, not 0 or 1");
}

TEST(CodecMalformedTest, PropertyBlockFraming) {
  expect_error(packet(0x30, {0x00, 0x01, 'a', 0x09, 0x01, 0x01}), kV5, ReasonCode::kMalformedPacket,
               "property length 9 exceeds the 2 bytes left");
  expect_error(packet(0x30, {0x00, 0x01, 'a', 0x03, 0x02, 0x00, 0x00}), kV5,
               ReasonCode::kMalformedPacket,
               "property 0x02 (Message Expiry Interval) is truncated");
  expect_error(packet(0x30, {0x00, 0x01, 'a', 0x04, 0x03, 0x00, 0x01, 0xFF}), kV5,
               ReasonCode::kMalformedPacket,
               "property 0x03 (Content Type) is not a valid UTF-8 string");
}

// --- UTF-8 and topics ---------------------------------------------------------------------

TEST(CodecMalformedTest, InvalidUtf8InStrings) {
  // Ill-formed byte sequence, UTF-16 surrogate U+D800, U+0000, overlong encoding of '/'.
  for (const Bytes& topic :
       {Bytes{0xC3, 0x28}, Bytes{0xED, 0xA0, 0x80}, Bytes{'a', 0x00}, Bytes{0xC0, 0xAF}}) {
    Bytes bytes{0x30, static_cast<std::uint8_t>(2 + topic.size()), 0x00,
                static_cast<std::uint8_t>(topic.size())};
    bytes.insert(bytes.end(), topic.begin(), topic.end());
    expect_error(bytes, kV311, ReasonCode::kMalformedPacket,
                 "PUBLISH: topic name is not a valid UTF-8 string");
  }
  expect_error(
      packet(0x10, {0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, 0xFF}),
      kV311, ReasonCode::kMalformedPacket,
      "CONNECT: client identifier is not a valid UTF-8 string");
}

TEST(CodecMalformedTest, WildcardsInTopicName) {
  expect_error(packet(0x30, {0x00, 0x03, 'a', '/', '+'}), kV311, ReasonCode::kMalformedPacket,
               "PUBLISH: topic name \"a/+\" contains a wildcard");
  expect_error(packet(0x30, {0x00, 0x01, '#', 0x00}), kV5, ReasonCode::kMalformedPacket,
               "contains a wildcard");
}

TEST(CodecMalformedTest, EmptyTopicName) {
  expect_error(packet(0x30, {0x00, 0x00}), kV311, ReasonCode::kMalformedPacket,
               "PUBLISH: topic name is empty");
  expect_error(packet(0x30, {0x00, 0x00, 0x00}), kV5, ReasonCode::kProtocolError,
               "topic name is empty and there is no topic alias");
  expect_ok(packet(0x30, {0x00, 0x00, 0x03, 0x23, 0x00, 0x01}), kV5);
}

// --- SUBSCRIBE / UNSUBSCRIBE ----------------------------------------------------------------

TEST(CodecMalformedTest, SubscribeWithoutFilters) {
  expect_error(packet(0x82, {0x00, 0x01}), kV311, ReasonCode::kProtocolError,
               "SUBSCRIBE: no topic filter");
  expect_error(packet(0x82, {0x00, 0x01, 0x00}), kV5, ReasonCode::kProtocolError,
               "SUBSCRIBE: no topic filter");
  expect_error(packet(0xA2, {0x00, 0x01}), kV311, ReasonCode::kProtocolError,
               "UNSUBSCRIBE: no topic filter");
}

TEST(CodecMalformedTest, SubscriptionOptionsV5) {
  expect_error(packet(0x82, {0x00, 0x01, 0x00, 0x00, 0x01, 'a', 0x40}), kV5,
               ReasonCode::kMalformedPacket, "reserved subscription option bits are set");
  // Spec §3.8.3.1: QoS 3 and Retain Handling 3 are Protocol Errors.
  expect_error(packet(0x82, {0x00, 0x01, 0x00, 0x00, 0x01, 'a', 0x03}), kV5,
               ReasonCode::kProtocolError, "SUBSCRIBE: maximum QoS is 3");
  expect_error(packet(0x82, {0x00, 0x01, 0x00, 0x00, 0x01, 'a', 0x30}), kV5,
               ReasonCode::kProtocolError, "SUBSCRIBE: retain handling is 3");
  const Bytes no_local_shared = packet(
      0x82, {0x00, 0x01, 0x00, 0x00, 0x0A, '$', 's', 'h', 'a', 'r', 'e', '/', 'g', '/', 'x', 0x04});
  expect_error(no_local_shared, kV5, ReasonCode::kProtocolError,
               "no local is set on shared subscription \"$share/g/x\"");
}

TEST(CodecMalformedTest, SubscriptionOptionsV311) {
  // No Local (bit 2) is a reserved bit in 3.1.1.
  expect_error(packet(0x82, {0x00, 0x01, 0x00, 0x01, 'a', 0x04}), kV311,
               ReasonCode::kMalformedPacket, "reserved subscription option bits are set");
  expect_error(packet(0x82, {0x00, 0x01, 0x00, 0x01, 'a', 0x03}), kV311,
               ReasonCode::kMalformedPacket, "requested QoS is 3");
}

// --- CONNECT ------------------------------------------------------------------------------

Bytes connect_with_flags(std::uint8_t level, std::uint8_t flags,
                         std::initializer_list<std::uint8_t> rest) {
  Bytes body{0x00, 0x04, 'M', 'Q', 'T', 'T', level, flags, 0x00, 0x3C};
  if (level == 5) body.push_back(0x00);
  body.insert(body.end(), {0x00, 0x01, 'c'});
  body.insert(body.end(), rest.begin(), rest.end());
  return framed_connect(body);
}

TEST(CodecMalformedTest, ConnectReservedFlag) {
  expect_error(connect_with_flags(4, 0x03, {}), kV311, ReasonCode::kMalformedPacket,
               "CONNECT: reserved connect flag (bit 0) is set");
}

TEST(CodecMalformedTest, ConnectWillFlagsConsistency) {
  expect_error(connect_with_flags(5, 0x0A, {}), kV5, ReasonCode::kMalformedPacket,
               "will QoS is set without the will flag");
  expect_error(connect_with_flags(4, 0x22, {}), kV311, ReasonCode::kMalformedPacket,
               "will retain is set without the will flag");
  expect_error(connect_with_flags(4, 0x1E, {0x00, 0x01, 't', 0x00, 0x00}), kV311,
               ReasonCode::kMalformedPacket, "will QoS is 3");
  expect_error(connect_with_flags(4, 0x06, {0x00, 0x01, '#', 0x00, 0x00}), kV311,
               ReasonCode::kMalformedPacket, "will topic \"#\" contains a wildcard");
  expect_ok(connect_with_flags(4, 0x36, {0x00, 0x01, 't', 0x00, 0x00}), kV311);
}

TEST(CodecMalformedTest, PasswordWithoutUserName) {
  expect_error(connect_with_flags(4, 0x42, {0x00, 0x01, 'p'}), kV311, ReasonCode::kMalformedPacket,
               "password flag is set without the user name flag");
  expect_ok(connect_with_flags(5, 0x42, {0x00, 0x01, 'p'}), kV5);
}

TEST(CodecMalformedTest, UnsupportedProtocolVersion) {
  const Bytes level6 = connect_with_flags(6, 0x02, {});
  const DecodeResult r = decode(level6, kV5);
  ASSERT_EQ(r.status, DecodeStatus::kError);
  EXPECT_EQ(r.error, ReasonCode::kUnsupportedProtocolVersion);
  EXPECT_EQ(r.error_detail, "CONNECT: unsupported protocol \"MQTT\" level 6");
  // The announced version is kept so the broker can answer in the right dialect.
  const auto& announced = std::get<ConnectPacket>(r.packet);
  EXPECT_EQ(static_cast<int>(announced.version), 6);

  expect_error(packet(0x10, {0x00, 0x04, 'M', 'Q', 'X', 'X', 0x04, 0x02, 0x00, 0x00, 0x00, 0x00}),
               kV311, ReasonCode::kUnsupportedProtocolVersion,
               "unsupported protocol \"MQXX\" level 4");
  expect_error(
      packet(0x10, {0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p', 0x04, 0x02, 0x00, 0x00, 0x00, 0x00}),
      kV311, ReasonCode::kUnsupportedProtocolVersion, "\"MQIsdp\" level 4");
}

TEST(CodecMalformedTest, MalformedV5ConnectKeepsAnnouncedVersion) {
  const DecodeResult r = decode(connect_with_flags(5, 0x01, {}), kV311);
  ASSERT_EQ(r.status, DecodeStatus::kError);
  EXPECT_EQ(r.error, ReasonCode::kMalformedPacket);
  EXPECT_EQ(std::get<ConnectPacket>(r.packet).version, ProtocolVersion::kV5);
}

TEST(CodecMalformedTest, OnlyAConnectWithKnownLevelYieldsAConnectPacketOnError) {
  // A bad PUBLISH and a CONNECT cut before its protocol level carry no ConnectPacket, so the
  // broker does not mistake them for a CONNECT it should answer.
  const DecodeResult bad_publish = decode(packet(0x36, {0x00, 0x01, 'a'}), kV5);
  ASSERT_EQ(bad_publish.status, DecodeStatus::kError);
  EXPECT_FALSE(std::holds_alternative<ConnectPacket>(bad_publish.packet));
  const DecodeResult cut_connect = decode(packet(0x10, {0x00, 0x04, 'M', 'Q', 'T', 'T'}), kV5);
  ASSERT_EQ(cut_connect.status, DecodeStatus::kError);
  EXPECT_EQ(cut_connect.error, ReasonCode::kMalformedPacket);
  EXPECT_EQ(cut_connect.error_detail, "CONNECT: protocol level is missing");
  EXPECT_FALSE(std::holds_alternative<ConnectPacket>(cut_connect.packet));
  const DecodeResult too_large = decode_packet(Bytes{0x10, 0xFF, 0x7F}, kV5, 100);
  EXPECT_EQ(too_large.error, ReasonCode::kPacketTooLarge);
  EXPECT_FALSE(std::holds_alternative<ConnectPacket>(too_large.packet));
}

// --- acknowledgements and reason codes ------------------------------------------------------

TEST(CodecMalformedTest, ReasonCodeNotValidForPacket) {
  expect_error(packet(0x40, {0x00, 0x01, 0x05}), kV5, ReasonCode::kMalformedPacket,
               "PUBACK: reason code 0x05 is not valid");
  expect_error(packet(0x70, {0x00, 0x01, 0x10}), kV5, ReasonCode::kMalformedPacket,
               "PUBCOMP: reason code 0x10 is not valid");
  expect_error(packet(0x90, {0x00, 0x01, 0x00, 0x03}), kV5, ReasonCode::kMalformedPacket,
               "SUBACK: reason code 0x03 is not valid");
  expect_error(packet(0x90, {0x00, 0x01, 0x8F}), kV311, ReasonCode::kMalformedPacket,
               "SUBACK: reason code 0x8F is not valid");
  expect_error(packet(0xE0, {0x18}), kV5, ReasonCode::kMalformedPacket,
               "DISCONNECT: reason code 0x18 is not valid");
  expect_error(packet(0xF0, {0x00, 0x00, 0x00}), kV5, ReasonCode::kMalformedPacket,
               "AUTH: 1 unexpected bytes");
}

TEST(CodecMalformedTest, Connack311) {
  expect_error(packet(0x20, {0x00, 0x06}), kV311, ReasonCode::kMalformedPacket,
               "CONNACK: return code 6 is not valid");
  expect_error(packet(0x20, {0x02, 0x00}), kV311, ReasonCode::kMalformedPacket,
               "reserved acknowledge flag bits are set");
  const DecodeResult r = decode(packet(0x20, {0x00, 0x05}), kV311);
  ASSERT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(std::get<ConnackPacket>(r.packet).reason, ReasonCode::kNotAuthorized);
}

TEST(CodecMalformedTest, ShortV5AcknowledgementForms) {
  const DecodeResult short_ack = decode(packet(0x50, {0x00, 0x07}), kV5);
  ASSERT_EQ(short_ack.status, DecodeStatus::kOk);
  const auto& a = std::get<AckPacket>(short_ack.packet);
  EXPECT_EQ(a.type, PacketType::kPubrec);
  EXPECT_EQ(a.packet_id, 7);
  EXPECT_EQ(a.reason, ReasonCode::kSuccess);

  const DecodeResult reason_only = decode(packet(0x40, {0x00, 0x07, 0x10}), kV5);
  ASSERT_EQ(reason_only.status, DecodeStatus::kOk);
  EXPECT_EQ(std::get<AckPacket>(reason_only.packet).reason, ReasonCode::kNoMatchingSubscribers);

  const DecodeResult normal = decode(packet(0xE0, {}), kV5);
  ASSERT_EQ(normal.status, DecodeStatus::kOk);
  EXPECT_EQ(std::get<DisconnectPacket>(normal.packet).reason, ReasonCode::kSuccess);

  const DecodeResult with_will = decode(packet(0xE0, {0x04}), kV5);
  ASSERT_EQ(with_will.status, DecodeStatus::kOk);
  EXPECT_EQ(std::get<DisconnectPacket>(with_will.packet).reason,
            ReasonCode::kDisconnectWithWillMessage);
}

TEST(CodecMalformedTest, AcksWithoutReasonCodeList) {
  expect_error(packet(0x90, {0x00, 0x01}), kV311, ReasonCode::kProtocolError,
               "SUBACK: no reason code");
  expect_error(packet(0xB0, {0x00, 0x01, 0x00}), kV5, ReasonCode::kProtocolError,
               "UNSUBACK: no reason code");
}

}  // namespace
}  // namespace trustmq::mqtt

// Exact byte vectors: examples from the MQTT 3.1.1 and 5.0 specifications and hand-checked
// packets, in both directions (encode gives these bytes, decode gives back the packet).
#include <gtest/gtest.h>

#include <string>

#include "encode_to_bytes.h"
#include "mqtt/codec.h"

namespace trustmq::mqtt {
namespace {

Packet decode_ok(const Bytes& bytes, ProtocolVersion version) {
  const DecodeResult r = decode_packet(bytes, version);
  EXPECT_EQ(r.status, DecodeStatus::kOk) << r.error_detail;
  EXPECT_EQ(r.consumed, bytes.size());
  return r.packet;
}

// Spec 1.5.5 table 1-1: the boundaries of each variable byte integer size.
TEST(CodecVectorsTest, VariableByteIntegerBoundaries) {
  const std::vector<std::pair<std::uint32_t, Bytes>> cases = {
      {0, {0x00}},
      {127, {0x7F}},
      {128, {0x80, 0x01}},
      {16383, {0xFF, 0x7F}},
      {16384, {0x80, 0x80, 0x01}},
      {2097151, {0xFF, 0xFF, 0x7F}},
      {2097152, {0x80, 0x80, 0x80, 0x01}},
      {268435455, {0xFF, 0xFF, 0xFF, 0x7F}},
  };
  for (const auto& [value, bytes] : cases) {
    Bytes out;
    encode_variable_byte_integer(value, out);
    EXPECT_EQ(out, bytes) << value;
    std::uint32_t decoded = 0;
    std::size_t length = 0;
    ASSERT_EQ(decode_variable_byte_integer(bytes, decoded, length), VarIntStatus::kOk);
    EXPECT_EQ(decoded, value);
    EXPECT_EQ(length, bytes.size());
  }
}

TEST(CodecVectorsTest, VariableByteIntegerErrors) {
  std::uint32_t value = 0;
  std::size_t length = 0;
  const Bytes five{0x80, 0x80, 0x80, 0x80, 0x01};
  EXPECT_EQ(decode_variable_byte_integer(five, value, length), VarIntStatus::kMalformed);
  const Bytes partial{0x80, 0x80};
  EXPECT_EQ(decode_variable_byte_integer(partial, value, length), VarIntStatus::kNeedMoreData);
  EXPECT_EQ(decode_variable_byte_integer(ByteView{}, value, length), VarIntStatus::kNeedMoreData);
  // Trailing bytes after the integer are not part of it.
  const Bytes trailing{0x05, 0xFF};
  ASSERT_EQ(decode_variable_byte_integer(trailing, value, length), VarIntStatus::kOk);
  EXPECT_EQ(value, 5u);
  EXPECT_EQ(length, 1u);
}

// Spec 3.1.1 §3.1.2.10 example variable header "00 04 MQTT 04 CE 00 0A": user name, password,
// will QoS 1, will flag, clean session, keep alive 10.
TEST(CodecVectorsTest, Connect311SpecExample) {
  const Bytes wire = {0x10, 0x19, 0x00, 0x04, 'M',  'Q', 'T',  'T',  0x04,
                      0xCE, 0x00, 0x0A, 0x00, 0x01, 'c', 0x00, 0x01, 'w',
                      0x00, 0x01, 'm',  0x00, 0x01, 'u', 0x00, 0x01, 'p'};
  ConnectPacket c;
  c.version = ProtocolVersion::kV311;
  c.keep_alive_seconds = 10;
  c.client_id = "c";
  c.will = Will{"w", Bytes{'m'}, QoS::kAtLeastOnce, false, {}};
  c.username = "u";
  c.password = Bytes{'p'};
  EXPECT_EQ(encode_to_bytes(c, ProtocolVersion::kV311), wire);
  EXPECT_EQ(std::get<ConnectPacket>(decode_ok(wire, ProtocolVersion::kV311)), c);
}

// Spec 5.0 §3.1.2.11 example: level 5, flags C2, keep alive 10, Session Expiry Interval 10.
TEST(CodecVectorsTest, Connect5SpecExample) {
  const Bytes wire = {0x10, 0x19, 0x00, 0x04, 'M',  'Q',  'T',  'T',  0x05,
                      0xC2, 0x00, 0x0A, 0x05, 0x11, 0x00, 0x00, 0x00, 0x0A,
                      0x00, 0x01, 'c',  0x00, 0x01, 'u',  0x00, 0x01, 'p'};
  ConnectPacket c;
  c.version = ProtocolVersion::kV5;
  c.keep_alive_seconds = 10;
  c.properties.session_expiry_interval = 10;
  c.client_id = "c";
  c.username = "u";
  c.password = Bytes{'p'};
  EXPECT_EQ(encode_to_bytes(c, ProtocolVersion::kV5), wire);
  EXPECT_EQ(std::get<ConnectPacket>(decode_ok(wire, ProtocolVersion::kV5)), c);
}

TEST(CodecVectorsTest, Connect31UsesMQIsdp) {
  const Bytes wire = {0x10, 0x0F, 0x00, 0x06, 'M',  'Q',  'I',  's', 'd',
                      'p',  0x03, 0x02, 0x00, 0x3C, 0x00, 0x01, 'x'};
  ConnectPacket c;
  c.version = ProtocolVersion::kV31;
  c.protocol_name = "MQIsdp";
  c.keep_alive_seconds = 60;
  c.client_id = "x";
  EXPECT_EQ(encode_to_bytes(c, ProtocolVersion::kV31), wire);
  EXPECT_EQ(std::get<ConnectPacket>(decode_ok(wire, ProtocolVersion::kV31)), c);
}

// Spec §3.3.2.3 example: topic "a/b", packet identifier 10 (v5 adds a property length 0).
TEST(CodecVectorsTest, PublishSpecExample) {
  PublishPacket p;
  p.qos = QoS::kAtLeastOnce;
  p.topic = "a/b";
  p.packet_id = 10;
  p.payload = Bytes{'h', 'i'};
  const Bytes v311 = {0x32, 0x09, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x0A, 'h', 'i'};
  const Bytes v5 = {0x32, 0x0A, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x0A, 0x00, 'h', 'i'};
  EXPECT_EQ(encode_to_bytes(p, ProtocolVersion::kV311), v311);
  EXPECT_EQ(encode_to_bytes(p, ProtocolVersion::kV5), v5);
  EXPECT_EQ(std::get<PublishPacket>(decode_ok(v311, ProtocolVersion::kV311)), p);
  EXPECT_EQ(std::get<PublishPacket>(decode_ok(v5, ProtocolVersion::kV5)), p);
}

TEST(CodecVectorsTest, PublishFlagsAndProperties) {
  PublishPacket p;
  p.dup = true;
  p.qos = QoS::kExactlyOnce;
  p.retain = true;
  p.topic = "t";
  p.packet_id = 0x0102;
  p.properties.message_expiry_interval = 60;
  p.properties.subscription_identifiers = {200};
  const Bytes wire = {0x3D, 0x0E, 0x00, 0x01, 't',  0x01, 0x02, 0x08,
                      0x02, 0x00, 0x00, 0x00, 0x3C, 0x0B, 0xC8, 0x01};
  // Remaining length 14: topic 3, packet id 2, property length 1, expiry 5, identifier 3.
  EXPECT_EQ(encode_to_bytes(p, ProtocolVersion::kV5), wire);
  EXPECT_EQ(std::get<PublishPacket>(decode_ok(wire, ProtocolVersion::kV5)), p);
}

// Spec 1.5.4 example: "A" followed by U+2A6D4 encodes as 00 05 41 F0 AA 9B 94.
TEST(CodecVectorsTest, Utf8StringSpecExample) {
  PublishPacket p;
  p.topic = "A\xF0\xAA\x9B\x94";
  const Bytes wire = {0x30, 0x07, 0x00, 0x05, 0x41, 0xF0, 0xAA, 0x9B, 0x94};
  EXPECT_EQ(encode_to_bytes(p, ProtocolVersion::kV311), wire);
  EXPECT_EQ(std::get<PublishPacket>(decode_ok(wire, ProtocolVersion::kV311)), p);
}

// Spec 3.1.1 §3.8.3 example payload: "a/b" QoS 1, "c/d" QoS 2, packet identifier 10.
TEST(CodecVectorsTest, SubscribeSpecExample) {
  SubscribePacket s;
  s.packet_id = 10;
  s.subscriptions = {{"a/b", QoS::kAtLeastOnce, false, false, RetainHandling::kSendAtSubscribe},
                     {"c/d", QoS::kExactlyOnce, false, false, RetainHandling::kSendAtSubscribe}};
  const Bytes wire = {0x82, 0x0E, 0x00, 0x0A, 0x00, 0x03, 'a', '/',
                      'b',  0x01, 0x00, 0x03, 'c',  '/',  'd', 0x02};
  EXPECT_EQ(encode_to_bytes(s, ProtocolVersion::kV311), wire);
  EXPECT_EQ(std::get<SubscribePacket>(decode_ok(wire, ProtocolVersion::kV311)), s);
}

TEST(CodecVectorsTest, SubscribeOptionsV5) {
  SubscribePacket s;
  s.packet_id = 1;
  s.subscriptions = {{"a", QoS::kAtLeastOnce, true, true, RetainHandling::kDoNotSend}};
  s.properties.subscription_identifiers = {5};
  const Bytes wire = {0x82, 0x09, 0x00, 0x01, 0x02, 0x0B, 0x05, 0x00, 0x01, 'a', 0x2D};
  EXPECT_EQ(encode_to_bytes(s, ProtocolVersion::kV5), wire);
  EXPECT_EQ(std::get<SubscribePacket>(decode_ok(wire, ProtocolVersion::kV5)), s);
  // In 3.1.1 only the QoS is written.
  const Bytes v311 = {0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x01};
  EXPECT_EQ(encode_to_bytes(s, ProtocolVersion::kV311), v311);
}

// Spec 3.1.1 §3.9.3 example: granted QoS 0, granted QoS 2, failure.
TEST(CodecVectorsTest, Suback311SpecExampleMapsFailures) {
  SubackPacket s;
  s.packet_id = 10;
  s.reasons = {ReasonCode::kSuccess, ReasonCode::kGrantedQoS2, ReasonCode::kNotAuthorized};
  const Bytes wire = {0x90, 0x05, 0x00, 0x0A, 0x00, 0x02, 0x80};
  EXPECT_EQ(encode_to_bytes(s, ProtocolVersion::kV311), wire);
  const auto decoded = std::get<SubackPacket>(decode_ok(wire, ProtocolVersion::kV311));
  EXPECT_EQ(decoded.reasons,
            (std::vector<ReasonCode>{ReasonCode::kSuccess, ReasonCode::kGrantedQoS2,
                                     ReasonCode::kUnspecifiedError}));
  // v5 keeps the precise reason code.
  const Bytes v5 = {0x90, 0x06, 0x00, 0x0A, 0x00, 0x00, 0x02, 0x87};
  EXPECT_EQ(encode_to_bytes(s, ProtocolVersion::kV5), v5);
}

TEST(CodecVectorsTest, UnsubscribeAndUnsuback) {
  UnsubscribePacket u;
  u.packet_id = 10;
  u.filters = {"a/b", "c/d"};
  const Bytes wire = {0xA2, 0x0C, 0x00, 0x0A, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x03, 'c', '/', 'd'};
  EXPECT_EQ(encode_to_bytes(u, ProtocolVersion::kV311), wire);
  UnsubackPacket a;
  a.packet_id = 10;
  EXPECT_EQ(encode_to_bytes(a, ProtocolVersion::kV311), (Bytes{0xB0, 0x02, 0x00, 0x0A}));
  a.reasons = {ReasonCode::kSuccess, ReasonCode::kNoSubscriptionExisted};
  EXPECT_EQ(encode_to_bytes(a, ProtocolVersion::kV5),
            (Bytes{0xB0, 0x05, 0x00, 0x0A, 0x00, 0x00, 0x11}));
}

// In MQTT 3.1 the first CONNACK byte is reserved (the session-present flag came with 3.1.1).
TEST(CodecVectorsTest, V31ConnackSessionPresentIsReserved) {
  ConnackPacket c;
  c.session_present = true;
  EXPECT_EQ(encode_to_bytes(c, ProtocolVersion::kV31), (Bytes{0x20, 0x02, 0x00, 0x00}));
  // Decoding agrees (found by the decoder fuzzer: 20 02 01 00 must not round-trip to 00).
  const DecodeResult decoded = decode_packet(Bytes{0x20, 0x02, 0x01, 0x00}, ProtocolVersion::kV31);
  ASSERT_EQ(decoded.status, DecodeStatus::kOk);
  EXPECT_FALSE(std::get<ConnackPacket>(decoded.packet).session_present);
}

TEST(CodecVectorsTest, Connack311UsesReturnCodes) {
  ConnackPacket c;
  EXPECT_EQ(encode_to_bytes(c, ProtocolVersion::kV311), (Bytes{0x20, 0x02, 0x00, 0x00}));
  c.session_present = true;
  EXPECT_EQ(encode_to_bytes(c, ProtocolVersion::kV311), (Bytes{0x20, 0x02, 0x01, 0x00}));
  c.session_present = false;
  c.reason = ReasonCode::kUnsupportedProtocolVersion;
  EXPECT_EQ(encode_to_bytes(c, ProtocolVersion::kV311), (Bytes{0x20, 0x02, 0x00, 0x01}));
  c.reason = ReasonCode::kBadUserNameOrPassword;
  EXPECT_EQ(encode_to_bytes(c, ProtocolVersion::kV311), (Bytes{0x20, 0x02, 0x00, 0x04}));
  c.reason = ReasonCode::kBanned;
  EXPECT_EQ(encode_to_bytes(c, ProtocolVersion::kV311), (Bytes{0x20, 0x02, 0x00, 0x05}));
  c.reason = ReasonCode::kServerBusy;
  EXPECT_EQ(encode_to_bytes(c, ProtocolVersion::kV311), (Bytes{0x20, 0x02, 0x00, 0x03}));
  // v5: reason code and an (empty) property length.
  EXPECT_EQ(encode_to_bytes(c, ProtocolVersion::kV5), (Bytes{0x20, 0x03, 0x00, 0x89, 0x00}));
}

TEST(CodecVectorsTest, V5AcknowledgementsUseTheShortestForm) {
  AckPacket a;
  a.type = PacketType::kPuback;
  a.packet_id = 1;
  EXPECT_EQ(encode_to_bytes(a, ProtocolVersion::kV5), (Bytes{0x40, 0x02, 0x00, 0x01}));
  a.reason = ReasonCode::kNoMatchingSubscribers;
  EXPECT_EQ(encode_to_bytes(a, ProtocolVersion::kV5), (Bytes{0x40, 0x03, 0x00, 0x01, 0x10}));
  a.properties.reason_string = "r";
  EXPECT_EQ(encode_to_bytes(a, ProtocolVersion::kV5),
            (Bytes{0x40, 0x08, 0x00, 0x01, 0x10, 0x04, 0x1F, 0x00, 0x01, 'r'}));
  // 3.1.1 never carries a reason code.
  EXPECT_EQ(encode_to_bytes(a, ProtocolVersion::kV311), (Bytes{0x40, 0x02, 0x00, 0x01}));
  a = AckPacket{PacketType::kPubrel, 2, ReasonCode::kSuccess, {}};
  EXPECT_EQ(encode_to_bytes(a, ProtocolVersion::kV5), (Bytes{0x62, 0x02, 0x00, 0x02}));
}

TEST(CodecVectorsTest, PingDisconnectAuth) {
  EXPECT_EQ(encode_to_bytes(PingreqPacket{}, ProtocolVersion::kV311), (Bytes{0xC0, 0x00}));
  EXPECT_EQ(encode_to_bytes(PingrespPacket{}, ProtocolVersion::kV5), (Bytes{0xD0, 0x00}));
  EXPECT_EQ(encode_to_bytes(DisconnectPacket{}, ProtocolVersion::kV5), (Bytes{0xE0, 0x00}));
  DisconnectPacket d;
  d.reason = ReasonCode::kDisconnectWithWillMessage;
  EXPECT_EQ(encode_to_bytes(d, ProtocolVersion::kV5), (Bytes{0xE0, 0x01, 0x04}));
  EXPECT_EQ(encode_to_bytes(d, ProtocolVersion::kV311), (Bytes{0xE0, 0x00}));
  d.properties.session_expiry_interval = 0;
  EXPECT_EQ(encode_to_bytes(d, ProtocolVersion::kV5),
            (Bytes{0xE0, 0x07, 0x04, 0x05, 0x11, 0x00, 0x00, 0x00, 0x00}));
  AuthPacket a;
  a.reason = ReasonCode::kContinueAuthentication;
  a.properties.authentication_method = "M";
  EXPECT_EQ(encode_to_bytes(a, ProtocolVersion::kV5),
            (Bytes{0xF0, 0x06, 0x18, 0x04, 0x15, 0x00, 0x01, 'M'}));
}

TEST(CodecVectorsTest, EncodeAppendsToExistingBytes) {
  Bytes out{0xAA};
  encode_packet(PingreqPacket{}, ProtocolVersion::kV5, out);
  EXPECT_EQ(out, (Bytes{0xAA, 0xC0, 0x00}));
}

// The check reads ASCII 8 bytes at a time: a bad byte must be found at any offset of a long
// string, and a good multi-byte sequence accepted at any offset.
TEST(CodecVectorsTest, MqttUtf8RulesHoldAtEveryOffsetOfALongString) {
  const std::string ascii = "sensors/building-7/floor-3/room-12/temperature";
  ASSERT_TRUE(is_valid_mqtt_utf8(ascii));
  for (std::size_t at = 0; at < ascii.size(); ++at) {
    std::string with_nul = ascii;
    with_nul[at] = '\0';
    EXPECT_FALSE(is_valid_mqtt_utf8(with_nul)) << "U+0000 at " << at;
    for (const char bad : {'\x80', '\xBF', '\xC0', '\xFF'}) {
      std::string with_bad = ascii;
      with_bad[at] = bad;
      EXPECT_FALSE(is_valid_mqtt_utf8(with_bad)) << "byte " << int(bad & 0xFF) << " at " << at;
    }
    std::string with_e_acute = ascii;
    with_e_acute.replace(at, 1, "\xC3\xA9");
    EXPECT_TRUE(is_valid_mqtt_utf8(with_e_acute)) << "U+00E9 at " << at;
    std::string with_surrogate = ascii;
    with_surrogate.replace(at, 1, "\xED\xA0\x80");
    EXPECT_FALSE(is_valid_mqtt_utf8(with_surrogate)) << "U+D800 at " << at;
  }
  EXPECT_FALSE(is_valid_mqtt_utf8(ascii + "\xC3"));  // truncated after the 8-byte words
}

TEST(CodecVectorsTest, MqttUtf8Rules) {
  EXPECT_TRUE(is_valid_mqtt_utf8(""));
  EXPECT_TRUE(is_valid_mqtt_utf8("plain/ascii"));
  EXPECT_TRUE(is_valid_mqtt_utf8("\xC3\xA9"));                    // U+00E9
  EXPECT_TRUE(is_valid_mqtt_utf8("\xEF\xBF\xBF"));                // U+FFFF (non-character, allowed)
  EXPECT_TRUE(is_valid_mqtt_utf8("\xF4\x8F\xBF\xBF"));            // U+10FFFF
  EXPECT_TRUE(is_valid_mqtt_utf8("\xED\x9F\xBF"));                // U+D7FF, just below surrogates
  EXPECT_FALSE(is_valid_mqtt_utf8(std::string_view("a\0b", 3)));  // U+0000
  EXPECT_FALSE(is_valid_mqtt_utf8("\xED\xA0\x80"));               // U+D800 surrogate
  EXPECT_FALSE(is_valid_mqtt_utf8("\xED\xBF\xBF"));               // U+DFFF surrogate
  EXPECT_FALSE(is_valid_mqtt_utf8("\xC0\x80"));                   // overlong U+0000
  EXPECT_FALSE(is_valid_mqtt_utf8("\xE0\x80\xAF"));               // overlong '/'
  EXPECT_FALSE(is_valid_mqtt_utf8("\xF0\x80\x80\xAF"));           // overlong '/'
  EXPECT_FALSE(is_valid_mqtt_utf8("\xF4\x90\x80\x80"));           // above U+10FFFF
  EXPECT_FALSE(is_valid_mqtt_utf8("\xF8\x88\x80\x80\x80"));       // 5-byte form
  EXPECT_FALSE(is_valid_mqtt_utf8("\x80"));                       // lone continuation byte
  EXPECT_FALSE(is_valid_mqtt_utf8("\xC3"));                       // truncated sequence
}

}  // namespace
}  // namespace trustmq::mqtt

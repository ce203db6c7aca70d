// decode_packet_viewing_payload: the same packet as decode_packet, with a PUBLISH payload left
// in the input instead of copied.
#include <gtest/gtest.h>

#include "mqtt/codec.h"

namespace trustmq::mqtt {
namespace {

Bytes encoded(const Packet& packet, ProtocolVersion version) {
  Bytes out;
  encode_packet(packet, version, out);
  return out;
}

TEST(CodecPayloadView, PublishPayloadIsViewedInTheInput) {
  for (ProtocolVersion version : {ProtocolVersion::kV311, ProtocolVersion::kV5}) {
    PublishPacket publish;
    publish.topic = "a/b";
    publish.qos = QoS::kAtLeastOnce;
    publish.packet_id = 42;
    publish.payload = Bytes(300, 0x7e);
    if (version == ProtocolVersion::kV5) publish.properties.content_type = "text/plain";
    Bytes input = encoded(publish, version);
    input.push_back(0xC0);  // a following PINGREQ is not part of it
    input.push_back(0x00);

    ByteView payload;
    DecodeResult viewed = decode_packet_viewing_payload(input, version, 268435455, payload);
    DecodeResult copied = decode_packet(input, version);
    ASSERT_EQ(viewed.status, DecodeStatus::kOk);
    EXPECT_EQ(viewed.consumed, copied.consumed);
    ASSERT_EQ(payload.size(), 300u);
    EXPECT_EQ(payload.data() + payload.size(), input.data() + viewed.consumed);
    EXPECT_EQ(Bytes(payload.begin(), payload.end()), publish.payload);

    PublishPacket& without = std::get<PublishPacket>(viewed.packet);
    EXPECT_TRUE(without.payload.empty());
    without.payload.assign(payload.begin(), payload.end());
    EXPECT_EQ(viewed.packet, copied.packet);
  }
}

TEST(CodecPayloadView, OtherPacketsAndErrorsViewNothing) {
  ByteView payload(reinterpret_cast<const std::uint8_t*>("x"), 1);
  ConnectPacket connect;
  connect.client_id = "c";
  connect.will = Will{"w", Bytes{1, 2, 3}, QoS::kAtMostOnce, false, {}};
  const Bytes input = encoded(connect, ProtocolVersion::kV5);
  DecodeResult r = decode_packet_viewing_payload(input, ProtocolVersion::kV5, 268435455, payload);
  ASSERT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_TRUE(payload.empty());
  EXPECT_EQ(std::get<ConnectPacket>(r.packet).will->payload, (Bytes{1, 2, 3}));

  // A PUBLISH with QoS 3 is malformed.
  const Bytes bad = {0x36, 0x05, 0x00, 0x01, 'a', 0x00, 0x01};
  payload = ByteView(input);
  r = decode_packet_viewing_payload(bad, ProtocolVersion::kV311, 268435455, payload);
  EXPECT_EQ(r.status, DecodeStatus::kError);
  EXPECT_TRUE(payload.empty());
}

}  // namespace
}  // namespace trustmq::mqtt

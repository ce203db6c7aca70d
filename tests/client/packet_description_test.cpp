#include "client/packet_description.h"

#include <gtest/gtest.h>

namespace trustmq::client {
namespace {

TEST(PacketDescriptionTest, PublishLooksLikeMosquittoDebugOutput) {
  mqtt::PublishPacket p;
  p.qos = mqtt::QoS::kAtLeastOnce;
  p.packet_id = 7;
  p.topic = "a/b";
  p.payload = {'h', 'e', 'l', 'l', 'o'};
  EXPECT_EQ(describe_packet(p), "PUBLISH (d0, q1, r0, m7, 'a/b', ... (5 bytes))");
  p.retain = true;
  p.dup = true;
  EXPECT_EQ(describe_packet(p), "PUBLISH (d1, q1, r1, m7, 'a/b', ... (5 bytes))");
}

TEST(PacketDescriptionTest, AcksAndControlPackets) {
  EXPECT_EQ(describe_packet(mqtt::AckPacket{
                mqtt::PacketType::kPubrec, 3, mqtt::ReasonCode::kNoMatchingSubscribers, {}}),
            "PUBREC (Mid: 3, RC:16)");
  mqtt::ConnackPacket c;
  c.session_present = true;
  EXPECT_EQ(describe_packet(c), "CONNACK (0, session present)");
  mqtt::SubackPacket s;
  s.packet_id = 2;
  s.reasons = {mqtt::ReasonCode::kGrantedQoS2, mqtt::ReasonCode::kNotAuthorized};
  EXPECT_EQ(describe_packet(s), "SUBACK (Mid: 2, 2, 135)");
  EXPECT_EQ(describe_packet(mqtt::PingreqPacket{}), "PINGREQ");
  mqtt::ConnectPacket k;
  k.client_id = "me";
  k.version = mqtt::ProtocolVersion::kV5;
  k.keep_alive_seconds = 60;
  k.username = "u";
  EXPECT_EQ(describe_packet(k), "CONNECT (id 'me', v5, c1, k60, u'u')");
}

}  // namespace
}  // namespace trustmq::client

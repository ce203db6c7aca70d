// Acknowledgements that do not belong to a message's flow (PUBREC or PUBCOMP for a QoS 1
// message, PUBACK for a QoS 2 one, PUBCOMP before PUBREC) are protocol errors: the connection
// ends, in v5 with DISCONNECT 0x82, as mosquitto does. An acknowledgement for a packet id that
// is not in flight is ignored (it may be a late duplicate).
#include <gtest/gtest.h>

#include <string>

#include "broker_test_harness.h"

namespace trustmq::mqtt::testing {
namespace {

struct WrongAck {
  const char* name;
  QoS delivered_qos;
  PacketType answer;
  const char* logged;
};

class BrokerAckFlowTest : public ::testing::TestWithParam<std::tuple<WrongAck, ProtocolVersion>> {};

TEST_P(BrokerAckFlowTest, AckOfTheWrongFlowEndsTheConnection) {
  const auto& [wrong, version] = GetParam();
  BrokerHarness h;
  TestClient& sub = h.connected("sub", version);
  sub.subscribe("t", wrong.delivered_qos);
  TestClient& pub = h.connected("pub", version);
  pub.publish("t", "m", wrong.delivered_qos);
  auto delivered = sub.receive_publishes();
  ASSERT_EQ(delivered.size(), 1u);
  sub.send(ack(wrong.answer, delivered[0].packet_id));
  auto packets = sub.receive();
  if (version == kV5) {
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(std::get<DisconnectPacket>(packets[0]).reason, ReasonCode::kProtocolError);
  } else {
    EXPECT_TRUE(packets.empty());
  }
  EXPECT_TRUE(sub.closed());
  EXPECT_TRUE(h.host.logged(wrong.logged));
  EXPECT_FALSE(pub.closed());
}

INSTANTIATE_TEST_SUITE_P(
    WrongAcks, BrokerAckFlowTest,
    ::testing::Combine(
        ::testing::Values(WrongAck{"PubrecForQoS1", QoS::kAtLeastOnce, PacketType::kPubrec,
                                   "PUBREC for a QoS 1 message"},
                          WrongAck{"PubcompForQoS1", QoS::kAtLeastOnce, PacketType::kPubcomp,
                                   "PUBCOMP for a QoS 1 message"},
                          WrongAck{"PubackForQoS2", QoS::kExactlyOnce, PacketType::kPuback,
                                   "PUBACK for a QoS 2 message"},
                          WrongAck{"PubcompBeforePubrec", QoS::kExactlyOnce, PacketType::kPubcomp,
                                   "PUBCOMP before PUBREC"}),
        ::testing::Values(kV311, kV5)),
    [](const auto& info) {
      return std::string(std::get<0>(info.param).name) +
             (std::get<1>(info.param) == kV5 ? "V5" : "V311");
    });

TEST(BrokerAckFlow, AcksForUnknownIdsAreIgnored) {
  BrokerHarness h;
  TestClient& c = h.connected("c", kV5);
  c.send(ack(PacketType::kPuback, 77));
  c.send(ack(PacketType::kPubcomp, 78));
  EXPECT_TRUE(c.receive().empty());
  EXPECT_FALSE(c.closed());
  c.send(ack(PacketType::kPubrec, 79));  // answered with PUBREL 0x92, as before
  auto packets = c.receive();
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<AckPacket>(packets[0]).reason, ReasonCode::kPacketIdentifierNotFound);
  EXPECT_FALSE(c.closed());
}

TEST(BrokerAckFlow, RightFlowsStillComplete) {
  BrokerHarness h;
  TestClient& sub = h.connected("sub", kV5);
  sub.subscribe("t", QoS::kExactlyOnce);
  TestClient& pub = h.connected("pub", kV5);
  pub.publish("t", "m", QoS::kExactlyOnce);
  auto delivered = sub.receive_publishes();
  ASSERT_EQ(delivered.size(), 1u);
  const std::uint16_t id = delivered[0].packet_id;
  sub.send(ack(PacketType::kPubrec, id));
  auto pubrel = sub.receive();
  ASSERT_EQ(pubrel.size(), 1u);
  EXPECT_EQ(std::get<AckPacket>(pubrel[0]).type, PacketType::kPubrel);
  sub.send(ack(PacketType::kPubrec, id));  // a duplicate PUBREC: PUBREL again
  EXPECT_EQ(sub.receive().size(), 1u);
  sub.send(ack(PacketType::kPubcomp, id));
  EXPECT_TRUE(sub.receive().empty());
  EXPECT_FALSE(sub.closed());
}

}  // namespace
}  // namespace trustmq::mqtt::testing

// mosquitto's bridges set the protocol level's high bit (try_private, 0x83/0x84): the broker
// accepts them and treats their subscriptions as mosquitto does a bridge's — No Local and
// Retain As Published — so a bridge with `topic … both` does not get its own messages back.
#include <gtest/gtest.h>

#include "broker_test_harness.h"
#include "encode_to_bytes.h"
#include "mqtt/codec.h"

namespace trustmq::mqtt::testing {
namespace {

ConnectPacket bridge_connect(std::string client_id) {
  ConnectPacket p;
  p.client_id = std::move(client_id);
  p.bridge = true;
  return p;
}

TEST(BridgeProtocolBit, Level0x84DecodesAs311WithTheBridgeFlagAndEncodesBack) {
  ConnectPacket connect = bridge_connect("edge-bridge");
  connect.version = ProtocolVersion::kV311;
  const Bytes bytes = encode_to_bytes(Packet{connect}, kV311);
  ASSERT_GT(bytes.size(), 8u);
  EXPECT_EQ(bytes[8], 0x84);  // fixed header 2, name 2+4: the level byte
  const DecodeResult decoded = decode_packet(bytes, kV311);
  ASSERT_EQ(decoded.status, DecodeStatus::kOk);
  const auto& back = std::get<ConnectPacket>(decoded.packet);
  EXPECT_EQ(back.version, ProtocolVersion::kV311);
  EXPECT_TRUE(back.bridge);
  EXPECT_EQ(back, connect);
}

TEST(BridgeProtocolBit, BridgeGetsNeitherItsOwnMessagesBackNorLosesTheRetainFlag) {
  BrokerHarness h;
  TestClient& bridge = h.open(kV311);
  bridge.connect(bridge_connect("edge-bridge"));
  bridge.subscribe("chat/#", QoS::kAtLeastOnce);
  TestClient& local = h.connected("local", kV311);
  local.subscribe("chat/#", QoS::kAtLeastOnce);

  bridge.publish("chat/from-edge", "e", QoS::kAtLeastOnce, /*retain=*/false, 7);
  EXPECT_TRUE(bridge.receive_publishes().empty()) << "No Local: its own message came back";
  ASSERT_EQ(local.receive_publishes().size(), 1u);

  local.publish("chat/retained", "r", QoS::kAtMostOnce, /*retain=*/true);
  std::vector<PublishPacket> got = bridge.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].retain) << "Retain As Published: a bridge forwards the flag as set";
  got = local.receive_publishes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].retain) << "an ordinary 3.1.1 subscriber gets live messages unretained";
}

TEST(BridgeProtocolBit, PlainClientWithTheSameFiltersGetsItsOwnMessages) {
  BrokerHarness h;
  TestClient& plain = h.connected("plain", kV311);
  plain.subscribe("chat/#", QoS::kAtLeastOnce);
  plain.publish("chat/x", "p", QoS::kAtLeastOnce, false, 3);
  EXPECT_EQ(plain.receive_publishes().size(), 1u);
}

TEST(BridgeProtocolBit, OtherLevelsWithTheBitAreStillRefused) {
  BrokerHarness h;
  TestClient& client = h.open(kV311);
  ConnectPacket p = bridge_connect("x");
  p.version = kV311;
  Bytes connect = encode_to_bytes(Packet{p}, kV311);
  connect[8] = 0x85;  // MQTT 5 has No Local; 0x85 is no level
  client.send_raw(connect);
  const std::vector<Packet> answer = client.receive();
  ASSERT_FALSE(answer.empty());
  EXPECT_EQ(std::get<ConnackPacket>(answer.front()).reason,
            ReasonCode::kUnsupportedProtocolVersion);
  EXPECT_TRUE(client.closed());
}

}  // namespace
}  // namespace trustmq::mqtt::testing

// The client library against a scripted broker: the protocol corner cases (duplicate QoS 2
// deliveries, failure reasons, broker DISCONNECT, malformed input, missing PINGRESP).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "client/mqtt_client.h"
#include "client_connection.h"
#include "scripted_broker.h"

namespace trustmq::client {
namespace {

using namespace std::chrono_literals;
using mqtt::PacketType;
using testing::bytes;
using testing::local_endpoint;
using testing::options_for;
using testing::ScriptedBroker;
using testing::ScriptedConnection;
using testing::try_connect;

// Reads CONNECT and accepts it.
bool accept_connect(ScriptedConnection& c) {
  auto p = c.read();
  if (!p || !std::holds_alternative<mqtt::ConnectPacket>(*p)) return false;
  c.send(mqtt::ConnackPacket{});
  return true;
}

mqtt::PublishPacket publish(std::uint16_t id, mqtt::QoS qos, bool dup, std::string payload) {
  mqtt::PublishPacket p;
  p.topic = "s/t";
  p.packet_id = id;
  p.qos = qos;
  p.dup = dup;
  p.payload = bytes(payload);
  return p;
}

TEST(MqttClientProtocolTest, Qos2DeliveryIsPrintedOnceEvenIfResent) {
  std::vector<mqtt::Packet> seen;
  ScriptedBroker broker(mqtt::ProtocolVersion::kV311, [&seen](ScriptedConnection& c) {
    if (!accept_connect(c)) return;
    c.send(publish(5, mqtt::QoS::kExactlyOnce, false, "once"));
    if (auto p = c.read()) seen.push_back(*p);                  // PUBREC
    c.send(publish(5, mqtt::QoS::kExactlyOnce, true, "once"));  // re-sent before PUBREL
    if (auto p = c.read()) seen.push_back(*p);                  // PUBREC again
    c.send(mqtt::AckPacket{PacketType::kPubrel, 5, {}, {}});
    if (auto p = c.read()) seen.push_back(*p);  // PUBCOMP
    c.send(publish(6, mqtt::QoS::kAtLeastOnce, false, "next"));
    if (auto p = c.read()) seen.push_back(*p);  // PUBACK
    c.read();                                   // DISCONNECT or close
  });
  auto client =
      try_connect(local_endpoint(broker.port()), options_for(mqtt::ProtocolVersion::kV311, "q2"));
  ASSERT_TRUE(client.ok()) << client.error().message;
  auto first = client.value()->receive(Deadline::after(5s));
  ASSERT_TRUE(first.ok() && first.value().has_value());
  EXPECT_EQ(first.value()->payload, bytes("once"));
  auto second = client.value()->receive(Deadline::after(5s));
  ASSERT_TRUE(second.ok() && second.value().has_value());
  EXPECT_EQ(second.value()->payload, bytes("next"));  // not "once" a second time
  client.value()->disconnect();
  broker.join();
  const std::vector<mqtt::Packet> expected = {
      mqtt::AckPacket{PacketType::kPubrec, 5, {}, {}},
      mqtt::AckPacket{PacketType::kPubrec, 5, {}, {}},
      mqtt::AckPacket{PacketType::kPubcomp, 5, {}, {}},
      mqtt::AckPacket{PacketType::kPuback, 6, {}, {}},
  };
  EXPECT_EQ(seen, expected);
}

TEST(MqttClientProtocolTest, FailureReasonInPubackIsRejected) {
  ScriptedBroker broker(mqtt::ProtocolVersion::kV5, [](ScriptedConnection& c) {
    if (!accept_connect(c)) return;
    auto p = c.read();
    if (!p) return;
    const auto id = std::get<mqtt::PublishPacket>(*p).packet_id;
    c.send(mqtt::AckPacket{PacketType::kPuback, id, mqtt::ReasonCode::kNotAuthorized, {}});
    c.read();
  });
  auto client =
      try_connect(local_endpoint(broker.port()), options_for(mqtt::ProtocolVersion::kV5, "r"));
  ASSERT_TRUE(client.ok());
  auto r = client.value()->publish("x", bytes("y"), mqtt::QoS::kAtLeastOnce, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ClientErrorKind::kRejected);
  EXPECT_EQ(r.error().reason, mqtt::ReasonCode::kNotAuthorized);
}

TEST(MqttClientProtocolTest, Qos2StopsAtFailedPubrec) {
  std::vector<mqtt::Packet> seen;
  ScriptedBroker broker(mqtt::ProtocolVersion::kV5, [&seen](ScriptedConnection& c) {
    if (!accept_connect(c)) return;
    auto p = c.read();
    if (!p) return;
    const auto id = std::get<mqtt::PublishPacket>(*p).packet_id;
    c.send(mqtt::AckPacket{PacketType::kPubrec, id, mqtt::ReasonCode::kQuotaExceeded, {}});
    while (auto next = c.read()) seen.push_back(*next);
  });
  auto client =
      try_connect(local_endpoint(broker.port()), options_for(mqtt::ProtocolVersion::kV5, "r"));
  ASSERT_TRUE(client.ok());
  auto r = client.value()->publish("x", bytes("y"), mqtt::QoS::kExactlyOnce, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, mqtt::ReasonCode::kQuotaExceeded);
  client.value()->disconnect();
  broker.join();
  // No PUBREL after a failed PUBREC: only the DISCONNECT.
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<mqtt::DisconnectPacket>(seen[0]));
}

TEST(MqttClientProtocolTest, BrokerDisconnectCarriesReason) {
  ScriptedBroker broker(mqtt::ProtocolVersion::kV5, [](ScriptedConnection& c) {
    if (!accept_connect(c)) return;
    mqtt::DisconnectPacket d;
    d.reason = mqtt::ReasonCode::kSessionTakenOver;
    c.send(d);
  });
  auto client =
      try_connect(local_endpoint(broker.port()), options_for(mqtt::ProtocolVersion::kV5, "d"));
  ASSERT_TRUE(client.ok());
  auto m = client.value()->receive(Deadline::after(5s));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().kind, ClientErrorKind::kDisconnected);
  EXPECT_EQ(m.error().reason, mqtt::ReasonCode::kSessionTakenOver);
}

// Re-authentication (MQTT 5 AUTH, used by post-handshake attestation): what the client accepts
// from the broker and what it refuses.
ConnectOptions reauthenticating(std::string id) {
  ConnectOptions o = options_for(mqtt::ProtocolVersion::kV5, std::move(id));
  o.authentication_method = "trustmq-attest-v1";
  o.authentication_data = bytes("request-1");
  return o;
}

mqtt::AuthPacket auth_answer(mqtt::ReasonCode reason, std::string data) {
  mqtt::AuthPacket a;
  a.reason = reason;
  a.properties.authentication_method = "trustmq-attest-v1";
  a.properties.authentication_data = bytes(data);
  return a;
}

TEST(MqttClientProtocolTest, ReauthenticationSendsAuth0x19AndReturnsTheAnswer) {
  std::vector<mqtt::Packet> seen;
  ScriptedBroker broker(mqtt::ProtocolVersion::kV5, [&seen](ScriptedConnection& c) {
    auto connect = c.read();
    if (!connect) return;
    seen.push_back(*connect);
    c.send(mqtt::ConnackPacket{});
    auto auth = c.read();
    if (!auth) return;
    seen.push_back(*auth);
    c.send(auth_answer(mqtt::ReasonCode::kSuccess, "evidence-2"));
    c.read();
  });
  auto client = try_connect(local_endpoint(broker.port()), reauthenticating("r"));
  ASSERT_TRUE(client.ok()) << client.error().message;
  auto answer = client.value()->reauthenticate(bytes("request-2"));
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_EQ(answer->properties.authentication_data, bytes("evidence-2"));
  client.value()->disconnect();
  broker.join();
  ASSERT_EQ(seen.size(), 2u);
  const auto& connect = std::get<mqtt::ConnectPacket>(seen[0]);
  EXPECT_EQ(connect.properties.authentication_method, "trustmq-attest-v1");
  EXPECT_EQ(connect.properties.authentication_data, bytes("request-1"));
  const auto& auth = std::get<mqtt::AuthPacket>(seen[1]);
  EXPECT_EQ(auth.reason, mqtt::ReasonCode::kReAuthenticate);
  EXPECT_EQ(auth.properties.authentication_data, bytes("request-2"));
}

TEST(MqttClientProtocolTest, UnsolicitedAuthFromTheBrokerEndsTheConnection) {
  // A replayed AUTH answer arriving when the client asked for nothing.
  ScriptedBroker broker(mqtt::ProtocolVersion::kV5, [](ScriptedConnection& c) {
    if (!accept_connect(c)) return;
    c.send(auth_answer(mqtt::ReasonCode::kSuccess, "old evidence"));
    c.read();
  });
  auto client = try_connect(local_endpoint(broker.port()), reauthenticating("u"));
  ASSERT_TRUE(client.ok());
  auto m = client.value()->receive(Deadline::after(5s));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().kind, ClientErrorKind::kProtocol);
  EXPECT_NE(m.error().message.find("unexpected AUTH"), std::string::npos) << m.error().message;
}

TEST(MqttClientProtocolTest, ReauthenticationRefusedByDisconnectOrContinueFails) {
  for (bool disconnect : {true, false}) {
    ScriptedBroker broker(mqtt::ProtocolVersion::kV5, [disconnect](ScriptedConnection& c) {
      if (!accept_connect(c)) return;
      if (!c.read()) return;
      if (disconnect) {
        mqtt::DisconnectPacket d;
        d.reason = mqtt::ReasonCode::kNotAuthorized;
        c.send(d);
      } else {
        c.send(auth_answer(mqtt::ReasonCode::kContinueAuthentication, "more?"));
      }
      c.read();
    });
    auto client = try_connect(local_endpoint(broker.port()), reauthenticating("x"));
    ASSERT_TRUE(client.ok());
    auto answer = client.value()->reauthenticate(bytes("request-2"));
    ASSERT_FALSE(answer.ok());
    if (disconnect) {
      EXPECT_EQ(answer.error().kind, ClientErrorKind::kDisconnected);
      EXPECT_EQ(answer.error().reason, mqtt::ReasonCode::kNotAuthorized);
    } else {
      EXPECT_EQ(answer.error().kind, ClientErrorKind::kProtocol);
    }
    client.value()->disconnect();
  }
}

TEST(MqttClientProtocolTest, MalformedPacketIsAProtocolError) {
  ScriptedBroker broker(mqtt::ProtocolVersion::kV311, [](ScriptedConnection& c) {
    if (!accept_connect(c)) return;
    c.send_raw({0x30, 0x02, 0x00, 0x05});  // PUBLISH whose topic length runs past the packet
    c.read();
  });
  auto client =
      try_connect(local_endpoint(broker.port()), options_for(mqtt::ProtocolVersion::kV311, "m"));
  ASSERT_TRUE(client.ok());
  auto m = client.value()->receive(Deadline::after(5s));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().kind, ClientErrorKind::kProtocol);
}

TEST(MqttClientProtocolTest, MissingPingrespEndsTheConnection) {
  int pings = 0;
  ScriptedBroker broker(mqtt::ProtocolVersion::kV311, [&pings](ScriptedConnection& c) {
    if (!accept_connect(c)) return;
    while (auto p = c.read()) pings += std::holds_alternative<mqtt::PingreqPacket>(*p);
  });
  auto o = options_for(mqtt::ProtocolVersion::kV311, "k");
  o.keep_alive_seconds = 1;
  auto client = try_connect(local_endpoint(broker.port()), o);
  ASSERT_TRUE(client.ok());
  const auto start = std::chrono::steady_clock::now();
  auto r = client.value()->idle_until(Deadline::after(10s));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ClientErrorKind::kTimeout);
  EXPECT_EQ(r.error().message, "no PINGRESP within the keep-alive interval");
  EXPECT_GE(took, 1900ms);  // PINGREQ after 1 s, then 1 s without answer
  EXPECT_LT(took, 3500ms);
  client.value().reset();
  broker.join();
  EXPECT_EQ(pings, 1);
}

TEST(MqttClientProtocolTest, ConnackRefusalInMqtt311) {
  ScriptedBroker broker(mqtt::ProtocolVersion::kV311, [](ScriptedConnection& c) {
    if (!c.read()) return;
    c.send_raw({0x20, 0x02, 0x00, 0x04});  // CONNACK, return code 4: bad user name or password
  });
  auto client =
      try_connect(local_endpoint(broker.port()), options_for(mqtt::ProtocolVersion::kV311, "c"));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().kind, ClientErrorKind::kConnectionRefused);
  EXPECT_EQ(client.error().reason, mqtt::ReasonCode::kBadUserNameOrPassword);
}

// Manual acknowledgement (a bridge acknowledges to its own broker only once the remote has a
// message): no PUBACK or PUBREC leaves before acknowledge(); then exactly one each.
TEST(MqttClientProtocolTest, ManualAcknowledgementWaitsForAcknowledge) {
  std::vector<mqtt::Packet> seen;
  ScriptedBroker broker(mqtt::ProtocolVersion::kV5, [&seen](ScriptedConnection& c) {
    if (!accept_connect(c)) return;
    c.send(publish(7, mqtt::QoS::kAtLeastOnce, false, "one"));
    c.send(publish(8, mqtt::QoS::kExactlyOnce, false, "two"));
    c.send(publish(8, mqtt::QoS::kExactlyOnce, true, "two"));  // re-sent, not yet acknowledged
    for (int i = 0; i < 4; ++i) {
      auto p = c.read();  // PINGREQ, then PUBREC 8, PUBACK 7, PUBCOMP 8
      if (!p) return;
      seen.push_back(*p);
      if (std::holds_alternative<mqtt::PingreqPacket>(*p)) c.send(mqtt::PingrespPacket{});
      if (const auto* a = std::get_if<mqtt::AckPacket>(&*p); a && a->type == PacketType::kPubrec) {
        c.send(mqtt::AckPacket{PacketType::kPubrel, 8, {}, {}});
      }
    }
    c.read();  // DISCONNECT or close
  });
  ConnectOptions options = options_for(mqtt::ProtocolVersion::kV5, "manual");
  options.manual_acknowledgement = true;
  auto client = try_connect(local_endpoint(broker.port()), options);
  ASSERT_TRUE(client.ok()) << client.error().message;
  MqttClient& c = *client.value();
  auto one = c.receive(Deadline::after(5s));
  ASSERT_TRUE(one.ok() && one.value().has_value());
  EXPECT_EQ(one.value()->packet_id, 7);
  auto two = c.receive(Deadline::after(5s));
  ASSERT_TRUE(two.ok() && two.value().has_value());
  EXPECT_EQ(two.value()->packet_id, 8);
  // The re-sent QoS 2 PUBLISH is neither delivered again nor answered.
  auto none = c.receive(Deadline::after(300ms));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none.value().has_value());
  ASSERT_TRUE(c.ping().ok());  // the first packet the broker reads: nothing was acknowledged
  ASSERT_TRUE(c.acknowledge(mqtt::QoS::kExactlyOnce, 8).ok());
  ASSERT_TRUE(c.acknowledge(mqtt::QoS::kAtLeastOnce, 7).ok());
  ASSERT_TRUE(c.acknowledge(mqtt::QoS::kAtLeastOnce, 7).ok());  // twice: nothing more is sent
  ASSERT_TRUE(c.idle_until(Deadline::after(300ms)).ok());       // PUBREL 8 answered
  c.disconnect();
  broker.join();
  const std::vector<mqtt::Packet> expected = {
      mqtt::PingreqPacket{},
      mqtt::AckPacket{PacketType::kPubrec, 8, {}, {}},
      mqtt::AckPacket{PacketType::kPuback, 7, {}, {}},
      mqtt::AckPacket{PacketType::kPubcomp, 8, {}, {}},
  };
  EXPECT_EQ(seen, expected);
}

// A QoS 2 message never acknowledged gets no PUBREL: disconnect() does not wait for one.
TEST(MqttClientProtocolTest, DisconnectDoesNotWaitForAnUnacknowledgedQos2Message) {
  std::optional<mqtt::Packet> after;
  ScriptedBroker broker(mqtt::ProtocolVersion::kV5, [&after](ScriptedConnection& c) {
    if (!accept_connect(c)) return;
    c.send(publish(3, mqtt::QoS::kExactlyOnce, false, "kept"));
    after = c.read();
  });
  ConnectOptions options = options_for(mqtt::ProtocolVersion::kV5, "manual2");
  options.manual_acknowledgement = true;
  auto client = try_connect(local_endpoint(broker.port()), options);
  ASSERT_TRUE(client.ok()) << client.error().message;
  auto m = client.value()->receive(Deadline::after(5s));
  ASSERT_TRUE(m.ok() && m.value().has_value());
  const auto start = std::chrono::steady_clock::now();
  client.value()->disconnect();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  broker.join();
  ASSERT_TRUE(after.has_value());
  EXPECT_TRUE(std::holds_alternative<mqtt::DisconnectPacket>(*after));  // no PUBREC
}

// try_private: the protocol level of CONNECT carries the bridge bit (0x84 for 3.1.1).
TEST(MqttClientProtocolTest, BridgeProtocolBitIsSetInConnect) {
  mqtt::Bytes connect;
  ScriptedBroker broker(mqtt::ProtocolVersion::kV311, [&connect](ScriptedConnection& c) {
    connect = c.read_raw();
    c.send_raw({0x20, 0x02, 0x00, 0x01});  // CONNACK, return code 1 (unacceptable level)
  });
  ConnectOptions options = options_for(mqtt::ProtocolVersion::kV311, "bridge-bit");
  options.bridge_protocol_bit = true;
  auto client = try_connect(local_endpoint(broker.port()), options);
  broker.join();
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().kind, ClientErrorKind::kConnectionRefused);
  EXPECT_EQ(client.error().reason, mqtt::ReasonCode::kUnsupportedProtocolVersion);
  // 0x10, remaining length, 0x00 0x04 "MQTT", level.
  ASSERT_GT(connect.size(), 8u);
  EXPECT_EQ(connect[0], 0x10);
  EXPECT_EQ(std::string(connect.begin() + 4, connect.begin() + 8), "MQTT");
  EXPECT_EQ(connect[8], 0x84);
}

}  // namespace
}  // namespace trustmq::client

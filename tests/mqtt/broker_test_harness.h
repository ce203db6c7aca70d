// Drives a Broker with encoded packets over fake connections and a fake clock; shared by the
// broker_*_test.cpp files.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fake_broker_host.h"
#include "mqtt/broker.h"
#include "mqtt/codec.h"

namespace trustmq::mqtt::testing {

inline constexpr ProtocolVersion kV5 = ProtocolVersion::kV5;
inline constexpr ProtocolVersion kV311 = ProtocolVersion::kV311;

// PUBACK, PUBREC, PUBREL or PUBCOMP for `id`.
inline AckPacket ack(PacketType type, std::uint16_t id, ReasonCode reason = ReasonCode::kSuccess) {
  AckPacket a;
  a.type = type;
  a.packet_id = id;
  a.reason = reason;
  return a;
}

inline Bytes to_bytes(std::string_view text) { return Bytes(text.begin(), text.end()); }
inline std::string to_string(const Bytes& bytes) { return std::string(bytes.begin(), bytes.end()); }

class BrokerHarness;

// One simulated client connection.
class TestClient {
 public:
  TestClient(BrokerHarness& harness, ConnectionId conn, ProtocolVersion version)
      : harness_(harness), conn_(conn), version_(version) {}

  ConnectionId conn() const { return conn_; }
  ProtocolVersion version() const { return version_; }

  void send(const Packet& packet);
  void send_raw(const Bytes& bytes);
  // Everything the broker sent to this client since the last call, decoded.
  std::vector<Packet> receive();
  // Only the PUBLISH packets of receive() (others are discarded).
  std::vector<PublishPacket> receive_publishes();
  bool closed() const;
  void close();  // the network connection goes away

  // CONNECT and expect a successful CONNACK; returns it.
  ConnackPacket connect(ConnectPacket connect);
  ConnackPacket connect(std::string client_id, bool clean_start = true) {
    ConnectPacket p;
    p.client_id = std::move(client_id);
    p.clean_start = clean_start;
    return connect(std::move(p));
  }
  // Sends CONNECT and returns whatever came back (CONNACK or nothing).
  std::vector<Packet> try_connect(ConnectPacket connect);

  SubackPacket subscribe(const std::string& filter, QoS qos = QoS::kAtMostOnce,
                         std::uint32_t subscription_id = 0);
  SubackPacket subscribe(SubscribePacket packet);
  void publish(const std::string& topic, std::string_view payload, QoS qos = QoS::kAtMostOnce,
               bool retain = false, std::uint16_t packet_id = 0);
  void publish(PublishPacket packet);

 private:
  BrokerHarness& harness_;
  ConnectionId conn_;
  ProtocolVersion version_;
  std::vector<Packet> pending_;  // received after a CONNACK/SUBACK that a helper consumed
};

class BrokerHarness {
 public:
  explicit BrokerHarness(BrokerConfig config = default_config()) : config_(config) {
    broker_ = std::make_unique<Broker>(std::move(config), host, now);
  }

  static BrokerConfig default_config() {
    BrokerConfig config;
    config.allow_anonymous = true;
    config.sys_interval_seconds = 0;
    return config;
  }

  TestClient& open(ProtocolVersion version = ProtocolVersion::kV5, PeerInfo peer = {}) {
    ConnectionId id = next_conn_++;
    if (peer.address.empty()) peer.address = "10.0.0.1:" + std::to_string(1000 + id);
    broker_->on_open(id, peer, now);
    clients_.push_back(std::make_unique<TestClient>(*this, id, version));
    return *clients_.back();
  }

  // Opens and connects a client with a fresh clean session.
  TestClient& connected(std::string client_id, ProtocolVersion version = ProtocolVersion::kV5) {
    TestClient& c = open(version);
    c.connect(std::move(client_id));
    return c;
  }

  // Advances the fake clock and runs on_tick; returns its next deadline.
  TimeMs advance(TimeMs ms) {
    now += ms;
    return broker_->on_tick(now);
  }

  Broker& broker() { return *broker_; }

  FakeBrokerHost host;
  TimeMs now = 1'000'000;

 private:
  BrokerConfig config_;
  std::unique_ptr<Broker> broker_;
  std::vector<std::unique_ptr<TestClient>> clients_;
  ConnectionId next_conn_ = 1;
};

inline void TestClient::send(const Packet& packet) {
  Bytes bytes;
  encode_packet(packet, version_, bytes);
  send_raw(bytes);
}

inline void TestClient::send_raw(const Bytes& bytes) {
  harness_.broker().on_data(conn_, bytes, harness_.now);
}

inline std::vector<Packet> TestClient::receive() {
  std::vector<Packet> out = std::move(pending_);
  pending_.clear();
  for (auto& p : harness_.host.take(conn_, version_)) out.push_back(std::move(p));
  return out;
}

inline std::vector<PublishPacket> TestClient::receive_publishes() {
  std::vector<PublishPacket> out;
  for (auto& p : receive()) {
    if (auto* publish = std::get_if<PublishPacket>(&p)) out.push_back(std::move(*publish));
  }
  return out;
}

inline bool TestClient::closed() const { return harness_.host.was_closed(conn_); }

inline void TestClient::close() { harness_.broker().on_close(conn_, harness_.now); }

inline std::vector<Packet> TestClient::try_connect(ConnectPacket connect) {
  connect.version = version_;
  if (version_ == ProtocolVersion::kV31) connect.protocol_name = "MQIsdp";
  send(connect);
  return receive();
}

inline ConnackPacket TestClient::connect(ConnectPacket connect) {
  std::vector<Packet> packets = try_connect(std::move(connect));
  EXPECT_FALSE(packets.empty());
  if (packets.empty()) return {};
  auto* connack = std::get_if<ConnackPacket>(&packets.front());
  EXPECT_NE(connack, nullptr);
  if (connack == nullptr) return {};
  EXPECT_EQ(connack->reason, ReasonCode::kSuccess);
  ConnackPacket result = *connack;
  pending_.assign(std::make_move_iterator(packets.begin() + 1),
                  std::make_move_iterator(packets.end()));
  return result;
}

inline SubackPacket TestClient::subscribe(SubscribePacket packet) {
  send(packet);
  std::vector<Packet> packets = receive();
  for (std::size_t i = 0; i < packets.size(); ++i) {
    if (auto* suback = std::get_if<SubackPacket>(&packets[i])) {
      SubackPacket result = *suback;
      for (std::size_t j = 0; j < packets.size(); ++j) {
        if (j != i) pending_.push_back(std::move(packets[j]));
      }
      return result;
    }
  }
  ADD_FAILURE() << "no SUBACK";
  return {};
}

inline SubackPacket TestClient::subscribe(const std::string& filter, QoS qos,
                                          std::uint32_t subscription_id) {
  SubscribePacket packet;
  packet.packet_id = 1;
  SubscriptionRequest request;
  request.filter = filter;
  request.max_qos = qos;
  packet.subscriptions.push_back(request);
  if (subscription_id != 0) packet.properties.subscription_identifiers.push_back(subscription_id);
  return subscribe(std::move(packet));
}

inline void TestClient::publish(PublishPacket packet) { send(packet); }

inline void TestClient::publish(const std::string& topic, std::string_view payload, QoS qos,
                                bool retain, std::uint16_t packet_id) {
  PublishPacket p;
  p.topic = topic;
  p.payload = to_bytes(payload);
  p.qos = qos;
  p.retain = retain;
  p.packet_id = qos == QoS::kAtMostOnce ? 0 : (packet_id == 0 ? 1 : packet_id);
  publish(std::move(p));
}

}  // namespace trustmq::mqtt::testing

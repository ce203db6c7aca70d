#include "client/packet_description.h"

#include <type_traits>

namespace trustmq::client {

namespace {

const char* ack_name(mqtt::PacketType t) {
  switch (t) {
    case mqtt::PacketType::kPuback:
      return "PUBACK";
    case mqtt::PacketType::kPubrec:
      return "PUBREC";
    case mqtt::PacketType::kPubrel:
      return "PUBREL";
    case mqtt::PacketType::kPubcomp:
      return "PUBCOMP";
    default:
      return "ACK?";
  }
}

std::string rc(mqtt::ReasonCode r) { return std::to_string(static_cast<int>(r)); }

}  // namespace

std::string describe_packet(const mqtt::Packet& packet) {
  return std::visit(
      [](const auto& p) -> std::string {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, mqtt::ConnectPacket>) {
          return "CONNECT (id '" + p.client_id + "', v" +
                 std::to_string(static_cast<int>(p.version)) + ", c" + (p.clean_start ? "1" : "0") +
                 ", k" + std::to_string(p.keep_alive_seconds) +
                 (p.username ? ", u'" + *p.username + "'" : "") + (p.will ? ", will" : "") + ")";
        } else if constexpr (std::is_same_v<T, mqtt::ConnackPacket>) {
          return "CONNACK (" + rc(p.reason) + (p.session_present ? ", session present" : "") + ")";
        } else if constexpr (std::is_same_v<T, mqtt::PublishPacket>) {
          return "PUBLISH (d" + std::to_string(p.dup ? 1 : 0) + ", q" +
                 std::to_string(static_cast<int>(p.qos)) + ", r" + (p.retain ? "1" : "0") + ", m" +
                 std::to_string(p.packet_id) + ", '" + p.topic + "', ... (" +
                 std::to_string(p.payload.size()) + " bytes))";
        } else if constexpr (std::is_same_v<T, mqtt::AckPacket>) {
          return std::string(ack_name(p.type)) + " (Mid: " + std::to_string(p.packet_id) +
                 ", RC:" + rc(p.reason) + ")";
        } else if constexpr (std::is_same_v<T, mqtt::SubscribePacket>) {
          std::string s = "SUBSCRIBE (Mid: " + std::to_string(p.packet_id);
          for (const auto& r : p.subscriptions) {
            s += ", '" + r.filter + "' q" + std::to_string(static_cast<int>(r.max_qos));
          }
          return s + ")";
        } else if constexpr (std::is_same_v<T, mqtt::SubackPacket>) {
          std::string s = "SUBACK (Mid: " + std::to_string(p.packet_id);
          for (auto r : p.reasons) s += ", " + rc(r);
          return s + ")";
        } else if constexpr (std::is_same_v<T, mqtt::UnsubscribePacket>) {
          std::string s = "UNSUBSCRIBE (Mid: " + std::to_string(p.packet_id);
          for (const auto& f : p.filters) s += ", '" + f + "'";
          return s + ")";
        } else if constexpr (std::is_same_v<T, mqtt::UnsubackPacket>) {
          return "UNSUBACK (Mid: " + std::to_string(p.packet_id) + ")";
        } else if constexpr (std::is_same_v<T, mqtt::PingreqPacket>) {
          return "PINGREQ";
        } else if constexpr (std::is_same_v<T, mqtt::PingrespPacket>) {
          return "PINGRESP";
        } else if constexpr (std::is_same_v<T, mqtt::DisconnectPacket>) {
          return "DISCONNECT (" + rc(p.reason) + ")";
        } else {
          return "AUTH (" + rc(p.reason) + ")";
        }
      },
      packet);
}

}  // namespace trustmq::client

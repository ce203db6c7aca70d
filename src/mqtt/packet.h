// In-memory form of every MQTT control packet (3.1, 3.1.1, 5.0). The codec (codec.h) turns
// bytes into these and back; the broker works only with these.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "mqtt/properties.h"
#include "mqtt/reason_code.h"
#include "mqtt/types.h"

namespace trustmq::mqtt {

struct Will {
  std::string topic;
  Bytes payload;
  QoS qos = QoS::kAtMostOnce;
  bool retain = false;
  Properties properties;  // v5 will properties (will delay, expiry, content type, ...)
  bool operator==(const Will&) const = default;
};

struct ConnectPacket {
  ProtocolVersion version = ProtocolVersion::kV5;
  std::string protocol_name = "MQTT";  // "MQIsdp" for 3.1
  bool clean_start = true;             // "clean session" in 3.1.1
  std::uint16_t keep_alive_seconds = 0;
  std::string client_id;
  std::optional<Will> will;
  std::optional<std::string> username;
  std::optional<Bytes> password;
  Properties properties;
  // The protocol level had its high bit set (0x83, 0x84): a mosquitto bridge's `try_private`,
  // asking to be treated as a bridge (no local, retain as published on its subscriptions).
  bool bridge = false;
  bool operator==(const ConnectPacket&) const = default;
};

struct ConnackPacket {
  bool session_present = false;
  ReasonCode reason = ReasonCode::kSuccess;  // encoded as a 3.1.1 return code for v3
  Properties properties;
  bool operator==(const ConnackPacket&) const = default;
};

struct PublishPacket {
  bool dup = false;
  QoS qos = QoS::kAtMostOnce;
  bool retain = false;
  std::string topic;            // may be empty in v5 when a topic alias is used
  std::uint16_t packet_id = 0;  // only for QoS > 0
  Properties properties;
  Bytes payload;
  bool operator==(const PublishPacket&) const = default;
};

// PUBACK, PUBREC, PUBREL, PUBCOMP share one shape.
struct AckPacket {
  PacketType type = PacketType::kPuback;
  std::uint16_t packet_id = 0;
  ReasonCode reason = ReasonCode::kSuccess;
  Properties properties;
  bool operator==(const AckPacket&) const = default;
};

enum class RetainHandling : std::uint8_t {
  kSendAtSubscribe = 0,
  kSendAtSubscribeIfNew = 1,
  kDoNotSend = 2,
};

struct SubscriptionRequest {
  std::string filter;
  QoS max_qos = QoS::kAtMostOnce;
  bool no_local = false;
  bool retain_as_published = false;
  RetainHandling retain_handling = RetainHandling::kSendAtSubscribe;
  bool operator==(const SubscriptionRequest&) const = default;
};

struct SubscribePacket {
  std::uint16_t packet_id = 0;
  Properties properties;  // subscription identifier, user properties
  std::vector<SubscriptionRequest> subscriptions;
  bool operator==(const SubscribePacket&) const = default;
};

struct SubackPacket {
  std::uint16_t packet_id = 0;
  Properties properties;
  std::vector<ReasonCode> reasons;  // 0x80 maps to the 3.1.1 failure code 0x80
  bool operator==(const SubackPacket&) const = default;
};

struct UnsubscribePacket {
  std::uint16_t packet_id = 0;
  Properties properties;
  std::vector<std::string> filters;
  bool operator==(const UnsubscribePacket&) const = default;
};

struct UnsubackPacket {
  std::uint16_t packet_id = 0;
  Properties properties;
  std::vector<ReasonCode> reasons;  // empty for 3.1.1
  bool operator==(const UnsubackPacket&) const = default;
};

struct PingreqPacket {
  bool operator==(const PingreqPacket&) const = default;
};
struct PingrespPacket {
  bool operator==(const PingrespPacket&) const = default;
};

struct DisconnectPacket {
  ReasonCode reason = ReasonCode::kSuccess;
  Properties properties;
  bool operator==(const DisconnectPacket&) const = default;
};

struct AuthPacket {
  ReasonCode reason = ReasonCode::kSuccess;
  Properties properties;
  bool operator==(const AuthPacket&) const = default;
};

using Packet = std::variant<ConnectPacket, ConnackPacket, PublishPacket, AckPacket, SubscribePacket,
                            SubackPacket, UnsubscribePacket, UnsubackPacket, PingreqPacket,
                            PingrespPacket, DisconnectPacket, AuthPacket>;

}  // namespace trustmq::mqtt

// Basic vocabulary of the MQTT core. No OS, no exceptions: see docs/architecture.md, Conventions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace trustmq::mqtt {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Identifies one network connection; chosen by the host, never reused while open.
using ConnectionId = std::uint32_t;

// Monotonic milliseconds supplied by the host; the core never reads a clock.
using TimeMs = std::uint64_t;

// Value of the CONNECT "protocol level" byte.
enum class ProtocolVersion : std::uint8_t { kV31 = 3, kV311 = 4, kV5 = 5 };

// MQTT 5 carries reason codes and properties; 3.1 and 3.1.1 do not.
constexpr bool is_v5(ProtocolVersion version) { return version == ProtocolVersion::kV5; }

// The CONNECT "protocol level" byte of `version`: 3, 4 or 5.
constexpr std::uint8_t protocol_level(ProtocolVersion version) {
  return static_cast<std::uint8_t>(version);
}

enum class QoS : std::uint8_t { kAtMostOnce = 0, kAtLeastOnce = 1, kExactlyOnce = 2 };

constexpr QoS min_qos(QoS a, QoS b) { return a < b ? a : b; }

enum class PacketType : std::uint8_t {
  kConnect = 1,
  kConnack = 2,
  kPublish = 3,
  kPuback = 4,
  kPubrec = 5,
  kPubrel = 6,
  kPubcomp = 7,
  kSubscribe = 8,
  kSuback = 9,
  kUnsubscribe = 10,
  kUnsuback = 11,
  kPingreq = 12,
  kPingresp = 13,
  kDisconnect = 14,
  kAuth = 15,
};

}  // namespace trustmq::mqtt

// Limits MQTT itself sets, named once (docs/architecture.md, Limits against hostile clients).
#pragma once

#include <cstdint>

namespace trustmq::mqtt {

// The largest value of a variable byte integer (spec §1.5.5), so the largest remaining length
// and the largest packet size a peer may announce or accept.
inline constexpr std::uint32_t kMaxPacketSize = 268435455;

// The largest Receive Maximum (spec §3.1.2.11.3, §3.2.2.3.3): a 16-bit count of QoS 1/2
// PUBLISH packets awaiting acknowledgement.
inline constexpr std::uint32_t kMaxReceiveMaximum = 65535;

// "0 means 65535": a Receive Maximum of 0 (or a max_inflight_messages of 0, "no limit of our
// own") stands for the protocol's largest.
constexpr std::uint32_t zero_means_max_receive(std::uint32_t value) {
  return value == 0 ? kMaxReceiveMaximum : value;
}

}  // namespace trustmq::mqtt

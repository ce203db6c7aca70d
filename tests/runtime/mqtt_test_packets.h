// Hand-encoded MQTT 3.1.1 packets for driving the core through an Engine in tests.
#pragma once

#include <cstdint>
#include <string>

#include "mqtt/types.h"

namespace trustmq::runtime::test_packets {

inline void append_string(mqtt::Bytes& out, const std::string& s) {
  out.reserve(out.size() + 2 + s.size());  // also keeps g++ 12 -O3 from a false -Warray-bounds
  out.push_back(static_cast<std::uint8_t>(s.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

inline mqtt::Bytes with_fixed_header(std::uint8_t first_byte, const mqtt::Bytes& body) {
  mqtt::Bytes out{first_byte};
  std::uint32_t length = static_cast<std::uint32_t>(body.size());
  do {
    std::uint8_t b = length & 0x7f;
    length >>= 7;
    if (length != 0) b |= 0x80;
    out.push_back(b);
  } while (length != 0);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

inline mqtt::Bytes connect(const std::string& client_id, const std::string& username = "",
                           const std::string& password = "") {
  mqtt::Bytes body;
  append_string(body, "MQTT");
  body.push_back(4);          // 3.1.1
  std::uint8_t flags = 0x02;  // clean session
  if (!username.empty()) flags |= 0x80;
  if (!password.empty()) flags |= 0x40;
  body.push_back(flags);
  body.push_back(0);
  body.push_back(60);  // keep-alive
  append_string(body, client_id);
  if (!username.empty()) append_string(body, username);
  if (!password.empty()) append_string(body, password);
  return with_fixed_header(0x10, body);
}

inline mqtt::Bytes subscribe(std::uint16_t packet_id, const std::string& filter) {
  mqtt::Bytes body{static_cast<std::uint8_t>(packet_id >> 8), static_cast<std::uint8_t>(packet_id)};
  append_string(body, filter);
  body.push_back(0);  // QoS 0
  return with_fixed_header(0x82, body);
}

inline mqtt::Bytes publish(const std::string& topic, const std::string& payload,
                           bool retain = false) {
  mqtt::Bytes body;
  append_string(body, topic);
  body.insert(body.end(), payload.begin(), payload.end());
  return with_fixed_header(retain ? 0x31 : 0x30, body);
}

}  // namespace trustmq::runtime::test_packets

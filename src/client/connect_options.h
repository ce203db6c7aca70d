// What the client puts into CONNECT, and how long it waits for each answer.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "mqtt/packet.h"
#include "mqtt/types.h"

namespace trustmq::client {

struct ConnectOptions {
  mqtt::ProtocolVersion version = mqtt::ProtocolVersion::kV311;
  // Empty: MQTT 5 lets the broker assign one; 3.1.1 allows it only with a clean session.
  std::string client_id;
  bool clean_start = true;  // "clean session" in 3.1.1
  // MQTT 5 only: Session Expiry Interval (0xFFFFFFFF = never). Absent: not sent (0).
  std::optional<std::uint32_t> session_expiry_interval;
  std::uint16_t keep_alive_seconds = 60;  // 0 disables keep-alive
  std::optional<std::string> username;
  std::optional<mqtt::Bytes> password;
  std::optional<mqtt::Will> will;
  // MQTT 5 enhanced authentication: Authentication Method and Data of CONNECT (e.g.
  // trustmq-attest-v1, see broker_attestation.h). The CONNACK's answer is in connack().
  std::optional<std::string> authentication_method;
  std::optional<mqtt::Bytes> authentication_data;
  // Limit for every single wait: TCP/TLS connect, CONNACK, each acknowledgement.
  std::chrono::milliseconds timeout{10000};
};

}  // namespace trustmq::client

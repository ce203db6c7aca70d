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
  // Set: a QoS 1/2 delivery is acknowledged (PUBACK, PUBREC) only when the application calls
  // MqttClient::acknowledge(), so the broker keeps it (in flight, in the session) until the
  // application has done what it must with it (a bridge: until the remote acknowledged it).
  // Unset: the client acknowledges each delivery as it reads it.
  bool manual_acknowledgement = false;
  // Sets the high bit of the protocol level in CONNECT (0x84 for 3.1.1): mosquitto's
  // `try_private`, which tells a mosquitto remote that the peer is a bridge (it then sends the
  // bridge no copy of the bridge's own messages). A broker that does not know it refuses the
  // CONNECT (3.1.1 return code 1); the caller retries without it.
  bool bridge_protocol_bit = false;
  // Limit for every single wait: TCP/TLS connect, CONNACK, each acknowledgement.
  std::chrono::milliseconds timeout{10000};
};

}  // namespace trustmq::client

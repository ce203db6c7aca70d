// Settings of the broker core. The shell builds this from mosquitto.conf options; the Wasm
// engines pass it into the module serialised by runtime/broker_config_codec.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mqtt/acl.h"
#include "mqtt/limits.h"

namespace trustmq::mqtt {

inline constexpr std::uint32_t kDefaultMaxConnectPacketSize = 512 * 1024;
inline constexpr std::uint64_t kDefaultPreConnectBufferLimit = 64ull * 1024 * 1024;
inline constexpr std::uint64_t kMemoryLimitShare = 4;                    // see memory_limit
inline constexpr std::uint32_t kDefaultClientReattestationTimeout = 30;  // seconds

struct BrokerConfig {
  std::string version = "trustmq 0.1.0";  // published as $SYS/broker/version
  bool allow_anonymous = false;
  bool check_passwords = false;              // ask BrokerHost::authenticate for username/password
  std::uint32_t max_inflight_messages = 20;  // per client, outgoing QoS 1/2; 0 = 65535
  std::uint32_t max_queued_messages = 1000;  // per offline/overfull session; 0 = unlimited
  std::uint32_t message_size_limit = 0;      // PUBLISH payload bytes; 0 = no limit
  std::uint32_t max_packet_size = kMaxPacketSize;  // any packet, on receive
  // Before CONNECT has completed, a packet may be at most this large: a larger claim closes
  // the connection when its fixed header arrives, before anything is buffered. The default
  // fits a CONNECT whose client id, will topic, will payload, user name and password are each
  // at their 65535-byte maximum, with room for properties.
  std::uint32_t max_connect_packet_size = kDefaultMaxConnectPacketSize;
  // Bytes the core may hold in incomplete packets of all connections together (each reserved
  // at the size its fixed header declares, before it is buffered). A packet that would pass
  // it closes its own connection; nobody else is affected. One connection may reserve at most
  // a quarter of it, and connections that have not completed CONNECT together at most a
  // quarter (kMemoryLimitShare), or kDefaultPreConnectBufferLimit when it is 0 (no limit).
  // The Wasm engines lower it to half of the module's memory (guest_memory_budget).
  std::uint64_t memory_limit = 0;
  std::optional<std::uint32_t> persistent_client_expiration_seconds;  // none = never expire
  std::uint32_t sys_interval_seconds = 10;                            // 0 = no $SYS updates
  std::uint16_t max_keepalive_seconds = 65535;
  std::uint16_t topic_alias_maximum = 10;
  // Subscriptions one session may hold; further new filters get SUBACK 0x97 Quota Exceeded
  // (0x80 in 3.1.1). Bounds what a subscription flood can cost. 0 = unlimited.
  std::uint32_t max_subscriptions_per_client = 10000;
  std::optional<AclRules> acl;  // none = no acl_file: everything allowed
  // Emit persistence records through BrokerHost::persist (docs/persistence.md).
  bool persistence = false;
  // What the broker serves as evidence, published as $SYS/broker/attestation/evidence/types
  // and .../module-measurement (docs/attestation.md §8.4; public values, never secrets).
  // The shell lists the evidence types its listeners produce (sorted, no duplicates); the
  // engine that runs the core fills in its module measurement (lower-case hex SHA-256).
  std::vector<std::string> served_evidence_types;
  std::string module_measurement;
  // An attested client challenged to re-attest (AUTH 0x18 with the broker's nonce) that has
  // not answered within this time is disconnected with 0x87 and its claims are withdrawn
  // (docs/attestation.md §9.5). At least 1.
  std::uint32_t client_reattestation_timeout_seconds = kDefaultClientReattestationTimeout;

  bool operator==(const BrokerConfig&) const = default;
};

}  // namespace trustmq::mqtt

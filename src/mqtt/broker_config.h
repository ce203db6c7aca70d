// Settings of the broker core. The shell builds this from mosquitto.conf options; the Wasm
// engines pass it into the module serialised by broker_config_codec.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mqtt/acl.h"

namespace trustmq::mqtt {

struct BrokerConfig {
  std::string version = "trustmq 0.1.0";  // published as $SYS/broker/version
  bool allow_anonymous = false;
  bool check_passwords = false;               // ask BrokerHost::authenticate for username/password
  std::uint32_t max_inflight_messages = 20;   // per client, outgoing QoS 1/2; 0 = 65535
  std::uint32_t max_queued_messages = 1000;   // per offline/overfull session; 0 = unlimited
  std::uint32_t message_size_limit = 0;       // PUBLISH payload bytes; 0 = no limit
  std::uint32_t max_packet_size = 268435455;  // any packet, on receive
  std::optional<std::uint32_t> persistent_client_expiration_seconds;  // none = never expire
  std::uint32_t sys_interval_seconds = 10;                            // 0 = no $SYS updates
  std::uint16_t max_keepalive_seconds = 65535;
  std::uint16_t topic_alias_maximum = 10;
  // Subscriptions one session may hold; further new filters get SUBACK 0x97 Quota Exceeded
  // (0x80 in 3.1.1). Bounds what a subscription flood can cost. 0 = unlimited.
  std::uint32_t max_subscriptions_per_client = 10000;
  std::optional<AclRules> acl;  // none = no acl_file: everything allowed

  bool operator==(const BrokerConfig&) const = default;
};

}  // namespace trustmq::mqtt

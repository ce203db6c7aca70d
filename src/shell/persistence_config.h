// The persistence options of mosquitto.conf (docs/configuration.md, Persistence).
#pragma once

#include <cstdint>
#include <string>

namespace trustmq::shell {

// sync: what a batch of input changed is durable before the bytes that batch produced
// (PUBACK, PUBREC, SUBACK, CONNACK …) are written. interval: committed every
// autosave_interval seconds and at a clean stop, as mosquitto does.
enum class PersistenceDurability { kSync, kInterval };

inline constexpr std::uint32_t kDefaultAutosaveIntervalSeconds = 1800;  // mosquitto's

struct PersistenceConfig {
  bool enabled = false;  // persistence
  std::string location;  // persistence_location: directory of trustmq.db and platform_secret
  PersistenceDurability durability = PersistenceDurability::kSync;
  std::uint32_t autosave_interval_seconds = kDefaultAutosaveIntervalSeconds;
};

}  // namespace trustmq::shell

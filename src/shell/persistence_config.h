// The persistence options of mosquitto.conf (docs/configuration.md, Persistence).
#pragma once

#include <cstdint>
#include <string>

namespace trustmq::shell {

// sync: what a batch of input changed is durable before the bytes that batch produced
// (PUBACK, PUBREC, SUBACK, CONNACK …) are written. interval: committed every
// autosave_interval seconds and at a clean stop, as mosquitto does.
enum class PersistenceDurability { kSync, kInterval };

// persistence_sealing: where the platform secret of record sealing lives (docs/persistence.md,
// "Sealing"). kAuto: kTpm if a listener has `attestation tpm2-quote`, else kFile.
enum class PersistenceSealing { kAuto, kFile, kTpm };

inline constexpr std::uint32_t kDefaultAutosaveIntervalSeconds = 1800;  // mosquitto's
// One TPM NV write an hour: under 9 000 a year, far below NV write endurance.
inline constexpr std::uint32_t kDefaultRollbackIntervalSeconds = 3600;

struct PersistenceConfig {
  bool enabled = false;  // persistence
  std::string location;  // persistence_location: directory of trustmq.db and platform_secret[.tpm]
  PersistenceDurability durability = PersistenceDurability::kSync;
  std::uint32_t autosave_interval_seconds = kDefaultAutosaveIntervalSeconds;
  PersistenceSealing sealing = PersistenceSealing::kAuto;
  // persistence_accept_rollback: start on a store older than the TPM's rollback counter (after
  // a deliberate restore), with an error in the log, instead of refusing to start.
  bool accept_rollback = false;
  // persistence_rollback_interval: with TPM sealing, the rollback counter is also advanced this
  // often while the broker runs (besides each start and clean stop); 0: only then.
  std::uint32_t rollback_interval_seconds = kDefaultRollbackIntervalSeconds;
  // persistence_migrate_to: at the clean stop, re-seal every record this module opens for the
  // module measurement given here (64 lower-case hex digits), so that the broker of that module
  // loads them (docs/persistence.md, "Migration to another module"). Empty: no migration.
  std::string migrate_to;
};

}  // namespace trustmq::shell

#include "shell/store_rollback.h"

#include <cstdio>
#include <stdexcept>
#include <string>

namespace trustmq::shell {

void check_store_rollback(PersistenceStore& store, const TpmStoreProtection& tpm,
                          bool accept_rollback, Logger& logger) {
  const std::uint64_t counter = tpm.read_counter();
  const std::optional<std::uint64_t> stamp = store.rollback_stamp();
  std::string rollback;
  if (stamp && *stamp < counter) {
    rollback = "the store was stamped at rollback counter " + std::to_string(*stamp) +
               " but the TPM's counter is at " + std::to_string(counter) +
               ": this is an older copy of the store (rollback)";
  } else if (!stamp && !tpm.created() && !store.empty()) {
    rollback = "the store has records but no rollback counter stamp, and its TPM-sealed secret " +
               tpm.sealed_path() + " is older than this start: the store was replaced (rollback)";
  }
  if (!rollback.empty()) {
    if (!accept_rollback) {
      throw std::runtime_error(
          "persistence: " + rollback +
          ". Refusing to start. After a deliberate restore of an older copy, start once with "
          "persistence_accept_rollback true.");
    }
    logger.log(LogType::kError, "persistence: " + rollback +
                                    "; accepted because persistence_accept_rollback is true "
                                    "(remove it again: it disables this check)");
  } else if (accept_rollback) {
    logger.log(LogType::kWarning,
               "persistence: persistence_accept_rollback is true: an older copy of the store would "
               "be accepted (remove it once a deliberate restore has started)");
  }
  const std::uint64_t now = advance_rollback_counter(store, tpm);
  char index[16];
  std::snprintf(index, sizeof index, "0x%08X", tpm.counter_index());
  logger.log(LogType::kNotice, "persistence: rollback detection: TPM NV counter " +
                                   std::string(index) + " now at " + std::to_string(now) +
                                   " (store stamp was " +
                                   (stamp ? std::to_string(*stamp) : std::string("none")) + ")");
}

std::uint64_t advance_rollback_counter(PersistenceStore& store, const TpmStoreProtection& tpm) {
  std::uint64_t counter = 0;
  try {
    counter = tpm.read_counter();
  } catch (const std::runtime_error& e) {
    throw RollbackCounterError(e.what());
  }
  store.stage_rollback_stamp(counter + 1);
  store.commit();
  try {
    return tpm.increment_counter();
  } catch (const std::runtime_error& e) {
    throw RollbackCounterError(e.what());
  }
}

}  // namespace trustmq::shell

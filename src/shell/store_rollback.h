// Rollback detection of a TPM-sealed persistence store (docs/persistence.md, "Rollback"). The
// store carries a sealed stamp (PersistenceStore::rollback_stamp); the TPM an NV counter
// (TpmStoreProtection). The protocol, at each start and at each clean stop:
//   stamp the store with counter + 1, commit (fsync), then increment the counter.
// So a store is never stamped lower than the counter it leaves behind, and any copy of the
// store taken before the last start or clean stop carries a stamp lower than the counter.
// A crash between the commit and the increment leaves stamp = counter + 1: accepted (newer is
// fine; the host cannot forge a stamp without the secret).
#pragma once

#include <cstdint>
#include <stdexcept>

#include "shell/logger.h"
#include "shell/persistence_store.h"
#include "shell/tpm_store_protection.h"

namespace trustmq::shell {

// At start, before any record is restored: a store whose stamp is below the counter, or a
// non-empty store without a stamp whose secret was not made just now, is an older copy
// (rollback). It stops start-up (std::runtime_error saying what was found) unless
// `accept_rollback`, which logs it as an error and goes on. Then advances the counter.
void check_store_rollback(PersistenceStore& store, const TpmStoreProtection& tpm,
                          bool accept_rollback, Logger& logger);

// A TPM error while advancing the counter (the store itself is fine; only the window of
// undetected rollback grows). Store errors are not wrapped: they stay fatal.
struct RollbackCounterError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Stamps, commits, increments (the protocol above); returns the new counter value. Throws
// RollbackCounterError for the TPM's part, std::runtime_error from the store's commit.
std::uint64_t advance_rollback_counter(PersistenceStore& store, const TpmStoreProtection& tpm);

}  // namespace trustmq::shell

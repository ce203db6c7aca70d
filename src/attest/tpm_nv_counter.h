// A TPM NV counter (TPM2_NV_DefineSpace with TPM_NT_COUNTER, TPM2_NV_Increment, TPM2_NV_Read):
// a 64-bit value that only goes up, kept by the TPM. Even an undefined and redefined index
// starts at the highest value any counter of that TPM ever had, so the host cannot lower it.
// Authorised by its empty auth value (anyone who can talk to the TPM may read or increment it:
// incrementing can only make a store look older, never newer). Used by the persistence store
// for rollback detection (docs/persistence.md, "Rollback").
#pragma once

#include <cstdint>

#include "attest/tpm_connection.h"
#include "base/result.h"

namespace trustmq::attest {

// trustmq's NV counters live in TPM2_NV_INDEX range 0x018C0000 … 0x018C00FF (owner indices).
inline constexpr std::uint32_t kTpmCounterFirstIndex = 0x018C0000;
inline constexpr std::uint32_t kTpmCounterLastIndex = 0x018C00FF;

// Defines a counter at the first free index of that range (owner authorisation: empty owner
// auth value, as on a TPM nobody took ownership of) and increments it once, so it can be read.
Result<std::uint32_t> tpm_define_counter(const TpmConnection& tpm);

// The counter's value. Fails if `index` is not defined or is not a counter (the error names
// the index and the TCTI).
Result<std::uint64_t> tpm_read_counter(const TpmConnection& tpm, std::uint32_t index);

// Adds one; returns the new value.
Result<std::uint64_t> tpm_increment_counter(const TpmConnection& tpm, std::uint32_t index);

}  // namespace trustmq::attest

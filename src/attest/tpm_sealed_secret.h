// A secret kept sealed by the TPM (docs/persistence.md, "TPM-sealed platform secret"): a
// keyedhash data object under the owner hierarchy's storage primary key. The primary key is not
// stored: it is re-derived at each start with TPM2_CreatePrimary from a fixed template (ECC
// NIST P-256, AES-128-CFB, the TCG storage key layout), so it is the same key on the same TPM
// as long as the owner hierarchy is not cleared, and another key on any other TPM. The sealed
// object's public and private areas (the private one encrypted by the TPM under that primary
// key) are what the caller stores; only this TPM can load and unseal them.
//
// No PCR policy: the object is authorised by its (empty) auth value (docs/persistence.md says
// why). Transient objects are flushed before each function returns.
#pragma once

#include <cstdint>

#include "attest/bytes.h"
#include "attest/tpm_connection.h"
#include "base/result.h"

namespace trustmq::attest {

inline constexpr std::size_t kTpmSealedDataMax = 128;  // MAX_SYM_DATA

// Seals `data` (1..128 bytes) under the storage primary key: the stored form, `magic` then the
// marshalled TPM2B_PRIVATE and TPM2B_PUBLIC.
Result<Bytes> tpm_seal(const TpmConnection& tpm, const Bytes& data);

// Loads and unseals what tpm_seal returned. An object sealed by another TPM (or before the
// owner hierarchy was cleared) does not load: the error says so and names the TCTI.
Result<Bytes> tpm_unseal(const TpmConnection& tpm, const Bytes& sealed);

// `count` bytes from TPM2_GetRandom (several calls if the TPM returns fewer).
Result<Bytes> tpm_random(const TpmConnection& tpm, std::size_t count);

}  // namespace trustmq::attest

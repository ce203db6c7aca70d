// TPM public areas (TPMT_PUBLIC) as OpenSSL keys, their TPM names, and the attestation key's
// template: the bridge between what the TPM reports and what certificates say.
#pragma once

#include <tss2/tss2_tpm2_types.h>

#include "attest/bytes.h"
#include "attest/openssl_handles.h"
#include "base/result.h"

namespace trustmq::attest {

// RSA (any size, exponent 0 = 65537) or ECC NIST P-256 public areas; an error otherwise.
Result<EvpPkeyPtr> tpm_public_to_evp(const TPMT_PUBLIC& pub);

// The object's name: nameAlg (2 bytes, big-endian) || H_nameAlg(marshalled TPMT_PUBLIC).
// SHA-256 name algorithm only.
Result<Bytes> tpm_object_name(const TPMT_PUBLIC& pub);

// The attestation key trustmq creates: an ECC P-256 primary key in the endorsement hierarchy,
// restricted signing (ECDSA SHA-256), fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth,
// empty auth. Deterministic from the endorsement seed and this template.
TPM2B_PUBLIC tpm_attestation_key_template();

// True iff `pub` has the attributes and scheme of tpm_attestation_key_template(): a key the
// TPM generated, cannot export, and that signs only TPM-generated structures (restricted).
bool is_trustmq_attestation_key(const TPMT_PUBLIC& pub);

// The persistent handle trustmq keeps its attestation key at (owner range).
inline constexpr TPM2_HANDLE kTpmAkHandle = 0x81000100;
// Where TCG EK profile provisioning (and swtpm_setup) keeps the RSA 2048 EK and its certificate.
inline constexpr TPM2_HANDLE kTpmRsaEkHandle = 0x81010001;
inline constexpr TPM2_HANDLE kTpmRsaEkCertificateIndex = 0x01C00002;

}  // namespace trustmq::attest

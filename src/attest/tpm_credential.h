// TPM2_MakeCredential done by the enrolment CA in software (TPM 2.0 Part 1, "Credential
// Protection"; Part 3, MakeCredential): a secret only the TPM holding the EK's private key can
// recover, and only for an object with the given name loaded in that TPM (ActivateCredential).
// The CA never asks the enrolled TPM to do this: a TPM (or a stack) it does not trust yet must
// not see the secret.
#pragma once

#include <tss2/tss2_tpm2_types.h>

#include "attest/bytes.h"
#include "base/result.h"

namespace trustmq::attest {

struct TpmCredential {
  TPM2B_ID_OBJECT credential_blob{};
  TPM2B_ENCRYPTED_SECRET encrypted_secret{};
};

// For an RSA EK (name algorithm SHA-256, symmetric AES-CFB): a random seed is encrypted to the
// EK with RSA-OAEP (SHA-256, label "IDENTITY\0"); the secret is AES-CFB-encrypted under
// KDFa(seed, "STORAGE", object name) and authenticated with HMAC-SHA-256 under
// KDFa(seed, "INTEGRITY").
Result<TpmCredential> tpm_make_credential(const TPMT_PUBLIC& ek, ByteSpan object_name,
                                          ByteSpan secret);

// SP 800-108 counter-mode KDF with HMAC-SHA-256, as the TPM's KDFa (label NUL-terminated).
Bytes tpm_kdfa_sha256(ByteSpan key, const char* label, ByteSpan context_u, ByteSpan context_v,
                      std::size_t bits);

}  // namespace trustmq::attest

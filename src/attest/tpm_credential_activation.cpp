#include "attest/tpm_credential_activation.h"

#include <openssl/crypto.h>

#include "attest/tpm_flush_on_exit.h"

namespace trustmq::attest {

Result<void> activate_credential(const TpmConnection& tpm, ESYS_TR ak, ESYS_TR ek,
                                 const TpmCredential& credential, ByteSpan secret) {
  ESYS_CONTEXT* esys = tpm.esys();
  const TPMT_SYM_DEF symmetric{TPM2_ALG_NULL, {}, {}};
  ESYS_TR session = ESYS_TR_NONE;
  TSS2_RC rc = Esys_StartAuthSession(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                     ESYS_TR_NONE, nullptr, TPM2_SE_POLICY, &symmetric,
                                     TPM2_ALG_SHA256, &session);
  if (rc != TSS2_RC_SUCCESS) {
    return Result<void>::failure(tpm.error("cannot start a policy session", rc));
  }
  TpmFlushOnExit flush_session(esys, session);
  // The TCG EK template's policy: PolicySecret(TPM_RH_ENDORSEMENT).
  rc = Esys_PolicySecret(esys, ESYS_TR_RH_ENDORSEMENT, session, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                         ESYS_TR_NONE, nullptr, nullptr, nullptr, 0, nullptr, nullptr);
  if (rc != TSS2_RC_SUCCESS) {
    return Result<void>::failure(tpm.error("PolicySecret(endorsement) failed", rc));
  }
  TPM2B_DIGEST* recovered = nullptr;
  rc = Esys_ActivateCredential(esys, ak, ek, ESYS_TR_PASSWORD, session, ESYS_TR_NONE,
                               &credential.credential_blob, &credential.encrypted_secret,
                               &recovered);
  if (rc != TSS2_RC_SUCCESS) {
    return Result<void>::failure(
        tpm.error("ActivateCredential failed (the AK is not in the TPM of this EK?)", rc));
  }
  const bool same = recovered->size == secret.size() &&
                    CRYPTO_memcmp(recovered->buffer, secret.data(), secret.size()) == 0;
  Esys_Free(recovered);
  if (!same) return Result<void>::failure("ActivateCredential returned another secret");
  return Result<void>::success();
}

}  // namespace trustmq::attest

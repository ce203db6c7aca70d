// TPM2_ActivateCredential, the TPM's half of credential activation (tpm_credential.h makes the
// credential in software): the TPM holding the EK's private key recovers the secret only for an
// object of the name the credential was made for, loaded in that TPM. Used by
// `trustmq tpm enroll` (tpm_enrolment.h) as proof that the AK lives next to the certified EK.
#pragma once

#include <tss2/tss2_esys.h>

#include "attest/bytes.h"
#include "attest/tpm_connection.h"
#include "attest/tpm_credential.h"
#include "base/result.h"

namespace trustmq::attest {

// `ek` is the RSA EK with the TCG template's policy (PolicySecret(TPM_RH_ENDORSEMENT)); `ak` is
// the object the credential names. Fails with "ActivateCredential failed …" when the TPM refuses
// (credential made for another EK or another object name), or when it returns another secret.
Result<void> activate_credential(const TpmConnection& tpm, ESYS_TR ak, ESYS_TR ek,
                                 const TpmCredential& credential, ByteSpan secret);

}  // namespace trustmq::attest

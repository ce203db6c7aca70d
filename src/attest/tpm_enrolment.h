// `trustmq tpm enroll`: establishes the attestation key (AK) of a TPM and certifies it.
//
// Trust chain: TPM manufacturer CA → EK certificate (in the TPM's NV, index 0x01C00002) → EK
// (RSA 2048, persistent 0x81010001) —credential activation→ AK —enrolment CA→ AK certificate,
// which is what a relying party's policy trusts (docs/attestation.md, "Enrolment").
//
// Steps (the CA's checks are done in this process, with OpenSSL, before it issues anything):
//  1. read the EK public area and the EK certificate from the TPM; the EK certificate must chain
//     to one of the EK roots given (plus the intermediates given) and certify exactly that key;
//  2. create the AK (tpm_attestation_key_template(): restricted ECDSA P-256 signing key,
//     fixedTPM) and check its public area has exactly those attributes;
//  3. MakeCredential in software to the EK for the AK's name (tpm_credential.h), then the TPM's
//     ActivateCredential (EK authorised by PolicySecret(endorsement)) must return the secret:
//     proof that the AK lives in the TPM that holds the certified EK;
//  4. make the AK persistent at kTpmAkHandle (replacing an earlier one) and issue the AK
//     certificate with the enrolment CA's key.
#pragma once

#include <string>
#include <vector>

#include "attest/openssl_handles.h"
#include "attest/tpm_connection.h"
#include "attest/trust_anchors.h"
#include "base/result.h"

namespace trustmq::attest {

struct TpmEnrolmentRequest {
  TrustAnchors ek_roots;                     // the TPM manufacturer's root CA(s)
  std::vector<SharedX509> ek_intermediates;  // untrusted, used to build the EK chain
  X509* ca_certificate = nullptr;            // enrolment CA: issues the AK certificate
  EVP_PKEY* ca_key = nullptr;
};

struct TpmEnrolment {
  X509Ptr ak_certificate;
  std::string tpm_description;  // "manufacturer IBM, vendor SW TPM"
  bool software_tpm = false;    // swtpm: its EK private key is in a readable state file
  std::string ek_certificate_subject;
  std::string ek_certificate_issuer;
};

Result<TpmEnrolment> enrol_attestation_key(const TpmConnection& tpm,
                                           const TpmEnrolmentRequest& request);

}  // namespace trustmq::attest

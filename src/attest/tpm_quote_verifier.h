// `tpm2-quote` verifier: parse (tpm_evidence.h) → verify → claims. Steps, each with its error:
//   AK certificate DER, P-256 key            malformed
//   quote signature (ECDSA P-256 SHA-256 by the AK over the TPMS_ATTEST bytes)  signature-invalid
//   AK certificate chains to an anchor of the policy's "tpm2-quote" section (the enrolment CA)
//                                            untrusted-platform, certificate-expired, …
//   TPMS_ATTEST: magic TPM_GENERATED_VALUE, type TPM_ST_ATTEST_QUOTE, no trailing bytes
//                                            malformed
//   qualifying data = SHA-256(report data carried)   signature-invalid (the signature covers
//                                            the report data only through this hash)
//   PCR selection = exactly the SHA-256 PCRs carried; pcrDigest = SHA-256 of their values
//                                            platform-mismatch
//   event log replayed into PCR 23 = the quoted PCR 23; exactly one runtime and one module
//   event                                    platform-mismatch
//   AK not revoked: a CRL of the enrolment CA in the collateral (signed by it, dates, the AK
//   certificate's serial not listed)      certificate-revoked, collateral-invalid; without
//                                            one: logged NOT CHECKED
// Successful AK chain checks are remembered as for sim (CertificateChainVerifier).
#pragma once

#include <memory>

#include "attest/certificate_chain_verifier.h"
#include "attest/collateral.h"
#include "attest/crl_check.h"
#include "attest/hardware_verifier.h"

namespace trustmq::attest {

class TpmQuoteVerifier final : public HardwareEvidenceVerifier {
 public:
  // `collateral`: the policy section's (CRLs of the enrolment CA for AK revocation).
  explicit TpmQuoteVerifier(std::shared_ptr<const Collateral> collateral = nullptr)
      : collateral_(collateral ? std::move(collateral) : std::make_shared<const Collateral>()) {}
  EvidenceType type() const override { return EvidenceType::kTpm2Quote; }
  Result<Claims, VerifyFailure> verify_logged(ByteSpan evidence, const TrustAnchors& anchors,
                                              std::uint64_t now_unix_seconds,
                                              VerificationLog* log) const override;

 private:
  CertificateChainVerifier certificates_;
  std::shared_ptr<const Collateral> collateral_;
  mutable VerifiedCrls verified_crls_;
};

}  // namespace trustmq::attest

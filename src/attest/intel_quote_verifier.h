// `sgx-dcap` and `tdx` verifier (Intel DCAP ECDSA quotes: SGX v3, TDX v4 and v5). Steps, each
// with its own error:
//   1. layout (parse_intel_quote), TEE type = the verifier's type;
//   2. PCK chain from the quote's certification data: the Intel SGX Root CA (a trust anchor:
//      built in or the policy's) self-signature, the PCK Processor/Platform CA signed by it, the
//      PCK certificate signed by that CA, all valid at `now`;
//   3. revocation: the root CA CRL and the PCK CA CRL from the collateral (signature by their
//      issuer, thisUpdate <= now < nextUpdate, serial not listed); without them the step is
//      logged as not checked and the claims say so (crls_checked = false);
//   4. QE report signature (ECDSA P-256) by the PCK certificate key;
//   5. attestation key binding: QE report data = SHA-256(attestation key || QE auth data)
//      followed by 32 zero bytes;
//   6. quote signature (ECDSA P-256, attestation key) over header (+ v5 descriptor) + body;
//   7. QE identity (collateral, id QE / TD_QE) signed by the Intel SGX TCB Signing certificate
//      (itself signed by the root): QE MRSIGNER, ISVPRODID, MISCSELECT, ATTRIBUTES → QE status;
//   8. TCB info (collateral, id SGX / TDX, FMSPC and PCE-ID of the PCK certificate), same
//      signer; TDX: TDX module MRSIGNER and attributes; the TCB level → status and advisories.
// Without QE identity / TCB info the TCB status is unknown (appraisal refuses it unless the
// policy has allow_unknown_tcb). Appraisal of the claims is appraise() (appraisal.h).
//
// Cached: parsed PCK chains (per exact certification-data bytes), certificate and CRL
// signature checks and verified collateral documents after success. Re-checked every time:
// validity periods, CRL dates and serials, QE report and quote signatures, the key binding,
// the QE identity and TCB level matches. Never cached: anything that failed.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "attest/collateral.h"
#include "attest/hardware_verifier.h"
#include "attest/intel_pck_certificate.h"

namespace trustmq::attest {

class IntelQuoteVerifier final : public HardwareEvidenceVerifier {
 public:
  // `type` is kSgxDcap or kTdx.
  IntelQuoteVerifier(EvidenceType type, std::shared_ptr<const Collateral> collateral);
  ~IntelQuoteVerifier() override;

  EvidenceType type() const override { return type_; }
  Result<Claims, VerifyFailure> verify_logged(ByteSpan evidence, const TrustAnchors& anchors,
                                              std::uint64_t now_unix_seconds,
                                              VerificationLog* log) const override;

  // How often certificate signatures were checked rather than served from the cache.
  std::uint64_t chain_signature_checks() const;

  struct Cache;  // internal

 private:
  EvidenceType type_;
  std::shared_ptr<const Collateral> collateral_;
  std::unique_ptr<Cache> cache_;
};

}  // namespace trustmq::attest

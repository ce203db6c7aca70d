// Verifiers of hardware evidence (sev-snp, sgx-dcap, tdx): an EvidenceVerifier that can also
// record every step it performed (for `trustmq attest --evidence` and audits), and the factory
// that builds one per type with its collateral.
#pragma once

#include <memory>

#include "attest/collateral.h"
#include "attest/evidence_verifier.h"
#include "attest/verification_log.h"

namespace trustmq::attest {

class HardwareEvidenceVerifier : public EvidenceVerifier {
 public:
  Result<Claims, VerifyFailure> verify(ByteSpan evidence, const TrustAnchors& anchors,
                                       std::uint64_t now_unix_seconds) const override {
    return verify_logged(evidence, anchors, now_unix_seconds, nullptr);
  }
  // The same, recording every step in `log` (if not null).
  virtual Result<Claims, VerifyFailure> verify_logged(ByteSpan evidence,
                                                      const TrustAnchors& anchors,
                                                      std::uint64_t now_unix_seconds,
                                                      VerificationLog* log) const = 0;
};

// The verifier for `type` (null for types without a hardware verifier in this build).
std::unique_ptr<HardwareEvidenceVerifier> make_hardware_verifier(
    EvidenceType type, std::shared_ptr<const Collateral> collateral);

}  // namespace trustmq::attest

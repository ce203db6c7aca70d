// `sim` verifier: checks the ECDSA signature over the claims with the platform certificate's
// key, the certificate's chain to a trust anchor (only the policy's anchors are trusted) and its
// validity period at `now`. Accepting sim evidence proves nothing about hardware: NO hardware
// protection.
#pragma once

#include "attest/evidence_verifier.h"

namespace trustmq::attest {

class SimVerifier final : public EvidenceVerifier {
 public:
  EvidenceType type() const override { return EvidenceType::kSim; }
  Result<Claims, VerifyFailure> verify(ByteSpan evidence, const TrustAnchors& anchors,
                                       std::uint64_t now_unix_seconds) const override;
};

}  // namespace trustmq::attest

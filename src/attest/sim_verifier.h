// `sim` verifier: checks the ECDSA signature over the claims with the platform certificate's
// key, the certificate's chain to a trust anchor (only the policy's anchors are trusted) and its
// validity period at `now` (a successful chain check is remembered per certificate bytes and
// anchor set; validity is re-checked on each use). Accepting sim evidence proves nothing about
// hardware: NO hardware protection.
#pragma once

#include "attest/certificate_chain_verifier.h"
#include "attest/evidence_verifier.h"

namespace trustmq::attest {

class SimVerifier final : public EvidenceVerifier {
 public:
  EvidenceType type() const override { return EvidenceType::kSim; }
  Result<Claims, VerifyFailure> verify(ByteSpan evidence, const TrustAnchors& anchors,
                                       std::uint64_t now_unix_seconds) const override;

  // Parses and chain verifications already done (see CertificateChainVerifier).
  const CertificateChainVerifier& certificates() const { return certificates_; }

 private:
  // Parsed platform certificates and successful chain verifications, keyed by the exact
  // certificate bytes (and the anchor set). The evidence signature, the chain (or, for a chain
  // verified before, every certificate's validity at `now`) and the claims are checked on every
  // call.
  CertificateChainVerifier certificates_;
};

}  // namespace trustmq::attest

// `sim` verifier: checks the ECDSA signature over the claims with the platform certificate's
// key, the certificate's chain to a trust anchor (only the policy's anchors are trusted) and its
// validity period at `now`. Accepting sim evidence proves nothing about hardware: NO hardware
// protection.
#pragma once

#include <mutex>
#include <utility>
#include <vector>

#include "attest/evidence_verifier.h"
#include "attest/openssl_handles.h"

namespace trustmq::attest {

class SimVerifier final : public EvidenceVerifier {
 public:
  EvidenceType type() const override { return EvidenceType::kSim; }
  Result<Claims, VerifyFailure> verify(ByteSpan evidence, const TrustAnchors& anchors,
                                       std::uint64_t now_unix_seconds) const override;

 private:
  // The platform certificate parsed from `der` (null if it is not exactly one DER
  // certificate). Parsing costs ~100-250 µs with OpenSSL 3.0's key decoders and every evidence
  // of a platform carries the same certificate, so parsed certificates are kept (byte-exact
  // match, a few entries). Only parsing is cached: signature, chain and validity at `now` are
  // checked on every call. Thread-safe.
  SharedX509 parsed_certificate(ByteSpan der) const;

  static constexpr std::size_t kMaxCachedCertificates = 8;
  mutable std::mutex cache_mutex_;
  mutable std::vector<std::pair<Bytes, SharedX509>> cache_;  // most recently used last
};

}  // namespace trustmq::attest

// Checks evidence (signature, certificate chain to a policy trust anchor, validity period) and
// returns its claims. Appraising the claims against a policy is a separate step (appraisal.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "attest/bytes.h"
#include "attest/claims.h"
#include "attest/evidence_type.h"
#include "attest/trust_anchors.h"
#include "base/result.h"

namespace trustmq::attest {

enum class VerifyError {
  kMalformed,           // does not parse
  kSignatureInvalid,    // the signature does not verify over the claims (tampering)
  kUntrustedPlatform,   // the platform certificate does not chain to a trust anchor
  kCertificateExpired,  // a certificate in the chain has expired
  kCertificateNotYetValid,
  kCertificateRevoked,  // a certificate of the chain is on a CRL (Intel PCK, root)
  kCollateralMissing,   // a certificate, CRL, TCB info or QE identity needed is not at hand
  kCollateralInvalid,   // collateral does not verify, is expired or does not parse
  kPlatformMismatch,    // evidence and its endorsement disagree (chip id, TCB, product, QE)
  kInternal,            // OpenSSL failure unrelated to the evidence
};

// "malformed", "signature-invalid", … (stable, for CLI output and tests).
std::string_view verify_error_name(VerifyError error);

struct VerifyFailure {
  VerifyError code;
  std::string message;
};

class EvidenceVerifier {
 public:
  virtual ~EvidenceVerifier() = default;
  virtual EvidenceType type() const = 0;
  virtual Result<Claims, VerifyFailure> verify(ByteSpan evidence, const TrustAnchors& anchors,
                                               std::uint64_t now_unix_seconds) const = 0;
};

}  // namespace trustmq::attest

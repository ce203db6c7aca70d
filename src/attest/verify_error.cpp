#include "attest/evidence_verifier.h"

namespace trustmq::attest {

std::string_view verify_error_name(VerifyError error) {
  switch (error) {
    case VerifyError::kMalformed:
      return "malformed";
    case VerifyError::kSignatureInvalid:
      return "signature-invalid";
    case VerifyError::kUntrustedPlatform:
      return "untrusted-platform";
    case VerifyError::kCertificateExpired:
      return "certificate-expired";
    case VerifyError::kCertificateNotYetValid:
      return "certificate-not-yet-valid";
    case VerifyError::kCertificateRevoked:
      return "certificate-revoked";
    case VerifyError::kCollateralMissing:
      return "collateral-missing";
    case VerifyError::kCollateralInvalid:
      return "collateral-invalid";
    case VerifyError::kPlatformMismatch:
      return "platform-mismatch";
    case VerifyError::kInternal:
      return "internal";
  }
  return "unknown";
}

}  // namespace trustmq::attest

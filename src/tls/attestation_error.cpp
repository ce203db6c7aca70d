#include "tls/attestation_error.h"

namespace trustmq::tls {

std::string_view attestation_error_name(AttestationError e) {
  switch (e) {
    case AttestationError::kNone:
      return "none";
    case AttestationError::kNotVerified:
      return "not-verified";
    case AttestationError::kMissingEvidence:
      return "missing-evidence";
    case AttestationError::kTlsVersionRefused:
      return "tls-version-refused";
    case AttestationError::kMalformedEvidence:
      return "malformed-evidence";
    case AttestationError::kEvidenceTooLarge:
      return "evidence-too-large";
    case AttestationError::kEvidenceTypeNotAllowed:
      return "evidence-type-not-allowed";
    case AttestationError::kNoVerifier:
      return "no-verifier";
    case AttestationError::kSignatureInvalid:
      return "signature-invalid";
    case AttestationError::kUntrustedPlatform:
      return "untrusted-platform";
    case AttestationError::kCertificateExpired:
      return "certificate-expired";
    case AttestationError::kCertificateNotYetValid:
      return "certificate-not-yet-valid";
    case AttestationError::kCertificateRevoked:
      return "certificate-revoked";
    case AttestationError::kCollateralMissing:
      return "collateral-missing";
    case AttestationError::kCollateralInvalid:
      return "collateral-invalid";
    case AttestationError::kPlatformMismatch:
      return "platform-mismatch";
    case AttestationError::kTeeMeasurementRejected:
      return "tee-measurement-rejected";
    case AttestationError::kTcbRejected:
      return "tcb-rejected";
    case AttestationError::kGuestPolicyRejected:
      return "guest-policy-rejected";
    case AttestationError::kBindingMismatch:
      return "binding-mismatch";
    case AttestationError::kModuleMeasurementRejected:
      return "module-measurement-rejected";
    case AttestationError::kRuntimeMeasurementRejected:
      return "runtime-measurement-rejected";
    case AttestationError::kDebugNotAllowed:
      return "debug-not-allowed";
    case AttestationError::kEvidenceTooOld:
      return "evidence-too-old";
    case AttestationError::kEvidenceFromFuture:
      return "evidence-from-future";
    case AttestationError::kHandshakeFailed:
      return "handshake-failed";
    case AttestationError::kInternal:
      return "internal";
  }
  return "unknown";
}

}  // namespace trustmq::tls

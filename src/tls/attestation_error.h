// Why a client refused (or could not complete) an attested TLS handshake. Every value except
// kNone is a failure; kNotVerified is the state before any verification succeeded, so "no
// callback ran" can never look like success.
#pragma once

#include <string_view>

namespace trustmq::tls {

enum class AttestationError {
  kNone,                        // evidence verified, bound to this handshake, policy accepted
  kNotVerified,                 // no successful verification (yet)
  kMissingEvidence,             // the server sent no evidence
  kTlsVersionRefused,           // not TLS 1.3 (downgrade refused)
  kMalformedEvidence,           // evidence extension or evidence body does not parse
  kEvidenceTooLarge,            // larger than kMaxEvidenceSize
  kEvidenceTypeNotAllowed,      // a type the client did not ask for / policy forbids
  kNoVerifier,                  // allowed type without a verifier in this build
  kSignatureInvalid,            // tampered claims or signature
  kUntrustedPlatform,           // platform certificate does not chain to a policy anchor
  kCertificateExpired,          // platform certificate (chain) expired
  kCertificateNotYetValid,      // platform certificate not yet valid
  kCertificateRevoked,          // a certificate of the chain is revoked (CRL)
  kCollateralMissing,           // hardware evidence: VCEK, CRL, TCB info … not in the collateral
  kCollateralInvalid,           // hardware evidence: collateral does not verify or is expired
  kPlatformMismatch,            // evidence and endorsement disagree (chip id, TCB, QE binding)
  kBindingMismatch,             // evidence bound to another handshake (replayed/relayed)
  kModuleMeasurementRejected,   // module measurement not in policy
  kRuntimeMeasurementRejected,  // runtime measurement not in policy
  kDebugNotAllowed,             // debug platform, policy forbids
  kEvidenceTooOld,              // older than the policy's max age
  kEvidenceFromFuture,          // timestamp too far ahead
  kTeeMeasurementRejected,      // TEE launch measurement / enclave or TD identity not in policy
  kTcbRejected,                 // SVN/TCB below minimum, TCB status or collateral age refused
  kGuestPolicyRejected,         // SEV-SNP guest policy refused (migration agent)
  kHandshakeFailed,             // TLS failed for a reason unrelated to attestation
  kInternal,                    // local failure (OpenSSL, memory)
};

// "binding-mismatch", "missing-evidence", … (stable, for logs and CLI exit reasons).
std::string_view attestation_error_name(AttestationError error);

}  // namespace trustmq::tls

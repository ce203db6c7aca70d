// Client side of attested TLS: asks for evidence in the ClientHello, verifies it during the
// handshake (before Finished) against the client's policy, and aborts with a fatal alert and a
// precise error when anything is wrong. Transport-agnostic (any BIO/fd, blocking or not).
//
// Usage:
//   AttestationClient client(policy);            // must outlive every SSL_CTX it is attached to
//   client.attach(ctx);                          // once per client SSL_CTX (forces TLS 1.3)
//   SSL* ssl = SSL_new(ctx); ... rc = SSL_connect(ssl) (repeat while WANT_READ/WRITE) ...
//   AttestationOutcome o = client.outcome(ssl, rc);   // call right after the final SSL_connect
//   if (!o.ok()) { print o.message; close; }     // never send application data unless ok()
//
// Where the checks run (OpenSSL 3.0): evidence arrives in EncryptedExtensions, before the
// server's Certificate; the check completes in the Certificate-entry callback (which sees the
// leaf actually received, to compare spki_hash) or, when a PSK was accepted, in the
// EncryptedExtensions callback with an empty spki_hash. A server that omits the extension
// triggers no callback: the certificate-verify hook and outcome() detect the missing evidence.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "attest/appraisal.h"
#include "attest/claims.h"
#include "attest/evidence_verifier.h"
#include "attest/policy.h"
#include "base/result.h"
#include "tls/attestation_error.h"

namespace trustmq::tls {

struct AttestationOutcome {
  AttestationError error = AttestationError::kNotVerified;
  std::string message;  // precise, human-readable ("module measurement 3fa2… not in policy")
  bool ok() const { return error == AttestationError::kNone; }

  // Present once evidence was parsed and its signature chain verified (even if later rejected).
  std::optional<attest::Claims> claims;
  attest::Appraisal appraisal;  // every reason and note (sim's honesty label among them)
  std::uint16_t evidence_type = 0;
  attest::Bytes evidence;      // raw evidence as received (for `trustmq attest` / auditing)
  bool psk_handshake = false;  // verified without a certificate (empty spki_hash)
};

class AttestationClient {
 public:
  // Registers the sim verifier and the hardware verifiers (sev-snp; sgx-dcap and tdx when
  // built), the latter with the collateral of the policy's sections. add_verifier() adds
  // another type or replaces the verifier of a type.
  explicit AttestationClient(attest::Policy policy);
  ~AttestationClient();
  AttestationClient(const AttestationClient&) = delete;
  AttestationClient& operator=(const AttestationClient&) = delete;

  void add_verifier(std::unique_ptr<attest::EvidenceVerifier> verifier);
  const attest::Policy& policy() const { return policy_; }

  // Registers the extension and the certificate-verify hook on `ctx` and sets the minimum
  // protocol version to TLS 1.3. Replaces any app verify callback set with
  // SSL_CTX_set_cert_verify_callback (X509_verify_cert still runs; SSL_set_verify callbacks
  // keep working). A connection with SSL_VERIFY_NONE is switched to SSL_VERIFY_PEER with an
  // accept-any-chain verify callback when its ClientHello is built: X.509 is still not enforced,
  // but a failed attestation check is fatal (OpenSSL ignores verify failures under NONE).
  // Error if the extension is already registered on `ctx`.
  Result<void> attach(SSL_CTX* ctx);

  // The verdict for `ssl`. `connect_result` is the last SSL_connect/SSL_do_handshake return
  // value; call it before anything else touches this thread's OpenSSL error queue. ok() only if
  // evidence was verified in this handshake, it was TLS 1.3, and connect_result == 1.
  AttestationOutcome outcome(SSL* ssl, int connect_result) const;

  // Evidence types offered in the ClientHello: the policy's allowed types that have a verifier.
  std::vector<std::uint16_t> offered_types() const;

  // Verifies evidence of `type` against the policy: signature chain to a policy anchor, then
  // report data == `expected` (the binding the caller computed), then appraisal. Used by the
  // handshake and by post-handshake attestation (post_handshake_attestation.h).
  AttestationOutcome check_evidence(std::uint16_t type, attest::ByteSpan evidence,
                                    const attest::ReportData& expected) const;

  // Internal (called from the OpenSSL callbacks).
  struct Callbacks;

 private:
  const attest::EvidenceVerifier* verifier_for(std::uint16_t type) const;
  attest::Policy policy_;
  std::vector<std::unique_ptr<attest::EvidenceVerifier>> verifiers_;
};

}  // namespace trustmq::tls

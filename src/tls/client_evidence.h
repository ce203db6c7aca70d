// Attested clients (docs/attestation.md, "Attested clients"): a client's own evidence under
// MQTT 5 method trustmq-attest-v1, bound to the TLS exporter of this connection.
//
//   exporter    = TLS-Exporter("EXPORTER-trustmq-attest-client", context = nonce, 64)
//   report_data = SHA-512("trustmq-attest-v1 client" || 0x00 || nonce || exporter ||
//                         client_spki_hash)
//
// `nonce` is empty for the evidence in CONNECT (the exporter of a just-finished handshake is
// itself fresh: it depends on both randoms and the (EC)DHE secret) and is the broker's 32-byte
// challenge nonce for a re-attestation (AUTH 0x18), when the exporter is no longer new.
// client_spki_hash: SHA-256 of the client certificate's SubjectPublicKeyInfo, empty when the
// client presented none. Labels differ from the broker's (post_handshake_binding.h), so the
// broker's evidence can never pass for a client's, nor the other way round.
#pragma once

#include <openssl/ssl.h>

#include <string>
#include <utility>
#include <vector>

#include "attest/attester.h"
#include "attest/bytes.h"
#include "attest/claims.h"
#include "base/result.h"
#include "tls/attestation_client.h"

namespace trustmq::tls {

inline constexpr char kClientEvidenceExporterLabel[] = "EXPORTER-trustmq-attest-client";
inline constexpr char kClientEvidenceBindingLabel[] = "trustmq-attest-v1 client";

attest::ReportData compute_client_evidence_binding(attest::ByteSpan nonce,
                                                   attest::ByteSpan exporter,
                                                   attest::ByteSpan client_spki_hash);

// Reads the exporter and the client certificate's SPKI hash of `ssl` (`broker_side`: the
// peer's certificate; else our own) and computes the binding. TLS 1.3 only.
Result<attest::ReportData> client_evidence_binding(SSL* ssl, attest::ByteSpan nonce,
                                                   bool broker_side);

// Client: evidence of `attester` for `nonce` on `ssl`, encoded as AttestationEvidence.
Result<attest::Bytes> produce_client_evidence(SSL* ssl, const attest::Attester& attester,
                                              attest::ByteSpan nonce);

// Broker: decodes `answer`, checks the type is one `verifier` offers, recomputes the binding on
// the broker's own `ssl` for `nonce`, then signature chain → binding → policy.
AttestationOutcome verify_client_evidence(SSL* ssl, const AttestationClient& verifier,
                                          attest::ByteSpan nonce, attest::ByteSpan answer);

// The claims an ACL can match (`claim NAME VALUE`, docs/configuration.md): type, platform,
// runtime_measurement, module_measurement (hex; sim and tpm2-quote), debug (true/false),
// tcb_status (Intel evidence with a known status), measurement (sev-snp, tdx mr_td, sgx
// mr_enclave). Never a secret: everything here is in the evidence the client sent.
std::vector<std::pair<std::string, std::string>> claims_for_acl(const attest::Claims& claims);

}  // namespace trustmq::tls

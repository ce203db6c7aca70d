// The binding of post-handshake evidence (MQTT 5 enhanced authentication, method
// trustmq-attest-v1; docs/attestation.md, "Post-handshake attestation") to one TLS 1.3
// connection:
//
//   exporter    = TLS-Exporter("EXPORTER-trustmq-attest", context = nonce, 64)   (RFC 8446 §7.5)
//   report_data = SHA-512("trustmq-attest-v1" || 0x00 || nonce || exporter || spki_hash)
//
// The exporter is derived from the exporter master secret of the full key schedule, so it is
// unique to this connection and known only to its two ends; spki_hash is, as in the
// in-handshake binding (attestation_binding.h), the SHA-256 of the server certificate's
// SubjectPublicKeyInfo, empty on a resumed (PSK) session. The label differs from the
// in-handshake one, so evidence of one mode can never pass for the other.
#pragma once

#include <openssl/ssl.h>

#include "attest/bytes.h"
#include "base/result.h"

namespace trustmq::tls {

inline constexpr char kPostHandshakeExporterLabel[] = "EXPORTER-trustmq-attest";
inline constexpr char kPostHandshakeBindingLabel[] = "trustmq-attest-v1";
inline constexpr std::size_t kPostHandshakeExporterSize = 64;

attest::ReportData compute_post_handshake_binding(attest::ByteSpan nonce, attest::ByteSpan exporter,
                                                  attest::ByteSpan spki_hash);

// Reads the exporter and the server's SPKI hash of `ssl` (either side; TLS 1.3 only) and
// computes the binding. Fails on TLS 1.2 or earlier and when OpenSSL cannot export.
Result<attest::ReportData> post_handshake_binding(SSL* ssl, attest::ByteSpan nonce,
                                                  bool server_side);

}  // namespace trustmq::tls

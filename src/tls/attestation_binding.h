// The binding of evidence to one TLS 1.3 handshake (docs/architecture.md, Attested TLS;
// docs/attestation.md):
//
//   report_data = SHA-512("trustmq attestation v1" || 0x00 || nonce || client_random ||
//                         server_random || server_key_share || spki_hash)
//
// server_key_share: the server's ephemeral (EC)DHE public key of this handshake (encoded as on
// the wire); spki_hash: SHA-256 of the server certificate's SubjectPublicKeyInfo, empty when a
// PSK was accepted (no certificate is sent).
#pragma once

#include <openssl/ssl.h>

#include "attest/bytes.h"
#include "base/result.h"

namespace trustmq::tls {

inline constexpr char kBindingLabel[] = "trustmq attestation v1";

attest::ReportData compute_binding(attest::ByteSpan nonce, attest::ByteSpan client_random,
                                   attest::ByteSpan server_random,
                                   attest::ByteSpan server_key_share, attest::ByteSpan spki_hash);

// The handshake values as one side sees them.
struct HandshakeTranscriptValues {
  attest::Bytes client_random;
  attest::Bytes server_random;
  attest::Bytes server_key_share;  // empty if no (EC)DHE took place
};

// Server side: own ephemeral key (SSL_get_tmp_key). Client side: peer's (SSL_get_peer_tmp_key).
Result<HandshakeTranscriptValues> read_handshake_values(SSL* ssl, bool server_side);

// Encoded public key of an (EC)DH key as sent in key_share.
attest::Bytes encoded_public_key(EVP_PKEY* key);

}  // namespace trustmq::tls

// Post-handshake attestation (MQTT 5 enhanced authentication, method trustmq-attest-v1;
// docs/attestation.md, "Post-handshake attestation"): the request and the answer reuse the
// in-handshake wire encoding (attestation_wire.h) and carry evidence bound to the connection's
// TLS exporter (post_handshake_binding.h).
//
//   request (client → broker, Authentication Data of CONNECT or AUTH 0x19):
//       AttestationRequest  { opaque nonce<8..64>; uint16 accepted_types<2..254>; }
//   answer  (broker → client, Authentication Data of CONNACK or AUTH 0x00):
//       AttestationEvidence { uint16 type; opaque evidence<1..2^16-1>; }
//
// Transport-agnostic: both sides take the SSL* of an established TLS 1.3 connection.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <string>

#include "attest/bytes.h"
#include "base/result.h"
#include "tls/attestation_client.h"
#include "tls/attestation_server.h"

namespace trustmq::tls {

// ---- broker side

enum class PostHandshakeRefusal : std::uint8_t {
  kMalformedRequest,  // the request does not decode
  kNoAcceptedType,    // no attester of a type the client accepts
  kNoExporter,        // not TLS 1.3, or the exporter failed
  kAttesterFailed,    // the attester failed or its evidence is too large
};

struct PostHandshakeFailure {
  PostHandshakeRefusal reason;
  std::string message;
};

struct PostHandshakeEvidence {
  std::uint16_t type = 0;
  attest::Bytes answer;  // encoded AttestationEvidence
};

Result<PostHandshakeEvidence, PostHandshakeFailure> produce_post_handshake_evidence(
    SSL* ssl, const AttestationServer& server, attest::ByteSpan request);

// ---- client side

struct PostHandshakeRequest {
  attest::Bytes nonce;    // fresh, kClientNonceSize random bytes
  attest::Bytes request;  // encoded AttestationRequest
};

// A fresh nonce and the types the client's policy can verify; fails only without randomness.
Result<PostHandshakeRequest> make_post_handshake_request(const AttestationClient& client);

// Decodes the broker's answer, computes the binding on the client's own `ssl` for the nonce
// the client sent, and verifies signature chain → binding → policy. Fails closed: an answer
// for another nonce or another connection is kBindingMismatch.
AttestationOutcome verify_post_handshake_evidence(SSL* ssl, const AttestationClient& client,
                                                  attest::ByteSpan nonce, attest::ByteSpan answer);

}  // namespace trustmq::tls

// Re-attestation over MQTT 5 enhanced authentication, method "trustmq-attest-v1"
// (docs/attestation.md, "Post-handshake attestation"): what the core and its host agree on.
// The core only carries the bytes: the request (Authentication Data of CONNECT or AUTH 0x19)
// goes to the host unread, the host's evidence comes back as the Authentication Data of CONNACK
// or AUTH 0x00. Only the host can compute the TLS exporter and run the attester.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mqtt/reason_code.h"
#include "mqtt/types.h"

namespace trustmq::mqtt {

inline constexpr std::string_view kAttestAuthenticationMethod = "trustmq-attest-v1";

// The largest answer a host may return: an encoded AttestationEvidence (2-byte type, 2-byte
// length, at most 18 KiB of evidence; src/tls/attestation_wire.h) with room to spare.
inline constexpr std::size_t kMaxEvidenceAnswerSize = 20 * 1024;

// Fresh evidence (trustmq-attest-v1, CONNACK or AUTH 0x19) costs the host a signature or a TPM
// quote inside the event loop, so a client asking in a loop would stall every other connection.
// Each connection has a budget of kEvidenceBurst answers, regaining one per
// kEvidenceRefillInterval; asking with the budget spent ends the connection (0x96).
inline constexpr std::uint32_t kEvidenceBurst = 8;
inline constexpr TimeMs kEvidenceRefillInterval = 1000;

// The host's answer to "produce evidence for connection C for this request".
enum class EvidenceStatus : std::uint8_t {
  kProduced = 0,          // `evidence` holds the encoded AttestationEvidence
  kUnsupported = 1,       // no TLS on this connection, no attester, or no type the client accepts
  kNotAuthorized = 2,     // the listener gives evidence only to authenticated clients
  kMalformedRequest = 3,  // the request bytes do not decode
  kFailed = 4,            // the attester or the exporter failed
};
inline constexpr std::uint8_t kMaxEvidenceStatus = 4;

// The MQTT 5 reason code that tells the client why it got no evidence.
constexpr ReasonCode reason_for(EvidenceStatus status) {
  switch (status) {
    case EvidenceStatus::kProduced:
      return ReasonCode::kSuccess;
    case EvidenceStatus::kUnsupported:
      return ReasonCode::kBadAuthenticationMethod;
    case EvidenceStatus::kNotAuthorized:
      return ReasonCode::kNotAuthorized;
    case EvidenceStatus::kMalformedRequest:
      return ReasonCode::kProtocolError;
    case EvidenceStatus::kFailed:
      return ReasonCode::kUnspecifiedError;
  }
  return ReasonCode::kUnspecifiedError;
}

constexpr std::string_view evidence_status_name(EvidenceStatus status) {
  switch (status) {
    case EvidenceStatus::kProduced:
      return "produced";
    case EvidenceStatus::kUnsupported:
      return "unsupported";
    case EvidenceStatus::kNotAuthorized:
      return "not authorized";
    case EvidenceStatus::kMalformedRequest:
      return "malformed request";
    case EvidenceStatus::kFailed:
      return "failed";
  }
  return "failed";
}

}  // namespace trustmq::mqtt

namespace trustmq::mqtt {

// ---- Attested clients (docs/attestation.md, "Attested clients"): the client presents its own
// evidence under the same method. The core only splits the Authentication Data (below); the
// host verifies the evidence (TLS exporter, OpenSSL, the listener's client_attestation_policy)
// and returns claims or the reason it refused.
//
// CONNECT Authentication Data whose first byte is kClientEvidenceMarker:
//   0x00 || opaque broker_request<0..255> || AttestationEvidence client_evidence
// broker_request (1-byte length) is an AttestationRequest for the broker's own evidence, or
// empty for none. Any other first byte is the plain AttestationRequest of broker attestation.
// AUTH 0x19 whose data is exactly kClientReattestationMarker asks the broker for a challenge
// (AUTH 0x18, an AttestationRequest carrying the broker's nonce); the client answers with AUTH
// 0x18 carrying AttestationEvidence; the broker ends the exchange with AUTH 0x00 or DISCONNECT.
inline constexpr std::uint8_t kClientEvidenceMarker = 0x00;
inline constexpr std::uint8_t kClientReattestationMarker = 0x01;

// The largest host output for a client step: a challenge, or claims, or a refusal reason.
inline constexpr std::size_t kMaxClientAttestationOutput = 8 * 1024;

enum class ClientEvidenceStep : std::uint8_t {
  kAtConnect = 0,  // input: the client's AttestationEvidence from CONNECT
  kChallenge = 1,  // input: empty; the host remembers a fresh nonce and returns the challenge
  kAnswer = 2,     // input: AttestationEvidence answering the last challenge (used up either way)
};
inline constexpr std::uint8_t kMaxClientEvidenceStep = 2;

enum class ClientEvidenceStatus : std::uint8_t {
  kAccepted = 0,     // output: the claims (mqtt/client_claims.h encoding)
  kChallenge = 1,    // output: the challenge to send in AUTH 0x18
  kUnsupported = 2,  // no client_attestation_policy on this listener, or no TLS 1.3
  kMalformed = 3,    // the evidence does not decode; output: why
  kRefused = 4,      // signature, binding or policy refused it; output: why
};
inline constexpr std::uint8_t kMaxClientEvidenceStatus = 4;

constexpr std::string_view client_evidence_status_name(ClientEvidenceStatus status) {
  switch (status) {
    case ClientEvidenceStatus::kAccepted:
      return "accepted";
    case ClientEvidenceStatus::kChallenge:
      return "challenge";
    case ClientEvidenceStatus::kUnsupported:
      return "unsupported";
    case ClientEvidenceStatus::kMalformed:
      return "malformed";
    case ClientEvidenceStatus::kRefused:
      return "refused";
  }
  return "refused";
}

}  // namespace trustmq::mqtt

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

// Wire format of `sim` evidence (type 0xFE01). Big-endian, documented in docs/attestation.md:
//
//   uint8  version = 1
//   uint8  flags              bit 0: debug; other bits must be zero
//   uint64 timestamp          seconds since the Unix epoch
//   opaque runtime_measurement[32]
//   opaque module_measurement[32]
//   opaque report_data[64]
//   opaque signature<8..255>  ECDSA P-256 (DER) over SHA-256(kSimSignatureContext || body)
//   opaque platform_cert<1..2^16-1>   DER X.509 of the platform key
//
// body = the first 138 bytes (version .. report_data). sim gives NO hardware protection.
#pragma once

#include <cstdint>

#include "attest/bytes.h"
#include "attest/claims.h"
#include "base/result.h"

namespace trustmq::attest {

inline constexpr std::uint8_t kSimEvidenceVersion = 1;
inline constexpr std::size_t kSimBodySize = 138;
// Domain separation for the signature ("trustmq sim evidence v1" followed by a zero byte).
inline constexpr char kSimSignatureContext[] = "trustmq sim evidence v1";

struct SimEvidence {
  Claims claims;  // platform_id is left empty (the verifier derives it from the certificate)
  Bytes body;     // the signed bytes
  Bytes signature;
  Bytes platform_cert_der;
};

Bytes encode_sim_body(const Claims& claims);
// The bytes actually signed: context || 0x00 || body.
Bytes sim_signed_message(ByteSpan body);
// SHA-256 of sim_signed_message(body): what the ECDSA signature is computed over.
Sha256Digest sim_signed_digest(ByteSpan body);
Bytes encode_sim_evidence(ByteSpan body, ByteSpan signature, ByteSpan platform_cert_der);
// Strict: exact lengths, no trailing bytes, reserved flags zero.
Result<SimEvidence> decode_sim_evidence(ByteSpan evidence);

}  // namespace trustmq::attest

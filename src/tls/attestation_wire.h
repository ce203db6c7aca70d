// Wire format of the trustmq attestation TLS extension (docs/attestation.md):
//
//   ClientHello:          AttestationRequest  { opaque nonce<8..64>; uint16 accepted_types<2..254>;
//   } EncryptedExtensions:  AttestationEvidence { uint16 type; opaque evidence<1..2^16-1>; }
//   Certificate (leaf):   empty marker (the server sent evidence bound to this certificate)
//
// The extension number is in the private-use range 0xFF00–0xFFFF. Decoding is strict: exact
// lengths, no trailing bytes. Errors carry the TLS alert to send.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "attest/bytes.h"
#include "base/result.h"

namespace trustmq::tls {

using attest::Bytes;
using attest::ByteSpan;

inline constexpr unsigned int kAttestationExtensionType = 0xFFA7;
inline constexpr std::size_t kMinNonceSize = 8;
inline constexpr std::size_t kMaxNonceSize = 64;
inline constexpr std::size_t kClientNonceSize = 32;    // what trustmq clients send
inline constexpr std::size_t kMaxAcceptedTypes = 127;  // 254 bytes
// OpenSSL 3.0 clients reject an EncryptedExtensions message above ~20 000 bytes; evidence is
// capped below that with room for the other extensions. Larger evidence is a clean error.
inline constexpr std::size_t kMaxEvidenceSize = 18 * 1024;

struct AttestationRequest {
  Bytes nonce;
  std::vector<std::uint16_t> accepted_types;  // in order of preference
};

struct AttestationEvidence {
  std::uint16_t type = 0;
  Bytes evidence;
};

struct WireError {
  int alert;  // SSL_AD_* value to send
  std::string message;
};

Bytes encode_request(const AttestationRequest& request);
Result<AttestationRequest, WireError> decode_request(ByteSpan data);
Bytes encode_evidence(const AttestationEvidence& evidence);
Result<AttestationEvidence, WireError> decode_evidence(ByteSpan data);

}  // namespace trustmq::tls

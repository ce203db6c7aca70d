#include "tls/attestation_wire.h"

#include <openssl/ssl.h>

#include <algorithm>

namespace trustmq::tls {

Bytes encode_request(const AttestationRequest& r) {
  // Sized up front: push_back then insert() into a 1-byte vector trips g++ 12's -Warray-bounds
  // at -O3 (a false positive in std::vector's reallocation path).
  Bytes out(1 + r.nonce.size());
  out[0] = static_cast<std::uint8_t>(r.nonce.size());
  std::copy(r.nonce.begin(), r.nonce.end(), out.begin() + 1);
  out.push_back(static_cast<std::uint8_t>(r.accepted_types.size() * 2));
  for (std::uint16_t t : r.accepted_types) {
    out.push_back(static_cast<std::uint8_t>(t >> 8));
    out.push_back(static_cast<std::uint8_t>(t));
  }
  return out;
}

Result<AttestationRequest, WireError> decode_request(ByteSpan d) {
  using R = Result<AttestationRequest, WireError>;
  if (d.empty()) return R::failure({SSL_AD_DECODE_ERROR, "attestation request is empty"});
  std::size_t nonce_len = d[0];
  if (nonce_len < kMinNonceSize || nonce_len > kMaxNonceSize) {
    return R::failure(
        {SSL_AD_ILLEGAL_PARAMETER,
         "attestation request nonce of " + std::to_string(nonce_len) + " bytes (allowed 8..64)"});
  }
  if (d.size() < 1 + nonce_len + 1) {
    return R::failure({SSL_AD_DECODE_ERROR, "attestation request truncated"});
  }
  AttestationRequest r;
  r.nonce.assign(d.begin() + 1, d.begin() + 1 + static_cast<std::ptrdiff_t>(nonce_len));
  std::size_t p = 1 + nonce_len;
  std::size_t types_len = d[p++];
  if (types_len < 2 || types_len % 2 != 0 || types_len > 254) {
    return R::failure({SSL_AD_ILLEGAL_PARAMETER, "attestation request type list of " +
                                                     std::to_string(types_len) +
                                                     " bytes (must be even, 2..254)"});
  }
  if (p + types_len != d.size()) {
    return R::failure({SSL_AD_DECODE_ERROR, "attestation request length mismatch"});
  }
  for (std::size_t i = 0; i < types_len; i += 2) {
    r.accepted_types.push_back(static_cast<std::uint16_t>(d[p + i] << 8 | d[p + i + 1]));
  }
  return R::success(std::move(r));
}

Bytes encode_evidence(const AttestationEvidence& e) {
  Bytes out;
  out.reserve(4 + e.evidence.size());
  out.push_back(static_cast<std::uint8_t>(e.type >> 8));
  out.push_back(static_cast<std::uint8_t>(e.type));
  out.push_back(static_cast<std::uint8_t>(e.evidence.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(e.evidence.size()));
  out.insert(out.end(), e.evidence.begin(), e.evidence.end());
  return out;
}

Result<AttestationEvidence, WireError> decode_evidence(ByteSpan d) {
  using R = Result<AttestationEvidence, WireError>;
  if (d.size() < 4) return R::failure({SSL_AD_DECODE_ERROR, "attestation evidence truncated"});
  AttestationEvidence e;
  e.type = static_cast<std::uint16_t>(d[0] << 8 | d[1]);
  std::size_t len = static_cast<std::size_t>(d[2]) << 8 | d[3];
  if (len == 0) return R::failure({SSL_AD_DECODE_ERROR, "attestation evidence is empty"});
  if (4 + len != d.size()) {
    return R::failure({SSL_AD_DECODE_ERROR, "attestation evidence length mismatch"});
  }
  if (len > kMaxEvidenceSize) {
    return R::failure({SSL_AD_ILLEGAL_PARAMETER, "attestation evidence of " + std::to_string(len) +
                                                     " bytes exceeds the maximum of " +
                                                     std::to_string(kMaxEvidenceSize)});
  }
  e.evidence.assign(d.begin() + 4, d.end());
  return R::success(std::move(e));
}

}  // namespace trustmq::tls

#include "attest/sim_evidence.h"

#include <algorithm>
#include <cstring>

#include "attest/measurement.h"

namespace trustmq::attest {

Bytes encode_sim_body(const Claims& c) {
  Bytes b;
  b.reserve(kSimBodySize);
  b.push_back(kSimEvidenceVersion);
  b.push_back(c.debug ? 1 : 0);
  for (int shift = 56; shift >= 0; shift -= 8) {
    b.push_back(static_cast<std::uint8_t>(c.timestamp >> shift));
  }
  b.insert(b.end(), c.runtime_measurement.begin(), c.runtime_measurement.end());
  b.insert(b.end(), c.module_measurement.begin(), c.module_measurement.end());
  b.insert(b.end(), c.report_data.begin(), c.report_data.end());
  return b;
}

Bytes sim_signed_message(ByteSpan body) {
  // Sized once and filled: growing a vector built from the context string by insert() trips
  // g++ 12's -Warray-bounds at -O3 (a false positive inside std::vector's reallocation).
  constexpr std::size_t kContextSize = sizeof kSimSignatureContext;  // incl. NUL
  Bytes m(kContextSize + body.size());
  std::memcpy(m.data(), kSimSignatureContext, kContextSize);
  std::copy(body.begin(), body.end(), m.begin() + kContextSize);
  return m;
}

Sha256Digest sim_signed_digest(ByteSpan body) { return sha256(sim_signed_message(body)); }

Bytes encode_sim_evidence(ByteSpan body, ByteSpan signature, ByteSpan cert) {
  Bytes e(body.begin(), body.end());
  e.push_back(static_cast<std::uint8_t>(signature.size()));
  e.insert(e.end(), signature.begin(), signature.end());
  e.push_back(static_cast<std::uint8_t>(cert.size() >> 8));
  e.push_back(static_cast<std::uint8_t>(cert.size()));
  e.insert(e.end(), cert.begin(), cert.end());
  return e;
}

Result<SimEvidence> decode_sim_evidence(ByteSpan e) {
  using R = Result<SimEvidence>;
  if (e.size() < kSimBodySize + 1) {
    return R::failure("sim evidence truncated (" + std::to_string(e.size()) + " bytes)");
  }
  if (e[0] != kSimEvidenceVersion) {
    return R::failure("sim evidence version " + std::to_string(e[0]) + " unsupported");
  }
  if ((e[1] & ~1u) != 0) return R::failure("sim evidence has reserved flag bits set");
  SimEvidence out;
  Claims& c = out.claims;
  c.type = EvidenceType::kSim;
  c.debug = (e[1] & 1) != 0;
  for (int i = 0; i < 8; ++i) c.timestamp = (c.timestamp << 8) | e[2 + i];
  std::size_t p = 10;
  std::copy_n(e.begin() + p, 32, c.runtime_measurement.begin());
  p += 32;
  std::copy_n(e.begin() + p, 32, c.module_measurement.begin());
  p += 32;
  std::copy_n(e.begin() + p, 64, c.report_data.begin());
  p += 64;
  out.body.assign(e.begin(), e.begin() + kSimBodySize);
  std::size_t sig_len = e[p++];
  if (sig_len < 8 || p + sig_len + 2 > e.size()) {
    return R::failure("sim evidence signature length invalid");
  }
  out.signature.assign(e.begin() + p, e.begin() + p + sig_len);
  p += sig_len;
  std::size_t cert_len = static_cast<std::size_t>(e[p]) << 8 | e[p + 1];
  p += 2;
  if (cert_len == 0 || p + cert_len != e.size()) {
    return R::failure("sim evidence certificate length invalid (or trailing bytes)");
  }
  out.platform_cert_der.assign(e.begin() + p, e.end());
  return R::success(std::move(out));
}

}  // namespace trustmq::attest

#include "attest/tpm_evidence.h"

#include <algorithm>

#include "attest/measurement.h"

namespace trustmq::attest {

namespace {

void put_u16_bytes(Bytes& out, ByteSpan b) {
  out.push_back(static_cast<std::uint8_t>(b.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(b.size()));
  out.insert(out.end(), b.begin(), b.end());
}

// Reads the evidence front to back; the first failure is kept.
class Reader {
 public:
  explicit Reader(ByteSpan b) : b_(b) {}
  bool u8(std::uint8_t& v) {
    if (!need(1)) return false;
    v = b_[p_++];
    return true;
  }
  template <std::size_t N>
  bool fixed(std::array<std::uint8_t, N>& v) {
    if (!need(N)) return false;
    std::copy_n(b_.begin() + static_cast<std::ptrdiff_t>(p_), N, v.begin());
    p_ += N;
    return true;
  }
  bool vector16(Bytes& v) {
    if (!need(2)) return false;
    const std::size_t n = static_cast<std::size_t>(b_[p_]) << 8 | b_[p_ + 1];
    p_ += 2;
    if (n == 0 || !need(n)) return false;
    v.assign(b_.begin() + static_cast<std::ptrdiff_t>(p_),
             b_.begin() + static_cast<std::ptrdiff_t>(p_ + n));
    p_ += n;
    return true;
  }
  bool at_end() const { return p_ == b_.size(); }

 private:
  bool need(std::size_t n) const { return b_.size() - p_ >= n; }
  ByteSpan b_;
  std::size_t p_ = 0;
};

}  // namespace

Bytes encode_tpm_evidence(const TpmEvidence& e) {
  Bytes out;
  out.push_back(kTpmEvidenceVersion);
  out.push_back(static_cast<std::uint8_t>(e.pcrs.size()));
  for (const TpmPcrValue& p : e.pcrs) {
    out.push_back(p.index);
    out.insert(out.end(), p.value.begin(), p.value.end());
  }
  out.push_back(static_cast<std::uint8_t>(e.events.size()));
  for (const TpmEvent& ev : e.events) {
    out.push_back(static_cast<std::uint8_t>(ev.kind));
    out.insert(out.end(), ev.measurement.begin(), ev.measurement.end());
  }
  out.insert(out.end(), e.report_data.begin(), e.report_data.end());
  put_u16_bytes(out, e.attest);
  put_u16_bytes(out, e.signature);
  put_u16_bytes(out, e.ak_certificate_der);
  return out;
}

Result<TpmEvidence> decode_tpm_evidence(ByteSpan bytes) {
  using R = Result<TpmEvidence>;
  Reader r(bytes);
  TpmEvidence e;
  std::uint8_t version = 0;
  if (!r.u8(version)) return R::failure("tpm2-quote evidence is empty");
  if (version != kTpmEvidenceVersion) {
    return R::failure("tpm2-quote evidence version " + std::to_string(version) + " unsupported");
  }
  std::uint8_t pcr_count = 0;
  if (!r.u8(pcr_count) || pcr_count == 0 || pcr_count > kTpmMaxPcrs) {
    return R::failure("tpm2-quote evidence PCR count missing or not in 1..24");
  }
  for (std::size_t i = 0; i < pcr_count; ++i) {
    TpmPcrValue p;
    if (!r.u8(p.index) || !r.fixed(p.value)) {
      return R::failure("tpm2-quote evidence truncated in the PCR values");
    }
    if (p.index >= kTpmMaxPcrs || (!e.pcrs.empty() && p.index <= e.pcrs.back().index)) {
      return R::failure("tpm2-quote evidence PCR indices must increase within 0..23");
    }
    e.pcrs.push_back(p);
  }
  std::uint8_t event_count = 0;
  if (!r.u8(event_count) || event_count > kTpmMaxEvents) {
    return R::failure("tpm2-quote evidence event count missing or above 16");
  }
  for (std::size_t i = 0; i < event_count; ++i) {
    std::uint8_t kind = 0;
    TpmEvent ev;
    if (!r.u8(kind) || !r.fixed(ev.measurement)) {
      return R::failure("tpm2-quote evidence truncated in the event log");
    }
    const auto k = tpm_event_kind_from_code(kind);
    if (!k) return R::failure("tpm2-quote event kind " + std::to_string(kind) + " unknown");
    ev.kind = *k;
    e.events.push_back(ev);
  }
  if (!r.fixed(e.report_data)) return R::failure("tpm2-quote evidence truncated (report data)");
  if (!r.vector16(e.attest)) return R::failure("tpm2-quote evidence attest length invalid");
  if (!r.vector16(e.signature)) return R::failure("tpm2-quote evidence signature length invalid");
  if (!r.vector16(e.ak_certificate_der)) {
    return R::failure("tpm2-quote evidence AK certificate length invalid");
  }
  if (!r.at_end()) return R::failure("tpm2-quote evidence has trailing bytes");
  return R::success(std::move(e));
}

Sha256Digest tpm_qualifying_data(const ReportData& report_data) { return sha256(report_data); }

Sha256Digest tpm_pcr_digest(const std::vector<TpmPcrValue>& pcrs) {
  Bytes all;
  all.reserve(pcrs.size() * 32);
  for (const TpmPcrValue& p : pcrs) all.insert(all.end(), p.value.begin(), p.value.end());
  return sha256(all);
}

}  // namespace trustmq::attest

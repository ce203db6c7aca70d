#include "attest/tpm_event_log.h"

#include <cstring>

#include "attest/measurement.h"

namespace trustmq::attest {

std::string_view tpm_event_kind_name(TpmEventKind kind) {
  switch (kind) {
    case TpmEventKind::kRuntime:
      return "runtime";
    case TpmEventKind::kModule:
      return "module";
  }
  return "unknown";
}

std::optional<TpmEventKind> tpm_event_kind_from_code(std::uint8_t code) {
  if (code == static_cast<std::uint8_t>(TpmEventKind::kRuntime)) return TpmEventKind::kRuntime;
  if (code == static_cast<std::uint8_t>(TpmEventKind::kModule)) return TpmEventKind::kModule;
  return std::nullopt;
}

Sha256Digest tpm_event_digest(const TpmEvent& event) {
  constexpr std::size_t kContextSize = sizeof kTpmEventContext;  // incl. NUL
  Bytes m(kContextSize + 1 + event.measurement.size());
  std::memcpy(m.data(), kTpmEventContext, kContextSize);
  m[kContextSize] = static_cast<std::uint8_t>(event.kind);
  std::memcpy(m.data() + kContextSize + 1, event.measurement.data(), event.measurement.size());
  return sha256(m);
}

Sha256Digest tpm_pcr_extend(const Sha256Digest& pcr, const Sha256Digest& digest) {
  Bytes m(pcr.begin(), pcr.end());
  m.insert(m.end(), digest.begin(), digest.end());
  return sha256(m);
}

Sha256Digest tpm_replay_events(const std::vector<TpmEvent>& events) {
  Sha256Digest pcr{};
  for (const TpmEvent& e : events) pcr = tpm_pcr_extend(pcr, tpm_event_digest(e));
  return pcr;
}

}  // namespace trustmq::attest

#include "attest/evidence_type.h"

#include <array>
#include <utility>

namespace trustmq::attest {

namespace {
constexpr std::array<std::pair<EvidenceType, std::string_view>, 5> kRegistry{{
    {EvidenceType::kTpm2Quote, "tpm2-quote"},
    {EvidenceType::kSgxDcap, "sgx-dcap"},
    {EvidenceType::kTdx, "tdx"},
    {EvidenceType::kSevSnp, "sev-snp"},
    {EvidenceType::kSim, "sim"},
}};
}  // namespace

std::string_view evidence_type_name(std::uint16_t code) {
  for (const auto& [type, name] : kRegistry) {
    if (static_cast<std::uint16_t>(type) == code) return name;
  }
  return "unknown";
}

std::string_view evidence_type_name(EvidenceType type) {
  return evidence_type_name(static_cast<std::uint16_t>(type));
}

std::optional<EvidenceType> evidence_type_from_name(std::string_view name) {
  for (const auto& [type, n] : kRegistry) {
    if (n == name) return type;
  }
  return std::nullopt;
}

bool is_registered_evidence_type(std::uint16_t code) {
  return evidence_type_name(code) != "unknown";
}

}  // namespace trustmq::attest

// The registry of evidence types carried in the attestation extension (docs/attestation.md).
// Codes 0x0001–0x7FFF are for standard hardware formats; 0xFE00–0xFFFF is private/development use.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace trustmq::attest {

enum class EvidenceType : std::uint16_t {
  kTpm2Quote = 0x0001,  // TPM 2.0 quote (TPMS_ATTEST + signature), report data as qualifying data
  kSgxDcap = 0x0002,    // Intel SGX DCAP ECDSA quote v3
  kTdx = 0x0003,        // Intel TDX quote v4 or v5
  kSevSnp = 0x0004,     // AMD SEV-SNP attestation report (v2-v5)
  kSim = 0xFE01,        // software platform key: NO hardware protection (development only)
};

// "sim", "tpm2-quote", "sgx-dcap", "tdx", "sev-snp"; "unknown" for codes outside the registry.
std::string_view evidence_type_name(EvidenceType type);
std::string_view evidence_type_name(std::uint16_t code);
std::optional<EvidenceType> evidence_type_from_name(std::string_view name);
// True if `code` is one of the registered values above.
bool is_registered_evidence_type(std::uint16_t code);

}  // namespace trustmq::attest

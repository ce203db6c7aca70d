// What a verified AMD SEV-SNP report says about the guest (claims for appraisal and output).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "attest/crl_revocation_claim.h"
#include "attest/sev_snp_report.h"

namespace trustmq::attest {

struct SevSnpClaims {
  std::uint32_t report_version = 0;
  std::string product;  // "Milan", "Genoa" (from the endorsement key certificate)
  SevSnpSigningKey signing_key = SevSnpSigningKey::kVcek;
  std::array<std::uint8_t, 48> measurement{};  // launch digest
  std::array<std::uint8_t, 32> host_data{};
  std::array<std::uint8_t, 48> id_key_digest{};
  std::array<std::uint8_t, 48> author_key_digest{};
  std::array<std::uint8_t, 16> family_id{};
  std::array<std::uint8_t, 16> image_id{};
  std::array<std::uint8_t, 64> chip_id{};
  std::uint64_t policy = 0;
  bool debug_allowed = false;            // guest policy bit 19
  bool migration_agent_allowed = false;  // guest policy bit 18
  std::uint32_t guest_svn = 0;
  std::uint32_t vmpl = 0;
  SevSnpTcb current_tcb;
  SevSnpTcb reported_tcb;
  SevSnpTcb committed_tcb;
  SevSnpTcb launch_tcb;
  std::uint64_t platform_info = 0;
  CrlRevocationClaim revocation;  // the ASK/ASVK against the ARK's CRL
};

}  // namespace trustmq::attest

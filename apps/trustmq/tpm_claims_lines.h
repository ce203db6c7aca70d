// The tpm2-quote claims as (name, value) lines, shared by `trustmq attest` (live) and
// `trustmq attest --evidence` (offline), each printing them its own way.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "attest/claims.h"

namespace trustmq::cli {

inline std::vector<std::pair<std::string, std::string>> tpm_claim_lines(
    const attest::TpmClaims& t) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& p : t.pcrs) {
    out.emplace_back("PCR " + std::to_string(p.index) + " (sha256):", attest::to_hex(p.value));
  }
  for (const auto& e : t.events) {
    out.emplace_back("PCR 23 event:", std::string(attest::tpm_event_kind_name(e.kind)) + " " +
                                          attest::to_hex(e.measurement));
  }
  out.emplace_back("TPM clock:", std::to_string(t.clock) + " ms since the TPM was cleared" +
                                     (t.safe ? "" : " (NOT safe: may have gone backward)"));
  out.emplace_back("TPM resets/restarts:",
                   std::to_string(t.reset_count) + " / " + std::to_string(t.restart_count));
  out.emplace_back("AK certificate:", t.ak_subject + ", issued by " + t.ak_issuer);
  return out;
}

}  // namespace trustmq::cli

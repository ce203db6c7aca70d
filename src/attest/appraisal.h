// Appraisal: claims against a policy. The verdict comes with every reason, each precise
// ("module measurement 3fa2… not in policy").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "attest/claims.h"
#include "attest/policy.h"

namespace trustmq::attest {

enum class AppraisalCheck {
  kEvidenceType,        // type not in allowed_types (or sim without allow_sim)
  kModuleMeasurement,   // module measurement not listed
  kRuntimeMeasurement,  // runtime measurement not listed
  kDebug,               // debug platform while allow_debug is false
  kTooOld,              // older than max_evidence_age_seconds
  kFromFuture,          // timestamp beyond max_clock_skew_seconds ahead
  // Hardware types (the policy's "sev-snp", "sgx-dcap", "tdx" sections):
  kTeeMeasurement,  // launch measurement / enclave or TD identity / host data not listed
  kTeeSvn,          // security version or TCB below the policy's minimum
  kTcbStatus,       // Intel TCB status (platform or QE) not allowed, or unknown
  kCollateralAge,   // TCB info / QE identity older than allowed or past its nextUpdate
  kGuestPolicy,     // SEV-SNP guest policy the relying party forbids (migration agent)
};

struct AppraisalReason {
  AppraisalCheck check;
  std::string text;
};

struct Appraisal {
  bool accepted = false;
  std::vector<AppraisalReason> reasons;  // empty iff accepted
  std::vector<std::string> notes;        // informational (e.g. sim's honesty label)
};

// The note every output involving sim carries.
inline constexpr const char* kSimHonestyNote =
    "sim evidence: software platform key, NO hardware protection (development only)";

Appraisal appraise(const Policy& policy, const Claims& claims, std::uint64_t now_unix_seconds);

}  // namespace trustmq::attest

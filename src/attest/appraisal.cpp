#include "attest/appraisal.h"

namespace trustmq::attest {

Appraisal appraise(const Policy& policy, const Claims& claims, std::uint64_t now) {
  Appraisal a;
  auto reject = [&](AppraisalCheck check, std::string text) {
    a.reasons.push_back({check, std::move(text)});
  };
  std::string type_name(evidence_type_name(claims.type));
  if (claims.type == EvidenceType::kSim) a.notes.push_back(kSimHonestyNote);

  if (!policy.allows(claims.type)) {
    if (claims.type == EvidenceType::kSim && !policy.allow_sim) {
      reject(AppraisalCheck::kEvidenceType,
             "evidence type sim not acceptable: policy has allow_sim false (sim gives NO "
             "hardware protection)");
    } else {
      reject(AppraisalCheck::kEvidenceType,
             "evidence type " + type_name + " not allowed by policy");
    }
  }
  if (!policy.module_measurements.accepts(claims.module_measurement)) {
    reject(AppraisalCheck::kModuleMeasurement,
           "module measurement " + short_hex(claims.module_measurement) +
               " not in policy (full: " + to_hex(claims.module_measurement) + ")");
  }
  if (!policy.runtime_measurements.accepts(claims.runtime_measurement)) {
    reject(AppraisalCheck::kRuntimeMeasurement,
           "runtime measurement " + short_hex(claims.runtime_measurement) +
               " not in policy (full: " + to_hex(claims.runtime_measurement) + ")");
  }
  if (claims.debug && !policy.allow_debug) {
    reject(AppraisalCheck::kDebug, "platform runs in debug mode and policy has allow_debug false");
  }
  if (claims.timestamp > now + policy.max_clock_skew_seconds) {
    reject(AppraisalCheck::kFromFuture, "evidence timestamp " + std::to_string(claims.timestamp) +
                                            " is " + std::to_string(claims.timestamp - now) +
                                            " s in the future (max skew " +
                                            std::to_string(policy.max_clock_skew_seconds) + " s)");
  } else if (claims.timestamp + policy.max_evidence_age_seconds < now) {
    reject(AppraisalCheck::kTooOld, "evidence is " + std::to_string(now - claims.timestamp) +
                                        " s old (max " +
                                        std::to_string(policy.max_evidence_age_seconds) + " s)");
  }
  a.accepted = a.reasons.empty();
  return a;
}

}  // namespace trustmq::attest

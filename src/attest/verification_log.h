// The steps a hardware-evidence verifier performed, in order, each with its result, for
// `trustmq attest --evidence` and audits ("ARK self-signature: ok", "report signature: FAILED
// …"). A verifier stops at the first failed step; the log then ends with that step.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "attest/claims.h"
#include "attest/evidence_verifier.h"
#include "base/result.h"

namespace trustmq::attest {

struct VerificationStep {
  std::string name;  // "VCEK signed by ASK (RSA-PSS SHA-384)"
  bool passed = false;
  // True for a step that could not run (its collateral is absent): not a failure, but nothing
  // was checked; `detail` says "NOT CHECKED: …".
  bool skipped = false;
  std::string detail;  // what was compared or why it failed
};

using VerificationLog = std::vector<VerificationStep>;

// How a verifier records its steps (into an optional log) and turns a failed step into the
// failure it returns: the one idiom of every hardware verifier.
class VerificationSteps {
 public:
  explicit VerificationSteps(VerificationLog* log) : log_(log) {}
  void pass(std::string name, std::string detail = {}) {
    if (log_ != nullptr) log_->push_back({std::move(name), true, false, std::move(detail)});
  }
  void skip(std::string name, std::string detail) {
    if (log_ != nullptr) log_->push_back({std::move(name), true, true, std::move(detail)});
  }
  Result<Claims, VerifyFailure> fail(std::string name, VerifyError code, std::string message) {
    if (log_ != nullptr) log_->push_back({std::move(name), false, false, message});
    return Result<Claims, VerifyFailure>::failure({code, std::move(message)});
  }

 private:
  VerificationLog* log_;
};

}  // namespace trustmq::attest

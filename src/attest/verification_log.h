// The steps a hardware-evidence verifier performed, in order, each with its result, for
// `trustmq attest --evidence` and audits ("ARK self-signature: ok", "report signature: FAILED
// …"). A verifier stops at the first failed step; the log then ends with that step.
#pragma once

#include <string>
#include <vector>

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

}  // namespace trustmq::attest

// `sim` attester: signs claims with the sim platform key. NO hardware protection: a process
// that can read the platform key can sign any claims. For development and tests only.
#pragma once

#include "attest/attester.h"
#include "attest/sim_platform.h"

namespace trustmq::attest {

struct SimAttesterClaims {
  Sha256Digest runtime_measurement{};  // e.g. runtime_self_measurement()
  Sha256Digest module_measurement{};   // the hosted module's (or native core's) measurement
  bool debug = false;
};

class SimAttester final : public Attester {
 public:
  SimAttester(SimPlatform platform, SimAttesterClaims claims);
  EvidenceType type() const override { return EvidenceType::kSim; }
  Result<Bytes> attest(const ReportData& report_data) const override;

 private:
  SimPlatform platform_;
  SimAttesterClaims claims_;
  // Signing context for the platform key (ECDSA over a SHA-256 digest), prepared once and
  // duplicated per evidence (saves the per-call key/provider setup). Null if it could not be
  // prepared: attest() then fails.
  std::shared_ptr<EVP_PKEY_CTX> sign_template_;
};

}  // namespace trustmq::attest

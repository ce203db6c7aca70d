#include "attest/hardware_verifier.h"

#include "attest/intel_quote_verifier.h"
#include "attest/sev_snp_verifier.h"
#include "attest/tpm_quote_verifier.h"

namespace trustmq::attest {

std::unique_ptr<HardwareEvidenceVerifier> make_hardware_verifier(
    EvidenceType type, std::shared_ptr<const Collateral> collateral) {
  switch (type) {
    case EvidenceType::kSevSnp:
      return std::make_unique<SevSnpVerifier>(std::move(collateral));
    case EvidenceType::kSgxDcap:
    case EvidenceType::kTdx:
      return std::make_unique<IntelQuoteVerifier>(type, std::move(collateral));
    case EvidenceType::kTpm2Quote:
      return std::make_unique<TpmQuoteVerifier>(std::move(collateral));
    default:
      return nullptr;
  }
}

}  // namespace trustmq::attest

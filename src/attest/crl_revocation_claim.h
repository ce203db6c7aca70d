// What the sev-snp and tpm2-quote verifiers say about revocation of their endorsement chain
// (the ASK/ASVK by the ARK's CRL, the AK by the enrolment CA's CRL): whether a CRL from the
// collateral was checked, and when that CRL was issued. Appraisal turns it into the policy's
// require_revocation_check and max_collateral_age_seconds (docs/attestation.md §6).
#pragma once

#include <cstdint>
#include <string>

namespace trustmq::attest {

struct CrlRevocationClaim {
  bool checked = false;               // a CRL of the issuer was found and did not list the key
  std::uint64_t crl_this_update = 0;  // Unix seconds; meaningful only when checked
  std::string crl_source;             // the collateral file it came from
};

}  // namespace trustmq::attest

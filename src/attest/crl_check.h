// Revocation by a CRL from the collateral, as the sev-snp and tpm2-quote verifiers check it:
// the CRL whose issuer name is the issuer certificate's subject, signed by the issuer's key,
// thisUpdate <= now < nextUpdate, and the subject certificate not listed. A CRL's signature is
// remembered after it verified (VerifiedCrls); dates and the list are checked every time.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "attest/collateral.h"
#include "attest/evidence_verifier.h"
#include "base/result.h"

namespace trustmq::attest {

// The first CRL of the collateral issued (by name) by `issuer`; nullptr if none.
const CollateralCrl* find_crl_of(const Collateral& collateral, X509* issuer);

// The CRL's thisUpdate in Unix seconds (0 if it has none or it cannot be read).
std::uint64_t crl_this_update(const CollateralCrl& crl);

// CRLs whose signature by an issuer verified; bounded, thread-safe.
class VerifiedCrls {
 public:
  bool known(const SharedCrl& crl, X509* issuer) const;
  void remember(const SharedCrl& crl, const SharedX509& issuer);

 private:
  struct Entry {
    SharedCrl crl;  // holds it, so an address is never reused while remembered
    SharedX509 issuer;
  };
  static constexpr std::size_t kMax = 16;
  mutable std::mutex mutex_;
  std::vector<Entry> entries_;
};

// Checks `crl` for `subject` (issued by `issuer`). `issuer_name` and `subject_name` name them in
// errors ("ARK-Milan", "ASK SEV-Milan (built in)"). Errors: kCollateralInvalid (signature,
// dates), kCertificateRevoked (listed).
Result<void, VerifyFailure> check_crl(const CollateralCrl& crl, const SharedX509& issuer,
                                      X509* subject, const std::string& issuer_name,
                                      const std::string& subject_name, std::uint64_t now,
                                      VerifiedCrls& verified);

}  // namespace trustmq::attest

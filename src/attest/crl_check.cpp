#include "attest/crl_check.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <ctime>

#include "attest/x509_time.h"

namespace trustmq::attest {

const CollateralCrl* find_crl_of(const Collateral& collateral, X509* issuer) {
  for (const auto& c : collateral.crls) {
    if (X509_NAME_cmp(X509_CRL_get_issuer(c.crl.get()), X509_get_subject_name(issuer)) == 0) {
      return &c;
    }
  }
  return nullptr;
}

std::uint64_t crl_this_update(const CollateralCrl& crl) {
  const ASN1_TIME* t = X509_CRL_get0_lastUpdate(crl.crl.get());
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  const time_t unix_seconds = timegm(&tm);
  return unix_seconds < 0 ? 0 : static_cast<std::uint64_t>(unix_seconds);
}

bool VerifiedCrls::known(const SharedCrl& crl, X509* issuer) const {
  std::lock_guard lock(mutex_);
  for (const auto& e : entries_) {
    if (e.crl == crl && X509_cmp(e.issuer.get(), issuer) == 0) return true;
  }
  return false;
}

void VerifiedCrls::remember(const SharedCrl& crl, const SharedX509& issuer) {
  std::lock_guard lock(mutex_);
  if (entries_.size() >= kMax) entries_.erase(entries_.begin());
  entries_.push_back({crl, issuer});
}

Result<void, VerifyFailure> check_crl(const CollateralCrl& crl, const SharedX509& issuer,
                                      X509* subject, const std::string& issuer_name,
                                      const std::string& subject_name, std::uint64_t now,
                                      VerifiedCrls& verified) {
  using R = Result<void, VerifyFailure>;
  if (!verified.known(crl.crl, issuer.get())) {
    EVP_PKEY* key = X509_get0_pubkey(issuer.get());
    const bool ok = key != nullptr && X509_CRL_verify(crl.crl.get(), key) == 1;
    ERR_clear_error();
    if (!ok) {
      return R::failure({VerifyError::kCollateralInvalid,
                         "CRL " + crl.source + " names " + issuer_name +
                             " as issuer but its signature does not verify with it"});
    }
    verified.remember(crl.crl, issuer);
  }
  auto t = static_cast<time_t>(now);
  const ASN1_TIME* this_update = X509_CRL_get0_lastUpdate(crl.crl.get());
  const ASN1_TIME* next_update = X509_CRL_get0_nextUpdate(crl.crl.get());
  if (this_update == nullptr || X509_cmp_time(this_update, &t) != -1) {
    return R::failure({VerifyError::kCollateralInvalid, "CRL " + crl.source +
                                                            " is not yet valid (thisUpdate " +
                                                            asn1_time_text(this_update) + ")"});
  }
  if (next_update == nullptr || X509_cmp_time(next_update, &t) != 1) {
    return R::failure({VerifyError::kCollateralInvalid,
                       "CRL " + crl.source + " has expired (nextUpdate " +
                           asn1_time_text(next_update) + "); fetch a fresh one"});
  }
  X509_REVOKED* revoked = nullptr;
  if (X509_CRL_get0_by_cert(crl.crl.get(), &revoked, subject) == 1) {
    return R::failure({VerifyError::kCertificateRevoked,
                       subject_name + " is revoked (listed in " + crl.source + ")"});
  }
  return R::success();
}

}  // namespace trustmq::attest

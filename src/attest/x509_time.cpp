#include "attest/x509_time.h"

#include <ctime>

namespace trustmq::attest {

std::string asn1_time_text(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return "?";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string utc_text(std::uint64_t unix_seconds) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<void, VerifyFailure> check_validity(X509* cert, std::uint64_t now, std::string_view what) {
  using R = Result<void, VerifyFailure>;
  auto t = static_cast<time_t>(now);
  const ASN1_TIME* not_before = X509_get0_notBefore(cert);
  const ASN1_TIME* not_after = X509_get0_notAfter(cert);
  if (X509_cmp_time(not_before, &t) != -1) {
    return R::failure(
        {VerifyError::kCertificateNotYetValid,
         std::string(what) + " is not yet valid (notBefore " + asn1_time_text(not_before) + ")"});
  }
  if (X509_cmp_time(not_after, &t) != 1) {
    return R::failure(
        {VerifyError::kCertificateExpired,
         std::string(what) + " has expired (notAfter " + asn1_time_text(not_after) + ")"});
  }
  return R::success();
}

}  // namespace trustmq::attest

// Certificate validity at a given time, with OpenSSL's rule (notBefore <= t < notAfter), for
// verifiers that check chains step by step.
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "attest/evidence_verifier.h"
#include "base/result.h"

namespace trustmq::attest {

// Success, or kCertificateNotYetValid / kCertificateExpired naming `what` and the dates.
Result<void, VerifyFailure> check_validity(X509* cert, std::uint64_t now_unix_seconds,
                                           std::string_view what);

// "2029-09-24T00:55:28Z"
std::string asn1_time_text(const ASN1_TIME* t);
// The same form for Unix seconds.
std::string utc_text(std::uint64_t unix_seconds);

}  // namespace trustmq::attest

// Verifies that a DER certificate chains to a set of trust anchors and is valid at a given time,
// for evidence verifiers (the sim platform certificate; later TPM EK / quoting-enclave chains).
//
// Every evidence of a platform carries the same certificate, and OpenSSL 3.0 spends ~100-250 µs
// parsing it and ~80 µs building and checking its chain (one ECDSA verification by the root plus
// X509_STORE setup). Both are remembered:
//  * parse(): one parsed certificate per exact DER byte string (a changed byte is a new entry);
//  * verify_chain(): a successful X509_verify_cert() for (these exact certificate bytes, this
//    anchor set — the same anchors in the same order, compared by content with X509_cmp: SHA-1
//    of the whole DER and the exact to-be-signed bytes; the entry keeps its own references to
//    the anchors) is remembered with
//    the chain it built. A later call for the same pair re-checks the validity period of every
//    certificate of that chain at `now` (the same rule as OpenSSL: notBefore <= now < notAfter)
//    and succeeds only if all are valid; otherwise — and for any other certificate or anchor
//    set — the full X509_verify_cert() runs, so failures carry exactly OpenSSL's verdict.
// Failed verifications are never remembered. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

#include "attest/bytes.h"
#include "attest/evidence_verifier.h"
#include "attest/openssl_handles.h"
#include "attest/trust_anchors.h"
#include "base/result.h"

namespace trustmq::attest {

class CertificateChainVerifier {
 public:
  // A certificate parsed from `der()`, with the anchor sets it was found to chain to.
  class Certificate {
   public:
    Certificate(Bytes der, SharedX509 cert);
    X509* x509() const { return cert_.get(); }
    const Bytes& der() const { return der_; }
    // SHA-256 of the DER SubjectPublicKeyInfo (computed once).
    const Sha256Digest& spki_sha256() const { return spki_sha256_; }
    // A fresh context to verify a signature over a SHA-256 digest with the certified key
    // (EVP_PKEY_verify), duplicated from one prepared at parse time; null on failure.
    EvpPkeyCtxPtr new_sha256_verify_context() const;

   private:
    friend class CertificateChainVerifier;
    struct VerifiedChain {
      TrustAnchors anchors;
      std::vector<SharedX509> chain;  // leaf first, trust anchor last (as X509_verify_cert built)
    };
    Bytes der_;
    SharedX509 cert_;
    Sha256Digest spki_sha256_{};
    std::shared_ptr<EVP_PKEY_CTX> sha256_verify_template_;  // never used directly, only duplicated
    mutable std::mutex verified_mutex_;
    mutable std::vector<VerifiedChain> verified_;  // most recently added last
  };

  // The certificate parsed from exactly `der` (null if `der` is not exactly one DER
  // certificate). Reuses an earlier parse of the same bytes.
  std::shared_ptr<const Certificate> parse(ByteSpan der) const;

  // Success if `cert` chains to one of `anchors` (only these are trusted) and every certificate
  // of the chain is valid at `now_unix_seconds`. `subject` names the certificate in messages
  // ("sim platform certificate").
  Result<void, VerifyFailure> verify_chain(const Certificate& cert, const TrustAnchors& anchors,
                                           std::uint64_t now_unix_seconds,
                                           std::string_view subject) const;

  // How often X509_verify_cert() ran / a certificate was parsed (tests and diagnostics).
  std::uint64_t full_chain_verifications() const { return full_chain_verifications_.load(); }
  std::uint64_t certificate_parses() const { return certificate_parses_.load(); }

  static constexpr std::size_t kMaxCachedCertificates = 8;
  static constexpr std::size_t kMaxAnchorSetsPerCertificate = 4;

 private:
  mutable std::mutex cache_mutex_;
  mutable std::vector<std::shared_ptr<const Certificate>> cache_;  // most recently used last
  mutable std::atomic<std::uint64_t> full_chain_verifications_{0};
  mutable std::atomic<std::uint64_t> certificate_parses_{0};
};

}  // namespace trustmq::attest

#include "attest/certificate_chain_verifier.h"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>
#include <string>

namespace trustmq::attest {

namespace {

// OpenSSL's rule (ossl_x509_check_cert_time): valid iff notBefore <= t < notAfter.
// X509_cmp_time returns -1 if the field is at or before t, 1 if after, 0 on a malformed field.
bool valid_at(const std::vector<SharedX509>& chain, time_t t) {
  for (const auto& c : chain) {
    if (X509_cmp_time(X509_get0_notBefore(c.get()), &t) != -1) return false;
    if (X509_cmp_time(X509_get0_notAfter(c.get()), &t) != 1) return false;
  }
  return !chain.empty();
}

// The same anchors in the same order (by content; the same objects compare equal at once).
bool same_anchors(const TrustAnchors& a, const TrustAnchors& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (X509_cmp(a[i].get(), b[i].get()) != 0) return false;
  }
  return true;
}

std::vector<SharedX509> take_chain(STACK_OF(X509) * chain) {
  std::vector<SharedX509> out;
  if (chain == nullptr) return out;
  for (int i = 0; i < sk_X509_num(chain); ++i) {
    out.push_back(share_x509(X509Ptr(sk_X509_value(chain, i))));  // takes get1's reference
  }
  sk_X509_free(chain);
  return out;
}

}  // namespace

CertificateChainVerifier::Certificate::Certificate(Bytes der, SharedX509 cert)
    : der_(std::move(der)), cert_(std::move(cert)), spki_sha256_(attest::spki_sha256(cert_.get())) {
  EVP_PKEY* key = X509_get0_pubkey(cert_.get());
  EvpPkeyCtxPtr ctx(key == nullptr ? nullptr : EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
      EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) == 1) {
    sha256_verify_template_.reset(ctx.release(), [](EVP_PKEY_CTX* c) { EVP_PKEY_CTX_free(c); });
  }
  ERR_clear_error();
}

EvpPkeyCtxPtr CertificateChainVerifier::Certificate::new_sha256_verify_context() const {
  if (!sha256_verify_template_) return nullptr;
  return EvpPkeyCtxPtr(EVP_PKEY_CTX_dup(sha256_verify_template_.get()));
}

std::shared_ptr<const CertificateChainVerifier::Certificate> CertificateChainVerifier::parse(
    ByteSpan der) const {
  {
    std::lock_guard lock(cache_mutex_);
    for (auto it = cache_.begin(); it != cache_.end(); ++it) {
      const Bytes& known = (*it)->der();
      if (known.size() == der.size() && std::equal(der.begin(), der.end(), known.begin())) {
        auto entry = std::move(*it);
        cache_.erase(it);
        cache_.push_back(std::move(entry));
        return cache_.back();
      }
    }
  }
  certificate_parses_.fetch_add(1);
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || p != der.data() + der.size()) {
    ERR_clear_error();
    return nullptr;
  }
  // Decode the public key and extensions now, once, while this thread owns the object.
  X509_get0_pubkey(cert.get());
  X509_check_purpose(cert.get(), -1, 0);
  ERR_clear_error();
  auto entry = std::make_shared<const Certificate>(Bytes(der.begin(), der.end()),
                                                   share_x509(std::move(cert)));
  std::lock_guard lock(cache_mutex_);
  if (cache_.size() >= kMaxCachedCertificates) cache_.erase(cache_.begin());
  cache_.push_back(entry);
  return entry;
}

Result<void, VerifyFailure> CertificateChainVerifier::verify_chain(const Certificate& cert,
                                                                   const TrustAnchors& anchors,
                                                                   std::uint64_t now,
                                                                   std::string_view subject) const {
  using R = Result<void, VerifyFailure>;
  const std::string what(subject);
  for (const auto& a : anchors) {
    if (!a) return R::failure({VerifyError::kInternal, "null trust anchor"});
  }
  const auto t = static_cast<time_t>(now);
  {
    std::lock_guard lock(cert.verified_mutex_);
    for (const auto& v : cert.verified_) {
      if (same_anchors(v.anchors, anchors) && valid_at(v.chain, t)) return R::success();
    }
  }

  full_chain_verifications_.fetch_add(1);
  X509StorePtr store(X509_STORE_new());
  X509StoreCtxPtr sctx(X509_STORE_CTX_new());
  if (!store || !sctx) {
    return R::failure({VerifyError::kInternal, take_openssl_error("cannot init chain check")});
  }
  for (const auto& a : anchors) X509_STORE_add_cert(store.get(), a.get());
  if (X509_STORE_CTX_init(sctx.get(), store.get(), cert.x509(), nullptr) != 1) {
    return R::failure({VerifyError::kInternal, take_openssl_error("cannot init chain check")});
  }
  X509_STORE_CTX_set_time(sctx.get(), 0, t);
  X509_STORE_CTX_set_flags(sctx.get(), X509_V_FLAG_X509_STRICT);
  const int chain_ok = X509_verify_cert(sctx.get());
  const int verr = X509_STORE_CTX_get_error(sctx.get());
  ERR_clear_error();
  if (chain_ok != 1) {
    std::string detail = X509_verify_cert_error_string(verr);
    switch (verr) {
      case X509_V_ERR_CERT_HAS_EXPIRED:
        return R::failure(
            {VerifyError::kCertificateExpired, what + " chain has expired (" + detail + ")"});
      case X509_V_ERR_CERT_NOT_YET_VALID:
        return R::failure(
            {VerifyError::kCertificateNotYetValid, what + " is not yet valid (" + detail + ")"});
      default:
        return R::failure({VerifyError::kUntrustedPlatform,
                           what + " does not chain to a policy trust anchor (" + detail + ")"});
    }
  }

  Certificate::VerifiedChain verified{anchors, take_chain(X509_STORE_CTX_get1_chain(sctx.get()))};
  if (valid_at(verified.chain, t)) {  // always true after success; never remember otherwise
    std::lock_guard lock(cert.verified_mutex_);
    auto& list = cert.verified_;
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const Certificate::VerifiedChain& v) {
                                return same_anchors(v.anchors, verified.anchors);
                              }),
               list.end());
    if (list.size() >= kMaxAnchorSetsPerCertificate) list.erase(list.begin());
    list.push_back(std::move(verified));
  }
  return R::success();
}

}  // namespace trustmq::attest

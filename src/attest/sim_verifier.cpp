#include "attest/sim_verifier.h"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>

#include "attest/sim_evidence.h"

namespace trustmq::attest {

SharedX509 SimVerifier::parsed_certificate(ByteSpan der) const {
  {
    std::lock_guard lock(cache_mutex_);
    for (auto it = cache_.begin(); it != cache_.end(); ++it) {
      if (it->first.size() == der.size() && std::equal(der.begin(), der.end(), it->first.begin())) {
        auto entry = std::move(*it);
        cache_.erase(it);
        cache_.push_back(std::move(entry));
        return cache_.back().second;
      }
    }
  }
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
  SharedX509 shared = share_x509(std::move(cert));
  std::lock_guard lock(cache_mutex_);
  if (cache_.size() >= kMaxCachedCertificates) cache_.erase(cache_.begin());
  cache_.emplace_back(Bytes(der.begin(), der.end()), shared);
  return shared;
}

Result<Claims, VerifyFailure> SimVerifier::verify(ByteSpan evidence, const TrustAnchors& anchors,
                                                  std::uint64_t now) const {
  using R = Result<Claims, VerifyFailure>;
  auto parsed = decode_sim_evidence(evidence);
  if (!parsed) return R::failure({VerifyError::kMalformed, parsed.error()});

  const SharedX509 cert = parsed_certificate(parsed->platform_cert_der);
  if (!cert) {
    return R::failure({VerifyError::kMalformed, "sim evidence platform certificate is not DER"});
  }

  // 1. Signature over the claims with the certified key.
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) {
    ERR_clear_error();
    return R::failure({VerifyError::kMalformed, "sim platform key is not an EC key"});
  }
  Bytes message = sim_signed_message(parsed->body);
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) {
    return R::failure({VerifyError::kInternal, take_openssl_error("cannot init ECDSA verify")});
  }
  int ok = EVP_DigestVerify(ctx.get(), parsed->signature.data(), parsed->signature.size(),
                            message.data(), message.size());
  ERR_clear_error();
  if (ok != 1) {
    return R::failure({VerifyError::kSignatureInvalid,
                       "sim evidence signature does not verify (claims or signature tampered)"});
  }

  // 2. Chain to a policy trust anchor, validity at `now`.
  X509StorePtr store(X509_STORE_new());
  for (const auto& a : anchors) X509_STORE_add_cert(store.get(), a.get());
  X509StoreCtxPtr sctx(X509_STORE_CTX_new());
  if (!store || !sctx || X509_STORE_CTX_init(sctx.get(), store.get(), cert.get(), nullptr) != 1) {
    return R::failure({VerifyError::kInternal, take_openssl_error("cannot init chain check")});
  }
  X509_STORE_CTX_set_time(sctx.get(), 0, static_cast<time_t>(now));
  X509_STORE_CTX_set_flags(sctx.get(), X509_V_FLAG_X509_STRICT);
  int chain_ok = X509_verify_cert(sctx.get());
  int verr = X509_STORE_CTX_get_error(sctx.get());
  ERR_clear_error();
  if (chain_ok != 1) {
    std::string detail = X509_verify_cert_error_string(verr);
    switch (verr) {
      case X509_V_ERR_CERT_HAS_EXPIRED:
        return R::failure({VerifyError::kCertificateExpired,
                           "sim platform certificate chain has expired (" + detail + ")"});
      case X509_V_ERR_CERT_NOT_YET_VALID:
        return R::failure({VerifyError::kCertificateNotYetValid,
                           "sim platform certificate is not yet valid (" + detail + ")"});
      default:
        return R::failure(
            {VerifyError::kUntrustedPlatform,
             "sim platform certificate does not chain to a policy trust anchor (" + detail + ")"});
    }
  }

  Claims claims = parsed->claims;
  claims.platform_id = "sim:" + to_hex(spki_sha256(cert.get()));
  return R::success(std::move(claims));
}

}  // namespace trustmq::attest

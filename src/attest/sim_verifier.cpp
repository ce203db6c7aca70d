#include "attest/sim_verifier.h"

#include <openssl/err.h>

#include "attest/sim_evidence.h"

namespace trustmq::attest {

Result<Claims, VerifyFailure> SimVerifier::verify(ByteSpan evidence, const TrustAnchors& anchors,
                                                  std::uint64_t now) const {
  using R = Result<Claims, VerifyFailure>;
  auto parsed = decode_sim_evidence(evidence);
  if (!parsed) return R::failure({VerifyError::kMalformed, parsed.error()});

  const auto cert = certificates_.parse(parsed->platform_cert_der);
  if (!cert) {
    return R::failure({VerifyError::kMalformed, "sim evidence platform certificate is not DER"});
  }

  // 1. Signature over the claims with the certified key: ECDSA over SHA-256(context || body).
  EVP_PKEY* key = X509_get0_pubkey(cert->x509());
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) {
    ERR_clear_error();
    return R::failure({VerifyError::kMalformed, "sim platform key is not an EC key"});
  }
  EvpPkeyCtxPtr ctx = cert->new_sha256_verify_context();
  if (!ctx) {
    return R::failure({VerifyError::kInternal, take_openssl_error("cannot init ECDSA verify")});
  }
  const Sha256Digest digest = sim_signed_digest(parsed->body);
  int ok = EVP_PKEY_verify(ctx.get(), parsed->signature.data(), parsed->signature.size(),
                           digest.data(), digest.size());
  ERR_clear_error();
  if (ok != 1) {
    return R::failure({VerifyError::kSignatureInvalid,
                       "sim evidence signature does not verify (claims or signature tampered)"});
  }

  // 2. Chain to a policy trust anchor, validity at `now`.
  auto chain = certificates_.verify_chain(*cert, anchors, now, "sim platform certificate");
  if (!chain) return R::failure(chain.error());

  Claims claims = parsed->claims;
  claims.platform_id = "sim:" + to_hex(cert->spki_sha256());
  return R::success(std::move(claims));
}

}  // namespace trustmq::attest

#include "attest/tpm_public_key.h"

#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <tss2/tss2_mu.h>

#include <algorithm>

#include "attest/measurement.h"
#include "attest/raw_ecdsa.h"

namespace trustmq::attest {

namespace {

constexpr TPMA_OBJECT kAkAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                      TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                                      TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT;

Result<EvpPkeyPtr> rsa_public(const TPMT_PUBLIC& pub) {
  using R = Result<EvpPkeyPtr>;
  const std::uint32_t exponent =
      pub.parameters.rsaDetail.exponent == 0 ? 65537 : pub.parameters.rsaDetail.exponent;
  BIGNUM* n = BN_bin2bn(pub.unique.rsa.buffer, pub.unique.rsa.size, nullptr);
  BIGNUM* e = BN_new();
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM* params = nullptr;
  EVP_PKEY* key = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  const bool ok =
      n != nullptr && e != nullptr && bld != nullptr && ctx != nullptr &&
      BN_set_word(e, exponent) == 1 && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) == 1 &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) == 1 &&
      (params = OSSL_PARAM_BLD_to_param(bld)) != nullptr && EVP_PKEY_fromdata_init(ctx) == 1 &&
      EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  EVP_PKEY_CTX_free(ctx);
  BN_free(n);
  BN_free(e);
  if (!ok) {
    EVP_PKEY_free(key);
    return R::failure(take_openssl_error("cannot convert the TPM RSA public key"));
  }
  return R::success(EvpPkeyPtr(key));
}

}  // namespace

Result<EvpPkeyPtr> tpm_public_to_evp(const TPMT_PUBLIC& pub) {
  using R = Result<EvpPkeyPtr>;
  if (pub.type == TPM2_ALG_RSA) return rsa_public(pub);
  if (pub.type != TPM2_ALG_ECC || pub.parameters.eccDetail.curveID != TPM2_ECC_NIST_P256) {
    return R::failure("TPM key is neither RSA nor ECC NIST P-256");
  }
  const TPM2B_ECC_PARAMETER& x = pub.unique.ecc.x;
  const TPM2B_ECC_PARAMETER& y = pub.unique.ecc.y;
  if (x.size > 32 || y.size > 32) return R::failure("TPM ECC point is not P-256");
  Bytes xy(64, 0);
  std::copy_n(x.buffer, x.size, xy.begin() + (32 - x.size));
  std::copy_n(y.buffer, y.size, xy.begin() + (64 - y.size));
  EvpPkeyPtr key = p256_public_key_from_raw(xy);
  if (!key) return R::failure("TPM ECC point is not on P-256");
  return R::success(std::move(key));
}

Result<Bytes> tpm_object_name(const TPMT_PUBLIC& pub) {
  if (pub.nameAlg != TPM2_ALG_SHA256) {
    return Result<Bytes>::failure("TPM object's name algorithm is not SHA-256");
  }
  std::uint8_t buffer[sizeof(TPMT_PUBLIC)];
  std::size_t size = 0;
  if (Tss2_MU_TPMT_PUBLIC_Marshal(&pub, buffer, sizeof buffer, &size) != TSS2_RC_SUCCESS) {
    return Result<Bytes>::failure("cannot marshal the TPM public area");
  }
  const Sha256Digest h = sha256(ByteSpan(buffer, size));
  Bytes name{static_cast<std::uint8_t>(TPM2_ALG_SHA256 >> 8),
             static_cast<std::uint8_t>(TPM2_ALG_SHA256 & 0xFF)};
  name.insert(name.end(), h.begin(), h.end());
  return Result<Bytes>::success(std::move(name));
}

TPM2B_PUBLIC tpm_attestation_key_template() {
  TPM2B_PUBLIC t{};
  t.publicArea.type = TPM2_ALG_ECC;
  t.publicArea.nameAlg = TPM2_ALG_SHA256;
  t.publicArea.objectAttributes = kAkAttributes;
  TPMS_ECC_PARMS& ecc = t.publicArea.parameters.eccDetail;
  ecc.symmetric.algorithm = TPM2_ALG_NULL;
  ecc.scheme.scheme = TPM2_ALG_ECDSA;
  ecc.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
  ecc.curveID = TPM2_ECC_NIST_P256;
  ecc.kdf.scheme = TPM2_ALG_NULL;
  return t;
}

bool is_trustmq_attestation_key(const TPMT_PUBLIC& pub) {
  const TPMS_ECC_PARMS& ecc = pub.parameters.eccDetail;
  return pub.type == TPM2_ALG_ECC && pub.nameAlg == TPM2_ALG_SHA256 &&
         pub.objectAttributes == kAkAttributes && ecc.symmetric.algorithm == TPM2_ALG_NULL &&
         ecc.scheme.scheme == TPM2_ALG_ECDSA &&
         ecc.scheme.details.ecdsa.hashAlg == TPM2_ALG_SHA256 && ecc.curveID == TPM2_ECC_NIST_P256 &&
         ecc.kdf.scheme == TPM2_ALG_NULL && pub.authPolicy.size == 0;
}

}  // namespace trustmq::attest

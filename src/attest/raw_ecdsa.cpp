#include "attest/raw_ecdsa.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include <memory>
#include <vector>

namespace trustmq::attest {

namespace {

struct BnDeleter {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct SigDeleter {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

BIGNUM* to_bn(ByteSpan bytes, Endianness order) {
  const int n = static_cast<int>(bytes.size());
  return order == Endianness::kBig ? BN_bin2bn(bytes.data(), n, nullptr)
                                   : BN_lebin2bn(bytes.data(), n, nullptr);
}

}  // namespace

Bytes raw_ecdsa_signature_to_der(ByteSpan raw, Endianness order) {
  if (raw.empty() || raw.size() % 2 != 0) return {};
  const std::size_t half = raw.size() / 2;
  std::unique_ptr<BIGNUM, BnDeleter> r(to_bn(raw.first(half), order));
  std::unique_ptr<BIGNUM, BnDeleter> s(to_bn(raw.subspan(half), order));
  std::unique_ptr<ECDSA_SIG, SigDeleter> sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    ERR_clear_error();
    return {};
  }
  r.release();  // owned by sig now
  s.release();
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) {
    ERR_clear_error();
    return {};
  }
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

EvpPkeyPtr p256_public_key_from_raw(ByteSpan xy) {
  if (xy.size() != 64) return nullptr;
  std::vector<unsigned char> point(65);
  point[0] = 0x04;
  std::copy(xy.begin(), xy.end(), point.begin() + 1);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>("P-256"), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end()};
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  EvpPkeyPtr owned(key);
  // EVP_PKEY_fromdata does not check that the point is on the curve.
  EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  return owned;
}

bool verify_digest_signature(EVP_PKEY* key, const EVP_MD* md, ByteSpan message,
                             ByteSpan der_signature) {
  if (key == nullptr || der_signature.empty()) return false;
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  const bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) == 1 &&
                  EVP_DigestVerify(ctx.get(), der_signature.data(), der_signature.size(),
                                   message.data(), message.size()) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace trustmq::attest

#include "attest/tpm_credential.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <cstring>

#include "attest/openssl_handles.h"
#include "attest/tpm_public_key.h"

namespace trustmq::attest {

namespace {

void put_u32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

Bytes hmac_sha256(ByteSpan key, ByteSpan data) {
  Bytes out(32);
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(),
           out.data(), &len) == nullptr) {
    return {};
  }
  return out;
}

}  // namespace

Bytes tpm_kdfa_sha256(ByteSpan key, const char* label, ByteSpan context_u, ByteSpan context_v,
                      std::size_t bits) {
  const std::size_t bytes = (bits + 7) / 8;
  Bytes out;
  for (std::uint32_t counter = 1; out.size() < bytes; ++counter) {
    Bytes data;
    put_u32(data, counter);
    data.insert(data.end(), label, label + std::strlen(label) + 1);  // with the NUL
    data.insert(data.end(), context_u.begin(), context_u.end());
    data.insert(data.end(), context_v.begin(), context_v.end());
    put_u32(data, static_cast<std::uint32_t>(bits));
    const Bytes block = hmac_sha256(key, data);
    if (block.empty()) return {};
    out.insert(out.end(), block.begin(), block.end());
  }
  out.resize(bytes);
  return out;
}

Result<TpmCredential> tpm_make_credential(const TPMT_PUBLIC& ek, ByteSpan object_name,
                                          ByteSpan secret) {
  using R = Result<TpmCredential>;
  if (ek.type != TPM2_ALG_RSA || ek.nameAlg != TPM2_ALG_SHA256) {
    return R::failure("credential activation needs an RSA EK with name algorithm SHA-256");
  }
  const TPMT_SYM_DEF_OBJECT& sym = ek.parameters.rsaDetail.symmetric;
  if (sym.algorithm != TPM2_ALG_AES || sym.mode.aes != TPM2_ALG_CFB || sym.keyBits.aes != 128) {
    return R::failure("credential activation needs an EK with AES-128-CFB (the TCG EK template)");
  }
  if (secret.empty() || secret.size() > 32)
    return R::failure("credential secret must be 1..32 bytes");

  // 1. Seed, encrypted to the EK (RSA-OAEP SHA-256, label "IDENTITY\0").
  Bytes seed(32);
  if (RAND_bytes(seed.data(), static_cast<int>(seed.size())) != 1) {
    return R::failure("no randomness for the credential seed");
  }
  auto ek_key = tpm_public_to_evp(ek);
  if (!ek_key) return R::failure(ek_key.error());
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, ek_key->get(), nullptr));
  static const char kLabel[] = "IDENTITY";
  void* label = OPENSSL_memdup(kLabel, sizeof kLabel);  // owned by ctx once set
  TpmCredential out;
  std::size_t enc_len = sizeof out.encrypted_secret.secret;
  if (!ctx || label == nullptr || EVP_PKEY_encrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), EVP_sha256()) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256()) != 1 ||
      EVP_PKEY_CTX_set0_rsa_oaep_label(ctx.get(), label, sizeof kLabel) != 1) {
    OPENSSL_free(label);
    return R::failure(take_openssl_error("cannot prepare RSA-OAEP to the EK"));
  }
  if (EVP_PKEY_encrypt(ctx.get(), out.encrypted_secret.secret, &enc_len, seed.data(),
                       seed.size()) != 1) {
    return R::failure(take_openssl_error("cannot encrypt the credential seed to the EK"));
  }
  out.encrypted_secret.size = static_cast<std::uint16_t>(enc_len);

  // 2. The secret as a marshalled TPM2B_DIGEST, AES-128-CFB with a zero IV.
  const Bytes sym_key = tpm_kdfa_sha256(seed, "STORAGE", object_name, {}, 128);
  const Bytes hmac_key = tpm_kdfa_sha256(seed, "INTEGRITY", {}, {}, 256);
  if (sym_key.empty() || hmac_key.empty()) return R::failure("KDFa failed");
  Bytes plain{static_cast<std::uint8_t>(secret.size() >> 8),
              static_cast<std::uint8_t>(secret.size())};
  plain.insert(plain.end(), secret.begin(), secret.end());
  Bytes enc_identity(plain.size());
  const std::uint8_t iv[16] = {};
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> cipher(EVP_CIPHER_CTX_new(),
                                                                         EVP_CIPHER_CTX_free);
  int len = 0;
  int final_len = 0;
  if (!cipher ||
      EVP_EncryptInit_ex(cipher.get(), EVP_aes_128_cfb(), nullptr, sym_key.data(), iv) != 1 ||
      EVP_EncryptUpdate(cipher.get(), enc_identity.data(), &len, plain.data(),
                        static_cast<int>(plain.size())) != 1 ||
      EVP_EncryptFinal_ex(cipher.get(), enc_identity.data() + len, &final_len) != 1) {
    return R::failure(take_openssl_error("cannot encrypt the credential"));
  }

  // 3. Outer HMAC over encIdentity || name; blob = TPM2B_DIGEST(hmac) || encIdentity.
  Bytes hmac_input = enc_identity;
  hmac_input.insert(hmac_input.end(), object_name.begin(), object_name.end());
  const Bytes integrity = hmac_sha256(hmac_key, hmac_input);
  if (integrity.empty()) return R::failure("HMAC failed");
  Bytes blob{0, static_cast<std::uint8_t>(integrity.size())};
  blob.insert(blob.end(), integrity.begin(), integrity.end());
  blob.insert(blob.end(), enc_identity.begin(), enc_identity.end());
  if (blob.size() > sizeof out.credential_blob.credential)
    return R::failure("credential too large");
  std::memcpy(out.credential_blob.credential, blob.data(), blob.size());
  out.credential_blob.size = static_cast<std::uint16_t>(blob.size());
  return R::success(out);
}

}  // namespace trustmq::attest

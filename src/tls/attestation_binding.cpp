#include "tls/attestation_binding.h"

#include <openssl/err.h>
#include <openssl/evp.h>

namespace trustmq::tls {

attest::ReportData compute_binding(attest::ByteSpan nonce, attest::ByteSpan client_random,
                                   attest::ByteSpan server_random,
                                   attest::ByteSpan server_key_share, attest::ByteSpan spki_hash) {
  attest::ReportData out{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned int len = 0;
  EVP_DigestInit_ex(ctx, EVP_sha512(), nullptr);
  EVP_DigestUpdate(ctx, kBindingLabel, sizeof kBindingLabel);  // includes the 0x00
  EVP_DigestUpdate(ctx, nonce.data(), nonce.size());
  EVP_DigestUpdate(ctx, client_random.data(), client_random.size());
  EVP_DigestUpdate(ctx, server_random.data(), server_random.size());
  EVP_DigestUpdate(ctx, server_key_share.data(), server_key_share.size());
  EVP_DigestUpdate(ctx, spki_hash.data(), spki_hash.size());
  EVP_DigestFinal_ex(ctx, out.data(), &len);
  EVP_MD_CTX_free(ctx);
  return out;
}

attest::Bytes encoded_public_key(EVP_PKEY* key) {
  unsigned char* buf = nullptr;
  std::size_t len = EVP_PKEY_get1_encoded_public_key(key, &buf);
  attest::Bytes out;
  if (len > 0 && buf != nullptr) out.assign(buf, buf + len);
  OPENSSL_free(buf);
  return out;
}

Result<HandshakeTranscriptValues> read_handshake_values(SSL* ssl, bool server_side) {
  using R = Result<HandshakeTranscriptValues>;
  HandshakeTranscriptValues v;
  v.client_random.resize(SSL3_RANDOM_SIZE);
  v.server_random.resize(SSL3_RANDOM_SIZE);
  if (SSL_get_client_random(ssl, v.client_random.data(), v.client_random.size()) !=
          SSL3_RANDOM_SIZE ||
      SSL_get_server_random(ssl, v.server_random.data(), v.server_random.size()) !=
          SSL3_RANDOM_SIZE) {
    return R::failure("handshake randoms unavailable");
  }
  EVP_PKEY* key = nullptr;
  int ok = server_side ? SSL_get_tmp_key(ssl, &key) : SSL_get_peer_tmp_key(ssl, &key);
  if (ok == 1 && key != nullptr) {
    v.server_key_share = encoded_public_key(key);
    EVP_PKEY_free(key);
    if (v.server_key_share.empty()) return R::failure("server key share cannot be encoded");
  }
  ERR_clear_error();
  return R::success(std::move(v));
}

}  // namespace trustmq::tls

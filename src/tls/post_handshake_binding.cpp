#include "tls/post_handshake_binding.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include "attest/trust_anchors.h"

namespace trustmq::tls {

attest::ReportData compute_post_handshake_binding(attest::ByteSpan nonce, attest::ByteSpan exporter,
                                                  attest::ByteSpan spki_hash) {
  attest::ReportData out{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned int len = 0;
  EVP_DigestInit_ex(ctx, EVP_sha512(), nullptr);
  EVP_DigestUpdate(ctx, kPostHandshakeBindingLabel,
                   sizeof kPostHandshakeBindingLabel);  // includes the 0x00
  EVP_DigestUpdate(ctx, nonce.data(), nonce.size());
  EVP_DigestUpdate(ctx, exporter.data(), exporter.size());
  EVP_DigestUpdate(ctx, spki_hash.data(), spki_hash.size());
  EVP_DigestFinal_ex(ctx, out.data(), &len);
  EVP_MD_CTX_free(ctx);
  return out;
}

Result<attest::ReportData> post_handshake_binding(SSL* ssl, attest::ByteSpan nonce,
                                                  bool server_side) {
  using R = Result<attest::ReportData>;
  if (SSL_version(ssl) != TLS1_3_VERSION) {
    return R::failure("post-handshake attestation needs TLS 1.3 (this connection is " +
                      std::string(SSL_get_version(ssl)) + ")");
  }
  attest::Bytes exporter(kPostHandshakeExporterSize);
  if (SSL_export_keying_material(ssl, exporter.data(), exporter.size(), kPostHandshakeExporterLabel,
                                 sizeof kPostHandshakeExporterLabel - 1, nonce.data(), nonce.size(),
                                 /*use_context=*/1) != 1) {
    ERR_clear_error();
    return R::failure("TLS exporter unavailable on this connection");
  }
  attest::Bytes spki_hash;
  if (!SSL_session_reused(ssl)) {
    X509* cert = server_side ? SSL_get_certificate(ssl) : SSL_get0_peer_certificate(ssl);
    if (cert != nullptr) {
      attest::Sha256Digest d = attest::spki_sha256(cert);
      spki_hash.assign(d.begin(), d.end());
    }
  }
  return R::success(compute_post_handshake_binding(nonce, exporter, spki_hash));
}

}  // namespace trustmq::tls

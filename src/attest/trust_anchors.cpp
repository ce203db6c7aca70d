#include "attest/trust_anchors.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

namespace trustmq::attest {

std::string take_openssl_error(const std::string& fallback) {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return fallback;
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return fallback + " (" + buf + ")";
}

Result<TrustAnchors> load_pem_certificates(const std::string& path) {
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    return Result<TrustAnchors>::failure(take_openssl_error("cannot open " + path));
  }
  TrustAnchors out;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    out.push_back(share_x509(X509Ptr(cert)));
  }
  ERR_clear_error();  // the loop ends on a "no start line" error
  if (out.empty()) {
    return Result<TrustAnchors>::failure("no PEM certificate in " + path);
  }
  return Result<TrustAnchors>::success(std::move(out));
}

Sha256Digest spki_sha256(X509* cert) {
  Sha256Digest d{};
  unsigned char* der = nullptr;
  int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  if (len > 0) {
    SHA256(der, static_cast<std::size_t>(len), d.data());
    OPENSSL_free(der);
  }
  return d;
}

}  // namespace trustmq::attest

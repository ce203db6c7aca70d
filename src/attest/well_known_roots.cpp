#include "attest/well_known_roots.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <cstring>

namespace trustmq::attest {

namespace {

#include "attest/well_known_roots_pem.inc"

SharedX509 parse_pem(const char* pem) {
  BioPtr bio(BIO_new_mem_buf(pem, static_cast<int>(std::strlen(pem))));
  X509* cert = bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  ERR_clear_error();
  return cert == nullptr ? nullptr : share_x509(X509Ptr(cert));
}

std::string der_sha256_hex(X509* cert) {
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert, &der);
  if (len <= 0) return {};
  Sha256Digest d{};
  SHA256(der, static_cast<std::size_t>(len), d.data());
  OPENSSL_free(der);
  return to_hex(d);
}

// The certificate only if its DER hash is the pinned one.
void add_pinned(TrustAnchors& out, const char* pem, std::string_view sha256_hex) {
  SharedX509 cert = parse_pem(pem);
  if (cert && der_sha256_hex(cert.get()) == sha256_hex) out.push_back(std::move(cert));
}

}  // namespace

const TrustAnchors& well_known_roots(EvidenceType type) {
  static const TrustAnchors amd = [] {
    TrustAnchors t;
    add_pinned(t, kArkMilan, kArkMilanSha256);
    add_pinned(t, kArkGenoa, kArkGenoaSha256);
    return t;
  }();
  static const TrustAnchors intel = [] {
    TrustAnchors t;
    add_pinned(t, kIntelSgxRootCa, kIntelSgxRootCaSha256);
    return t;
  }();
  static const TrustAnchors none;
  switch (type) {
    case EvidenceType::kSevSnp:
      return amd;
    case EvidenceType::kSgxDcap:
    case EvidenceType::kTdx:
      return intel;
    default:
      return none;
  }
}

const TrustAnchors& well_known_amd_intermediates() {
  static const TrustAnchors certs = [] {
    TrustAnchors t;
    for (const char* pem : {kAskMilan, kAsvkMilan, kAskGenoa, kAsvkGenoa}) {
      if (SharedX509 c = parse_pem(pem)) t.push_back(std::move(c));
    }
    return t;
  }();
  return certs;
}

}  // namespace trustmq::attest

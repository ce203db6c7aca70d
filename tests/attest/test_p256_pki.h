// Test-only P-256 PKI made with OpenSSL: keys, certificates, CRLs and raw r||s signatures, for
// synthetic evidence (synthetic_sgx_quote.h, the software-AK tpm2-quote tests). Certificates
// are valid 2020-01-01 .. 2040-01-01. Nothing here is a real vendor key.
#pragma once

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <ctime>
#include <string>
#include <utility>
#include <vector>

#include "attest/bytes.h"
#include "attest/openssl_handles.h"

namespace trustmq::test_support::p256_pki {

inline attest::EvpPkeyPtr ec_key() { return attest::EvpPkeyPtr(EVP_EC_gen("P-256")); }

// CN = `cn`, O = "trustmq tests (synthetic)". The caller frees it.
inline X509_NAME* test_name(const char* cn) {
  X509_NAME* name = X509_NAME_new();
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("trustmq tests (synthetic)"),
                             -1, -1, 0);
  return name;
}

// A certificate of `subject_key`, signed by `issuer_key` (SHA-256) in the name of `issuer`
// (null: self-signed), with basic constraints, key usage and key identifiers (strict chain
// verification wants them); takes `extra` if given.
inline attest::X509Ptr certificate(X509_NAME* subject, X509* issuer, EVP_PKEY* issuer_key,
                                   EVP_PKEY* subject_key, bool ca, long serial,
                                   X509_EXTENSION* extra = nullptr) {
  attest::X509Ptr x(X509_new());
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial);
  X509_set_subject_name(x.get(), subject);
  X509_set_issuer_name(x.get(), issuer != nullptr ? X509_get_subject_name(issuer) : subject);
  ASN1_TIME_set(X509_getm_notBefore(x.get()), 1577836800);  // 2020-01-01
  ASN1_TIME_set(X509_getm_notAfter(x.get()), 2208988800);   // 2040-01-01
  X509_set_pubkey(x.get(), subject_key);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : x.get(), x.get(), nullptr, nullptr, 0);
  const std::pair<int, const char*> extensions[] = {
      {NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE"},
      {NID_key_usage, ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature"},
      {NID_subject_key_identifier, "hash"},
      {NID_authority_key_identifier, "keyid:always"},
  };
  for (const auto& [nid, value] : extensions) {
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(x.get(), e, -1);
    X509_EXTENSION_free(e);
  }
  if (extra != nullptr) {
    X509_add_ext(x.get(), extra, -1);
    X509_EXTENSION_free(extra);
  }
  X509_sign(x.get(), issuer_key, EVP_sha256());
  return x;
}

inline attest::Bytes der_of(X509* cert) {
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert, &der);
  attest::Bytes out(der, der + (len > 0 ? len : 0));
  OPENSSL_free(der);
  return out;
}

inline std::string pem_of(X509* cert) {
  attest::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

// A DER CRL by `issuer` (key `issuer_key`) listing `revoked`: thisUpdate a day before `now`,
// nextUpdate 30 days after.
inline attest::Bytes crl(X509* issuer, EVP_PKEY* issuer_key, const std::vector<X509*>& revoked,
                         std::uint64_t now) {
  X509_CRL* c = X509_CRL_new();
  X509_CRL_set_version(c, 1);
  X509_CRL_set_issuer_name(c, X509_get_subject_name(issuer));
  ASN1_TIME* last = ASN1_TIME_set(nullptr, static_cast<time_t>(now - 24 * 3600));
  ASN1_TIME* next = ASN1_TIME_set(nullptr, static_cast<time_t>(now + 30 * 24 * 3600));
  X509_CRL_set1_lastUpdate(c, last);
  X509_CRL_set1_nextUpdate(c, next);
  for (X509* cert : revoked) {
    X509_REVOKED* r = X509_REVOKED_new();
    X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(cert));
    X509_REVOKED_set_revocationDate(r, last);
    X509_CRL_add0_revoked(c, r);
  }
  X509_CRL_sort(c);
  X509_CRL_sign(c, issuer_key, EVP_sha256());
  ASN1_TIME_free(last);
  ASN1_TIME_free(next);
  unsigned char* der = nullptr;
  const int len = i2d_X509_CRL(c, &der);
  attest::Bytes out(der, der + (len > 0 ? len : 0));
  OPENSSL_free(der);
  X509_CRL_free(c);
  return out;
}

// x||y of a P-256 key (64 bytes, no 0x04 prefix).
inline attest::Bytes raw_public_key(EVP_PKEY* key) {
  unsigned char point[65];
  std::size_t len = 0;
  EVP_PKEY_get_octet_string_param(key, "pub", point, sizeof point, &len);
  return attest::Bytes(point + 1, point + 65);
}

// ECDSA P-256 SHA-256 over `message` as r||s, 32 bytes each, big-endian.
inline attest::Bytes raw_signature(EVP_PKEY* key, attest::ByteSpan message) {
  attest::EvpMdCtxPtr md(EVP_MD_CTX_new());
  std::size_t len = 0;
  EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key);
  EVP_DigestSign(md.get(), nullptr, &len, message.data(), message.size());
  attest::Bytes der(len);
  EVP_DigestSign(md.get(), der.data(), &len, message.data(), message.size());
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len));
  attest::Bytes out(64, 0);
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), out.data(), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), out.data() + 32, 32);
  ECDSA_SIG_free(sig);
  return out;
}

}  // namespace trustmq::test_support::p256_pki

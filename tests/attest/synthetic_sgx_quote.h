// A SYNTHETIC Intel SGX DCAP quote v4, made in the test with OpenSSL: no Intel key signs
// anything here. A test root CA (P-256) issues an "Intel SGX PCK Processor CA", which issues an
// "Intel SGX PCK Certificate" carrying the SGX extensions (TCB, PCE-ID, FMSPC) copied from the
// genuine PCK certificate of the vectors (sgx-dcap/leaf_cert.der); the root also issues an
// "Intel SGX TCB Signing" certificate for hand-written TCB info and QE identity documents.
// The quote (header version 4, TEE type 0, certification data type 6 wrapping the QE report,
// its signature, the QE auth data and a type-5 PEM chain) is signed by a fresh attestation
// key, and its QE report by the PCK key. It verifies only when the test root is the anchor
// (the policy's "sgx-dcap.trust_anchors"), never against the built-in Intel SGX Root CA.
// Shared as a header: the unity build needs file-scope names distinct across test files.
#pragma once

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "attest/bytes.h"
#include "attest/openssl_handles.h"
#include "attest/test_p256_pki.h"
#include "support/vector_files.h"

namespace trustmq::test_support {

using p256_pki::certificate;
using p256_pki::ec_key;
using p256_pki::raw_public_key;
using p256_pki::raw_signature;

// Offsets inside SyntheticSgxQuote::quote (version 4: QE data inside certification data type 6).
struct SyntheticSgxQuoteLayout {
  static constexpr std::size_t kBody = 48;
  static constexpr std::size_t kSignature = 48 + 384 + 4;
  static constexpr std::size_t kAttestationKey = kSignature + 64;
  static constexpr std::size_t kQeReport = kAttestationKey + 64 + 6;
  static constexpr std::size_t kQeReportSignature = kQeReport + 384;
  static constexpr std::size_t kQeAuthData = kQeReportSignature + 64 + 2;
};

class SyntheticSgxQuote {
 public:
  // Unix seconds inside every validity period made here (certificates 2020..2040; CRLs and
  // documents issued a day before, next update 30 days after).
  static constexpr std::uint64_t kNow = 1780272000;  // 2026-06-01

  // `impostor_root`: the test root takes the exact subject name of Intel's SGX Root CA (so the
  // chain names the built-in root as its issuer, and only the key can tell them apart).
  explicit SyntheticSgxQuote(bool impostor_root = false) {
    root_key = ec_key();
    pck_ca_key = ec_key();
    pck_key = ec_key();
    tcb_signing_key = ec_key();
    attestation_key = ec_key();
    X509_NAME* root_name = X509_NAME_new();
    if (impostor_root) {
      auto intel = read_pem_vector_as_der("intel-sgx-root-ca.pem");
      const unsigned char* p = intel.at(0).data();
      attest::X509Ptr intel_root(d2i_X509(nullptr, &p, static_cast<long>(intel[0].size())));
      X509_NAME_free(root_name);
      root_name = X509_NAME_dup(X509_get_subject_name(intel_root.get()));
    } else {
      name_entries(root_name, "trustmq synthetic SGX Root CA");
    }
    root = certificate(root_name, nullptr, root_key.get(), root_key.get(), true, 1);
    X509_NAME* ca_name = X509_NAME_new();
    name_entries(ca_name, "Intel SGX PCK Processor CA");
    pck_ca = certificate(ca_name, root.get(), root_key.get(), pck_ca_key.get(), true, 2);
    X509_NAME* leaf_name = X509_NAME_new();
    name_entries(leaf_name, "Intel SGX PCK Certificate");
    pck_leaf = certificate(leaf_name, pck_ca.get(), pck_ca_key.get(), pck_key.get(), false, 3,
                           genuine_sgx_extension());
    X509_NAME* signing_name = X509_NAME_new();
    name_entries(signing_name, "Intel SGX TCB Signing");
    tcb_signing =
        certificate(signing_name, root.get(), root_key.get(), tcb_signing_key.get(), false, 4);
    X509_NAME_free(root_name);
    X509_NAME_free(ca_name);
    X509_NAME_free(leaf_name);
    X509_NAME_free(signing_name);

    body.assign(384, 0);
    body[48] = 0x05;  // attributes: INIT | MODE64BIT, not DEBUG (0x02)
    for (std::size_t i = 0; i < 32; ++i) body[64 + i] = static_cast<std::uint8_t>(0x10 + i);
    for (std::size_t i = 0; i < 32; ++i) body[128 + i] = static_cast<std::uint8_t>(0x80 + i);
    body[256] = 7;  // isv_prod_id 7
    body[258] = 3;  // isv_svn 3
    for (std::size_t i = 0; i < 64; ++i) body[320 + i] = static_cast<std::uint8_t>(0xa0 ^ i);
    qe_report.assign(384, 0);
    qe_report[48] = 0x11;  // QE attributes: INIT | PROVISION_KEY
    for (std::size_t i = 0; i < 32; ++i) qe_report[128 + i] = static_cast<std::uint8_t>(0xc0 + i);
    qe_report[256] = 1;  // QE isv_prod_id 1
    qe_report[258] = 8;  // QE isv_svn 8
    qe_auth_data.assign(32, 0);
    for (std::size_t i = 0; i < 32; ++i) qe_auth_data[i] = static_cast<std::uint8_t>(i);
    rebuild();
  }

  // Signs and assembles `quote` from body / qe_report / qe_auth_data / the certificates.
  void rebuild() {
    const attest::Bytes ak = raw_public_key(attestation_key.get());
    attest::Bytes binding = ak;
    binding.insert(binding.end(), qe_auth_data.begin(), qe_auth_data.end());
    std::uint8_t digest[SHA256_DIGEST_LENGTH];
    SHA256(binding.data(), binding.size(), digest);
    std::copy(digest, digest + 32, qe_report.begin() + 320);
    std::fill(qe_report.begin() + 352, qe_report.end(), 0);

    attest::Bytes header(48, 0);
    put16(header, 0, 4);  // version 4
    put16(header, 2, 2);  // ECDSA P-256
    // TEE type 0 (SGX) at 4; QE SVN, PCE SVN; Intel's QE vendor ID.
    put16(header, 8, 8);
    put16(header, 10, 11);
    const std::uint8_t vendor[16] = {0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
                                     0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};
    std::copy(vendor, vendor + 16, header.begin() + 12);
    attest::Bytes signed_bytes = header;
    signed_bytes.insert(signed_bytes.end(), body.begin(), body.end());

    const std::string pem = pem_of(pck_leaf.get()) + pem_of(pck_ca.get()) + pem_of(root.get());
    attest::Bytes inner = qe_report;
    append(inner, raw_signature(pck_key.get(), qe_report));
    attest::Bytes auth_size(2, 0);
    put16(auth_size, 0, static_cast<std::uint16_t>(qe_auth_data.size()));
    append(inner, auth_size);
    append(inner, qe_auth_data);
    attest::Bytes cert_header(6, 0);
    put16(cert_header, 0, 5);
    put32(cert_header, 2, static_cast<std::uint32_t>(pem.size()));
    append(inner, cert_header);
    inner.insert(inner.end(), pem.begin(), pem.end());

    attest::Bytes sig_data = raw_signature(attestation_key.get(), signed_bytes);
    append(sig_data, ak);
    attest::Bytes type6(6, 0);
    put16(type6, 0, 6);
    put32(type6, 2, static_cast<std::uint32_t>(inner.size()));
    append(sig_data, type6);
    append(sig_data, inner);

    quote = signed_bytes;
    attest::Bytes size(4, 0);
    put32(size, 0, static_cast<std::uint32_t>(sig_data.size()));
    append(quote, size);
    append(quote, sig_data);
  }

  // A CRL by `issuer` listing `revoked`, current at kNow (DER).
  static attest::Bytes crl(X509* issuer, EVP_PKEY* issuer_key, const std::vector<X509*>& revoked) {
    return p256_pki::crl(issuer, issuer_key, revoked, kNow);
  }
  static std::string pem_of(X509* cert) { return p256_pki::pem_of(cert); }

  // {"<key>": <inner>, "signature": "<r||s hex>"} signed by the TCB Signing key over `inner`.
  std::string signed_document(const std::string& key, const std::string& inner) const {
    const attest::Bytes sig = raw_signature(
        tcb_signing_key.get(),
        attest::ByteSpan(reinterpret_cast<const std::uint8_t*>(inner.data()), inner.size()));
    return "{\"" + key + "\":" + inner + ",\"signature\":\"" + attest::to_hex(sig) + "\"}";
  }

  attest::EvpPkeyPtr root_key, pck_ca_key, pck_key, tcb_signing_key, attestation_key;
  attest::X509Ptr root, pck_ca, pck_leaf, tcb_signing;
  attest::Bytes body, qe_report, qe_auth_data;
  attest::Bytes quote;

 private:
  static void name_entries(X509_NAME* name, const char* cn) {
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                               -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("trustmq tests (synthetic)"),
                               -1, -1, 0);
  }

  // The SGX extensions (1.2.840.113741.1.13.1) of the genuine PCK certificate of the vectors.
  static X509_EXTENSION* genuine_sgx_extension() {
    const attest::Bytes der = read_vector("sgx-dcap/leaf_cert.der");
    const unsigned char* p = der.data();
    attest::X509Ptr leaf(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    ASN1_OBJECT* oid = OBJ_txt2obj("1.2.840.113741.1.13.1", 1);
    const int index = leaf ? X509_get_ext_by_OBJ(leaf.get(), oid, -1) : -1;
    ASN1_OBJECT_free(oid);
    return index < 0 ? nullptr : X509_EXTENSION_dup(X509_get_ext(leaf.get(), index));
  }

  static void put16(attest::Bytes& b, std::size_t at, std::uint16_t v) {
    b[at] = static_cast<std::uint8_t>(v);
    b[at + 1] = static_cast<std::uint8_t>(v >> 8);
  }
  static void put32(attest::Bytes& b, std::size_t at, std::uint32_t v) {
    for (std::size_t i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
  }
  static void append(attest::Bytes& to, const attest::Bytes& from) {
    to.insert(to.end(), from.begin(), from.end());
  }
};

}  // namespace trustmq::test_support

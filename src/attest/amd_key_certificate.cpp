#include "attest/amd_key_certificate.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <memory>

namespace trustmq::attest {

namespace {

// The DER content of the extension with `oid`, or nullptr.
const ASN1_OCTET_STRING* extension_value(X509* cert, const char* oid) {
  std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> obj(OBJ_txt2obj(oid, 1),
                                                                &ASN1_OBJECT_free);
  if (!obj) return nullptr;
  const int index = X509_get_ext_by_OBJ(cert, obj.get(), -1);
  if (index < 0) return nullptr;
  return X509_EXTENSION_get_data(X509_get_ext(cert, index));
}

std::optional<std::uint8_t> integer_extension(X509* cert, const char* oid) {
  const ASN1_OCTET_STRING* v = extension_value(cert, oid);
  if (v == nullptr) return std::nullopt;
  const unsigned char* p = ASN1_STRING_get0_data(v);
  const long len = ASN1_STRING_length(v);
  std::unique_ptr<ASN1_INTEGER, decltype(&ASN1_INTEGER_free)> i(d2i_ASN1_INTEGER(nullptr, &p, len),
                                                                &ASN1_INTEGER_free);
  std::int64_t value = -1;
  if (!i || p != ASN1_STRING_get0_data(v) + len || ASN1_INTEGER_get_int64(&value, i.get()) != 1 ||
      value < 0 || value > 255) {
    ERR_clear_error();
    return std::nullopt;
  }
  return static_cast<std::uint8_t>(value);
}

std::optional<std::string> string_extension(X509* cert, const char* oid) {
  const ASN1_OCTET_STRING* v = extension_value(cert, oid);
  if (v == nullptr) return std::nullopt;
  const unsigned char* p = ASN1_STRING_get0_data(v);
  const long len = ASN1_STRING_length(v);
  std::unique_ptr<ASN1_IA5STRING, decltype(&ASN1_IA5STRING_free)> s(
      d2i_ASN1_IA5STRING(nullptr, &p, len), &ASN1_IA5STRING_free);
  if (!s || p != ASN1_STRING_get0_data(v) + len) {
    ERR_clear_error();
    return std::nullopt;
  }
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s.get())),
                     static_cast<std::size_t>(ASN1_STRING_length(s.get())));
}

}  // namespace

std::string certificate_common_name(X509* cert) {
  X509_NAME* name = X509_get_subject_name(cert);
  const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return {};
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<std::size_t>(ASN1_STRING_length(data)));
}

Result<AmdKeyCertificateInfo> read_amd_key_certificate(X509* cert) {
  using R = Result<AmdKeyCertificateInfo>;
  AmdKeyCertificateInfo info;
  info.common_name = certificate_common_name(cert);
  auto product = string_extension(cert, "1.3.6.1.4.1.3704.1.2");
  if (!product || product->empty()) {
    return R::failure(info.common_name +
                      " certificate: productName extension (1.3.6.1.4.1.3704.1.2) "
                      "missing or not an IA5String");
  }
  info.product_name = *product;
  info.product = info.product_name.substr(0, info.product_name.find('-'));
  struct Spl {
    const char* oid;
    const char* name;
    std::uint8_t* out;
  };
  const Spl spls[] = {{"1.3.6.1.4.1.3704.1.3.1", "blSPL", &info.tcb.bootloader},
                      {"1.3.6.1.4.1.3704.1.3.2", "teeSPL", &info.tcb.tee},
                      {"1.3.6.1.4.1.3704.1.3.3", "snpSPL", &info.tcb.snp},
                      {"1.3.6.1.4.1.3704.1.3.8", "ucodeSPL", &info.tcb.microcode}};
  for (const Spl& s : spls) {
    auto v = integer_extension(cert, s.oid);
    if (!v) {
      return R::failure(info.common_name + " certificate: " + s.name + " extension (" + s.oid +
                        ") missing or not an INTEGER 0..255");
    }
    *s.out = *v;
  }
  info.tcb.raw = static_cast<std::uint64_t>(info.tcb.bootloader) |
                 (static_cast<std::uint64_t>(info.tcb.tee) << 8) |
                 (static_cast<std::uint64_t>(info.tcb.snp) << 48) |
                 (static_cast<std::uint64_t>(info.tcb.microcode) << 56);
  if (const ASN1_OCTET_STRING* hw = extension_value(cert, "1.3.6.1.4.1.3704.1.4")) {
    if (ASN1_STRING_length(hw) != 64) {
      return R::failure(info.common_name + " certificate: hwID extension is " +
                        std::to_string(ASN1_STRING_length(hw)) + " bytes, expected 64");
    }
    std::array<std::uint8_t, 64> id{};
    std::copy_n(ASN1_STRING_get0_data(hw), 64, id.begin());
    info.hw_id = id;
  }
  if (auto csp = string_extension(cert, "1.3.6.1.4.1.3704.1.5")) info.csp_id = *csp;
  return R::success(std::move(info));
}

}  // namespace trustmq::attest

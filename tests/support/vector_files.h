// Reads the evidence test vectors kept in tests/attest/vectors/ (see its README for provenance).
#pragma once

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace trustmq::test_support {

inline std::string vector_path(const std::string& relative) {
  return std::string(TRUSTMQ_TEST_VECTORS_DIR) + "/" + relative;
}

inline std::vector<std::uint8_t> read_vector(const std::string& relative) {
  std::ifstream in(vector_path(relative), std::ios::binary);
  return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
}

// DER of every certificate of a PEM vector file, in file order.
inline std::vector<std::vector<std::uint8_t>> read_pem_vector_as_der(const std::string& relative) {
  std::vector<std::vector<std::uint8_t>> out;
  BIO* bio = BIO_new_file(vector_path(relative).c_str(), "r");
  if (bio == nullptr) return out;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    unsigned char* der = nullptr;
    const int len = i2d_X509(cert, &der);
    if (len > 0) out.emplace_back(der, der + len);
    OPENSSL_free(der);
    X509_free(cert);
  }
  BIO_free(bio);
  return out;
}

}  // namespace trustmq::test_support

#include "attest/collateral.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>
#include <system_error>

namespace trustmq::attest {

namespace {

SharedCrl share_crl(X509_CRL* crl) {
  return SharedCrl(crl, [](X509_CRL* c) { X509_CRL_free(c); });
}

bool looks_like_json(ByteSpan bytes) {
  for (std::uint8_t b : bytes) {
    if (b == ' ' || b == '\n' || b == '\r' || b == '\t') continue;
    return b == '{';
  }
  return false;
}

bool contains(ByteSpan bytes, std::string_view needle) {
  const auto* begin = reinterpret_cast<const char*>(bytes.data());
  return std::string_view(begin, bytes.size()).find(needle) != std::string_view::npos;
}

Result<Bytes> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Result<Bytes>::failure("cannot read collateral file " + path);
  Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return Result<Bytes>::success(std::move(data));
}

}  // namespace

Result<void> Collateral::add_bytes(const std::string& source, ByteSpan bytes) {
  using R = Result<void>;
  if (bytes.empty()) return R::failure("collateral file " + source + " is empty");
  if (looks_like_json(bytes)) {
    documents.push_back({source, std::string(bytes.begin(), bytes.end())});
    return R::success();
  }
  if (contains(bytes, "-----BEGIN CERTIFICATE-----")) {
    BioPtr bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
    std::size_t n = 0;
    while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
      certificates.push_back({source, share_x509(X509Ptr(cert))});
      ++n;
    }
    ERR_clear_error();
    if (n == 0) return R::failure("collateral file " + source + ": unreadable PEM certificate");
    return R::success();
  }
  if (contains(bytes, "-----BEGIN X509 CRL-----")) {
    BioPtr bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
    X509_CRL* crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr);
    ERR_clear_error();
    if (crl == nullptr) return R::failure("collateral file " + source + ": unreadable PEM CRL");
    crls.push_back({source, share_crl(crl)});
    return R::success();
  }
  const unsigned char* p = bytes.data();
  if (X509* cert = d2i_X509(nullptr, &p, static_cast<long>(bytes.size()));
      cert != nullptr && p == bytes.data() + bytes.size()) {
    certificates.push_back({source, share_x509(X509Ptr(cert))});
    return R::success();
  } else if (cert != nullptr) {
    X509_free(cert);
  }
  p = bytes.data();
  if (X509_CRL* crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(bytes.size()));
      crl != nullptr && p == bytes.data() + bytes.size()) {
    crls.push_back({source, share_crl(crl)});
    return R::success();
  } else if (crl != nullptr) {
    X509_CRL_free(crl);
  }
  ERR_clear_error();
  return R::failure("collateral file " + source +
                    " is not a certificate, a CRL or a JSON document (DER or PEM)");
}

Result<Collateral> load_collateral(const std::vector<std::string>& paths) {
  using R = Result<Collateral>;
  Collateral out;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      std::vector<std::string> files;
      for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
        if (entry.is_regular_file(ec)) files.push_back(entry.path().string());
      }
      if (ec) return R::failure("cannot list collateral folder " + path + ": " + ec.message());
      std::sort(files.begin(), files.end());
      for (const std::string& file : files) {
        auto data = read_file(file);
        if (!data) return R::failure(data.error());
        if (!out.add_bytes(file, *data)) out.skipped.push_back(file);
      }
      continue;
    }
    auto data = read_file(path);
    if (!data) return R::failure(data.error());
    auto added = out.add_bytes(path, *data);
    if (!added) return R::failure(added.error());
  }
  return R::success(std::move(out));
}

}  // namespace trustmq::attest

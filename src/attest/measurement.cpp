#include "attest/measurement.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace trustmq::attest {

Sha256Digest sha256(ByteSpan bytes) {
  Sha256Digest d{};
  SHA256(bytes.data(), bytes.size(), d.data());
  return d;
}

Result<Sha256Digest> sha256_of_file(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) {
    return Result<Sha256Digest>::failure("cannot open " + path + ": " + std::strerror(errno));
  }
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return Result<Sha256Digest>::failure("SHA-256 unavailable");
  }
  unsigned char buf[64 * 1024];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) {
    EVP_DigestUpdate(ctx.get(), buf, n);
  }
  if (std::ferror(f.get())) {
    return Result<Sha256Digest>::failure("cannot read " + path + ": " + std::strerror(errno));
  }
  Sha256Digest d{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), d.data(), &len);
  return Result<Sha256Digest>::success(d);
}

Result<Sha256Digest> runtime_self_measurement() {
  static const Result<Sha256Digest> measured = sha256_of_file("/proc/self/exe");
  return measured;
}

}  // namespace trustmq::attest

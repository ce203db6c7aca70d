#include "shell/record_sealing.h"

#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace trustmq::shell {
namespace {

constexpr std::uint8_t kSealVersion = 1;
constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kHeaderBytes = 1 + 32 + kNonceBytes;
constexpr char kHkdfInfo[] = "trustmq persistence record key v1";

struct CipherContextFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextFree>;

std::string hex(const std::uint8_t* bytes, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[bytes[i] >> 4]);
    out.push_back(digits[bytes[i] & 15]);
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Additional authenticated data: version, measurement and the record's key.
bool add_aad(EVP_CIPHER_CTX* ctx, const std::uint8_t* header, mqtt::ByteView key) {
  int ignored = 0;
  return EVP_EncryptUpdate(ctx, nullptr, &ignored, header, 1 + 32) == 1 &&
         (key.empty() ||
          EVP_EncryptUpdate(ctx, nullptr, &ignored, key.data(), static_cast<int>(key.size())) == 1);
}

bool add_aad_decrypt(EVP_CIPHER_CTX* ctx, const std::uint8_t* header, mqtt::ByteView key) {
  int ignored = 0;
  return EVP_DecryptUpdate(ctx, nullptr, &ignored, header, 1 + 32) == 1 &&
         (key.empty() ||
          EVP_DecryptUpdate(ctx, nullptr, &ignored, key.data(), static_cast<int>(key.size())) == 1);
}

}  // namespace

RecordSealer::RecordSealer(const std::array<std::uint8_t, kPlatformSecretBytes>& platform_secret,
                           const std::string& measurement_hex) {
  if (measurement_hex.size() != 64) {
    throw std::runtime_error("persistence: module measurement is not a SHA-256 ('" +
                             measurement_hex + "')");
  }
  for (std::size_t i = 0; i < 32; ++i) {
    const int high = hex_digit(measurement_hex[2 * i]);
    const int low = hex_digit(measurement_hex[2 * i + 1]);
    if (high < 0 || low < 0) {
      throw std::runtime_error("persistence: module measurement is not lower-case hex");
    }
    measurement_[i] = static_cast<std::uint8_t>(high * 16 + low);
  }
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_KDF_CTX* ctx = kdf != nullptr ? EVP_KDF_CTX_new(kdf) : nullptr;
  EVP_KDF_free(kdf);
  if (ctx == nullptr) throw std::runtime_error("persistence: HKDF is not available");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                        const_cast<std::uint8_t*>(platform_secret.data()),
                                        platform_secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, measurement_.data(),
                                        measurement_.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(kHkdfInfo),
                                        sizeof kHkdfInfo - 1),
      OSSL_PARAM_construct_end()};
  const int ok = EVP_KDF_derive(ctx, key_.data(), key_.size(), params);
  EVP_KDF_CTX_free(ctx);
  if (ok != 1) throw std::runtime_error("persistence: HKDF key derivation failed");
}

RecordSealer::~RecordSealer() {
  EVP_CIPHER_CTX_free(seal_context_);
  EVP_CIPHER_CTX_free(open_context_);
  OPENSSL_cleanse(key_.data(), key_.size());
}

void RecordSealer::seal_into(mqtt::ByteView key, mqtt::ByteView plaintext, mqtt::Bytes& out) {
  if (seal_context_ == nullptr) {
    seal_context_ = EVP_CIPHER_CTX_new();
    if (seal_context_ == nullptr ||
        EVP_EncryptInit_ex(seal_context_, EVP_aes_256_gcm(), nullptr, key_.data(), nullptr) != 1) {
      EVP_CIPHER_CTX_free(seal_context_);
      seal_context_ = nullptr;
      throw std::runtime_error("persistence: AES-256-GCM sealing failed");
    }
  }
  out.resize(kHeaderBytes + plaintext.size() + kTagBytes);
  out[0] = kSealVersion;
  std::memcpy(out.data() + 1, measurement_.data(), 32);
  std::uint8_t* nonce = out.data() + 1 + 32;
  if (RAND_bytes(nonce, kNonceBytes) != 1) throw std::runtime_error("persistence: RAND_bytes");
  int written = 0;
  int final_written = 0;
  // Same key, new nonce: the key schedule is kept, the GCM state restarts.
  if (EVP_EncryptInit_ex(seal_context_, nullptr, nullptr, nullptr, nonce) != 1 ||
      !add_aad(seal_context_, out.data(), key) ||
      EVP_EncryptUpdate(seal_context_, out.data() + kHeaderBytes, &written, plaintext.data(),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(seal_context_, out.data() + kHeaderBytes + written, &final_written) !=
          1 ||
      EVP_CIPHER_CTX_ctrl(seal_context_, EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          out.data() + kHeaderBytes + plaintext.size()) != 1) {
    throw std::runtime_error("persistence: AES-256-GCM sealing failed");
  }
}

mqtt::Bytes RecordSealer::seal(mqtt::ByteView key, mqtt::ByteView plaintext) const {
  mqtt::Bytes out(kHeaderBytes + plaintext.size() + kTagBytes);
  out[0] = kSealVersion;
  std::memcpy(out.data() + 1, measurement_.data(), 32);
  std::uint8_t* nonce = out.data() + 1 + 32;
  if (RAND_bytes(nonce, kNonceBytes) != 1) throw std::runtime_error("persistence: RAND_bytes");
  CipherContext ctx(EVP_CIPHER_CTX_new());
  int written = 0;
  int final_written = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce) != 1 ||
      !add_aad(ctx.get(), out.data(), key) ||
      EVP_EncryptUpdate(ctx.get(), out.data() + kHeaderBytes, &written, plaintext.data(),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + kHeaderBytes + written, &final_written) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          out.data() + kHeaderBytes + plaintext.size()) != 1) {
    throw std::runtime_error("persistence: AES-256-GCM sealing failed");
  }
  return out;
}

// The checks before decryption, shared by open() and open_append(): size, version,
// measurement. Returns the plaintext length, or nothing with the reason in `error`.
std::optional<std::size_t> RecordSealer::check_header(mqtt::ByteView sealed,
                                                      std::string& error) const {
  if (sealed.size() < kHeaderBytes + kTagBytes) {
    error = "truncated (" + std::to_string(sealed.size()) + " bytes)";
    return std::nullopt;
  }
  if (sealed[0] != kSealVersion) {
    error = "unknown sealing version " + std::to_string(sealed[0]);
    return std::nullopt;
  }
  if (std::memcmp(sealed.data() + 1, measurement_.data(), 32) != 0) {
    error = "sealed by module measurement " + hex(sealed.data() + 1, 32) +
            ", not by this broker's " + hex(measurement_.data(), 32);
    return std::nullopt;
  }
  return sealed.size() - kHeaderBytes - kTagBytes;
}

namespace {

constexpr char kAuthenticationFailed[] =
    "authentication failed: altered on disk, moved to another key, or sealed with another "
    "platform secret";

// Decrypts the checked `sealed` value into `plaintext` (length bytes) with `ctx`, whose key is
// set. False if the tag does not verify.
bool decrypt(EVP_CIPHER_CTX* ctx, mqtt::ByteView key, mqtt::ByteView sealed, std::size_t length,
             std::uint8_t* plaintext) {
  int written = 0;
  int final_written = 0;
  std::uint8_t tag[kTagBytes];
  std::memcpy(tag, sealed.data() + kHeaderBytes + length, kTagBytes);
  return EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, sealed.data() + 1 + 32) == 1 &&
         add_aad_decrypt(ctx, sealed.data(), key) &&
         EVP_DecryptUpdate(ctx, plaintext, &written, sealed.data() + kHeaderBytes,
                           static_cast<int>(length)) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag) == 1 &&
         EVP_DecryptFinal_ex(ctx, plaintext + written, &final_written) == 1;
}

}  // namespace

std::optional<mqtt::Bytes> RecordSealer::open(mqtt::ByteView key, mqtt::ByteView sealed,
                                              std::string& error) const {
  const std::optional<std::size_t> length = check_header(sealed, error);
  if (!length) return std::nullopt;
  mqtt::Bytes plaintext(*length);
  CipherContext ctx(EVP_CIPHER_CTX_new());
  const bool ok =
      ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nullptr) == 1 &&
      decrypt(ctx.get(), key, sealed, *length, plaintext.data());
  if (!ok) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    error = kAuthenticationFailed;
    return std::nullopt;
  }
  return plaintext;
}

bool RecordSealer::open_append(mqtt::ByteView key, mqtt::ByteView sealed, mqtt::Bytes& out,
                               std::string& error) {
  const std::optional<std::size_t> length = check_header(sealed, error);
  if (!length) return false;
  if (open_context_ == nullptr) {
    open_context_ = EVP_CIPHER_CTX_new();
    if (open_context_ == nullptr ||
        EVP_DecryptInit_ex(open_context_, EVP_aes_256_gcm(), nullptr, key_.data(), nullptr) != 1) {
      EVP_CIPHER_CTX_free(open_context_);
      open_context_ = nullptr;
      throw std::runtime_error("persistence: AES-256-GCM opening failed");
    }
  }
  const std::size_t start = out.size();
  out.resize(start + *length);
  if (!decrypt(open_context_, key, sealed, *length, out.data() + start)) {
    OPENSSL_cleanse(out.data() + start, *length);
    out.resize(start);
    error = kAuthenticationFailed;
    return false;
  }
  return true;
}

std::string RecordSealer::measurement_hex() const {
  return hex(measurement_.data(), measurement_.size());
}

std::array<std::uint8_t, kPlatformSecretBytes> load_or_create_platform_secret(
    const std::string& path) {
  std::array<std::uint8_t, kPlatformSecretBytes> secret{};
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT) {
    if (RAND_bytes(secret.data(), secret.size()) != 1) {
      throw std::runtime_error("persistence: RAND_bytes failed for " + path);
    }
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
      throw std::runtime_error("persistence: cannot create " + path + ": " + std::strerror(errno));
    const bool written =
        ::write(fd, secret.data(), secret.size()) == static_cast<ssize_t>(secret.size()) &&
        ::fsync(fd) == 0;
    ::close(fd);
    if (!written) throw std::runtime_error("persistence: cannot write " + path);
    return secret;
  }
  if (fd < 0) {
    throw std::runtime_error("persistence: cannot open " + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || (st.st_mode & 077) != 0 || st.st_uid != ::geteuid()) {
    ::close(fd);
    throw std::runtime_error("persistence: platform secret " + path +
                             " must be owned by the broker's user with mode 0600");
  }
  const ssize_t n = ::read(fd, secret.data(), secret.size());
  std::uint8_t extra = 0;
  const ssize_t more = ::read(fd, &extra, 1);
  ::close(fd);
  if (n != static_cast<ssize_t>(secret.size()) || more != 0) {
    throw std::runtime_error("persistence: platform secret " + path + " is not " +
                             std::to_string(secret.size()) + " bytes");
  }
  return secret;
}

}  // namespace trustmq::shell

#include "shell/password_file.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <charconv>
#include <limits>
#include <optional>

#include "shell/config_file.h"

namespace trustmq::shell {
namespace {

constexpr std::size_t kSha512Bytes = 64;

std::optional<std::vector<std::uint8_t>> decode_base64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '+' || c == '/';
    const bool padding = c == '=' && i + 2 >= text.size();
    if (!alphabet && !padding) return std::nullopt;
    if (c == '=' && i + 1 < text.size() && text[i + 1] != '=') return std::nullopt;
  }
  std::vector<std::uint8_t> out(text.size() / 4 * 3);
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  std::size_t length = static_cast<std::size_t>(n);
  if (text.back() == '=') --length;
  if (text[text.size() - 2] == '=') --length;
  out.resize(length);
  return out;
}

std::vector<std::string_view> split_dollar(std::string_view s) {
  std::vector<std::string_view> parts;
  std::size_t pos = 0;
  while (true) {
    const auto next = s.find('$', pos);
    parts.push_back(s.substr(pos, next == std::string_view::npos ? s.npos : next - pos));
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  return parts;
}

std::vector<std::uint8_t> compute_hash(const PasswordFile::Entry& entry,
                                       std::span<const std::uint8_t> password) {
  std::vector<std::uint8_t> out(entry.hash.size());
  if (entry.kind == PasswordFile::HashKind::kPbkdf2Sha512) {
    if (PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(password.data()),
                          static_cast<int>(password.size()), entry.salt.data(),
                          static_cast<int>(entry.salt.size()), static_cast<int>(entry.iterations),
                          EVP_sha512(), static_cast<int>(out.size()), out.data()) != 1) {
      return {};
    }
    return out;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return {};
  unsigned int length = 0;
  out.resize(EVP_MAX_MD_SIZE);
  const bool ok = EVP_DigestInit_ex(ctx, EVP_sha512(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, password.data(), password.size()) == 1 &&
                  EVP_DigestUpdate(ctx, entry.salt.data(), entry.salt.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, out.data(), &length) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return {};
  out.resize(length);
  return out;
}

}  // namespace

PasswordFile PasswordFile::parse(std::string_view text, std::string_view file_name) {
  PasswordFile file;
  std::size_t line_number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    if (line.empty() || line.front() == '#') continue;

    const auto fail = [&](std::string_view why) {
      throw ConfigError(std::string(file_name) + ":" + std::to_string(line_number) + ": " +
                        std::string(why));
    };
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) fail("expected 'username:hash'");
    Entry entry;
    entry.username = std::string(line.substr(0, colon));
    if (entry.username.empty()) fail("empty username");
    const auto hash_text = line.substr(colon + 1);
    const auto parts = split_dollar(hash_text);
    // "$7$101$salt$hash" splits into "", "7", "101", "salt", "hash".
    if (parts.size() == 5 && parts[0].empty() && parts[1] == "7") {
      entry.kind = HashKind::kPbkdf2Sha512;
      std::uint32_t iterations = 0;
      const auto [p, ec] =
          std::from_chars(parts[2].data(), parts[2].data() + parts[2].size(), iterations);
      if (ec != std::errc() || p != parts[2].data() + parts[2].size() || iterations == 0 ||
          iterations > static_cast<std::uint32_t>(std::numeric_limits<int>::max())) {
        fail("user '" + entry.username + "': invalid iteration count '" + std::string(parts[2]) +
             "'");
      }
      entry.iterations = iterations;
    } else if (parts.size() == 4 && parts[0].empty() && parts[1] == "6") {
      entry.kind = HashKind::kSha512;
    } else {
      fail("user '" + entry.username +
           "': unknown password hash format (expected $7$ or $6$ as written by "
           "mosquitto_passwd)");
    }
    const auto salt = decode_base64(parts[parts.size() - 2]);
    const auto hash = decode_base64(parts[parts.size() - 1]);
    if (!salt || salt->empty()) fail("user '" + entry.username + "': invalid base64 salt");
    if (!hash || hash->size() != kSha512Bytes) {
      fail("user '" + entry.username + "': invalid hash (expected 64 bytes of base64)");
    }
    entry.salt = std::move(*salt);
    entry.hash = std::move(*hash);
    file.entries_.push_back(std::move(entry));
  }
  return file;
}

PasswordFile PasswordFile::load(const std::string& path) {
  return parse(read_text_file(path, "password_file"), path);
}

bool PasswordFile::verify(std::string_view username, std::span<const std::uint8_t> password) const {
  const Entry* found = nullptr;
  for (const auto& entry : entries_) {
    if (entry.username == username) found = &entry;  // the last line for a user wins
  }
  if (found == nullptr) return false;
  const auto computed = compute_hash(*found, password);
  if (computed.size() != found->hash.size()) return false;
  return CRYPTO_memcmp(computed.data(), found->hash.data(), computed.size()) == 0;
}

bool PasswordFile::verify(std::string_view username, std::string_view password) const {
  return verify(username,
                std::span<const std::uint8_t>(
                    reinterpret_cast<const std::uint8_t*>(password.data()), password.size()));
}

}  // namespace trustmq::shell

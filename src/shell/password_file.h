// A mosquitto password file (password_file option), in the formats mosquitto_passwd writes:
//   user:$7$ITERATIONS$SALT_BASE64$HASH_BASE64   PBKDF2-HMAC-SHA512, 64-byte hash (2.0 default)
//   user:$6$SALT_BASE64$HASH_BASE64              SHA-512(password || salt) (1.6 and earlier)
// Blank lines and lines starting with '#' are ignored. Any other line is an error.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace trustmq::shell {

class PasswordFile {
 public:
  enum class HashKind : std::uint8_t { kSha512 = 6, kPbkdf2Sha512 = 7 };

  struct Entry {
    std::string username;
    HashKind kind = HashKind::kPbkdf2Sha512;
    std::uint32_t iterations = 0;  // kPbkdf2Sha512 only
    std::vector<std::uint8_t> salt;
    std::vector<std::uint8_t> hash;
  };

  // Throws ConfigError (config_file.h) naming `file_name` and the line on a malformed line.
  static PasswordFile parse(std::string_view text, std::string_view file_name);
  static PasswordFile load(const std::string& path);

  // Whether `username` is in the file and `password` matches its hash (constant-time compare).
  bool verify(std::string_view username, std::span<const std::uint8_t> password) const;
  bool verify(std::string_view username, std::string_view password) const;

  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
};

}  // namespace trustmq::shell

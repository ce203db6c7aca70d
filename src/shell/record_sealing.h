// Sealing of persistence records (docs/persistence.md, Sealing): each stored value is
// encrypted and authenticated with AES-256-GCM under a key derived by HKDF-SHA256 from a
// platform secret and the module measurement, so a store written by another module (or
// altered on disk) does not open. The key (the record's key bytes) is authenticated too, so
// a value moved to another key is refused.
//
// Sealed value: u8 version (1) | 32 bytes measurement | 12 bytes nonce | ciphertext | 16 tag.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "mqtt/types.h"

struct evp_cipher_ctx_st;

namespace trustmq::shell {

inline constexpr std::size_t kPlatformSecretBytes = 32;

class RecordSealer {
 public:
  // `measurement_hex`: the module measurement (64 lower-case hex digits, SHA-256).
  // Throws std::runtime_error if it is not one or the key derivation fails.
  RecordSealer(const std::array<std::uint8_t, kPlatformSecretBytes>& platform_secret,
               const std::string& measurement_hex);
  ~RecordSealer();
  RecordSealer(const RecordSealer&) = delete;
  RecordSealer& operator=(const RecordSealer&) = delete;

  mqtt::Bytes seal(mqtt::ByteView key, mqtt::ByteView plaintext) const;
  // The same into `out` (resized), reusing its capacity and one cipher context with the key
  // already expanded: the store's per-record path, without allocations in steady state.
  void seal_into(mqtt::ByteView key, mqtt::ByteView plaintext, mqtt::Bytes& out);
  // The plaintext, or the reason it is refused in `error` ("sealed by module measurement
  // 3f2a… (this broker runs 9c01…)", "authentication failed: altered on disk", …).
  std::optional<mqtt::Bytes> open(mqtt::ByteView key, mqtt::ByteView sealed,
                                  std::string& error) const;
  // The same, appending the plaintext to `out` (nothing appended if refused) with one cipher
  // context whose key is expanded once: the load path, without an allocation per record.
  bool open_append(mqtt::ByteView key, mqtt::ByteView sealed, mqtt::Bytes& out, std::string& error);

  // The module measurement records are sealed for, 64 lower-case hex digits.
  std::string measurement_hex() const;

 private:
  std::optional<std::size_t> check_header(mqtt::ByteView sealed, std::string& error) const;

  std::array<std::uint8_t, 32> measurement_{};
  std::array<std::uint8_t, 32> key_{};
  evp_cipher_ctx_st* seal_context_ = nullptr;  // seal_into's, key set once
  evp_cipher_ctx_st* open_context_ = nullptr;  // open_append's, key set once
};

// Reads `path` (exactly kPlatformSecretBytes bytes, mode 0600 or stricter, owned by us) or,
// if it does not exist, creates it with fresh random bytes. Throws std::runtime_error naming
// the file on any other problem (wrong size, group/other permissions).
std::array<std::uint8_t, kPlatformSecretBytes> load_or_create_platform_secret(
    const std::string& path);

}  // namespace trustmq::shell

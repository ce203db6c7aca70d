// Byte containers and hexadecimal text used across attestation code.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace trustmq::attest {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;
using Sha256Digest = std::array<std::uint8_t, 32>;
using ReportData = std::array<std::uint8_t, 64>;

// Lower-case hexadecimal.
std::string to_hex(ByteSpan bytes);
// Accepts upper or lower case; nullopt on odd length or a non-hex character.
std::optional<Bytes> from_hex(std::string_view text);
// Parses exactly 64 hex characters into a SHA-256 digest.
std::optional<Sha256Digest> sha256_from_hex(std::string_view text);
// "3fa2b1c0…" — the first 8 hex digits, used in human-readable reasons.
std::string short_hex(ByteSpan bytes);

}  // namespace trustmq::attest

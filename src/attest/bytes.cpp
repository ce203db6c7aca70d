#include "attest/bytes.h"

#include <algorithm>

namespace trustmq::attest {

std::string to_hex(ByteSpan bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<Bytes> from_hex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  Bytes out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    int hi = hex_value(text[i]);
    int lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return out;
}

std::optional<Sha256Digest> sha256_from_hex(std::string_view text) {
  if (text.size() != 64) return std::nullopt;
  auto bytes = from_hex(text);
  if (!bytes) return std::nullopt;
  Sha256Digest d{};
  std::copy(bytes->begin(), bytes->end(), d.begin());
  return d;
}

std::string short_hex(ByteSpan bytes) {
  std::string hex = to_hex(bytes.first(std::min<std::size_t>(bytes.size(), 4)));
  if (bytes.size() > 4) hex += "\xE2\x80\xA6";  // "…"
  return hex;
}

}  // namespace trustmq::attest

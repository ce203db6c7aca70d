// The MQTT wire primitives both directions share: variable byte integers (spec §1.5.5) and
// UTF-8 strings as MQTT restricts them (§1.5.4). Packets: packet_decoder.cpp, packet_encoder.cpp.
#include "mqtt/codec.h"

#include <cstring>
#include <string_view>

#include "mqtt/limits.h"

namespace trustmq::mqtt {
namespace {

constexpr std::uint32_t kMaxVariableByteInteger = kMaxPacketSize;

}  // namespace

void encode_variable_byte_integer(std::uint32_t value, Bytes& out) {
  if (value > kMaxVariableByteInteger) value = kMaxVariableByteInteger;
  do {
    std::uint8_t byte = value & 0x7F;
    value >>= 7;
    if (value != 0) byte |= 0x80;
    out.push_back(byte);
  } while (value != 0);
}

VarIntStatus decode_variable_byte_integer(ByteView input, std::uint32_t& value,
                                          std::size_t& length) {
  std::uint32_t result = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    if (i >= input.size()) return VarIntStatus::kNeedMoreData;
    const std::uint8_t byte = input[i];
    result |= static_cast<std::uint32_t>(byte & 0x7F) << (7 * i);
    if ((byte & 0x80) == 0) {
      value = result;
      length = i + 1;
      return VarIntStatus::kOk;
    }
  }
  return VarIntStatus::kMalformed;
}

bool is_valid_mqtt_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    // Most strings are ASCII (topics, client identifiers): 8 bytes at a time while none has
    // its high bit set and none is zero (the classic "has a zero byte" test); the first word
    // that fails goes byte by byte below. About half the instructions per topic under both
    // engines (docs/benchmarks.md, "Where the time and memory go").
    constexpr std::uint64_t kHighBits = 0x8080808080808080ull;
    constexpr std::uint64_t kLowBits = 0x0101010101010101ull;
    while (n - i >= 8) {
      std::uint64_t word = 0;
      std::memcpy(&word, s + i, sizeof word);
      if (((word & kHighBits) | ((word - kLowBits) & ~word & kHighBits)) != 0) break;
      i += 8;
    }
    if (i == n) break;
    const unsigned char c = s[i];
    if (c < 0x80) {
      if (c == 0) return false;
      ++i;
      continue;
    }
    std::size_t length = 0;
    std::uint32_t code_point = 0;
    if ((c & 0xE0) == 0xC0) {
      if (c < 0xC2) return false;  // overlong
      length = 2;
      code_point = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3;
      code_point = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      if (c > 0xF4) return false;
      length = 4;
      code_point = c & 0x07;
    } else {
      return false;
    }
    if (n - i < length) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const unsigned char continuation = s[i + k];
      if ((continuation & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (continuation & 0x3F);
    }
    if (length == 3 && code_point < 0x800) return false;
    if (length == 4 && (code_point < 0x10000 || code_point > 0x10FFFF)) return false;
    if (code_point >= 0xD800 && code_point <= 0xDFFF) return false;
    i += length;
  }
  return true;
}

}  // namespace trustmq::mqtt

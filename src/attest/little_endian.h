// Little-endian integer reads from byte spans (TEE report layouts are little-endian). The caller
// checks bounds first; these never read outside `bytes`.
#pragma once

#include <cstddef>
#include <cstdint>

#include "attest/bytes.h"

namespace trustmq::attest {

inline std::uint16_t read_le16(ByteSpan bytes, std::size_t offset) {
  return static_cast<std::uint16_t>(bytes[offset] | (bytes[offset + 1] << 8));
}

inline std::uint32_t read_le32(ByteSpan bytes, std::size_t offset) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(bytes[offset + i]) << (8 * i);
  return v;
}

inline std::uint64_t read_le64(ByteSpan bytes, std::size_t offset) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(bytes[offset + i]) << (8 * i);
  return v;
}

// A copy of bytes[offset, offset + N).
template <std::size_t N>
std::array<std::uint8_t, N> read_array(ByteSpan bytes, std::size_t offset) {
  std::array<std::uint8_t, N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = bytes[offset + i];
  return out;
}

}  // namespace trustmq::attest

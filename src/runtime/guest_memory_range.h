// Bounds checking of (pointer, length) pairs that come from a Wasm module before the host
// reads or writes them. All arithmetic is done in 64 bits, so a 32-bit pointer + length that
// would wrap around (e.g. 0xffffff00 + 0x200) is rejected, never folded back into range.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace trustmq::runtime {

// A module's linear memory as the host sees it at one instant. Re-read it after every call
// into the guest: memory may grow and, without guard pages, move.
struct GuestMemory {
  std::uint8_t* data = nullptr;
  std::uint64_t size = 0;
};

// The host-side span for guest bytes [ptr, ptr + length), or nothing if any byte of it lies
// outside the memory. A zero-length range is valid at any ptr <= size.
inline std::optional<std::span<std::uint8_t>> guest_range(GuestMemory memory, std::uint32_t ptr,
                                                          std::uint32_t length) {
  const std::uint64_t end = static_cast<std::uint64_t>(ptr) + static_cast<std::uint64_t>(length);
  if (end > memory.size || memory.data == nullptr) return std::nullopt;
  return std::span<std::uint8_t>(memory.data + ptr, length);
}

}  // namespace trustmq::runtime

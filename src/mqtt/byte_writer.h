// Writing MQTT wire data types (spec §1.5). Encoders are written once as templates over a
// sink: ByteCounter measures the encoded size, ByteWriter appends after reserving exactly that
// size, so a packet is built with at most one allocation and its payload copied once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mqtt/types.h"

namespace trustmq::mqtt {

// MQTT strings and binary data carry a two-byte length; longer values are cut to fit.
inline constexpr std::size_t kMaxLengthPrefixed = 65535;

inline std::size_t variable_byte_integer_size(std::uint32_t value) {
  if (value < 128) return 1;
  if (value < 16384) return 2;
  if (value < 2097152) return 3;
  return 4;
}

class ByteCounter {
 public:
  void u8(std::uint8_t) { size_ += 1; }
  void u16(std::uint16_t) { size_ += 2; }
  void u32(std::uint32_t) { size_ += 4; }
  void variable_byte_integer(std::uint32_t value) { size_ += variable_byte_integer_size(value); }
  void raw(const void*, std::size_t length) { size_ += length; }
  void length_prefixed(const void*, std::size_t length) {
    size_ += 2 + (length > kMaxLengthPrefixed ? kMaxLengthPrefixed : length);
  }
  std::size_t size() const { return size_; }

 private:
  std::size_t size_ = 0;
};

// Appends to a byte vector; reserve the size measured with ByteCounter first so nothing
// reallocates (appending also avoids zero-filling the space before it is written).
class ByteWriter {
 public:
  explicit ByteWriter(Bytes& out) : out_(out) {}
  void u8(std::uint8_t value) { out_.push_back(value); }
  void u16(std::uint16_t value) {
    const std::uint8_t bytes[2] = {static_cast<std::uint8_t>(value >> 8),
                                   static_cast<std::uint8_t>(value)};
    out_.insert(out_.end(), bytes, bytes + 2);
  }
  void u32(std::uint32_t value) {
    const std::uint8_t bytes[4] = {
        static_cast<std::uint8_t>(value >> 24), static_cast<std::uint8_t>(value >> 16),
        static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
    out_.insert(out_.end(), bytes, bytes + 4);
  }
  void variable_byte_integer(std::uint32_t value) {
    do {
      std::uint8_t byte = value & 0x7F;
      value >>= 7;
      if (value != 0) byte |= 0x80;
      out_.push_back(byte);
    } while (value != 0);
  }
  void raw(const void* data, std::size_t length) {
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    out_.insert(out_.end(), bytes, bytes + length);
  }
  void length_prefixed(const void* data, std::size_t length) {
    if (length > kMaxLengthPrefixed) length = kMaxLengthPrefixed;
    u16(static_cast<std::uint16_t>(length));
    raw(data, length);
  }

 private:
  Bytes& out_;
};

template <typename Sink>
void write_string(Sink& sink, std::string_view text) {
  sink.length_prefixed(text.data(), text.size());
}

template <typename Sink>
void write_binary(Sink& sink, const Bytes& data) {
  sink.length_prefixed(data.data(), data.size());
}

}  // namespace trustmq::mqtt

// Bounds-checked reading of MQTT wire data types (spec §1.5) from a byte span. Every read
// either succeeds and advances, or fails and leaves the reader where it was.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mqtt/types.h"

namespace trustmq::mqtt {

class ByteReader {
 public:
  explicit ByteReader(ByteView data) : data_(data) {}

  std::size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return pos_ == data_.size(); }

  bool read_u8(std::uint8_t& value) {
    if (remaining() < 1) return false;
    value = data_[pos_++];
    return true;
  }

  bool read_u16(std::uint16_t& value) {
    if (remaining() < 2) return false;
    value = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
    pos_ += 2;
    return true;
  }

  bool read_u32(std::uint32_t& value) {
    if (remaining() < 4) return false;
    value = (static_cast<std::uint32_t>(data_[pos_]) << 24) |
            (static_cast<std::uint32_t>(data_[pos_ + 1]) << 16) |
            (static_cast<std::uint32_t>(data_[pos_ + 2]) << 8) |
            static_cast<std::uint32_t>(data_[pos_ + 3]);
    pos_ += 4;
    return true;
  }

  // Variable byte integer: at most 4 bytes. Fails on truncation or a 5th continuation byte.
  bool read_variable_byte_integer(std::uint32_t& value) {
    std::uint32_t result = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      if (pos_ + i >= data_.size()) return false;
      const std::uint8_t byte = data_[pos_ + i];
      result |= static_cast<std::uint32_t>(byte & 0x7F) << (7 * i);
      if ((byte & 0x80) == 0) {
        pos_ += i + 1;
        value = result;
        return true;
      }
    }
    return false;
  }

  // A two-byte length followed by that many bytes; the view aliases the input.
  bool read_length_prefixed(ByteView& value) {
    std::uint16_t length = 0;
    if (remaining() < 2) return false;
    length = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
    if (remaining() - 2 < length) return false;
    value = data_.subspan(pos_ + 2, length);
    pos_ += 2 + static_cast<std::size_t>(length);
    return true;
  }

  bool read_bytes(std::size_t count, ByteView& value) {
    if (remaining() < count) return false;
    value = data_.subspan(pos_, count);
    pos_ += count;
    return true;
  }

  ByteView read_rest() {
    ByteView rest = data_.subspan(pos_);
    pos_ = data_.size();
    return rest;
  }

 private:
  ByteView data_;
  std::size_t pos_ = 0;
};

inline std::string_view as_string_view(ByteView bytes) {
  return std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace trustmq::mqtt

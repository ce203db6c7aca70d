#include "shell/websocket_frame.h"

#include <algorithm>

namespace trustmq::shell {
namespace {

bool is_control(WebSocketOpcode opcode) { return (static_cast<std::uint8_t>(opcode) & 0x8) != 0; }

bool is_known(std::uint8_t opcode) { return opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xA); }

}  // namespace

WebSocketFrameDecoder::Result WebSocketFrameDecoder::fail(Result r, WebSocketCloseCode code,
                                                          std::string message) {
  state_ = State::kFailed;
  error_code_ = code;
  error_ = std::move(message);
  r.event = Event::kError;
  return r;
}

bool WebSocketFrameDecoder::check_first_bytes() {
  const std::uint8_t b0 = header_[0];
  const std::uint8_t b1 = header_[1];
  if ((b0 & 0x70) != 0) {
    error_ = "reserved bits set (no extension was negotiated)";
    return false;
  }
  if (!is_known(b0 & 0x0F)) {
    error_ = "unknown opcode " + std::to_string(b0 & 0x0F);
    return false;
  }
  if ((b1 & 0x80) == 0) {
    error_ = "unmasked frame (a client must mask every frame)";
    return false;
  }
  const std::uint8_t length7 = b1 & 0x7F;
  header_need_ = 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + 4;
  return true;
}

bool WebSocketFrameDecoder::finish_header() {
  fin_ = (header_[0] & 0x80) != 0;
  opcode_ = static_cast<WebSocketOpcode>(header_[0] & 0x0F);
  const std::uint8_t length7 = header_[1] & 0x7F;
  std::uint64_t length = length7;
  std::size_t pos = 2;
  if (length7 == 126) {
    length = (std::uint64_t{header_[2]} << 8) | header_[3];
    pos = 4;
    if (length < 126) {
      error_ = "length not in its shortest form";
      return false;
    }
  } else if (length7 == 127) {
    length = 0;
    for (int i = 0; i < 8; ++i) length = (length << 8) | header_[2 + i];
    pos = 10;
    if ((length >> 63) != 0) {
      error_ = "64-bit length with its most significant bit set";
      return false;
    }
    if (length < 65536) {
      error_ = "length not in its shortest form";
      return false;
    }
  }
  std::copy_n(header_.begin() + static_cast<std::ptrdiff_t>(pos), 4, mask_.begin());
  if (is_control(opcode_)) {
    if (!fin_) {
      error_ = "fragmented control frame";
      return false;
    }
    if (length > kMaxControlPayload) {
      error_ = "control frame longer than 125 bytes";
      return false;
    }
    if (opcode_ == WebSocketOpcode::kClose && length == 1) {
      error_ = "close frame with a 1-byte payload";
      return false;
    }
    control_.opcode = opcode_;
    control_.length = 0;
  } else {
    if (opcode_ == WebSocketOpcode::kText) {
      error_code_ = WebSocketCloseCode::kUnsupportedData;
      error_ = "text frame (MQTT travels in binary frames)";
      return false;
    }
    if (opcode_ == WebSocketOpcode::kContinuation && !in_fragmented_message_) {
      error_ = "continuation frame without a message to continue";
      return false;
    }
    if (opcode_ == WebSocketOpcode::kBinary && in_fragmented_message_) {
      error_ = "new message before the fragmented one ended";
      return false;
    }
    if (length > max_frame_payload_) {
      error_code_ = WebSocketCloseCode::kMessageTooBig;
      error_ = "frame of " + std::to_string(length) + " bytes over the limit of " +
               std::to_string(max_frame_payload_);
      return false;
    }
  }
  remaining_ = length;
  mask_offset_ = 0;
  return true;
}

WebSocketFrameDecoder::Result WebSocketFrameDecoder::decode(std::span<const std::uint8_t> in,
                                                            std::span<std::uint8_t> out) {
  Result r;
  while (state_ != State::kFailed) {
    if (state_ == State::kHeader) {
      if (r.consumed == in.size()) return r;
      const std::size_t take = std::min(header_need_ - header_have_, in.size() - r.consumed);
      std::copy_n(in.begin() + static_cast<std::ptrdiff_t>(r.consumed), take,
                  header_.begin() + static_cast<std::ptrdiff_t>(header_have_));
      header_have_ += take;
      r.consumed += take;
      if (header_have_ == 2 && header_need_ == 2) {
        error_code_ = WebSocketCloseCode::kProtocolError;
        if (!check_first_bytes()) return fail(r, error_code_, error_);
      }
      if (header_have_ < header_need_) continue;
      error_code_ = WebSocketCloseCode::kProtocolError;
      if (!finish_header()) return fail(r, error_code_, error_);
      header_have_ = 0;
      header_need_ = 2;
      state_ = State::kPayload;
    }
    // kPayload
    if (remaining_ > 0) {
      const bool control = is_control(opcode_);
      std::size_t room = in.size() - r.consumed;
      if (!control) room = std::min(room, out.size() - r.produced);
      const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, room));
      if (take == 0) return r;
      std::uint8_t* target =
          control ? control_.payload.data() + control_.length : out.data() + r.produced;
      for (std::size_t i = 0; i < take; ++i) {
        target[i] = in[r.consumed + i] ^ mask_[(mask_offset_ + i) & 3];
      }
      mask_offset_ += take;
      remaining_ -= take;
      r.consumed += take;
      if (control) {
        control_.length += take;
      } else {
        r.produced += take;
      }
      if (remaining_ > 0) continue;
    }
    state_ = State::kHeader;
    if (is_control(opcode_)) {
      r.event = Event::kControl;
      return r;
    }
    in_fragmented_message_ = !fin_;
  }
  r.event = Event::kError;
  return r;
}

std::size_t encode_websocket_frame_header(WebSocketOpcode opcode, std::uint64_t payload_length,
                                          std::span<std::uint8_t, 10> out) {
  out[0] = static_cast<std::uint8_t>(0x80 | static_cast<std::uint8_t>(opcode));
  if (payload_length < 126) {
    out[1] = static_cast<std::uint8_t>(payload_length);
    return 2;
  }
  if (payload_length <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<std::uint8_t>(payload_length >> 8);
    out[3] = static_cast<std::uint8_t>(payload_length);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i)
    out[2 + i] = static_cast<std::uint8_t>(payload_length >> (56 - 8 * i));
  return 10;
}

}  // namespace trustmq::shell

// RFC 6455 framing as a server speaks it for MQTT over WebSockets: a strict, incremental
// decoder of client frames and the header of the frames the server sends.
//
// The decoder never allocates: data frame payload is unmasked straight into the caller's buffer
// as it arrives, and a control frame (at most 125 bytes) goes into a fixed array. A declared
// length is only compared with the limit, so a hostile length costs nothing.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace trustmq::shell {

enum class WebSocketOpcode : std::uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// Close status codes the server sends (RFC 6455 section 7.4.1).
enum class WebSocketCloseCode : std::uint16_t {
  kNormal = 1000,
  kGoingAway = 1001,
  kProtocolError = 1002,
  kUnsupportedData = 1003,  // a text frame: MQTT travels in binary frames only
  kMessageTooBig = 1009,
};

inline constexpr std::size_t kMaxControlPayload = 125;
inline constexpr std::size_t kMaxFrameHeaderBytes = 14;  // 2 + 8 (length) + 4 (mask)

struct WebSocketControlFrame {
  WebSocketOpcode opcode = WebSocketOpcode::kPing;
  std::array<std::uint8_t, kMaxControlPayload> payload{};
  std::size_t length = 0;

  std::span<const std::uint8_t> bytes() const { return {payload.data(), length}; }
};

class WebSocketFrameDecoder {
 public:
  enum class Event : std::uint8_t {
    kNone,     // `in` used up or `out` full; call again with more
    kControl,  // a complete control frame: control()
    kError,    // the client broke RFC 6455 (or the limit): close with error_code
  };

  struct Result {
    std::size_t consumed = 0;  // bytes of `in` used
    std::size_t produced = 0;  // application (MQTT) bytes written to `out`
    Event event = Event::kNone;
  };

  // A data frame whose payload is longer than `max_frame_payload` is an error (1009).
  explicit WebSocketFrameDecoder(std::uint64_t max_frame_payload)
      : max_frame_payload_(max_frame_payload) {}

  // Decodes from `in`: binary payload goes to `out`; stops after a control frame, at an error,
  // or when `in` is used up or `out` is full. After kError the decoder stays failed.
  Result decode(std::span<const std::uint8_t> in, std::span<std::uint8_t> out);

  const WebSocketControlFrame& control() const { return control_; }
  WebSocketCloseCode error_code() const { return error_code_; }
  const std::string& error() const { return error_; }

 private:
  enum class State : std::uint8_t { kHeader, kPayload, kFailed };

  // Checks the first two header bytes; sets header_need_. False after fail().
  bool check_first_bytes();
  // Takes the complete header (length, mask); false after fail().
  bool finish_header();
  Result fail(Result r, WebSocketCloseCode code, std::string message);

  std::uint64_t max_frame_payload_;
  State state_ = State::kHeader;
  std::array<std::uint8_t, kMaxFrameHeaderBytes> header_{};
  std::size_t header_have_ = 0;
  std::size_t header_need_ = 2;
  WebSocketOpcode opcode_ = WebSocketOpcode::kBinary;
  bool fin_ = false;
  std::array<std::uint8_t, 4> mask_{};
  std::uint64_t remaining_ = 0;         // payload bytes of the current frame still to come
  std::uint64_t mask_offset_ = 0;       // payload bytes of the current frame already unmasked
  bool in_fragmented_message_ = false;  // a binary frame without FIN was seen
  WebSocketControlFrame control_;
  WebSocketCloseCode error_code_ = WebSocketCloseCode::kProtocolError;
  std::string error_;
};

// The header of an unmasked server frame with FIN set: 2, 4 or 10 bytes written to `out`.
std::size_t encode_websocket_frame_header(WebSocketOpcode opcode, std::uint64_t payload_length,
                                          std::span<std::uint8_t, 10> out);

}  // namespace trustmq::shell

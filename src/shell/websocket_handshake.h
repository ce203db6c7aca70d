// The server side of the WebSocket opening handshake (RFC 6455 section 4.2) for MQTT over
// WebSockets: an HTTP/1.1 GET with Upgrade: websocket, Sec-WebSocket-Version 13, a 16-byte
// Sec-WebSocket-Key and the subprotocol `mqtt` (MQTT 3.1.1/5) or `mqttv3.1` (MQTT 3.1) offered
// by the client. Pure functions on bytes: the transport (websocket_transport.h) does the I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace trustmq::shell {

struct WebSocketHandshakeResult {
  // Complete: the request ended (blank line) within the limit and `response` is what to send.
  // Incomplete: more bytes are needed (only when the limit is not reached yet).
  enum class Status : std::uint8_t { kIncomplete, kAccepted, kRefused };
  Status status = Status::kIncomplete;
  std::string response;           // 101 Switching Protocols, or the 4xx answer of a refusal
  std::string reason;             // why it was refused, for the log
  std::size_t request_bytes = 0;  // length of the request including the blank line
  std::string subprotocol;        // accepted: "mqtt" or "mqttv3.1"
};

// Looks at the first bytes a client sent. Bytes after the request (a first frame sent without
// waiting) are not part of it: request_bytes says where they start. A request that has not
// ended within `max_request_bytes` is refused (431). With `allowed_origins`, a request whose
// Origin header is none of them is refused (403); one without Origin is not.
WebSocketHandshakeResult answer_websocket_handshake(
    std::string_view received, std::size_t max_request_bytes,
    std::span<const std::string> allowed_origins = {});

// base64(SHA-1(key + the RFC 6455 GUID)).
std::string websocket_accept_key(std::string_view client_key);

}  // namespace trustmq::shell

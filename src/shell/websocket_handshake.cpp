#include "shell/websocket_handshake.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

namespace trustmq::shell {
namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
constexpr std::string_view kEndOfRequest = "\r\n\r\n";

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The comma-separated tokens of a header value.
std::vector<std::string_view> tokens(std::string_view value) {
  std::vector<std::string_view> out;
  while (!value.empty()) {
    const auto comma = value.find(',');
    const std::string_view token = trim(value.substr(0, comma));
    if (!token.empty()) out.push_back(token);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return out;
}

WebSocketHandshakeResult refuse(std::string_view status, std::string reason,
                                std::size_t request_bytes, std::string_view extra_headers = {}) {
  WebSocketHandshakeResult r;
  r.status = WebSocketHandshakeResult::Status::kRefused;
  r.reason = std::move(reason);
  r.request_bytes = request_bytes;
  r.response = "HTTP/1.1 " + std::string(status) + "\r\n" + std::string(extra_headers) +
               "Connection: close\r\nContent-Length: 0\r\n\r\n";
  return r;
}

// A Sec-WebSocket-Key is the base64 encoding of 16 bytes: 22 characters and "==".
bool is_valid_key(std::string_view key) {
  if (key.size() != 24 || key.substr(22) != "==") return false;
  return std::all_of(key.begin(), key.begin() + 22, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
  });
}

}  // namespace

std::string websocket_accept_key(std::string_view client_key) {
  const std::string input = std::string(client_key) + std::string(kGuid);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  unsigned char encoded[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  const int n = EVP_EncodeBlock(encoded, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(n));
}

WebSocketHandshakeResult answer_websocket_handshake(std::string_view received,
                                                    std::size_t max_request_bytes,
                                                    std::span<const std::string> allowed_origins) {
  const auto end = received.find(kEndOfRequest);
  if (end == std::string_view::npos || end + kEndOfRequest.size() > max_request_bytes) {
    if (received.size() < max_request_bytes && end == std::string_view::npos) return {};
    return refuse("431 Request Header Fields Too Large",
                  "HTTP upgrade request larger than websockets_headers_size (" +
                      std::to_string(max_request_bytes) + " bytes)",
                  received.size());
  }
  const std::size_t request_bytes = end + kEndOfRequest.size();
  std::string_view rest = received.substr(0, end + 2);  // every line ends with \r\n

  const auto next_line = [&rest]() -> std::optional<std::string_view> {
    const auto eol = rest.find("\r\n");
    if (eol == std::string_view::npos) return std::nullopt;
    const std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol + 2);
    return line;
  };
  const std::string_view request_line = *next_line();
  // "GET /mqtt HTTP/1.1": any path (mosquitto accepts any), HTTP/1.1 at least.
  const auto first_space = request_line.find(' ');
  const auto last_space = request_line.rfind(' ');
  if (first_space == std::string_view::npos || first_space == last_space) {
    return refuse("400 Bad Request", "malformed HTTP request line", request_bytes);
  }
  if (request_line.substr(0, first_space) != "GET") {
    return refuse("405 Method Not Allowed", "HTTP method is not GET", request_bytes,
                  "Allow: GET\r\n");
  }
  const std::string_view version = request_line.substr(last_space + 1);
  if (version != "HTTP/1.1") {
    return refuse("505 HTTP Version Not Supported",
                  "HTTP version '" + std::string(version) + "' (WebSockets need HTTP/1.1)",
                  request_bytes);
  }

  bool upgrade = false;
  bool connection_upgrade = false;
  std::string_view version_header;
  std::string_view key;
  bool key_seen = false;
  std::vector<std::string_view> offered;
  std::optional<std::string_view> origin;
  while (const auto line = next_line()) {
    if (line->empty()) break;
    const auto colon = line->find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return refuse("400 Bad Request", "malformed HTTP header line", request_bytes);
    }
    const std::string_view name = line->substr(0, colon);
    const std::string_view value = trim(line->substr(colon + 1));
    if (iequals(name, "Upgrade")) {
      for (const auto t : tokens(value)) upgrade = upgrade || iequals(t, "websocket");
    } else if (iequals(name, "Connection")) {
      for (const auto t : tokens(value))
        connection_upgrade = connection_upgrade || iequals(t, "upgrade");
    } else if (iequals(name, "Sec-WebSocket-Version")) {
      version_header = value;
    } else if (iequals(name, "Sec-WebSocket-Key")) {
      if (key_seen)
        return refuse("400 Bad Request", "two Sec-WebSocket-Key headers", request_bytes);
      key_seen = true;
      key = value;
    } else if (iequals(name, "Origin")) {
      origin = value;
    } else if (iequals(name, "Sec-WebSocket-Protocol")) {
      for (const auto t : tokens(value)) offered.push_back(t);
    }
  }
  if (!upgrade || !connection_upgrade) {
    return refuse("400 Bad Request",
                  "not a WebSocket upgrade (Upgrade: websocket and Connection: Upgrade needed); "
                  "this listener speaks MQTT over WebSockets only",
                  request_bytes);
  }
  if (version_header != "13") {
    return refuse("426 Upgrade Required",
                  "Sec-WebSocket-Version '" + std::string(version_header) + "' (13 needed)",
                  request_bytes, "Sec-WebSocket-Version: 13\r\n");
  }
  if (!is_valid_key(key)) {
    return refuse("400 Bad Request", "missing or malformed Sec-WebSocket-Key", request_bytes);
  }
  if (origin && !allowed_origins.empty() &&
      std::find(allowed_origins.begin(), allowed_origins.end(), *origin) == allowed_origins.end()) {
    return refuse(
        "403 Forbidden",
        "Origin '" + std::string(*origin) + "' is not a websockets_origin of the listener",
        request_bytes);
  }
  std::string_view chosen;
  for (const auto p : offered) {
    if (p == "mqtt" || p == "mqttv3.1") {
      chosen = p;
      break;
    }
  }
  if (chosen.empty()) {
    return refuse("400 Bad Request",
                  "the client offers no MQTT subprotocol (Sec-WebSocket-Protocol: mqtt or "
                  "mqttv3.1)",
                  request_bytes);
  }
  WebSocketHandshakeResult r;
  r.status = WebSocketHandshakeResult::Status::kAccepted;
  r.request_bytes = request_bytes;
  r.subprotocol = std::string(chosen);
  r.response =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: " +
      websocket_accept_key(key) + "\r\nSec-WebSocket-Protocol: " + r.subprotocol + "\r\n\r\n";
  return r;
}

}  // namespace trustmq::shell

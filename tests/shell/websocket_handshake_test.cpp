#include "shell/websocket_handshake.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace trustmq::shell {
namespace {

using Status = WebSocketHandshakeResult::Status;

const std::string kRequest =
    "GET /mqtt HTTP/1.1\r\n"
    "Host: localhost:8080\r\n"
    "Upgrade: websocket\r\n"
    "Connection: keep-alive, Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Protocol: mqtt\r\n"
    "\r\n";

std::string with(std::string_view header, std::string_view replacement) {
  std::string r = kRequest;
  const auto pos = r.find(header);
  const auto end = r.find("\r\n", pos);
  return r.replace(pos, end + 2 - pos, replacement);
}

TEST(WebSocketHandshakeTest, AcceptKeyIsTheRfcExample) {
  EXPECT_EQ(websocket_accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WebSocketHandshakeTest, AcceptsAnMqttUpgradeAndKeepsTheBytesAfterIt) {
  const auto r = answer_websocket_handshake(kRequest + "\x82\x80", 1024);
  ASSERT_EQ(r.status, Status::kAccepted) << r.reason;
  EXPECT_EQ(r.request_bytes, kRequest.size());
  EXPECT_EQ(r.subprotocol, "mqtt");
  EXPECT_EQ(r.response,
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: "
            "mqtt\r\n\r\n");
}

TEST(WebSocketHandshakeTest, ChoosesTheFirstMqttSubprotocolOffered) {
  const auto r = answer_websocket_handshake(
      with("Sec-WebSocket-Protocol", "Sec-WebSocket-Protocol: chat, mqttv3.1, mqtt\r\n"), 1024);
  ASSERT_EQ(r.status, Status::kAccepted) << r.reason;
  EXPECT_EQ(r.subprotocol, "mqttv3.1");
}

TEST(WebSocketHandshakeTest, WaitsForTheBlankLine) {
  EXPECT_EQ(answer_websocket_handshake(kRequest.substr(0, 40), 1024).status, Status::kIncomplete);
}

TEST(WebSocketHandshakeTest, RefusesBadRequestsWithAnHttpAnswer) {
  struct Case {
    std::string request;
    const char* status_line;
    const char* reason;
  };
  const Case cases[] = {
      {with("Sec-WebSocket-Protocol", ""), "HTTP/1.1 400 Bad Request",
       "the client offers no MQTT subprotocol (Sec-WebSocket-Protocol: mqtt or mqttv3.1)"},
      {with("Upgrade:", ""), "HTTP/1.1 400 Bad Request",
       "not a WebSocket upgrade (Upgrade: websocket and Connection: Upgrade needed); this "
       "listener speaks MQTT over WebSockets only"},
      {with("Sec-WebSocket-Version", "Sec-WebSocket-Version: 8\r\n"),
       "HTTP/1.1 426 Upgrade Required", "Sec-WebSocket-Version '8' (13 needed)"},
      {with("Sec-WebSocket-Key", "Sec-WebSocket-Key: short\r\n"), "HTTP/1.1 400 Bad Request",
       "missing or malformed Sec-WebSocket-Key"},
      {"POST /mqtt HTTP/1.1\r\n\r\n", "HTTP/1.1 405 Method Not Allowed", "HTTP method is not GET"},
      {"GET /mqtt HTTP/1.0\r\n\r\n", "HTTP/1.1 505 HTTP Version Not Supported",
       "HTTP version 'HTTP/1.0' (WebSockets need HTTP/1.1)"},
      {"GARBAGE\r\n\r\n", "HTTP/1.1 400 Bad Request", "malformed HTTP request line"},
      {"GET / HTTP/1.1\r\nno colon here\r\n\r\n", "HTTP/1.1 400 Bad Request",
       "malformed HTTP header line"},
  };
  for (const auto& c : cases) {
    const auto r = answer_websocket_handshake(c.request, 1024);
    EXPECT_EQ(r.status, Status::kRefused) << c.reason;
    EXPECT_EQ(r.reason, c.reason);
    EXPECT_TRUE(r.response.starts_with(std::string(c.status_line) + "\r\n")) << r.response;
  }
}

TEST(WebSocketHandshakeTest, ARequestOverTheHeaderLimitIsRefused) {
  const std::string big = with("Host", "Cookie: " + std::string(2000, 'x') + "\r\n");
  const auto r = answer_websocket_handshake(big, 1024);
  EXPECT_EQ(r.status, Status::kRefused);
  EXPECT_EQ(r.reason, "HTTP upgrade request larger than websockets_headers_size (1024 bytes)");
  EXPECT_TRUE(r.response.starts_with("HTTP/1.1 431 "));
  // Also while it is still incomplete: no unbounded buffering.
  EXPECT_EQ(answer_websocket_handshake(std::string(1024, 'G'), 1024).status, Status::kRefused);
  EXPECT_EQ(answer_websocket_handshake(std::string(1023, 'G'), 1024).status, Status::kIncomplete);
}

TEST(WebSocketHandshakeTest, WebsocketsOriginRefusesOtherOriginsButNotClientsWithoutOne) {
  const std::vector<std::string> allowed = {"https://dashboard.example"};
  const std::string from_dashboard = with("Host", "Origin: https://dashboard.example\r\n");
  const std::string from_elsewhere = with("Host", "Origin: https://evil.example\r\n");
  EXPECT_EQ(answer_websocket_handshake(from_dashboard, 1024, allowed).status, Status::kAccepted);
  EXPECT_EQ(answer_websocket_handshake(kRequest, 1024, allowed).status, Status::kAccepted);
  const auto refused = answer_websocket_handshake(from_elsewhere, 1024, allowed);
  EXPECT_EQ(refused.status, Status::kRefused);
  EXPECT_TRUE(refused.response.starts_with("HTTP/1.1 403 Forbidden\r\n"));
  EXPECT_EQ(refused.reason,
            "Origin 'https://evil.example' is not a websockets_origin of the listener");
  // No websockets_origin line: any origin.
  EXPECT_EQ(answer_websocket_handshake(from_elsewhere, 1024).status, Status::kAccepted);
}

}  // namespace
}  // namespace trustmq::shell

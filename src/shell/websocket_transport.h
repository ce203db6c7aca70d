// MQTT over WebSockets (mosquitto's `protocol websockets`): a ServerTransport on top of the
// listener's plain TCP or TLS transport. The handshake is the inner one (TLS) followed by the
// HTTP upgrade (websocket_handshake.h); afterwards read() hands the engine the payload of the
// client's binary frames (websocket_frame.h) and write() sends each run of MQTT bytes as one
// binary frame. Pings are answered, a close is echoed; a client breaking RFC 6455 gets a close
// frame with the reason and loses its connection — nobody else is affected.
//
// Written here rather than taken from libwebsockets: libwebsockets runs its own event loop and
// owns its sockets, which does not fit the shell's epoll loop and ServerTransport interface.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "shell/outbound_queue.h"
#include "shell/server_transport.h"
#include "shell/websocket_frame.h"

namespace trustmq::shell {

struct WebSocketSettings {
  std::size_t max_request_bytes = 1024;      // websockets_headers_size
  std::uint64_t max_frame_payload = 0;       // larger frames close the connection (1009)
  std::vector<std::string> allowed_origins;  // websockets_origin; empty: any
};

class WebSocketTransport final : public ServerTransport {
 public:
  WebSocketTransport(std::unique_ptr<ServerTransport> inner,
                     std::shared_ptr<const WebSocketSettings> settings);

  std::string_view kind() const override { return "websockets"; }
  IoResult handshake() override;
  IoResult read(std::span<std::uint8_t> into) override;
  IoResult write(std::span<const std::uint8_t> bytes) override;
  IoResult write_runs(std::span<const std::span<const std::uint8_t>> runs) override;
  bool buffers_writes() const override { return true; }
  bool wants_write() const override { return inner_->wants_write() || !out_.empty(); }
  void describe_peer(mqtt::PeerInfo& peer) const override { inner_->describe_peer(peer); }
  std::string session_summary() const override;
  bool has_pending_input() const override;
  void close_notify() override;

 private:
  // Frames the server may queue ahead of the socket; above it write() waits.
  static constexpr std::size_t kFrameAheadBytes = 64 * 1024;
  static constexpr std::size_t kInputChunkBytes = 16 * 1024;

  IoResult upgrade();
  // Sends queued frames until none are left or the inner transport would block.
  IoResult send_queued();
  void queue_frame(WebSocketOpcode opcode, std::span<const std::span<const std::uint8_t>> runs);
  void queue_close(WebSocketCloseCode code);
  // Fills input_ from the inner transport (after compacting it).
  IoResult fill_input();

  std::unique_ptr<ServerTransport> inner_;
  std::shared_ptr<const WebSocketSettings> settings_;  // shared by the listener
  bool inner_ready_ = false;                           // inner handshake (TLS) done
  bool upgraded_ = false;                              // 101 queued
  bool close_sent_ = false;
  std::string request_;  // the HTTP upgrade request so far
  std::string subprotocol_;
  std::vector<std::uint8_t> input_;  // received bytes not yet decoded: [input_start_, end)
  std::size_t input_start_ = 0;
  WebSocketFrameDecoder decoder_;
  OutboundQueue out_{0};      // framed bytes waiting for the inner transport
  std::string failure_;       // a protocol error or close already answered: the next read says so
  bool peer_closed_ = false;  // failure_ is the client's close frame, not an error
};

}  // namespace trustmq::shell

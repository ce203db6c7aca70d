#include "shell/websocket_transport.h"

#include <algorithm>

#include "shell/websocket_handshake.h"

namespace trustmq::shell {

WebSocketTransport::WebSocketTransport(std::unique_ptr<ServerTransport> inner,
                                       std::shared_ptr<const WebSocketSettings> settings)
    : inner_(std::move(inner)),
      settings_(std::move(settings)),
      decoder_(settings_->max_frame_payload) {}

IoResult WebSocketTransport::send_queued() {
  while (!out_.empty()) {
    std::span<const std::uint8_t> runs[16];
    const std::size_t count = out_.pending_runs(runs);
    const IoResult r = inner_->write_runs(std::span(runs, count));
    if (r.status != IoStatus::kOk) return r;
    if (r.bytes == 0) return {IoStatus::kWouldBlock, 0, {}};
    out_.consume(r.bytes);
  }
  // A buffering inner transport (TLS) may still hold bytes: let it send them.
  if (inner_->buffers_writes()) {
    const IoResult r = inner_->write_runs({});
    if (r.status == IoStatus::kClosed || r.status == IoStatus::kError) return r;
  }
  return {};
}

void WebSocketTransport::queue_frame(WebSocketOpcode opcode,
                                     std::span<const std::span<const std::uint8_t>> runs) {
  std::uint64_t length = 0;
  for (const auto run : runs) length += run.size();
  std::array<std::uint8_t, 10> header{};
  const std::size_t n = encode_websocket_frame_header(opcode, length, header);
  out_.push({header.data(), n}, mqtt::SendKind::kControl);
  for (const auto run : runs) {
    if (!run.empty()) out_.push(run, mqtt::SendKind::kControl);
  }
}

void WebSocketTransport::queue_close(WebSocketCloseCode code) {
  if (close_sent_) return;
  close_sent_ = true;
  const auto value = static_cast<std::uint16_t>(code);
  const std::uint8_t payload[2] = {static_cast<std::uint8_t>(value >> 8),
                                   static_cast<std::uint8_t>(value)};
  const std::span<const std::uint8_t> run(payload, 2);
  queue_frame(WebSocketOpcode::kClose, std::span(&run, 1));
}

IoResult WebSocketTransport::handshake() {
  if (!inner_ready_) {
    const IoResult r = inner_->handshake();
    if (r.status != IoStatus::kOk) return r;
    inner_ready_ = true;
  }
  return upgrade();
}

IoResult WebSocketTransport::upgrade() {
  while (true) {
    char chunk[1024];
    const std::size_t room =
        std::min(sizeof chunk, settings_->max_request_bytes + 1 - request_.size());
    const IoResult r = inner_->read({reinterpret_cast<std::uint8_t*>(chunk), room});
    if (r.status == IoStatus::kClosed) {
      return {IoStatus::kClosed, 0, "closed before the WebSocket upgrade"};
    }
    if (r.status != IoStatus::kOk) return r;
    request_.append(chunk, r.bytes);
    const WebSocketHandshakeResult answer = answer_websocket_handshake(
        request_, settings_->max_request_bytes, settings_->allowed_origins);
    using Status = WebSocketHandshakeResult::Status;
    if (answer.status == Status::kIncomplete) continue;
    const std::span<const std::uint8_t> response(
        reinterpret_cast<const std::uint8_t*>(answer.response.data()), answer.response.size());
    out_.push(response, mqtt::SendKind::kControl);
    const IoResult sent = send_queued();
    if (answer.status == Status::kRefused) {
      return {IoStatus::kError, 0, "WebSocket upgrade refused: " + answer.reason};
    }
    if (sent.status == IoStatus::kClosed || sent.status == IoStatus::kError) return sent;
    // A client may send its first frames right behind the request.
    input_.assign(request_.begin() + static_cast<std::ptrdiff_t>(answer.request_bytes),
                  request_.end());
    input_start_ = 0;
    request_.clear();
    request_.shrink_to_fit();
    subprotocol_ = answer.subprotocol;
    upgraded_ = true;
    return {};
  }
}

IoResult WebSocketTransport::fill_input() {
  if (input_start_ == input_.size()) {
    input_.clear();
    input_start_ = 0;
  } else if (input_start_ > 0) {
    input_.erase(input_.begin(), input_.begin() + static_cast<std::ptrdiff_t>(input_start_));
    input_start_ = 0;
  }
  const std::size_t old_size = input_.size();
  if (old_size >= kInputChunkBytes) return {};
  input_.resize(kInputChunkBytes);
  const IoResult r = inner_->read({input_.data() + old_size, kInputChunkBytes - old_size});
  input_.resize(old_size + (r.status == IoStatus::kOk ? r.bytes : 0));
  return r;
}

IoResult WebSocketTransport::read(std::span<std::uint8_t> into) {
  if (!failure_.empty()) {
    return {peer_closed_ ? IoStatus::kClosed : IoStatus::kError, 0, failure_};
  }
  std::size_t total = 0;
  while (total < into.size()) {
    if (input_start_ == input_.size()) {
      if (total > 0) break;  // hand out what we have; level-triggered epoll calls again
      const IoResult r = fill_input();
      if (r.status != IoStatus::kOk) return r;
      if (input_start_ == input_.size()) break;
    }
    const auto in = std::span<const std::uint8_t>(input_).subspan(input_start_);
    const auto result = decoder_.decode(in, into.subspan(total));
    input_start_ += result.consumed;
    total += result.produced;
    if (result.event == WebSocketFrameDecoder::Event::kError) {
      queue_close(decoder_.error_code());
      send_queued();
      failure_ = "WebSocket protocol error: " + decoder_.error();
      if (total > 0) return {IoStatus::kOk, total, {}};
      return {IoStatus::kError, 0, failure_};
    }
    if (result.event == WebSocketFrameDecoder::Event::kControl) {
      const WebSocketControlFrame& control = decoder_.control();
      if (control.opcode == WebSocketOpcode::kPing) {
        const auto payload = control.bytes();
        // A client that pings without reading gets no more pongs than the bound holds
        // (RFC 6455 5.5.3 allows answering only the latest ping).
        if (!close_sent_ && out_.size() < kFrameAheadBytes) {
          queue_frame(WebSocketOpcode::kPong, std::span(&payload, 1));
        }
        send_queued();
      } else if (control.opcode == WebSocketOpcode::kClose) {
        // Echo the client's status code (RFC 6455 5.5.1), then the connection ends.
        if (!close_sent_) {
          close_sent_ = true;
          const auto payload = control.bytes().first(std::min<std::size_t>(2, control.length));
          queue_frame(WebSocketOpcode::kClose, std::span(&payload, 1));
        }
        send_queued();
        failure_ = "WebSocket close";
        peer_closed_ = true;
        if (total > 0) return {IoStatus::kOk, total, {}};
        return {IoStatus::kClosed, 0, "WebSocket close"};
      }
      // A pong (unsolicited or not) needs no answer.
    }
    if (result.produced == 0 && result.consumed == 0 &&
        result.event == WebSocketFrameDecoder::Event::kNone) {
      break;  // `into` is full
    }
  }
  if (total == 0) return {IoStatus::kWouldBlock, 0, {}};
  return {IoStatus::kOk, total, {}};
}

IoResult WebSocketTransport::write(std::span<const std::uint8_t> bytes) {
  return write_runs(std::span(&bytes, 1));
}

IoResult WebSocketTransport::write_runs(std::span<const std::span<const std::uint8_t>> runs) {
  std::size_t total = 0;
  if (!close_sent_ && !runs.empty()) {
    if (out_.size() >= kFrameAheadBytes) {
      const IoResult sent = send_queued();
      if (sent.status == IoStatus::kClosed || sent.status == IoStatus::kError) return sent;
    }
    if (out_.size() < kFrameAheadBytes) {
      // One frame for the runs that fit under the bound (always at least the first).
      std::size_t count = 0;
      for (const auto run : runs) {
        if (count > 0 && out_.size() + total + run.size() > kFrameAheadBytes) break;
        total += run.size();
        ++count;
      }
      queue_frame(WebSocketOpcode::kBinary, runs.first(count));
    }
  }
  const IoResult sent = send_queued();
  if (total > 0) return {IoStatus::kOk, total, {}};  // errors show again on the next call
  if (sent.status == IoStatus::kClosed || sent.status == IoStatus::kError) return sent;
  if (close_sent_ && !runs.empty()) return {IoStatus::kClosed, 0, "WebSocket closed"};
  if (!runs.empty() || !out_.empty()) return {IoStatus::kWouldBlock, 0, {}};
  return {IoStatus::kOk, 0, {}};
}

std::string WebSocketTransport::session_summary() const {
  const std::string inner = inner_->session_summary();
  return "WebSocket subprotocol " + subprotocol_ + (inner.empty() ? "" : ", " + inner);
}

bool WebSocketTransport::has_pending_input() const {
  return input_start_ < input_.size() || inner_->has_pending_input();
}

void WebSocketTransport::close_notify() {
  if (upgraded_) {
    queue_close(WebSocketCloseCode::kNormal);
    send_queued();
  }
  inner_->close_notify();
}

}  // namespace trustmq::shell

// The bytes waiting to be written to one connection, bounded so that a slow subscriber cannot
// make the broker hold unbounded memory. Policy when a send does not fit under the limit:
// - a droppable send (QoS 0 PUBLISH) is dropped and counted;
// - a control send reports kOverflow: the caller disconnects the client.
// A send into an empty queue is always accepted, so one packet larger than the limit never
// disconnects anybody by itself; the limit bounds the backlog.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "mqtt/broker.h"

namespace trustmq::shell {

class OutboundQueue {
 public:
  enum class PushResult : std::uint8_t { kQueued, kDropped, kOverflow };

  // `limit` in bytes; 0 = unlimited.
  explicit OutboundQueue(std::size_t limit) : limit_(limit) {}

  PushResult push(std::span<const std::uint8_t> bytes, mqtt::SendKind kind);

  // The bytes not yet written, oldest first, contiguous.
  std::span<const std::uint8_t> pending() const {
    return {buffer_.data() + head_, buffer_.size() - head_};
  }
  // Marks the first `count` pending bytes as written.
  void consume(std::size_t count);

  std::size_t size() const { return buffer_.size() - head_; }
  bool empty() const { return size() == 0; }
  std::size_t limit() const { return limit_; }
  // Droppable sends refused since the last call to take_dropped_count().
  std::uint64_t take_dropped_count();
  std::uint64_t total_dropped() const { return total_dropped_; }
  // Discards everything (the connection is going away).
  void clear();

 private:
  std::size_t limit_;
  std::vector<std::uint8_t> buffer_;
  std::size_t head_ = 0;
  std::uint64_t dropped_since_report_ = 0;
  std::uint64_t total_dropped_ = 0;
};

}  // namespace trustmq::shell

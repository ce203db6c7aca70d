// The bytes waiting to be written to one connection, bounded so that a slow subscriber cannot
// make the broker hold unbounded memory. Policy when a send does not fit under the limit:
// - a droppable send (QoS 0 PUBLISH) is dropped and counted;
// - a control send reports kOverflow: the caller disconnects the client.
// A send into an empty queue is always accepted, so one packet larger than the limit never
// disconnects anybody by itself; the limit bounds the backlog.
//
// Storage: a ring of fixed-size chunks from the thread's OutboundChunkPool (16 KiB, one TLS
// record each). A push copies into the last chunk and takes a new one when it is full; a chunk
// goes back to the pool as soon as it has been written. Nothing is moved or reallocated once
// queued, and in steady state nothing is allocated. An empty queue holds no chunk. The ring of
// chunk pointers has one inline slot and takes a heap array only when a backlog first needs a
// second chunk (then keeps it): most connections never queue more than 16 KiB at once, and an
// idle connection holds no heap memory here (docs/broker.md, memory per idle connection).
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
  ~OutboundQueue();
  OutboundQueue(const OutboundQueue&) = delete;
  OutboundQueue& operator=(const OutboundQueue&) = delete;

  PushResult push(std::span<const std::uint8_t> bytes, mqtt::SendKind kind);

  // The oldest pending bytes that are contiguous in memory (the rest of the first chunk); empty
  // only when the queue is. Between two calls with no consume() in between, the span starts at
  // the same byte and never gets shorter (what a TLS write retry needs).
  std::span<const std::uint8_t> pending() const;
  // Up to out.size() contiguous runs of pending bytes, oldest first (for a gathering write);
  // returns how many were filled.
  std::size_t pending_runs(std::span<std::span<const std::uint8_t>> out) const;
  // Marks the first `count` pending bytes as written.
  void consume(std::size_t count);

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::size_t limit() const { return limit_; }
  // Droppable sends refused since the last call to take_dropped_count().
  std::uint64_t take_dropped_count();
  std::uint64_t total_dropped() const { return total_dropped_; }
  // Discards everything (the connection is going away).
  void clear();

 private:
  std::size_t ring_capacity() const { return ring_.empty() ? 1 : ring_.size(); }
  std::uint8_t*& slot(std::size_t i) { return ring_.empty() ? first_slot_ : ring_[i]; }
  std::uint8_t* slot(std::size_t i) const { return ring_.empty() ? first_slot_ : ring_[i]; }
  std::uint8_t* chunk(std::size_t i) const { return slot((ring_head_ + i) % ring_capacity()); }
  // Bytes of chunk i that hold data (from offset 0; the first chunk's head_offset_ aside).
  std::size_t chunk_end(std::size_t i) const;
  void append_chunk();
  void release_front();

  std::size_t limit_;
  std::size_t size_ = 0;
  // The ring: first_slot_ while it has one slot, else ring_ (capacity grows to the largest
  // backlog seen, in chunks). Counts and offsets below are within it or within one chunk.
  std::vector<std::uint8_t*> ring_;
  std::uint8_t* first_slot_ = nullptr;
  std::uint32_t ring_head_ = 0;
  std::uint32_t chunks_ = 0;       // chunks in use
  std::uint32_t head_offset_ = 0;  // first unwritten byte in the first chunk
  std::uint32_t tail_fill_ = 0;    // bytes used in the last chunk
  std::uint64_t dropped_since_report_ = 0;
  std::uint64_t total_dropped_ = 0;
};

}  // namespace trustmq::shell

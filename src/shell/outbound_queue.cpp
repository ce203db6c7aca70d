#include "shell/outbound_queue.h"

#include <algorithm>
#include <cstring>

#include "shell/outbound_chunk_pool.h"

namespace trustmq::shell {

namespace {
constexpr std::size_t kChunk = OutboundChunkPool::kChunkBytes;
}  // namespace

OutboundQueue::~OutboundQueue() { clear(); }

std::size_t OutboundQueue::chunk_end(std::size_t i) const {
  return i + 1 == chunks_ ? tail_fill_ : kChunk;
}

void OutboundQueue::append_chunk() {
  if (chunks_ == ring_capacity()) {
    // Grow the ring (rare: only when the backlog reaches a new maximum), oldest chunk first.
    std::vector<std::uint8_t*> bigger(std::max<std::size_t>(4, ring_capacity() * 2), nullptr);
    for (std::size_t i = 0; i < chunks_; ++i) bigger[i] = chunk(i);
    ring_.swap(bigger);
    first_slot_ = nullptr;
    ring_head_ = 0;
  }
  slot((ring_head_ + chunks_) % ring_capacity()) = OutboundChunkPool::local().acquire();
  ++chunks_;
  tail_fill_ = 0;
}

void OutboundQueue::release_front() {
  OutboundChunkPool::local().release(chunk(0));
  slot(ring_head_) = nullptr;
  ring_head_ = static_cast<std::uint32_t>((ring_head_ + 1) % ring_capacity());
  --chunks_;
  head_offset_ = 0;
  if (chunks_ == 0) {
    ring_head_ = 0;
    tail_fill_ = 0;
  }
}

OutboundQueue::PushResult OutboundQueue::push(std::span<const std::uint8_t> bytes,
                                              mqtt::SendKind kind) {
  if (bytes.empty()) return PushResult::kQueued;
  if (limit_ != 0 && size_ != 0 && size_ + bytes.size() > limit_) {
    if (kind == mqtt::SendKind::kDroppable) {
      ++dropped_since_report_;
      ++total_dropped_;
      return PushResult::kDropped;
    }
    return PushResult::kOverflow;
  }
  std::size_t at = 0;
  while (at < bytes.size()) {
    if (chunks_ == 0 || tail_fill_ == kChunk) append_chunk();
    const std::size_t n = std::min(kChunk - tail_fill_, bytes.size() - at);
    std::memcpy(chunk(chunks_ - 1) + tail_fill_, bytes.data() + at, n);
    tail_fill_ += static_cast<std::uint32_t>(n);
    at += n;
  }
  size_ += bytes.size();
  return PushResult::kQueued;
}

std::span<const std::uint8_t> OutboundQueue::pending() const {
  if (chunks_ == 0) return {};
  return {chunk(0) + head_offset_, chunk_end(0) - head_offset_};
}

std::size_t OutboundQueue::pending_runs(std::span<std::span<const std::uint8_t>> out) const {
  std::size_t n = 0;
  for (; n < out.size() && n < chunks_; ++n) {
    const std::size_t begin = n == 0 ? head_offset_ : 0;
    out[n] = {chunk(n) + begin, chunk_end(n) - begin};
  }
  return n;
}

void OutboundQueue::consume(std::size_t count) {
  count = std::min(count, size_);
  size_ -= count;
  while (count > 0) {
    const std::size_t available = chunk_end(0) - head_offset_;
    const std::size_t take = std::min(count, available);
    head_offset_ += static_cast<std::uint32_t>(take);
    count -= take;
    if (head_offset_ == chunk_end(0)) release_front();
  }
  // A written-out last chunk goes back too (chunk_end(0) == tail_fill_ handled above).
}

std::uint64_t OutboundQueue::take_dropped_count() {
  const auto n = dropped_since_report_;
  dropped_since_report_ = 0;
  return n;
}

void OutboundQueue::clear() {
  while (chunks_ > 0) release_front();
  size_ = 0;
  std::vector<std::uint8_t*>().swap(ring_);
  first_slot_ = nullptr;
  ring_head_ = 0;
}

}  // namespace trustmq::shell

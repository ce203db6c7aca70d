#include "shell/outbound_queue.h"

namespace trustmq::shell {

OutboundQueue::PushResult OutboundQueue::push(std::span<const std::uint8_t> bytes,
                                              mqtt::SendKind kind) {
  if (bytes.empty()) return PushResult::kQueued;
  const std::size_t queued = size();
  if (limit_ != 0 && queued != 0 && queued + bytes.size() > limit_) {
    if (kind == mqtt::SendKind::kDroppable) {
      ++dropped_since_report_;
      ++total_dropped_;
      return PushResult::kDropped;
    }
    return PushResult::kOverflow;
  }
  if (head_ != 0 && head_ >= buffer_.size() / 2) {
    // Reclaim the written prefix before growing (amortised O(1) per byte).
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  return PushResult::kQueued;
}

void OutboundQueue::consume(std::size_t count) {
  head_ += count < size() ? count : size();
  if (head_ == buffer_.size()) {
    buffer_.clear();
    head_ = 0;
    if (buffer_.capacity() > 1024 * 1024) buffer_.shrink_to_fit();  // give back burst memory
  }
}

std::uint64_t OutboundQueue::take_dropped_count() {
  const auto n = dropped_since_report_;
  dropped_since_report_ = 0;
  return n;
}

void OutboundQueue::clear() {
  buffer_.clear();
  buffer_.shrink_to_fit();
  head_ = 0;
}

}  // namespace trustmq::shell

// The messages waiting for a session's in-flight window or for its client to come back, oldest
// first. libstdc++'s std::deque allocates about 0.5 KiB as soon as it is constructed, and most
// sessions never queue anything (an idle connection would pay it for nothing:
// docs/benchmarks.md, memory per idle connection), so the deque is made on the first push
// and kept from then on (no allocation per message while a queue fills and drains).
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <memory>

#include "mqtt/outbound_message.h"

namespace trustmq::mqtt {

class QueuedMessages {
 public:
  bool empty() const { return messages_ == nullptr || messages_->empty(); }
  std::size_t size() const { return messages_ == nullptr ? 0 : messages_->size(); }
  // front(), back() and pop_front() require !empty().
  OutboundMessage& front() { return messages_->front(); }
  OutboundMessage& back() { return messages_->back(); }
  void pop_front() { messages_->pop_front(); }
  void push_back(OutboundMessage message) {
    if (messages_ == nullptr) messages_ = std::make_unique<std::deque<OutboundMessage>>();
    messages_->push_back(std::move(message));
  }
  // Calls visit(OutboundMessage&) for each message, oldest first.
  template <class Visit>
  void for_each(Visit visit) {
    if (messages_ == nullptr) return;
    for (OutboundMessage& message : *messages_) visit(message);
  }
  // Removes the messages for which remove(OutboundMessage&) is true; returns how many.
  template <class Predicate>
  std::size_t erase_if(Predicate remove) {
    return messages_ == nullptr ? 0 : std::erase_if(*messages_, remove);
  }

 private:
  std::unique_ptr<std::deque<OutboundMessage>> messages_;
};

}  // namespace trustmq::mqtt

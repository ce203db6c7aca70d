#include "mqtt/subscription_store.h"

#include "mqtt/topic.h"

namespace trustmq::mqtt {

bool SubscriptionStore::subscribe(std::string_view filter, const Subscriber& subscriber) {
  std::string key(filter);
  auto found = index_.find(key);
  std::size_t index;
  if (found == index_.end()) {
    FilterEntry entry;
    entry.key = key;
    if (auto shared = parse_shared_filter(filter)) {
      entry.shared = true;
      entry.match_filter = std::string(shared->filter);
    } else {
      entry.match_filter = key;
    }
    index = entries_.size();
    entries_.push_back(std::move(entry));
    index_.emplace(std::move(key), index);
  } else {
    index = found->second;
  }
  for (Subscriber& existing : entries_[index].subscribers) {
    if (existing.session == subscriber.session) {
      existing = subscriber;
      return true;
    }
  }
  entries_[index].subscribers.push_back(subscriber);
  ++count_;
  return false;
}

bool SubscriptionStore::unsubscribe(std::string_view filter, const Session* session) {
  auto found = index_.find(std::string(filter));
  if (found == index_.end()) return false;
  std::size_t index = found->second;
  auto& subscribers = entries_[index].subscribers;
  for (std::size_t i = 0; i < subscribers.size(); ++i) {
    if (subscribers[i].session != session) continue;
    subscribers.erase(subscribers.begin() + static_cast<std::ptrdiff_t>(i));
    --count_;
    if (subscribers.empty()) erase_entry(index);
    return true;
  }
  return false;
}

void SubscriptionStore::erase_entry(std::size_t index) {
  index_.erase(entries_[index].key);
  std::size_t last = entries_.size() - 1;
  if (index != last) {
    entries_[index] = std::move(entries_[last]);
    index_[entries_[index].key] = index;
  }
  entries_.pop_back();
}

}  // namespace trustmq::mqtt

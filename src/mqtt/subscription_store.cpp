#include "mqtt/subscription_store.h"

#include <algorithm>

namespace trustmq::mqtt {

const Subscriber* SubscriptionStore::find(std::string_view filter, const Session* session) const {
  auto found = index_.find(std::string(filter));
  if (found == index_.end()) return nullptr;
  for (const Subscriber& subscriber : entries_[found->second].subscribers) {
    if (subscriber.session == session) return &subscriber;
  }
  return nullptr;
}

bool SubscriptionStore::subscribe(std::string_view filter, const Subscriber& subscriber) {
  std::string key(filter);
  auto found = index_.find(key);
  std::size_t index;
  if (found == index_.end()) {
    if (free_.empty()) {
      index = entries_.size();
      entries_.emplace_back();
    } else {
      index = free_.back();
      free_.pop_back();
    }
    FilterEntry& entry = entries_[index];
    entry = FilterEntry{};
    entry.key = key;
    if (auto shared = parse_shared_filter(filter)) {
      entry.shared = true;
      entry.match_filter = std::string(shared->filter);
    } else {
      entry.match_filter = key;
    }
    entry.wildcard = entry.match_filter.find_first_of("+#") != std::string::npos;
    if (entry.wildcard) {
      wildcard_.push_back(index);
    } else {
      exact_[entry.match_filter].push_back(index);
    }
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
    if (subscribers.empty()) release_entry(index);
    return true;
  }
  return false;
}

void SubscriptionStore::release_entry(std::size_t index) {
  FilterEntry& entry = entries_[index];
  if (entry.wildcard) {
    wildcard_.erase(std::find(wildcard_.begin(), wildcard_.end(), index));
  } else {
    auto bucket = exact_.find(entry.match_filter);
    if (bucket != exact_.end()) {
      auto& list = bucket->second;
      list.erase(std::find(list.begin(), list.end(), index));
      if (list.empty()) exact_.erase(bucket);
    }
  }
  index_.erase(entry.key);
  entry = FilterEntry{};
  free_.push_back(index);
}

}  // namespace trustmq::mqtt

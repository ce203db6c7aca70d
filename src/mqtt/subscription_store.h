// All subscriptions of the broker, grouped by distinct filter in one flat vector, so a PUBLISH
// matches each distinct filter once (no trie, no per-level hash maps: DESIGN.md §7). Shared
// subscriptions ($share/group/filter) are entries of their own whose members take turns.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mqtt/packet.h"
#include "mqtt/types.h"

namespace trustmq::mqtt {

struct Session;

struct Subscriber {
  Session* session = nullptr;
  QoS qos = QoS::kAtMostOnce;
  bool no_local = false;
  bool retain_as_published = false;
  std::uint32_t subscription_id = 0;  // 0 = none
};

struct FilterEntry {
  std::string key;           // the filter as subscribed, e.g. "$share/g/a/+" or "a/+"
  std::string match_filter;  // without the $share/group/ prefix
  bool shared = false;
  std::vector<Subscriber> subscribers;
  std::size_t next_member = 0;  // round robin position for shared entries
};

class SubscriptionStore {
 public:
  // Adds or replaces the subscription of `subscriber.session` to `filter`. Returns true if the
  // session already had it (replaced).
  bool subscribe(std::string_view filter, const Subscriber& subscriber);
  // Returns false if the session had no such subscription.
  bool unsubscribe(std::string_view filter, const Session* session);

  std::vector<FilterEntry>& entries() { return entries_; }
  const std::vector<FilterEntry>& entries() const { return entries_; }
  std::size_t subscription_count() const { return count_; }

 private:
  void erase_entry(std::size_t index);

  std::vector<FilterEntry> entries_;
  std::unordered_map<std::string, std::size_t> index_;  // key → entries_ index (not hot path)
  std::size_t count_ = 0;
};

}  // namespace trustmq::mqtt

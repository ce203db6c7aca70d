// All subscriptions of the broker, grouped by distinct filter in one flat vector, so a PUBLISH
// visits each matching filter once. Filters without wildcards are found with one hash lookup
// of the topic; wildcard filters are scanned from a flat list (no trie, no per-level maps:
// docs/architecture.md, Design decisions). Shared subscriptions ($share/group/filter) are
// entries of their own whose members take turns.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mqtt/packet.h"
#include "mqtt/topic.h"
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
  bool wildcard = false;                // match_filter contains '+' or '#'
  std::vector<Subscriber> subscribers;  // empty = free slot
  std::size_t next_member = 0;          // round robin position for shared entries
};

class SubscriptionStore {
 public:
  // Adds or replaces the subscription of `subscriber.session` to `filter`. Returns true if the
  // session already had it (replaced).
  bool subscribe(std::string_view filter, const Subscriber& subscriber);
  // Returns false if the session had no such subscription.
  bool unsubscribe(std::string_view filter, const Session* session);

  // Calls `visit(FilterEntry&)` for every entry whose filter matches `topic`.
  template <typename Visit>
  void for_each_match(const std::string& topic, Visit&& visit) {
    if (auto exact = exact_.find(topic); exact != exact_.end()) {
      for (std::size_t index : exact->second) visit(entries_[index]);
    }
    for (std::size_t index : wildcard_) {
      FilterEntry& entry = entries_[index];
      if (topic_matches(entry.match_filter, topic)) visit(entry);
    }
  }

  // The subscription of `session` to `filter`, if it has one.
  const Subscriber* find(std::string_view filter, const Session* session) const;

  std::size_t filter_count() const { return index_.size(); }
  std::size_t subscription_count() const { return count_; }

 private:
  void release_entry(std::size_t index);

  std::vector<FilterEntry> entries_;  // slots are reused, never moved: indices stay valid
  std::vector<std::size_t> free_;
  std::unordered_map<std::string, std::size_t> index_;               // key → entries_ index
  std::unordered_map<std::string, std::vector<std::size_t>> exact_;  // match filter → entries
  std::vector<std::size_t> wildcard_;
  std::size_t count_ = 0;
};

}  // namespace trustmq::mqtt

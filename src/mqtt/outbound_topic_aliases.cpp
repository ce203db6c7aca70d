#include "mqtt/outbound_topic_aliases.h"

#include <algorithm>

namespace trustmq::mqtt {

OutboundTopicAliases::OutboundTopicAliases(std::uint16_t client_maximum)
    : maximum_(std::min(client_maximum, kMaxOutboundTopicAliases)) {}

OutboundTopicAliases::Choice OutboundTopicAliases::choose(std::string_view topic) const {
  if (maximum_ == 0 || topic.empty() || topic.size() > kMaxAliasedTopicLength) return {};
  if (auto it = by_topic_.find(topic); it != by_topic_.end()) return {it->second, true};
  if (entries_.size() < maximum_) return {static_cast<std::uint16_t>(entries_.size() + 1), false};
  return {recency_.back(), false};  // replaces the least recently used
}

void OutboundTopicAliases::commit(const Choice& choice, std::string_view topic) {
  if (choice.alias == 0 || choice.alias > maximum_) return;
  const std::size_t index = choice.alias - 1;
  if (index > entries_.size()) return;  // not a choice choose() makes
  if (choice.known) {
    if (index >= entries_.size()) return;
    recency_.splice(recency_.begin(), recency_, entries_[index].use);
    return;
  }
  if (index == entries_.size()) {
    recency_.push_front(choice.alias);
    entries_.push_back({std::string(topic), recency_.begin()});
  } else {
    Entry& entry = entries_[index];
    by_topic_.erase(entry.topic);
    entry.topic.assign(topic);
    recency_.splice(recency_.begin(), recency_, entry.use);
  }
  by_topic_[entries_[index].topic] = choice.alias;
}

}  // namespace trustmq::mqtt

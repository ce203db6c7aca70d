#include "mqtt/outbound_topic_aliases.h"

#include <algorithm>

namespace trustmq::mqtt {

OutboundTopicAliases::OutboundTopicAliases(std::uint16_t client_maximum)
    : maximum_(std::min(client_maximum, kMaxOutboundTopicAliases)) {}

OutboundTopicAliases::Choice OutboundTopicAliases::choose(std::string_view topic) const {
  if (maximum_ == 0 || topic.empty() || topic.size() > kMaxAliasedTopicLength) return {};
  if (table_ == nullptr) return {1, false};
  if (auto it = table_->by_topic.find(topic); it != table_->by_topic.end()) {
    return {it->second, true};
  }
  if (table_->entries.size() < maximum_) {
    return {static_cast<std::uint16_t>(table_->entries.size() + 1), false};
  }
  return {table_->recency.back(), false};  // replaces the least recently used
}

void OutboundTopicAliases::commit(const Choice& choice, std::string_view topic) {
  if (choice.alias == 0 || choice.alias > maximum_) return;
  if (table_ == nullptr) {
    if (choice.known || choice.alias != 1) return;  // not a choice choose() makes
    table_ = std::make_unique<Table>();
  }
  std::deque<Entry>& entries = table_->entries;
  const std::size_t index = choice.alias - 1;
  if (index > entries.size()) return;  // not a choice choose() makes
  if (choice.known) {
    if (index >= entries.size()) return;
    table_->recency.splice(table_->recency.begin(), table_->recency, entries[index].use);
    return;
  }
  if (index == entries.size()) {
    table_->recency.push_front(choice.alias);
    entries.push_back({std::string(topic), table_->recency.begin()});
  } else {
    Entry& entry = entries[index];
    table_->by_topic.erase(entry.topic);
    entry.topic.assign(topic);
    table_->recency.splice(table_->recency.begin(), table_->recency, entry.use);
  }
  table_->by_topic[entries[index].topic] = choice.alias;
}

}  // namespace trustmq::mqtt

#include "mqtt/topic_alias_map.h"

namespace trustmq::mqtt {

void TopicAliasMap::set(std::uint16_t alias, const std::string& topic) {
  if (!valid(alias)) return;
  if (topics_.size() < alias) topics_.resize(alias);
  topics_[alias - 1] = topic;
}

const std::string* TopicAliasMap::find(std::uint16_t alias) const {
  if (!valid(alias) || alias > topics_.size() || topics_[alias - 1].empty()) return nullptr;
  return &topics_[alias - 1];
}

}  // namespace trustmq::mqtt

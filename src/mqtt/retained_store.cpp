#include "mqtt/retained_store.h"

#include "mqtt/topic.h"

namespace trustmq::mqtt {

void RetainedStore::store(const MessageRef& message) {
  const PublishPacket& publish = message->publish();
  if (publish.payload.empty()) {
    auto found = messages_.find(publish.topic);
    if (found != messages_.end()) messages_.erase(found);
    return;
  }
  messages_.insert_or_assign(publish.topic, message);
}

void RetainedStore::for_each_match(std::string_view filter, TimeMs now,
                                   const std::function<void(const MessageRef&)>& visit) {
  for (auto it = messages_.begin(); it != messages_.end();) {
    if (it->second->expired(now)) {
      it = messages_.erase(it);
      continue;
    }
    if (topic_matches(filter, it->first)) visit(it->second);
    ++it;
  }
}

const MessageRef* RetainedStore::find(const std::string& topic) const {
  auto found = messages_.find(topic);
  return found == messages_.end() ? nullptr : &found->second;
}

}  // namespace trustmq::mqtt

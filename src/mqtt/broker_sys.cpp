// The $SYS topics: published retained every sys_interval_seconds, each only when its value
// changed (or its retained copy is gone).
#include <vector>

#include "mqtt/broker_state.h"
#include "mqtt/sys_topics.h"

namespace trustmq::mqtt {

void Broker::State::publish_sys(TimeMs now) {
  const std::uint64_t uptime = (now - start_) / 1000;
  std::vector<SysTopic> topics = sys_topics(config_.version, uptime, stats());
  append_attestation_sys_topics(
      attestation_counters_, {config_.served_evidence_types, config_.module_measurement}, topics);
  if (last_sys_values_.size() != topics.size()) last_sys_values_.assign(topics.size(), {});
  for (std::size_t i = 0; i < topics.size(); ++i) {
    SysTopic& topic = topics[i];
    if (topic.value == last_sys_values_[i] && retained_.find(topic.topic) != nullptr) continue;
    last_sys_values_[i] = topic.value;
    auto message = std::make_shared<Message>();
    PublishPacket publish;
    publish.topic = std::move(topic.topic);
    publish.payload.assign(topic.value.begin(), topic.value.end());
    publish.retain = true;
    message->packet = std::move(publish);
    route(message, nullptr, nullptr, now);
  }
}

}  // namespace trustmq::mqtt

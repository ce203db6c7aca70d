#include "mqtt/sys_topics.h"

#include <charconv>

namespace trustmq::mqtt {

std::string decimal(std::uint64_t value) {
  char buffer[24];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

std::vector<SysTopic> sys_topics(std::string_view version, std::uint64_t uptime_seconds,
                                 const BrokerStats& stats) {
  return {
      {"$SYS/broker/version", std::string(version)},
      {"$SYS/broker/uptime", decimal(uptime_seconds) + " seconds"},
      {"$SYS/broker/clients/connected", decimal(stats.clients_connected)},
      {"$SYS/broker/messages/received", decimal(stats.messages_received)},
      {"$SYS/broker/messages/sent", decimal(stats.messages_sent)},
      {"$SYS/broker/bytes/received", decimal(stats.bytes_received)},
      {"$SYS/broker/bytes/sent", decimal(stats.bytes_sent)},
      {"$SYS/broker/retained messages/count", decimal(stats.retained_messages)},
      {"$SYS/broker/subscriptions/count", decimal(stats.subscriptions)},
  };
}

}  // namespace trustmq::mqtt

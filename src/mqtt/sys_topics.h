// The $SYS/broker/... topics the broker publishes (retained) every sys_interval_seconds, with
// mosquitto's names and value formats.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mqtt/broker.h"

namespace trustmq::mqtt {

struct SysTopic {
  std::string topic;
  std::string value;
};

// e.g. {"$SYS/broker/uptime", "42 seconds"}, {"$SYS/broker/clients/connected", "3"}.
std::vector<SysTopic> sys_topics(std::string_view version, std::uint64_t uptime_seconds,
                                 const BrokerStats& stats);

// Decimal text of `value` (no iostreams in the core).
std::string decimal(std::uint64_t value);

}  // namespace trustmq::mqtt

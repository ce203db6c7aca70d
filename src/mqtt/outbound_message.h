// A message on its way to one subscriber: the shared message, and what is particular to this
// delivery (granted QoS, retain as published, the subscription identifiers that matched).
#pragma once

#include <cstdint>
#include <vector>

#include "mqtt/message.h"
#include "mqtt/types.h"

namespace trustmq::mqtt {

struct OutboundMessage {
  MessageRef message;
  QoS qos = QoS::kAtMostOnce;
  bool retain = false;
  std::vector<std::uint32_t> subscription_ids;
  std::uint64_t stored_number = 0;  // its persistence record's number; 0 = not stored
};

}  // namespace trustmq::mqtt

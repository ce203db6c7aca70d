// One `topic` line of a bridge (mosquitto.conf(5)):
//   topic PATTERN [[[out|in|both] QOS] LOCAL_PREFIX REMOTE_PREFIX]
// The bridge subscribes to LOCAL_PREFIX+PATTERN on the local broker (out, both) and to
// REMOTE_PREFIX+PATTERN on the remote one (in, both); a message crossing it has the one prefix
// replaced by the other. An empty PATTERN ("") names the prefix itself as the one topic.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "mqtt/types.h"

namespace trustmq::shell {

enum class BridgeDirection : std::uint8_t { kOut, kIn, kBoth };

struct BridgeTopic {
  std::string pattern;
  BridgeDirection direction = BridgeDirection::kOut;
  mqtt::QoS qos = mqtt::QoS::kAtMostOnce;
  std::string local_prefix;
  std::string remote_prefix;

  bool forwards_out() const { return direction != BridgeDirection::kIn; }
  bool forwards_in() const { return direction != BridgeDirection::kOut; }
  // The filters the bridge subscribes to on each side.
  std::string local_filter() const { return local_prefix + pattern; }
  std::string remote_filter() const { return remote_prefix + pattern; }
  // The topic a message on `local_topic` gets on the remote broker, if this line forwards it
  // out; and the other way round.
  std::optional<std::string> to_remote(std::string_view local_topic) const;
  std::optional<std::string> to_local(std::string_view remote_topic) const;
};

// Parses the value of a `topic` line (the words after "topic"); "" stands for an empty word,
// as in mosquitto. The error says what is wrong, without file and line.
Result<BridgeTopic, std::string> parse_bridge_topic(std::string_view value);

}  // namespace trustmq::shell

#include "shell/bridge_topic.h"

#include <vector>

#include "mqtt/topic.h"
#include "shell/config_words.h"

namespace trustmq::shell {
namespace {

// The words of a topic line; mosquitto writes an empty prefix as "".
std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> words;
  for (const std::string_view word : split_config_words(s)) {
    words.emplace_back(word == "\"\"" ? std::string_view{} : word);
  }
  return words;
}

bool has_wildcard(std::string_view s) { return s.find_first_of("+#") != std::string_view::npos; }

// `topic` with `from` (its prefix) replaced by `to`, if it carries `from` and the rest
// matches the pattern.
std::optional<std::string> remap(std::string_view topic, const std::string& pattern,
                                 const std::string& from, const std::string& to) {
  if (!topic.starts_with(from)) return std::nullopt;
  const std::string_view rest = topic.substr(from.size());
  if (pattern.empty() ? !rest.empty() : !mqtt::topic_matches(pattern, rest)) return std::nullopt;
  std::string out = to;
  out += rest;
  return out;
}

}  // namespace

std::optional<std::string> BridgeTopic::to_remote(std::string_view local_topic) const {
  if (!forwards_out()) return std::nullopt;
  return remap(local_topic, pattern, local_prefix, remote_prefix);
}

std::optional<std::string> BridgeTopic::to_local(std::string_view remote_topic) const {
  if (!forwards_in()) return std::nullopt;
  return remap(remote_topic, pattern, remote_prefix, local_prefix);
}

Result<BridgeTopic, std::string> parse_bridge_topic(std::string_view value) {
  using R = Result<BridgeTopic, std::string>;
  const std::vector<std::string> words = split_words(value);
  if (words.empty()) return R::failure("missing topic pattern");
  if (words.size() > 5) {
    return R::failure("too many words (expected PATTERN [out|in|both [QOS [LOCAL REMOTE]]])");
  }
  BridgeTopic topic;
  topic.pattern = words[0];
  if (words.size() > 1) {
    if (words[1] == "out") {
      topic.direction = BridgeDirection::kOut;
    } else if (words[1] == "in") {
      topic.direction = BridgeDirection::kIn;
    } else if (words[1] == "both") {
      topic.direction = BridgeDirection::kBoth;
    } else {
      return R::failure("direction must be out, in or both, not '" + words[1] + "'");
    }
  }
  if (words.size() > 2) {
    if (words[2] == "0") {
      topic.qos = mqtt::QoS::kAtMostOnce;
    } else if (words[2] == "1") {
      topic.qos = mqtt::QoS::kAtLeastOnce;
    } else if (words[2] == "2") {
      topic.qos = mqtt::QoS::kExactlyOnce;
    } else {
      return R::failure("QoS must be 0, 1 or 2, not '" + words[2] + "'");
    }
  }
  if (words.size() > 3) topic.local_prefix = words[3];
  if (words.size() > 4) topic.remote_prefix = words[4];
  if (has_wildcard(topic.local_prefix) || has_wildcard(topic.remote_prefix)) {
    return R::failure("a prefix may not contain the wildcards + or #");
  }
  if (topic.pattern.empty()) {
    if (topic.local_prefix.empty() && topic.remote_prefix.empty()) {
      return R::failure("an empty pattern (\"\") needs a local or remote prefix");
    }
    if (!mqtt::is_valid_topic_name(topic.local_prefix) ||
        !mqtt::is_valid_topic_name(topic.remote_prefix)) {
      return R::failure("with an empty pattern both prefixes must be topic names");
    }
  } else if (!mqtt::is_valid_topic_filter(topic.pattern) ||
             !mqtt::is_valid_topic_filter(topic.local_filter()) ||
             !mqtt::is_valid_topic_filter(topic.remote_filter())) {
    return R::failure("'" + topic.pattern + "' with its prefixes is not a valid topic filter");
  }
  return R::success(std::move(topic));
}

}  // namespace trustmq::shell

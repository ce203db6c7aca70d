// Topic names, topic filters and wildcard matching (spec §4.7), shared subscriptions (§4.8).
#pragma once

#include <optional>
#include <string_view>

namespace trustmq::mqtt {

// A topic name: non-empty, valid UTF-8, no '+' or '#', at most 65535 bytes.
bool is_valid_topic_name(std::string_view topic);

// A topic filter: non-empty, '+' alone in a level, '#' alone and last. Also accepts
// "$share/group/filter" with a valid group and filter.
bool is_valid_topic_filter(std::string_view filter);

// Whether `filter` (no $share prefix) matches `topic`. Topics starting with '$' are not
// matched by a filter starting with a wildcard.
bool topic_matches(std::string_view filter, std::string_view topic);

// Whether `topic` is one of the broker's own "$SYS" topics, which clients may not publish to.
bool is_sys_topic(std::string_view topic);
// $SYS/broker/connection/…: where a bridge announces its state (mosquitto's notifications).
bool is_bridge_state_topic(std::string_view topic);

struct SharedFilter {
  std::string_view group;
  std::string_view filter;
};
// Splits "$share/group/filter"; nullopt if `filter` is not a shared subscription.
std::optional<SharedFilter> parse_shared_filter(std::string_view filter);

}  // namespace trustmq::mqtt

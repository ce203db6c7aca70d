#include "mqtt/topic.h"

#include <algorithm>

#include "mqtt/codec.h"

namespace trustmq::mqtt {
namespace {

constexpr std::size_t kMaxTopicLength = 65535;
constexpr std::string_view kSharePrefix = "$share/";

// A non-shared filter: '+' fills a whole level, '#' fills the whole last level.
bool is_valid_plain_filter(std::string_view filter) {
  if (filter.empty() || filter.size() > kMaxTopicLength) return false;
  std::size_t level_start = 0;
  for (std::size_t i = 0; i < filter.size(); ++i) {
    const char c = filter[i];
    if (c == '/') {
      level_start = i + 1;
    } else if (c == '+') {
      const bool alone = i == level_start && (i + 1 == filter.size() || filter[i + 1] == '/');
      if (!alone) return false;
    } else if (c == '#') {
      if (i != level_start || i + 1 != filter.size()) return false;
    }
  }
  return is_valid_mqtt_utf8(filter);
}

}  // namespace

bool is_valid_topic_name(std::string_view topic) {
  if (topic.empty() || topic.size() > kMaxTopicLength) return false;
  if (topic.find_first_of("+#") != std::string_view::npos) return false;
  return is_valid_mqtt_utf8(topic);
}

bool is_valid_topic_filter(std::string_view filter) {
  if (filter.starts_with(kSharePrefix)) {
    const std::optional<SharedFilter> shared = parse_shared_filter(filter);
    return shared && filter.size() <= kMaxTopicLength && is_valid_plain_filter(shared->filter) &&
           is_valid_mqtt_utf8(shared->group);
  }
  return is_valid_plain_filter(filter);
}

bool is_sys_topic(std::string_view topic) { return topic.starts_with("$SYS"); }

bool is_bridge_state_topic(std::string_view topic) {
  return topic.starts_with("$SYS/broker/connection/");
}

bool topic_matches(std::string_view filter, std::string_view topic) {
  if (filter.empty() || topic.empty()) return false;
  if (topic.front() == '$' && (filter.front() == '+' || filter.front() == '#')) return false;

  std::size_t f = 0;  // start of the current filter level
  std::size_t t = 0;  // start of the current topic level
  while (true) {
    const std::size_t f_end = std::min(filter.find('/', f), filter.size());
    const std::string_view f_level = filter.substr(f, f_end - f);
    if (f_level == "#") return true;  // matches this level and everything below, or nothing

    const std::size_t t_end = std::min(topic.find('/', t), topic.size());
    const std::string_view t_level = topic.substr(t, t_end - t);
    if (f_level != "+" && f_level != t_level) return false;

    const bool filter_done = f_end == filter.size();
    const bool topic_done = t_end == topic.size();
    if (filter_done || topic_done) {
      if (filter_done && topic_done) return true;
      // Only "x/#" may match "x": the filter continues with exactly "/#".
      return topic_done && filter.substr(f_end) == "/#";
    }
    f = f_end + 1;
    t = t_end + 1;
  }
}

std::optional<SharedFilter> parse_shared_filter(std::string_view filter) {
  if (!filter.starts_with(kSharePrefix)) return std::nullopt;
  const std::string_view rest = filter.substr(kSharePrefix.size());
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view group = rest.substr(0, slash);
  const std::string_view inner = rest.substr(slash + 1);
  if (group.empty() || group.find_first_of("+#") != std::string_view::npos) return std::nullopt;
  if (inner.empty()) return std::nullopt;
  return SharedFilter{group, inner};
}

}  // namespace trustmq::mqtt

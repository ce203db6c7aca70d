// Inbound topic aliases of one v5 connection (spec §3.3.2.3.4): alias number → topic name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace trustmq::mqtt {

class TopicAliasMap {
 public:
  explicit TopicAliasMap(std::uint16_t maximum = 0) : maximum_(maximum) {}

  std::uint16_t maximum() const { return maximum_; }
  // Alias 0 and aliases above the maximum are invalid (DISCONNECT 0x94).
  bool valid(std::uint16_t alias) const { return alias != 0 && alias <= maximum_; }
  void set(std::uint16_t alias, const std::string& topic);
  // The topic of a known alias, or nullptr.
  const std::string* find(std::uint16_t alias) const;

 private:
  std::uint16_t maximum_;
  std::vector<std::string> topics_;  // index alias - 1; empty = unset
};

}  // namespace trustmq::mqtt

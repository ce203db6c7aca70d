// Retained messages by topic name (spec §3.3.1.3). Looked up on SUBSCRIBE only, so a plain
// ordered map is enough.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "mqtt/message.h"

namespace trustmq::mqtt {

class RetainedStore {
 public:
  // Stores the message for its topic; an empty payload clears the topic instead.
  void store(const MessageRef& message);
  // Calls `visit` for each unexpired retained message whose topic matches `filter`; expired
  // ones are removed.
  void for_each_match(std::string_view filter, TimeMs now,
                      const std::function<void(const MessageRef&)>& visit);
  const MessageRef* find(const std::string& topic) const;
  std::size_t size() const { return messages_.size(); }

 private:
  std::map<std::string, MessageRef, std::less<>> messages_;
};

}  // namespace trustmq::mqtt

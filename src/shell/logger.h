// Writes timestamped log lines, filtered by log type, to stderr (log_dest stderr) or to a sink
// given by tests.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "shell/log_type.h"

namespace trustmq::shell {

class Logger {
 public:
  // Receives one complete line, without the trailing newline.
  using Sink = std::function<void(std::string_view line)>;

  // Logs to stderr.
  explicit Logger(LogTypeMask mask);
  Logger(LogTypeMask mask, Sink sink);

  bool enabled(LogType type) const { return (mask_ & static_cast<LogTypeMask>(type)) != 0; }
  void set_mask(LogTypeMask mask) { mask_ = mask; }
  LogTypeMask mask() const { return mask_; }

  // "2025-11-25T12:53:01.123Z notice: text", if `type` is enabled.
  void log(LogType type, std::string_view text);

 private:
  LogTypeMask mask_;
  Sink sink_;
};

}  // namespace trustmq::shell

#include "shell/log_type.h"

#include <array>
#include <utility>

namespace trustmq::shell {
namespace {

constexpr std::array<std::pair<std::string_view, LogType>, 8> kNames = {{
    {"error", LogType::kError},
    {"warning", LogType::kWarning},
    {"notice", LogType::kNotice},
    {"information", LogType::kInformation},
    {"debug", LogType::kDebug},
    {"subscribe", LogType::kSubscribe},
    {"unsubscribe", LogType::kUnsubscribe},
    {"websockets", LogType::kWebsockets},
}};

}  // namespace

std::optional<LogTypeMask> parse_log_type(std::string_view name) {
  if (name == "all") return kAllLogTypes;
  if (name == "none") return LogTypeMask{0};
  for (const auto& [text, type] : kNames) {
    if (text == name) return static_cast<LogTypeMask>(type);
  }
  return std::nullopt;
}

std::string_view log_type_name(LogType type) {
  for (const auto& [text, t] : kNames) {
    if (t == type) return text;
  }
  return "unknown";
}

LogType log_type_for(mqtt::LogLevel level) {
  switch (level) {
    case mqtt::LogLevel::kDebug:
      return LogType::kDebug;
    case mqtt::LogLevel::kInfo:
      return LogType::kInformation;
    case mqtt::LogLevel::kNotice:
      return LogType::kNotice;
    case mqtt::LogLevel::kWarning:
      return LogType::kWarning;
    case mqtt::LogLevel::kError:
      return LogType::kError;
  }
  return LogType::kError;
}

}  // namespace trustmq::shell

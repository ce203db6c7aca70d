// mosquitto's log types (log_type option): which kinds of log lines the broker writes.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "mqtt/broker.h"

namespace trustmq::shell {

enum class LogType : std::uint32_t {
  kError = 1u << 0,
  kWarning = 1u << 1,
  kNotice = 1u << 2,
  kInformation = 1u << 3,
  kDebug = 1u << 4,
  kSubscribe = 1u << 5,
  kUnsubscribe = 1u << 6,
  kWebsockets = 1u << 7,
};

// A set of LogType bits.
using LogTypeMask = std::uint32_t;

inline constexpr LogTypeMask kAllLogTypes = 0xffu;
// mosquitto's default when no log_type line is given.
inline constexpr LogTypeMask kDefaultLogTypes =
    static_cast<LogTypeMask>(LogType::kError) | static_cast<LogTypeMask>(LogType::kWarning) |
    static_cast<LogTypeMask>(LogType::kNotice) | static_cast<LogTypeMask>(LogType::kInformation);

// Bits for a log_type value: one type name, "all" or "none" (0). Nothing if unknown.
std::optional<LogTypeMask> parse_log_type(std::string_view name);

std::string_view log_type_name(LogType type);

// The log type of a line the core writes at `level`.
LogType log_type_for(mqtt::LogLevel level);

}  // namespace trustmq::shell

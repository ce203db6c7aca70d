#include "shell/duration.h"

#include <charconv>

namespace trustmq::shell {

std::optional<std::uint32_t> parse_duration_seconds(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  std::uint64_t unit_seconds = 0;
  switch (text.back()) {
    case 's':
      unit_seconds = 1;
      break;
    case 'h':
      unit_seconds = 3600;
      break;
    case 'd':
      unit_seconds = 86400;
      break;
    case 'w':
      unit_seconds = 7 * 86400;
      break;
    case 'm':
      unit_seconds = 30 * 86400;
      break;
    case 'y':
      unit_seconds = 365 * 86400;
      break;
    default:
      return std::nullopt;
  }
  const std::string_view digits = text.substr(0, text.size() - 1);
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::uint64_t count = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  if (count == 0) return std::nullopt;
  if (count > UINT32_MAX / unit_seconds) return std::nullopt;
  return static_cast<std::uint32_t>(count * unit_seconds);
}

}  // namespace trustmq::shell

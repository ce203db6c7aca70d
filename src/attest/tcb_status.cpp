#include "attest/tcb_status.h"

#include <array>
#include <utility>

namespace trustmq::attest {

namespace {
constexpr std::array<std::pair<TcbStatus, std::string_view>, 8> kNames{{
    {TcbStatus::kUpToDate, "UpToDate"},
    {TcbStatus::kSwHardeningNeeded, "SWHardeningNeeded"},
    {TcbStatus::kConfigurationNeeded, "ConfigurationNeeded"},
    {TcbStatus::kConfigurationAndSwHardeningNeeded, "ConfigurationAndSWHardeningNeeded"},
    {TcbStatus::kOutOfDate, "OutOfDate"},
    {TcbStatus::kOutOfDateConfigurationNeeded, "OutOfDateConfigurationNeeded"},
    {TcbStatus::kRevoked, "Revoked"},
    {TcbStatus::kTcbLevelNotSupported, "TcbLevelNotSupported"},
}};
}  // namespace

std::string_view tcb_status_name(TcbStatus status) {
  for (const auto& [s, n] : kNames) {
    if (s == status) return n;
  }
  return "unknown";
}

std::optional<TcbStatus> tcb_status_from_name(std::string_view name) {
  for (const auto& [s, n] : kNames) {
    if (n == name) return s;
  }
  return std::nullopt;
}

}  // namespace trustmq::attest

// Intel TCB status of a platform or a quoting enclave, as named by Intel's TCB info and QE
// identity ("UpToDate", "SWHardeningNeeded", … "Revoked").
#pragma once

#include <optional>
#include <string_view>

namespace trustmq::attest {

enum class TcbStatus {
  kUpToDate,
  kSwHardeningNeeded,
  kConfigurationNeeded,
  kConfigurationAndSwHardeningNeeded,
  kOutOfDate,
  kOutOfDateConfigurationNeeded,
  kRevoked,
  // Not an Intel tcbStatus value: no TCB level of the (verified) TCB info matches the platform
  // (Intel's "TCB level not supported"); the platform's TCB cannot be rated.
  kTcbLevelNotSupported,
};

std::string_view tcb_status_name(TcbStatus status);  // Intel's spelling
std::optional<TcbStatus> tcb_status_from_name(std::string_view name);

}  // namespace trustmq::attest

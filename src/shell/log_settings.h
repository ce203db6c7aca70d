// Where log lines go and how they are stamped: mosquitto's log_dest, log_facility,
// log_timestamp and log_timestamp_format options.
#pragma once

#include <string>

namespace trustmq::shell {

struct LogSettings {
  bool to_stderr = true;  // mosquitto's default destination
  bool to_stdout = false;
  bool to_syslog = false;
  std::string file;          // log_dest file PATH; empty: none
  int syslog_facility = -1;  // log_facility N: LOG_LOCALN; -1: LOG_DAEMON (mosquitto's default)
  bool timestamp = true;     // log_timestamp
  // log_timestamp_format: strftime format in local time (as mosquitto); empty: trustmq's
  // ISO 8601 UTC with milliseconds.
  std::string timestamp_format;

  bool operator==(const LogSettings&) const = default;
};

}  // namespace trustmq::shell

// Writes log lines, filtered by log type, to the destinations of log_dest (stderr, stdout, a
// file, syslog) with the stamp of log_timestamp/log_timestamp_format, or to a sink given by
// tests. Safe to call from several threads (the bridges log from their own threads).
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "shell/log_settings.h"
#include "shell/log_type.h"

namespace trustmq::shell {

class Logger {
 public:
  // Receives one complete line, without the trailing newline.
  using Sink = std::function<void(std::string_view line)>;

  // Logs to stderr.
  explicit Logger(LogTypeMask mask);
  // Logs to `sink` only (log_dest settings then change the stamp, not the destination).
  Logger(LogTypeMask mask, Sink sink);
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  bool enabled(LogType type) const {
    return (mask_.load(std::memory_order_relaxed) & static_cast<LogTypeMask>(type)) != 0;
  }
  void set_mask(LogTypeMask mask) { mask_.store(mask, std::memory_order_relaxed); }
  LogTypeMask mask() const { return mask_.load(std::memory_order_relaxed); }

  // Takes the destinations and stamp of `settings`, opening the log file (append) if one is
  // named. Throws ConfigError (config_file.h) if the file cannot be opened; the previous
  // destinations are kept then.
  void apply(const LogSettings& settings);
  // Closes and reopens the log file (SIGHUP, after logrotate moved it). On failure the old
  // descriptor is kept and an error is logged.
  void reopen_file();

  // "2025-11-25T12:53:01.123Z notice: text" (or as log_timestamp* say), if `type` is enabled.
  void log(LogType type, std::string_view text);

 private:
  std::string stamp() const;

  std::atomic<LogTypeMask> mask_;
  // Guards the destinations (a line is written whole; apply/reopen_file do not race a write).
  // Recursive: reopen_file logs its own failure.
  std::recursive_mutex mutex_;
  Sink sink_;  // tests: replaces every destination
  LogSettings settings_;
  int file_fd_ = -1;
  bool syslog_open_ = false;
};

}  // namespace trustmq::shell

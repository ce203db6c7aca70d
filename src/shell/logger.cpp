#include "shell/logger.h"

#include <fcntl.h>
#include <sys/time.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "shell/config_file.h"

namespace trustmq::shell {
namespace {

// One write per line so concurrent writers (tests, child processes) do not interleave.
void write_line(int fd, std::string_view line) {
  std::string buffer(line);
  buffer.push_back('\n');
  std::size_t done = 0;
  while (done < buffer.size()) {
    const ssize_t n = ::write(fd, buffer.data() + done, buffer.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

int open_log_file(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

int syslog_priority(LogType type) {
  switch (type) {
    case LogType::kError:
      return LOG_ERR;
    case LogType::kWarning:
      return LOG_WARNING;
    case LogType::kNotice:
      return LOG_NOTICE;
    case LogType::kDebug:
      return LOG_DEBUG;
    default:
      return LOG_INFO;
  }
}

int syslog_facility(int local) {
  static constexpr int kLocal[] = {LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3,
                                   LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7};
  return local >= 0 && local < 8 ? kLocal[local] : LOG_DAEMON;
}

}  // namespace

Logger::Logger(LogTypeMask mask) : mask_(mask) {}

Logger::Logger(LogTypeMask mask, Sink sink) : mask_(mask), sink_(std::move(sink)) {}

Logger::~Logger() {
  if (file_fd_ >= 0) ::close(file_fd_);
  if (syslog_open_) ::closelog();
}

void Logger::apply(const LogSettings& settings) {
  const std::lock_guard lock(mutex_);
  int fd = -1;
  if (!sink_ && !settings.file.empty()) {
    if (settings.file == settings_.file && file_fd_ >= 0) {
      fd = ::dup(file_fd_);
    } else {
      fd = open_log_file(settings.file);
    }
    if (fd < 0) {
      throw ConfigError("cannot open log file '" + settings.file + "': " + std::strerror(errno));
    }
  }
  if (file_fd_ >= 0) ::close(file_fd_);
  file_fd_ = fd;
  if (syslog_open_) {
    ::closelog();
    syslog_open_ = false;
  }
  if (!sink_ && settings.to_syslog) {
    ::openlog("trustmq-broker", LOG_PID | LOG_NDELAY, syslog_facility(settings.syslog_facility));
    syslog_open_ = true;
  }
  settings_ = settings;
}

void Logger::reopen_file() {
  const std::lock_guard lock(mutex_);
  if (sink_ || settings_.file.empty()) return;
  const int fd = open_log_file(settings_.file);
  if (fd < 0) {
    log(LogType::kError, "cannot reopen log file '" + settings_.file +
                             "': " + std::strerror(errno) + "; still writing to the old one");
    return;
  }
  if (file_fd_ >= 0) ::close(file_fd_);
  file_fd_ = fd;
}

std::string Logger::stamp() const {
  timeval tv{};
  ::gettimeofday(&tv, nullptr);
  char text[256];
  if (!settings_.timestamp_format.empty()) {
    std::tm local{};
    ::localtime_r(&tv.tv_sec, &local);
    const std::size_t n =
        std::strftime(text, sizeof text, settings_.timestamp_format.c_str(), &local);
    return std::string(text, n);
  }
  std::tm utc{};
  ::gmtime_r(&tv.tv_sec, &utc);
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(tv.tv_usec / 1000));
  return text;
}

void Logger::log(LogType type, std::string_view text) {
  const std::lock_guard lock(mutex_);
  if (!enabled(type)) return;
  std::string line;
  if (settings_.timestamp) {
    line = stamp();
    line += ' ';
  }
  line += log_type_name(type);
  line += ": ";
  line += text;
  if (sink_) {
    sink_(line);
    return;
  }
  if (settings_.to_stderr) write_line(STDERR_FILENO, line);
  if (settings_.to_stdout) write_line(STDOUT_FILENO, line);
  if (file_fd_ >= 0) write_line(file_fd_, line);
  if (syslog_open_) {
    const std::string message = std::string(log_type_name(type)) + ": " + std::string(text);
    ::syslog(syslog_priority(type), "%s", message.c_str());
  }
}

}  // namespace trustmq::shell

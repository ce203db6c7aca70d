#include "shell/logger.h"

#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

namespace trustmq::shell {
namespace {

void write_to_stderr(std::string_view line) {
  std::string buffer(line);
  buffer.push_back('\n');
  // One write per line so concurrent writers (tests, child processes) do not interleave.
  std::size_t done = 0;
  while (done < buffer.size()) {
    const ssize_t n = ::write(STDERR_FILENO, buffer.data() + done, buffer.size() - done);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

std::string timestamp() {
  timeval tv{};
  ::gettimeofday(&tv, nullptr);
  std::tm utc{};
  ::gmtime_r(&tv.tv_sec, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(tv.tv_usec / 1000));
  return text;
}

}  // namespace

Logger::Logger(LogTypeMask mask) : Logger(mask, write_to_stderr) {}

Logger::Logger(LogTypeMask mask, Sink sink) : mask_(mask), sink_(std::move(sink)) {}

void Logger::log(LogType type, std::string_view text) {
  if (!enabled(type)) return;
  std::string line = timestamp();
  line += ' ';
  line += log_type_name(type);
  line += ": ";
  line += text;
  sink_(line);
}

}  // namespace trustmq::shell

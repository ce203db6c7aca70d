// mosquitto's pid_file option: the broker's process id, written at start-up and removed when
// the broker exits normally.
#pragma once

#include <string>

namespace trustmq::shell {

class PidFile {
 public:
  // Writes getpid() and a newline to `path` (replacing it). Throws ConfigError
  // (config_file.h) if it cannot.
  explicit PidFile(std::string path);
  // Removes the file.
  ~PidFile();
  PidFile(const PidFile&) = delete;
  PidFile& operator=(const PidFile&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace trustmq::shell

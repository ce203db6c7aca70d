#include "shell/pid_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "shell/config_file.h"

namespace trustmq::shell {

PidFile::PidFile(std::string path) : path_(std::move(path)) {
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw ConfigError("cannot write pid_file '" + path_ + "': " + std::strerror(errno));
  }
  const std::string text = std::to_string(::getpid()) + "\n";
  const ssize_t n = ::write(fd, text.data(), text.size());
  const int saved = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size())) {
    ::unlink(path_.c_str());
    throw ConfigError("cannot write pid_file '" + path_ + "': " + std::strerror(saved));
  }
}

PidFile::~PidFile() { ::unlink(path_.c_str()); }

}  // namespace trustmq::shell

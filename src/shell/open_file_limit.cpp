#include "shell/open_file_limit.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace trustmq::shell {
namespace {

constexpr rlim_t kLinuxDefaultNrOpen = 1024 * 1024;

}  // namespace

Result<OpenFileLimit, std::string> raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return Result<OpenFileLimit, std::string>::failure(std::string("getrlimit(RLIMIT_NOFILE): ") +
                                                       std::strerror(errno));
  }
  OpenFileLimit result;
  result.before = limit.rlim_cur;
  if (limit.rlim_cur < limit.rlim_max) {
    // Linux refuses a descriptor limit above fs.nr_open; an unlimited hard limit means that.
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? kLinuxDefaultNrOpen : limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      return Result<OpenFileLimit, std::string>::failure(std::string("setrlimit(RLIMIT_NOFILE, ") +
                                                         std::to_string(limit.rlim_max) +
                                                         "): " + std::strerror(errno));
    }
  }
  result.now = limit.rlim_cur;
  return Result<OpenFileLimit, std::string>::success(result);
}

}  // namespace trustmq::shell

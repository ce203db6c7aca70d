// The broker's limit on open descriptors. Each client connection is one descriptor, and the soft
// RLIMIT_NOFILE most shells and containers hand out (1024) would cap the broker at about a
// thousand clients whatever max_connections says. At start the broker raises the soft limit to
// the hard one, as nginx (worker_rlimit_nofile) and the Go runtime do; the hard limit, set by the
// administrator (ulimit -Hn, systemd LimitNOFILE=), stays the ceiling.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"

namespace trustmq::shell {

struct OpenFileLimit {
  std::uint64_t before = 0;  // soft limit found at start
  std::uint64_t now = 0;     // soft limit in force after raising
};

// Raises the soft RLIMIT_NOFILE to the hard limit. An error names the system call and errno.
Result<OpenFileLimit, std::string> raise_open_file_limit();

}  // namespace trustmq::shell

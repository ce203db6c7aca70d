// One gathering write of several byte runs to a non-blocking socket (sendmsg, MSG_NOSIGNAL),
// shared by the plain TCP transport and the TLS transport's encrypted output.
#pragma once

#include <cstdint>
#include <span>

#include "shell/server_transport.h"

namespace trustmq::shell {

// kOk with the bytes the socket took (possibly fewer than offered), kWouldBlock, kClosed
// (EPIPE/ECONNRESET) or kError. No runs: kOk with 0 and no system call.
IoResult send_runs(int fd, std::span<const std::span<const std::uint8_t>> runs);

}  // namespace trustmq::shell

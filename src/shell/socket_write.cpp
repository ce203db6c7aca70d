#include "shell/socket_write.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace trustmq::shell {

IoResult send_runs(int fd, std::span<const std::span<const std::uint8_t>> runs) {
  constexpr std::size_t kMaxRuns = 64;
  iovec iov[kMaxRuns];
  const std::size_t count = std::min(runs.size(), kMaxRuns);
  if (count == 0) return {IoStatus::kOk, 0, {}};
  for (std::size_t i = 0; i < count; ++i) {
    iov[i].iov_base = const_cast<std::uint8_t*>(runs[i].data());
    iov[i].iov_len = runs[i].size();
  }
  msghdr message{};
  message.msg_iov = iov;
  message.msg_iovlen = count;
  while (true) {
    const ssize_t n = ::sendmsg(fd, &message, MSG_NOSIGNAL);
    if (n >= 0) return {IoStatus::kOk, static_cast<std::size_t>(n), {}};
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoStatus::kWouldBlock, 0, {}};
    if (errno == EPIPE || errno == ECONNRESET) return {IoStatus::kClosed, 0, std::strerror(errno)};
    return {IoStatus::kError, 0, std::strerror(errno)};
  }
}

}  // namespace trustmq::shell

#include "shell/plain_tcp_transport.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace trustmq::shell {

IoResult PlainTcpTransport::read(std::span<std::uint8_t> into) {
  while (true) {
    const ssize_t n = ::recv(fd_, into.data(), into.size(), 0);
    if (n > 0) return {IoStatus::kOk, static_cast<std::size_t>(n), {}};
    if (n == 0) return {IoStatus::kClosed, 0, {}};
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoStatus::kWouldBlock, 0, {}};
    return {IoStatus::kError, 0, std::strerror(errno)};
  }
}

IoResult PlainTcpTransport::write(std::span<const std::uint8_t> bytes) {
  while (true) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n >= 0) return {IoStatus::kOk, static_cast<std::size_t>(n), {}};
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoStatus::kWouldBlock, 0, {}};
    if (errno == EPIPE || errno == ECONNRESET) return {IoStatus::kClosed, 0, std::strerror(errno)};
    return {IoStatus::kError, 0, std::strerror(errno)};
  }
}

IoResult PlainTcpTransport::write_runs(std::span<const std::span<const std::uint8_t>> runs) {
  constexpr std::size_t kMaxRuns = 64;
  iovec iov[kMaxRuns];
  const std::size_t count = std::min(runs.size(), kMaxRuns);
  for (std::size_t i = 0; i < count; ++i) {
    iov[i].iov_base = const_cast<std::uint8_t*>(runs[i].data());
    iov[i].iov_len = runs[i].size();
  }
  msghdr message{};
  message.msg_iov = iov;
  message.msg_iovlen = count;
  while (true) {
    const ssize_t n = ::sendmsg(fd_, &message, MSG_NOSIGNAL);
    if (n >= 0) return {IoStatus::kOk, static_cast<std::size_t>(n), {}};
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoStatus::kWouldBlock, 0, {}};
    if (errno == EPIPE || errno == ECONNRESET) return {IoStatus::kClosed, 0, std::strerror(errno)};
    return {IoStatus::kError, 0, std::strerror(errno)};
  }
}

}  // namespace trustmq::shell

#include "shell/plain_tcp_transport.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "shell/socket_write.h"

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
  return send_runs(fd_, runs);
}

}  // namespace trustmq::shell

#include "client/tcp_client_transport.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace trustmq::client {

ClientResult<std::unique_ptr<ClientTransport>> TcpClientTransport::open(const std::string& host,
                                                                        std::uint16_t port,
                                                                        Deadline deadline) {
  auto c = connect_tcp(host, port, deadline);
  if (!c) return ClientResult<std::unique_ptr<ClientTransport>>::failure(c.error());
  return ClientResult<std::unique_ptr<ClientTransport>>::success(
      std::make_unique<TcpClientTransport>(std::move(c.value())));
}

ClientResult<void> TcpClientTransport::write_all(mqtt::ByteView data, Deadline deadline) {
  const int fd = connection_.fd.get();
  if (fd < 0) {
    return ClientResult<void>::failure(
        make_error(ClientErrorKind::kConnectionClosed, "connection already closed"));
  }
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      auto w = wait_for_socket(fd, WaitFor::kWrite, deadline);
      if (!w) return w;
      continue;
    }
    const auto kind = (errno == EPIPE || errno == ECONNRESET) ? ClientErrorKind::kConnectionClosed
                                                              : ClientErrorKind::kIo;
    return ClientResult<void>::failure(
        make_error(kind, std::string("send: ") + std::strerror(errno)));
  }
  return ClientResult<void>::success();
}

ClientResult<std::size_t> TcpClientTransport::read_some(mqtt::Bytes& out, Deadline deadline) {
  const int fd = connection_.fd.get();
  if (fd < 0) {
    return ClientResult<std::size_t>::failure(
        make_error(ClientErrorKind::kConnectionClosed, "connection already closed"));
  }
  std::uint8_t buffer[16384];
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      out.insert(out.end(), buffer, buffer + n);
      return ClientResult<std::size_t>::success(static_cast<std::size_t>(n));
    }
    if (n == 0) {
      return ClientResult<std::size_t>::failure(
          make_error(ClientErrorKind::kConnectionClosed, "the broker closed the connection"));
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      auto w = wait_for_socket(fd, WaitFor::kRead, deadline);
      if (!w) return ClientResult<std::size_t>::failure(w.error());
      continue;
    }
    const auto kind =
        errno == ECONNRESET ? ClientErrorKind::kConnectionClosed : ClientErrorKind::kIo;
    return ClientResult<std::size_t>::failure(
        make_error(kind, std::string("recv: ") + std::strerror(errno)));
  }
}

void TcpClientTransport::close() {
  if (connection_.fd.valid()) ::shutdown(connection_.fd.get(), SHUT_RDWR);
  connection_.fd.reset();
}

}  // namespace trustmq::client

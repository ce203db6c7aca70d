#include "client/tcp_connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace trustmq::client {

namespace {

std::string address_text(const sockaddr* sa) {
  char host[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(ntohs(in->sin_port));
  }
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
  ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
  // Appended, not "[" + std::string(host): g++ 12 at -O3 reports a false -Wrestrict overlap
  // in operator+(const char*, std::string&&).
  std::string text = "[";
  text += host;
  text += "]:";
  text += std::to_string(ntohs(in6->sin6_port));
  return text;
}

struct AddrInfoDeleter {
  void operator()(addrinfo* a) const { ::freeaddrinfo(a); }
};

// One connect attempt; returns the connected socket or an error message.
ClientResult<SocketFd> connect_one(const addrinfo* ai, Deadline deadline) {
  SocketFd fd(
      ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol));
  if (!fd.valid()) {
    return ClientResult<SocketFd>::failure(
        make_error(ClientErrorKind::kConnect, std::string("socket: ") + std::strerror(errno)));
  }
  if (::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
    return ClientResult<SocketFd>::failure(
        make_error(ClientErrorKind::kConnect, std::strerror(errno)));
  }
  auto waited = wait_for_socket(fd.get(), WaitFor::kWrite, deadline);
  if (!waited) {
    auto e = waited.error();
    e.message = "timed out connecting";
    return ClientResult<SocketFd>::failure(e);
  }
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err != 0) {
    return ClientResult<SocketFd>::failure(
        make_error(ClientErrorKind::kConnect, std::strerror(err)));
  }
  int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return ClientResult<SocketFd>::success(std::move(fd));
}

}  // namespace

ClientResult<TcpConnection> connect_tcp(const std::string& host, std::uint16_t port,
                                        Deadline deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* raw = nullptr;
  const std::string service = std::to_string(port);
  const std::string lookup = host.empty() ? "localhost" : host;
  int rc = ::getaddrinfo(lookup.c_str(), service.c_str(), &hints, &raw);
  if (rc == EAI_NONAME || rc == EAI_ADDRFAMILY) {
    // AI_ADDRCONFIG hides ::1 / 127.0.0.1 on hosts without a configured address of that family.
    hints.ai_flags = 0;
    rc = ::getaddrinfo(lookup.c_str(), service.c_str(), &hints, &raw);
  }
  if (rc != 0) {
    return ClientResult<TcpConnection>::failure(make_error(
        ClientErrorKind::kResolve, "cannot resolve '" + lookup + "': " + ::gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, AddrInfoDeleter> list(raw);
  ClientError last = make_error(ClientErrorKind::kConnect, "no address for '" + lookup + "'");
  for (const addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    auto fd = connect_one(ai, deadline);
    if (fd) {
      TcpConnection c;
      c.fd = std::move(fd.value());
      c.peer = address_text(ai->ai_addr);
      return ClientResult<TcpConnection>::success(std::move(c));
    }
    last = fd.error();
    last.message = "cannot connect to " + address_text(ai->ai_addr) + ": " + last.message;
    if (last.kind == ClientErrorKind::kTimeout) break;
  }
  return ClientResult<TcpConnection>::failure(last);
}

}  // namespace trustmq::client

#include "shell/listener_socket.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "shell/socket_address.h"

namespace trustmq::shell {
namespace {

std::string describe_request(const ListenerConfig& listener) {
  return (listener.bind_address.empty() ? std::string("*") : listener.bind_address) + ":" +
         std::to_string(listener.port) + " (listener at " + listener.origin + ")";
}

}  // namespace

std::vector<ListenerSocket> open_listener_sockets(const ListenerConfig& listener, Logger& logger) {
  addrinfo hints{};
  switch (listener.socket_domain) {
    case SocketDomain::kAny:
      hints.ai_family = AF_UNSPEC;
      break;
    case SocketDomain::kIpv4:
      hints.ai_family = AF_INET;
      break;
    case SocketDomain::kIpv6:
      hints.ai_family = AF_INET6;
      break;
  }
  hints.ai_socktype = SOCK_STREAM;
  // Without AI_PASSIVE and without a host, getaddrinfo gives the loopback addresses.
  hints.ai_flags = (listener.loopback_only ? 0 : AI_PASSIVE) | AI_NUMERICSERV;
  addrinfo* results = nullptr;
  const std::string port_text = std::to_string(listener.port);
  const char* host = listener.bind_address.empty() ? nullptr : listener.bind_address.c_str();
  const int rc = ::getaddrinfo(host, port_text.c_str(), &hints, &results);
  if (rc != 0) {
    throw std::runtime_error("cannot resolve " + describe_request(listener) + ": " +
                             ::gai_strerror(rc));
  }

  std::vector<ListenerSocket> sockets;
  std::string failure;
  for (addrinfo* ai = results; ai != nullptr; ai = ai->ai_next) {
    const std::string wanted = format_socket_address(ai->ai_addr, ai->ai_addrlen);
    const int fd =
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      if (host == nullptr && (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT)) {
        logger.log(LogType::kWarning, "skipping " + wanted + ": " + std::strerror(errno));
        continue;
      }
      failure = "cannot create socket for " + wanted + ": " + std::strerror(errno);
      break;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ai->ai_family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
      const int err = errno;
      ::close(fd);
      if (host == nullptr && ai->ai_family == AF_INET6 && err == EADDRNOTAVAIL) {
        logger.log(LogType::kWarning, "skipping " + wanted + ": " + std::strerror(err));
        continue;
      }
      failure = "cannot listen on " + wanted + " (listener at " + listener.origin +
                "): " + std::strerror(err);
      break;
    }
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
    ListenerSocket s;
    s.fd = fd;
    s.address = format_socket_address(reinterpret_cast<sockaddr*>(&bound), length);
    s.port = socket_address_port(reinterpret_cast<sockaddr*>(&bound));
    sockets.push_back(std::move(s));
  }
  ::freeaddrinfo(results);
  if (failure.empty() && sockets.empty()) {
    failure = "no usable address for " + describe_request(listener);
  }
  if (!failure.empty()) {
    for (const auto& s : sockets) ::close(s.fd);
    throw std::runtime_error(failure);
  }
  return sockets;
}

}  // namespace trustmq::shell

// Opens a TCP connection (IPv4 or IPv6; host names resolved with getaddrinfo) by a deadline.
#pragma once

#include <cstdint>
#include <string>

#include "client/client_error.h"
#include "client/deadline.h"
#include "client/socket_fd.h"

namespace trustmq::client {

struct TcpConnection {
  SocketFd fd;       // connected, non-blocking, TCP_NODELAY
  std::string peer;  // "127.0.0.1:1883" or "[::1]:1883"
};

// Tries every address `host` resolves to, in order, until one accepts.
ClientResult<TcpConnection> connect_tcp(const std::string& host, std::uint16_t port,
                                        Deadline deadline);

}  // namespace trustmq::client

// Listening sockets for one `listener` line: one socket per address the bind address resolves
// to (no address: every interface, IPv4 0.0.0.0 and IPv6 ::, the latter IPv6-only).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shell/listener_config.h"
#include "shell/logger.h"

namespace trustmq::shell {

struct ListenerSocket {
  int fd = -1;
  std::string address;     // bound address as text, e.g. "127.0.0.1:1883"
  std::uint16_t port = 0;  // bound port (the real one when the config said 0)
};

// Binds and listens, non-blocking. Throws std::runtime_error naming the address on failure.
// With no bind address, a family the kernel lacks (no IPv6) is skipped with a warning.
std::vector<ListenerSocket> open_listener_sockets(const ListenerConfig& listener, Logger& logger);

}  // namespace trustmq::shell

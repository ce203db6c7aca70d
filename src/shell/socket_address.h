// Text form of socket addresses: "127.0.0.1:1883", "[::1]:1883".
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

namespace trustmq::shell {

std::string format_socket_address(const sockaddr* address, socklen_t length);
// Port of an AF_INET/AF_INET6 address (0 otherwise).
std::uint16_t socket_address_port(const sockaddr* address);

}  // namespace trustmq::shell

#include "scripted_broker.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>

namespace trustmq::client::testing {

std::optional<mqtt::Packet> ScriptedConnection::read() {
  for (;;) {
    auto r = mqtt::decode_packet(buffer_, version_);
    if (r.status == mqtt::DecodeStatus::kOk) {
      buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(r.consumed));
      return std::move(r.packet);
    }
    if (r.status == mqtt::DecodeStatus::kError) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return std::nullopt;
    std::uint8_t chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return std::nullopt;
    buffer_.insert(buffer_.end(), chunk, chunk + n);
  }
}

mqtt::Bytes ScriptedConnection::read_raw() {
  mqtt::Bytes out = std::exchange(buffer_, {});
  if (!out.empty()) return out;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, 5000) <= 0) return out;
  std::uint8_t chunk[4096];
  const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
  if (n > 0) out.insert(out.end(), chunk, chunk + n);
  return out;
}

void ScriptedConnection::send(const mqtt::Packet& packet) {
  mqtt::Bytes out;
  mqtt::encode_packet(packet, version_, out);
  send_raw(out);
}

void ScriptedConnection::send_raw(const mqtt::Bytes& bytes) {
  ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
}

ScriptedBroker::ScriptedBroker(mqtt::ProtocolVersion version, Script script) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(listen_fd_, 1);
  socklen_t len = sizeof a;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this, version, script = std::move(script)] {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) return;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    ScriptedConnection c(fd, version);
    script(c);
    ::close(fd);
  });
}

void ScriptedBroker::join() {
  if (thread_.joinable()) thread_.join();
}

ScriptedBroker::~ScriptedBroker() {
  join();
  ::close(listen_fd_);
}

}  // namespace trustmq::client::testing

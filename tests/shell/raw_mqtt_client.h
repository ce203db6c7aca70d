// A blocking TCP client speaking hand-encoded MQTT 3.1.1, for socket-level tests of the shell.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trustmq::shell::testing {

struct RawPacket {
  std::uint8_t header = 0;  // first byte: type << 4 | flags
  std::vector<std::uint8_t> body;
  std::uint8_t type() const { return header >> 4; }
};

// Removes one whole MQTT packet (fixed header + remaining length) from the front of `buffer`;
// nullopt while the buffer holds less than one packet. Shared by the plain and TLS test clients.
inline std::optional<RawPacket> take_framed_packet(std::vector<std::uint8_t>& buffer) {
  std::size_t length = 0;
  std::size_t multiplier = 1;
  std::size_t i = 1;
  while (true) {
    if (i >= buffer.size() || i > 4) return std::nullopt;
    const std::uint8_t digit = buffer[i++];
    length += (digit & 0x7f) * multiplier;
    multiplier *= 128;
    if ((digit & 0x80) == 0) break;
  }
  if (buffer.size() < i + length) return std::nullopt;
  RawPacket p;
  p.header = buffer[0];
  p.body.assign(buffer.begin() + static_cast<std::ptrdiff_t>(i),
                buffer.begin() + static_cast<std::ptrdiff_t>(i + length));
  buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(i + length));
  return p;
}

inline void append_u16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v & 0xff));
}

inline void append_string(std::vector<std::uint8_t>& out, std::string_view s) {
  append_u16(out, static_cast<std::uint16_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

inline std::vector<std::uint8_t> frame(std::uint8_t header, const std::vector<std::uint8_t>& body) {
  std::vector<std::uint8_t> out{header};
  std::size_t length = body.size();
  do {
    std::uint8_t digit = length % 128;
    length /= 128;
    if (length > 0) digit |= 0x80;
    out.push_back(digit);
  } while (length > 0);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

inline std::vector<std::uint8_t> connect_packet(std::string_view client_id,
                                                std::optional<std::string> username = {},
                                                std::optional<std::string> password = {}) {
  std::vector<std::uint8_t> body;
  append_string(body, "MQTT");
  body.push_back(4);          // 3.1.1
  std::uint8_t flags = 0x02;  // clean session
  if (username) flags |= 0x80;
  if (password) flags |= 0x40;
  body.push_back(flags);
  append_u16(body, 60);
  append_string(body, client_id);
  if (username) append_string(body, *username);
  if (password) append_string(body, *password);
  return frame(0x10, body);
}

inline std::vector<std::uint8_t> subscribe_packet(std::uint16_t id, std::string_view filter,
                                                  std::uint8_t qos) {
  std::vector<std::uint8_t> body;
  append_u16(body, id);
  append_string(body, filter);
  body.push_back(qos);
  return frame(0x82, body);
}

inline std::vector<std::uint8_t> publish_packet(std::string_view topic, std::string_view payload,
                                                std::uint8_t qos = 0, std::uint16_t id = 0) {
  std::vector<std::uint8_t> body;
  append_string(body, topic);
  if (qos > 0) append_u16(body, id);
  body.insert(body.end(), payload.begin(), payload.end());
  return frame(static_cast<std::uint8_t>(0x30 | (qos << 1)), body);
}

class RawMqttClient {
 public:
  // `receive_buffer` > 0 shrinks SO_RCVBUF before connecting (a slow consumer's small window).
  explicit RawMqttClient(std::uint16_t port, int receive_buffer = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (receive_buffer > 0) {
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawMqttClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawMqttClient(const RawMqttClient&) = delete;
  RawMqttClient& operator=(const RawMqttClient&) = delete;

  bool connected() const { return connected_; }

  bool send(const std::vector<std::uint8_t>& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }

  // The next packet, or nothing on timeout, EOF or error (closed() tells which).
  std::optional<RawPacket> read_packet(int timeout_ms = 5000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
      if (auto p = take_framed_packet(buffer_)) return p;
      if (closed_) return std::nullopt;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
      if (left <= 0) return std::nullopt;
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(left)) <= 0) continue;
      std::uint8_t chunk[65536];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) {
        if (n < 0 && errno == EINTR) continue;
        closed_ = true;
        continue;
      }
      buffer_.insert(buffer_.end(), chunk, chunk + n);
    }
  }

  // Reads and discards until the broker closes the connection; false on timeout.
  bool wait_closed(int timeout_ms = 5000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!closed_ && std::chrono::steady_clock::now() < deadline) {
      read_packet(100);
      buffer_.clear();
    }
    return closed_;
  }

  bool closed() const { return closed_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::vector<std::uint8_t> buffer_;
};

}  // namespace trustmq::shell::testing

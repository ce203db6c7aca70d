// ServerTransport over a plain, non-blocking TCP socket.
#pragma once

#include "shell/server_transport.h"

namespace trustmq::shell {

class PlainTcpTransport final : public ServerTransport {
 public:
  explicit PlainTcpTransport(int fd) : fd_(fd) {}

  std::string_view kind() const override { return "tcp"; }
  IoResult read(std::span<std::uint8_t> into) override;
  IoResult write(std::span<const std::uint8_t> bytes) override;
  IoResult write_runs(std::span<const std::span<const std::uint8_t>> runs) override;

 private:
  int fd_;
};

}  // namespace trustmq::shell

// Plain TCP transport (MQTT's default port 1883).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "client/tcp_connection.h"
#include "client/transport.h"

namespace trustmq::client {

class TcpTransport final : public Transport {
 public:
  explicit TcpTransport(TcpConnection connection) : connection_(std::move(connection)) {}

  static ClientResult<std::unique_ptr<Transport>> open(const std::string& host, std::uint16_t port,
                                                       Deadline deadline);

  ClientResult<Done> write_all(mqtt::ByteView data, Deadline deadline) override;
  ClientResult<std::size_t> read_some(mqtt::Bytes& out, Deadline deadline) override;
  void close() override;
  std::string description() const override { return "tcp " + connection_.peer; }

 private:
  TcpConnection connection_;
};

}  // namespace trustmq::client

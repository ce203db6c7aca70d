// Plain TCP transport (MQTT's default port 1883).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "client/client_transport.h"
#include "client/tcp_connection.h"

namespace trustmq::client {

class TcpClientTransport final : public ClientTransport {
 public:
  explicit TcpClientTransport(TcpConnection connection) : connection_(std::move(connection)) {}

  static ClientResult<std::unique_ptr<ClientTransport>> open(const std::string& host,
                                                             std::uint16_t port, Deadline deadline);

  ClientResult<void> write_all(mqtt::ByteView data, Deadline deadline) override;
  ClientResult<std::size_t> read_some(mqtt::Bytes& out, Deadline deadline) override;
  void close() override;
  std::string description() const override { return "tcp " + connection_.peer; }

 private:
  TcpConnection connection_;
};

}  // namespace trustmq::client

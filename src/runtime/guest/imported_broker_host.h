// mqtt::BrokerHost inside the module: each call becomes one call of a "trustmq" import.
#pragma once

#include "mqtt/broker.h"

namespace trustmq::guest {

class ImportedBrokerHost final : public mqtt::BrokerHost {
 public:
  void send(mqtt::ConnectionId conn, mqtt::ByteView bytes, mqtt::SendKind kind) override;
  void close(mqtt::ConnectionId conn) override;
  void log(mqtt::LogLevel level, std::string_view text) override;
  bool authenticate(std::string_view username, mqtt::ByteView password) override;
  mqtt::EvidenceStatus produce_evidence(mqtt::ConnectionId conn, mqtt::ByteView request,
                                        bool client_authenticated, mqtt::Bytes& evidence) override;
  mqtt::ClientEvidenceStatus attest_client(mqtt::ConnectionId conn, mqtt::ClientEvidenceStep step,
                                           mqtt::ByteView input, mqtt::Bytes& output) override;
  void persist(mqtt::ByteView record) override;
};

}  // namespace trustmq::guest

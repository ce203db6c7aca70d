// A BrokerHost for tests: records everything the core asks of it.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "mqtt/broker.h"

namespace trustmq::runtime {

class RecordingBrokerHost final : public mqtt::BrokerHost {
 public:
  struct Sent {
    mqtt::ConnectionId conn;
    mqtt::Bytes bytes;
    mqtt::SendKind kind;
  };

  void send(mqtt::ConnectionId conn, mqtt::ByteView bytes, mqtt::SendKind kind) override {
    sent.push_back({conn, mqtt::Bytes(bytes.begin(), bytes.end()), kind});
  }
  void close(mqtt::ConnectionId conn) override { closed.push_back(conn); }
  void log(mqtt::LogLevel level, std::string_view text) override {
    logs.emplace_back(level, std::string(text));
  }
  bool authenticate(std::string_view username, mqtt::ByteView password) override {
    auth_calls.emplace_back(std::string(username), std::string(password.begin(), password.end()));
    return username == "alice" && std::string(password.begin(), password.end()) == "secret";
  }

  bool logged(std::string_view fragment) const {
    for (const auto& [level, text] : logs) {
      if (text.find(fragment) != std::string::npos) return true;
    }
    return false;
  }

  std::vector<Sent> sent;
  std::vector<mqtt::ConnectionId> closed;
  std::vector<std::pair<mqtt::LogLevel, std::string>> logs;
  std::vector<std::pair<std::string, std::string>> auth_calls;
};

}  // namespace trustmq::runtime

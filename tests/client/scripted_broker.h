// A fake broker for protocol corner cases real brokers do not produce on demand: it accepts one
// TCP connection on 127.0.0.1 and runs a script (in its own thread) that reads and sends
// packets with the codec, or raw bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <thread>

#include "mqtt/codec.h"
#include "mqtt/packet.h"

namespace trustmq::client::testing {

class ScriptedConnection {
 public:
  ScriptedConnection(int fd, mqtt::ProtocolVersion version) : fd_(fd), version_(version) {}
  // The next packet, or nullopt on close, error or 5 s of silence.
  std::optional<mqtt::Packet> read();
  // The bytes that arrive next, undecoded (empty on close, error or 5 s of silence): for
  // packets the codec refuses, such as a CONNECT with mosquitto's bridge bit.
  mqtt::Bytes read_raw();
  void send(const mqtt::Packet& packet);
  void send_raw(const mqtt::Bytes& bytes);

 private:
  int fd_;
  mqtt::ProtocolVersion version_;
  mqtt::Bytes buffer_;
};

class ScriptedBroker {
 public:
  using Script = std::function<void(ScriptedConnection&)>;
  // Starts listening; the script runs once a client connected (and is closed after it).
  ScriptedBroker(mqtt::ProtocolVersion version, Script script);
  ~ScriptedBroker();  // waits for the script to end

  std::uint16_t port() const { return port_; }
  void join();

 private:
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace trustmq::client::testing

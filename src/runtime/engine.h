// The one interface through which the shell drives the broker core, whichever engine runs it
// (docs/architecture.md, Layers and The life of a PUBLISH): native (linked directly), wasm-aot
// (wasm2c) or wasm-interp (wabt).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "mqtt/broker.h"
#include "mqtt/broker_config.h"

namespace trustmq::runtime {

using mqtt::ConnectionId;
using mqtt::TimeMs;

// The engines' names, as Engine::name() returns them and configuration and tools spell them.
inline constexpr std::string_view kNativeEngine = "native";
inline constexpr std::string_view kWasmAotEngine = "wasm-aot";
inline constexpr std::string_view kWasmInterpEngine = "wasm-interp";

// Thrown by an engine when the module traps (out-of-bounds access, unreachable, stack
// exhaustion, memory cap reached). The instance is unusable afterwards; the shell logs the
// kind and stops with a non-zero exit.
class EngineTrap : public std::runtime_error {
 public:
  EngineTrap(std::string kind, const std::string& detail)
      : std::runtime_error(kind + ": " + detail), kind_(std::move(kind)) {}
  const std::string& kind() const { return kind_; }

 private:
  std::string kind_;
};

class Engine {
 public:
  virtual ~Engine() = default;

  // kNativeEngine, kWasmAotEngine or kWasmInterpEngine.
  virtual std::string_view name() const = 0;
  // Lower-case hex SHA-256 of the module (.wasm bytes); for native, of the core's build.
  virtual std::string module_measurement() const = 0;

  virtual void open(ConnectionId conn, const mqtt::PeerInfo& peer, TimeMs now) = 0;

  // Received bytes go straight into the engine's memory (for Wasm: linear memory): the shell
  // asks for a buffer of up to `max_bytes`, reads into it, then commits what it read. The
  // returned span is valid until the next call into the engine.
  virtual std::span<std::uint8_t> input_buffer(std::size_t max_bytes) = 0;
  virtual void commit_input(ConnectionId conn, std::size_t length, TimeMs now) = 0;

  virtual void close(ConnectionId conn, TimeMs now) = 0;
  // Returns the next deadline at which tick() wants to run.
  virtual TimeMs tick(TimeMs now) = 0;
  // After a reload of the password and ACL files: mqtt::Broker::reload_security. Throws
  // std::runtime_error if the engine cannot apply it (a module without the export); the
  // running rules are then kept.
  virtual void reload_security(const std::optional<mqtt::AclRules>& acl, TimeMs now) = 0;

  // Gives back one stored persistence record before the first open() (mqtt::Broker::restore);
  // false if the core refused it (it logged why).
  virtual bool restore(mqtt::ByteView record, TimeMs now) = 0;
};

}  // namespace trustmq::runtime

// What the wasm-aot and wasm-interp engines share: the Engine API mapped onto the module's
// exports (docs/wasm.md), the host ABI behind its imports, measurement logging and trap
// handling. A subclass only knows how to call an export of its runtime and how to find the
// module's linear memory; every call that traps ends in stop_on_trap(), which throws
// EngineTrap and leaves the engine stopped for good.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/engine.h"
#include "runtime/host_abi.h"
#include "runtime/wasm_trap.h"

namespace trustmq::runtime {

// What memory_limit becomes at most for a module whose memory may grow to `max_memory_bytes`:
// half of it. The other half holds the core's own state (sessions, subscriptions, stored
// messages) and the host's input buffer; client input alone cannot fill the module.
std::uint64_t guest_memory_budget(std::uint64_t max_memory_bytes);

class WasmGuestEngine : public Engine {
 public:
  std::string_view name() const final { return name_; }
  std::string module_measurement() const final { return measurement_; }

  void open(ConnectionId conn, const mqtt::PeerInfo& peer, TimeMs now) final;
  std::span<std::uint8_t> input_buffer(std::size_t max_bytes) final;
  void commit_input(ConnectionId conn, std::size_t length, TimeMs now) final;
  void close(ConnectionId conn, TimeMs now) final;
  TimeMs tick(TimeMs now) final;
  void reload_security(const std::optional<mqtt::AclRules>& acl, TimeMs now) final;
  bool restore(mqtt::ByteView record, TimeMs now) final;

 protected:
  // Logs "<name> engine: module sha256 <measurement>" before anything of the module runs.
  WasmGuestEngine(std::string name, std::string measurement, mqtt::BrokerHost& host);

  // Runs `_initialize` and `init(config)`. Subclasses call it at the end of their constructor,
  // once the instance exists. The core's memory_limit is lowered to what the module's memory
  // can hold (guest_memory_budget), so that no client input can make the module trap.
  void start(mqtt::BrokerConfig config, TimeMs now);

  // Calls of the module's exports. Each returns normally or calls stop_on_trap().
  virtual void guest_initialize() = 0;
  virtual std::uint32_t guest_input_buffer(std::uint32_t size) = 0;
  virtual std::uint32_t guest_init(std::uint32_t ptr, std::uint32_t length, TimeMs now) = 0;
  virtual void guest_on_open(std::uint32_t conn, std::uint32_t ptr, std::uint32_t length,
                             TimeMs now) = 0;
  virtual void guest_on_data(std::uint32_t conn, std::uint32_t ptr, std::uint32_t length,
                             TimeMs now) = 0;
  virtual void guest_on_close(std::uint32_t conn, TimeMs now) = 0;
  virtual TimeMs guest_on_tick(TimeMs now) = 0;
  // Whether the module has the export reload_security (older modules do not), and the call.
  virtual bool guest_has_reload_security() = 0;
  virtual std::uint32_t guest_reload_security(std::uint32_t ptr, std::uint32_t length,
                                              TimeMs now) = 0;
  virtual bool guest_restore(std::uint32_t ptr, std::uint32_t length, TimeMs now) = 0;
  // The module's linear memory now (re-read after every guest call).
  virtual GuestMemory guest_memory() = 0;
  // The most the module's linear memory may grow to, in bytes.
  virtual std::uint64_t guest_max_memory_bytes() = 0;

  // The runtime reported a trap of `kind`; if the host ABI raised it, its reason wins. Logs,
  // marks the engine stopped and throws EngineTrap.
  [[noreturn]] void stop_on_trap(WasmTrapKind kind, const std::string& detail);

  HostAbi& abi() { return abi_; }

 private:
  void check_running() const;
  // Copies `bytes` into the module's input buffer and returns its guest address.
  std::uint32_t place_in_guest(std::span<const std::uint8_t> bytes);

  std::string name_;
  std::string measurement_;
  HostAbi abi_;
  bool stopped_ = false;
  std::uint32_t input_ptr_ = 0;
  std::uint32_t input_capacity_ = 0;
};

}  // namespace trustmq::runtime

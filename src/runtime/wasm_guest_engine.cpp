#include "runtime/wasm_guest_engine.h"

#include <cstring>
#include <limits>
#include <stdexcept>

#include "runtime/broker_config_codec.h"
#include "runtime/peer_info_codec.h"

namespace trustmq::runtime {

std::uint64_t guest_memory_budget(std::uint64_t max_memory_bytes) { return max_memory_bytes / 2; }

WasmGuestEngine::WasmGuestEngine(std::string name, std::string measurement, mqtt::BrokerHost& host)
    : name_(std::move(name)), measurement_(std::move(measurement)), abi_(host) {
  host.log(mqtt::LogLevel::kNotice, name_ + " engine: module sha256 " + measurement_);
}

void WasmGuestEngine::start(mqtt::BrokerConfig config, TimeMs now) {
  const std::uint64_t budget = guest_memory_budget(guest_max_memory_bytes());
  if (config.memory_limit == 0 || config.memory_limit > budget) {
    abi_.host().log(mqtt::LogLevel::kNotice,
                    name_ + " engine: buffered client input limited to " +
                        std::to_string(budget >> 20) + " MiB (memory_limit" +
                        (config.memory_limit == 0 ? " unset" : " larger") +
                        "; half of the module's " + std::to_string(guest_max_memory_bytes() >> 20) +
                        " MiB memory)");
    config.memory_limit = budget;
  }
  config.module_measurement = measurement_;  // the core publishes what it runs as ($SYS)
  guest_initialize();
  const mqtt::Bytes encoded = encode_broker_config(config);
  const std::uint32_t ptr = place_in_guest(encoded);
  if (guest_init(ptr, static_cast<std::uint32_t>(encoded.size()), now) != 0) {
    stopped_ = true;
    throw std::runtime_error(name_ + " engine: the module rejected the broker configuration");
  }
}

void WasmGuestEngine::check_running() const {
  if (stopped_) throw EngineTrap("stopped", name_ + " engine: the module trapped earlier");
}

void WasmGuestEngine::stop_on_trap(WasmTrapKind kind, const std::string& detail) {
  stopped_ = true;
  input_capacity_ = 0;
  if (const auto& raised = abi_.raised_trap()) {
    // HostAbi logged it when it raised it.
    throw EngineTrap(std::string(wasm_trap_kind_name(raised->kind)), raised->detail);
  }
  const std::string kind_name(wasm_trap_kind_name(kind));
  abi_.host().log(mqtt::LogLevel::kError,
                  name_ + " engine: wasm trap (" + kind_name + "): " + detail);
  throw EngineTrap(kind_name, detail);
}

std::uint32_t WasmGuestEngine::place_in_guest(std::span<const std::uint8_t> bytes) {
  auto buffer = input_buffer(bytes.size());
  if (!bytes.empty()) std::memcpy(buffer.data(), bytes.data(), bytes.size());
  return input_ptr_;
}

std::span<std::uint8_t> WasmGuestEngine::input_buffer(std::size_t max_bytes) {
  check_running();
  if (max_bytes > std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error(name_ + " engine: input buffer larger than 4 GiB requested");
  }
  const auto size = static_cast<std::uint32_t>(max_bytes);
  if (size > input_capacity_ || input_capacity_ == 0) {
    input_ptr_ = guest_input_buffer(size);
    input_capacity_ = size;
  }
  auto range = guest_range(guest_memory(), input_ptr_, size);
  if (!range || input_ptr_ == 0) {
    stopped_ = true;
    input_capacity_ = 0;
    const std::string detail =
        "input_buffer returned an invalid buffer (ptr=" + std::to_string(input_ptr_) +
        ", len=" + std::to_string(size) + ")";
    abi_.host().log(mqtt::LogLevel::kError, name_ + " engine: " + detail);
    throw EngineTrap(std::string(wasm_trap_kind_name(WasmTrapKind::kAbiViolation)), detail);
  }
  return *range;
}

void WasmGuestEngine::commit_input(ConnectionId conn, std::size_t length, TimeMs now) {
  check_running();
  if (length > input_capacity_) {
    throw std::out_of_range(name_ + " engine: commit_input beyond the input buffer");
  }
  guest_on_data(conn, input_ptr_, static_cast<std::uint32_t>(length), now);
}

void WasmGuestEngine::open(ConnectionId conn, const mqtt::PeerInfo& peer, TimeMs now) {
  check_running();
  const mqtt::Bytes encoded = encode_peer_info(peer);
  const std::uint32_t ptr = place_in_guest(encoded);
  guest_on_open(conn, ptr, static_cast<std::uint32_t>(encoded.size()), now);
}

void WasmGuestEngine::close(ConnectionId conn, TimeMs now) {
  check_running();
  guest_on_close(conn, now);
}

TimeMs WasmGuestEngine::tick(TimeMs now) {
  check_running();
  return guest_on_tick(now);
}

void WasmGuestEngine::reload_security(const std::optional<mqtt::AclRules>& acl, TimeMs now) {
  check_running();
  if (!guest_has_reload_security()) {
    throw std::runtime_error(name_ + " engine: the module has no export reload_security");
  }
  mqtt::BrokerConfig config;  // the export reads only the ACL of it
  config.acl = acl;
  const mqtt::Bytes encoded = encode_broker_config(config);
  const std::uint32_t ptr = place_in_guest(encoded);
  if (guest_reload_security(ptr, static_cast<std::uint32_t>(encoded.size()), now) != 0) {
    throw std::runtime_error(name_ + " engine: the module rejected the reloaded ACL");
  }
}

bool WasmGuestEngine::restore(mqtt::ByteView record, TimeMs now) {
  check_running();
  const std::uint32_t ptr = place_in_guest(record);
  return guest_restore(ptr, static_cast<std::uint32_t>(record.size()), now);
}

}  // namespace trustmq::runtime

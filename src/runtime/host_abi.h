// The host side of the Wasm ABI (docs/wasm.md), shared by the wasm-aot and wasm-interp
// engines: the "trustmq" imports and the few WASI preview 1 functions libc needs. Every
// pointer/length from the module is checked with guest_range() before it is used. A call that
// returns false must trap the instance; raised_trap() then says why.
#pragma once

#include <cstdint>
#include <optional>

#include "mqtt/broker.h"
#include "runtime/guest_memory_range.h"
#include "runtime/wasm_trap.h"

namespace trustmq::runtime {

// WASI preview 1 errno values used here.
inline constexpr std::uint32_t kWasiSuccess = 0;
inline constexpr std::uint32_t kWasiBadFileDescriptor = 8;
inline constexpr std::uint32_t kWasiInvalidArgument = 28;
inline constexpr std::uint32_t kWasiIllegalSeek = 70;

class HostAbi {
 public:
  explicit HostAbi(mqtt::BrokerHost& host) : host_(host) {}

  // --- module "trustmq" ---
  bool send(GuestMemory memory, std::uint32_t conn, std::uint32_t ptr, std::uint32_t length,
            std::uint32_t kind);
  bool close(std::uint32_t conn);
  bool log(GuestMemory memory, std::uint32_t level, std::uint32_t ptr, std::uint32_t length);
  bool authenticate(GuestMemory memory, std::uint32_t username_ptr, std::uint32_t username_length,
                    std::uint32_t password_ptr, std::uint32_t password_length,
                    std::uint32_t& allowed);
  // Evidence for `conn` answering the request at (request_ptr, request_length), written to
  // (out_ptr, capacity) with its length stored at length_ptr; `status` gets the
  // mqtt::EvidenceStatus. `authenticated` must be 0 or 1.
  bool produce_evidence(GuestMemory memory, std::uint32_t conn, std::uint32_t request_ptr,
                        std::uint32_t request_length, std::uint32_t authenticated,
                        std::uint32_t out_ptr, std::uint32_t capacity, std::uint32_t length_ptr,
                        std::uint32_t& status);
  // Client evidence step `step` (an mqtt::ClientEvidenceStep, checked) for `conn` with the
  // input at (input_ptr, input_length); the host's output is written to (out_ptr, capacity)
  // with its length stored at length_ptr; `status` gets the mqtt::ClientEvidenceStatus.
  bool attest_client(GuestMemory memory, std::uint32_t conn, std::uint32_t step,
                     std::uint32_t input_ptr, std::uint32_t input_length, std::uint32_t out_ptr,
                     std::uint32_t capacity, std::uint32_t length_ptr, std::uint32_t& status);
  bool persist(GuestMemory memory, std::uint32_t ptr, std::uint32_t length);
  // The module reports an unrecoverable condition; always returns false (trap).
  bool fatal(GuestMemory memory, std::uint32_t ptr, std::uint32_t length);

  // --- module "wasi_snapshot_preview1" (the subset libc uses); `error` gets the WASI errno ---
  bool fd_write(GuestMemory memory, std::uint32_t fd, std::uint32_t iovs, std::uint32_t iovs_count,
                std::uint32_t written_ptr, std::uint32_t& error);
  bool fd_close(std::uint32_t fd, std::uint32_t& error);
  bool fd_seek(std::uint32_t fd, std::uint32_t result_ptr, std::uint32_t& error);
  bool fd_fdstat_get(GuestMemory memory, std::uint32_t fd, std::uint32_t stat_ptr,
                     std::uint32_t& error);
  bool clock_time_get(GuestMemory memory, std::uint32_t clock_id, std::uint32_t time_ptr,
                      std::uint32_t& error);
  bool random_get(GuestMemory memory, std::uint32_t ptr, std::uint32_t length,
                  std::uint32_t& error);
  // environ_* and args_*: the module gets an empty environment and no arguments.
  bool sizes_get_empty(GuestMemory memory, std::uint32_t count_ptr, std::uint32_t size_ptr,
                       std::uint32_t& error);
  // Always returns false (trap of kind exit).
  bool proc_exit(std::uint32_t code);

  // The host failed (threw) while serving an import; always returns false (trap).
  bool host_error(const char* what);

  // Why the last call that returned false wants the instance to trap.
  const std::optional<HostRaisedTrap>& raised_trap() const { return raised_; }

  mqtt::BrokerHost& host() { return host_; }

 private:
  bool raise(WasmTrapKind kind, std::string detail);
  bool bad_range(const char* function, const char* what, GuestMemory memory, std::uint32_t ptr,
                 std::uint32_t length);
  bool store_u32(GuestMemory memory, const char* function, std::uint32_t ptr, std::uint32_t value);

  mqtt::BrokerHost& host_;
  std::optional<HostRaisedTrap> raised_;
};

}  // namespace trustmq::runtime

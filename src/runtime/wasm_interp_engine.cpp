#include "runtime/wasm_interp_engine.h"

#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/module_measurement.h"
#include "runtime/wabt_interpreter.h"
#include "runtime/wasm_guest_engine.h"

namespace trustmq::runtime {
namespace {

WasmTrapKind trap_kind(const std::string& message) {
  auto has = [&](const char* s) { return message.find(s) != std::string::npos; };
  if (has("out of bounds")) return WasmTrapKind::kOutOfBounds;
  if (has("unreachable")) return WasmTrapKind::kUnreachable;
  if (has("stack exhausted")) return WasmTrapKind::kStackExhaustion;
  if (has("divide by zero")) return WasmTrapKind::kDivisionByZero;
  if (has("integer overflow")) return WasmTrapKind::kIntegerOverflow;
  if (has("invalid conversion")) return WasmTrapKind::kInvalidConversion;
  if (has("indirect call") || has("table element")) return WasmTrapKind::kIndirectCall;
  return WasmTrapKind::kOther;
}

std::uint32_t arg32(const std::uint64_t* args, int i) {
  return static_cast<std::uint32_t>(args[i]);
}

class WasmInterpEngine final : public WasmGuestEngine {
 public:
  WasmInterpEngine(const std::vector<std::uint8_t>& bytes, std::string measurement,
                   const std::string& path, const mqtt::BrokerConfig& config,
                   mqtt::BrokerHost& host, TimeMs now, WasmLimits limits)
      : WasmGuestEngine(std::string(kWasmInterpEngine), std::move(measurement), host) {
    try {
      interpreter_ = std::make_unique<WabtInterpreter>(
          bytes, path, capped_memory_pages(65536, limits), host_imports());
      initialize_ = interpreter_->find_function("_initialize", "", "");
      input_buffer_ = interpreter_->find_function("input_buffer", "i", "i");
      init_ = interpreter_->find_function("init", "iiI", "i");
      on_open_ = interpreter_->find_function("on_open", "iiiI", "");
      on_data_ = interpreter_->find_function("on_data", "iiiI", "");
      on_close_ = interpreter_->find_function("on_close", "iI", "");
      on_tick_ = interpreter_->find_function("on_tick", "I", "I");
      restore_ = interpreter_->find_function("restore", "iiI", "i");
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(std::string("wasm-interp engine: ") + e.what());
    }
    try {
      reload_security_ = interpreter_->find_function("reload_security", "iiI", "i");
    } catch (const std::runtime_error&) {
      // An older module: reload_security() says so when a reload needs it.
    }
    start(config, now);
  }

 protected:
  void guest_initialize() override { call(initialize_, {}, "_initialize"); }
  std::uint32_t guest_input_buffer(std::uint32_t size) override {
    return static_cast<std::uint32_t>(call(input_buffer_, {size}, "input_buffer"));
  }
  std::uint32_t guest_init(std::uint32_t ptr, std::uint32_t length, TimeMs now) override {
    return static_cast<std::uint32_t>(call(init_, {ptr, length, now}, "init"));
  }
  void guest_on_open(std::uint32_t conn, std::uint32_t ptr, std::uint32_t length,
                     TimeMs now) override {
    call(on_open_, {conn, ptr, length, now}, "on_open");
  }
  void guest_on_data(std::uint32_t conn, std::uint32_t ptr, std::uint32_t length,
                     TimeMs now) override {
    call(on_data_, {conn, ptr, length, now}, "on_data");
  }
  void guest_on_close(std::uint32_t conn, TimeMs now) override {
    call(on_close_, {conn, now}, "on_close");
  }
  TimeMs guest_on_tick(TimeMs now) override { return call(on_tick_, {now}, "on_tick"); }
  bool guest_has_reload_security() override { return reload_security_.has_value(); }
  std::uint32_t guest_reload_security(std::uint32_t ptr, std::uint32_t length,
                                      TimeMs now) override {
    return static_cast<std::uint32_t>(
        call(*reload_security_, {ptr, length, now}, "reload_security"));
  }
  bool guest_restore(std::uint32_t ptr, std::uint32_t length, TimeMs now) override {
    return call(restore_, {ptr, length, now}, "restore") != 0;
  }
  GuestMemory guest_memory() override {
    if (!interpreter_) return {};
    return {interpreter_->memory_data(), interpreter_->memory_size()};
  }
  std::uint64_t guest_max_memory_bytes() override { return interpreter_->memory_max_size(); }

 private:
  // Runs an export; returns its result (0 if it has none).
  std::uint64_t call(std::size_t function, const std::vector<std::uint64_t>& args,
                     const char* export_name) {
    std::string trap_message;
    results_.clear();
    if (!interpreter_->call(function, args, results_, trap_message)) {
      stop_on_trap(trap_kind(trap_message), trap_message + " in export " + export_name);
    }
    return results_.empty() ? 0 : results_[0];
  }

  // One import: serves it through the HostAbi; an exception from the host becomes a trap.
  template <typename Body>
  WabtHostImport import(const char* module, const char* name, const char* params,
                        const char* results, Body body) {
    return {module, name, params, results,
            [this, body](const std::uint64_t* args, std::uint64_t* outs) {
              try {
                return body(abi(), guest_memory(), args, outs);
              } catch (const std::exception& e) {
                return abi().host_error(e.what());
              }
            }};
  }

  // WASI functions returning an errno.
  template <typename Body>
  WabtHostImport wasi(const char* name, const char* params, Body body) {
    return import("wasi_snapshot_preview1", name, params, "i",
                  [body](HostAbi& abi, GuestMemory m, const std::uint64_t* a, std::uint64_t* out) {
                    std::uint32_t error = 0;
                    if (!body(abi, m, a, error)) return false;
                    out[0] = error;
                    return true;
                  });
  }

  std::vector<WabtHostImport> host_imports() {
    using A = const std::uint64_t*;
    using E = std::uint32_t&;
    return {
        import("trustmq", "send", "iiii", "",
               [](HostAbi& abi, GuestMemory m, A a, std::uint64_t*) {
                 return abi.send(m, arg32(a, 0), arg32(a, 1), arg32(a, 2), arg32(a, 3));
               }),
        import(
            "trustmq", "close", "i", "",
            [](HostAbi& abi, GuestMemory, A a, std::uint64_t*) { return abi.close(arg32(a, 0)); }),
        import("trustmq", "log", "iii", "",
               [](HostAbi& abi, GuestMemory m, A a, std::uint64_t*) {
                 return abi.log(m, arg32(a, 0), arg32(a, 1), arg32(a, 2));
               }),
        import("trustmq", "authenticate", "iiii", "i",
               [](HostAbi& abi, GuestMemory m, A a, std::uint64_t* out) {
                 std::uint32_t allowed = 0;
                 if (!abi.authenticate(m, arg32(a, 0), arg32(a, 1), arg32(a, 2), arg32(a, 3),
                                       allowed)) {
                   return false;
                 }
                 out[0] = allowed;
                 return true;
               }),
        import("trustmq", "produce_evidence", "iiiiiii", "i",
               [](HostAbi& abi, GuestMemory m, A a, std::uint64_t* out) {
                 std::uint32_t status = 0;
                 if (!abi.produce_evidence(m, arg32(a, 0), arg32(a, 1), arg32(a, 2), arg32(a, 3),
                                           arg32(a, 4), arg32(a, 5), arg32(a, 6), status)) {
                   return false;
                 }
                 out[0] = status;
                 return true;
               }),
        import("trustmq", "attest_client", "iiiiiii", "i",
               [](HostAbi& abi, GuestMemory m, A a, std::uint64_t* out) {
                 std::uint32_t status = 0;
                 if (!abi.attest_client(m, arg32(a, 0), arg32(a, 1), arg32(a, 2), arg32(a, 3),
                                        arg32(a, 4), arg32(a, 5), arg32(a, 6), status)) {
                   return false;
                 }
                 out[0] = status;
                 return true;
               }),
        import("trustmq", "persist", "ii", "",
               [](HostAbi& abi, GuestMemory m, A a, std::uint64_t*) {
                 return abi.persist(m, arg32(a, 0), arg32(a, 1));
               }),
        import("trustmq", "fatal", "ii", "",
               [](HostAbi& abi, GuestMemory m, A a, std::uint64_t*) {
                 return abi.fatal(m, arg32(a, 0), arg32(a, 1));
               }),
        wasi("fd_write", "iiii",
             [](HostAbi& abi, GuestMemory m, A a, E e) {
               return abi.fd_write(m, arg32(a, 0), arg32(a, 1), arg32(a, 2), arg32(a, 3), e);
             }),
        wasi("fd_close", "i",
             [](HostAbi& abi, GuestMemory, A a, E e) { return abi.fd_close(arg32(a, 0), e); }),
        wasi("fd_seek", "iIii",
             [](HostAbi& abi, GuestMemory, A a, E e) {
               return abi.fd_seek(arg32(a, 0), arg32(a, 3), e);
             }),
        wasi("fd_fdstat_get", "ii",
             [](HostAbi& abi, GuestMemory m, A a, E e) {
               return abi.fd_fdstat_get(m, arg32(a, 0), arg32(a, 1), e);
             }),
        wasi("clock_time_get", "iIi",
             [](HostAbi& abi, GuestMemory m, A a, E e) {
               return abi.clock_time_get(m, arg32(a, 0), arg32(a, 2), e);
             }),
        wasi("random_get", "ii",
             [](HostAbi& abi, GuestMemory m, A a, E e) {
               return abi.random_get(m, arg32(a, 0), arg32(a, 1), e);
             }),
        wasi("environ_sizes_get", "ii",
             [](HostAbi& abi, GuestMemory m, A a, E e) {
               return abi.sizes_get_empty(m, arg32(a, 0), arg32(a, 1), e);
             }),
        wasi("environ_get", "ii",
             [](HostAbi&, GuestMemory, A, E e) {
               e = kWasiSuccess;  // the environment is empty: nothing to write
               return true;
             }),
        wasi("args_sizes_get", "ii",
             [](HostAbi& abi, GuestMemory m, A a, E e) {
               return abi.sizes_get_empty(m, arg32(a, 0), arg32(a, 1), e);
             }),
        wasi("args_get", "ii",
             [](HostAbi&, GuestMemory, A, E e) {
               e = kWasiSuccess;
               return true;
             }),
        import("wasi_snapshot_preview1", "proc_exit", "i", "",
               [](HostAbi& abi, GuestMemory, A a, std::uint64_t*) {
                 return abi.proc_exit(arg32(a, 0));
               }),
    };
  }

  std::unique_ptr<WabtInterpreter> interpreter_;
  std::vector<std::uint64_t> results_;
  std::size_t initialize_ = 0, input_buffer_ = 0, init_ = 0, on_open_ = 0, on_data_ = 0,
              on_close_ = 0, on_tick_ = 0, restore_ = 0;
  std::optional<std::size_t> reload_security_;
};

}  // namespace

std::unique_ptr<Engine> make_wasm_interp_engine(const std::string& module_path,
                                                const mqtt::BrokerConfig& config,
                                                mqtt::BrokerHost& host, TimeMs now,
                                                WasmLimits limits) {
  const std::vector<std::uint8_t> bytes = read_module_file(module_path);
  std::string measurement = measure_module(bytes);
  return std::make_unique<WasmInterpEngine>(bytes, std::move(measurement), module_path, config,
                                            host, now, limits);
}

}  // namespace trustmq::runtime

#include "runtime/wasm_aot_engine.h"

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "runtime/wasm_aot_host_context.h"
#include "runtime/wasm_guest_engine.h"

namespace trustmq::runtime {
namespace {

WasmTrapKind trap_kind(wasm_rt_trap_t trap) {
  switch (trap) {
    case WASM_RT_TRAP_OOB:
      return WasmTrapKind::kOutOfBounds;
    case WASM_RT_TRAP_INT_OVERFLOW:
      return WasmTrapKind::kIntegerOverflow;
    case WASM_RT_TRAP_DIV_BY_ZERO:
      return WasmTrapKind::kDivisionByZero;
    case WASM_RT_TRAP_INVALID_CONVERSION:
      return WasmTrapKind::kInvalidConversion;
    case WASM_RT_TRAP_UNREACHABLE:
      return WasmTrapKind::kUnreachable;
    case WASM_RT_TRAP_CALL_INDIRECT:
      return WasmTrapKind::kIndirectCall;
#if !WASM_RT_MERGED_OOB_AND_EXHAUSTION_TRAPS
    case WASM_RT_TRAP_EXHAUSTION:
      return WasmTrapKind::kStackExhaustion;
#endif
    default:
      return WasmTrapKind::kOther;
  }
}

// Owns the memory of one wasm2c instance and frees it (and its linear memory) on scope exit,
// also when the engine's constructor throws half-way.
class AotInstance {
 public:
  explicit AotInstance(const WasmAotModule& module)
      : module_(module), storage_(std::calloc(1, module.instance_size)) {
    if (storage_ == nullptr) throw std::bad_alloc();
  }
  ~AotInstance() {
    if (instantiated_) module_.free_instance(storage_);
    std::free(storage_);
  }
  AotInstance(const AotInstance&) = delete;
  AotInstance& operator=(const AotInstance&) = delete;

  void instantiate(Z_trustmq_instance_t* trustmq, Z_wasi_snapshot_preview1_instance_t* wasi) {
    module_.instantiate(storage_, trustmq, wasi);
    instantiated_ = true;
  }
  void* get() const { return storage_; }

 private:
  const WasmAotModule& module_;
  void* storage_;
  bool instantiated_ = false;
};

class WasmAotEngine final : public WasmGuestEngine {
 public:
  WasmAotEngine(const WasmAotModule& module, const mqtt::BrokerConfig& config,
                mqtt::BrokerHost& host, TimeMs now, WasmLimits limits)
      : WasmGuestEngine(std::string(kWasmAotEngine), module.measurement, host),
        module_(module),
        instance_(module_) {
    for (const auto* missing :
         {module.initialize ? nullptr : "_initialize",
          module.input_buffer ? nullptr : "input_buffer", module.init ? nullptr : "init",
          module.on_open ? nullptr : "on_open", module.on_data ? nullptr : "on_data",
          module.on_close ? nullptr : "on_close", module.on_tick ? nullptr : "on_tick",
          module.restore ? nullptr : "restore"}) {
      if (missing != nullptr) {
        throw std::runtime_error(std::string("wasm-aot engine: module ") + module.name +
                                 " lacks the export " + missing);
      }
    }
    if (!wasm_rt_is_initialized()) wasm_rt_init();
    module_.init_module();
    context_.abi = &abi();
    trustmq_imports_.context = &context_;
    wasi_imports_.context = &context_;
    instance_.instantiate(&trustmq_imports_, &wasi_imports_);
    context_.memory = module_.memory(instance_.get());
    const std::uint64_t max_pages = capped_memory_pages(context_.memory->max_pages, limits);
    if (context_.memory->pages > max_pages) {
      throw std::runtime_error("wasm-aot engine: the module's initial memory exceeds the limit");
    }
    context_.memory->max_pages = static_cast<std::uint32_t>(max_pages);
    start(config, now);
  }

 protected:
  void guest_initialize() override {
    check(wasm_aot_call_initialize(&module_, instance_.get()), "_initialize");
  }
  std::uint32_t guest_input_buffer(std::uint32_t size) override {
    std::uint32_t result = 0;
    check(wasm_aot_call_input_buffer(&module_, instance_.get(), size, &result), "input_buffer");
    return result;
  }
  std::uint32_t guest_init(std::uint32_t ptr, std::uint32_t length, TimeMs now) override {
    std::uint32_t result = 0;
    check(wasm_aot_call_init(&module_, instance_.get(), ptr, length, now, &result), "init");
    return result;
  }
  void guest_on_open(std::uint32_t conn, std::uint32_t ptr, std::uint32_t length,
                     TimeMs now) override {
    check(wasm_aot_call_on_open(&module_, instance_.get(), conn, ptr, length, now), "on_open");
  }
  void guest_on_data(std::uint32_t conn, std::uint32_t ptr, std::uint32_t length,
                     TimeMs now) override {
    check(wasm_aot_call_on_data(&module_, instance_.get(), conn, ptr, length, now), "on_data");
  }
  void guest_on_close(std::uint32_t conn, TimeMs now) override {
    check(wasm_aot_call_on_close(&module_, instance_.get(), conn, now), "on_close");
  }
  TimeMs guest_on_tick(TimeMs now) override {
    std::uint64_t result = 0;
    check(wasm_aot_call_on_tick(&module_, instance_.get(), now, &result), "on_tick");
    return result;
  }
  bool guest_has_reload_security() override { return module_.reload_security != nullptr; }
  std::uint32_t guest_reload_security(std::uint32_t ptr, std::uint32_t length,
                                      TimeMs now) override {
    std::uint32_t result = 0;
    check(wasm_aot_call_reload_security(&module_, instance_.get(), ptr, length, now, &result),
          "reload_security");
    return result;
  }
  bool guest_restore(std::uint32_t ptr, std::uint32_t length, TimeMs now) override {
    std::uint32_t result = 0;
    check(wasm_aot_call_restore(&module_, instance_.get(), ptr, length, now, &result), "restore");
    return result != 0;
  }
  GuestMemory guest_memory() override { return context_.guest_memory(); }
  std::uint64_t guest_max_memory_bytes() override {
    return static_cast<std::uint64_t>(context_.memory->max_pages) * 65536;
  }

 private:
  void check(wasm_rt_trap_t trap, const char* export_name) {
    if (trap == WASM_RT_TRAP_NONE) return;
    stop_on_trap(trap_kind(trap),
                 std::string(wasm_rt_strerror(trap)) + " in export " + export_name);
  }

  const WasmAotModule& module_;
  AotInstance instance_;
  WasmAotHostContext context_;
  Z_trustmq_instance_t trustmq_imports_{};
  Z_wasi_snapshot_preview1_instance_t wasi_imports_{};
};

}  // namespace

std::unique_ptr<Engine> make_wasm_aot_engine(const WasmAotModule& module,
                                             const mqtt::BrokerConfig& config,
                                             mqtt::BrokerHost& host, TimeMs now,
                                             WasmLimits limits) {
  return std::make_unique<WasmAotEngine>(module, config, host, now, limits);
}

}  // namespace trustmq::runtime

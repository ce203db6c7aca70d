#include "runtime/engine_factory.h"

#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "runtime/module_measurement.h"
#include "runtime/native_engine.h"

#if TRUSTMQ_WASM_ENGINES
#include "runtime/wasm_aot_engine.h"
#include "runtime/wasm_interp_engine.h"
#endif

namespace trustmq::runtime {

bool wasm_engines_built() { return TRUSTMQ_WASM_ENGINES != 0; }

std::string default_module_path() {
#if TRUSTMQ_WASM_ENGINES
  // TRUSTMQ_INSTALLED_CORE_WASM_RELPATH: from the installed executables' directory (sbin, bin)
  // to the installed module, e.g. "../share/trustmq/trustmq-core.wasm" — relative, so an
  // install under any prefix (or a package unpacked into a scratch root) finds its own module.
  std::error_code error;
  const std::filesystem::path executable = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    const std::filesystem::path installed =
        (executable.parent_path() / TRUSTMQ_INSTALLED_CORE_WASM_RELPATH).lexically_normal();
    if (std::filesystem::is_regular_file(installed, error)) return installed.string();
  }
  return TRUSTMQ_CORE_WASM_PATH;
#else
  return {};
#endif
}

std::unique_ptr<Engine> make_engine(std::string_view name, const std::string& module_path,
                                    const mqtt::BrokerConfig& config, mqtt::BrokerHost& host,
                                    TimeMs now, WasmLimits limits) {
  if (name == kNativeEngine) return make_native_engine(config, host, now);
  if (name != kWasmAotEngine && name != kWasmInterpEngine) {
    throw std::invalid_argument("unknown engine '" + std::string(name) +
                                "' (native, wasm-aot, wasm-interp)");
  }
#if TRUSTMQ_WASM_ENGINES
  if (name == kWasmAotEngine) {
    const WasmAotModule& module = aot_core_module();
    if (!module_path.empty()) {
      const std::string measurement = measure_module(read_module_file(module_path));
      if (measurement != module.measurement) {
        throw std::invalid_argument("wasm-aot runs the module translated at build time (sha256 " +
                                    std::string(module.measurement) + "); " + module_path +
                                    " has sha256 " + measurement + " — use wasm-interp for it");
      }
    }
    return make_wasm_aot_engine(module, config, host, now, limits);
  }
  return make_wasm_interp_engine(module_path.empty() ? default_module_path() : module_path, config,
                                 host, now, limits);
#else
  (void)module_path;
  (void)limits;
  throw std::invalid_argument("engine '" + std::string(name) +
                              "' is not built (configure with -DTRUSTMQ_WASM=ON)");
#endif
}

}  // namespace trustmq::runtime

#include "shell/engine_selection.h"

#include <filesystem>
#include <system_error>

#include "runtime/engine.h"
#include "runtime/engine_factory.h"
#include "runtime/native_engine.h"
#include "shell/config_file.h"

namespace trustmq::shell {

std::vector<std::string_view> built_engine_names() {
  if (runtime::wasm_engines_built()) {
    return {runtime::kNativeEngine, runtime::kWasmAotEngine, runtime::kWasmInterpEngine};
  }
  return {runtime::kNativeEngine};
}

bool is_engine_built(std::string_view name) {
  for (const auto built : built_engine_names()) {
    if (built == name) return true;
  }
  return false;
}

std::string module_for_engine(std::string_view name, const std::string& configured) {
  if (!configured.empty() || name == runtime::kNativeEngine || !is_engine_built(name))
    return configured;
  std::string module = runtime::default_module_path();
  std::error_code error;
  if (name == runtime::kWasmAotEngine && !std::filesystem::is_regular_file(module, error))
    return {};
  return module;
}

std::unique_ptr<runtime::Engine> make_engine(std::string_view name, const std::string& module,
                                             const mqtt::BrokerConfig& config,
                                             mqtt::BrokerHost& host, mqtt::TimeMs now,
                                             std::uint32_t wasm_max_memory_mb) {
  if (!is_known_engine_name(name)) {
    throw EngineUnavailable("unknown engine '" + std::string(name) +
                            "' (expected native, wasm-aot or wasm-interp)");
  }
  if (name == runtime::kNativeEngine) {
    if (!module.empty()) {
      host.log(mqtt::LogLevel::kWarning,
               "module '" + module + "' ignored: engine native runs the core built in");
    }
    return runtime::make_native_engine(config, host, now);
  }
  if (!is_engine_built(name)) {
    throw EngineUnavailable("engine " + std::string(name) + " is not built in this binary");
  }
  return runtime::make_engine(name, module, config, host, now,
                              runtime::WasmLimits{wasm_max_memory_mb});
}

}  // namespace trustmq::shell

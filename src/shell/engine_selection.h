// Creates the engine named by `--engine` / the `engine` option. Adding an engine is one line in
// engine_selection.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mqtt/broker.h"
#include "runtime/engine.h"

namespace trustmq::shell {

class EngineUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The engines this binary contains, in order of preference.
std::vector<std::string_view> built_engine_names();

// Whether this binary contains the engine `name` ("native", "wasm-aot", "wasm-interp").
bool is_engine_built(std::string_view name);

// The module file the engine `name` runs, for the log and for wasm-aot's check: `configured`
// (the `module` option) if set; else, for the wasm engines, runtime::default_module_path() —
// for wasm-aot only when that file exists (its module is compiled in; an existing file must
// then be that very module). Empty for native, or wasm-aot without a file to compare.
std::string module_for_engine(std::string_view name, const std::string& configured);

// Throws EngineUnavailable for an unknown engine or one this build lacks ("engine wasm-aot is
// not built in this binary").
std::unique_ptr<runtime::Engine> make_engine(std::string_view name, const std::string& module,
                                             const mqtt::BrokerConfig& config,
                                             mqtt::BrokerHost& host, mqtt::TimeMs now,
                                             std::uint32_t wasm_max_memory_mb = 0);

}  // namespace trustmq::shell

// Creates the engine the shell was asked for (--engine / config option `engine`).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "runtime/engine.h"
#include "runtime/wasm_limits.h"

namespace trustmq::runtime {

// Whether this build contains the wasm-aot and wasm-interp engines (TRUSTMQ_WASM=ON).
bool wasm_engines_built();

// The core module that goes with this binary, the default of the wasm engines: the installed
// one, <prefix>/share/trustmq/trustmq-core.wasm found relative to the running executable
// (cmake --install, the Debian package), when it exists; otherwise the one built with this tree
// (<build>/src/runtime/trustmq-core.wasm). Empty when the wasm engines are not built.
std::string default_module_path();

// `name` is "native", "wasm-aot" or "wasm-interp". `module_path` (empty = default) is the .wasm
// that wasm-interp loads; for wasm-aot, whose module was translated at build time, a non-empty
// path must hold that very module (same measurement) or this throws. Throws
// std::invalid_argument for an unknown name or an engine this build lacks, std::runtime_error
// when the module cannot be loaded.
std::unique_ptr<Engine> make_engine(std::string_view name, const std::string& module_path,
                                    const mqtt::BrokerConfig& config, mqtt::BrokerHost& host,
                                    TimeMs now, WasmLimits limits = {});

}  // namespace trustmq::runtime

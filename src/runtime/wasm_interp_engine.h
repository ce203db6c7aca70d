// The wasm-interp engine: a .wasm file loaded at run time and executed by wabt's interpreter
// (libwabt.a). Portable and slow (~220–300× wasm2c in a probe: docs/architecture.md, Design
// decisions); it shows what running an arbitrary module without ahead-of-time translation costs.
#pragma once

#include <memory>
#include <string>

#include "runtime/engine.h"
#include "runtime/wasm_limits.h"

namespace trustmq::runtime {

// Reads, measures (logging the measurement), validates and instantiates `module_path`.
// Throws std::runtime_error if the file cannot be read, is not valid Wasm, or imports
// something the host does not provide.
std::unique_ptr<Engine> make_wasm_interp_engine(const std::string& module_path,
                                                const mqtt::BrokerConfig& config,
                                                mqtt::BrokerHost& host, TimeMs now,
                                                WasmLimits limits = {});

}  // namespace trustmq::runtime

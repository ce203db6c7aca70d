// The wasm-aot engine: a module translated to C by wasm2c at build time and compiled into the
// broker; linear-memory bounds enforced by guard pages (or explicit checks in sanitizer
// builds, WASM_RT_MEMCHECK_SIGNAL_HANDLER=0).
#pragma once

#include <memory>

#include "runtime/engine.h"
#include "runtime/wasm_aot_module.h"
#include "runtime/wasm_limits.h"

namespace trustmq::runtime {

// The broker core (trustmq-core.wasm) as translated at build time.
const WasmAotModule& aot_core_module();

std::unique_ptr<Engine> make_wasm_aot_engine(const WasmAotModule& module,
                                             const mqtt::BrokerConfig& config,
                                             mqtt::BrokerHost& host, TimeMs now,
                                             WasmLimits limits = {});

}  // namespace trustmq::runtime

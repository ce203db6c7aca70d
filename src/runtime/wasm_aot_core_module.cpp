// The broker core as translated by wasm2c at build time (see CMakeLists.txt).
#include "runtime/wasm_aot_engine.h"

extern "C" const WasmAotModule trustmq_aot_module_core;

namespace trustmq::runtime {

const WasmAotModule& aot_core_module() { return trustmq_aot_module_core; }

}  // namespace trustmq::runtime

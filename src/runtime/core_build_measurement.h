// Measurement of the native engine's core: SHA-256 over the core's source files, recorded at
// build time (the native engine has no .wasm to hash).
#pragma once

#include <string>

namespace trustmq::runtime {

std::string core_build_measurement();

}  // namespace trustmq::runtime

// Run-time limits the shell can put on a Wasm engine (config option wasm_max_memory_mb).
#pragma once

#include <cstdint>

namespace trustmq::runtime {

struct WasmLimits {
  // Upper bound on the module's linear memory in MiB; 0 keeps the module's own maximum (the
  // -Wl,--max-memory cap it was linked with). It can only lower that maximum, never raise it.
  std::uint32_t max_memory_mb = 0;
};

// The module's maximum in 64 KiB pages after applying `limits` to its declared maximum.
inline std::uint64_t capped_memory_pages(std::uint64_t declared_max_pages, WasmLimits limits) {
  if (limits.max_memory_mb == 0) return declared_max_pages;
  const std::uint64_t cap = static_cast<std::uint64_t>(limits.max_memory_mb) * 16;  // 16 pages/MiB
  return cap < declared_max_pages ? cap : declared_max_pages;
}

}  // namespace trustmq::runtime

// What the wasm-aot imports (wasm_aot_imports.cpp) reach through the instance pointers wasm2c
// hands them: the shared host ABI and the instance's linear memory.
#pragma once

#include "runtime/guest_memory_range.h"
#include "runtime/host_abi.h"
#include "runtime/wasm_aot_module.h"

struct WasmAotHostContext {
  trustmq::runtime::HostAbi* abi = nullptr;
  wasm_rt_memory_t* memory = nullptr;

  trustmq::runtime::GuestMemory guest_memory() const {
    if (memory == nullptr) return {};
    return {memory->data, memory->size};
  }
};

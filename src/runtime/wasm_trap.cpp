#include "runtime/wasm_trap.h"

namespace trustmq::runtime {

std::string_view wasm_trap_kind_name(WasmTrapKind kind) {
  switch (kind) {
    case WasmTrapKind::kOutOfBounds:
      return "out-of-bounds";
    case WasmTrapKind::kUnreachable:
      return "unreachable";
    case WasmTrapKind::kStackExhaustion:
      return "stack-exhaustion";
    case WasmTrapKind::kIntegerOverflow:
      return "integer-overflow";
    case WasmTrapKind::kDivisionByZero:
      return "division-by-zero";
    case WasmTrapKind::kInvalidConversion:
      return "invalid-conversion";
    case WasmTrapKind::kIndirectCall:
      return "indirect-call";
    case WasmTrapKind::kMemoryLimit:
      return "memory-limit";
    case WasmTrapKind::kAbiViolation:
      return "abi-violation";
    case WasmTrapKind::kModuleFatal:
      return "module-fatal";
    case WasmTrapKind::kExit:
      return "exit";
    case WasmTrapKind::kOther:
      break;
  }
  return "other";
}

}  // namespace trustmq::runtime

// Why a Wasm instance stopped. Both wasm engines map their runtime's trap codes onto these
// kinds; the host ABI adds the ones it detects itself (bad pointers, fatal, exit).
#pragma once

#include <string>
#include <string_view>

namespace trustmq::runtime {

enum class WasmTrapKind {
  kOutOfBounds,      // linear memory or table access outside its bounds
  kUnreachable,      // `unreachable` executed (abort(), __builtin_trap())
  kStackExhaustion,  // call stack exhausted
  kIntegerOverflow,
  kDivisionByZero,
  kInvalidConversion,
  kIndirectCall,  // call_indirect through a bad index or signature
  kMemoryLimit,   // the module reported that linear memory cannot grow any further
  kAbiViolation,  // the module passed the host a malformed pointer/length or value
  kModuleFatal,   // the module reported another unrecoverable condition
  kExit,          // the module called WASI proc_exit
  kOther,
};

// Stable lower-case names used in logs and EngineTrap::kind(): "out-of-bounds", ….
std::string_view wasm_trap_kind_name(WasmTrapKind kind);

// A trap that the host ABI raised itself (while serving an import), with its message.
struct HostRaisedTrap {
  WasmTrapKind kind = WasmTrapKind::kOther;
  std::string detail;
};

}  // namespace trustmq::runtime

// wabt's interpreter (libwabt.a) behind a small interface. wabt 1.0.32's headers only compile
// as C++17, so wabt_interpreter.cpp is built with -std=c++17 and this header uses nothing newer;
// wasm_interp_engine.cpp (C++20) builds the engine on top of it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace trustmq::runtime {

// Value types in signatures: 'i' = i32, 'I' = i64. Values travel as uint64_t (i32 in the low
// 32 bits).
struct WabtHostImport {
  std::string module;
  std::string name;
  std::string params;
  std::string results;
  // Returns false to trap the instance.
  std::function<bool(const std::uint64_t* args, std::uint64_t* results)> body;
};

class WabtInterpreter {
 public:
  // Parses, validates and instantiates `bytes` (`path` only names it in errors). A non-zero
  // `max_memory_pages` lowers the maximum of the module's memory. Every import of the module
  // must be among `imports`. Throws std::runtime_error on any failure.
  WabtInterpreter(const std::vector<std::uint8_t>& bytes, const std::string& path,
                  std::uint64_t max_memory_pages, std::vector<WabtHostImport> imports);
  ~WabtInterpreter();
  WabtInterpreter(const WabtInterpreter&) = delete;
  WabtInterpreter& operator=(const WabtInterpreter&) = delete;

  // Index of the exported function `name` with exactly this signature; throws if there is none.
  std::size_t find_function(const std::string& name, const std::string& params,
                            const std::string& results);

  // Runs an exported function. Returns true, or false with the trap message.
  bool call(std::size_t function, const std::vector<std::uint64_t>& args,
            std::vector<std::uint64_t>& results, std::string& trap_message);

  // The module's (first) linear memory now.
  std::uint8_t* memory_data();
  std::uint64_t memory_size();
  // The most the module's memory may grow to, in bytes (after the memory limit).
  std::uint64_t memory_max_size();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace trustmq::runtime

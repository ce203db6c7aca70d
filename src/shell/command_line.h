// The trustmq-broker command line:
//   -c FILE  -p PORT (repeatable)  -v  --engine NAME  --module FILE.wasm  --list-engines
//   -h/--help
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "shell/server_config.h"

namespace trustmq::shell {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CommandLine {
  std::string config_file;            // -c
  std::vector<std::uint16_t> ports;   // -p: listeners on every interface
  bool verbose = false;               // -v: log_type all
  std::optional<std::string> engine;  // --engine (overrides the engine option)
  std::optional<std::string> module;  // --module (overrides the module option)
  bool help = false;                  // -h, --help
  bool list_engines = false;          // --list-engines: print the engines this binary has
};

// Throws UsageError for an unknown flag, a missing or invalid value.
CommandLine parse_command_line(int argc, const char* const* argv);

std::string usage_text();

// Command-line settings win over the config file: -p adds listeners, -v logs everything,
// --engine/--module replace the options.
void apply_command_line(const CommandLine& command_line, ServerConfig& config);

}  // namespace trustmq::shell

// Reads a mosquitto.conf-compatible configuration file (docs/configuration.md). Every option of
// mosquitto.conf(5) 2.0 is implemented, or recorded in ServerConfig::warnings as without effect,
// or refused (mosquitto_option_table.h); a refused or unknown option or a malformed line stops
// with a ConfigError whose message names the file, the line number and the option.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "shell/server_config.h"

namespace trustmq::shell {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Applies the lines of `text` to `config`; `file_name` is used in error messages only.
void parse_config_text(std::string_view text, std::string_view file_name, ServerConfig& config);

// Completes and checks the bridges (bridge_config.h, finish_bridge_config) once every line is
// read; called by parse_config_text. Throws ConfigError naming the bridge's connection line.
void finish_bridges(ServerConfig& config);

// Reads `path` and applies it to `config`.
void load_config_file(const std::string& path, ServerConfig& config);

// The contents of a file, or a ConfigError naming `what` ("config file", "password_file"…).
std::string read_text_file(const std::string& path, std::string_view what);

// Whether `name` is an engine trustmq knows of (built or not).
bool is_known_engine_name(std::string_view name);

}  // namespace trustmq::shell

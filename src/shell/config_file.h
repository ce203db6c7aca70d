// Reads a mosquitto.conf-compatible configuration file (the subset documented in
// docs/configuration.md). Any unknown option or malformed line stops start-up with a ConfigError
// whose message names the file, the line number and the option.
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

// Reads `path` and applies it to `config`.
void load_config_file(const std::string& path, ServerConfig& config);

// The contents of a file, or a ConfigError naming `what` ("config file", "password_file"…).
std::string read_text_file(const std::string& path, std::string_view what);

// Whether `name` is an engine trustmq knows of (built or not).
bool is_known_engine_name(std::string_view name);

}  // namespace trustmq::shell

// A config text parsed as trustmq-broker reads a file (file name "test.conf"); shared by the
// config tests of tests/shell.
#pragma once

#include <string>
#include <string_view>

#include "shell/config_file.h"
#include "shell/server_config.h"

namespace trustmq::shell {

inline ServerConfig parse_config(std::string_view text) {
  ServerConfig config;
  parse_config_text(text, "test.conf", config);
  return config;
}

// The message of the ConfigError `text` raises ("" if it parses).
inline std::string config_error_of(std::string_view text) {
  try {
    parse_config(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace trustmq::shell

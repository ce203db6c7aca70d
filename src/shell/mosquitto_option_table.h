// mosquitto.conf(5) options of mosquitto 2.0 that trustmq does not implement, and what it does
// with each: accept it with one warning that says why it has no effect, or refuse it with the
// reason. Options trustmq implements are parsed in config_file.cpp; together the two cover
// every option of mosquitto.conf(5), so no mosquitto option is ever "unknown".
#pragma once

#include <optional>
#include <string_view>

namespace trustmq::shell {

enum class OptionTreatment : bool {
  kNoEffect,  // accepted; one warning naming the file and line says it has no effect and why
  kRefused,   // start-up stops with the reason
};

struct UnsupportedOption {
  std::string_view name;
  // When set: this value is what trustmq does anyway (mosquitto's default), so it is accepted
  // silently; any other value gets `treatment`. When empty: every value gets `treatment`.
  std::optional<std::string_view> harmless_value;
  OptionTreatment treatment;
  std::string_view reason;
};

// The entry for `name`, or null when trustmq implements it or mosquitto has no such option.
const UnsupportedOption* find_unsupported_option(std::string_view name);

}  // namespace trustmq::shell

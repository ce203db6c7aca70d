// Splitting a mosquitto.conf line: values are words separated by spaces, tabs (and a stray \r
// of a CRLF file). Shared by the config file, bridge and bridge topic parsers.
#pragma once

#include <string_view>
#include <vector>

namespace trustmq::shell {

inline constexpr std::string_view kConfigWhitespace = " \t\r";

// `s` without leading and trailing whitespace.
std::string_view trim_config_text(std::string_view s);
// The words of `s`, views into it.
std::vector<std::string_view> split_config_words(std::string_view s);

}  // namespace trustmq::shell

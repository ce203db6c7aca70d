// mosquitto's psk_file format: one "identity:hexkey" per line; '#' comments and blank lines
// ignored. Keys are hex (mosquitto's clients take --psk as hex too).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "attest/bytes.h"
#include "base/result.h"

namespace trustmq::tls {

using PskTable = std::map<std::string, attest::Bytes>;  // identity → key

// Errors name the line ("psk_file line 3: key is not hex").
Result<PskTable> parse_psk_file_text(std::string_view text);
Result<PskTable> load_psk_file(const std::string& path);

}  // namespace trustmq::tls

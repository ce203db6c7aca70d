// mosquitto's duration syntax, as used by persistent_client_expiration: a positive integer
// followed by a unit, h (hours), d (days), w (weeks), m (months of 30 days) or y (years of 365
// days). trustmq also accepts s (seconds), handy for tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace trustmq::shell {

// Seconds for `text` ("2d" -> 172800), or nothing if the text is not a valid duration or the
// result does not fit in 32 bits.
std::optional<std::uint32_t> parse_duration_seconds(std::string_view text);

}  // namespace trustmq::shell

#include "shell/commit_dependency.h"

#include <cstddef>

namespace trustmq::shell {
namespace {

constexpr std::uint8_t kPublish = 3;

}  // namespace

bool may_precede_commit(std::span<const std::uint8_t> packets) {
  if (packets.empty()) return false;
  std::size_t at = 0;
  while (at < packets.size()) {
    const std::uint8_t header = packets[at];
    const unsigned qos = (header >> 1) & 3u;
    if ((header >> 4) != kPublish || qos > 1) return false;
    // Remaining length: 1 to 4 bytes, 7 bits each, least significant first.
    std::size_t length = 0;
    std::size_t i = at + 1;
    for (int shift = 0;; shift += 7) {
      if (shift > 21 || i >= packets.size()) return false;
      const std::uint8_t digit = packets[i++];
      length |= static_cast<std::size_t>(digit & 0x7fu) << shift;
      if ((digit & 0x80u) == 0) break;
    }
    if (length > packets.size() - i) return false;
    at = i + length;
  }
  return true;
}

}  // namespace trustmq::shell

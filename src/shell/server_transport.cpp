#include "shell/server_transport.h"

namespace trustmq::shell {

IoResult ServerTransport::write_runs(std::span<const std::span<const std::uint8_t>> runs) {
  std::size_t total = 0;
  for (const auto run : runs) {
    IoResult r = write(run);
    if (r.status != IoStatus::kOk) {
      if (total == 0) return r;
      break;  // the next call reports it again
    }
    total += r.bytes;
    if (r.bytes < run.size()) break;
  }
  return {IoStatus::kOk, total, {}};
}

}  // namespace trustmq::shell

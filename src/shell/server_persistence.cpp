// The server's side of persistence (docs/persistence.md): the store is opened and handed to
// the engine before any listener accepts, records from the core are staged, and staged
// records are committed before the bytes of the same engine calls are flushed (sync) or
// every autosave_interval (interval). Each commit saves the broker's clock, and a start
// continues it, so that time spent stopped counts in the deadlines the records hold.
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "shell/log_type.h"
#include "shell/monotonic_clock.h"
#include "shell/server.h"

namespace trustmq::shell {
namespace {

// With nothing else to commit, durability sync still saves the clock this often, so that a
// crash is placed at most this long before it happened (docs/persistence.md).
constexpr mqtt::TimeMs kClockSaveIntervalMs = 10'000;
constexpr mqtt::TimeMs kClockRefreshMs = 1'000;

std::int64_t wall_clock_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

void Server::open_persistence() {
  const PersistenceConfig& p = config_.persistence;
  if (::mkdir(p.location.c_str(), 0700) != 0 && errno != EEXIST) {
    throw std::runtime_error("persistence: cannot create persistence_location " + p.location +
                             ": " + std::strerror(errno));
  }
  const auto secret = load_or_create_platform_secret(p.location + "/platform_secret");
  auto sealer = std::make_unique<RecordSealer>(secret, engine_->module_measurement());
  store_ = std::make_unique<PersistenceStore>(p.location, std::move(sealer));
  const mqtt::TimeMs started = monotonic_now_ms();
  // The records are as of the last commit. Continue the clock from there, plus the wall-clock
  // time spent stopped; never backwards (the engine has already seen now_).
  mqtt::TimeMs records_as_of = now_;
  if (const std::optional<ClockAnchor> anchor = store_->clock_anchor()) {
    const std::int64_t stopped_ms = std::max<std::int64_t>(0, wall_clock_ms() - anchor->wall_ms);
    const mqtt::TimeMs continued = anchor->broker_ms + static_cast<mqtt::TimeMs>(stopped_ms);
    if (continued > now_) clock_offset_ += continued - now_;
    now_ = broker_now();
    records_as_of = std::min(anchor->broker_ms, now_);
    logger_.log(LogType::kNotice, "persistence: last saved " + std::to_string(stopped_ms / 1000) +
                                      " s ago; that time counts in session, will and message "
                                      "expiry");
  }
  std::size_t loaded = 0;
  std::size_t restored = 0;
  const std::vector<std::string> refused = store_->load_each([&](mqtt::ByteView record) {
    ++loaded;
    if (engine_->restore(record, records_as_of)) ++restored;
  });
  for (const std::string& line : refused) logger_.log(LogType::kError, line);
  clock_saved_at_ = 0;  // the first commit saves the clock
  next_commit_ = now_ + static_cast<mqtt::TimeMs>(p.autosave_interval_seconds) * 1000;
  logger_.log(LogType::kNotice, "persistence: " + p.location + "/trustmq.db (" +
                                    (p.durability == PersistenceDurability::kSync
                                         ? std::string("durability sync")
                                         : "durability interval, every " +
                                               std::to_string(p.autosave_interval_seconds) + " s") +
                                    "): restored " + std::to_string(restored) +
                                    " record(s), refused " +
                                    std::to_string(refused.size() + loaded - restored) + ", in " +
                                    std::to_string(monotonic_now_ms() - started) + " ms");
}

void Server::persist(mqtt::ByteView record) {
  if (store_) store_->stage(record);
}

void Server::commit_persistence(bool force) {
  if (!store_) return;
  const bool interval = config_.persistence.durability == PersistenceDurability::kInterval;
  if (!force) {
    if (interval && now_ < next_commit_) return;
    if (!store_->has_pending() && (interval || now_ < clock_saved_at_ + kClockSaveIntervalMs)) {
      return;
    }
  }
  // The clock row costs one more page per transaction: at most once a second under load.
  if (force || now_ >= clock_saved_at_ + kClockRefreshMs) {
    store_->stage_clock(ClockAnchor{now_, wall_clock_ms()});
    clock_saved_at_ = now_;
  }
  store_->commit();
  next_commit_ =
      now_ + static_cast<mqtt::TimeMs>(config_.persistence.autosave_interval_seconds) * 1000;
  if (force) {  // the clean stop: what group commit and coalescing saved (docs/persistence.md)
    logger_.log(LogType::kNotice, "persistence: " + std::to_string(store_->staged_records()) +
                                      " record(s) staged, " +
                                      std::to_string(store_->written_rows()) + " row(s) written, " +
                                      std::to_string(store_->commits()) + " commit(s) since start");
  }
}

}  // namespace trustmq::shell

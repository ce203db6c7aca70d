// The server's side of persistence (docs/persistence.md): the store is opened and handed to
// the engine before any listener accepts, records from the core are staged, and staged
// records are committed before the bytes of the same engine calls are flushed (sync) or
// every autosave_interval (interval).
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "shell/log_type.h"
#include "shell/monotonic_clock.h"
#include "shell/server.h"

namespace trustmq::shell {

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
  PersistenceStore::Loaded loaded = store_->load();
  for (const std::string& refused : loaded.refused) logger_.log(LogType::kError, refused);
  std::size_t restored = 0;
  for (const mqtt::Bytes& record : loaded.records) {
    if (engine_->restore(record, now_)) ++restored;
  }
  next_commit_ = now_ + static_cast<mqtt::TimeMs>(p.autosave_interval_seconds) * 1000;
  logger_.log(LogType::kNotice,
              "persistence: " + p.location + "/trustmq.db (" +
                  (p.durability == PersistenceDurability::kSync
                       ? std::string("durability sync")
                       : "durability interval, every " +
                             std::to_string(p.autosave_interval_seconds) + " s") +
                  "): restored " + std::to_string(restored) + " record(s), refused " +
                  std::to_string(loaded.refused.size() + loaded.records.size() - restored) +
                  ", in " + std::to_string(monotonic_now_ms() - started) + " ms");
}

void Server::persist(mqtt::ByteView record) {
  if (store_) store_->stage(record);
}

void Server::commit_persistence(bool force) {
  if (!store_ || !store_->has_pending()) return;
  if (!force && config_.persistence.durability == PersistenceDurability::kInterval &&
      now_ < next_commit_) {
    return;
  }
  store_->commit();
  next_commit_ =
      now_ + static_cast<mqtt::TimeMs>(config_.persistence.autosave_interval_seconds) * 1000;
}

}  // namespace trustmq::shell

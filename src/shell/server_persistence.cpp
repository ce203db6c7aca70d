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
#include "shell/store_rollback.h"

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

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

bool has_tpm2_quote_listener(const ServerConfig& config) {
  return std::any_of(config.listeners.begin(), config.listeners.end(), [](const auto& l) {
    return l.tls.attestation == ListenerAttestation::kTpm2Quote;
  });
}

// persistence_sealing auto: the TPM when the broker already depends on it for attestation.
bool uses_tpm_sealing(const ServerConfig& config) {
  switch (config.persistence.sealing) {
    case PersistenceSealing::kTpm:
      return true;
    case PersistenceSealing::kFile:
      return false;
    case PersistenceSealing::kAuto:
      break;
  }
  return has_tpm2_quote_listener(config);
}

std::string sealing_reason(const ServerConfig& config) {
  switch (config.persistence.sealing) {
    case PersistenceSealing::kTpm:
      return "tpm";
    case PersistenceSealing::kFile:
      return "file";
    case PersistenceSealing::kAuto:
      break;
  }
  return has_tpm2_quote_listener(config) ? "auto, with a tpm2-quote listener"
                                         : "auto, without a tpm2-quote listener";
}

}  // namespace

void Server::open_persistence() {
  const PersistenceConfig& p = config_.persistence;
  if (::mkdir(p.location.c_str(), 0700) != 0 && errno != EEXIST) {
    throw std::runtime_error("persistence: cannot create persistence_location " + p.location +
                             ": " + std::strerror(errno));
  }
  const mqtt::TimeMs started = monotonic_now_ms();
  const bool tpm = uses_tpm_sealing(config_);
  const std::string file_secret = p.location + "/platform_secret";
  const std::string tpm_secret = p.location + "/platform_secret.tpm";
  std::string protection;
  if (tpm) {
    if (exists(file_secret)) {
      throw std::runtime_error("persistence: " + file_secret +
                               " exists: this store is sealed with a file secret, not a "
                               "TPM-sealed one (persistence_sealing " +
                               sealing_reason(config_) +
                               "). Set persistence_sealing file, or move the store away to start "
                               "afresh with a TPM-sealed secret");
    }
    store_tpm_ = TpmStoreProtection::open(config_.tpm_tcti, p.location);
    auto sealer = std::make_unique<RecordSealer>(store_tpm_->platform_secret(),
                                                 engine_->module_measurement());
    if (!p.migrate_to.empty()) {
      migration_sealer_ =
          std::make_unique<RecordSealer>(store_tpm_->platform_secret(), p.migrate_to);
    }
    store_ = std::make_unique<PersistenceStore>(p.location, std::move(sealer));
    check_store_rollback(*store_, *store_tpm_, p.accept_rollback, logger_);
    next_rollback_advance_ = now_ + static_cast<mqtt::TimeMs>(p.rollback_interval_seconds) * 1000;
    protection =
        "sealed with a " + store_tpm_->description() +
        "; rollback to an older copy is detected (TPM NV counter, advanced at each start and "
        "clean stop" +
        (p.rollback_interval_seconds > 0
             ? " and every " + std::to_string(p.rollback_interval_seconds) + " s)"
             : ")");
  } else {
    if (exists(tpm_secret) && !exists(file_secret)) {
      throw std::runtime_error("persistence: " + tpm_secret +
                               " exists: this store is sealed with a TPM-sealed secret, and "
                               "persistence_sealing " +
                               sealing_reason(config_) +
                               " would not open it. Set persistence_sealing tpm (and tpm_tcti)");
    }
    const auto secret = load_or_create_platform_secret(file_secret);
    auto sealer = std::make_unique<RecordSealer>(secret, engine_->module_measurement());
    if (!p.migrate_to.empty()) {
      migration_sealer_ = std::make_unique<RecordSealer>(secret, p.migrate_to);
    }
    store_ = std::make_unique<PersistenceStore>(p.location, std::move(sealer));
    protection = "sealed with the file secret " + file_secret +
                 " (no TPM: whoever can read that file can read the store); rollback to an "
                 "older copy is NOT detected";
  }
  logger_.log(LogType::kNotice, "persistence: " + p.location + "/trustmq.db " + protection);
  const std::string measurement = engine_->module_measurement();
  logger_.log(LogType::kNotice, "persistence: records are sealed for module measurement " +
                                    measurement + " (engine " + std::string(engine_->name()) + ")");
  if (migration_sealer_ && p.migrate_to == measurement) {
    logger_.log(LogType::kWarning,
                "persistence: persistence_migrate_to names this broker's own module measurement: "
                "nothing to migrate");
    migration_sealer_.reset();
  } else if (migration_sealer_) {
    logger_.log(LogType::kNotice,
                "persistence: at the clean stop, every record will be re-sealed for module "
                "measurement " +
                    p.migrate_to +
                    " (persistence_migrate_to): from then on only a broker running that module "
                    "opens this store");
  }
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

bool Server::close_persistence() {
  bool migrated = true;
  if (store_ && migration_sealer_) {
    // Before the rollback counter's advance, so that the stop's stamp is sealed for the new
    // module too. A failure leaves the store as it was (one transaction), sealed for this module.
    const mqtt::TimeMs started = monotonic_now_ms();
    try {
      const PersistenceStore::Migration migration =
          store_->reseal_for(std::move(migration_sealer_));
      for (const std::string& line : migration.left) logger_.log(LogType::kError, line);
      logger_.log(LogType::kNotice,
                  "persistence: re-sealed " + std::to_string(migration.resealed) +
                      " record(s) for module measurement " + config_.persistence.migrate_to +
                      " (persistence_migrate_to), left " + std::to_string(migration.left.size()) +
                      " that this module does not open, in " +
                      std::to_string(monotonic_now_ms() - started) +
                      " ms; start the new module on this store now (this one refuses it)");
    } catch (const std::exception& e) {
      logger_.log(LogType::kError, std::string(e.what()) +
                                       " (persistence_migrate_to: nothing was re-sealed; the "
                                       "store is still sealed for this module)");
      migrated = false;
    }
  }
  if (!store_ || !store_tpm_) return migrated;
  try {
    const std::uint64_t counter = advance_rollback_counter(*store_, *store_tpm_);
    logger_.log(LogType::kNotice, "persistence: rollback counter advanced to " +
                                      std::to_string(counter) +
                                      " at the stop: older copies of the store are refused");
  } catch (const RollbackCounterError& e) {
    // The store itself is committed; only copies taken since the start go undetected.
    logger_.log(LogType::kError, std::string(e.what()) +
                                     " (at the stop: a copy of the store taken since the start "
                                     "would not be detected as a rollback)");
  }
  return migrated;
}

void Server::advance_rollback_counter_if_due() {
  const std::uint32_t interval_s = config_.persistence.rollback_interval_seconds;
  if (!store_ || !store_tpm_ || interval_s == 0 || now_ < next_rollback_advance_) return;
  next_rollback_advance_ = now_ + static_cast<mqtt::TimeMs>(interval_s) * 1000;
  if (commit_thread_) commit_thread_->wait_idle();  // the store is the loop's again
  try {
    const std::uint64_t counter = advance_rollback_counter(*store_, *store_tpm_);
    logger_.log(LogType::kDebug,
                "persistence: rollback counter advanced to " + std::to_string(counter));
  } catch (const RollbackCounterError& e) {
    // What is stored stays valid; only the window of undetected rollback grows. Retried at the
    // next interval.
    logger_.log(LogType::kError, std::string(e.what()) +
                                     " (periodic advance of the rollback counter; retried in " +
                                     std::to_string(interval_s) + " s)");
  }
}

void Server::persist(mqtt::ByteView record) {
  if (commit_thread_) {
    commit_thread_->stage(record);
  } else if (store_) {
    store_->stage(record);
  }
}

// durability sync: whenever the commit thread is idle, it gets what is staged (group commit:
// everything staged while it wrote the previous batch). Staging may run ahead of the thread by
// at most kMaxStagedBytes; beyond that the loop waits for the commit.
void Server::commit_in_background() {
  constexpr std::size_t kMaxStagedBytes = 64 * 1024 * 1024;
  if (commit_thread_->busy() && commit_thread_->staged_bytes() > kMaxStagedBytes) {
    commit_thread_->wait_idle();
  }
  if (commit_thread_->busy()) return;
  if (!commit_thread_->has_staged() && now_ < clock_saved_at_ + kClockSaveIntervalMs) return;
  if (now_ >= clock_saved_at_ + kClockRefreshMs) {
    commit_thread_->stage_clock(ClockAnchor{now_, wall_clock_ms()});
    clock_saved_at_ = now_;
  }
  commit_thread_->start_commit();
}

void Server::commit_persistence(bool force) {
  if (!store_) return;
  if (commit_thread_) {
    if (!force) {
      commit_in_background();
      return;
    }
    // The clean stop: what is staged is committed, then the store is the loop's again.
    commit_thread_->wait_idle();
    commit_thread_->start_commit();
    commit_thread_->wait_idle();
  }
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

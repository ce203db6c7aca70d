#include "shell/persistence_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <stdexcept>

#include "mqtt/persistence_record.h"
#include "shell/sqlite_blob_column.h"

namespace trustmq::shell {

PersistenceStore::PersistenceStore(const std::string& directory,
                                   std::unique_ptr<RecordSealer> sealer)
    : path_(directory + "/trustmq.db"), sealer_(std::move(sealer)) {
  if (sqlite3_open_v2(path_.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    const std::string why = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("persistence: cannot open " + path_ + ": " + why);
  }
  try {
    execute("PRAGMA journal_mode=WAL");
    execute("PRAGMA synchronous=FULL");
    execute(
        "CREATE TABLE IF NOT EXISTS records (key BLOB PRIMARY KEY, value BLOB NOT NULL) "
        "WITHOUT ROWID");
    // One row: not sealed, since the host controls the clock anyway (docs/persistence.md).
    execute(
        "CREATE TABLE IF NOT EXISTS clock (id INTEGER PRIMARY KEY CHECK (id = 0), "
        "broker_ms INTEGER NOT NULL, wall_ms INTEGER NOT NULL)");
    if (sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO records (key, value) VALUES (?1, ?2)", -1,
                           &put_, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v2(db_, "DELETE FROM records WHERE key = ?1", -1, &delete_, nullptr) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(db_,
                           "INSERT OR REPLACE INTO clock (id, broker_ms, wall_ms) VALUES "
                           "(0, ?1, ?2)",
                           -1, &put_clock_, nullptr) != SQLITE_OK) {
      throw std::runtime_error("persistence: " + path_ + ": " + sqlite3_errmsg(db_));
    }
  } catch (...) {
    sqlite3_finalize(put_);
    sqlite3_finalize(delete_);
    sqlite3_finalize(put_clock_);
    sqlite3_close(db_);
    throw;
  }
}

PersistenceStore::~PersistenceStore() {
  sqlite3_finalize(put_);
  sqlite3_finalize(delete_);
  sqlite3_finalize(put_clock_);
  sqlite3_close(db_);
}

void PersistenceStore::execute(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string why = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    throw std::runtime_error("persistence: " + path_ + ": " + sql + ": " + why);
  }
}

void PersistenceStore::fail(const std::string& what) noexcept {
  if (failure_.empty()) failure_ = what;
}

PersistenceStore::Loaded PersistenceStore::load() {
  Loaded loaded;
  loaded.refused = load_each(
      [&](mqtt::ByteView record) { loaded.records.emplace_back(record.begin(), record.end()); });
  return loaded;
}

std::vector<std::string> PersistenceStore::load_each(
    const std::function<void(mqtt::ByteView record)>& on_record) {
  std::vector<std::string> refused;
  sqlite3_stmt* select = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT key, value FROM records ORDER BY key", -1, &select,
                         nullptr) != SQLITE_OK) {
    throw std::runtime_error("persistence: " + path_ + ": " + sqlite3_errmsg(db_));
  }
  mqtt::Bytes record;  // reused: one allocation for the whole load, not one per record
  int status = SQLITE_ROW;
  try {
    while ((status = sqlite3_step(select)) == SQLITE_ROW) {
      const mqtt::ByteView key = sqlite_blob_column(select, 0);
      const mqtt::ByteView value = sqlite_blob_column(select, 1);
      std::string error;
      bool opened = false;
      record.clear();
      if (key.empty() || key.size() > 65535 || !mqtt::record_kind(key)) {
        error = "unknown key";
      } else {
        // The record's header (op, key), then the plaintext decrypted straight behind it.
        mqtt::encode_record(mqtt::RecordOp::kPut, key, {}, record);
        opened = sealer_->open_append(key, value, record, error);
      }
      if (!opened) {
        refused.push_back("record " + mqtt::describe_key(key) + " refused: " + error);
        continue;
      }
      on_record(record);
    }
  } catch (...) {
    sqlite3_finalize(select);
    throw;
  }
  sqlite3_finalize(select);
  if (status != SQLITE_DONE) {
    throw std::runtime_error("persistence: reading " + path_ + ": " + sqlite3_errmsg(db_));
  }
  return refused;
}

std::optional<ClockAnchor> PersistenceStore::clock_anchor() {
  sqlite3_stmt* select = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT broker_ms, wall_ms FROM clock WHERE id = 0", -1, &select,
                         nullptr) != SQLITE_OK) {
    throw std::runtime_error("persistence: " + path_ + ": " + sqlite3_errmsg(db_));
  }
  std::optional<ClockAnchor> anchor;
  const int status = sqlite3_step(select);
  if (status == SQLITE_ROW && sqlite3_column_int64(select, 0) >= 0) {
    anchor = ClockAnchor{static_cast<mqtt::TimeMs>(sqlite3_column_int64(select, 0)),
                         sqlite3_column_int64(select, 1)};
  }
  sqlite3_finalize(select);
  if (status != SQLITE_ROW && status != SQLITE_DONE) {
    throw std::runtime_error("persistence: reading " + path_ + ": " + sqlite3_errmsg(db_));
  }
  return anchor;
}

bool PersistenceStore::begin_if_needed() noexcept {
  if (in_transaction_) return true;
  if (sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) {
    fail(std::string("BEGIN: ") + sqlite3_errmsg(db_));
    return false;
  }
  in_transaction_ = true;
  return true;
}

void PersistenceStore::stage_clock(const ClockAnchor& anchor) noexcept {
  if (!begin_if_needed()) return;
  sqlite3_bind_int64(put_clock_, 1, static_cast<sqlite3_int64>(anchor.broker_ms));
  sqlite3_bind_int64(put_clock_, 2, anchor.wall_ms);
  const int status = sqlite3_step(put_clock_);
  sqlite3_reset(put_clock_);
  if (status != SQLITE_DONE) fail(std::string("writing the clock: ") + sqlite3_errmsg(db_));
}

void PersistenceStore::stage(mqtt::ByteView bytes) noexcept {
  try {
    const std::optional<mqtt::RecordView> record = mqtt::decode_record(bytes);
    if (!record) {
      fail("the core emitted a malformed record");
      return;
    }
    Pending& pending = pending_[std::string(record->key.begin(), record->key.end())];
    pending.put = record->op == mqtt::RecordOp::kPut;
    if (pending.put) {
      pending.value.assign(record->value.begin(), record->value.end());
    } else {
      pending.value.clear();
    }
    ++staged_;
    if (pending_.size() >= kMaxPendingKeys) write_pending();
  } catch (const std::exception& e) {
    fail(e.what());
  }
}

void PersistenceStore::write_pending() noexcept {
  if (pending_.empty()) return;
  if (!failure_.empty() || !begin_if_needed()) {
    pending_.clear();
    return;
  }
  try {
    // In key order, not the map's: rows then go into the B-tree's pages one after the other (a
    // session's messages have increasing keys), so pages fill up instead of splitting halfway
    // (a store of queued messages is smaller and loads faster).
    ordered_.clear();
    for (const auto& entry : pending_) ordered_.push_back(&entry);
    std::sort(ordered_.begin(), ordered_.end(),
              [](const auto* a, const auto* b) { return a->first < b->first; });
    for (const auto* entry : ordered_) {
      const std::string& key_text = entry->first;
      const Pending& pending = entry->second;
      const mqtt::ByteView key(reinterpret_cast<const std::uint8_t*>(key_text.data()),
                               key_text.size());
      sqlite3_stmt* statement = pending.put ? put_ : delete_;
      sqlite3_bind_blob(statement, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
      if (pending.put) {
        sealer_->seal_into(key, pending.value, sealed_);
        sqlite3_bind_blob(statement, 2, sealed_.data(), static_cast<int>(sealed_.size()),
                          SQLITE_STATIC);
      }
      const int status = sqlite3_step(statement);
      sqlite3_reset(statement);
      sqlite3_clear_bindings(statement);
      if (status != SQLITE_DONE) {
        fail("writing " + mqtt::describe_key(key) + ": " + sqlite3_errmsg(db_));
        break;
      }
      ++written_;
    }
  } catch (const std::exception& e) {
    fail(e.what());
  }
  pending_.clear();
}

void PersistenceStore::commit() {
  write_pending();
  if (!failure_.empty()) {
    throw std::runtime_error("persistence: " + path_ + ": " + failure_);
  }
  if (!in_transaction_) return;
  in_transaction_ = false;
  execute("COMMIT");
  ++commits_;
}

}  // namespace trustmq::shell

// The host side of persistence (docs/persistence.md): the records the core emits
// (mqtt/persistence_record.h) are sealed (RecordSealer) and kept in an SQLite database in WAL
// mode, one row per key. Records staged between two commits form one transaction, so a crash
// leaves either all or none of them. The server commits before it flushes the bytes produced
// with them (durability sync) or every autosave_interval (durability interval).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mqtt/types.h"
#include "shell/persistence_config.h"
#include "shell/record_sealing.h"

struct sqlite3;
struct sqlite3_stmt;

namespace trustmq::shell {

class PersistenceStore {
 public:
  struct Loaded {
    std::vector<mqtt::Bytes> records;  // put records (plaintext) in key order, for restore
    std::vector<std::string> refused;  // one line per record that could not be opened
  };

  // Opens (creating) DIRECTORY/trustmq.db. Throws std::runtime_error naming the file.
  PersistenceStore(const std::string& directory, std::unique_ptr<RecordSealer> sealer);
  ~PersistenceStore();
  PersistenceStore(const PersistenceStore&) = delete;
  PersistenceStore& operator=(const PersistenceStore&) = delete;

  Loaded load();
  // Takes one record from the core. Never throws (it is called from inside the core): a
  // failure is kept and reported by the next commit().
  void stage(mqtt::ByteView record) noexcept;
  bool has_pending() const { return in_transaction_; }
  // Makes what was staged durable (SQLite COMMIT, fsync of the WAL). Throws
  // std::runtime_error if that or any staged write failed: nothing staged may be trusted then.
  void commit();
  std::size_t staged_records() const { return staged_; }

 private:
  void execute(const char* sql);
  void fail(const std::string& what) noexcept;

  std::string path_;
  std::unique_ptr<RecordSealer> sealer_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* put_ = nullptr;
  sqlite3_stmt* delete_ = nullptr;
  bool in_transaction_ = false;
  std::string failure_;
  std::size_t staged_ = 0;  // records staged since start, for logs and tests
};

}  // namespace trustmq::shell

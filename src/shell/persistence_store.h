// The host side of persistence (docs/persistence.md): the records the core emits
// (mqtt/persistence_record.h) are sealed (RecordSealer) and kept in an SQLite database in WAL
// mode, one row per key. Records staged between two commits form one transaction, so a crash
// leaves either all or none of them. The server commits before it flushes the bytes produced
// with them (durability sync) or every autosave_interval (durability interval).
//
// Staged records are coalesced per key until the commit (or until kMaxPendingKeys keys are
// pending, then written into the open transaction): only the last record of a key is sealed
// and written, so a message queued and then sent in flight within one batch costs one seal and
// one INSERT, and one put then deleted costs one DELETE and no seal. The transaction's final
// state is the same as writing every record in order.
//
// Each commit also saves the broker's clock (ClockAnchor), so that the next start can continue
// it: deadlines in the records (session expiry, delayed wills, message expiry) are times on
// that clock, and time spent stopped counts (docs/persistence.md, "Time across a restart").
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "mqtt/types.h"
#include "shell/persistence_config.h"
#include "shell/record_sealing.h"

struct sqlite3;
struct sqlite3_stmt;

namespace trustmq::shell {

// The broker's clock (the `now` the core is given) and the wall clock at one commit.
struct ClockAnchor {
  mqtt::TimeMs broker_ms = 0;
  std::int64_t wall_ms = 0;  // CLOCK_REALTIME, milliseconds since the epoch
};

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
  // The same one record at a time, without holding them all (a store of 1 M messages is
  // hundreds of MiB): `on_record` gets each put record (plaintext) in key order; the view is
  // valid during the call only. Returns the refusals.
  std::vector<std::string> load_each(const std::function<void(mqtt::ByteView record)>& on_record);
  // Takes one record from the core. Never throws (it is called from inside the core): a
  // failure is kept and reported by the next commit().
  void stage(mqtt::ByteView record) noexcept;
  bool has_pending() const { return in_transaction_ || !pending_.empty(); }
  // The clock saved by the last commit, if any commit saved one.
  std::optional<ClockAnchor> clock_anchor();
  // Saves the clock with the next commit (starting a transaction if none is open).
  void stage_clock(const ClockAnchor& anchor) noexcept;
  // Makes what was staged durable (SQLite COMMIT, fsync of the WAL). Throws
  // std::runtime_error if that or any staged write failed: nothing staged may be trusted then.
  void commit();
  std::size_t staged_records() const { return staged_; }
  // Rows written (INSERT or DELETE) since start: staged records minus those coalesced away.
  std::size_t written_rows() const { return written_; }
  std::size_t commits() const { return commits_; }

  static constexpr std::size_t kMaxPendingKeys = 4096;

  // Rollback detection with a TPM (persistence_store_rollback.cpp, docs/persistence.md
  // "Rollback"): the TPM NV counter value the store was last stamped with, sealed like a
  // record so the host can neither read nor change it. Nothing if the store was never stamped.
  // Throws std::runtime_error if the stamp does not open (altered, another secret).
  std::optional<std::uint64_t> rollback_stamp();
  // Stamps the store with `counter` in the next commit (starting a transaction if none is open).
  void stage_rollback_stamp(std::uint64_t counter) noexcept;
  // True if the store holds no record at all.
  bool empty();

  // Migration to another module measurement (persistence_store_migration.cpp,
  // docs/persistence.md "Migration to another module"): commits what is staged, then re-seals
  // for `target` every record that opens under this store's sealer, and the rollback stamp, in
  // one transaction (a crash leaves all or none re-sealed); from then on this store seals with
  // `target`. Records that do not open are left as they are and named in `left` (they were
  // refused at start already). Throws std::runtime_error if the stamp does not open or SQLite
  // fails; nothing is re-sealed then.
  struct Migration {
    std::size_t resealed = 0;
    std::vector<std::string> left;
  };
  Migration reseal_for(std::unique_ptr<RecordSealer> target);

 private:
  struct Pending {
    bool put = false;
    mqtt::Bytes value;  // plaintext, sealed when written
  };
  void write_pending() noexcept;
  void execute(const char* sql);
  bool begin_if_needed() noexcept;
  void fail(const std::string& what) noexcept;
  // persistence_store_rollback.cpp: re-seals the stamp for `target`, if there is one.
  void reseal_rollback_stamp(RecordSealer& target);

  std::string path_;
  std::unique_ptr<RecordSealer> sealer_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* put_ = nullptr;
  sqlite3_stmt* delete_ = nullptr;
  sqlite3_stmt* put_clock_ = nullptr;
  bool in_transaction_ = false;
  std::string failure_;
  std::size_t staged_ = 0;  // records staged since start, for logs and tests
  std::size_t written_ = 0;
  std::size_t commits_ = 0;
  std::unordered_map<std::string, Pending> pending_;  // key bytes → last record of that key
  mqtt::Bytes sealed_;                                // reused by write_pending
  std::vector<const std::pair<const std::string, Pending>*> ordered_;  // write_pending's order
};

}  // namespace trustmq::shell

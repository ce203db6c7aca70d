// The rollback stamp of a PersistenceStore (persistence_store.h): one sealed row in its own
// table, created on first use, so that stores without a TPM are unchanged.
#include <sqlite3.h>

#include <stdexcept>

#include "shell/persistence_store.h"
#include "shell/sqlite_blob_column.h"

namespace trustmq::shell {
namespace {

// The sealing key bytes of the stamp: not a record key (those start with a kind byte 1…3).
const mqtt::Bytes kStampKey = {0xFF, 'r', 'o', 'l', 'l', 'b', 'a', 'c', 'k'};

constexpr char kCreateTable[] =
    "CREATE TABLE IF NOT EXISTS rollback (id INTEGER PRIMARY KEY CHECK (id = 0), value BLOB NOT "
    "NULL)";

}  // namespace

std::optional<std::uint64_t> PersistenceStore::rollback_stamp() {
  execute(kCreateTable);
  sqlite3_stmt* select = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT value FROM rollback WHERE id = 0", -1, &select, nullptr) !=
      SQLITE_OK) {
    throw std::runtime_error("persistence: " + path_ + ": " + sqlite3_errmsg(db_));
  }
  const int status = sqlite3_step(select);
  std::optional<mqtt::Bytes> plaintext;
  std::string error;
  if (status == SQLITE_ROW) {
    const mqtt::ByteView value = sqlite_blob_column(select, 0);
    plaintext = sealer_->open(kStampKey, value, error);
  }
  sqlite3_finalize(select);
  if (status == SQLITE_DONE) return std::nullopt;
  if (status != SQLITE_ROW) {
    throw std::runtime_error("persistence: reading " + path_ + ": " + sqlite3_errmsg(db_));
  }
  if (!plaintext || plaintext->size() != 8) {
    throw std::runtime_error("persistence: " + path_ + ": the rollback counter stamp is refused: " +
                             (plaintext ? std::string("wrong size") : error));
  }
  std::uint64_t counter = 0;
  for (const std::uint8_t b : *plaintext) counter = (counter << 8) | b;
  return counter;
}

void PersistenceStore::stage_rollback_stamp(std::uint64_t counter) noexcept {
  try {
    execute(kCreateTable);
    if (!begin_if_needed()) return;
    mqtt::Bytes value;
    for (int shift = 56; shift >= 0; shift -= 8) {
      value.push_back(static_cast<std::uint8_t>(counter >> shift));
    }
    const mqtt::Bytes sealed = sealer_->seal(kStampKey, value);
    sqlite3_stmt* put = nullptr;
    if (sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO rollback (id, value) VALUES (0, ?1)", -1,
                           &put, nullptr) != SQLITE_OK) {
      fail(std::string("writing the rollback stamp: ") + sqlite3_errmsg(db_));
      return;
    }
    sqlite3_bind_blob(put, 1, sealed.data(), static_cast<int>(sealed.size()), SQLITE_STATIC);
    const int status = sqlite3_step(put);
    sqlite3_finalize(put);
    if (status != SQLITE_DONE)
      fail(std::string("writing the rollback stamp: ") + sqlite3_errmsg(db_));
  } catch (const std::exception& e) {
    fail(e.what());
  }
}

void PersistenceStore::reseal_rollback_stamp(RecordSealer& target) {
  sqlite3_stmt* exists = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rollback'",
                         -1, &exists, nullptr) != SQLITE_OK) {
    throw std::runtime_error("persistence: " + path_ + ": " + sqlite3_errmsg(db_));
  }
  const bool has_table = sqlite3_step(exists) == SQLITE_ROW;
  sqlite3_finalize(exists);
  if (!has_table) return;  // never stamped (no TPM): nothing to re-seal
  const std::optional<std::uint64_t> counter = rollback_stamp();  // throws if it does not open
  if (!counter) return;
  mqtt::Bytes value;
  for (int shift = 56; shift >= 0; shift -= 8) {
    value.push_back(static_cast<std::uint8_t>(*counter >> shift));
  }
  const mqtt::Bytes sealed = target.seal(kStampKey, value);
  sqlite3_stmt* put = nullptr;
  if (sqlite3_prepare_v2(db_, "UPDATE rollback SET value = ?1 WHERE id = 0", -1, &put, nullptr) !=
      SQLITE_OK) {
    throw std::runtime_error("persistence: " + path_ + ": " + sqlite3_errmsg(db_));
  }
  sqlite3_bind_blob(put, 1, sealed.data(), static_cast<int>(sealed.size()), SQLITE_STATIC);
  const int status = sqlite3_step(put);
  sqlite3_finalize(put);
  if (status != SQLITE_DONE) {
    throw std::runtime_error("persistence: re-sealing the rollback stamp of " + path_ + ": " +
                             sqlite3_errmsg(db_));
  }
}

bool PersistenceStore::empty() {
  sqlite3_stmt* select = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT 1 FROM records LIMIT 1", -1, &select, nullptr) != SQLITE_OK) {
    throw std::runtime_error("persistence: " + path_ + ": " + sqlite3_errmsg(db_));
  }
  const int status = sqlite3_step(select);
  sqlite3_finalize(select);
  if (status != SQLITE_ROW && status != SQLITE_DONE) {
    throw std::runtime_error("persistence: reading " + path_ + ": " + sqlite3_errmsg(db_));
  }
  return status == SQLITE_DONE;
}

}  // namespace trustmq::shell

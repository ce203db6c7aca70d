// Migration of a PersistenceStore to another module measurement (persistence_store.h,
// docs/persistence.md "Migration to another module"): the module that sealed the records opens
// each one and seals it again for the new module, in one transaction.
#include <openssl/crypto.h>
#include <sqlite3.h>

#include <stdexcept>
#include <utility>

#include "mqtt/persistence_record.h"
#include "shell/persistence_store.h"
#include "shell/sqlite_blob_column.h"

namespace trustmq::shell {
namespace {

// Rows read per query: bounded memory whatever the store's size, and no statement reads the
// table while it is being updated (each batch is read completely, then written).
constexpr int kRowsPerBatch = 1024;

struct Resealed {
  mqtt::Bytes key;
  mqtt::Bytes value;
};

}  // namespace

PersistenceStore::Migration PersistenceStore::reseal_for(std::unique_ptr<RecordSealer> target) {
  commit();  // what is staged is written (and sealed) as before
  Migration result;
  sqlite3_stmt* select = nullptr;
  sqlite3_stmt* update = nullptr;
  const auto sqlite_error = [&](const std::string& what) {
    return std::runtime_error("persistence: re-sealing " + path_ + ": " + what + ": " +
                              sqlite3_errmsg(db_));
  };
  execute("BEGIN");
  try {
    if (sqlite3_prepare_v2(db_,
                           "SELECT key, value FROM records WHERE key > ?1 ORDER BY key LIMIT ?2",
                           -1, &select, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v2(db_, "UPDATE records SET value = ?2 WHERE key = ?1", -1, &update,
                           nullptr) != SQLITE_OK) {
      throw sqlite_error("prepare");
    }
    mqtt::Bytes after;  // the last key read; every key is greater than the empty blob
    mqtt::Bytes plaintext;
    std::vector<Resealed> batch;
    for (;;) {
      if (after.empty()) {
        sqlite3_bind_zeroblob(select, 1, 0);
      } else {
        sqlite3_bind_blob(select, 1, after.data(), static_cast<int>(after.size()),
                          SQLITE_TRANSIENT);
      }
      sqlite3_bind_int(select, 2, kRowsPerBatch);
      batch.clear();
      int rows = 0;
      int status = SQLITE_ROW;
      while ((status = sqlite3_step(select)) == SQLITE_ROW) {
        ++rows;
        const mqtt::ByteView key = sqlite_blob_column(select, 0);
        const mqtt::ByteView value = sqlite_blob_column(select, 1);
        after.assign(key.begin(), key.end());
        std::string error;
        plaintext.clear();
        if (!mqtt::record_kind(key)) {
          result.left.push_back("record " + mqtt::describe_key(key) + " left: unknown key");
          continue;
        }
        if (!sealer_->open_append(key, value, plaintext, error)) {
          result.left.push_back("record " + mqtt::describe_key(key) + " left: " + error);
          continue;
        }
        Resealed& resealed = batch.emplace_back();
        resealed.key.assign(key.begin(), key.end());
        target->seal_into(key, plaintext, resealed.value);
        OPENSSL_cleanse(plaintext.data(), plaintext.size());
      }
      sqlite3_reset(select);
      if (status != SQLITE_DONE) throw sqlite_error("reading");
      for (const Resealed& r : batch) {
        sqlite3_bind_blob(update, 1, r.key.data(), static_cast<int>(r.key.size()), SQLITE_STATIC);
        sqlite3_bind_blob(update, 2, r.value.data(), static_cast<int>(r.value.size()),
                          SQLITE_STATIC);
        const int written = sqlite3_step(update);
        sqlite3_reset(update);
        if (written != SQLITE_DONE) throw sqlite_error("writing " + mqtt::describe_key(r.key));
        ++result.resealed;
      }
      if (rows < kRowsPerBatch) break;
    }
    reseal_rollback_stamp(*target);
    sqlite3_finalize(select);
    sqlite3_finalize(update);
    select = update = nullptr;
    execute("COMMIT");
  } catch (...) {
    sqlite3_finalize(select);
    sqlite3_finalize(update);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  sealer_ = std::move(target);
  return result;
}

}  // namespace trustmq::shell

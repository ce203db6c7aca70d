// Migration of a store to another module measurement (PersistenceStore::reseal_for): every
// record the old module opens is readable under the new measurement and no longer under the
// old one; a record the old module did not vouch for (altered) is left as it was and stays
// refused; the rollback stamp follows; what is written afterwards is sealed for the new module.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "mqtt/byte_reader.h"
#include "mqtt/persistence_record.h"
#include "shell/persistence_store.h"
#include "support/temp_directory.h"

namespace trustmq::shell {
namespace {

const std::string kOldModule(64, 'c');
const std::string kNewModule(64, 'd');

std::unique_ptr<RecordSealer> sealer_for(const std::string& measurement, std::uint8_t secret = 9) {
  std::array<std::uint8_t, kPlatformSecretBytes> s{};
  s.fill(secret);
  return std::make_unique<RecordSealer>(s, measurement);
}

mqtt::Bytes put_record(const mqtt::Bytes& key, const std::string& value) {
  mqtt::Bytes out;
  mqtt::encode_record(mqtt::RecordOp::kPut, key, mqtt::Bytes(value.begin(), value.end()), out);
  return out;
}

// Flips one byte of the ciphertext of `key`'s row, as a host editing the file would.
void alter_row(const std::string& directory, const mqtt::Bytes& key) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((directory + "/trustmq.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT value FROM records WHERE key = ?1", -1, &st, nullptr),
            SQLITE_OK);
  sqlite3_bind_blob(st, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  const auto* stored = static_cast<const std::uint8_t*>(sqlite3_column_blob(st, 0));
  mqtt::Bytes value(stored, stored + sqlite3_column_bytes(st, 0));
  sqlite3_finalize(st);
  value[50] ^= 0x01;
  ASSERT_EQ(
      sqlite3_prepare_v2(db, "UPDATE records SET value = ?2 WHERE key = ?1", -1, &st, nullptr),
      SQLITE_OK);
  sqlite3_bind_blob(st, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  sqlite3_bind_blob(st, 2, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  ASSERT_EQ(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

// More messages than one batch of the migration (1 024 rows), so that it pages through the keys.
constexpr std::uint64_t kMigratedMessages = 2'500;

void fill_store(const std::string& directory) {
  PersistenceStore store(directory, sealer_for(kOldModule));
  store.stage(put_record(mqtt::session_key("c1"), "session"));
  store.stage(put_record(mqtt::retained_key("a/b"), "retained"));
  for (std::uint64_t n = 1; n <= kMigratedMessages; ++n) {
    store.stage(put_record(mqtt::message_key("c1", n), "message " + std::to_string(n)));
  }
  store.commit();
}

TEST(PersistenceStoreMigrationTest, RecordsOpenUnderTheNewMeasurementAndNoLongerUnderTheOld) {
  test_support::TempDirectory dir;
  fill_store(dir.path());
  alter_row(dir.path(), mqtt::retained_key("a/b"));
  {
    PersistenceStore store(dir.path(), sealer_for(kOldModule));
    const PersistenceStore::Migration migration = store.reseal_for(sealer_for(kNewModule));
    EXPECT_EQ(migration.resealed, kMigratedMessages + 1);  // the messages and the session
    ASSERT_EQ(migration.left.size(), 1u);
    EXPECT_NE(migration.left[0].find("retained 'a/b' left: authentication failed"),
              std::string::npos)
        << migration.left[0];
  }
  PersistenceStore as_new(dir.path(), sealer_for(kNewModule));
  const PersistenceStore::Loaded loaded = as_new.load();
  ASSERT_EQ(loaded.records.size(), kMigratedMessages + 1);
  // Every value came through intact, in key order: the session, then message 1, 2, …
  const std::optional<mqtt::RecordView> first = mqtt::decode_record(loaded.records[0]);
  ASSERT_TRUE(first);
  EXPECT_EQ(mqtt::describe_key(first->key), "session 'c1'");
  EXPECT_EQ(mqtt::as_string_view(first->value), "session");
  for (std::uint64_t n = 1; n <= kMigratedMessages; ++n) {
    const std::optional<mqtt::RecordView> r = mqtt::decode_record(loaded.records[n]);
    ASSERT_TRUE(r);
    ASSERT_EQ(mqtt::as_string_view(r->value), "message " + std::to_string(n));
  }
  // The altered row was not vouched for by the old module: it is not made valid for the new one.
  ASSERT_EQ(loaded.refused.size(), 1u);
  EXPECT_NE(
      loaded.refused[0].find("retained 'a/b' refused: sealed by module measurement " + kOldModule),
      std::string::npos)
      << loaded.refused[0];

  PersistenceStore as_old(dir.path(), sealer_for(kOldModule));
  const PersistenceStore::Loaded refused = as_old.load();
  EXPECT_TRUE(refused.records.empty());  // only the altered row is still marked as the old one's
  ASSERT_EQ(refused.refused.size(), kMigratedMessages + 2);
  EXPECT_NE(refused.refused[0].find("sealed by module measurement " + kNewModule),
            std::string::npos)
      << refused.refused[0];
}

TEST(PersistenceStoreMigrationTest, WritesAfterTheMigrationAreSealedForTheNewModule) {
  test_support::TempDirectory dir;
  fill_store(dir.path());
  {
    PersistenceStore store(dir.path(), sealer_for(kOldModule));
    store.stage(put_record(mqtt::retained_key("staged/before"), "staged"));  // not committed yet
    store.reseal_for(sealer_for(kNewModule));
    store.stage(put_record(mqtt::retained_key("written/after"), "after"));
    store.commit();
  }
  PersistenceStore as_new(dir.path(), sealer_for(kNewModule));
  const PersistenceStore::Loaded loaded = as_new.load();
  EXPECT_TRUE(loaded.refused.empty());
  EXPECT_EQ(loaded.records.size(), kMigratedMessages + 4);  // + session, a/b and the two new
}

TEST(PersistenceStoreMigrationTest, TheRollbackStampFollowsAndAnotherSecretOpensNothing) {
  test_support::TempDirectory dir;
  fill_store(dir.path());
  {
    PersistenceStore store(dir.path(), sealer_for(kOldModule));
    store.stage_rollback_stamp(41);
    store.commit();
    store.reseal_for(sealer_for(kNewModule));
  }
  PersistenceStore as_new(dir.path(), sealer_for(kNewModule));
  EXPECT_EQ(as_new.rollback_stamp(), std::optional<std::uint64_t>(41));
  PersistenceStore as_old(dir.path(), sealer_for(kOldModule));
  EXPECT_THROW(as_old.rollback_stamp(), std::runtime_error);
  // The new measurement with another platform secret (another machine): nothing opens.
  PersistenceStore elsewhere(dir.path(), sealer_for(kNewModule, 10));
  EXPECT_EQ(elsewhere.load().refused.size(), kMigratedMessages + 2);
}

TEST(PersistenceStoreMigrationTest, AStoreWithoutAStampGetsNone) {
  test_support::TempDirectory dir;
  fill_store(dir.path());
  {
    PersistenceStore store(dir.path(), sealer_for(kOldModule));
    store.reseal_for(sealer_for(kNewModule));
  }
  PersistenceStore as_new(dir.path(), sealer_for(kNewModule));
  EXPECT_FALSE(as_new.rollback_stamp().has_value());
}

}  // namespace
}  // namespace trustmq::shell

// The SQLite store: staged records load back in key order after a commit, uncommitted ones
// do not, deletes apply, and a record altered on disk or sealed under another module
// measurement is refused by name while the others load.
#include "shell/persistence_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "mqtt/persistence_record.h"
#include "support/temp_directory.h"

namespace trustmq::shell {
namespace {

const std::string kMeasurementA(64, 'a');
const std::string kMeasurementB(64, 'b');

std::unique_ptr<RecordSealer> sealer(const std::string& measurement) {
  std::array<std::uint8_t, kPlatformSecretBytes> s{};
  s.fill(7);
  return std::make_unique<RecordSealer>(s, measurement);
}

mqtt::Bytes put(const mqtt::Bytes& key, std::string_view value) {
  mqtt::Bytes out;
  mqtt::encode_record(mqtt::RecordOp::kPut, key, mqtt::Bytes(value.begin(), value.end()), out);
  return out;
}

mqtt::Bytes del(const mqtt::Bytes& key) {
  mqtt::Bytes out;
  mqtt::encode_record(mqtt::RecordOp::kDelete, key, {}, out);
  return out;
}

std::vector<std::string> keys_of(const PersistenceStore::Loaded& loaded) {
  std::vector<std::string> keys;
  for (const mqtt::Bytes& record : loaded.records) {
    keys.push_back(mqtt::describe_key(mqtt::decode_record(record)->key));
  }
  return keys;
}

TEST(PersistenceStoreTest, TheClockOfTheLastCommitLoadsBack) {
  test_support::TempDirectory dir;
  {
    PersistenceStore store(dir.path(), sealer(kMeasurementA));
    EXPECT_FALSE(store.clock_anchor().has_value());  // a new store has none
    store.stage_clock(ClockAnchor{1'000, 1'700'000'000'000});
    store.commit();
    store.stage_clock(ClockAnchor{5'000, 1'700'000'004'000});
    store.commit();
    store.stage_clock(ClockAnchor{9'000, 1'700'000'008'000});  // never committed
  }
  PersistenceStore again(dir.path(), sealer(kMeasurementA));
  const std::optional<ClockAnchor> anchor = again.clock_anchor();
  ASSERT_TRUE(anchor.has_value());
  EXPECT_EQ(anchor->broker_ms, 5'000u);
  EXPECT_EQ(anchor->wall_ms, 1'700'000'004'000);
  EXPECT_TRUE(again.load().records.empty());  // the clock is not a record
}

TEST(PersistenceStoreTest, CommittedRecordsLoadInKeyOrder) {
  test_support::TempDirectory dir;
  {
    PersistenceStore store(dir.path(), sealer(kMeasurementA));
    store.stage(put(mqtt::message_key("c", 2), "m2"));
    store.stage(put(mqtt::retained_key("r"), "ret"));
    store.stage(put(mqtt::session_key("c"), "s"));
    store.stage(put(mqtt::message_key("c", 1), "m1"));
    store.stage(put(mqtt::retained_key("gone"), "x"));
    store.stage(del(mqtt::retained_key("gone")));
    EXPECT_TRUE(store.has_pending());
    store.commit();
    EXPECT_FALSE(store.has_pending());
    store.stage(put(mqtt::retained_key("uncommitted"), "lost"));  // never committed
  }
  PersistenceStore again(dir.path(), sealer(kMeasurementA));
  const PersistenceStore::Loaded loaded = again.load();
  EXPECT_TRUE(loaded.refused.empty());
  EXPECT_EQ(keys_of(loaded), (std::vector<std::string>{"session 'c'", "retained 'r'",
                                                       "message 1 of 'c'", "message 2 of 'c'"}));
  const auto first = mqtt::decode_record(loaded.records[0]);
  EXPECT_EQ(std::string(first->value.begin(), first->value.end()), "s");
}

TEST(PersistenceStoreTest, RecordsOfOneKeyAreCoalescedBeforeTheyAreWritten) {
  test_support::TempDirectory dir;
  {
    PersistenceStore store(dir.path(), sealer(kMeasurementA));
    store.stage(put(mqtt::message_key("c", 9), "committed before"));
    store.commit();
    EXPECT_EQ(store.written_rows(), 1u);
    store.stage(put(mqtt::message_key("c", 1), "queued"));
    store.stage(put(mqtt::message_key("c", 1), "in flight"));  // the same message, rewritten
    store.stage(put(mqtt::message_key("c", 2), "queued"));
    store.stage(del(mqtt::message_key("c", 2)));  // acknowledged in the same batch
    store.stage(del(mqtt::message_key("c", 9)));  // acknowledged later
    store.stage(put(mqtt::session_key("c"), "s"));
    store.commit();
    EXPECT_EQ(store.staged_records(), 7u);
    // One row per key: message 1 once, message 2 and 9 one DELETE each, the session.
    EXPECT_EQ(store.written_rows(), 1u + 4u);
    EXPECT_EQ(store.commits(), 2u);
  }
  PersistenceStore again(dir.path(), sealer(kMeasurementA));
  const PersistenceStore::Loaded loaded = again.load();
  EXPECT_TRUE(loaded.refused.empty());
  ASSERT_EQ(keys_of(loaded), (std::vector<std::string>{"session 'c'", "message 1 of 'c'"}));
  const auto message = mqtt::decode_record(loaded.records[1]);
  EXPECT_EQ(std::string(message->value.begin(), message->value.end()), "in flight");
}

TEST(PersistenceStoreTest, ManyPendingKeysAreWrittenEarlyButOnlyTheCommitMakesThemDurable) {
  test_support::TempDirectory dir;
  const std::size_t many = PersistenceStore::kMaxPendingKeys + 10;
  {
    PersistenceStore store(dir.path(), sealer(kMeasurementA));
    store.stage(put(mqtt::session_key("c"), "s"));
    store.commit();
    store.stage(put(mqtt::message_key("c", 0), "deleted after the early write"));
    for (std::size_t i = 1; i <= many; ++i) store.stage(put(mqtt::message_key("c", i), "m"));
    EXPECT_GE(store.written_rows(), PersistenceStore::kMaxPendingKeys);  // written early
    store.stage(del(mqtt::message_key("c", 0)));
    // Not committed: a crash now (the store closed without commit) keeps none of them.
  }
  {
    PersistenceStore store(dir.path(), sealer(kMeasurementA));
    EXPECT_EQ(keys_of(store.load()), (std::vector<std::string>{"session 'c'"}));
    store.stage(put(mqtt::message_key("c", 0), "deleted after the early write"));
    for (std::size_t i = 1; i <= many; ++i) store.stage(put(mqtt::message_key("c", i), "m"));
    store.stage(del(mqtt::message_key("c", 0)));
    store.commit();
  }
  PersistenceStore again(dir.path(), sealer(kMeasurementA));
  const PersistenceStore::Loaded loaded = again.load();
  EXPECT_TRUE(loaded.refused.empty());
  ASSERT_EQ(loaded.records.size(), 1 + many);  // the session and messages 1…many, not 0
  EXPECT_EQ(keys_of(loaded)[1], "message 1 of 'c'");
}

TEST(PersistenceStoreTest, AlteredRecordIsRefusedByNameAndTheOthersLoad) {
  test_support::TempDirectory dir;
  {
    PersistenceStore store(dir.path(), sealer(kMeasurementA));
    store.stage(put(mqtt::session_key("c"), "s"));
    store.stage(put(mqtt::retained_key("r"), "ret"));
    store.commit();
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() + "/trustmq.db").c_str(), &db), SQLITE_OK);
  // Flip one bit of the ciphertext of the retained record (after the 45-byte header).
  const mqtt::Bytes key = mqtt::retained_key("r");
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT value FROM records WHERE key = ?1", -1, &st, nullptr),
            SQLITE_OK);
  sqlite3_bind_blob(st, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  const auto* stored = static_cast<const std::uint8_t*>(sqlite3_column_blob(st, 0));
  mqtt::Bytes value(stored, stored + sqlite3_column_bytes(st, 0));
  sqlite3_finalize(st);
  ASSERT_GT(value.size(), 46u);
  value[45] ^= 0x01;
  ASSERT_EQ(
      sqlite3_prepare_v2(db, "UPDATE records SET value = ?2 WHERE key = ?1", -1, &st, nullptr),
      SQLITE_OK);
  sqlite3_bind_blob(st, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  sqlite3_bind_blob(st, 2, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  ASSERT_EQ(sqlite3_step(st), SQLITE_DONE);
  EXPECT_EQ(sqlite3_changes(db), 1);
  sqlite3_finalize(st);
  sqlite3_close(db);

  PersistenceStore again(dir.path(), sealer(kMeasurementA));
  const PersistenceStore::Loaded loaded = again.load();
  ASSERT_EQ(loaded.refused.size(), 1u);
  EXPECT_TRUE(loaded.refused[0].starts_with("record retained 'r' refused: authentication failed"))
      << loaded.refused[0];
  EXPECT_EQ(keys_of(loaded), std::vector<std::string>{"session 'c'"});
}

TEST(PersistenceStoreTest, StoreOfAnotherModuleMeasurementIsRefused) {
  test_support::TempDirectory dir;
  {
    PersistenceStore store(dir.path(), sealer(kMeasurementA));
    store.stage(put(mqtt::session_key("c"), "s"));
    store.commit();
  }
  PersistenceStore other(dir.path(), sealer(kMeasurementB));
  const PersistenceStore::Loaded loaded = other.load();
  EXPECT_TRUE(loaded.records.empty());
  ASSERT_EQ(loaded.refused.size(), 1u);
  EXPECT_EQ(loaded.refused[0], "record session 'c' refused: sealed by module measurement " +
                                   kMeasurementA + ", not by this broker's " + kMeasurementB);
}

TEST(PersistenceStoreTest, MalformedRecordFromTheCoreFailsTheCommit) {
  test_support::TempDirectory dir;
  PersistenceStore store(dir.path(), sealer(kMeasurementA));
  const mqtt::Bytes garbage = {9, 9};
  store.stage(garbage);
  EXPECT_THROW(store.commit(), std::runtime_error);
}

TEST(PersistenceStoreTest, UnwritableDirectoryIsNamed) {
  try {
    PersistenceStore store("/nonexistent-dir-for-this-test", sealer(kMeasurementA));
    FAIL() << "opened";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir-for-this-test/trustmq.db"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace trustmq::shell

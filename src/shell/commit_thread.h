// persistence_durability sync without blocking the event loop in fsync
// (docs/persistence.md, "Commits on their own thread"): the loop stages the core's records
// into a batch; when the thread is idle, the loop hands it the batch, and the thread writes it
// into the PersistenceStore (coalescing, sealing, SQLite) and commits it (fsync of the WAL),
// then signals an eventfd. Meanwhile the loop keeps serving connections and staging the next
// batch. Bytes that need a batch committed (CommitGate) are released when its eventfd says so.
//
// The store is used by the thread only while a batch is being committed; the loop uses it
// directly only after wait_idle() (a rollback stamp, the clean stop). Batches are numbered
// from 1; at most one is being committed while the next is staged.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "mqtt/types.h"
#include "shell/persistence_store.h"

namespace trustmq::shell {

class CommitThread {
 public:
  // Starts the thread. Throws std::runtime_error (eventfd). `store` must outlive this.
  explicit CommitThread(PersistenceStore& store);
  ~CommitThread();  // waits for the batch being committed, then stops the thread
  CommitThread(const CommitThread&) = delete;
  CommitThread& operator=(const CommitThread&) = delete;

  // Readable (level-triggered) while a committed batch has not been collect()ed.
  int event_fd() const { return event_fd_; }

  // ---- the loop thread only ----
  // Adds a record to the batch being staged (never throws: a failure is reported by the
  // commit of that batch).
  void stage(mqtt::ByteView record) noexcept;
  // Saves the clock with the batch being staged.
  void stage_clock(const ClockAnchor& anchor) { clock_ = anchor; }
  bool has_staged() const { return staged_records_ > 0 || clock_.has_value(); }
  std::size_t staged_bytes() const { return staged_.size(); }
  // The number of the batch being staged: what a byte that depends on the records staged so
  // far waits for.
  std::uint64_t staging_batch() const { return staging_; }
  // Every batch up to this one is committed (collected).
  std::uint64_t committed_through() const { return committed_; }
  bool busy() const { return busy_; }
  // If idle and something is staged: hands the staged batch to the thread. True if it did.
  bool start_commit();
  // After event_fd() became readable: takes the result of the batch just committed and returns
  // committed_through(). Throws std::runtime_error if the commit failed (nothing of that batch
  // may be trusted, and the thread commits nothing more). Does nothing if none is done.
  std::uint64_t collect();
  // Blocks until no batch is being committed, and collects it (may throw as collect()).
  void wait_idle();

  // Tests: called on the commit thread before each commit (e.g. to hold it).
  void set_before_commit(std::function<void()> hook) { before_commit_ = std::move(hook); }

 private:
  void run();

  PersistenceStore& store_;
  int event_fd_ = -1;
  std::function<void()> before_commit_;

  // Loop thread.
  std::vector<std::uint8_t> staged_;  // records, each after a 4-byte length
  std::size_t staged_records_ = 0;
  std::optional<ClockAnchor> clock_;
  std::uint64_t staging_ = 1;
  std::uint64_t committed_ = 0;
  bool busy_ = false;

  // Shared, under mutex_.
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool has_work_ = false;
  bool done_ = false;
  std::vector<std::uint8_t> work_;
  std::optional<ClockAnchor> work_clock_;
  std::string failure_;

  std::thread thread_;
};

}  // namespace trustmq::shell

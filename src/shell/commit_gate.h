// What of one connection's outbound queue may be written now, with persistence_durability
// sync: bytes that depend on records not yet committed are held, with the number of the
// commit (the store's batch) they wait for, and so is everything queued after them, so that
// no byte overtakes a held one (docs/persistence.md, "What may go before the commit").
//
// Positions count the bytes ever queued on the connection, so they stay valid while the queue
// is written from its front. A connection holds bytes for at most a few commits (the one being
// written and the one being staged), so the marks are few.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace trustmq::shell {

class CommitGate {
 public:
  // `bytes` were queued. `needs_commit`: they may not be written before batch `batch` is
  // committed. Bytes that need no commit are held too while bytes queued before them are.
  void queued(std::size_t bytes, bool needs_commit, std::uint64_t batch);
  // Batches up to `batch` are committed: the bytes waiting for them may be written. True if
  // that made bytes writable.
  bool release_through(std::uint64_t batch);
  // `bytes` from the front of the queue were written (at most writable()).
  void written(std::size_t bytes) { written_ += bytes; }
  // The queue was emptied without writing (the connection is going away).
  void discard();

  // Bytes at the front of the queue that may be written now.
  std::size_t writable() const { return static_cast<std::size_t>(free_end_ - written_); }
  // Bytes at the end of the queue that wait for a commit.
  std::size_t held() const { return static_cast<std::size_t>(queued_ - free_end_); }
  bool holds() const { return !marks_.empty(); }

 private:
  struct Mark {
    std::uint64_t end;    // position after the last byte that waits for `batch`
    std::uint64_t batch;  // the commit those bytes wait for
  };
  std::uint64_t queued_ = 0;    // bytes ever queued
  std::uint64_t written_ = 0;   // bytes ever written (or discarded)
  std::uint64_t free_end_ = 0;  // bytes before this position may be written
  std::vector<Mark> marks_;     // ascending in end and batch
};

}  // namespace trustmq::shell

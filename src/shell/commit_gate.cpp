#include "shell/commit_gate.h"

namespace trustmq::shell {

void CommitGate::queued(std::size_t bytes, bool needs_commit, std::uint64_t batch) {
  queued_ += bytes;
  if (!needs_commit) {
    if (marks_.empty()) {
      free_end_ = queued_;
    } else {
      marks_.back().end = queued_;  // behind held bytes: goes with them
    }
    return;
  }
  if (!marks_.empty() && marks_.back().batch >= batch) {
    marks_.back().end = queued_;
  } else {
    marks_.push_back(Mark{queued_, batch});
  }
}

bool CommitGate::release_through(std::uint64_t batch) {
  const std::uint64_t before = free_end_;
  std::size_t n = 0;
  while (n < marks_.size() && marks_[n].batch <= batch) free_end_ = marks_[n++].end;
  marks_.erase(marks_.begin(), marks_.begin() + static_cast<std::ptrdiff_t>(n));
  return free_end_ != before;
}

void CommitGate::discard() {
  marks_.clear();
  written_ = queued_;
  free_end_ = queued_;
}

}  // namespace trustmq::shell

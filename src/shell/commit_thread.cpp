#include "shell/commit_thread.h"

#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>

namespace trustmq::shell {

CommitThread::CommitThread(PersistenceStore& store) : store_(store) {
  event_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (event_fd_ < 0) {
    throw std::runtime_error(std::string("persistence: eventfd: ") + std::strerror(errno));
  }
  // The thread takes no signal: the broker's SIGTERM, SIGINT and SIGHUP go to the event loop
  // (Server::handle_signals blocks them there, possibly after this thread started).
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  ::pthread_sigmask(SIG_BLOCK, &all, &previous);
  thread_ = std::thread([this] { run(); });
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

CommitThread::~CommitThread() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  ::close(event_fd_);
}

void CommitThread::stage(mqtt::ByteView record) noexcept {
  try {
    const auto n = static_cast<std::uint32_t>(record.size());
    const std::uint8_t length[4] = {
        static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
        static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
    staged_.insert(staged_.end(), length, length + 4);
    staged_.insert(staged_.end(), record.begin(), record.end());
    ++staged_records_;
  } catch (...) {
    // Out of memory: a record lost here must not go unnoticed. A zero-length record is
    // malformed, so the store fails this batch's commit and the broker stops.
    staged_.insert(staged_.end(), 4, std::uint8_t{0});
    ++staged_records_;
  }
}

bool CommitThread::start_commit() {
  if (busy_ || !has_staged()) return false;
  {
    std::lock_guard lock(mutex_);
    work_.swap(staged_);
    work_clock_ = clock_;
    has_work_ = true;
  }
  staged_.clear();
  staged_records_ = 0;
  clock_.reset();
  ++staging_;
  busy_ = true;
  wake_.notify_all();
  return true;
}

std::uint64_t CommitThread::collect() {
  if (!busy_) return committed_;
  std::string failure;
  {
    std::lock_guard lock(mutex_);
    if (!done_) return committed_;
    done_ = false;
    failure = failure_;
  }
  std::uint64_t counter = 0;
  [[maybe_unused]] const ssize_t n = ::read(event_fd_, &counter, sizeof counter);
  busy_ = false;
  if (!failure.empty()) throw std::runtime_error(failure);
  committed_ = staging_ - 1;
  return committed_;
}

void CommitThread::wait_idle() {
  if (!busy_) return;
  {
    std::unique_lock lock(mutex_);
    wake_.wait(lock, [this] { return done_; });
  }
  collect();
}

void CommitThread::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stop_ || has_work_; });
    if (!has_work_) return;  // stopping, nothing left
    has_work_ = false;
    std::vector<std::uint8_t> work;
    work.swap(work_);
    const std::optional<ClockAnchor> clock = work_clock_;
    const bool failed_before = !failure_.empty();
    lock.unlock();
    std::string failure;
    if (!failed_before) {
      try {
        std::size_t at = 0;
        while (at + 4 <= work.size()) {
          const std::size_t n = (std::size_t{work[at]} << 24) | (std::size_t{work[at + 1]} << 16) |
                                (std::size_t{work[at + 2]} << 8) | std::size_t{work[at + 3]};
          store_.stage(mqtt::ByteView(work.data() + at + 4, n));
          at += 4 + n;
        }
        if (clock) store_.stage_clock(*clock);
        if (before_commit_) before_commit_();
        store_.commit();
      } catch (const std::exception& e) {
        failure = e.what();
      }
    }
    work.clear();
    lock.lock();
    work_.swap(work);  // its capacity serves the next batch staged
    if (failed_before) failure = failure_;
    if (!failure.empty()) failure_ = failure;
    done_ = true;
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(event_fd_, &one, sizeof one);
    wake_.notify_all();
  }
}

}  // namespace trustmq::shell

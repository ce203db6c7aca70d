// An owned, non-blocking socket file descriptor, and waiting on it with a deadline.
#pragma once

#include <utility>

#include "client/client_error.h"
#include "client/deadline.h"

namespace trustmq::client {

class SocketFd {
 public:
  SocketFd() = default;
  explicit SocketFd(int fd) : fd_(fd) {}
  ~SocketFd() { reset(); }
  SocketFd(SocketFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  SocketFd& operator=(SocketFd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  SocketFd(const SocketFd&) = delete;
  SocketFd& operator=(const SocketFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset();

 private:
  int fd_ = -1;
};

enum class WaitFor { kRead, kWrite };

// Waits until `fd` is readable/writable; kTimeout at the deadline, kIo on poll errors.
ClientResult<void> wait_for_socket(int fd, WaitFor what, Deadline deadline);

}  // namespace trustmq::client

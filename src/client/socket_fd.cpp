#include "client/socket_fd.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace trustmq::client {

void SocketFd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

ClientResult<void> wait_for_socket(int fd, WaitFor what, Deadline deadline) {
  pollfd p{};
  p.fd = fd;
  p.events = what == WaitFor::kRead ? POLLIN : POLLOUT;
  for (;;) {
    const int rc = ::poll(&p, 1, deadline.poll_timeout_ms());
    if (rc > 0) return ClientResult<void>::success();  // errors surface in the next I/O call
    if (rc == 0) {
      return ClientResult<void>::failure(
          make_error(ClientErrorKind::kTimeout, what == WaitFor::kRead
                                                    ? "timed out waiting for data from the broker"
                                                    : "timed out sending data to the broker"));
    }
    if (errno != EINTR) {
      return ClientResult<void>::failure(
          make_error(ClientErrorKind::kIo, std::string("poll: ") + std::strerror(errno)));
    }
  }
}

}  // namespace trustmq::client

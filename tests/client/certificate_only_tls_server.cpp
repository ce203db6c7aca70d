#include "certificate_only_tls_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace trustmq::client::testing {

std::unique_ptr<CertificateOnlyTlsServer> CertificateOnlyTlsServer::start(
    const std::string& state_dir, int tls_version) {
  ::signal(SIGPIPE, SIG_IGN);  // a client that aborts must not end the test process
  std::unique_ptr<CertificateOnlyTlsServer> s(new CertificateOnlyTlsServer());
  tls::TlsServerConfig config;
  config.state_dir = state_dir;
  auto ctx = tls::make_server_context(config);
  if (!ctx) {
    ADD_FAILURE() << "server context: " << ctx.error();
    return nullptr;
  }
  s->ctx_ = std::move(ctx.value());
  SSL_CTX_set_min_proto_version(s->ctx_.get(), tls_version);
  SSL_CTX_set_max_proto_version(s->ctx_.get(), tls_version);
  s->listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(s->listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(s->listen_fd_, 8) != 0) {
    ADD_FAILURE() << "cannot listen";
    return nullptr;
  }
  socklen_t len = sizeof a;
  ::getsockname(s->listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  s->port_ = ntohs(a.sin_port);
  s->thread_ = std::thread([raw = s.get()] { raw->serve(); });
  return s;
}

CertificateOnlyTlsServer::~CertificateOnlyTlsServer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

std::string CertificateOnlyTlsServer::received() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return received_;
}

void CertificateOnlyTlsServer::serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    timeval handshake_limit{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &handshake_limit, sizeof handshake_limit);
    tls::SslPtr ssl(SSL_new(ctx_.get()));
    SSL_set_fd(ssl.get(), fd);
    if (SSL_accept(ssl.get()) == 1) {
      ++completed_handshakes_;
      timeval tick{0, 200 * 1000};  // reads wake up often enough to notice stop_
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
      char buf[4096];
      for (int idle = 0; !stop_ && idle < 25;) {  // until the client leaves, or 5 s idle
        const int n = SSL_read(ssl.get(), buf, sizeof buf);
        if (n > 0) {
          std::lock_guard<std::mutex> lock(mutex_);
          received_.append(buf, static_cast<std::size_t>(n));
          idle = 0;
        } else if (SSL_get_error(ssl.get(), n) == SSL_ERROR_WANT_READ ||
                   (errno == EAGAIN || errno == EWOULDBLOCK)) {
          ++idle;
        } else {
          break;
        }
      }
    }
    ssl.reset();
    ::close(fd);
  }
}

}  // namespace trustmq::client::testing

#include "attested_tls_frontend.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

namespace trustmq::client::testing {

namespace {

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

}  // namespace

std::unique_ptr<AttestedTlsFrontend> AttestedTlsFrontend::start(
    const std::string& state_dir, std::shared_ptr<const attest::Attester> attester,
    std::uint16_t backend_port) {
  // OpenSSL writes with write(2): a client that leaves right after the handshake (as
  // `trustmq attest` does) must not kill the test process while the session tickets go out.
  ::signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<AttestedTlsFrontend> f(new AttestedTlsFrontend());
  f->backend_port_ = backend_port;
  tls::TlsServerConfig config;
  config.state_dir = state_dir;
  auto ctx = tls::make_server_context(config);
  if (!ctx) {
    ADD_FAILURE() << "server context: " << ctx.error();
    return nullptr;
  }
  f->ctx_ = std::move(ctx.value());
  f->attestation_ = std::make_unique<tls::AttestationServer>(
      std::vector<std::shared_ptr<const attest::Attester>>{std::move(attester)});
  if (auto a = f->attestation_->attach(f->ctx_.get()); !a) {
    ADD_FAILURE() << "attach: " << a.error();
    return nullptr;
  }
  f->listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = loopback(0);
  if (::bind(f->listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(f->listen_fd_, 8) != 0) {
    ADD_FAILURE() << "cannot listen";
    return nullptr;
  }
  socklen_t len = sizeof a;
  ::getsockname(f->listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  f->port_ = ntohs(a.sin_port);
  f->thread_ = std::thread([raw = f.get()] { raw->serve(); });
  return f;
}

AttestedTlsFrontend::~AttestedTlsFrontend() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void AttestedTlsFrontend::serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    tls::SslPtr ssl(SSL_new(ctx_.get()));
    SSL_set_fd(ssl.get(), fd);
    if (SSL_accept(ssl.get()) == 1) {
      if (tls::AttestationServer::status(ssl.get()).evidence_sent) ++evidence_sent_;
      const int backend = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in b = loopback(backend_port_);
      if (::connect(backend, reinterpret_cast<sockaddr*>(&b), sizeof b) == 0) {
        relay(ssl.get(), backend);
      }
      ::close(backend);
      SSL_shutdown(ssl.get());
    }
    ssl.reset();
    ::close(fd);
  }
}

void AttestedTlsFrontend::relay(SSL* ssl, int backend_fd) {
  const int tls_fd = SSL_get_fd(ssl);
  char buf[16384];
  while (!stop_) {
    if (SSL_pending(ssl) == 0) {
      pollfd p[2] = {{tls_fd, POLLIN, 0}, {backend_fd, POLLIN, 0}};
      if (::poll(p, 2, 50) <= 0) continue;
      if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
        const ssize_t n = ::recv(backend_fd, buf, sizeof buf, 0);
        if (n <= 0 || SSL_write(ssl, buf, static_cast<int>(n)) <= 0) return;
      }
      if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    }
    const int n = SSL_read(ssl, buf, sizeof buf);
    if (n <= 0) {
      if (SSL_get_error(ssl, n) == SSL_ERROR_WANT_READ) continue;  // e.g. a session ticket
      return;
    }
    if (::send(backend_fd, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) return;
  }
}

}  // namespace trustmq::client::testing

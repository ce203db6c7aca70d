#include "bench_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "attest/policy.h"
#include "tls/attestation_client.h"

namespace trustmq::bench {
namespace {

std::string openssl_errors() {
  std::string all;
  while (const unsigned long e = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(e, buffer, sizeof buffer);
    if (!all.empty()) all += "; ";
    all += buffer;
  }
  return all;
}

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what); }

}  // namespace

const char* security_name(Security security) {
  switch (security) {
    case Security::kPlain:
      return "plain";
    case Security::kTls:
      return "tls";
    case Security::kPsk:
      return "psk";
    case Security::kTlsAttested:
      return "tls+attest";
    case Security::kPskAttested:
      return "psk+attest";
  }
  return "?";
}

bool is_tls(Security security) { return security != Security::kPlain; }

bool is_attested(Security security) {
  return security == Security::kTlsAttested || security == Security::kPskAttested;
}

ClientTlsContext::ClientTlsContext(Security security, const Files& files) : security_(security) {
  tls::TlsClientConfig config;
  config.tls_version = "tlsv1.3";
  config.ciphers_tls13 = "TLS_AES_128_GCM_SHA256";  // the paper's suite
  const bool psk = security == Security::kPsk || security == Security::kPskAttested;
  if (psk) {
    config.psk_identity = files.psk_identity;
    config.psk_key_hex = files.psk_hex;
    config.verify_peer = false;
  } else if (security == Security::kTls) {
    config.cafile = files.cafile;
  } else {
    config.verify_peer = false;  // the evidence binds the certificate's key instead
  }
  auto ctx = tls::make_client_context(config);
  if (!ctx) fail("client TLS context: " + ctx.error() + " " + openssl_errors());
  ctx_ = std::move(ctx.value());
  if (is_attested(security)) {
    auto policy = attest::load_policy_file(files.policy_file);
    if (!policy) fail("attestation policy " + files.policy_file + ": " + policy.error());
    attestation_ = std::make_unique<tls::AttestationClient>(std::move(policy.value()));
    auto attached = attestation_->attach(ctx_.get());
    if (!attached) fail("attestation: " + attached.error());
  }
}

ClientTlsContext::~ClientTlsContext() = default;

void ClientTlsContext::check_attestation(SSL* ssl, int connect_result) const {
  if (!attestation_) return;
  const tls::AttestationOutcome outcome = attestation_->outcome(ssl, connect_result);
  if (!outcome.ok()) fail("attestation failed: " + outcome.message);
}

BenchSocket::BenchSocket(std::uint16_t port, const ClientTlsContext* tls, int timeout_ms) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  auto wait = [&](short events) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) fail("connect/handshake timed out");
    pollfd p{fd_, events, 0};
    ::poll(&p, 1, static_cast<int>(left));
  };
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) fail(std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS) {
      const std::string why = std::strerror(errno);
      ::close(fd_);
      fail("connect to 127.0.0.1:" + std::to_string(port) + ": " + why);
    }
    wait(POLLOUT);
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
      ::close(fd_);
      fail("connect to 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(error));
    }
  }
  if (tls == nullptr) return;
  ERR_clear_error();
  ssl_.reset(SSL_new(tls->ctx()));
  if (!ssl_) {
    ::close(fd_);
    fail("SSL_new: " + openssl_errors());
  }
  SSL_set_fd(ssl_.get(), fd_);
  SSL_set_mode(ssl_.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (tls->security() == Security::kTls) {
    // The bench certificate (tls::ensure_self_signed_certificate) names DNS:localhost.
    X509_VERIFY_PARAM_set1_host(SSL_get0_param(ssl_.get()), "localhost", 0);
  }
  int rc = 0;
  while (true) {
    ERR_clear_error();
    rc = SSL_connect(ssl_.get());
    if (rc == 1) break;
    const int code = SSL_get_error(ssl_.get(), rc);
    if (code == SSL_ERROR_WANT_READ) {
      wait(POLLIN);
    } else if (code == SSL_ERROR_WANT_WRITE) {
      wait(POLLOUT);
    } else {
      break;
    }
  }
  try {
    tls->check_attestation(ssl_.get(), rc);
  } catch (...) {
    ssl_.reset();
    ::close(fd_);
    throw;
  }
  if (rc != 1) {
    const std::string why = openssl_errors();
    ssl_.reset();
    ::close(fd_);
    fail("TLS handshake failed: " + (why.empty() ? std::string("connection closed") : why));
  }
}

BenchSocket::~BenchSocket() {
  ssl_.reset();
  if (fd_ >= 0) ::close(fd_);
}

SocketStatus BenchSocket::ssl_failure(int rc) {
  const int code = SSL_get_error(ssl_.get(), rc);
  wants_write_ = code == SSL_ERROR_WANT_WRITE;
  if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) {
    ERR_clear_error();
    return SocketStatus::kWouldBlock;
  }
  ERR_clear_error();
  return SocketStatus::kClosed;
}

SocketStatus BenchSocket::read(std::span<std::uint8_t> into, std::size_t& n) {
  n = 0;
  if (ssl_) {
    const int rc = SSL_read_ex(ssl_.get(), into.data(), into.size(), &n);
    if (rc == 1) {
      wants_write_ = false;
      return SocketStatus::kOk;
    }
    return ssl_failure(rc);
  }
  while (true) {
    const ssize_t r = ::recv(fd_, into.data(), into.size(), 0);
    if (r > 0) {
      n = static_cast<std::size_t>(r);
      return SocketStatus::kOk;
    }
    if (r == 0) return SocketStatus::kClosed;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return SocketStatus::kWouldBlock;
    return SocketStatus::kClosed;
  }
}

SocketStatus BenchSocket::write(std::span<const std::uint8_t> bytes, std::size_t& n) {
  n = 0;
  if (ssl_) {
    const int rc = SSL_write_ex(ssl_.get(), bytes.data(), bytes.size(), &n);
    if (rc == 1) {
      wants_write_ = false;
      return SocketStatus::kOk;
    }
    return ssl_failure(rc);
  }
  while (true) {
    const ssize_t r = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (r >= 0) {
      n = static_cast<std::size_t>(r);
      return SocketStatus::kOk;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return SocketStatus::kWouldBlock;
    return SocketStatus::kClosed;
  }
}

bool BenchSocket::has_pending_input() const { return ssl_ && SSL_has_pending(ssl_.get()) == 1; }

}  // namespace trustmq::bench

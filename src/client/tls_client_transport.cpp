#include "client/tls_client_transport.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "attest/policy.h"
#include "tls/psk_client_authentication.h"

namespace trustmq::client {

namespace {

template <typename T>
ClientResult<T> tls_failure(std::string message, ClientErrorKind kind = ClientErrorKind::kTls) {
  return ClientResult<T>::failure(make_error(kind, std::move(message)));
}

// Drains this thread's OpenSSL error queue into one line.
std::string openssl_errors() {
  std::string all;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!all.empty()) all += "; ";
    all += buf;
  }
  return all;
}

bool is_ip_literal(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// Waits as SSL asks; false when `code` is not a retry condition.
ClientResult<bool> wait_as_ssl_asks(int fd, int code, Deadline deadline) {
  if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) {
    auto w = wait_for_socket(fd, code == SSL_ERROR_WANT_READ ? WaitFor::kRead : WaitFor::kWrite,
                             deadline);
    if (!w) return ClientResult<bool>::failure(w.error());
    return ClientResult<bool>::success(true);
  }
  return ClientResult<bool>::success(false);
}

}  // namespace

ClientResult<std::unique_ptr<TlsClientTransport>> TlsClientTransport::open(
    const std::string& host, std::uint16_t port, const TlsOptions& options, Deadline deadline) {
  using R = ClientResult<std::unique_ptr<TlsClientTransport>>;
  std::unique_ptr<TlsClientTransport> t(new TlsClientTransport());
  const bool attested = !options.attestation_policy.empty();

  tls::TlsClientConfig config;
  config.cafile = options.cafile;
  config.certfile = options.certfile;
  config.keyfile = options.keyfile;
  config.tls_version = options.tls_version;
  config.psk_identity = options.psk_identity;
  config.psk_key_hex = options.psk_hex;
  // Certificate verification against a CA: always with --cafile; with the system store unless
  // the peer is authenticated otherwise (PSK: no certificate is accepted at all, see
  // tls/psk_client_authentication.h; attestation evidence binding the certificate's key).
  config.verify_peer = !options.cafile.empty() || (!options.psk() && !attested);
  if (options.psk() && (options.psk_hex.empty() || options.psk_identity.empty())) {
    return tls_failure<std::unique_ptr<TlsClientTransport>>(
        "TLS-PSK needs both --psk and --psk-identity", ClientErrorKind::kInvalidArgument);
  }
  auto ctx = tls::make_client_context(config);
  if (!ctx) {
    return tls_failure<std::unique_ptr<TlsClientTransport>>(ctx.error() + " " + openssl_errors());
  }
  t->ctx_ = std::move(ctx.value());

  if (attested) {
    auto policy = attest::load_policy_file(options.attestation_policy);
    if (!policy) {
      return tls_failure<std::unique_ptr<TlsClientTransport>>(
          "attestation policy " + options.attestation_policy + ": " + policy.error(),
          ClientErrorKind::kInvalidArgument);
    }
    t->attestation_client_ = std::make_unique<tls::AttestationClient>(std::move(policy.value()));
    auto attached = t->attestation_client_->attach(t->ctx_.get());
    if (!attached) {
      return tls_failure<std::unique_ptr<TlsClientTransport>>("attestation: " + attached.error());
    }
  }

  auto tcp = connect_tcp(host, port, deadline);
  if (!tcp) return R::failure(tcp.error());
  t->connection_ = std::move(tcp.value());
  auto h = t->handshake(host, options, deadline);
  if (!h) return R::failure(h.error());
  return R::success(std::move(t));
}

ClientResult<void> TlsClientTransport::handshake(const std::string& host, const TlsOptions& options,
                                                 Deadline deadline) {
  ERR_clear_error();
  ssl_.reset(SSL_new(ctx_.get()));
  if (!ssl_) return tls_failure<void>("SSL_new failed: " + openssl_errors());
  SSL_set_fd(ssl_.get(), connection_.fd.get());
  const std::string name = options.server_name.empty() ? host : options.server_name;
  const bool ip = is_ip_literal(name);
  if (!ip && !name.empty()) SSL_set_tlsext_host_name(ssl_.get(), name.c_str());
  if (!options.insecure && SSL_get_verify_mode(ssl_.get()) != SSL_VERIFY_NONE) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_.get());
    const int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                      : X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
    if (ok != 1) return tls_failure<void>("cannot set the expected server name '" + name + "'");
  }

  int rc = 0;
  for (;;) {
    rc = SSL_connect(ssl_.get());
    if (rc == 1) break;
    const int code = SSL_get_error(ssl_.get(), rc);
    auto waited = wait_as_ssl_asks(connection_.fd.get(), code, deadline);
    if (!waited) {
      ClientError e = waited.error();
      e.message = "timed out in the TLS handshake";
      return ClientResult<void>::failure(std::move(e));
    }
    if (!*waited) break;
  }

  // TLS-PSK: only a handshake authenticated by the key counts, checked before the attestation
  // verdict (a certificate handshake is refused even if it carried valid evidence).
  if (options.psk() && (tls::server_certificate_refused(ssl_.get()) ||
                        (rc == 1 && !tls::psk_authenticated(ssl_.get())))) {
    ERR_clear_error();
    return tls_failure<void>(tls::psk_not_used_message(connection_.peer, options.psk_identity));
  }
  if (attestation_client_) {
    // Right after the final SSL_connect, before anything else touches the error queue.
    attestation_ = attestation_client_->outcome(ssl_.get(), rc);
    if (!attestation_->ok()) {
      ClientError e =
          make_error(ClientErrorKind::kAttestation, "attestation failed: " + attestation_->message);
      e.attestation_error = std::string(tls::attestation_error_name(attestation_->error));
      if (attestation_->error == tls::AttestationError::kHandshakeFailed) {
        const long verify = SSL_get_verify_result(ssl_.get());
        if (verify != X509_V_OK) {
          e.message += std::string(" (certificate: ") + X509_verify_cert_error_string(verify) + ")";
        }
      }
      ERR_clear_error();
      return ClientResult<void>::failure(std::move(e));
    }
  }
  if (rc != 1) {
    std::string why = openssl_errors();
    const long verify = SSL_get_verify_result(ssl_.get());
    if (verify != X509_V_OK) {
      why = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
    }
    if (why.empty()) why = "the broker closed the connection during the handshake";
    if (options.psk()) why += " (" + tls::psk_handshake_failure_hint(options.psk_identity) + ")";
    return tls_failure<void>("TLS handshake with " + connection_.peer + " failed: " + why);
  }
  return ClientResult<void>::success();
}

TlsClientTransport::~TlsClientTransport() { close(); }

ClientResult<void> TlsClientTransport::write_all(mqtt::ByteView data, Deadline deadline) {
  if (closed_ || !ssl_) {
    return ClientResult<void>::failure(
        make_error(ClientErrorKind::kConnectionClosed, "connection already closed"));
  }
  std::size_t sent = 0;
  while (sent < data.size()) {
    std::size_t n = 0;
    ERR_clear_error();
    const int rc = SSL_write_ex(ssl_.get(), data.data() + sent, data.size() - sent, &n);
    if (rc == 1) {
      sent += n;
      continue;
    }
    const int code = SSL_get_error(ssl_.get(), rc);
    auto waited = wait_as_ssl_asks(connection_.fd.get(), code, deadline);
    if (!waited) return ClientResult<void>::failure(waited.error());
    if (*waited) continue;
    if (code == SSL_ERROR_ZERO_RETURN || (code == SSL_ERROR_SYSCALL && errno == EPIPE)) {
      return ClientResult<void>::failure(
          make_error(ClientErrorKind::kConnectionClosed, "the broker closed the connection"));
    }
    return tls_failure<void>("TLS write failed: " + openssl_errors());
  }
  return ClientResult<void>::success();
}

ClientResult<std::size_t> TlsClientTransport::read_some(mqtt::Bytes& out, Deadline deadline) {
  if (closed_ || !ssl_) {
    return ClientResult<std::size_t>::failure(
        make_error(ClientErrorKind::kConnectionClosed, "connection already closed"));
  }
  std::uint8_t buffer[16384];
  for (;;) {
    std::size_t n = 0;
    ERR_clear_error();
    const int rc = SSL_read_ex(ssl_.get(), buffer, sizeof buffer, &n);
    if (rc == 1) {
      out.insert(out.end(), buffer, buffer + n);
      return ClientResult<std::size_t>::success(n);
    }
    const int code = SSL_get_error(ssl_.get(), rc);
    auto waited = wait_as_ssl_asks(connection_.fd.get(), code, deadline);
    if (!waited) return ClientResult<std::size_t>::failure(waited.error());
    if (*waited) continue;
    if (code == SSL_ERROR_ZERO_RETURN || code == SSL_ERROR_SYSCALL) {
      return ClientResult<std::size_t>::failure(
          make_error(ClientErrorKind::kConnectionClosed, "the broker closed the connection"));
    }
    return tls_failure<std::size_t>("TLS read failed: " + openssl_errors());
  }
}

void TlsClientTransport::close() {
  if (closed_) return;
  closed_ = true;
  if (ssl_ && SSL_is_init_finished(ssl_.get())) {
    SSL_shutdown(ssl_.get());  // close_notify, best effort (non-blocking)
  }
  if (connection_.fd.valid()) ::shutdown(connection_.fd.get(), SHUT_RDWR);
  connection_.fd.reset();
}

std::string TlsClientTransport::description() const {
  std::string d = "tls " + connection_.peer;
  if (ssl_) {
    d += std::string(" ") + SSL_get_version(ssl_.get()) + " " +
         SSL_CIPHER_get_name(SSL_get_current_cipher(ssl_.get()));
  }
  if (attestation_ && attestation_->ok()) d += " attested";
  return d;
}

}  // namespace trustmq::client

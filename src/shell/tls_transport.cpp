#include "shell/tls_transport.h"

#include <openssl/err.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "attest/evidence_type.h"

namespace trustmq::shell {
namespace {

// The reasons in this thread's OpenSSL error queue, most recent last, then clears it.
std::string drain_openssl_errors() {
  std::string all;
  while (const unsigned long e = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(e);
    if (!all.empty()) all += "; ";
    if (reason != nullptr) {
      all += reason;
    } else {
      char buffer[256];
      ERR_error_string_n(e, buffer, sizeof buffer);
      all += buffer;
    }
  }
  return all;
}

}  // namespace

TlsTransport::TlsTransport(int fd, std::shared_ptr<const TlsListenerContext> listener)
    : listener_(std::move(listener)), ssl_(SSL_new(listener_->ctx.get())) {
  if (!ssl_ || SSL_set_fd(ssl_.get(), fd) != 1) {
    ERR_clear_error();
    throw std::runtime_error("cannot create a TLS connection (out of memory?)");
  }
  // The outbound queue may move its bytes between a WANT_WRITE and the retry, and a write
  // returns after each record so the queue can release what went out.
  SSL_set_mode(ssl_.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_set_accept_state(ssl_.get());
}

IoResult TlsTransport::result_of_failure(int rc, const char* operation) {
  const int code = SSL_get_error(ssl_.get(), rc);
  wants_write_ = false;
  switch (code) {
    case SSL_ERROR_WANT_READ:
      ERR_clear_error();
      return {IoStatus::kWouldBlock, 0, {}};
    case SSL_ERROR_WANT_WRITE:
      ERR_clear_error();
      wants_write_ = true;
      return {IoStatus::kWouldBlock, 0, {}};
    case SSL_ERROR_ZERO_RETURN:
      ERR_clear_error();
      return {IoStatus::kClosed, 0, "close_notify"};
    case SSL_ERROR_SYSCALL: {
      const int saved = errno;
      std::string detail = drain_openssl_errors();
      if (detail.empty()) detail = saved == 0 ? "connection closed" : std::strerror(saved);
      if (saved == 0 || saved == ECONNRESET || saved == EPIPE) {
        return {IoStatus::kClosed, 0, detail};
      }
      return {IoStatus::kError, 0, std::string(operation) + ": " + detail};
    }
    default: {
      if (code == SSL_ERROR_SSL &&
          ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        ERR_clear_error();
        return {IoStatus::kClosed, 0, "connection closed without close_notify"};
      }
      std::string detail = drain_openssl_errors();
      const tls::ServerAttestationStatus attestation = tls::AttestationServer::status(ssl_.get());
      if (!attestation.error.empty()) {
        detail = "attestation: " + attestation.error + (detail.empty() ? "" : " (" + detail + ")");
      }
      if (detail.empty()) detail = "SSL error " + std::to_string(code);
      // The peer's cause, when it sent an alert, is in the message ("tlsv1 alert access
      // denied"); a handshake failure of ours names what we refused.
      return {IoStatus::kError, 0, std::string(operation) + ": " + detail};
    }
  }
}

IoResult TlsTransport::handshake() {
  ERR_clear_error();
  const int rc = SSL_do_handshake(ssl_.get());
  if (rc == 1) {
    wants_write_ = false;
    return {};
  }
  IoResult r = result_of_failure(rc, "TLS handshake");
  if (r.status == IoStatus::kClosed && r.detail != "close_notify") {
    // EOF during the handshake: a port scanner, a client that gave up, or one that refused
    // our certificate or evidence without sending an alert.
    r.detail = "peer closed the connection during the TLS handshake";
  }
  return r;
}

IoResult TlsTransport::read(std::span<std::uint8_t> into) {
  std::size_t total = 0;
  while (total < into.size()) {
    ERR_clear_error();
    std::size_t n = 0;
    const int rc = SSL_read_ex(ssl_.get(), into.data() + total, into.size() - total, &n);
    if (rc == 1) {
      wants_write_ = false;
      total += n;
      continue;
    }
    IoResult r = result_of_failure(rc, "TLS read");
    // Hand out what was read; the next call reports the close or error again.
    if (total > 0) {
      if (r.status != IoStatus::kWouldBlock) wants_write_ = false;
      return {IoStatus::kOk, total, {}};
    }
    return r;
  }
  return {IoStatus::kOk, total, {}};
}

IoResult TlsTransport::write(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return {IoStatus::kOk, 0, {}};
  ERR_clear_error();
  std::size_t n = 0;
  const int rc = SSL_write_ex(ssl_.get(), bytes.data(), bytes.size(), &n);
  if (rc == 1) {
    wants_write_ = false;
    return {IoStatus::kOk, n, {}};
  }
  IoResult r = result_of_failure(rc, "TLS write");
  // A write that waits for the socket always needs it writable (TLS 1.3 never reads here).
  if (r.status == IoStatus::kWouldBlock) wants_write_ = true;
  return r;
}

bool TlsTransport::has_pending_input() const { return SSL_has_pending(ssl_.get()) == 1; }

void TlsTransport::close_notify() {
  if (!SSL_is_init_finished(ssl_.get())) return;
  ERR_clear_error();
  SSL_shutdown(ssl_.get());  // non-blocking: sends close_notify if the socket takes it
  ERR_clear_error();
}

std::string tls_peer_identity(const SSL* ssl) {
  if (X509* cert = SSL_get0_peer_certificate(ssl);
      cert != nullptr && SSL_get_verify_result(ssl) == X509_V_OK) {
    const X509_NAME* subject = X509_get_subject_name(cert);
    const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (index >= 0) {
      const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
      unsigned char* utf8 = nullptr;
      const int length = ASN1_STRING_to_UTF8(&utf8, data);
      if (length >= 0) {
        std::string cn(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(length));
        OPENSSL_free(utf8);
        return cn;
      }
    }
    return {};
  }
  return tls::psk_identity_of(ssl);
}

void TlsTransport::describe_peer(mqtt::PeerInfo& peer) const {
  peer.tls_identity = tls_peer_identity(ssl_.get());
  peer.attested = tls::AttestationServer::status(ssl_.get()).evidence_sent;
}

std::string TlsTransport::session_summary() const {
  const SSL* ssl = ssl_.get();
  std::string s =
      std::string(SSL_get_version(ssl)) + " " + SSL_CIPHER_get_name(SSL_get_current_cipher(ssl));
  const std::string psk = tls::psk_identity_of(ssl);
  if (!psk.empty()) {
    s += ", PSK identity '" + psk + "'";
  } else if (X509* cert = SSL_get0_peer_certificate(ssl); cert != nullptr) {
    s += ", client certificate CN '" + tls_peer_identity(ssl) + "'";
  }
  const tls::ServerAttestationStatus attestation = tls::AttestationServer::status(ssl);
  if (attestation.evidence_sent) {
    s += ", attestation evidence sent (" +
         std::string(attest::evidence_type_name(attestation.evidence_type));
    if (attestation.evidence_type == static_cast<std::uint16_t>(attest::EvidenceType::kSim)) {
      s += ": software key, NO hardware protection";
    }
    s += ")";
  } else if (attestation.requested) {
    s += ", attestation requested but no evidence of an accepted type";
  }
  return s;
}

}  // namespace trustmq::shell

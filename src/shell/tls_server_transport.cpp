#include "shell/tls_server_transport.h"

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "attest/evidence_type.h"
#include "mqtt/client_claims.h"
#include "shell/socket_write.h"
#include "tls/attestation_wire.h"
#include "tls/client_evidence.h"
#include "tls/post_handshake_attestation.h"

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

// OpenSSL's write BIO of a TlsServerTransport: every record is appended to the transport's
// `encrypted_` queue (unbounded here; write() bounds what it encrypts ahead).
int output_bio_write(BIO* bio, const char* data, std::size_t length, std::size_t* written) {
  auto* out = static_cast<OutboundQueue*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  out->push({reinterpret_cast<const std::uint8_t*>(data), length}, mqtt::SendKind::kControl);
  *written = length;
  return 1;
}

long output_bio_ctrl(BIO* bio, int command, long /*number*/, void* /*pointer*/) {
  switch (command) {
    case BIO_CTRL_FLUSH:
    case BIO_CTRL_DUP:
      return 1;
    case BIO_CTRL_WPENDING:
      return static_cast<long>(static_cast<OutboundQueue*>(BIO_get_data(bio))->size());
    default:
      return 0;
  }
}

int output_bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

const BIO_METHOD* output_bio_method() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "trustmq output");
    if (m != nullptr) {
      BIO_meth_set_write_ex(m, output_bio_write);
      BIO_meth_set_ctrl(m, output_bio_ctrl);
      BIO_meth_set_create(m, output_bio_create);
    }
    return m;
  }();
  return method;
}

}  // namespace

TlsServerTransport::TlsServerTransport(int fd, std::shared_ptr<const TlsListenerContext> listener)
    : fd_(fd), listener_(std::move(listener)), ssl_(SSL_new(listener_->ctx.get())) {
  BIO* input = ssl_ && output_bio_method() ? BIO_new_socket(fd, BIO_NOCLOSE) : nullptr;
  BIO* output = input != nullptr ? BIO_new(output_bio_method()) : nullptr;
  if (output == nullptr) {
    BIO_free(input);
    ERR_clear_error();
    throw std::runtime_error("cannot create a TLS connection (out of memory?)");
  }
  BIO_set_data(output, &encrypted_);
  SSL_set_bio(ssl_.get(), input, output);  // the SSL owns both
  // A write returns after each record, so write() can stop at its bound. Record buffers are
  // freed while empty (as mosquitto does): an idle TLS connection holds ≈ 15 KiB instead of
  // ≈ 25 KiB, for one allocation per read or write batch (docs/benchmarks.md, case 6).
  SSL_set_mode(ssl_.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_RELEASE_BUFFERS);
  SSL_set_accept_state(ssl_.get());
}

IoResult TlsServerTransport::send_encrypted() {
  while (!encrypted_.empty()) {
    std::span<const std::uint8_t> runs[16];
    const std::size_t count = encrypted_.pending_runs(runs);
    const IoResult r = send_runs(fd_, std::span(runs, count));
    if (r.status != IoStatus::kOk) return r;
    if (r.bytes == 0) return {IoStatus::kWouldBlock, 0, {}};
    encrypted_.consume(r.bytes);
  }
  return {};
}

IoResult TlsServerTransport::result_of_failure(int rc, const char* operation) {
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
      // Why a client certificate was refused (expired, revoked by the crlfile …).
      if (const long verify = SSL_get_verify_result(ssl_.get()); verify != X509_V_OK) {
        detail += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
      }
      // The peer's cause, when it sent an alert, is in the message ("tlsv1 alert access
      // denied"); a handshake failure of ours names what we refused.
      return {IoStatus::kError, 0, std::string(operation) + ": " + detail};
    }
  }
}

IoResult TlsServerTransport::handshake() {
  ERR_clear_error();
  const int rc = SSL_do_handshake(ssl_.get());
  // Handshake messages (and, at the end, session tickets) are in encrypted_ now.
  const IoResult sent = send_encrypted();
  if (sent.status == IoStatus::kClosed || sent.status == IoStatus::kError) {
    return {sent.status, 0, "TLS handshake: " + sent.detail};
  }
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

IoResult TlsServerTransport::read(std::span<std::uint8_t> into) {
  const std::size_t encrypted_before = encrypted_.size();
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
    // Reading may have produced records of OpenSSL's own to send (e.g. a KeyUpdate answer);
    // application data waits for the server's flush, to go out with what follows.
    if (encrypted_.size() > encrypted_before) send_encrypted();
    // Hand out what was read; the next call reports the close or error again.
    if (total > 0) {
      if (r.status != IoStatus::kWouldBlock) wants_write_ = false;
      return {IoStatus::kOk, total, {}};
    }
    return r;
  }
  return {IoStatus::kOk, total, {}};
}

IoResult TlsServerTransport::write(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return {IoStatus::kOk, 0, {}};
  std::size_t total = 0;
  while (total < bytes.size()) {
    if (encrypted_.size() >= kEncryptAheadBytes) {
      const IoResult sent = send_encrypted();
      if (sent.status == IoStatus::kClosed || sent.status == IoStatus::kError) {
        if (total > 0) break;  // the next call reports it again
        return {sent.status, 0, "TLS write: " + sent.detail};
      }
      if (encrypted_.size() >= kEncryptAheadBytes) break;  // the socket is full
    }
    ERR_clear_error();
    std::size_t n = 0;
    const int rc = SSL_write_ex(ssl_.get(), bytes.data() + total, bytes.size() - total, &n);
    if (rc != 1) {
      IoResult r = result_of_failure(rc, "TLS write");
      if (total > 0) break;
      return r;
    }
    total += n;
  }
  if (total == 0) return {IoStatus::kWouldBlock, 0, {}};  // wants_write(): encrypted_ waits
  wants_write_ = false;
  return {IoStatus::kOk, total, {}};
}

IoResult TlsServerTransport::write_runs(std::span<const std::span<const std::uint8_t>> runs) {
  std::size_t total = 0;
  IoResult failed{IoStatus::kOk, 0, {}};
  for (const auto run : runs) {
    const IoResult r = write(run);
    if (r.status != IoStatus::kOk) {
      failed = r;
      break;
    }
    total += r.bytes;
    if (r.bytes < run.size()) break;
  }
  const IoResult sent = send_encrypted();
  if (total > 0) return {IoStatus::kOk, total, {}};  // errors show again on the next call
  if (failed.status == IoStatus::kClosed || failed.status == IoStatus::kError) return failed;
  if (sent.status == IoStatus::kClosed || sent.status == IoStatus::kError) {
    return {sent.status, 0, "TLS write: " + sent.detail};
  }
  if (!runs.empty() || !encrypted_.empty()) return {IoStatus::kWouldBlock, 0, {}};
  return {IoStatus::kOk, 0, {}};
}

bool TlsServerTransport::has_pending_input() const { return SSL_has_pending(ssl_.get()) == 1; }

void TlsServerTransport::close_notify() {
  if (!SSL_is_init_finished(ssl_.get())) return;
  ERR_clear_error();
  SSL_shutdown(ssl_.get());  // queues close_notify
  ERR_clear_error();
  send_encrypted();  // best effort: sent if the socket takes it
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

void TlsServerTransport::describe_peer(mqtt::PeerInfo& peer) const {
  peer.tls_identity = tls_peer_identity(ssl_.get());
  peer.attested = tls::AttestationServer::status(ssl_.get()).evidence_sent;
}

mqtt::EvidenceStatus TlsServerTransport::produce_evidence(mqtt::ByteView request,
                                                          bool client_authenticated,
                                                          mqtt::Bytes& evidence,
                                                          std::string& detail) {
  if (!listener_->attestation) {
    detail = "this listener has no attestation";
    return mqtt::EvidenceStatus::kUnsupported;
  }
  if (listener_->attestation_requires_authentication && !client_authenticated) {
    detail = "attestation_requires_authentication: anonymous client";
    return mqtt::EvidenceStatus::kNotAuthorized;
  }
  auto produced = tls::produce_post_handshake_evidence(ssl_.get(), *listener_->attestation,
                                                       attest::ByteSpan(request));
  if (!produced) {
    detail = produced.error().message;
    switch (produced.error().reason) {
      case tls::PostHandshakeRefusal::kMalformedRequest:
        return mqtt::EvidenceStatus::kMalformedRequest;
      case tls::PostHandshakeRefusal::kNoAcceptedType:
      case tls::PostHandshakeRefusal::kNoExporter:
        return mqtt::EvidenceStatus::kUnsupported;
      case tls::PostHandshakeRefusal::kAttesterFailed:
        return mqtt::EvidenceStatus::kFailed;
    }
    return mqtt::EvidenceStatus::kFailed;
  }
  detail = std::string(attest::evidence_type_name(produced->type));
  if (produced->type == static_cast<std::uint16_t>(attest::EvidenceType::kSim)) {
    detail += " (software key, NO hardware protection)";
  }
  evidence = std::move(produced->answer);
  return mqtt::EvidenceStatus::kProduced;
}

mqtt::ClientEvidenceStatus TlsServerTransport::attest_client(mqtt::ClientEvidenceStep step,
                                                             mqtt::ByteView input,
                                                             mqtt::Bytes& output) {
  auto say = [&output](std::string_view text) { output.assign(text.begin(), text.end()); };
  // Held for this step: a SIGHUP reload between two steps does not pull it away mid-way.
  const std::shared_ptr<const tls::AttestationClient> verifier =
      listener_->client_policy ? listener_->client_policy->current() : nullptr;
  if (verifier == nullptr) {
    say("unsupported: this listener has no client_attestation_policy");
    return mqtt::ClientEvidenceStatus::kUnsupported;
  }
  if (SSL_version(ssl_.get()) != TLS1_3_VERSION) {
    say("unsupported: client attestation needs TLS 1.3");
    return mqtt::ClientEvidenceStatus::kUnsupported;
  }
  if (step == mqtt::ClientEvidenceStep::kChallenge) {
    challenge_nonce_.assign(tls::kClientNonceSize, 0);
    if (RAND_bytes(challenge_nonce_.data(), static_cast<int>(challenge_nonce_.size())) != 1) {
      challenge_nonce_.clear();
      say("failed: no randomness for the challenge");
      return mqtt::ClientEvidenceStatus::kRefused;
    }
    output = tls::encode_request({challenge_nonce_, verifier->offered_types()});
    return mqtt::ClientEvidenceStatus::kChallenge;
  }
  attest::Bytes nonce;  // empty at CONNECT (docs/attestation.md, "Attested clients")
  if (step == mqtt::ClientEvidenceStep::kAnswer) {
    if (challenge_nonce_.empty()) {
      say("no-challenge: an answer without an outstanding challenge");
      return mqtt::ClientEvidenceStatus::kRefused;
    }
    nonce = std::exchange(challenge_nonce_, {});  // each challenge is answered once
  }
  const tls::AttestationOutcome outcome =
      tls::verify_client_evidence(ssl_.get(), *verifier, nonce, attest::ByteSpan(input));
  if (!outcome.ok()) {
    say(std::string(tls::attestation_error_name(outcome.error)) + ": " + outcome.message);
    return outcome.error == tls::AttestationError::kMalformedEvidence
               ? mqtt::ClientEvidenceStatus::kMalformed
               : mqtt::ClientEvidenceStatus::kRefused;
  }
  mqtt::ClientClaims claims;
  if (outcome.claims) {
    for (auto& [name, value] : tls::claims_for_acl(*outcome.claims)) {
      claims.push_back({std::move(name), std::move(value)});
    }
  }
  output = mqtt::encode_client_claims(claims);
  return mqtt::ClientEvidenceStatus::kAccepted;
}

std::string TlsServerTransport::session_summary() const {
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

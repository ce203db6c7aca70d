// Transport over TLS (OpenSSL 3) on a non-blocking socket, with the attestation extension when
// the listener has `attestation sim`: SSL_accept is driven by the event loop's readiness
// events, so a slow or malicious handshake never blocks other connections. The engine sees no
// byte before the handshake is complete.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "shell/transport.h"
#include "tls/attestation_server.h"
#include "tls/tls_context.h"

namespace trustmq::shell {

// What every connection of one TLS listener shares. Declaration order matters: the SSL_CTX is
// freed before the AttestationServer its callbacks point to.
struct TlsListenerContext {
  std::unique_ptr<tls::AttestationServer> attestation;  // null: no evidence offered
  tls::SslCtxPtr ctx;
};

class TlsTransport final : public Transport {
 public:
  // Fails (std::runtime_error) only when OpenSSL cannot allocate the connection.
  TlsTransport(int fd, std::shared_ptr<const TlsListenerContext> listener);

  std::string_view kind() const override { return "tls"; }
  IoResult handshake() override;
  IoResult read(std::span<std::uint8_t> into) override;
  IoResult write(std::span<const std::uint8_t> bytes) override;
  bool wants_write() const override { return wants_write_; }
  void describe_peer(mqtt::PeerInfo& peer) const override;
  std::string session_summary() const override;
  bool has_pending_input() const override;
  void close_notify() override;

  const SSL* ssl() const { return ssl_.get(); }

 private:
  // Maps a failed SSL call to an IoResult (and records whether it wants the socket writable).
  IoResult result_of_failure(int rc, const char* operation);

  std::shared_ptr<const TlsListenerContext> listener_;  // outlives ssl_
  tls::SslPtr ssl_;
  bool wants_write_ = false;
};

// The client's identity as the MQTT core sees it: the subject CN of a verified client
// certificate, else the PSK identity, else empty.
std::string tls_peer_identity(const SSL* ssl);

}  // namespace trustmq::shell

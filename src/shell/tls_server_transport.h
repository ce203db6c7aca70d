// ServerTransport over TLS (OpenSSL 3) on a non-blocking socket, with the attestation extension
// when the listener has `attestation sim`: SSL_accept is driven by the event loop's readiness
// events, so a slow or malicious handshake never blocks other connections. The engine sees no
// byte before the handshake is complete.
//
// Output: OpenSSL encrypts into the transport's own buffer (a custom write BIO appending to a
// chunked OutboundQueue), never into the socket, so SSL_write never blocks or asks for a retry
// with the same bytes. write() encrypts straight from the caller's memory — the engine's, on the
// zero-copy path — as long as less than kEncryptAheadBytes wait for the socket, and the
// encrypted records go out in one gathering sendmsg per flush (several records per system call).
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "shell/client_attestation_policy.h"
#include "shell/outbound_queue.h"
#include "shell/server_transport.h"
#include "tls/attestation_client.h"
#include "tls/attestation_server.h"
#include "tls/tls_context.h"

namespace trustmq::shell {

// What every connection of one TLS listener shares. Declaration order matters: the SSL_CTX is
// freed before the AttestationServer its callbacks point to.
struct TlsListenerContext {
  std::unique_ptr<tls::AttestationServer> attestation;  // null: no evidence offered
  // attestation_requires_authentication: post-handshake evidence only for clients that proved
  // a user name/password or a TLS identity.
  bool attestation_requires_authentication = false;
  // client_attestation_policy: verifies attested clients' evidence (null: none accepted);
  // re-read on SIGHUP (Server::reload_client_attestation_policies).
  std::shared_ptr<ClientAttestationPolicy> client_policy;
  tls::SslCtxPtr ctx;
};

class TlsServerTransport final : public ServerTransport {
 public:
  // Fails (std::runtime_error) only when OpenSSL cannot allocate the connection.
  TlsServerTransport(int fd, std::shared_ptr<const TlsListenerContext> listener);

  std::string_view kind() const override { return "tls"; }
  IoResult handshake() override;
  IoResult read(std::span<std::uint8_t> into) override;
  IoResult write(std::span<const std::uint8_t> bytes) override;
  // Encrypts the runs (up to the bound), then sends what is encrypted. No runs: sends only.
  IoResult write_runs(std::span<const std::span<const std::uint8_t>> runs) override;
  bool buffers_writes() const override { return true; }
  bool wants_write() const override { return wants_write_ || !encrypted_.empty(); }
  void describe_peer(mqtt::PeerInfo& peer) const override;
  mqtt::EvidenceStatus produce_evidence(mqtt::ByteView request, bool client_authenticated,
                                        mqtt::Bytes& evidence, std::string& detail) override;
  mqtt::ClientEvidenceStatus attest_client(mqtt::ClientEvidenceStep step, mqtt::ByteView input,
                                           mqtt::Bytes& output) override;
  std::string session_summary() const override;
  bool has_pending_input() const override;
  void close_notify() override;

  const SSL* ssl() const { return ssl_.get(); }

 private:
  // Encrypted bytes the socket has not taken yet; above this, write() waits for the socket.
  static constexpr std::size_t kEncryptAheadBytes = 64 * 1024;

  // Maps a failed SSL call to an IoResult (and records whether it wants the socket writable).
  IoResult result_of_failure(int rc, const char* operation);
  // Sends encrypted bytes until none are left or the socket is full.
  IoResult send_encrypted();

  int fd_;
  std::shared_ptr<const TlsListenerContext> listener_;  // outlives ssl_
  OutboundQueue encrypted_{0};  // records from OpenSSL's write BIO; outlives ssl_
  tls::SslPtr ssl_;
  // The nonce of the challenge sent to an attested client (AUTH 0x18); used up by its answer.
  attest::Bytes challenge_nonce_;
  bool wants_write_ = false;
  std::string send_error_;  // a failed sendmsg: reported by the next write
};

// The client's identity as the MQTT core sees it: the subject CN of a verified client
// certificate, else the PSK identity, else empty.
std::string tls_peer_identity(const SSL* ssl);

}  // namespace trustmq::shell

// TLS transport on OpenSSL 3 (certificates with hostname verification, client certificates,
// TLS-PSK), optionally attested (docs/architecture.md, Attested TLS): with
// TlsOptions::attestation_policy the AttestationClient is attached before the handshake and a
// connection exists only if the broker's evidence was verified against the policy.
//
// OpenSSL writes to the socket with write(2): a process using this transport should ignore
// SIGPIPE (the trustmq CLI does), or a broker closing the connection ends the process.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "client/client_transport.h"
#include "client/socket_fd.h"
#include "client/tcp_connection.h"
#include "client/tls_options.h"
#include "tls/attestation_client.h"
#include "tls/tls_context.h"

namespace trustmq::client {

class TlsClientTransport final : public ClientTransport {
 public:
  static ClientResult<std::unique_ptr<TlsClientTransport>> open(const std::string& host,
                                                                std::uint16_t port,
                                                                const TlsOptions& options,
                                                                Deadline deadline);
  ~TlsClientTransport() override;

  ClientResult<void> write_all(mqtt::ByteView data, Deadline deadline) override;
  ClientResult<std::size_t> read_some(mqtt::Bytes& out, Deadline deadline) override;
  void close() override;
  std::string description() const override;

  // The verdict of attested TLS (present only when a policy was given; ok() after open()).
  const std::optional<tls::AttestationOutcome>& attestation() const { return attestation_; }
  const SSL* ssl() const { return ssl_.get(); }
  SSL* ssl() { return ssl_.get(); }  // post-handshake attestation computes the exporter

 private:
  TlsClientTransport() = default;
  ClientResult<void> handshake(const std::string& host, const TlsOptions& options,
                               Deadline deadline);

  // Declaration order matters: the attestation client outlives the SSL_CTX, which outlives SSL.
  std::unique_ptr<tls::AttestationClient> attestation_client_;
  tls::SslCtxPtr ctx_;
  tls::SslPtr ssl_;
  TcpConnection connection_;
  std::optional<tls::AttestationOutcome> attestation_;
  bool closed_ = false;
};

}  // namespace trustmq::client

// One client socket of the load tool: TCP to 127.0.0.1, optionally TLS 1.3 (certificate or PSK,
// with or without attestation), connected and handshaken blocking, then non-blocking for the
// load. Failures throw std::runtime_error (the tool stops and says why).
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "tls/tls_context.h"

namespace trustmq::tls {
class AttestationClient;
}

namespace trustmq::bench {

enum class Security : std::uint8_t { kPlain, kTls, kPsk, kTlsAttested, kPskAttested };

const char* security_name(Security security);  // "plain", "tls", "psk", "tls+attest", …
bool is_tls(Security security);
bool is_attested(Security security);

// What every TLS connection of one security mode shares (SSL_CTX, attestation verifier).
class ClientTlsContext {
 public:
  struct Files {
    std::string cafile;  // broker certificate (self-signed) for kTls
    std::string psk_identity;
    std::string psk_hex;
    std::string policy_file;  // attestation policy for the attested modes
  };
  ClientTlsContext(Security security, const Files& files);
  ~ClientTlsContext();
  ClientTlsContext(const ClientTlsContext&) = delete;
  ClientTlsContext& operator=(const ClientTlsContext&) = delete;

  Security security() const { return security_; }
  SSL_CTX* ctx() const { return ctx_.get(); }
  // After the final SSL_connect: throws unless the evidence verified (attested modes only).
  void check_attestation(SSL* ssl, int connect_result) const;

 private:
  Security security_;
  std::unique_ptr<tls::AttestationClient> attestation_;  // outlives ctx_
  tls::SslCtxPtr ctx_;
};

enum class SocketStatus : std::uint8_t { kOk, kWouldBlock, kClosed };

class BenchSocket {
 public:
  // Connects to 127.0.0.1:port and runs the TLS handshake (tls may be null for plain TCP),
  // giving up after timeout_ms.
  BenchSocket(std::uint16_t port, const ClientTlsContext* tls, int timeout_ms);
  ~BenchSocket();
  BenchSocket(const BenchSocket&) = delete;
  BenchSocket& operator=(const BenchSocket&) = delete;

  int fd() const { return fd_; }
  // Non-blocking. `n` is set to the bytes moved when kOk.
  SocketStatus read(std::span<std::uint8_t> into, std::size_t& n);
  SocketStatus write(std::span<const std::uint8_t> bytes, std::size_t& n);
  // TLS may need the socket writable to make progress after kWouldBlock.
  bool wants_write() const { return wants_write_; }
  // TLS: decrypted bytes held that a read returns without new socket readiness.
  bool has_pending_input() const;

 private:
  SocketStatus ssl_failure(int rc);

  int fd_ = -1;
  tls::SslPtr ssl_;
  bool wants_write_ = false;
};

}  // namespace trustmq::bench

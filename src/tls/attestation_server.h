// Server side of attested TLS: when a ClientHello carries an AttestationRequest for a type this
// server can produce, computes the binding in the EncryptedExtensions callback (randoms, own
// key share and certificate SPKI are known there) and sends the evidence; marks the leaf
// Certificate entry. Works with non-blocking SSL_accept on any BIO.
//
// Usage:
//   auto attester = std::make_shared<attest::SimAttester>(platform, claims);
//   AttestationServer server({attester});     // must outlive every SSL_CTX it is attached to
//   server.attach(ctx);                        // once per server SSL_CTX
//   ... SSL_accept ... ; AttestationServer::status(ssl) for logs/metrics.
//
// Clients that do not ask are unaffected (plain TLS 1.2/1.3). Malformed or oversized requests
// fail that handshake only (decode_error / illegal_parameter). Requests for types this server
// cannot produce get no evidence (the client decides).
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "attest/attester.h"
#include "base/result.h"

namespace trustmq::tls {

struct ServerAttestationStatus {
  bool requested = false;      // the ClientHello carried a request
  bool evidence_sent = false;  // evidence went out in EncryptedExtensions
  std::uint16_t evidence_type = 0;
  std::string error;  // why the handshake was refused (bad request, attester failure)
};

class AttestationServer {
 public:
  using LogSink = std::function<void(std::string_view line)>;

  explicit AttestationServer(std::vector<std::shared_ptr<const attest::Attester>> attesters,
                             LogSink log = {});
  AttestationServer(const AttestationServer&) = delete;
  AttestationServer& operator=(const AttestationServer&) = delete;

  // Registers the extension on a server SSL_CTX. Logs once that sim gives NO hardware
  // protection when a sim attester is configured.
  Result<void> attach(SSL_CTX* ctx);

  // Per-connection state (default-constructed if the client never asked).
  static ServerAttestationStatus status(const SSL* ssl);

  // The first attester, in the client's order of preference, of a type it accepts; or null.
  const attest::Attester* attester_for(const std::vector<std::uint16_t>& accepted) const;

  struct Callbacks;

 private:
  void log(std::string_view line) const;
  std::vector<std::shared_ptr<const attest::Attester>> attesters_;
  LogSink log_;
};

}  // namespace trustmq::tls

// An attested TLS 1.3 front for a plain MQTT broker, in a thread of the test: it accepts one
// connection at a time, completes the handshake with the AttestationServer (sim evidence),
// and relays the plaintext to the broker's TCP port. It stands in for the broker's own attested
// listener so that the client's attested path is tested end to end over real sockets.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "attest/attester.h"
#include "tls/attestation_server.h"
#include "tls/tls_context.h"

namespace trustmq::client::testing {

class AttestedTlsFrontend {
 public:
  // Certificate generated in `state_dir`; nullptr (with ADD_FAILURE) on set-up errors.
  static std::unique_ptr<AttestedTlsFrontend> start(
      const std::string& state_dir, std::shared_ptr<const attest::Attester> attester,
      std::uint16_t backend_port);
  ~AttestedTlsFrontend();

  std::uint16_t port() const { return port_; }
  int handshakes_with_evidence() const { return evidence_sent_.load(); }

 private:
  AttestedTlsFrontend() = default;
  void serve();
  void relay(SSL* ssl, int backend_fd);

  std::unique_ptr<tls::AttestationServer> attestation_;
  tls::SslCtxPtr ctx_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::uint16_t backend_port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> evidence_sent_{0};
  std::thread thread_;
};

}  // namespace trustmq::client::testing

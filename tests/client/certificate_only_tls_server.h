// A TLS server with a self-signed certificate and no PSK, in a thread of the test: what a
// client talking TLS-PSK meets when someone who does not know the key answers in the broker's
// place. It accepts connections one at a time on 127.0.0.1 (ephemeral port), offers exactly one
// TLS version, and records how many handshakes completed and every byte of application data
// received afterwards.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "tls/tls_context.h"

namespace trustmq::client::testing {

class CertificateOnlyTlsServer {
 public:
  // `tls_version`: TLS1_2_VERSION or TLS1_3_VERSION; the certificate is generated in
  // `state_dir`. nullptr (with ADD_FAILURE) on set-up errors.
  static std::unique_ptr<CertificateOnlyTlsServer> start(const std::string& state_dir,
                                                         int tls_version);
  ~CertificateOnlyTlsServer();

  std::uint16_t port() const { return port_; }
  int completed_handshakes() const { return completed_handshakes_.load(); }
  std::string received() const;

 private:
  CertificateOnlyTlsServer() = default;
  void serve();

  tls::SslCtxPtr ctx_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> completed_handshakes_{0};
  mutable std::mutex mutex_;
  std::string received_;
  std::thread thread_;
};

}  // namespace trustmq::client::testing

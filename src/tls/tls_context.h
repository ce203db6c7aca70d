// SSL_CTX builders on OpenSSL 3 for listeners (server) and the client library. Field names
// follow mosquitto.conf. Attestation is added separately (AttestationServer/AttestationClient).
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "base/result.h"
#include "tls/psk_file.h"

namespace trustmq::tls {

struct SslCtxDeleter {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
  void operator()(SSL* s) const { SSL_free(s); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;
using SslPtr = std::unique_ptr<SSL, SslCtxDeleter>;

struct TlsServerConfig {
  std::string certfile;  // PEM chain; with keyfile. Empty + no PSK: auto-generated (state_dir)
  std::string keyfile;
  std::string cafile;  // to verify client certificates
  bool require_certificate = false;
  // PEM CRLs: a client certificate they revoke is refused (leaf checked, X509_V_FLAG_CRL_CHECK,
  // as mosquitto). Needs require_certificate.
  std::string crlfile;
  std::string dhparamfile;    // PEM DH parameters for DHE suites; empty: OpenSSL's built-in
  std::string tls_version;    // minimum: "tlsv1.2" (default) or "tlsv1.3"
  std::string ciphers;        // TLS 1.2 cipher list (OpenSSL syntax), empty = default
  std::string ciphers_tls13;  // TLS 1.3 suites, empty = default
  std::string psk_file;       // identity:hexkey lines; a PSK listener has no certificate
  PskTable psk_table;         // alternative to psk_file (used if psk_file is empty)
  std::string state_dir;      // where an auto-generated certificate lives
};

struct TlsClientConfig {
  std::string cafile;  // trust for the server certificate; empty + verify_peer: system default
  bool verify_peer = true;
  std::string certfile;  // client certificate (optional)
  std::string keyfile;
  std::string tls_version;  // minimum: "tlsv1.2" or "tlsv1.3" (default)
  std::string ciphers_tls13;
  // With psk_key_hex: TLS-PSK (legacy callback, as mosquitto_pub). The server must then
  // authenticate with the key: no certificate is accepted, whatever verify_peer says
  // (psk_client_authentication.h).
  std::string psk_identity;
  std::string psk_key_hex;
};

// Files written when no certificate is configured: <state_dir>/tls-cert.pem, tls-key.pem (0600).
struct SelfSignedPaths {
  std::string certfile;
  std::string keyfile;
};
// ECDSA P-256, CN "trustmq broker", SAN DNS:localhost; created once (folder 0700, key 0600),
// reused later if the key and its folder are still private (else an error naming the chmod).
Result<SelfSignedPaths> ensure_self_signed_certificate(const std::string& state_dir);

Result<SslCtxPtr> make_server_context(const TlsServerConfig& config);
Result<SslCtxPtr> make_client_context(const TlsClientConfig& config);

// With the legacy PSK callbacks: the identity the client presented (SSL_get_psk_identity()
// returns NULL under TLS 1.3). Empty when no PSK was used.
std::string psk_identity_of(const SSL* ssl);

}  // namespace trustmq::tls

// TLS settings of a client connection (the flags of mosquitto_pub/sub, plus attestation).
#pragma once

#include <string>

namespace trustmq::client {

struct TlsOptions {
  // Trust anchors for the broker certificate (PEM). Empty: the system's default store, or no
  // certificate verification at all in PSK mode and in attested mode (see attestation_policy).
  std::string cafile;
  std::string certfile;  // client certificate (PEM), with keyfile
  std::string keyfile;
  // Skip the check that the certificate names the host we connect to (mosquitto's
  // --insecure); the chain is still verified against cafile.
  bool insecure = false;
  // TLS-PSK (as mosquitto_pub --psk/--psk-identity): hex key and identity.
  std::string psk_hex;
  std::string psk_identity;
  // Minimum version, "tlsv1.2" or "tlsv1.3" (default tlsv1.3).
  std::string tls_version;
  // Name for SNI and the hostname check; empty: the host connected to.
  std::string server_name;
  // Attested TLS: a policy file (JSON, docs/attestation.md). The handshake fails unless the
  // broker's evidence verifies against it. Without cafile the broker's certificate is not
  // checked against a CA: the evidence binds the certificate's key (spki_hash) instead.
  std::string attestation_policy;

  bool psk() const { return !psk_hex.empty() || !psk_identity.empty(); }
};

}  // namespace trustmq::client

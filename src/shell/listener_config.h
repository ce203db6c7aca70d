// One `listener` block of the configuration: the socket to bind plus the options that follow
// the `listener` line and belong to it (mosquitto's listener-scoped options).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace trustmq::shell {

// Attestation evidence a TLS listener offers to clients that ask for it (docs/tls.md).
enum class ListenerAttestation : std::uint8_t {
  kNone,       // plain TLS: clients asking for evidence get none (they decide)
  kSim,        // software platform key in <state_dir>/sim: NO hardware protection (development)
  kTpm2Quote,  // TPM 2.0 quotes (tpm_tcti, tpm_ak_certificate): platform state, not isolation
  kTdx,        // TDX quotes from configfs-tsm (tsm_report_dir) in a TDX guest
  kSevSnp,     // SEV-SNP reports from configfs-tsm (tsm_report_dir, tsm_privlevel)
};

// TLS options of a listener (mosquitto names, plus trustmq's `tls` and `attestation`). A
// plain-TCP listener leaves them all empty.
struct ListenerTlsOptions {
  std::string certfile;
  std::string keyfile;
  std::string cafile;
  std::string capath;
  std::string tls_version;    // e.g. "tlsv1.3"
  std::string ciphers;        // TLS 1.2 cipher list
  std::string ciphers_tls13;  // option name ciphers_tls1.3
  std::string psk_file;
  std::string psk_hint;
  // PEM certificate revocation list(s) checked against client certificates (leaf only, as
  // mosquitto: X509_V_FLAG_CRL_CHECK); needs require_certificate.
  std::string crlfile;
  std::string dhparamfile;  // PEM DH parameters for DHE cipher suites (TLS 1.2)
  bool require_certificate = false;
  bool use_identity_as_username = false;
  // `tls true|false`; unset: TLS iff any other TLS option or `attestation sim` is set.
  std::optional<bool> tls;
  ListenerAttestation attestation = ListenerAttestation::kNone;
  // Post-handshake evidence (trustmq-attest-v1) only for clients that authenticated.
  bool attestation_requires_authentication = false;
  // Attested clients (trustmq-attest-v1 client evidence) are verified against this policy
  // file (the JSON of `trustmq --attest`); empty: client evidence is refused (0x8C).
  std::string client_attestation_policy;

  // Whether any option asks for TLS on this listener.
  bool requests_tls() const {
    if (tls.has_value()) return *tls;
    return !certfile.empty() || !keyfile.empty() || !cafile.empty() || !capath.empty() ||
           !psk_file.empty() || !psk_hint.empty() || !tls_version.empty() || !ciphers.empty() ||
           !ciphers_tls13.empty() || !crlfile.empty() || !dhparamfile.empty() ||
           require_certificate || use_identity_as_username ||
           attestation != ListenerAttestation::kNone || !client_attestation_policy.empty();
  }
  // Whether any TLS-only option is set (an error together with `tls false`).
  bool has_tls_settings() const {
    return !certfile.empty() || !keyfile.empty() || !cafile.empty() || !capath.empty() ||
           !psk_file.empty() || !psk_hint.empty() || !tls_version.empty() || !ciphers.empty() ||
           !ciphers_tls13.empty() || !crlfile.empty() || !dhparamfile.empty() ||
           require_certificate || use_identity_as_username ||
           attestation != ListenerAttestation::kNone || !client_attestation_policy.empty();
  }
};

// mosquitto's `protocol` option.
enum class ListenerProtocol : std::uint8_t { kMqtt, kWebSockets };

// mosquitto's `socket_domain` option: which address families a listener binds.
enum class SocketDomain : std::uint8_t { kAny, kIpv4, kIpv6 };

// websockets_headers_size when unset or 0 (mosquitto's default).
inline constexpr std::uint32_t kDefaultWebSocketsHeadersSize = 1024;

struct ListenerConfig {
  std::uint16_t port = 1883;  // 0 binds an ephemeral port (tests)
  std::string bind_address;   // empty: every interface, IPv4 and IPv6
  // Local only mode (no listener configured): the loopback addresses 127.0.0.1 and ::1
  // (::1 skipped with a warning where IPv6 is unavailable). bind_address must be empty.
  bool loopback_only = false;
  std::string origin;  // where it was declared, for messages: "FILE:LINE", "-p", "default"
  ListenerProtocol protocol = ListenerProtocol::kMqtt;
  SocketDomain socket_domain = SocketDomain::kAny;
  // websockets_origin lines: when any, an upgrade request whose Origin header is not one of
  // them is refused (403); requests without Origin (non-browser clients) are not affected.
  std::vector<std::string> websockets_origins;
  ListenerTlsOptions tls;
};

}  // namespace trustmq::shell

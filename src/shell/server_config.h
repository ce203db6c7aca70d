// Everything the broker process is configured with: listeners, the core's settings, files to
// load, logging, engine choice and the shell's own limits. Filled from the config file
// (config_file.h) and the command line (command_line.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mqtt/broker_config.h"
#include "shell/bridge_config.h"
#include "shell/listener_config.h"
#include "shell/log_settings.h"
#include "shell/log_type.h"
#include "shell/persistence_config.h"

namespace trustmq::shell {

inline constexpr std::uint16_t kDefaultPort = 1883;
inline constexpr std::size_t kDefaultMaxQueuedBytes = 4u * 1024u * 1024u;
inline constexpr std::uint32_t kDefaultHandshakeTimeoutMs = 10000;
inline constexpr std::uint32_t kDefaultMaxPublisherPauseMs = 0;

struct ServerConfig {
  std::vector<ListenerConfig> listeners;
  // No listener in the configuration: every listener binds loopback only and anonymous
  // clients are allowed unless allow_anonymous says otherwise (mosquitto 2.0's local only
  // mode). Set by apply_command_line / resolve_server_defaults.
  bool local_only = false;
  mqtt::BrokerConfig broker;                 // allow_anonymous/check_passwords/acl resolved later
  std::optional<bool> allow_anonymous;       // as written; see resolve_server_defaults
  std::string password_file;                 // empty: no password checks
  std::string acl_file;                      // empty: everything allowed
  LogTypeMask log_types = kDefaultLogTypes;  // after all log_type lines
  LogSettings log;                           // log_dest, log_facility, log_timestamp…
  bool connection_messages = true;           // log connects and disconnects
  std::string pid_file;                      // written at start, removed at exit; empty: none
  std::string user;                          // drop privileges to this user when run as root
  // WebSockets listeners: largest HTTP upgrade request accepted (bytes).
  std::uint32_t websockets_headers_size = kDefaultWebSocketsHeadersSize;
  // Lines accepted with no effect, one message each ("FILE:LINE: …"); logged as warnings at
  // start-up (and at reload).
  std::vector<std::string> warnings;
  std::string engine = "native";
  std::string module;  // .wasm file for engines that load one
  // Cap on a Wasm engine's linear memory in MiB (0: the module's own, link-time maximum).
  std::uint32_t wasm_max_memory_mb = 0;
  std::size_t max_queued_bytes = kDefaultMaxQueuedBytes;  // per connection; 0 = unlimited
  // Backpressure (docs/configuration.md, "Slow clients"): a publisher whose message fills a
  // subscriber's outbound queue past half of max_queued_bytes is not read from until that
  // queue drains to a quarter — for at most this long per congestion of that subscriber.
  // 0 (the default) = never pause: a slow consumer must not stall others.
  std::uint32_t max_publisher_pause_ms = kDefaultMaxPublisherPauseMs;
  PersistenceConfig persistence;
  std::optional<std::uint32_t> max_connections;  // none = unlimited
  // Where the broker keeps generated keys (TLS certificate, sim platform); empty: the default,
  // see default_state_dir().
  std::string state_dir;
  // `attestation tpm2-quote`: the TPM (a tpm2-tss TCTI string) and the AK certificate written by
  // `trustmq tpm enroll`.
  std::string tpm_tcti = "device:/dev/tpmrm0";
  std::string tpm_ak_certificate;
  // `attestation tdx|sev-snp`: the configfs-tsm report folder, and the SEV-SNP VMPL to request
  // (unset: the kernel's privlevel_floor).
  std::string tsm_report_dir = "/sys/kernel/config/tsm/report";
  std::optional<unsigned> tsm_privlevel;
  // `connection` sections (docs/bridges.md), in file order.
  std::vector<BridgeConfig> bridges;
  // A TLS handshake not finished within this time closes the connection.
  std::uint32_t handshake_timeout_ms = kDefaultHandshakeTimeoutMs;
};

// $XDG_STATE_HOME/trustmq, else $HOME/.local/state/trustmq, else ./trustmq-state.
std::string default_state_dir();

// Applies mosquitto 2.0's rules once config file and command line are merged:
// - no listener at all: one listener on the loopback addresses, port 1883 ("local only
//   mode", also set by apply_command_line for -p ports when the config file has no listener),
//   and anonymous clients allowed unless allow_anonymous was set explicitly;
// - otherwise allow_anonymous defaults to false.
// Sets broker.allow_anonymous and broker.check_passwords accordingly, and state_dir to
// default_state_dir() if it is empty.
void resolve_server_defaults(ServerConfig& config);

// The evidence types the listeners serve (`attestation TYPE`), sorted, each once: what
// $SYS/broker/attestation/evidence/types shows (mqtt::BrokerConfig::served_evidence_types).
std::vector<std::string> served_evidence_types(const std::vector<ListenerConfig>& listeners);

}  // namespace trustmq::shell

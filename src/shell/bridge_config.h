// A bridge as configured by mosquitto's bridge options (docs/configuration.md, Bridges): a
// `connection NAME` line and the options after it, up to the next `connection` line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "mqtt/types.h"
#include "shell/bridge_topic.h"

namespace trustmq::shell {

inline constexpr std::uint16_t kDefaultBridgeKeepAliveSeconds = 60;
inline constexpr std::uint32_t kDefaultBridgeRestartSeconds = 5;
inline constexpr std::uint32_t kDefaultBridgeRestartMaxSeconds = 30;

struct BridgeConfig {
  std::string name;
  std::string origin;  // "FILE:LINE" of the connection line, for error messages
  std::string host;    // empty until an `address` line
  std::uint16_t port = 1883;
  std::vector<BridgeTopic> topics;
  mqtt::ProtocolVersion version = mqtt::ProtocolVersion::kV311;  // bridge_protocol_version
  std::string remote_clientid;                                   // default HOSTNAME.NAME
  std::optional<std::string> remote_username;
  std::optional<std::string> remote_password;
  std::string local_clientid;                 // default local.REMOTE_CLIENTID
  std::optional<std::string> local_username;  // the user the local ACL sees
  bool cleansession = false;
  // The bridge's session with its own broker; default: as cleansession. False: a durable
  // session (expiry never), so what is not yet forwarded stays with the local broker (and in
  // its store with persistence) across a restart of the bridge's broker.
  std::optional<bool> local_cleansession;
  // MQTT 3.1.1 only: mosquitto's bridge bit in CONNECT's protocol level (docs/bridges.md).
  bool try_private = true;
  std::uint16_t keepalive_seconds = kDefaultBridgeKeepAliveSeconds;
  // restart_timeout BASE [CAP]: wait BASE seconds before reconnecting, doubling up to CAP.
  std::uint32_t restart_seconds = kDefaultBridgeRestartSeconds;
  std::uint32_t restart_max_seconds = kDefaultBridgeRestartMaxSeconds;
  bool notifications = true;
  std::string notification_topic;  // default $SYS/broker/connection/REMOTE_CLIENTID/state
  // TLS to the remote (any of these set: TLS).
  std::string cafile;
  std::string certfile;
  std::string keyfile;
  std::string tls_version;
  std::string psk_hex;
  std::string psk_identity;
  std::string attestation_policy;  // bridge_attestation_policy: attested TLS

  bool local_session_is_clean() const { return local_cleansession.value_or(cleansession); }

  bool uses_tls() const {
    return !cafile.empty() || !certfile.empty() || !psk_hex.empty() || !psk_identity.empty() ||
           !attestation_policy.empty() || !tls_version.empty();
  }
};

// Whether `option` is one of the bridge options handled by apply_bridge_option.
bool is_bridge_option(std::string_view option);

// Applies one bridge option line (after `connection`); the error says what is wrong with the
// value, without file and line.
Result<void, std::string> apply_bridge_option(std::string_view option, std::string_view value,
                                              BridgeConfig& bridge);

// Completes a bridge once its lines are read (defaults that depend on other options) and
// checks it: an address, at least one topic, consistent credentials and TLS settings.
Result<void, std::string> finish_bridge_config(BridgeConfig& bridge, std::string_view hostname);

}  // namespace trustmq::shell

#include "shell/mosquitto_option_table.h"

namespace trustmq::shell {
namespace {

using enum OptionTreatment;

constexpr std::string_view kBridgeStart =
    "only start_type automatic is implemented: a bridge connects at start-up and reconnects "
    "after restart_timeout";
constexpr std::string_view kOneStoreFile =
    "trustmq keeps its store in persistence_location/trustmq.db (docs/persistence.md)";
constexpr std::string_view kNoAutosaveOnChanges =
    "persistence_durability sync makes every change durable before it is acknowledged; "
    "interval commits every autosave_interval seconds";
constexpr std::string_view kNoPlugins = "trustmq loads no plugins (auth_plugin, plugin)";

// Sorted by name within each group, as in mosquitto.conf(5).
constexpr UnsupportedOption kOptions[] = {
    // General options.
    {"allow_duplicate_messages", std::nullopt, kNoEffect,
     "deprecated in mosquitto 2.0; duplicate messages are always delivered"},
    {"allow_zero_length_clientid", "true", kRefused,
     "only 'true' (mosquitto's default) is implemented: clients that send an empty client id "
     "are given one (auto-…)"},
    {"auth_plugin", std::nullopt, kRefused, kNoPlugins},
    {"auth_plugin_deny_special_chars", std::nullopt, kNoEffect, kNoPlugins},
    {"auto_id_prefix", "auto-", kRefused,
     "only 'auto-' (mosquitto's default) is implemented for generated client ids"},
    {"autosave_on_changes", std::nullopt, kNoEffect, kNoAutosaveOnChanges},
    {"check_retain_source", "false", kRefused,
     "re-checking a retained message's publisher against the ACL is not implemented"},
    {"clientid_prefixes", std::nullopt, kRefused,
     "restricting client ids by prefix is not implemented (a security option is never "
     "ignored); use an acl_file"},
    {"max_inflight_bytes", "0", kNoEffect,
     "in-flight messages are limited by count (max_inflight_messages), not by bytes"},
    {"per_listener_settings", "false", kRefused,
     "only 'false' is implemented: allow_anonymous, password_file, acl_file and psk_file "
     "apply to every listener, so per-listener security settings would mean something else"},
    {"persistence_file", std::nullopt, kNoEffect, kOneStoreFile},
    {"plugin", std::nullopt, kRefused, kNoPlugins},
    {"plugin_opt_", std::nullopt, kRefused, kNoPlugins},
    {"queue_qos0_messages", "false", kNoEffect,
     "QoS 0 messages are never queued for offline clients"},
    {"retain_available", "true", kRefused,
     "only 'true' (mosquitto's default) is implemented: the broker always keeps retained "
     "messages"},
    {"set_tcp_nodelay", std::nullopt, kNoEffect, "TCP_NODELAY is always on"},
    {"upgrade_outgoing_qos", "false", kRefused,
     "only 'false' (mosquitto's default) is implemented: messages go out at the lower of the "
     "published and the subscribed QoS"},
    // Listener options.
    {"bind_interface", std::nullopt, kRefused,
     "binding to a network interface (SO_BINDTODEVICE) is not implemented; give the "
     "interface's address on the listener line"},
    {"http_dir", std::nullopt, kNoEffect, "the WebSockets listener serves no files over HTTP"},
    {"max_qos", "2", kRefused,
     "only 2 (mosquitto's default) is implemented: a lower maximum QoS per listener is not"},
    {"mount_point", std::nullopt, kRefused,
     "topic prefixes per listener are not implemented; ignoring one would let clients of "
     "different listeners see each other's topics"},
    {"use_subject_as_username", std::nullopt, kRefused,
     "not implemented (a security option is never ignored); use_identity_as_username uses the "
     "certificate's CN"},
    {"use_username_as_clientid", std::nullopt, kRefused,
     "not implemented (a security option is never ignored)"},
    {"websockets_log_level", std::nullopt, kNoEffect,
     "a libwebsockets setting; trustmq's WebSockets codec logs under log_type websockets"},
    // TLS.
    {"tls_engine", std::nullopt, kRefused, "OpenSSL engines are not supported"},
    {"tls_engine_kpass_sha1", std::nullopt, kRefused, "OpenSSL engines are not supported"},
    {"tls_keyform", "pem", kRefused, "only PEM key files are supported (OpenSSL engines are not)"},
    // Bridges (the implemented bridge options are in bridge_config.cpp).
    {"bridge_alpn", std::nullopt, kRefused, "ALPN on bridge connections is not implemented"},
    {"bridge_attempt_unsubscribe", "true", kNoEffect,
     "the bridge does not unsubscribe on the remote; a clean session (cleansession true) drops "
     "its subscriptions"},
    {"bridge_bind_address", std::nullopt, kRefused,
     "choosing the bridge's local address is not implemented"},
    {"bridge_capath", std::nullopt, kRefused,
     "a directory of CA certificates is not supported for bridges; give bridge_cafile"},
    {"bridge_max_packet_size", std::nullopt, kRefused,
     "not implemented; the remote's Maximum Packet Size still applies"},
    {"bridge_outgoing_retain", "true", kRefused,
     "only 'true' is implemented: the retain flag is forwarded as received"},
    {"bridge_require_ocsp", "false", kRefused,
     "OCSP checks of the remote's certificate are not implemented (a security option is never "
     "ignored)"},
    {"idle_timeout", std::nullopt, kRefused, kBridgeStart},
    {"local_password", std::nullopt, kRefused,
     "the bridge's local connection is internal and not authenticated; local_username names "
     "it for the ACL"},
    {"round_robin", std::nullopt, kRefused,
     "only one address per bridge is supported, so there is nothing to choose from"},
    {"start_type", "automatic", kRefused, kBridgeStart},
    {"threshold", std::nullopt, kRefused, kBridgeStart},
};

}  // namespace

const UnsupportedOption* find_unsupported_option(std::string_view name) {
  for (const auto& option : kOptions) {
    if (option.name == name) return &option;
    // plugin_opt_KEY: mosquitto's per-plugin options.
    if (option.name.ends_with('_') && name.starts_with(option.name)) return &option;
  }
  return nullptr;
}

}  // namespace trustmq::shell

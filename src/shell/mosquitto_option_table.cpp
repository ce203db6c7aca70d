#include "shell/mosquitto_option_table.h"

namespace trustmq::shell {
namespace {

using enum OptionTreatment;

constexpr std::string_view kBridges =
    "bridges are not implemented yet; a bridge configured here would not run";
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
    // Bridges.
    {"address", std::nullopt, kRefused, kBridges},
    {"addresses", std::nullopt, kRefused, kBridges},
    {"bridge_alpn", std::nullopt, kRefused, kBridges},
    {"bridge_attempt_unsubscribe", std::nullopt, kRefused, kBridges},
    {"bridge_bind_address", std::nullopt, kRefused, kBridges},
    {"bridge_cafile", std::nullopt, kRefused, kBridges},
    {"bridge_capath", std::nullopt, kRefused, kBridges},
    {"bridge_certfile", std::nullopt, kRefused, kBridges},
    {"bridge_identity", std::nullopt, kRefused, kBridges},
    {"bridge_insecure", std::nullopt, kRefused, kBridges},
    {"bridge_keyfile", std::nullopt, kRefused, kBridges},
    {"bridge_max_packet_size", std::nullopt, kRefused, kBridges},
    {"bridge_outgoing_retain", std::nullopt, kRefused, kBridges},
    {"bridge_protocol_version", std::nullopt, kRefused, kBridges},
    {"bridge_psk", std::nullopt, kRefused, kBridges},
    {"bridge_require_ocsp", std::nullopt, kRefused, kBridges},
    {"bridge_tls_version", std::nullopt, kRefused, kBridges},
    {"cleansession", std::nullopt, kRefused, kBridges},
    {"connection", std::nullopt, kRefused, kBridges},
    {"idle_timeout", std::nullopt, kRefused, kBridges},
    {"keepalive_interval", std::nullopt, kRefused, kBridges},
    {"local_cleansession", std::nullopt, kRefused, kBridges},
    {"local_clientid", std::nullopt, kRefused, kBridges},
    {"local_password", std::nullopt, kRefused, kBridges},
    {"local_username", std::nullopt, kRefused, kBridges},
    {"notification_topic", std::nullopt, kRefused, kBridges},
    {"notifications", std::nullopt, kRefused, kBridges},
    {"notifications_local_only", std::nullopt, kRefused, kBridges},
    {"remote_clientid", std::nullopt, kRefused, kBridges},
    {"remote_password", std::nullopt, kRefused, kBridges},
    {"remote_username", std::nullopt, kRefused, kBridges},
    {"restart_timeout", std::nullopt, kRefused, kBridges},
    {"round_robin", std::nullopt, kRefused, kBridges},
    {"start_type", std::nullopt, kRefused, kBridges},
    {"threshold", std::nullopt, kRefused, kBridges},
    {"topic", std::nullopt, kRefused, kBridges},
    {"try_private", std::nullopt, kRefused, kBridges},
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

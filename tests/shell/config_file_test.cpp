#include "shell/config_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "config_text.h"
#include "shell/server_config.h"
#include "support/temp_directory.h"

namespace trustmq::shell {
namespace {

TEST(ConfigFileTest, EmptyTextKeepsDefaults) {
  const ServerConfig c = parse_config("");
  EXPECT_TRUE(c.listeners.empty());
  EXPECT_FALSE(c.allow_anonymous.has_value());
  EXPECT_EQ(c.log_types, kDefaultLogTypes);
  EXPECT_EQ(c.engine, "native");
  EXPECT_EQ(c.max_queued_bytes, kDefaultMaxQueuedBytes);
  EXPECT_EQ(c.max_publisher_pause_ms, 0u);  // no backpressure unless asked for
  EXPECT_EQ(c.broker.max_inflight_messages, 20u);
  EXPECT_FALSE(c.max_connections.has_value());
}

TEST(ConfigFileTest, CommentsBlankLinesAndWhitespace) {
  const ServerConfig c = parse_config(
      "# a comment\n"
      "\n"
      "   \t\n"
      "   # indented comment\n"
      "  allow_anonymous   true  \r\n"
      "sys_interval\t5");
  EXPECT_EQ(c.allow_anonymous, true);
  EXPECT_EQ(c.broker.sys_interval_seconds, 5u);
}

TEST(ConfigFileTest, Listeners) {
  const ServerConfig c = parse_config(
      "listener 1883\n"
      "listener 8883 127.0.0.1\n"
      "listener 0 ::1\n");
  ASSERT_EQ(c.listeners.size(), 3u);
  EXPECT_EQ(c.listeners[0].port, 1883);
  EXPECT_EQ(c.listeners[0].bind_address, "");
  EXPECT_EQ(c.listeners[0].origin, "test.conf:1");
  EXPECT_EQ(c.listeners[1].port, 8883);
  EXPECT_EQ(c.listeners[1].bind_address, "127.0.0.1");
  EXPECT_EQ(c.listeners[2].port, 0);
  EXPECT_EQ(c.listeners[2].bind_address, "::1");
  EXPECT_FALSE(c.listeners[1].tls.requests_tls());
}

TEST(ConfigFileTest, EveryGlobalOption) {
  const ServerConfig c = parse_config(
      "allow_anonymous false\n"
      "password_file /etc/trustmq/passwd\n"
      "acl_file /etc/trustmq/acl file\n"
      "max_inflight_messages 7\n"
      "max_queued_messages 300\n"
      "max_subscriptions_per_client 25\n"
      "message_size_limit 1024\n"
      "max_packet_size 4096\n"
      "max_keepalive 120\n"
      "persistent_client_expiration 2d\n"
      "sys_interval 0\n"
      "log_dest stderr\n"
      "engine wasm-aot\n"
      "module /opt/core.wasm\n"
      "wasm_max_memory_mb 64\n"
      "max_queued_bytes 65536\n"
      "max_publisher_pause_ms 250\n"
      "client_reattestation_timeout 12\n"
      "max_connections 10\n");
  EXPECT_EQ(c.allow_anonymous, false);
  EXPECT_EQ(c.password_file, "/etc/trustmq/passwd");
  EXPECT_EQ(c.acl_file, "/etc/trustmq/acl file");  // the rest of the line: spaces allowed
  EXPECT_EQ(c.broker.max_inflight_messages, 7u);
  EXPECT_EQ(c.broker.max_queued_messages, 300u);
  EXPECT_EQ(c.broker.max_subscriptions_per_client, 25u);
  EXPECT_EQ(c.broker.message_size_limit, 1024u);
  EXPECT_EQ(c.broker.max_packet_size, 4096u);
  EXPECT_EQ(c.broker.max_keepalive_seconds, 120u);
  EXPECT_EQ(c.broker.persistent_client_expiration_seconds, 2u * 86400u);
  EXPECT_EQ(c.broker.sys_interval_seconds, 0u);
  EXPECT_EQ(c.engine, "wasm-aot");
  EXPECT_EQ(c.module, "/opt/core.wasm");
  EXPECT_EQ(c.wasm_max_memory_mb, 64u);
  EXPECT_EQ(c.max_queued_bytes, 65536u);
  EXPECT_EQ(c.max_publisher_pause_ms, 250u);
  EXPECT_EQ(c.max_connections, 10u);
  EXPECT_EQ(c.broker.client_reattestation_timeout_seconds, 12u);
}

TEST(ConfigFileTest, ClientReattestationTimeoutHasADefaultAndABound) {
  EXPECT_EQ(parse_config("").broker.client_reattestation_timeout_seconds,
            mqtt::kDefaultClientReattestationTimeout);
  EXPECT_NE(config_error_of("client_reattestation_timeout 0\n"), "");
  EXPECT_NE(config_error_of("client_reattestation_timeout 86401\n"), "");
}

TEST(ConfigFileTest, ServedEvidenceTypesAreTheListenersAttestationsSortedOnce) {
  ServerConfig c = parse_config(
      "listener 1883 127.0.0.1\n"
      "listener 8883 127.0.0.1\nattestation tpm2-quote\n"
      "listener 8884 127.0.0.1\nattestation sim\n"
      "listener 8885 127.0.0.1\nattestation sim\n");
  resolve_server_defaults(c);
  EXPECT_EQ(c.broker.served_evidence_types, (std::vector<std::string>{"sim", "tpm2-quote"}));
  ServerConfig plain = parse_config("listener 1883 127.0.0.1\n");
  resolve_server_defaults(plain);
  EXPECT_TRUE(plain.broker.served_evidence_types.empty());
}

TEST(ConfigFileTest, MaxConnectionsMinusOneIsUnlimited) {
  EXPECT_FALSE(parse_config("max_connections 5\nmax_connections -1\n").max_connections.has_value());
}

TEST(ConfigFileTest, LaterLinesWin) {
  const ServerConfig c = parse_config(
      "sys_interval 5\nsys_interval 7\nallow_anonymous true\n"
      "allow_anonymous false\n");
  EXPECT_EQ(c.broker.sys_interval_seconds, 7u);
  EXPECT_EQ(c.allow_anonymous, false);
}

TEST(ConfigFileTest, LogTypesReplaceTheDefaultThenAccumulate) {
  const auto bit = [](LogType t) { return static_cast<LogTypeMask>(t); };
  EXPECT_EQ(parse_config("log_type error\n").log_types, bit(LogType::kError));
  EXPECT_EQ(parse_config("log_type error\nlog_type subscribe\nlog_type unsubscribe\n").log_types,
            bit(LogType::kError) | bit(LogType::kSubscribe) | bit(LogType::kUnsubscribe));
  EXPECT_EQ(parse_config("log_type all\n").log_types, kAllLogTypes);
  EXPECT_EQ(parse_config("log_type all\nlog_type none\n").log_types, 0u);
  EXPECT_EQ(parse_config("log_type none\nlog_type debug\n").log_types, bit(LogType::kDebug));
  EXPECT_EQ(parse_config("log_type warning\nlog_type notice\nlog_type information\n").log_types,
            bit(LogType::kWarning) | bit(LogType::kNotice) | bit(LogType::kInformation));
}

TEST(ConfigFileTest, TlsOptionsAttachToThePrecedingListener) {
  const ServerConfig c = parse_config(
      "listener 1883 127.0.0.1\n"
      "listener 8883\n"
      "certfile /c.pem\n"
      "keyfile /k.pem\n"
      "cafile /ca.pem\n"
      "capath /cas\n"
      "require_certificate true\n"
      "use_identity_as_username true\n"
      "tls_version tlsv1.3\n"
      "ciphers ECDHE-ECDSA-AES128-GCM-SHA256\n"
      "ciphers_tls1.3 TLS_AES_128_GCM_SHA256\n"
      "psk_file /psk\n"
      "psk_hint hint\n");
  ASSERT_EQ(c.listeners.size(), 2u);
  EXPECT_FALSE(c.listeners[0].tls.requests_tls());
  const ListenerTlsOptions& tls = c.listeners[1].tls;
  EXPECT_TRUE(tls.requests_tls());
  EXPECT_EQ(tls.certfile, "/c.pem");
  EXPECT_EQ(tls.keyfile, "/k.pem");
  EXPECT_EQ(tls.cafile, "/ca.pem");
  EXPECT_EQ(tls.capath, "/cas");
  EXPECT_TRUE(tls.require_certificate);
  EXPECT_TRUE(tls.use_identity_as_username);
  EXPECT_EQ(tls.tls_version, "tlsv1.3");
  EXPECT_EQ(tls.ciphers, "ECDHE-ECDSA-AES128-GCM-SHA256");
  EXPECT_EQ(tls.ciphers_tls13, "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(tls.psk_file, "/psk");
  EXPECT_EQ(tls.psk_hint, "hint");
}

TEST(ConfigFileTest, ErrorsNameFileLineAndOption) {
  EXPECT_EQ(config_error_of("\n\nbogus_option 1\n"), "test.conf:3: unknown option 'bogus_option'");
  EXPECT_EQ(config_error_of("allow_anonymous yes\n"),
            "test.conf:1: option 'allow_anonymous': expected true or false, got 'yes'");
  EXPECT_EQ(config_error_of("allow_anonymous\n"),
            "test.conf:1: option 'allow_anonymous': missing value");
  EXPECT_EQ(config_error_of("allow_anonymous true false\n"),
            "test.conf:1: option 'allow_anonymous': expected one value, got 'true false'");
  EXPECT_EQ(config_error_of("sys_interval -1\n"),
            "test.conf:1: option 'sys_interval': expected a non-negative integer, got '-1'");
  EXPECT_EQ(config_error_of("sys_interval 10s\n"),
            "test.conf:1: option 'sys_interval': expected a non-negative integer, got '10s'");
  EXPECT_EQ(config_error_of("max_inflight_messages 70000\n"),
            "test.conf:1: option 'max_inflight_messages': value '70000' out of range (0..65535)");
  EXPECT_EQ(config_error_of("max_queued_messages 99999999999999999999999\n"),
            "test.conf:1: option 'max_queued_messages': value '99999999999999999999999' out of "
            "range (0..4294967295)");
  EXPECT_EQ(config_error_of("message_size_limit 268435456\n"),
            "test.conf:1: option 'message_size_limit': value '268435456' out of range "
            "(0..268435455)");
  EXPECT_EQ(config_error_of("max_packet_size 0\n"),
            "test.conf:1: option 'max_packet_size': must be at least 1");
  EXPECT_EQ(config_error_of("persistent_client_expiration 10\n"),
            "test.conf:1: option 'persistent_client_expiration': invalid duration '10' (expected "
            "a number followed by s, h, d, w, m or y, e.g. 2d)");
  EXPECT_EQ(config_error_of("log_type verbose\n"),
            "test.conf:1: option 'log_type': unknown log type 'verbose'");
  EXPECT_EQ(config_error_of("log_dest printer\n"),
            "test.conf:1: option 'log_dest': expected stdout, stderr, syslog, topic, file PATH, "
            "dlt or none, got 'printer'");
  EXPECT_EQ(config_error_of("log_dest file\n"),
            "test.conf:1: option 'log_dest': 'log_dest file' needs a file name");
  EXPECT_EQ(config_error_of("engine jit\n"),
            "test.conf:1: option 'engine': unknown engine 'jit' (expected native, wasm-aot or "
            "wasm-interp)");
  EXPECT_EQ(config_error_of("password_file\n"),
            "test.conf:1: option 'password_file': missing value");
  EXPECT_EQ(config_error_of("acl_file   \n"), "test.conf:1: option 'acl_file': missing value");
  EXPECT_EQ(config_error_of("module\n"), "test.conf:1: option 'module': missing value");
  EXPECT_EQ(config_error_of("max_queued_bytes lots\n"),
            "test.conf:1: option 'max_queued_bytes': expected a non-negative integer, got 'lots'");
  EXPECT_EQ(config_error_of("max_connections -2\n"),
            "test.conf:1: option 'max_connections': expected a non-negative integer, got '-2'");
  EXPECT_EQ(config_error_of("max_keepalive 65536\n"),
            "test.conf:1: option 'max_keepalive': value '65536' out of range (0..65535)");
}

TEST(ConfigFileTest, ListenerErrors) {
  EXPECT_EQ(config_error_of("listener\n"),
            "test.conf:1: option 'listener': expected 'listener PORT [BIND_ADDRESS]'");
  EXPECT_EQ(config_error_of("listener 1883 127.0.0.1 extra\n"),
            "test.conf:1: option 'listener': expected 'listener PORT [BIND_ADDRESS]'");
  EXPECT_EQ(config_error_of("listener 65536\n"),
            "test.conf:1: option 'listener': value '65536' out of range (0..65535)");
  EXPECT_EQ(config_error_of("listener http\n"),
            "test.conf:1: option 'listener': expected a non-negative integer, got 'http'");
  EXPECT_EQ(config_error_of("certfile /c.pem\nlistener 8883\n"),
            "test.conf:1: option 'certfile': must follow a 'listener' line");
  EXPECT_EQ(config_error_of("listener 8883\nrequire_certificate maybe\n"),
            "test.conf:2: option 'require_certificate': expected true or false, got 'maybe'");
  EXPECT_EQ(config_error_of("listener 8883\ntls_version tlsv1.1\n"),
            "test.conf:2: option 'tls_version': expected tlsv1.2 or tlsv1.3, got 'tlsv1.1'");
}

// Every option of mosquitto.conf(5) of mosquitto 2.0 with a value mosquitto accepts: each is
// implemented, accepted with a warning, or refused with a reason — never "unknown option".
TEST(ConfigFileTest, EveryMosquittoOptionIsKnown) {
  static constexpr std::string_view kLines[] = {"acl_file /acl",
                                                "allow_anonymous true",
                                                "allow_duplicate_messages true",
                                                "allow_zero_length_clientid false",
                                                "auth_plugin /p.so",
                                                "auth_plugin_deny_special_chars true",
                                                "auto_id_prefix x-",
                                                "autosave_interval 60",
                                                "autosave_on_changes true",
                                                "check_retain_source true",
                                                "clientid_prefixes sensor-",
                                                "connection_messages false",
                                                "include_dir /nonexistent-dir-for-this-test",
                                                "log_dest topic",
                                                "log_facility 5",
                                                "log_timestamp false",
                                                "log_timestamp_format %Y",
                                                "log_type all",
                                                "max_inflight_bytes 1000",
                                                "max_inflight_messages 5",
                                                "max_keepalive 60",
                                                "max_packet_size 1000",
                                                "max_queued_bytes 1000",
                                                "max_queued_messages 5",
                                                "memory_limit 100000",
                                                "message_size_limit 100",
                                                "password_file /pw",
                                                "per_listener_settings true",
                                                "persistence true",
                                                "persistence_file m.db",
                                                "persistence_location /var/lib/m/",
                                                "persistent_client_expiration 1d",
                                                "pid_file /run/m.pid",
                                                "psk_file /psk",
                                                "queue_qos0_messages true",
                                                "retain_available false",
                                                "set_tcp_nodelay true",
                                                "sys_interval 10",
                                                "upgrade_outgoing_qos true",
                                                "user mosquitto",
                                                "bind_address 127.0.0.1",
                                                "bind_interface eth0",
                                                "http_dir /www",
                                                "listener 1883",
                                                "max_connections 10",
                                                "max_qos 1",
                                                "max_topic_alias 5",
                                                "mount_point m/",
                                                "port 1883",
                                                "protocol mqtt",
                                                "socket_domain ipv4",
                                                "use_username_as_clientid true",
                                                "websockets_log_level 0",
                                                "websockets_headers_size 2048",
                                                "cafile /ca",
                                                "capath /cas",
                                                "certfile /c",
                                                "ciphers HIGH",
                                                "ciphers_tls1.3 TLS_AES_128_GCM_SHA256",
                                                "crlfile /crl",
                                                "dhparamfile /dh",
                                                "keyfile /k",
                                                "require_certificate true",
                                                "tls_engine pkcs11",
                                                "tls_engine_kpass_sha1 00",
                                                "tls_keyform engine",
                                                "tls_version tlsv1.2",
                                                "use_identity_as_username true",
                                                "use_subject_as_username true",
                                                "psk_hint h",
                                                "address example.com",
                                                "addresses example.com",
                                                "bridge_attempt_unsubscribe true",
                                                "bridge_bind_address 1.2.3.4",
                                                "bridge_max_packet_size 10",
                                                "bridge_outgoing_retain true",
                                                "bridge_protocol_version mqttv311",
                                                "cleansession true",
                                                "local_cleansession true",
                                                "connection c",
                                                "keepalive_interval 60",
                                                "idle_timeout 60",
                                                "local_clientid x",
                                                "local_password x",
                                                "local_username x",
                                                "notifications true",
                                                "notifications_local_only true",
                                                "notification_topic t",
                                                "remote_clientid x",
                                                "remote_password x",
                                                "remote_username x",
                                                "restart_timeout 5",
                                                "round_robin true",
                                                "start_type automatic",
                                                "threshold 10",
                                                "topic # both 0",
                                                "try_private true",
                                                "bridge_alpn x",
                                                "bridge_cafile /ca",
                                                "bridge_capath /cas",
                                                "bridge_certfile /c",
                                                "bridge_identity i",
                                                "bridge_insecure true",
                                                "bridge_keyfile /k",
                                                "bridge_psk 00",
                                                "bridge_require_ocsp true",
                                                "bridge_tls_version tlsv1.2",
                                                "plugin /p.so",
                                                "plugin_opt_db x"};
  for (const std::string_view line : kLines) {
    const std::string text = "listener 1883\n" + std::string(line) + "\n";
    const std::string error = config_error_of(text);
    EXPECT_EQ(error.find("unknown option"), std::string::npos) << line << ": " << error;
  }
}

TEST(ConfigFileTest, OptionsWithoutEffectAreAcceptedWithOneWarningEach) {
  const ServerConfig c = parse_config(
      "persistence_file mosquitto.db\n"
      "autosave_on_changes true\n"
      "set_tcp_nodelay true\n"
      "log_dest topic\n"
      "max_inflight_bytes 0\n");  // 0 is implemented: no warning
  ASSERT_EQ(c.warnings.size(), 4u);
  EXPECT_EQ(c.warnings[0],
            "test.conf:1: option 'persistence_file' has no effect: trustmq keeps its store in "
            "persistence_location/trustmq.db (docs/persistence.md)");
  EXPECT_TRUE(c.warnings[1].starts_with("test.conf:2: option 'autosave_on_changes' has no effect"));
  EXPECT_TRUE(c.warnings[3].starts_with("test.conf:4: option 'log_dest topic' has no effect"));
}

TEST(ConfigFileTest, PersistenceOptions) {
  ServerConfig c = parse_config(
      "persistence true\n"
      "persistence_location /var/lib/mosquitto/\n"
      "autosave_interval 60\n"
      "persistence_durability interval\n");
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_TRUE(c.persistence.enabled);
  EXPECT_EQ(c.persistence.location, "/var/lib/mosquitto");
  EXPECT_EQ(c.persistence.autosave_interval_seconds, 60u);
  EXPECT_EQ(c.persistence.durability, PersistenceDurability::kInterval);
  resolve_server_defaults(c);
  EXPECT_TRUE(c.broker.persistence);

  ServerConfig d = parse_config("persistence true\nstate_dir /s\n");
  EXPECT_EQ(d.persistence.durability, PersistenceDurability::kSync);  // the default
  EXPECT_EQ(d.persistence.autosave_interval_seconds, kDefaultAutosaveIntervalSeconds);
  resolve_server_defaults(d);
  EXPECT_EQ(d.persistence.location, "/s");  // persistence_location defaults to state_dir

  ServerConfig off = parse_config("persistence_location /x\n");
  resolve_server_defaults(off);
  EXPECT_FALSE(off.broker.persistence);

  EXPECT_EQ(config_error_of("persistence_durability always\n"),
            "test.conf:1: option 'persistence_durability': expected sync or interval, not "
            "'always'");
  EXPECT_EQ(config_error_of("autosave_interval 0\n"),
            "test.conf:1: option 'autosave_interval': must be at least 1 (seconds)");
}

TEST(ConfigFileTest, PersistenceSealingOptions) {
  const ServerConfig defaults = parse_config("persistence true\n");
  EXPECT_EQ(defaults.persistence.sealing, PersistenceSealing::kAuto);
  EXPECT_FALSE(defaults.persistence.accept_rollback);
  EXPECT_EQ(defaults.persistence.rollback_interval_seconds, kDefaultRollbackIntervalSeconds);
  EXPECT_EQ(parse_config("persistence_rollback_interval 0\n").persistence.rollback_interval_seconds,
            0u);
  const ServerConfig c =
      parse_config("persistence_sealing tpm\npersistence_accept_rollback true\n");
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_EQ(c.persistence.sealing, PersistenceSealing::kTpm);
  EXPECT_TRUE(c.persistence.accept_rollback);
  EXPECT_EQ(parse_config("persistence_sealing file\n").persistence.sealing,
            PersistenceSealing::kFile);
  EXPECT_EQ(config_error_of("persistence_sealing hardware\n"),
            "test.conf:1: option 'persistence_sealing': expected auto, file or tpm, not "
            "'hardware'");
}

TEST(ConfigFileTest, PersistenceMigrateToTakesAMeasurementInLowerCase) {
  EXPECT_TRUE(parse_config("persistence true\n").persistence.migrate_to.empty());
  const std::string upper = "9C" + std::string(62, 'A');
  const ServerConfig c = parse_config("persistence_migrate_to " + upper + "\n");
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_EQ(c.persistence.migrate_to, "9c" + std::string(62, 'a'));
  EXPECT_EQ(config_error_of("persistence_migrate_to abc\n"),
            "test.conf:1: option 'persistence_migrate_to': expected the new module's measurement, "
            "64 hex digits (SHA-256), not 'abc'");
  EXPECT_NE(config_error_of("persistence_migrate_to " + std::string(63, 'a') + "g\n"), "");
}

TEST(ConfigFileTest, UnsupportedValuesAreRefusedWithTheReason) {
  EXPECT_EQ(config_error_of("retain_available false\n"),
            "test.conf:1: option 'retain_available': 'false' is not supported: only 'true' "
            "(mosquitto's default) is implemented: the broker always keeps retained messages");
  EXPECT_TRUE(
      parse_config("retain_available true\nallow_zero_length_clientid true\n").warnings.empty());
  EXPECT_EQ(config_error_of("connection bridge-1\nround_robin true\n"),
            "test.conf:2: option 'round_robin': not supported: only one address per bridge is "
            "supported, so there is nothing to choose from");
  EXPECT_TRUE(
      config_error_of("listener 1883\nmount_point tenant/\n")
          .starts_with(
              "test.conf:2: option 'mount_point': not supported: topic prefixes per listener"));
  EXPECT_TRUE(config_error_of("clientid_prefixes sensor-\n").find("security option") !=
              std::string::npos);
  EXPECT_EQ(config_error_of("listener 0 /run/m.sock\n"),
            "test.conf:1: option 'listener': Unix domain socket listeners are not implemented; "
            "use a TCP port");
  EXPECT_EQ(config_error_of("listener 1883\nsocket_domain ipv5\n"),
            "test.conf:2: option 'socket_domain': expected ipv4 or ipv6, got 'ipv5'");
  EXPECT_EQ(config_error_of("listener 1883\nprotocol http\n"),
            "test.conf:2: option 'protocol': expected mqtt or websockets, got 'http'");
}

TEST(ConfigFileTest, ProcessAndLogOptions) {
  const ServerConfig c = parse_config(
      "pid_file /run/mosquitto/mosquitto.pid\n"
      "user mosquitto\n"
      "connection_messages false\n"
      "log_dest file /var/log/mosquitto/mosquitto.log\n"
      "log_dest stdout\n"
      "log_dest syslog\n"
      "log_facility 3\n"
      "log_timestamp false\n"
      "log_timestamp_format %Y-%m-%dT%H:%M:%S\n"
      "listener 1883\n"
      "socket_domain ipv6\n"
      "protocol mqtt\n"
      "crlfile /crl.pem\n");
  EXPECT_EQ(c.pid_file, "/run/mosquitto/mosquitto.pid");
  EXPECT_EQ(c.user, "mosquitto");
  EXPECT_FALSE(c.connection_messages);
  EXPECT_FALSE(c.log.to_stderr);  // the first log_dest replaces the default
  EXPECT_TRUE(c.log.to_stdout);
  EXPECT_TRUE(c.log.to_syslog);
  EXPECT_EQ(c.log.file, "/var/log/mosquitto/mosquitto.log");
  EXPECT_EQ(c.log.syslog_facility, 3);
  EXPECT_FALSE(c.log.timestamp);
  EXPECT_EQ(c.log.timestamp_format, "%Y-%m-%dT%H:%M:%S");
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.listeners[0].socket_domain, SocketDomain::kIpv6);
  EXPECT_EQ(c.listeners[0].tls.crlfile, "/crl.pem");
  EXPECT_TRUE(c.listeners[0].tls.requests_tls());
  EXPECT_FALSE(parse_config("log_dest none\n").log.to_stderr);
  EXPECT_EQ(config_error_of("log_dest file /a.log\nlog_dest file /b.log\n"),
            "test.conf:2: option 'log_dest': only one 'log_dest file' may be configured (as in "
            "mosquitto)");
}

TEST(ConfigFileTest, WebSocketsListenerWithOrigins) {
  const ServerConfig c = parse_config(
      "listener 8080\nprotocol websockets\nwebsockets_origin https://a.example\n"
      "websockets_origin http://localhost:3000\nwebsockets_headers_size 0\n");
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.listeners[0].protocol, ListenerProtocol::kWebSockets);
  EXPECT_EQ(c.listeners[0].websockets_origins,
            (std::vector<std::string>{"https://a.example", "http://localhost:3000"}));
  EXPECT_EQ(c.websockets_headers_size, kDefaultWebSocketsHeadersSize);
}

TEST(ConfigFileTest, PortAndBindAddressMakeTheDefaultListener) {
  const ServerConfig c = parse_config("bind_address 127.0.0.1\nport 1884\nlistener 8883\n");
  ASSERT_EQ(c.listeners.size(), 2u);
  EXPECT_EQ(c.listeners[0].port, 1884);
  EXPECT_EQ(c.listeners[0].bind_address, "127.0.0.1");
  EXPECT_EQ(c.listeners[0].origin, "test.conf:1 (default listener)");
  EXPECT_EQ(c.listeners[1].port, 8883);
}

// mosquitto.conf(5): case-sensitive alphabetical order, upper case before the lower case of
// the same letter; only *.conf files; directories in the order of their include_dir lines.
TEST(ConfigFileTest, IncludeDirLoadsConfFilesInMosquittoOrder) {
  test_support::TempDirectory dir;
  std::filesystem::create_directory(dir.file("one.d"));
  std::filesystem::create_directory(dir.file("two.d"));
  for (const char* name : {"b.conf", "A.conf", "01.conf", "a.conf", "B.conf", "00.conf"}) {
    dir.write(std::string("one.d/") + name, std::string("listener 0\nsocket_domain ipv4\n"));
  }
  dir.write("one.d/README", "not a config file\n");
  dir.write("one.d/x.conf.bak", "not a config file either\n");
  dir.write("two.d/0.conf", "listener 0\n");
  const std::string main = dir.write("main.conf", "include_dir " + dir.file("one.d") +
                                                      "\ninclude_dir " + dir.file("two.d") + "\n");
  ServerConfig c;
  load_config_file(main, c);
  std::vector<std::string> order;
  for (const auto& l : c.listeners) {
    order.push_back(std::filesystem::path(l.origin.substr(0, l.origin.find(':'))).filename());
  }
  EXPECT_EQ(order, (std::vector<std::string>{"00.conf", "01.conf", "A.conf", "a.conf", "B.conf",
                                             "b.conf", "0.conf"}));
  EXPECT_EQ(c.listeners[0].socket_domain, SocketDomain::kIpv4);  // options continue per file

  dir.write("two.d/1.conf", "include_dir " + dir.file("one.d") + "\n");
  try {
    ServerConfig c2;
    load_config_file(main, c2);
    FAIL() << "nested include_dir accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), dir.file("two.d/1.conf") +
                                         ":1: option 'include_dir': only valid in the main "
                                         "configuration file (as in mosquitto)");
  }
  const std::string bad = dir.write("bad.conf", "include_dir " + dir.file("missing.d") + "\n");
  try {
    ServerConfig c3;
    load_config_file(bad, c3);
    FAIL() << "missing include_dir accepted";
  } catch (const ConfigError& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with(bad + ":1: option 'include_dir': cannot read "
                                                        "directory"))
        << e.what();
  }
}

// Debian's /etc/mosquitto/mosquitto.conf of mosquitto 2.0.11, as shipped.
TEST(ConfigFileTest, DebianStockFileParses) {
  test_support::TempDirectory dir;
  std::filesystem::create_directory(dir.file("conf.d"));
  dir.write("conf.d/README",
            "Any files placed in this directory that have a .conf ending will be loaded as\n"
            "config files by the broker. Use this to make your local config.\n");
  const std::string main = dir.write("mosquitto.conf",
                                     "# Place your local configuration in /etc/mosquitto/conf.d/\n"
                                     "#\n"
                                     "# A full description of the configuration file is at\n"
                                     "# /usr/share/doc/mosquitto/examples/mosquitto.conf.example\n"
                                     "\n"
                                     "pid_file " +
                                         dir.file("mosquitto.pid") +
                                         "\n"
                                         "\n"
                                         "persistence true\n"
                                         "persistence_location " +
                                         dir.file("lib") +
                                         "/\n"
                                         "\n"
                                         "log_dest file " +
                                         dir.file("mosquitto.log") +
                                         "\n"
                                         "\n"
                                         "include_dir " +
                                         dir.file("conf.d") + "\n");
  ServerConfig c;
  load_config_file(main, c);
  EXPECT_EQ(c.pid_file, dir.file("mosquitto.pid"));
  EXPECT_EQ(c.log.file, dir.file("mosquitto.log"));
  EXPECT_FALSE(c.log.to_stderr);
  EXPECT_TRUE(c.listeners.empty());  // local only mode, as mosquitto 2.0
  EXPECT_TRUE(c.warnings.empty());   // persistence and persistence_location are implemented
  EXPECT_TRUE(c.persistence.enabled);
  EXPECT_EQ(c.persistence.location, dir.file("lib"));
}

TEST(ConfigFileTest, ErrorStopsAtTheFirstBadLine) {
  EXPECT_EQ(config_error_of("sys_interval 1\nfoo\nbar\n"), "test.conf:2: unknown option 'foo'");
}

TEST(ConfigFileTest, LoadsAFileAndNamesItInErrors) {
  test_support::TempDirectory dir;
  const std::string good =
      dir.write("good.conf", "listener 1884 127.0.0.1\nallow_anonymous true\n");
  ServerConfig c;
  load_config_file(good, c);
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.listeners[0].origin, good + ":1");

  const std::string bad = dir.write("bad.conf", "listener 1884\nnot_an_option\n");
  try {
    ServerConfig c2;
    load_config_file(bad, c2);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), bad + ":2: unknown option 'not_an_option'");
  }

  try {
    ServerConfig c3;
    load_config_file(dir.file("missing.conf"), c3);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "cannot open config file '" + dir.file("missing.conf") +
                                         "': No such file or directory");
  }
}

TEST(ServerConfigTest, NoListenerMeansLocalOnlyWithAnonymousAllowed) {
  ServerConfig c;
  resolve_server_defaults(c);
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_TRUE(c.listeners[0].loopback_only);  // 127.0.0.1 and ::1
  EXPECT_EQ(c.listeners[0].bind_address, "");
  EXPECT_EQ(c.listeners[0].port, 1883);
  EXPECT_TRUE(c.local_only);
  EXPECT_TRUE(c.broker.allow_anonymous);
  EXPECT_FALSE(c.broker.check_passwords);
}

TEST(ServerConfigTest, NoListenerButExplicitAllowAnonymousFalse) {
  ServerConfig c = parse_config("allow_anonymous false\n");
  resolve_server_defaults(c);
  EXPECT_EQ(c.listeners.size(), 1u);
  EXPECT_FALSE(c.broker.allow_anonymous);
}

TEST(ServerConfigTest, ConfiguredListenerMeansAnonymousRefusedByDefault) {
  ServerConfig c = parse_config("listener 1884 127.0.0.1\n");
  resolve_server_defaults(c);
  EXPECT_EQ(c.listeners.size(), 1u);
  EXPECT_FALSE(c.broker.allow_anonymous);

  ServerConfig allowed = parse_config("listener 1884 127.0.0.1\nallow_anonymous true\n");
  resolve_server_defaults(allowed);
  EXPECT_TRUE(allowed.broker.allow_anonymous);
}

TEST(ConfigFileTest, MemoryLimits) {
  ServerConfig defaults = parse_config("listener 1884\n");
  EXPECT_EQ(defaults.broker.memory_limit, 0u);
  EXPECT_EQ(defaults.broker.max_connect_packet_size, mqtt::kDefaultMaxConnectPacketSize);
  ServerConfig c = parse_config("memory_limit 104857600\nmax_connect_packet_size 65536\n");
  EXPECT_EQ(c.broker.memory_limit, 104857600u);
  EXPECT_EQ(c.broker.max_connect_packet_size, 65536u);
  EXPECT_EQ(config_error_of("max_connect_packet_size 100\n"),
            "test.conf:1: option 'max_connect_packet_size': must be at least 256 (bytes)");
  EXPECT_EQ(config_error_of("max_connect_packet_size 268435456\n").substr(0, 45),
            "test.conf:1: option 'max_connect_packet_size'");
}

TEST(ServerConfigTest, PasswordFileTurnsOnPasswordChecks) {
  ServerConfig c = parse_config("listener 1884\npassword_file /p\n");
  resolve_server_defaults(c);
  EXPECT_TRUE(c.broker.check_passwords);
}

}  // namespace
}  // namespace trustmq::shell

#include "shell/config_file.h"

#include <gtest/gtest.h>

#include <string>

#include "shell/server_config.h"
#include "support/temp_directory.h"

namespace trustmq::shell {
namespace {

ServerConfig parse(std::string_view text) {
  ServerConfig config;
  parse_config_text(text, "test.conf", config);
  return config;
}

// The message of the ConfigError `text` raises ("" if it parses).
std::string error_of(std::string_view text) {
  try {
    parse(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ConfigFileTest, EmptyTextKeepsDefaults) {
  const ServerConfig c = parse("");
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
  const ServerConfig c = parse(
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
  const ServerConfig c = parse(
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
  const ServerConfig c = parse(
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
}

TEST(ConfigFileTest, MaxConnectionsMinusOneIsUnlimited) {
  EXPECT_FALSE(parse("max_connections 5\nmax_connections -1\n").max_connections.has_value());
}

TEST(ConfigFileTest, LaterLinesWin) {
  const ServerConfig c = parse(
      "sys_interval 5\nsys_interval 7\nallow_anonymous true\n"
      "allow_anonymous false\n");
  EXPECT_EQ(c.broker.sys_interval_seconds, 7u);
  EXPECT_EQ(c.allow_anonymous, false);
}

TEST(ConfigFileTest, LogTypesReplaceTheDefaultThenAccumulate) {
  const auto bit = [](LogType t) { return static_cast<LogTypeMask>(t); };
  EXPECT_EQ(parse("log_type error\n").log_types, bit(LogType::kError));
  EXPECT_EQ(parse("log_type error\nlog_type subscribe\nlog_type unsubscribe\n").log_types,
            bit(LogType::kError) | bit(LogType::kSubscribe) | bit(LogType::kUnsubscribe));
  EXPECT_EQ(parse("log_type all\n").log_types, kAllLogTypes);
  EXPECT_EQ(parse("log_type all\nlog_type none\n").log_types, 0u);
  EXPECT_EQ(parse("log_type none\nlog_type debug\n").log_types, bit(LogType::kDebug));
  EXPECT_EQ(parse("log_type warning\nlog_type notice\nlog_type information\n").log_types,
            bit(LogType::kWarning) | bit(LogType::kNotice) | bit(LogType::kInformation));
}

TEST(ConfigFileTest, TlsOptionsAttachToThePrecedingListener) {
  const ServerConfig c = parse(
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
  EXPECT_EQ(error_of("\n\nbogus_option 1\n"), "test.conf:3: unknown option 'bogus_option'");
  EXPECT_EQ(error_of("allow_anonymous yes\n"),
            "test.conf:1: option 'allow_anonymous': expected true or false, got 'yes'");
  EXPECT_EQ(error_of("allow_anonymous\n"), "test.conf:1: option 'allow_anonymous': missing value");
  EXPECT_EQ(error_of("allow_anonymous true false\n"),
            "test.conf:1: option 'allow_anonymous': expected one value, got 'true false'");
  EXPECT_EQ(error_of("sys_interval -1\n"),
            "test.conf:1: option 'sys_interval': expected a non-negative integer, got '-1'");
  EXPECT_EQ(error_of("sys_interval 10s\n"),
            "test.conf:1: option 'sys_interval': expected a non-negative integer, got '10s'");
  EXPECT_EQ(error_of("max_inflight_messages 70000\n"),
            "test.conf:1: option 'max_inflight_messages': value '70000' out of range (0..65535)");
  EXPECT_EQ(error_of("max_queued_messages 99999999999999999999999\n"),
            "test.conf:1: option 'max_queued_messages': value '99999999999999999999999' out of "
            "range (0..4294967295)");
  EXPECT_EQ(error_of("message_size_limit 268435456\n"),
            "test.conf:1: option 'message_size_limit': value '268435456' out of range "
            "(0..268435455)");
  EXPECT_EQ(error_of("max_packet_size 0\n"),
            "test.conf:1: option 'max_packet_size': must be at least 1");
  EXPECT_EQ(error_of("persistent_client_expiration 10\n"),
            "test.conf:1: option 'persistent_client_expiration': invalid duration '10' (expected "
            "a number followed by s, h, d, w, m or y, e.g. 2d)");
  EXPECT_EQ(error_of("log_type verbose\n"),
            "test.conf:1: option 'log_type': unknown log type 'verbose'");
  EXPECT_EQ(error_of("log_dest file /var/log/x\n"),
            "test.conf:1: option 'log_dest': only 'stderr' is supported, got 'file /var/log/x'");
  EXPECT_EQ(error_of("log_dest syslog\n"),
            "test.conf:1: option 'log_dest': only 'stderr' is supported, got 'syslog'");
  EXPECT_EQ(error_of("engine jit\n"),
            "test.conf:1: option 'engine': unknown engine 'jit' (expected native, wasm-aot or "
            "wasm-interp)");
  EXPECT_EQ(error_of("password_file\n"), "test.conf:1: option 'password_file': missing value");
  EXPECT_EQ(error_of("acl_file   \n"), "test.conf:1: option 'acl_file': missing value");
  EXPECT_EQ(error_of("module\n"), "test.conf:1: option 'module': missing value");
  EXPECT_EQ(error_of("max_queued_bytes lots\n"),
            "test.conf:1: option 'max_queued_bytes': expected a non-negative integer, got 'lots'");
  EXPECT_EQ(error_of("max_connections -2\n"),
            "test.conf:1: option 'max_connections': expected a non-negative integer, got '-2'");
  EXPECT_EQ(error_of("max_keepalive 65536\n"),
            "test.conf:1: option 'max_keepalive': value '65536' out of range (0..65535)");
}

TEST(ConfigFileTest, ListenerErrors) {
  EXPECT_EQ(error_of("listener\n"),
            "test.conf:1: option 'listener': expected 'listener PORT [BIND_ADDRESS]'");
  EXPECT_EQ(error_of("listener 1883 127.0.0.1 extra\n"),
            "test.conf:1: option 'listener': expected 'listener PORT [BIND_ADDRESS]'");
  EXPECT_EQ(error_of("listener 65536\n"),
            "test.conf:1: option 'listener': value '65536' out of range (0..65535)");
  EXPECT_EQ(error_of("listener http\n"),
            "test.conf:1: option 'listener': expected a non-negative integer, got 'http'");
  EXPECT_EQ(error_of("certfile /c.pem\nlistener 8883\n"),
            "test.conf:1: option 'certfile': must follow a 'listener' line");
  EXPECT_EQ(error_of("listener 8883\nrequire_certificate maybe\n"),
            "test.conf:2: option 'require_certificate': expected true or false, got 'maybe'");
  EXPECT_EQ(error_of("listener 8883\ntls_version tlsv1.1\n"),
            "test.conf:2: option 'tls_version': expected tlsv1.2 or tlsv1.3, got 'tlsv1.1'");
}

TEST(ConfigFileTest, ErrorStopsAtTheFirstBadLine) {
  EXPECT_EQ(error_of("sys_interval 1\nfoo\nbar\n"), "test.conf:2: unknown option 'foo'");
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
  ServerConfig c = parse("allow_anonymous false\n");
  resolve_server_defaults(c);
  EXPECT_EQ(c.listeners.size(), 1u);
  EXPECT_FALSE(c.broker.allow_anonymous);
}

TEST(ServerConfigTest, ConfiguredListenerMeansAnonymousRefusedByDefault) {
  ServerConfig c = parse("listener 1884 127.0.0.1\n");
  resolve_server_defaults(c);
  EXPECT_EQ(c.listeners.size(), 1u);
  EXPECT_FALSE(c.broker.allow_anonymous);

  ServerConfig allowed = parse("listener 1884 127.0.0.1\nallow_anonymous true\n");
  resolve_server_defaults(allowed);
  EXPECT_TRUE(allowed.broker.allow_anonymous);
}

TEST(ConfigFileTest, MemoryLimits) {
  ServerConfig defaults = parse("listener 1884\n");
  EXPECT_EQ(defaults.broker.memory_limit, 0u);
  EXPECT_EQ(defaults.broker.max_connect_packet_size, mqtt::kDefaultMaxConnectPacketSize);
  ServerConfig c = parse("memory_limit 104857600\nmax_connect_packet_size 65536\n");
  EXPECT_EQ(c.broker.memory_limit, 104857600u);
  EXPECT_EQ(c.broker.max_connect_packet_size, 65536u);
  EXPECT_EQ(error_of("max_connect_packet_size 100\n"),
            "test.conf:1: option 'max_connect_packet_size': must be at least 256 (bytes)");
  EXPECT_EQ(error_of("max_connect_packet_size 268435456\n").substr(0, 45),
            "test.conf:1: option 'max_connect_packet_size'");
}

TEST(ServerConfigTest, PasswordFileTurnsOnPasswordChecks) {
  ServerConfig c = parse("listener 1884\npassword_file /p\n");
  resolve_server_defaults(c);
  EXPECT_TRUE(c.broker.check_passwords);
}

}  // namespace
}  // namespace trustmq::shell

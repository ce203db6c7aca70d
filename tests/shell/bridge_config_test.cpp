#include "shell/bridge_config.h"

#include <gtest/gtest.h>

#include <string>

#include "config_text.h"
#include "shell/config_file.h"
#include "shell/server_config.h"

namespace trustmq::shell {
namespace {

TEST(BridgeConfigTest, EveryImplementedOption) {
  const ServerConfig c = parse_config(
      "listener 1883\n"
      "connection centre\n"
      "address 10.0.0.1:8883\n"
      "topic sensors/# out 1 edge/ site/\n"
      "topic cmd/# in 2\n"
      "bridge_protocol_version mqttv50\n"
      "remote_clientid edge-7\n"
      "remote_username u\n"
      "remote_password p\n"
      "local_clientid edge-local\n"
      "local_username bridge\n"
      "cleansession true\n"
      "local_cleansession false\n"
      "keepalive_interval 30\n"
      "restart_timeout 2 10\n"
      "notifications false\n"
      "notification_topic edge/state\n"
      "notifications_local_only true\n"
      "try_private false\n"
      "bridge_cafile /ca.pem\n"
      "bridge_certfile /c.pem\n"
      "bridge_keyfile /k.pem\n"
      "bridge_tls_version tlsv1.3\n"
      "bridge_insecure false\n"
      "bridge_attestation_policy /policy.json\n");
  ASSERT_EQ(c.bridges.size(), 1u);
  const BridgeConfig& b = c.bridges[0];
  EXPECT_EQ(b.name, "centre");
  EXPECT_EQ(b.origin, "test.conf:2");
  EXPECT_EQ(b.host, "10.0.0.1");
  EXPECT_EQ(b.port, 8883);
  ASSERT_EQ(b.topics.size(), 2u);
  EXPECT_EQ(b.topics[0].remote_filter(), "site/sensors/#");
  EXPECT_EQ(b.topics[1].direction, BridgeDirection::kIn);
  EXPECT_EQ(b.version, mqtt::ProtocolVersion::kV5);
  EXPECT_EQ(b.remote_clientid, "edge-7");
  EXPECT_EQ(b.remote_username, "u");
  EXPECT_EQ(b.remote_password, "p");
  EXPECT_EQ(b.local_clientid, "edge-local");
  EXPECT_EQ(b.local_username, "bridge");
  EXPECT_TRUE(b.cleansession);
  EXPECT_FALSE(b.local_session_is_clean());
  EXPECT_FALSE(b.try_private);
  EXPECT_EQ(b.keepalive_seconds, 30);
  EXPECT_EQ(b.restart_seconds, 2u);
  EXPECT_EQ(b.restart_max_seconds, 10u);
  EXPECT_FALSE(b.notifications);
  EXPECT_EQ(b.notification_topic, "edge/state");
  EXPECT_EQ(b.cafile, "/ca.pem");
  EXPECT_EQ(b.attestation_policy, "/policy.json");
  EXPECT_TRUE(b.uses_tls());
}

TEST(BridgeConfigTest, DefaultsFollowMosquitto) {
  const ServerConfig c = parse_config("connection b1\naddress remote.example\ntopic #\n");
  ASSERT_EQ(c.bridges.size(), 1u);
  const BridgeConfig& b = c.bridges[0];
  EXPECT_EQ(b.port, 1883);
  EXPECT_EQ(b.version, mqtt::ProtocolVersion::kV311);
  EXPECT_FALSE(b.cleansession);
  EXPECT_FALSE(b.local_session_is_clean());  // local_cleansession follows cleansession
  EXPECT_TRUE(b.try_private);
  EXPECT_EQ(b.keepalive_seconds, 60);
  EXPECT_TRUE(b.notifications);
  EXPECT_TRUE(b.remote_clientid.ends_with(".b1"));
  EXPECT_EQ(b.local_clientid, "local." + b.remote_clientid);
  EXPECT_EQ(b.notification_topic, "$SYS/broker/connection/" + b.remote_clientid + "/state");
  EXPECT_FALSE(b.uses_tls());
}

TEST(BridgeConfigTest, TwoBridgesKeepTheirOwnOptions) {
  const ServerConfig c = parse_config(
      "connection a\naddress h1:1\ntopic x\n"
      "connection b\naddress [::1]:2\ntopic y in\n");
  ASSERT_EQ(c.bridges.size(), 2u);
  EXPECT_EQ(c.bridges[0].host, "h1");
  EXPECT_EQ(c.bridges[1].host, "::1");
  EXPECT_EQ(c.bridges[1].port, 2);
  EXPECT_EQ(c.bridges[1].topics[0].pattern, "y");
}

TEST(BridgeConfigTest, BadLinesStopStartUpWithFileLineAndReason) {
  EXPECT_EQ(config_error_of("address h\n"),
            "test.conf:1: option 'address': a bridge option must follow a 'connection NAME' line");
  EXPECT_EQ(config_error_of("connection a\naddress h\ntopic #\nconnection a\n"),
            "test.conf:4: option 'connection': bridge 'a' defined twice");
  EXPECT_EQ(config_error_of("connection a\ntopic #\n"),
            "test.conf:1: bridge 'a': no address given");
  EXPECT_EQ(config_error_of("connection a\naddress h\n"),
            "test.conf:1: bridge 'a': no topic given");
  EXPECT_NE(config_error_of("connection a\naddress h:0\n").find("invalid port"), std::string::npos);
  EXPECT_NE(config_error_of("connection a\naddress h1 h2\n").find("only one remote address"),
            std::string::npos);
  EXPECT_NE(config_error_of("connection a\naddress h\ntopic # sideways\n")
                .find("test.conf:3: option 'topic': direction must be"),
            std::string::npos);
  EXPECT_NE(config_error_of("connection a\nbridge_protocol_version mqttv31\n")
                .find("mqttv311 or mqttv50"),
            std::string::npos);
  EXPECT_NE(config_error_of("connection a\nbridge_insecure true\n").find("never switched off"),
            std::string::npos);
  EXPECT_NE(config_error_of("connection a\nbridge_psk xyz\n").find("hex"), std::string::npos);
  EXPECT_NE(config_error_of("connection a\nrestart_timeout 10 5\n").find("BASE <= CAP"),
            std::string::npos);
  EXPECT_NE(config_error_of("connection a\nkeepalive_interval 0\n").find("5..65535"),
            std::string::npos);
  EXPECT_NE(config_error_of("connection a\naddress h\ntopic #\nremote_password p\n")
                .find("remote_password needs remote_username"),
            std::string::npos);
  EXPECT_NE(config_error_of("connection a\naddress h\ntopic #\nbridge_psk 00\n")
                .find("bridge_psk and bridge_identity go together"),
            std::string::npos);
  // Loops: an MQTT 3.1.1 remote has no No Local; only the bridge bit (try_private) helps.
  EXPECT_NE(config_error_of("connection a\naddress h\ntopic # both\ntry_private false\n")
                .find("needs try_private true"),
            std::string::npos);
  EXPECT_EQ(config_error_of("connection a\naddress h\ntopic # both\n"), "");
  EXPECT_NE(config_error_of("connection a\nlocal_cleansession maybe\n"), "");
  EXPECT_EQ(
      config_error_of("connection a\naddress h\ntopic # both\nbridge_protocol_version mqttv50\n"),
      "");
  EXPECT_NE(config_error_of("connection a\nbridge_capath /etc/ssl\n").find("give bridge_cafile"),
            std::string::npos);
}

}  // namespace
}  // namespace trustmq::shell

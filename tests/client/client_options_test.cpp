#include "client_options.h"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <string>
#include <vector>

namespace trustmq::cli {
namespace {

Result<ClientCommandOptions> parse(ClientCommand c, std::vector<std::string> words) {
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  return parse_client_options(c, argv);
}

TEST(ClientOptionsTest, PubDefaultsMatchMosquittoPub) {
  auto o = parse(ClientCommand::kPub, {"-t", "a/b", "-m", "hello"});
  ASSERT_TRUE(o.ok()) << o.error();
  EXPECT_EQ(o->endpoint.host, "localhost");
  EXPECT_EQ(o->endpoint.effective_port(), 1883);
  EXPECT_FALSE(o->endpoint.tls.has_value());
  EXPECT_EQ(o->connect.version, mqtt::ProtocolVersion::kV311);
  EXPECT_EQ(o->connect.keep_alive_seconds, 60);
  EXPECT_TRUE(o->connect.clean_start);
  EXPECT_EQ(o->qos, mqtt::QoS::kAtMostOnce);
  EXPECT_FALSE(o->retain);
  EXPECT_EQ(o->topics, std::vector<std::string>{"a/b"});
  EXPECT_EQ(o->source, MessageSource::kArgument);
  EXPECT_EQ(o->message, "hello");
}

TEST(ClientOptionsTest, PubReadsEveryFlag) {
  auto o = parse(ClientCommand::kPub, {"-h",
                                       "broker.example",
                                       "-p",
                                       "1999",
                                       "-t",
                                       "x",
                                       "-f",
                                       "/tmp/f",
                                       "-q",
                                       "2",
                                       "-r",
                                       "-V",
                                       "mqttv5",
                                       "-i",
                                       "me",
                                       "-u",
                                       "user",
                                       "-P",
                                       "pw",
                                       "-k",
                                       "30",
                                       "-d",
                                       "--will-topic",
                                       "w",
                                       "--will-payload",
                                       "bye",
                                       "--will-qos",
                                       "1",
                                       "--will-retain"});
  ASSERT_TRUE(o.ok()) << o.error();
  EXPECT_EQ(o->endpoint.host, "broker.example");
  EXPECT_EQ(o->endpoint.effective_port(), 1999);
  EXPECT_EQ(o->source, MessageSource::kFile);
  EXPECT_EQ(o->message, "/tmp/f");
  EXPECT_EQ(o->qos, mqtt::QoS::kExactlyOnce);
  EXPECT_TRUE(o->retain);
  EXPECT_EQ(o->connect.version, mqtt::ProtocolVersion::kV5);
  EXPECT_EQ(o->connect.client_id, "me");
  EXPECT_EQ(o->connect.username, "user");
  EXPECT_EQ(o->connect.password, (mqtt::Bytes{'p', 'w'}));
  EXPECT_EQ(o->connect.keep_alive_seconds, 30);
  EXPECT_TRUE(o->debug);
  ASSERT_TRUE(o->connect.will.has_value());
  EXPECT_EQ(o->connect.will->topic, "w");
  EXPECT_EQ(o->connect.will->payload, (mqtt::Bytes{'b', 'y', 'e'}));
  EXPECT_EQ(o->connect.will->qos, mqtt::QoS::kAtLeastOnce);
  EXPECT_TRUE(o->connect.will->retain);
}

TEST(ClientOptionsTest, PubMessageSources) {
  EXPECT_EQ(parse(ClientCommand::kPub, {"-t", "a", "-n"})->source, MessageSource::kNull);
  EXPECT_EQ(parse(ClientCommand::kPub, {"-t", "a", "-l"})->source, MessageSource::kLines);
  EXPECT_EQ(parse(ClientCommand::kPub, {"-t", "a", "-s"})->source, MessageSource::kStdin);
  auto two = parse(ClientCommand::kPub, {"-t", "a", "-m", "x", "-n"});
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.error(), "Only one type of message can be sent at once.");
  auto none = parse(ClientCommand::kPub, {"-t", "a"});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error(), "Both topic and message must be supplied.");
  auto no_topic = parse(ClientCommand::kPub, {"-m", "x"});
  ASSERT_FALSE(no_topic.ok());
  EXPECT_EQ(no_topic.error(), "Both topic and message must be supplied.");
  EXPECT_FALSE(parse(ClientCommand::kPub, {"-t", "a", "-t", "b", "-m", "x"}).ok());
}

TEST(ClientOptionsTest, RejectsInvalidValues) {
  auto qos = parse(ClientCommand::kPub, {"-t", "a", "-m", "x", "-q", "3"});
  ASSERT_FALSE(qos.ok());
  EXPECT_EQ(qos.error(), "Invalid QoS given: 3");
  auto version = parse(ClientCommand::kPub, {"-t", "a", "-m", "x", "-V", "4"});
  ASSERT_FALSE(version.ok());
  EXPECT_EQ(version.error(), "Invalid protocol version argument given.");
  EXPECT_FALSE(parse(ClientCommand::kPub, {"-t", "a", "-m", "x", "-p", "0"}).ok());
  EXPECT_FALSE(parse(ClientCommand::kPub, {"-t", "a", "-m", "x", "-p", "65536"}).ok());
  EXPECT_FALSE(parse(ClientCommand::kPub, {"-t", "a", "-m", "x", "-p", "12ab"}).ok());
  EXPECT_FALSE(parse(ClientCommand::kPub, {"-t", "a", "-m", "x", "-k", "3"}).ok());
  EXPECT_TRUE(parse(ClientCommand::kPub, {"-t", "a", "-m", "x", "-k", "0"}).ok());
  auto wildcard = parse(ClientCommand::kPub, {"-t", "a/#", "-m", "x"});
  ASSERT_FALSE(wildcard.ok());
  EXPECT_EQ(wildcard.error(), "Invalid publish topic 'a/#', does it contain '+' or '#'?");
}

TEST(ClientOptionsTest, ProtocolVersionSpellings) {
  for (const char* v : {"5", "mqttv5"}) {
    EXPECT_EQ(parse(ClientCommand::kSub, {"-t", "a", "-V", v})->connect.version,
              mqtt::ProtocolVersion::kV5);
  }
  for (const char* v : {"311", "mqttv311"}) {
    EXPECT_EQ(parse(ClientCommand::kSub, {"-t", "a", "-V", v})->connect.version,
              mqtt::ProtocolVersion::kV311);
  }
}

TEST(ClientOptionsTest, UnknownOrForeignFlagsAndMissingArguments) {
  auto unknown = parse(ClientCommand::kPub, {"-t", "a", "-m", "x", "--bogus"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error(), "Unknown option '--bogus'.");
  // -C belongs to sub, -r to pub.
  EXPECT_FALSE(parse(ClientCommand::kPub, {"-t", "a", "-m", "x", "-C", "1"}).ok());
  EXPECT_FALSE(parse(ClientCommand::kSub, {"-t", "a", "-r"}).ok());
  auto missing = parse(ClientCommand::kPub, {"-t", "a", "-m"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error(), "-m argument given but no MSG specified.");
}

TEST(ClientOptionsTest, SubFlags) {
  auto o = parse(ClientCommand::kSub, {"-t", "a/+", "-t", "b/#", "-q", "1", "-C", "5", "-W", "7",
                                       "-v", "-N", "-R", "-V", "5", "-c", "-i", "subber"});
  ASSERT_TRUE(o.ok()) << o.error();
  EXPECT_EQ(o->topics, (std::vector<std::string>{"a/+", "b/#"}));
  EXPECT_EQ(o->qos, mqtt::QoS::kAtLeastOnce);
  EXPECT_EQ(o->count, 5u);
  EXPECT_EQ(o->timeout_seconds, 7u);
  EXPECT_TRUE(o->print_topic);
  EXPECT_TRUE(o->no_end_of_line);
  EXPECT_TRUE(o->skip_retained);
  EXPECT_FALSE(o->connect.clean_start);
  // -c in MQTT 5 without -x: the session never expires (as mosquitto_sub).
  EXPECT_EQ(o->connect.session_expiry_interval, std::numeric_limits<std::uint32_t>::max());
}

TEST(ClientOptionsTest, SubValidation) {
  auto no_topic = parse(ClientCommand::kSub, {"-q", "1"});
  ASSERT_FALSE(no_topic.ok());
  EXPECT_EQ(no_topic.error(), "You must specify a topic to subscribe to.");
  auto bad = parse(ClientCommand::kSub, {"-t", "a/#/b"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(),
            "Invalid subscription topic 'a/#/b', are all '+' and '#' wildcards correct?");
  auto c_without_id = parse(ClientCommand::kSub, {"-t", "a", "-c"});
  ASSERT_FALSE(c_without_id.ok());
  EXPECT_EQ(c_without_id.error(), "You must provide a client id if you are using the -c option.");
  EXPECT_FALSE(parse(ClientCommand::kSub, {"-t", "a", "-W", "0"}).ok());
  EXPECT_FALSE(parse(ClientCommand::kSub, {"-t", "a", "-C", "0"}).ok());
}

TEST(ClientOptionsTest, SessionExpiry) {
  EXPECT_EQ(parse(ClientCommand::kSub, {"-t", "a", "-V", "5", "-x", "120"})
                ->connect.session_expiry_interval,
            120u);
  EXPECT_EQ(parse(ClientCommand::kSub, {"-t", "a", "-V", "5", "-x", "-1"})
                ->connect.session_expiry_interval,
            std::numeric_limits<std::uint32_t>::max());
  EXPECT_FALSE(parse(ClientCommand::kSub, {"-t", "a", "-x", "120"}).ok());  // 3.1.1
  EXPECT_FALSE(parse(ClientCommand::kSub, {"-t", "a", "-V", "5", "-x", "abc"}).ok());
}

TEST(ClientOptionsTest, TlsOptionsEnableTlsAndPort8883) {
  auto o = parse(ClientCommand::kPub, {"-t", "a", "-m", "x", "--cafile", "ca.pem", "--cert",
                                       "c.pem", "--key", "k.pem", "--insecure"});
  ASSERT_TRUE(o.ok()) << o.error();
  ASSERT_TRUE(o->endpoint.tls.has_value());
  EXPECT_EQ(o->endpoint.effective_port(), 8883);
  EXPECT_EQ(o->endpoint.tls->cafile, "ca.pem");
  EXPECT_EQ(o->endpoint.tls->certfile, "c.pem");
  EXPECT_EQ(o->endpoint.tls->keyfile, "k.pem");
  EXPECT_TRUE(o->endpoint.tls->insecure);

  auto explicit_port = parse(ClientCommand::kSub, {"-t", "a", "--cafile", "ca.pem", "-p", "1"});
  EXPECT_EQ(explicit_port->endpoint.effective_port(), 1);
  // --insecure alone does not turn TLS on (as mosquitto).
  EXPECT_FALSE(parse(ClientCommand::kSub, {"-t", "a", "--insecure"})->endpoint.tls.has_value());
  EXPECT_FALSE(parse(ClientCommand::kSub, {"-t", "a", "--cafile", "ca", "--cert", "c"}).ok());
}

TEST(ClientOptionsTest, PskOptions) {
  auto o = parse(ClientCommand::kSub, {"-t", "a", "--psk", "00ff", "--psk-identity", "dev1"});
  ASSERT_TRUE(o.ok()) << o.error();
  ASSERT_TRUE(o->endpoint.tls.has_value());
  EXPECT_TRUE(o->endpoint.tls->psk());
  EXPECT_EQ(o->endpoint.tls->psk_hex, "00ff");
  EXPECT_EQ(o->endpoint.tls->psk_identity, "dev1");
  EXPECT_EQ(o->endpoint.effective_port(), 8883);
  EXPECT_FALSE(parse(ClientCommand::kSub, {"-t", "a", "--psk", "00ff"}).ok());
  EXPECT_FALSE(
      parse(ClientCommand::kSub, {"-t", "a", "--psk", "0xzz", "--psk-identity", "i"}).ok());
  EXPECT_FALSE(parse(ClientCommand::kSub,
                     {"-t", "a", "--psk", "00", "--psk-identity", "i", "--cafile", "ca.pem"})
                   .ok());
}

TEST(ClientOptionsTest, AttestPolicyTurnsOnTls) {
  auto o = parse(ClientCommand::kSub, {"-t", "a", "--attest", "policy.json"});
  ASSERT_TRUE(o.ok()) << o.error();
  ASSERT_TRUE(o->endpoint.tls.has_value());
  EXPECT_EQ(o->endpoint.tls->attestation_policy, "policy.json");
  EXPECT_EQ(o->endpoint.effective_port(), 8883);
}

TEST(ClientOptionsTest, AttestTakesTheConnectionFlagsAndItsPolicy) {
  auto o = parse(ClientCommand::kAttest,
                 {"-h", "broker.example", "--policy", "p.json", "--cafile", "ca.pem", "--insecure",
                  "--cert", "c.pem", "--key", "k.pem", "--timeout", "3"});
  ASSERT_TRUE(o.ok()) << o.error();
  EXPECT_EQ(o->endpoint.host, "broker.example");
  EXPECT_EQ(o->endpoint.effective_port(), 8883);
  ASSERT_TRUE(o->endpoint.tls.has_value());
  EXPECT_EQ(o->endpoint.tls->attestation_policy, "p.json");
  EXPECT_EQ(o->endpoint.tls->cafile, "ca.pem");
  EXPECT_TRUE(o->endpoint.tls->insecure);
  EXPECT_EQ(o->endpoint.tls->certfile, "c.pem");
  EXPECT_EQ(o->endpoint.tls->keyfile, "k.pem");
  EXPECT_EQ(o->connect.timeout, std::chrono::seconds(3));
  EXPECT_TRUE(o->topics.empty());

  auto psk = parse(ClientCommand::kAttest,
                   {"-p", "9000", "--attest", "p.json", "--psk", "00ff", "--psk-identity", "d"});
  ASSERT_TRUE(psk.ok()) << psk.error();
  EXPECT_EQ(psk->endpoint.effective_port(), 9000);
  EXPECT_EQ(psk->endpoint.tls->attestation_policy, "p.json");
  EXPECT_TRUE(psk->endpoint.tls->psk());
  EXPECT_EQ(parse(ClientCommand::kAttest, {"--policy", "p"})->connect.timeout,
            std::chrono::seconds(10));
}

TEST(ClientOptionsTest, AttestValidation) {
  auto none = parse(ClientCommand::kAttest, {"--cafile", "ca.pem"});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error(), "--policy POLICY is required.");
  // MQTT flags mean nothing without MQTT.
  for (const char* flag : {"-t", "-V", "-i", "-u", "-P", "-k", "-W", "--tls-version", "-m"}) {
    auto o = parse(ClientCommand::kAttest, {"--policy", "p", flag, "x"});
    ASSERT_FALSE(o.ok()) << flag;
    EXPECT_EQ(o.error(), std::string("Unknown option '") + flag + "'.");
  }
  auto timeout = parse(ClientCommand::kAttest, {"--policy", "p", "--timeout", "0"});
  ASSERT_FALSE(timeout.ok());
  EXPECT_EQ(timeout.error(), "Invalid timeout \"0\", must be 1..3600 seconds.");
  EXPECT_FALSE(parse(ClientCommand::kAttest, {"--policy", "p", "--timeout", "3601"}).ok());
  EXPECT_FALSE(
      parse(ClientCommand::kAttest, {"--policy", "p", "--psk", "00", "--cafile", "ca"}).ok());
  EXPECT_FALSE(parse(ClientCommand::kAttest, {"--policy", "p", "--cert", "c.pem"}).ok());
  EXPECT_FALSE(parse(ClientCommand::kAttest, {"--policy"}).ok());
  // --timeout is -W for sub and unknown for pub; --policy is attest's only.
  EXPECT_EQ(parse(ClientCommand::kSub, {"-t", "a", "--timeout", "4"})->timeout_seconds, 4u);
  EXPECT_FALSE(parse(ClientCommand::kPub, {"-t", "a", "-m", "x", "--timeout", "4"}).ok());
  EXPECT_FALSE(parse(ClientCommand::kSub, {"-t", "a", "--policy", "p"}).ok());
}

TEST(ClientOptionsTest, ClientReattestNeedsClientEvidenceAndAnInterval) {
  auto o = parse(ClientCommand::kSub, {"-t", "a", "--cafile", "ca.pem", "--client-evidence", "sim",
                                       "--client-evidence-state", "d", "--client-reattest", "60"});
  ASSERT_TRUE(o.ok()) << o.error();
  EXPECT_EQ(o->client_reattest_seconds, 60u);
  auto alone =
      parse(ClientCommand::kSub, {"-t", "a", "--cafile", "ca.pem", "--client-reattest", "60"});
  ASSERT_FALSE(alone.ok());
  EXPECT_NE(alone.error().find("--client-reattest needs --client-evidence"), std::string::npos);
  for (const char* bad : {"0", "86401", "x"}) {
    auto r = parse(ClientCommand::kPub,
                   {"-t", "a", "-m", "b", "--cafile", "ca.pem", "--client-evidence", "sim",
                    "--client-evidence-state", "d", "--client-reattest", bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().find("Invalid --client-reattest interval"), std::string::npos);
  }
  EXPECT_FALSE(
      parse(ClientCommand::kAttest, {"--policy", "p.json", "--client-reattest", "5"}).ok());
}

TEST(ClientOptionsTest, ClientEvidenceTurnsOnMqtt5AndNeedsTlsAndAState) {
  auto o =
      parse(ClientCommand::kPub, {"-t", "a", "-m", "b", "--cafile", "ca.pem", "--client-evidence",
                                  "sim", "--client-evidence-state", "/tmp/client-sim"});
  ASSERT_TRUE(o.ok()) << o.error();
  EXPECT_EQ(o->client_evidence, "sim");
  EXPECT_EQ(o->client_evidence_state, "/tmp/client-sim");
  EXPECT_EQ(o->connect.version, mqtt::ProtocolVersion::kV5);

  auto no_state =
      parse(ClientCommand::kSub, {"-t", "a", "--cafile", "ca.pem", "--client-evidence", "sim"});
  ASSERT_FALSE(no_state.ok());
  EXPECT_NE(no_state.error().find("--client-evidence-state"), std::string::npos);
  auto no_tls = parse(ClientCommand::kSub,
                      {"-t", "a", "--client-evidence", "sim", "--client-evidence-state", "d"});
  ASSERT_FALSE(no_tls.ok());
  EXPECT_NE(no_tls.error().find("needs TLS"), std::string::npos);
  auto v311 = parse(ClientCommand::kSub, {"-t", "a", "--cafile", "ca.pem", "--client-evidence",
                                          "sim", "--client-evidence-state", "d", "-V", "311"});
  ASSERT_FALSE(v311.ok());
  EXPECT_NE(v311.error().find("MQTT v5"), std::string::npos);
  auto tpm = parse(ClientCommand::kPub, {"-t", "a", "-m", "b", "--client-evidence", "tpm"});
  ASSERT_FALSE(tpm.ok());
  auto state_alone =
      parse(ClientCommand::kPub, {"-t", "a", "-m", "b", "--client-evidence-state", "d"});
  ASSERT_FALSE(state_alone.ok());
}

TEST(ClientOptionsTest, HelpNeedsNothingElse) {
  auto o = parse(ClientCommand::kPub, {"--help"});
  ASSERT_TRUE(o.ok()) << o.error();
  EXPECT_TRUE(o->help);
  const std::string help = client_options_help(ClientCommand::kSub);
  EXPECT_NE(help.find("-W, --timeout SECONDS"), std::string::npos);
  EXPECT_NE(help.find("--attest POLICY"), std::string::npos);
  EXPECT_EQ(help.find("--retain"), std::string::npos);  // a pub-only flag
}

TEST(ClientOptionsTest, ExitCodesFollowMosquitto) {
  client::ClientError refused;
  refused.kind = client::ClientErrorKind::kConnectionRefused;
  refused.reason = mqtt::ReasonCode::kNotAuthorized;
  EXPECT_EQ(exit_code_for(refused, mqtt::ProtocolVersion::kV311), 5);
  EXPECT_EQ(exit_code_for(refused, mqtt::ProtocolVersion::kV5), 135);
  refused.reason = mqtt::ReasonCode::kBadUserNameOrPassword;
  EXPECT_EQ(exit_code_for(refused, mqtt::ProtocolVersion::kV311), 4);
  client::ClientError attestation;
  attestation.kind = client::ClientErrorKind::kAttestation;
  EXPECT_EQ(exit_code_for(attestation, mqtt::ProtocolVersion::kV5), kExitAttestationFailed);
  client::ClientError io;
  io.kind = client::ClientErrorKind::kConnect;
  EXPECT_EQ(exit_code_for(io, mqtt::ProtocolVersion::kV5), 1);
}

}  // namespace
}  // namespace trustmq::cli

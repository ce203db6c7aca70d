// The client library against real brokers (trustmq-broker and mosquitto as the reference).
#include "client/mqtt_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <tuple>

#include "broker_process.h"
#include "client_connection.h"

namespace trustmq::client {
namespace {

using namespace std::chrono_literals;
using test_support::TempDirectory;
using testing::BrokerKind;
using testing::BrokerProcess;
using testing::bytes;
using testing::local_endpoint;
using testing::options_for;
using testing::try_connect;

class PubSubTest
    : public ::testing::TestWithParam<std::tuple<BrokerKind, mqtt::ProtocolVersion, mqtt::QoS>> {};

TEST_P(PubSubTest, DeliversExactlyThePublishedMessages) {
  const auto [kind, version, qos] = GetParam();
  TempDirectory dir;
  auto broker = BrokerProcess::start(kind, dir);
  ASSERT_NE(broker, nullptr);
  auto endpoint = local_endpoint(broker->port());

  auto sub = try_connect(endpoint, options_for(version, "sub-client"));
  ASSERT_TRUE(sub.ok()) << sub.error().message;
  auto granted = sub.value()->subscribe({{"t/+/x", qos, false, false, {}}});
  ASSERT_TRUE(granted.ok()) << granted.error().message;
  ASSERT_EQ(granted.value().size(), 1u);
  EXPECT_EQ(static_cast<int>(granted.value()[0]), static_cast<int>(qos));

  std::vector<std::string> log;
  auto pub = try_connect(endpoint, options_for(version, "pub-client"),
                         [&log](std::string_view line) { log.emplace_back(line); });
  ASSERT_TRUE(pub.ok()) << pub.error().message;
  for (int i = 0; i < 3; ++i) {
    auto p = pub.value()->publish("t/" + std::to_string(i) + "/x", bytes("m" + std::to_string(i)),
                                  qos, false);
    ASSERT_TRUE(p.ok()) << p.error().message;
  }
  ASSERT_TRUE(pub.value()->publish("t/other", bytes("not for us"), qos, false).ok());

  for (int i = 0; i < 3; ++i) {
    auto m = sub.value()->receive(Deadline::after(5s));
    ASSERT_TRUE(m.ok()) << m.error().message;
    ASSERT_TRUE(m.value().has_value()) << "message " << i << " missing";
    EXPECT_EQ(m.value()->topic, "t/" + std::to_string(i) + "/x");
    EXPECT_EQ(m.value()->payload, bytes("m" + std::to_string(i)));
    EXPECT_EQ(m.value()->qos, qos);
    EXPECT_FALSE(m.value()->retain);
  }
  auto none = sub.value()->receive(Deadline::after(300ms));
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_FALSE(none.value().has_value());

  // The complete QoS flow ran on the publisher's side.
  auto count = [&log](const std::string& s) {
    return std::count_if(log.begin(), log.end(),
                         [&s](const std::string& l) { return l.find(s) != std::string::npos; });
  };
  EXPECT_EQ(count("received PUBACK"), qos == mqtt::QoS::kAtLeastOnce ? 4 : 0);
  EXPECT_EQ(count("received PUBREC"), qos == mqtt::QoS::kExactlyOnce ? 4 : 0);
  EXPECT_EQ(count("sending PUBREL"), qos == mqtt::QoS::kExactlyOnce ? 4 : 0);
  EXPECT_EQ(count("received PUBCOMP"), qos == mqtt::QoS::kExactlyOnce ? 4 : 0);
  pub.value()->disconnect();
  sub.value()->disconnect();
}

INSTANTIATE_TEST_SUITE_P(
    AllBrokersVersionsAndQoS, PubSubTest,
    ::testing::Combine(::testing::Values(BrokerKind::kTrustmq, BrokerKind::kMosquitto),
                       ::testing::Values(mqtt::ProtocolVersion::kV311, mqtt::ProtocolVersion::kV5),
                       ::testing::Values(mqtt::QoS::kAtMostOnce, mqtt::QoS::kAtLeastOnce,
                                         mqtt::QoS::kExactlyOnce)),
    [](const auto& info) {
      return kind_name(std::get<0>(info.param)) +
             (std::get<1>(info.param) == mqtt::ProtocolVersion::kV5 ? "_v5" : "_v311") + "_qos" +
             std::to_string(static_cast<int>(std::get<2>(info.param)));
    });

class ClientBehaviourTest : public ::testing::TestWithParam<BrokerKind> {
 protected:
  void SetUp() override {
    broker_ = BrokerProcess::start(GetParam(), dir_);
    ASSERT_NE(broker_, nullptr);
  }
  Endpoint endpoint() const { return local_endpoint(broker_->port()); }
  TempDirectory dir_;
  std::unique_ptr<BrokerProcess> broker_;
};

TEST_P(ClientBehaviourTest, KeepAliveSendsPingreqAndStaysConnected) {
  auto o = options_for(mqtt::ProtocolVersion::kV311, "pinger");
  o.keep_alive_seconds = 1;
  std::vector<std::string> log;
  auto c = try_connect(endpoint(), o, [&log](std::string_view l) { log.emplace_back(l); });
  ASSERT_TRUE(c.ok()) << c.error().message;
  // 2.5 keep-alive intervals of silence: the broker would drop us after 1.5 without PINGREQ.
  ASSERT_TRUE(c.value()->idle_until(Deadline::after(2500ms)).ok());
  const auto pings = std::count_if(log.begin(), log.end(), [](const std::string& l) {
    return l.find("sending PINGREQ") != std::string::npos;
  });
  const auto pongs = std::count_if(log.begin(), log.end(), [](const std::string& l) {
    return l.find("received PINGRESP") != std::string::npos;
  });
  EXPECT_GE(pings, 2);
  EXPECT_EQ(pings, pongs);
  EXPECT_TRUE(c.value()->publish("still/alive", bytes("x"), mqtt::QoS::kAtLeastOnce, false).ok());
  EXPECT_TRUE(c.value()->ping().ok());
}

TEST_P(ClientBehaviourTest, UnsubscribeStopsDelivery) {
  for (auto version : {mqtt::ProtocolVersion::kV311, mqtt::ProtocolVersion::kV5}) {
    auto c = try_connect(endpoint(), options_for(version, "unsub"));
    ASSERT_TRUE(c.ok()) << c.error().message;
    ASSERT_TRUE(c.value()->subscribe({{"u/#", mqtt::QoS::kAtLeastOnce, false, false, {}}}).ok());
    ASSERT_TRUE(c.value()->publish("u/1", bytes("a"), mqtt::QoS::kAtLeastOnce, false).ok());
    auto m = c.value()->receive(Deadline::after(5s));
    ASSERT_TRUE(m.ok() && m.value().has_value());
    auto reasons = c.value()->unsubscribe({"u/#"});
    ASSERT_TRUE(reasons.ok()) << reasons.error().message;
    EXPECT_EQ(reasons.value().size(), version == mqtt::ProtocolVersion::kV5 ? 1u : 0u);
    ASSERT_TRUE(c.value()->publish("u/1", bytes("b"), mqtt::QoS::kAtLeastOnce, false).ok());
    auto none = c.value()->receive(Deadline::after(300ms));
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none.value().has_value());
    c.value()->disconnect();
  }
}

TEST_P(ClientBehaviourTest, WillIsPublishedWhenTheClientVanishes) {
  auto watcher = try_connect(endpoint(), options_for(mqtt::ProtocolVersion::kV5, "watcher"));
  ASSERT_TRUE(watcher.ok());
  ASSERT_TRUE(
      watcher.value()->subscribe({{"wills/#", mqtt::QoS::kAtLeastOnce, false, false, {}}}).ok());
  auto o = options_for(mqtt::ProtocolVersion::kV311, "mortal");
  o.will = mqtt::Will{"wills/mortal", bytes("gone"), mqtt::QoS::kAtLeastOnce, false, {}};
  {
    auto mortal = try_connect(endpoint(), o);
    ASSERT_TRUE(mortal.ok()) << mortal.error().message;
    // Destroyed without DISCONNECT: the broker must publish the will.
  }
  auto m = watcher.value()->receive(Deadline::after(5s));
  ASSERT_TRUE(m.ok()) << m.error().message;
  ASSERT_TRUE(m.value().has_value());
  EXPECT_EQ(m.value()->topic, "wills/mortal");
  EXPECT_EQ(m.value()->payload, bytes("gone"));

  // A clean DISCONNECT discards the will.
  auto polite = try_connect(endpoint(), o);
  ASSERT_TRUE(polite.ok());
  polite.value()->disconnect();
  auto none = watcher.value()->receive(Deadline::after(500ms));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none.value().has_value());
}

TEST_P(ClientBehaviourTest, PersistentSessionKeepsSubscriptionAndQueuesMessages) {
  for (auto version : {mqtt::ProtocolVersion::kV311, mqtt::ProtocolVersion::kV5}) {
    const std::string id = version == mqtt::ProtocolVersion::kV5 ? "durable5" : "durable311";
    auto o = options_for(version, id);
    o.clean_start = false;
    if (version == mqtt::ProtocolVersion::kV5) o.session_expiry_interval = 300;
    {
      auto first = try_connect(endpoint(), o);
      ASSERT_TRUE(first.ok()) << first.error().message;
      ASSERT_TRUE(first.value()
                      ->subscribe({{"queue/" + id, mqtt::QoS::kExactlyOnce, false, false, {}}})
                      .ok());
      first.value()->disconnect();
    }
    auto pub = try_connect(endpoint(), options_for(version, "feeder"));
    ASSERT_TRUE(pub.ok());
    ASSERT_TRUE(
        pub.value()->publish("queue/" + id, bytes("kept"), mqtt::QoS::kExactlyOnce, false).ok());
    pub.value()->disconnect();

    auto second = try_connect(endpoint(), o);
    ASSERT_TRUE(second.ok()) << second.error().message;
    EXPECT_TRUE(second.value()->connack().session_present);
    auto m = second.value()->receive(Deadline::after(5s));
    ASSERT_TRUE(m.ok()) << m.error().message;
    ASSERT_TRUE(m.value().has_value());
    EXPECT_EQ(m.value()->payload, bytes("kept"));
    EXPECT_EQ(m.value()->qos, mqtt::QoS::kExactlyOnce);
    second.value()->disconnect();
  }
}

TEST_P(ClientBehaviourTest, RetainedMessageArrivesWithRetainFlag) {
  auto c = try_connect(endpoint(), options_for(mqtt::ProtocolVersion::kV5, "retainer"));
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.value()->publish("r/1", bytes("stale"), mqtt::QoS::kAtLeastOnce, true).ok());
  ASSERT_TRUE(c.value()->subscribe({{"r/#", mqtt::QoS::kAtLeastOnce, false, false, {}}}).ok());
  auto m = c.value()->receive(Deadline::after(5s));
  ASSERT_TRUE(m.ok() && m.value().has_value());
  EXPECT_TRUE(m.value()->retain);
  EXPECT_EQ(m.value()->payload, bytes("stale"));
}

TEST_P(ClientBehaviourTest, MqttV5BrokerAssignsClientId) {
  auto c = try_connect(endpoint(), options_for(mqtt::ProtocolVersion::kV5, ""));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_FALSE(c.value()->client_id().empty());
  EXPECT_TRUE(c.value()->connack().properties.assigned_client_identifier.has_value());
}

INSTANTIATE_TEST_SUITE_P(Brokers, ClientBehaviourTest,
                         ::testing::Values(BrokerKind::kTrustmq, BrokerKind::kMosquitto),
                         [](const auto& info) { return kind_name(info.param); });

TEST(ClientAuthTest, UsernamePasswordAcceptedAndRefused) {
  TempDirectory dir;
  const std::string pw = dir.file("passwd");
  auto tool = testing::ChildProcess::exec(
      {"/usr/bin/mosquitto_passwd", "-c", "-b", pw, "alice", "s3cret"}, dir.path());
  ASSERT_EQ(tool.wait(10s), 0) << tool.err();
  auto broker = BrokerProcess::start(BrokerKind::kTrustmq, dir,
                                     "allow_anonymous false\npassword_file " + pw + "\n");
  ASSERT_NE(broker, nullptr);
  const auto e = local_endpoint(broker->port());
  for (auto version : {mqtt::ProtocolVersion::kV311, mqtt::ProtocolVersion::kV5}) {
    auto o = options_for(version, "alice-client");
    o.username = "alice";
    o.password = bytes("s3cret");
    auto ok = try_connect(e, o);
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    ok.value()->disconnect();

    o.password = bytes("wrong");
    auto bad = try_connect(e, o);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().kind, ClientErrorKind::kConnectionRefused);
    EXPECT_EQ(bad.error().reason, version == mqtt::ProtocolVersion::kV5
                                      ? mqtt::ReasonCode::kBadUserNameOrPassword
                                      : mqtt::ReasonCode::kBadUserNameOrPassword);

    auto anonymous = try_connect(e, options_for(version, "anon"));
    ASSERT_FALSE(anonymous.ok());
    EXPECT_EQ(anonymous.error().kind, ClientErrorKind::kConnectionRefused);
  }
}

TEST(ClientTimeoutTest, SilentServerTimesOutConnack) {
  // A listener that accepts TCP connections and never answers.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  auto o = options_for(mqtt::ProtocolVersion::kV311, "patient");
  o.timeout = 400ms;
  const auto start = std::chrono::steady_clock::now();
  auto c = try_connect(local_endpoint(ntohs(a.sin_port)), o);
  const auto took = std::chrono::steady_clock::now() - start;
  ::close(fd);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ClientErrorKind::kTimeout);
  EXPECT_EQ(c.error().message, "timed out waiting for CONNACK");
  EXPECT_GE(took, 400ms);
  EXPECT_LT(took, 2000ms);
}

TEST(ClientConnectTest, RefusedPortAndUnknownHost) {
  const auto port = testing::free_port();
  auto c = try_connect(local_endpoint(port), options_for(mqtt::ProtocolVersion::kV311, "x"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ClientErrorKind::kConnect);
  Endpoint nowhere;
  nowhere.host = "no-such-host.invalid";
  nowhere.port = 1883;
  auto d = try_connect(nowhere, options_for(mqtt::ProtocolVersion::kV311, "x"));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().kind, ClientErrorKind::kResolve);
}

TEST(ClientConnectTest, ResolvesHostNamesAndConnectsOverIpv6) {
  TempDirectory dir;
  const auto v6_port = testing::free_port();
  auto broker = BrokerProcess::start(BrokerKind::kMosquitto, dir,
                                     "listener " + std::to_string(v6_port) + " ::1\n");
  ASSERT_NE(broker, nullptr);
  Endpoint by_name;
  by_name.host = "localhost";
  by_name.port = broker->port();
  auto named = try_connect(by_name, options_for(mqtt::ProtocolVersion::kV311, "named"));
  ASSERT_TRUE(named.ok()) << named.error().message;
  EXPECT_NE(named.value()->transport().description().find("127.0.0.1"), std::string::npos);

  Endpoint v6;
  v6.host = "::1";
  v6.port = v6_port;
  auto over_v6 = try_connect(v6, options_for(mqtt::ProtocolVersion::kV5, "six"));
  ASSERT_TRUE(over_v6.ok()) << over_v6.error().message;
  EXPECT_EQ(over_v6.value()->transport().description(), "tcp [::1]:" + std::to_string(v6_port));
  ASSERT_TRUE(over_v6.value()->publish("v6", bytes("x"), mqtt::QoS::kExactlyOnce, false).ok());
}

}  // namespace
}  // namespace trustmq::client

// Broker::reload_security: a reloaded ACL and password file applied to clients already
// connected (broker_security_reload.cpp, docs/broker.md).
#include <string>

#include "broker_test_harness.h"

namespace trustmq::mqtt::testing {
namespace {

AclRules acl_from(std::string_view text) {
  AclRules rules;
  AclParseError error;
  EXPECT_TRUE(parse_acl(text, rules, error)) << error.line << ": " << error.message;
  return rules;
}

// Everyone may read and write everything under a/ and b/.
constexpr std::string_view kOpenAcl = "pattern readwrite a/#\npattern readwrite b/#\n";
// After the reload: only a/open/# may be read, only a/# may be written.
constexpr std::string_view kNarrowedAcl = "pattern read a/open/#\npattern write a/#\n";

BrokerConfig config_with(std::string_view acl) {
  BrokerConfig config = BrokerHarness::default_config();
  config.acl = acl_from(acl);
  return config;
}

std::vector<std::string> topics_of(const std::vector<PublishPacket>& publishes) {
  std::vector<std::string> topics;
  for (const PublishPacket& p : publishes) topics.push_back(p.topic);
  return topics;
}

TEST(BrokerSecurityReload, DeliveryStopsForTopicsNoLongerReadable) {
  BrokerHarness h(config_with(kOpenAcl));
  TestClient& sub = h.connected("sub");
  sub.subscribe("a/#");
  TestClient& pub = h.connected("pub");
  pub.publish("a/secret/x", "before");
  EXPECT_EQ(topics_of(sub.receive_publishes()), std::vector<std::string>{"a/secret/x"});
  h.broker().reload_security(acl_from(kNarrowedAcl), h.now);
  pub.publish("a/secret/x", "after");
  pub.publish("a/open/y", "after");
  EXPECT_EQ(topics_of(sub.receive_publishes()), std::vector<std::string>{"a/open/y"});
  EXPECT_FALSE(sub.closed());
}

TEST(BrokerSecurityReload, SubscriptionsNoLongerGrantedAreRemoved) {
  BrokerHarness h(config_with(kOpenAcl));
  TestClient& sub = h.connected("sub");
  sub.subscribe("a/secret/#");
  h.broker().reload_security(acl_from(kNarrowedAcl), h.now);
  EXPECT_TRUE(h.host.logged("Removed subscription a/secret/# of sub"));
  // Access restored: the removed subscription does not come back by itself.
  h.broker().reload_security(acl_from(kOpenAcl), h.now);
  TestClient& pub = h.connected("pub");
  pub.publish("a/secret/x", "m");
  EXPECT_TRUE(sub.receive_publishes().empty());
}

TEST(BrokerSecurityReload, QueuedMessagesNoLongerReadableAreDropped) {
  BrokerConfig config = config_with(kOpenAcl);
  config.max_inflight_messages = 1;
  BrokerHarness h(config);
  TestClient& sub = h.connected("sub");
  sub.subscribe("a/#", QoS::kAtLeastOnce);
  TestClient& pub = h.connected("pub");
  pub.publish("a/open/1", "in flight", QoS::kAtLeastOnce, false, 1);
  pub.publish("a/secret/2", "queued", QoS::kAtLeastOnce, false, 2);
  pub.publish("a/open/3", "queued", QoS::kAtLeastOnce, false, 3);
  auto got = sub.receive_publishes();
  ASSERT_EQ(got.size(), 1u);  // the window is one message
  EXPECT_EQ(got[0].topic, "a/open/1");
  h.broker().reload_security(acl_from(kNarrowedAcl), h.now);
  // The acknowledgement of the message in flight releases the queue: a/secret/2 is gone.
  AckPacket ack;
  ack.type = PacketType::kPuback;
  ack.packet_id = got[0].packet_id;
  sub.send(ack);
  got = sub.receive_publishes();
  EXPECT_EQ(topics_of(got), std::vector<std::string>{"a/open/3"});
}

TEST(BrokerSecurityReload, PublishingToANewlyDeniedTopicIsRefused) {
  BrokerHarness h(config_with(kOpenAcl));
  TestClient& sub = h.connected("sub");
  sub.subscribe("#");
  TestClient& v5 = h.connected("v5");
  TestClient& v311 = h.connected("v311", ProtocolVersion::kV311);
  h.broker().reload_security(acl_from(kNarrowedAcl), h.now);
  v5.publish("b/closed", "x", QoS::kAtLeastOnce, false, 5);
  auto acks = v5.receive();
  ASSERT_EQ(acks.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<AckPacket>(acks[0]));
  EXPECT_EQ(std::get<AckPacket>(acks[0]).reason, ReasonCode::kNotAuthorized);
  // 3.1.1 has no reason code: PUBACK, and the message is dropped (as mosquitto).
  v311.publish("b/closed", "x", QoS::kAtLeastOnce, false, 6);
  acks = v311.receive();
  ASSERT_EQ(acks.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<AckPacket>(acks[0]));
  EXPECT_EQ(std::get<AckPacket>(acks[0]).packet_id, 6);
  EXPECT_TRUE(sub.receive_publishes().empty());
  EXPECT_FALSE(v5.closed());
  EXPECT_FALSE(v311.closed());
}

TEST(BrokerSecurityReload, NoAclAfterTheReloadAllowsEverything) {
  BrokerHarness h(config_with("pattern readwrite a/#\n"));
  TestClient& sub = h.connected("sub");
  sub.subscribe("#");
  TestClient& pub = h.connected("pub");
  pub.publish("b/x", "denied");
  EXPECT_TRUE(sub.receive_publishes().empty());
  h.broker().reload_security(std::nullopt, h.now);
  pub.publish("b/x", "allowed");
  EXPECT_EQ(topics_of(sub.receive_publishes()), std::vector<std::string>{"b/x"});
}

TEST(BrokerSecurityReload, ClientsWhosePasswordNoLongerAuthenticatesAreDisconnected) {
  BrokerConfig config = BrokerHarness::default_config();
  config.allow_anonymous = false;
  config.check_passwords = true;
  BrokerHarness h(config);
  h.host.passwords = {{"alice", "a-pass"}, {"bob", "b-pass"}};
  auto connect_as = [&](const std::string& user, const std::string& password,
                        ProtocolVersion version) -> TestClient& {
    TestClient& c = h.open(version);
    ConnectPacket p;
    p.client_id = user;
    p.username = user;
    p.password = to_bytes(password);
    c.connect(p);
    return c;
  };
  TestClient& alice = connect_as("alice", "a-pass", ProtocolVersion::kV5);
  TestClient& bob = connect_as("bob", "b-pass", ProtocolVersion::kV311);
  h.host.passwords = {{"alice", "a-pass"}};  // bob removed from the password file
  h.host.auth_calls.clear();
  h.broker().reload_security(std::nullopt, h.now);
  EXPECT_TRUE(bob.closed());
  EXPECT_FALSE(alice.closed());
  EXPECT_EQ(h.host.auth_calls.size(), 2u);    // both checked again with their passwords
  h.host.passwords = {{"alice", "changed"}};  // alice's password changed
  h.broker().reload_security(std::nullopt, h.now);
  EXPECT_TRUE(alice.closed());
  bool told = false;
  for (const Packet& p : alice.receive()) {
    if (auto* d = std::get_if<DisconnectPacket>(&p)) {
      told = d->reason == ReasonCode::kNotAuthorized;
    }
  }
  EXPECT_TRUE(told) << "a v5 client learns why: DISCONNECT 0x87";
}

TEST(BrokerSecurityReload, ClientsWithoutAPasswordCheckAreNotAskedAgain) {
  BrokerHarness h;  // anonymous allowed, no password check
  TestClient& anon = h.connected("anon");
  h.broker().reload_security(std::nullopt, h.now);
  EXPECT_TRUE(h.host.auth_calls.empty());
  EXPECT_FALSE(anon.closed());
}

}  // namespace
}  // namespace trustmq::mqtt::testing

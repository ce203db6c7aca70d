// Tests src/runtime/broker_config_codec: the configuration as it crosses into the module.
#include "runtime/broker_config_codec.h"

#include <gtest/gtest.h>

namespace trustmq::runtime {
namespace {

using namespace trustmq::mqtt;

BrokerConfig sample_config() {
  BrokerConfig config;
  config.version = "trustmq test";
  config.allow_anonymous = true;
  config.check_passwords = true;
  config.max_inflight_messages = 7;
  config.max_queued_messages = 0;
  config.message_size_limit = 4096;
  config.max_packet_size = 100000;
  config.persistent_client_expiration_seconds = 3600;
  config.sys_interval_seconds = 0;
  config.max_keepalive_seconds = 120;
  config.topic_alias_maximum = 3;
  config.max_subscriptions_per_client = 17;
  config.persistence = true;
  config.served_evidence_types = {"sim", "tpm2-quote"};
  config.module_measurement = std::string(64, 'f');
  config.client_reattestation_timeout_seconds = 9;
  AclRules acl;
  acl.anonymous = {{AclAccess::kRead, "public/#", false}};
  acl.users = {
      {"alice", {{AclAccess::kReadWrite, "alice/#", false}, {AclAccess::kDeny, "x", false}}},
      {"bob", {}}};
  acl.patterns = {{AclAccess::kWrite, "clients/%c/%u", true}};
  acl.claims = {{"module_measurement", "3f3f", {{AclAccess::kReadWrite, "telemetry/#", false}}}};
  config.acl = acl;
  return config;
}

void expect_equal(const BrokerConfig& a, const BrokerConfig& b) {
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.allow_anonymous, b.allow_anonymous);
  EXPECT_EQ(a.check_passwords, b.check_passwords);
  EXPECT_EQ(a.max_inflight_messages, b.max_inflight_messages);
  EXPECT_EQ(a.max_queued_messages, b.max_queued_messages);
  EXPECT_EQ(a.message_size_limit, b.message_size_limit);
  EXPECT_EQ(a.max_packet_size, b.max_packet_size);
  EXPECT_EQ(a.persistent_client_expiration_seconds, b.persistent_client_expiration_seconds);
  EXPECT_EQ(a.sys_interval_seconds, b.sys_interval_seconds);
  EXPECT_EQ(a.max_keepalive_seconds, b.max_keepalive_seconds);
  EXPECT_EQ(a.topic_alias_maximum, b.topic_alias_maximum);
  EXPECT_EQ(a.max_subscriptions_per_client, b.max_subscriptions_per_client);
  EXPECT_EQ(a.persistence, b.persistence);
  EXPECT_EQ(a.served_evidence_types, b.served_evidence_types);
  EXPECT_EQ(a.module_measurement, b.module_measurement);
  EXPECT_EQ(a.client_reattestation_timeout_seconds, b.client_reattestation_timeout_seconds);
  EXPECT_EQ(a.acl, b.acl);
  EXPECT_TRUE(a == b);  // catches a field added to BrokerConfig but not to the codec
}

TEST(BrokerConfigCodecTest, RoundTripsEveryField) {
  const BrokerConfig config = sample_config();
  BrokerConfig decoded;
  ASSERT_TRUE(decode_broker_config(encode_broker_config(config), decoded));
  expect_equal(decoded, config);
}

TEST(BrokerConfigCodecTest, RoundTripsDefaultsAndNoAcl) {
  const BrokerConfig config;
  BrokerConfig decoded = sample_config();  // decoding must overwrite everything
  ASSERT_TRUE(decode_broker_config(encode_broker_config(config), decoded));
  expect_equal(decoded, config);
  EXPECT_FALSE(decoded.acl.has_value());
  EXPECT_FALSE(decoded.persistent_client_expiration_seconds.has_value());
}

TEST(BrokerConfigCodecTest, RejectsEveryTruncationAndTrailingBytes) {
  Bytes encoded = encode_broker_config(sample_config());
  for (std::size_t n = 0; n < encoded.size(); ++n) {
    BrokerConfig decoded;
    EXPECT_FALSE(decode_broker_config(ByteView(encoded.data(), n), decoded)) << n;
  }
  encoded.push_back(0);
  BrokerConfig decoded;
  EXPECT_FALSE(decode_broker_config(encoded, decoded));
}

TEST(BrokerConfigCodecTest, RejectsBadMagicVersionEnumAndBoolean) {
  const Bytes good = encode_broker_config(sample_config());
  BrokerConfig decoded;
  Bytes bad = good;
  bad[0] = 'X';
  EXPECT_FALSE(decode_broker_config(bad, decoded));
  bad = good;
  bad[4] = kBrokerConfigCodecVersion + 1;
  EXPECT_FALSE(decode_broker_config(bad, decoded));
  // allow_anonymous follows magic (4), version (1), version string (4 + 12).
  bad = good;
  bad[4 + 1 + 4 + 12] = 2;
  EXPECT_FALSE(decode_broker_config(bad, decoded));

  // An ACL rule with access 9: the first rule's access byte follows the fixed fields.
  BrokerConfig one_rule;
  one_rule.acl = AclRules{};
  one_rule.acl->anonymous = {{AclAccess::kRead, "t", false}};
  Bytes encoded = encode_broker_config(one_rule);
  ASSERT_TRUE(decode_broker_config(encoded, decoded));
  // rule, users, patterns, claim blocks
  const std::size_t rule_start = encoded.size() - (1 + 1 + 4 + 1) - 4 - 4 - 4;
  ASSERT_EQ(encoded[rule_start], static_cast<std::uint8_t>(AclAccess::kRead));
  encoded[rule_start] = 9;
  EXPECT_FALSE(decode_broker_config(encoded, decoded));
}

TEST(BrokerConfigCodecTest, RejectsHugeCountsWithoutAllocating) {
  BrokerConfig with_acl;
  with_acl.acl = AclRules{};
  Bytes encoded = encode_broker_config(with_acl);
  // The anonymous rule count is the 16 bytes before the end (anonymous, users, patterns,
  // claim blocks); the claim block count is the last 4.
  for (const std::size_t count : {encoded.size() - 16, encoded.size() - 4}) {
    Bytes bad = encoded;
    bad[count] = bad[count + 1] = bad[count + 2] = bad[count + 3] = 0xff;
    BrokerConfig decoded;
    EXPECT_FALSE(decode_broker_config(bad, decoded));
  }
  // The served evidence type count follows the fixed fields; with no ACL it is the 4 bytes
  // before the empty measurement (4), the timeout (4) and the ACL flag (1).
  Bytes no_acl = encode_broker_config(BrokerConfig{});
  const std::size_t types = no_acl.size() - 1 - 4 - 4 - 4;
  ASSERT_EQ(no_acl[types], 0);
  no_acl[types] = no_acl[types + 1] = no_acl[types + 2] = no_acl[types + 3] = 0xff;
  BrokerConfig decoded;
  EXPECT_FALSE(decode_broker_config(no_acl, decoded));
}

}  // namespace
}  // namespace trustmq::runtime

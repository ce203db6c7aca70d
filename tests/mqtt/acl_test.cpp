// acl_file parsing and access decisions (mosquitto semantics).
#include "mqtt/acl.h"

#include <gtest/gtest.h>

namespace trustmq::mqtt {
namespace {

AclRules parse(std::string_view text) {
  AclRules rules;
  AclParseError error;
  EXPECT_TRUE(parse_acl(text, rules, error)) << error.line << ": " << error.message;
  return rules;
}

TEST(AclParse, AllLineKinds) {
  AclRules rules = parse(
      "# comment\n"
      "\n"
      "topic read $SYS/#\n"
      "topic public/#\n"
      "  user alice  \n"
      "topic readwrite alice/#\n"
      "topic deny alice/secret\n"
      "topic write with space/topic\n"
      "user bob\r\n"
      "topic read bob/#\r\n"
      "pattern write clients/%c/out\n"
      "pattern %u/#\n");
  ASSERT_EQ(rules.anonymous.size(), 2u);
  EXPECT_EQ(rules.anonymous[0], (AclRule{AclAccess::kRead, "$SYS/#", false}));
  EXPECT_EQ(rules.anonymous[1], (AclRule{AclAccess::kReadWrite, "public/#", false}));
  ASSERT_EQ(rules.users.size(), 2u);
  EXPECT_EQ(rules.users[0].username, "alice");
  ASSERT_EQ(rules.users[0].rules.size(), 3u);
  EXPECT_EQ(rules.users[0].rules[1].access, AclAccess::kDeny);
  EXPECT_EQ(rules.users[0].rules[2].topic, "with space/topic");
  EXPECT_EQ(rules.users[1].rules[0], (AclRule{AclAccess::kRead, "bob/#", false}));
  ASSERT_EQ(rules.patterns.size(), 2u);
  EXPECT_EQ(rules.patterns[0], (AclRule{AclAccess::kWrite, "clients/%c/out", true}));
  EXPECT_EQ(rules.patterns[1].access, AclAccess::kReadWrite);
}

TEST(AclParse, ErrorsNameTheLine) {
  AclRules rules;
  AclParseError error;
  EXPECT_FALSE(parse_acl("topic a\nbogus line\n", rules, error));
  EXPECT_EQ(error.line, 2u);
  EXPECT_NE(error.message.find("bogus"), std::string::npos);
  EXPECT_FALSE(parse_acl("# c\n\nuser\n", rules, error));
  EXPECT_EQ(error.line, 3u);
  EXPECT_FALSE(parse_acl("topic read\n", rules, error));
  EXPECT_EQ(error.line, 1u);
  EXPECT_FALSE(parse_acl("pattern\n", rules, error));
}

TEST(AclAllows, AnonymousAndUsers) {
  AclRules rules = parse(
      "topic read public/#\n"
      "user alice\n"
      "topic readwrite alice/#\n"
      "topic deny alice/secret\n");
  EXPECT_TRUE(acl_allows(rules, "", "c", "public/x", AclAccess::kRead));
  EXPECT_FALSE(acl_allows(rules, "", "c", "public/x", AclAccess::kWrite));
  EXPECT_FALSE(acl_allows(rules, "", "c", "alice/x", AclAccess::kRead));
  EXPECT_TRUE(acl_allows(rules, "alice", "c", "alice/x", AclAccess::kWrite));
  EXPECT_TRUE(acl_allows(rules, "alice", "c", "alice", AclAccess::kRead));  // "a/#" matches "a"
  EXPECT_FALSE(acl_allows(rules, "alice", "c", "alice/secret", AclAccess::kRead));
  EXPECT_FALSE(acl_allows(rules, "alice", "c", "public/x", AclAccess::kRead));  // not hers
  EXPECT_FALSE(acl_allows(rules, "mallory", "c", "alice/x", AclAccess::kRead));
}

TEST(AclAllows, PatternsSubstituteClientAndUser) {
  AclRules rules = parse(
      "pattern readwrite devices/%c/#\n"
      "pattern read users/%u/inbox\n");
  EXPECT_TRUE(acl_allows(rules, "", "dev1", "devices/dev1/temp", AclAccess::kWrite));
  EXPECT_FALSE(acl_allows(rules, "", "dev1", "devices/dev2/temp", AclAccess::kWrite));
  EXPECT_TRUE(acl_allows(rules, "bob", "x", "users/bob/inbox", AclAccess::kRead));
  EXPECT_FALSE(acl_allows(rules, "", "x", "users//inbox", AclAccess::kRead));  // %u, anonymous
  // A client id with wildcards or slashes never matches a pattern.
  EXPECT_FALSE(acl_allows(rules, "", "a/b", "devices/a/b/x", AclAccess::kRead));
  EXPECT_FALSE(acl_allows(rules, "", "+", "devices/+/x", AclAccess::kRead));
}

TEST(AclAllows, DenyPatternWins) {
  AclRules rules = parse(
      "topic readwrite #\n"
      "pattern deny private/%c\n");
  EXPECT_TRUE(acl_allows(rules, "", "me", "private/you", AclAccess::kRead));
  EXPECT_FALSE(acl_allows(rules, "", "me", "private/me", AclAccess::kRead));
}

TEST(AclAllows, DollarTopicsNeedExplicitRules) {
  AclRules rules = parse("topic read #\n");
  EXPECT_FALSE(acl_allows(rules, "", "c", "$SYS/broker/uptime", AclAccess::kRead));
  rules = parse("topic read $SYS/#\n");
  EXPECT_TRUE(acl_allows(rules, "", "c", "$SYS/broker/uptime", AclAccess::kRead));
}

TEST(AclSubscription, OverlapAndDeny) {
  AclRules rules = parse(
      "topic read sensors/+/temp\n"
      "topic deny sensors/secret/#\n");
  EXPECT_TRUE(acl_allows_subscription(rules, "", "c", "sensors/#"));
  EXPECT_TRUE(acl_allows_subscription(rules, "", "c", "#"));
  EXPECT_TRUE(acl_allows_subscription(rules, "", "c", "sensors/a/temp"));
  EXPECT_FALSE(acl_allows_subscription(rules, "", "c", "sensors/a/humidity"));
  EXPECT_FALSE(acl_allows_subscription(rules, "", "c", "sensors/secret/temp"));
  EXPECT_FALSE(acl_allows_subscription(rules, "", "c", "$SYS/#"));
}

// ---- claim blocks (attested clients, docs/configuration.md "ACL rules over claims")

const char* const kClaimRules =
    "topic read public/#\n"
    "user alice\n"
    "topic readwrite alice/#\n"
    "claim module_measurement 3f3f\n"
    "topic readwrite telemetry/#\n"
    "topic deny telemetry/secret\n"
    "claim type sim\n"
    "topic read sim/#\n"
    "pattern read clients/%c\n";

const ClientClaims kSimClaims = {{"type", "sim"}, {"module_measurement", "3f3f"}};

TEST(AclClaims, ParsesClaimBlocks) {
  AclRules rules = parse(kClaimRules);
  ASSERT_EQ(rules.claims.size(), 2u);
  EXPECT_EQ(rules.claims[0].name, "module_measurement");
  EXPECT_EQ(rules.claims[0].value, "3f3f");
  ASSERT_EQ(rules.claims[0].rules.size(), 2u);
  ASSERT_EQ(rules.claims[1].rules.size(), 1u);
  ASSERT_EQ(rules.users.size(), 1u);
  EXPECT_EQ(rules.users[0].rules.size(), 1u);  // the claim's topic lines are not alice's
  EXPECT_EQ(rules.patterns.size(), 1u);
}

TEST(AclClaims, BadClaimLinesAreErrors) {
  for (const char* text : {"claim\n", "claim type\n", "claim type sim extra\n"}) {
    AclRules rules;
    AclParseError error;
    EXPECT_FALSE(parse_acl(text, rules, error)) << text;
    EXPECT_EQ(error.line, 1u);
    EXPECT_NE(error.message.find("claim NAME VALUE"), std::string::npos) << error.message;
  }
}

TEST(AclClaims, MatchingClaimsAddTheirRules) {
  AclRules rules = parse(kClaimRules);
  EXPECT_TRUE(acl_allows(rules, "", "gw", kSimClaims, "telemetry/t", AclAccess::kWrite));
  EXPECT_TRUE(acl_allows(rules, "", "gw", kSimClaims, "sim/x", AclAccess::kRead));
  EXPECT_TRUE(acl_allows(rules, "", "gw", kSimClaims, "public/x", AclAccess::kRead));
  EXPECT_TRUE(acl_allows_subscription(rules, "", "gw", kSimClaims, "telemetry/#"));
  // A user keeps its own rules and gains the claim's.
  EXPECT_TRUE(acl_allows(rules, "alice", "gw", kSimClaims, "alice/x", AclAccess::kWrite));
  EXPECT_TRUE(acl_allows(rules, "alice", "gw", kSimClaims, "telemetry/t", AclAccess::kWrite));
}

TEST(AclClaims, DenyInAClaimBlockWins) {
  AclRules rules = parse(kClaimRules);
  EXPECT_FALSE(acl_allows(rules, "", "gw", kSimClaims, "telemetry/secret", AclAccess::kRead));
  EXPECT_FALSE(acl_allows_subscription(rules, "", "gw", kSimClaims, "telemetry/secret"));
}

TEST(AclClaims, NoClaimsOrOtherValuesNeverMatch) {
  AclRules rules = parse(kClaimRules);
  for (const ClientClaims& claims :
       {ClientClaims{}, ClientClaims{{"module_measurement", "3f3e"}},
        ClientClaims{{"module_measurement_x", "3f3f"}}, ClientClaims{{"type", "tpm2-quote"}},
        ClientClaims{{"unknown", "3f3f"}}}) {
    EXPECT_FALSE(acl_allows(rules, "", "gw", claims, "telemetry/t", AclAccess::kWrite));
    EXPECT_FALSE(acl_allows_subscription(rules, "", "gw", claims, "telemetry/#"));
  }
  EXPECT_FALSE(acl_allows(rules, "", "gw", "telemetry/t", AclAccess::kWrite));
  // A claim block never grants what it does not list.
  EXPECT_FALSE(acl_allows(rules, "", "gw", kSimClaims, "sim/x", AclAccess::kWrite));
}

TEST(ClientClaims, DecodeAcceptsOnlyWellFormedLines) {
  ClientClaims claims;
  const std::string good = "type=sim\nmodule_measurement=3f3f\n";
  EXPECT_TRUE(decode_client_claims(Bytes(good.begin(), good.end()), claims));
  EXPECT_EQ(claims, kSimClaims);
  EXPECT_EQ(encode_client_claims(claims), Bytes(good.begin(), good.end()));
  EXPECT_TRUE(decode_client_claims({}, claims));
  EXPECT_TRUE(claims.empty());
  for (const std::string bad :
       {"type=sim", "type\n", "=sim\n", "type=\n", "Type=sim\n", "type=s im\n", "type=sim\nx\n"}) {
    claims = kSimClaims;
    EXPECT_FALSE(decode_client_claims(Bytes(bad.begin(), bad.end()), claims)) << bad;
    EXPECT_TRUE(claims.empty()) << bad;
  }
}

}  // namespace
}  // namespace trustmq::mqtt

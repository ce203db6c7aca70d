#include "mqtt/outbound_topic_aliases.h"

#include <gtest/gtest.h>

#include <string>

namespace trustmq::mqtt {
namespace {

// choose() then commit(), as send_publish does when the PUBLISH was sent.
OutboundTopicAliases::Choice use(OutboundTopicAliases& aliases, const std::string& topic) {
  const OutboundTopicAliases::Choice choice = aliases.choose(topic);
  aliases.commit(choice, topic);
  return choice;
}

TEST(OutboundTopicAliases, NoneWithoutAClientMaximum) {
  OutboundTopicAliases aliases;
  EXPECT_EQ(aliases.maximum(), 0);
  EXPECT_EQ(use(aliases, "a").alias, 0);
  EXPECT_EQ(use(aliases, "a").alias, 0);
}

TEST(OutboundTopicAliases, FirstUseAssignsLaterUsesReuse) {
  OutboundTopicAliases aliases(3);
  auto first = use(aliases, "a/b");
  EXPECT_EQ(first.alias, 1);
  EXPECT_FALSE(first.known);
  auto again = use(aliases, "a/b");
  EXPECT_EQ(again.alias, 1);
  EXPECT_TRUE(again.known);
  auto other = use(aliases, "c");
  EXPECT_EQ(other.alias, 2);
  EXPECT_FALSE(other.known);
}

TEST(OutboundTopicAliases, ChooseAloneChangesNothing) {
  OutboundTopicAliases aliases(2);
  EXPECT_EQ(aliases.choose("x").alias, 1);
  EXPECT_FALSE(aliases.choose("x").known);  // never committed: still to be set
  EXPECT_EQ(aliases.choose("y").alias, 1);
}

TEST(OutboundTopicAliases, ReplacesTheLeastRecentlyUsedWhenFull) {
  OutboundTopicAliases aliases(2);
  use(aliases, "a");                     // 1
  use(aliases, "b");                     // 2
  EXPECT_TRUE(use(aliases, "a").known);  // a is now the more recent
  auto c = use(aliases, "c");
  EXPECT_EQ(c.alias, 2);  // b's alias, the least recently used
  EXPECT_FALSE(c.known);
  EXPECT_TRUE(aliases.choose("a").known);
  EXPECT_FALSE(aliases.choose("b").known);
  EXPECT_EQ(aliases.choose("b").alias, 1);  // a is now least recent
  // Never above the maximum, however many topics.
  for (int i = 0; i < 100; ++i) {
    const auto choice = use(aliases, "t/" + std::to_string(i));
    EXPECT_GE(choice.alias, 1);
    EXPECT_LE(choice.alias, 2);
  }
}

TEST(OutboundTopicAliases, CappedCountAndTopicLength) {
  OutboundTopicAliases aliases(65535);
  EXPECT_EQ(aliases.maximum(), kMaxOutboundTopicAliases);
  for (int i = 0; i < 3 * kMaxOutboundTopicAliases; ++i) {
    EXPECT_LE(use(aliases, "t/" + std::to_string(i)).alias, kMaxOutboundTopicAliases);
  }
  EXPECT_EQ(aliases.choose(std::string(kMaxAliasedTopicLength + 1, 'x')).alias, 0);
  EXPECT_NE(aliases.choose(std::string(kMaxAliasedTopicLength, 'x')).alias, 0);
}

}  // namespace
}  // namespace trustmq::mqtt

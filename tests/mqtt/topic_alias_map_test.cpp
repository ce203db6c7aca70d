#include "mqtt/topic_alias_map.h"

#include <gtest/gtest.h>

namespace trustmq::mqtt {
namespace {

TEST(TopicAliasMap, RangeAndLookup) {
  TopicAliasMap aliases(3);
  EXPECT_FALSE(aliases.valid(0));
  EXPECT_TRUE(aliases.valid(3));
  EXPECT_FALSE(aliases.valid(4));
  EXPECT_EQ(aliases.find(2), nullptr);
  aliases.set(2, "a/b");
  ASSERT_NE(aliases.find(2), nullptr);
  EXPECT_EQ(*aliases.find(2), "a/b");
  aliases.set(2, "c");
  EXPECT_EQ(*aliases.find(2), "c");
  aliases.set(9, "ignored");
  EXPECT_EQ(aliases.find(9), nullptr);
  TopicAliasMap none;
  EXPECT_FALSE(none.valid(1));
}

}  // namespace
}  // namespace trustmq::mqtt

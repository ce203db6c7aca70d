// Topic names, topic filters, wildcard matching (spec §4.7) and shared subscriptions (§4.8).
#include "mqtt/topic.h"

#include <gtest/gtest.h>

#include <string>

namespace trustmq::mqtt {
namespace {

TEST(TopicTest, ValidTopicNames) {
  for (std::string_view topic : {"a", "sport/tennis/player1", "/", "//", "/finance", "$SYS/x",
                                 "with space", "\xC3\xA9t\xC3\xA9"}) {
    EXPECT_TRUE(is_valid_topic_name(topic)) << topic;
  }
  EXPECT_TRUE(is_valid_topic_name(std::string(65535, 'a')));
}

TEST(TopicTest, InvalidTopicNames) {
  for (std::string_view topic : {"", "a/+", "+", "#", "a/#", "sport+", "a#b"}) {
    EXPECT_FALSE(is_valid_topic_name(topic)) << topic;
  }
  EXPECT_FALSE(is_valid_topic_name(std::string(65536, 'a')));
  EXPECT_FALSE(is_valid_topic_name(std::string_view("a\0b", 3)));
  EXPECT_FALSE(is_valid_topic_name("\xED\xA0\x80"));  // surrogate
}

TEST(TopicTest, ValidTopicFilters) {
  for (std::string_view filter :
       {"#", "+", "+/+", "/+", "sport/#", "sport/tennis/#", "sport/+/player1", "+/tennis/#", "a//b",
        "$SYS/#", "$share/group/a/b", "$share/g/#", "$share/g/+/x", "$share/g//"}) {
    EXPECT_TRUE(is_valid_topic_filter(filter)) << filter;
  }
}

TEST(TopicTest, InvalidTopicFilters) {
  for (std::string_view filter :
       {"", "sport/tennis#", "sport/tennis/#/ranking", "sport+", "sport/+x", "x+/a", "##", "#/",
        "$share/", "$share/group", "$share/group/", "$share//a", "$share/g+/a", "$share/g#/a",
        "$share/g/a#", "$share/g/a/#/b"}) {
    EXPECT_FALSE(is_valid_topic_filter(filter)) << filter;
  }
  EXPECT_FALSE(is_valid_topic_filter("\xC0\xAF"));
}

struct MatchCase {
  std::string_view filter;
  std::string_view topic;
  bool matches;
};

// Examples from spec §4.7.1 and §4.7.2 plus edge cases.
TEST(TopicTest, MatchingTable) {
  const MatchCase cases[] = {
      {"sport/tennis/player1", "sport/tennis/player1", true},
      {"sport/tennis/player1", "sport/tennis/player2", false},
      {"sport/tennis/player1/#", "sport/tennis/player1", true},
      {"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
      {"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
      {"sport/#", "sport", true},
      {"sport/#", "sports", false},
      {"#", "sport/tennis", true},
      {"#", "/", true},
      {"sport/tennis/+", "sport/tennis/player1", true},
      {"sport/tennis/+", "sport/tennis/player1/ranking", false},
      {"sport/+", "sport", false},
      {"sport/+", "sport/", true},
      {"+/+", "/finance", true},
      {"/+", "/finance", true},
      {"+", "/finance", false},
      {"+", "finance", true},
      {"+/tennis/#", "sport/tennis", true},
      {"+/tennis/#", "sport/tennis/x/y", true},
      {"+/tennis/#", "sport/golf", false},
      {"a/b", "a/b/", false},
      {"a/b/", "a/b/", true},
      {"a//b", "a//b", true},
      {"a/+/b", "a//b", true},
      {"a/#", "a/", true},
      {"a/b/#", "a", false},
      {"A/b", "a/b", false},
      // Topics beginning with '$' are not matched by a leading wildcard (§4.7.2).
      {"#", "$SYS/broker/uptime", false},
      {"+/monitor/Clients", "$SYS/monitor/Clients", false},
      {"$SYS/#", "$SYS/monitor/Clients", true},
      {"$SYS/monitor/+", "$SYS/monitor/Clients", true},
      {"a/#", "a/$x", true},
  };
  for (const MatchCase& c : cases) {
    EXPECT_EQ(topic_matches(c.filter, c.topic), c.matches)
        << "filter \"" << c.filter << "\" topic \"" << c.topic << "\"";
  }
}

TEST(TopicTest, ParseSharedFilter) {
  const auto shared = parse_shared_filter("$share/consumers/sport/tennis/+");
  ASSERT_TRUE(shared.has_value());
  EXPECT_EQ(shared->group, "consumers");
  EXPECT_EQ(shared->filter, "sport/tennis/+");

  const auto root = parse_shared_filter("$share/g//a");
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->filter, "/a");

  for (std::string_view filter :
       {"sport/#", "$SYS/#", "$shared/g/a", "$share", "$share/", "$share/g", "$share/g/",
        "$share//a", "$share/+/a", "$share/#/a"}) {
    EXPECT_FALSE(parse_shared_filter(filter).has_value()) << filter;
  }
}

}  // namespace
}  // namespace trustmq::mqtt

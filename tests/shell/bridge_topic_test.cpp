#include "shell/bridge_topic.h"

#include <gtest/gtest.h>

namespace trustmq::shell {
namespace {

BridgeTopic parse_topic(std::string_view value) {
  auto topic = parse_bridge_topic(value);
  EXPECT_TRUE(topic) << value << ": " << (topic ? "" : topic.error());
  return topic ? topic.value() : BridgeTopic{};
}

std::string topic_error_of(std::string_view value) {
  auto topic = parse_bridge_topic(value);
  return topic ? "" : topic.error();
}

TEST(BridgeTopicTest, PatternAloneForwardsOutAtQos0) {
  const BridgeTopic t = parse_topic("sensors/#");
  EXPECT_EQ(t.direction, BridgeDirection::kOut);
  EXPECT_EQ(t.qos, mqtt::QoS::kAtMostOnce);
  EXPECT_EQ(t.local_filter(), "sensors/#");
  EXPECT_EQ(t.remote_filter(), "sensors/#");
  EXPECT_EQ(t.to_remote("sensors/a/b"), "sensors/a/b");
  EXPECT_EQ(t.to_local("sensors/a/b"), std::nullopt);  // out only
  EXPECT_EQ(t.to_remote("other/a"), std::nullopt);
}

TEST(BridgeTopicTest, PrefixesAreSwapped) {
  const BridgeTopic t = parse_topic("room/+ both 1 edge/ centre/site1/");
  EXPECT_EQ(t.direction, BridgeDirection::kBoth);
  EXPECT_EQ(t.qos, mqtt::QoS::kAtLeastOnce);
  EXPECT_EQ(t.local_filter(), "edge/room/+");
  EXPECT_EQ(t.remote_filter(), "centre/site1/room/+");
  EXPECT_EQ(t.to_remote("edge/room/1"), "centre/site1/room/1");
  EXPECT_EQ(t.to_local("centre/site1/room/1"), "edge/room/1");
  EXPECT_EQ(t.to_remote("edge/room/1/x"), std::nullopt);  // + matches one level
  EXPECT_EQ(t.to_remote("room/1"), std::nullopt);         // without the local prefix
  EXPECT_EQ(t.to_local("edge/room/1"), std::nullopt);     // without the remote prefix
}

TEST(BridgeTopicTest, InDirectionOnlyMapsIncoming) {
  const BridgeTopic t = parse_topic("cmd/# in 2 local/ \"\"");
  EXPECT_EQ(t.qos, mqtt::QoS::kExactlyOnce);
  EXPECT_EQ(t.remote_prefix, "");
  EXPECT_EQ(t.remote_filter(), "cmd/#");
  EXPECT_EQ(t.to_local("cmd/reboot"), "local/cmd/reboot");
  EXPECT_EQ(t.to_remote("local/cmd/reboot"), std::nullopt);
}

TEST(BridgeTopicTest, EmptyPatternNamesThePrefixAsTheTopic) {
  const BridgeTopic t = parse_topic("\"\" out 0 a/status b/status");
  EXPECT_EQ(t.local_filter(), "a/status");
  EXPECT_EQ(t.to_remote("a/status"), "b/status");
  EXPECT_EQ(t.to_remote("a/status/x"), std::nullopt);
}

TEST(BridgeTopicTest, BadLinesSayWhy) {
  EXPECT_EQ(topic_error_of(""), "missing topic pattern");
  EXPECT_NE(topic_error_of("a sideways").find("direction must be out, in or both"),
            std::string::npos);
  EXPECT_NE(topic_error_of("a out 3").find("QoS must be 0, 1 or 2"), std::string::npos);
  EXPECT_NE(topic_error_of("a out 1 x/+/ y/").find("wildcards"), std::string::npos);
  EXPECT_NE(topic_error_of("a/#/b").find("not a valid topic filter"), std::string::npos);
  EXPECT_NE(topic_error_of("\"\" out 0").find("needs a local or remote prefix"), std::string::npos);
  EXPECT_NE(topic_error_of("a out 0 x y z").find("too many words"), std::string::npos);
}

}  // namespace
}  // namespace trustmq::shell

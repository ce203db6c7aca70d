#include "shell/duration.h"

#include <gtest/gtest.h>

namespace trustmq::shell {
namespace {

TEST(DurationTest, EveryMosquittoUnit) {
  EXPECT_EQ(parse_duration_seconds("1h"), 3600u);
  EXPECT_EQ(parse_duration_seconds("2d"), 2u * 86400u);
  EXPECT_EQ(parse_duration_seconds("1w"), 7u * 86400u);
  EXPECT_EQ(parse_duration_seconds("1m"), 30u * 86400u);
  EXPECT_EQ(parse_duration_seconds("1y"), 365u * 86400u);
  EXPECT_EQ(parse_duration_seconds("36h"), 36u * 3600u);
}

TEST(DurationTest, SecondsAreATrustmqExtension) {
  EXPECT_EQ(parse_duration_seconds("5s"), 5u);
  EXPECT_EQ(parse_duration_seconds("90s"), 90u);
}

TEST(DurationTest, RejectsMalformedText) {
  EXPECT_FALSE(parse_duration_seconds(""));
  EXPECT_FALSE(parse_duration_seconds("h"));
  EXPECT_FALSE(parse_duration_seconds("10"));  // unit required, as in mosquitto
  EXPECT_FALSE(parse_duration_seconds("10x"));
  EXPECT_FALSE(parse_duration_seconds("-1h"));
  EXPECT_FALSE(parse_duration_seconds("1.5h"));
  EXPECT_FALSE(parse_duration_seconds(" 1h"));
  EXPECT_FALSE(parse_duration_seconds("0d"));
  EXPECT_FALSE(parse_duration_seconds("1H"));
}

TEST(DurationTest, RejectsOverflow) {
  EXPECT_EQ(parse_duration_seconds("136y"), 136u * 365u * 86400u);  // still fits in 32 bits
  EXPECT_FALSE(parse_duration_seconds("137y"));
  EXPECT_FALSE(parse_duration_seconds("99999999999999999999999d"));
}

}  // namespace
}  // namespace trustmq::shell

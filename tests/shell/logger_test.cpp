#include "shell/logger.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

namespace trustmq::shell {
namespace {

TEST(LoggerTest, WritesTimestampTypeAndTextForEnabledTypesOnly) {
  std::vector<std::string> lines;
  Logger logger(
      static_cast<LogTypeMask>(LogType::kError) | static_cast<LogTypeMask>(LogType::kNotice),
      [&](std::string_view line) { lines.emplace_back(line); });
  logger.log(LogType::kNotice, "listening on 127.0.0.1:1883");
  logger.log(LogType::kDebug, "hidden");
  logger.log(LogType::kError, "boom");
  ASSERT_EQ(lines.size(), 2u);
  const std::regex format(
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z notice: listening on 127\.0\.0\.1:1883)");
  EXPECT_TRUE(std::regex_match(lines[0], format)) << lines[0];
  EXPECT_TRUE(lines[1].ends_with(" error: boom")) << lines[1];
}

TEST(LoggerTest, MaskCanChange) {
  int count = 0;
  Logger logger(0, [&](std::string_view) { ++count; });
  logger.log(LogType::kError, "x");
  logger.set_mask(kAllLogTypes);
  logger.log(LogType::kSubscribe, "x");
  EXPECT_EQ(count, 1);
}

TEST(LogTypeTest, NamesAndCoreLevels) {
  EXPECT_EQ(parse_log_type("information"), static_cast<LogTypeMask>(LogType::kInformation));
  EXPECT_EQ(parse_log_type("all"), kAllLogTypes);
  EXPECT_EQ(parse_log_type("none"), 0u);
  EXPECT_FALSE(parse_log_type("info"));
  EXPECT_EQ(log_type_for(mqtt::LogLevel::kDebug), LogType::kDebug);
  EXPECT_EQ(log_type_for(mqtt::LogLevel::kInfo), LogType::kInformation);
  EXPECT_EQ(log_type_for(mqtt::LogLevel::kNotice), LogType::kNotice);
  EXPECT_EQ(log_type_for(mqtt::LogLevel::kWarning), LogType::kWarning);
  EXPECT_EQ(log_type_for(mqtt::LogLevel::kError), LogType::kError);
  EXPECT_EQ(log_type_name(LogType::kUnsubscribe), "unsubscribe");
}

}  // namespace
}  // namespace trustmq::shell

#include "attest/json_value.h"

#include <gtest/gtest.h>

namespace trustmq::attest {
namespace {

TEST(JsonValueTest, ParsesNestedDocument) {
  auto v = parse_json(R"({"a": [1, 2.5, -3e2], "b": {"c": "x\u00e9\n"}, "d": true, "e": null})");
  ASSERT_TRUE(v.ok()) << v.error();
  ASSERT_TRUE(v->is_object());
  const auto& a = v->find("a")->as_array();
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[1].as_number(), 2.5);
  EXPECT_EQ(a[2].as_number(), -300);
  EXPECT_EQ(v->find("b")->find("c")->as_string(), "x\xC3\xA9\n");
  EXPECT_TRUE(v->find("d")->as_bool());
  EXPECT_TRUE(v->find("e")->is_null());
  EXPECT_EQ(v->find("zz"), nullptr);
}

TEST(JsonValueTest, RejectsMalformedInputWithPosition) {
  auto trailing = parse_json("{\"a\": 1,}");
  ASSERT_FALSE(trailing.ok());
  EXPECT_NE(trailing.error().find("line 1 column 9: expected a member name"), std::string::npos)
      << trailing.error();
  EXPECT_FALSE(parse_json("{\"a\": 1, \"a\": 2}").ok());
  EXPECT_NE(parse_json("{\"a\": 1, \"a\": 2}").error().find("duplicate"), std::string::npos);
  EXPECT_FALSE(parse_json("[1, 2").ok());
  EXPECT_FALSE(parse_json("01").ok());
  EXPECT_FALSE(parse_json("\"\\ud800\"").ok());
  EXPECT_FALSE(parse_json("\"tab\there\"").ok());
  EXPECT_FALSE(parse_json("{} x").ok());
  EXPECT_FALSE(parse_json("").ok());
  EXPECT_FALSE(parse_json("1e999").ok());
}

TEST(JsonValueTest, LimitsNestingDepth) {
  std::string deep(40, '[');
  deep += std::string(40, ']');
  auto v = parse_json(deep);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().find("nesting"), std::string::npos);
  std::string ok(30, '[');
  ok += std::string(30, ']');
  EXPECT_TRUE(parse_json(ok).ok());
}

}  // namespace
}  // namespace trustmq::attest

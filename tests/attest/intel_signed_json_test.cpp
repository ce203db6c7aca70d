#include "attest/intel_signed_json.h"

#include <gtest/gtest.h>

namespace trustmq::attest {
namespace {

const std::string kSig(128, 'a');

TEST(IntelSignedJsonTest, CutsOutTheExactBytesOfTheSignedMember) {
  const std::string doc =
      R"({"tcbInfo": {"a":"}\"{", "b":[1,{"c":2}]} , "signature":")" + kSig + R"("})";
  auto s = split_signed_json(doc, "tcbInfo");
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(s->signed_text, R"({"a":"}\"{", "b":[1,{"c":2}]})");
  EXPECT_EQ(s->signature.size(), 64u);
}

TEST(IntelSignedJsonTest, RejectsOtherShapes) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[]", "not a JSON object"},
      {R"({"tcbInfo":{}})", "\"signature\" missing"},
      {R"({"signature":")" + kSig + "\"}", "\"tcbInfo\" missing"},
      {R"({"tcbInfo":{},"signature":"abcd"})", "not 128 hex digits"},
      {R"({"tcbInfo":{},"tcbInfo":{},"signature":")" + kSig + "\"}", "twice"},
      {R"({"tcbInfo":{},"extra":1,"signature":")" + kSig + "\"}", "unexpected member \"extra\""},
      {R"({"tcbInfo":{"a":1)", "malformed value"},
      {R"({"tcbInfo":{},"signature":")" + kSig + "\"} x", "bytes after the object"},
  };
  for (const auto& [doc, fragment] : cases) {
    auto s = split_signed_json(doc, "tcbInfo");
    ASSERT_FALSE(s.ok()) << doc;
    EXPECT_NE(s.error().find(fragment), std::string::npos) << s.error() << " / " << fragment;
  }
}

TEST(IntelSignedJsonTest, ParsesUtcDates) {
  EXPECT_EQ(parse_iso8601_utc("2023-06-18T08:42:58Z"), 1687077778u);
  EXPECT_EQ(parse_iso8601_utc("2023-06-18T08:42:58.123Z"), 1687077778u);
  EXPECT_FALSE(parse_iso8601_utc("2023-06-18T08:42:58+01:00").has_value());
  EXPECT_FALSE(parse_iso8601_utc("yesterday").has_value());
}

}  // namespace
}  // namespace trustmq::attest

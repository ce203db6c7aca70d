#include "shell/acl_file.h"

#include <gtest/gtest.h>

#include "shell/config_file.h"
#include "support/temp_directory.h"

namespace trustmq::shell {
namespace {

TEST(AclFileTest, LoadsRulesWithTheCoreParser) {
  test_support::TempDirectory dir;
  const std::string path = dir.write("acl", "topic read public/#\nuser alice\ntopic alice/#\n");
  const mqtt::AclRules rules = load_acl_file(path);
  ASSERT_EQ(rules.anonymous.size(), 1u);
  EXPECT_EQ(rules.anonymous[0].topic, "public/#");
  EXPECT_EQ(rules.anonymous[0].access, mqtt::AclAccess::kRead);
  ASSERT_EQ(rules.users.size(), 1u);
  EXPECT_EQ(rules.users[0].username, "alice");
}

TEST(AclFileTest, ErrorNamesFileAndLine) {
  test_support::TempDirectory dir;
  const std::string path = dir.write("acl", "topic read a\n\nfrobnicate b\n");
  try {
    load_acl_file(path);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), path + ":3: unknown keyword 'frobnicate'");
  }
}

TEST(AclFileTest, MissingFileIsAnError) {
  test_support::TempDirectory dir;
  EXPECT_THROW(load_acl_file(dir.file("none")), ConfigError);
}

}  // namespace
}  // namespace trustmq::shell

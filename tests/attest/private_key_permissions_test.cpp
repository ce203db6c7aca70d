#include "attest/private_key_permissions.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "attest/certificate_issuer.h"
#include "support/temp_directory.h"

namespace trustmq::attest {
namespace {

using test_support::TempDirectory;

TEST(PrivateKeyPermissionsTest, PrivateFileIsAccepted) {
  TempDirectory dir;
  const std::string key = dir.write("k.pem", "key");
  for (mode_t mode : {0600, 0400}) {
    ASSERT_EQ(::chmod(key.c_str(), mode), 0);
    auto r = check_private_key_file(key, "test key");
    EXPECT_TRUE(r.ok()) << r.error();
  }
}

TEST(PrivateKeyPermissionsTest, GroupOrWorldAccessibleFileIsRefusedWithTheChmodThatFixesIt) {
  TempDirectory dir;
  const std::string key = dir.write("k.pem", "key");
  ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
  auto r = check_private_key_file(key, "sim platform key");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "sim platform key " + key +
                           " is readable by group/others (mode 0644); run: chmod 600 " + key);
  ASSERT_EQ(::chmod(key.c_str(), 0620), 0);
  r = check_private_key_file(key, "k");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("is writable by group/others (mode 0620)"), std::string::npos)
      << r.error();
  ASSERT_EQ(::chmod(key.c_str(), 0601), 0);
  EXPECT_FALSE(check_private_key_file(key, "k").ok());
}

TEST(PrivateKeyPermissionsTest, MissingFileOrDirectoryInsteadOfFileIsAnError) {
  TempDirectory dir;
  auto missing = check_private_key_file(dir.file("none.pem"), "k");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("none.pem"), std::string::npos) << missing.error();
  EXPECT_FALSE(check_private_key_file(dir.path(), "k").ok());
}

TEST(PrivateKeyPermissionsTest, DirectoryMustBe0700) {
  TempDirectory dir;
  const std::string keys = dir.file("keys");
  ASSERT_EQ(::mkdir(keys.c_str(), 0700), 0);
  ASSERT_EQ(::chmod(keys.c_str(), 0700), 0);
  EXPECT_TRUE(check_private_key_directory(keys, "key directory").ok());
  ASSERT_EQ(::chmod(keys.c_str(), 0755), 0);
  auto r = check_private_key_directory(keys, "key directory");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "key directory " + keys +
                           " is readable by group/others (mode 0755); run: chmod 700 " + keys);
  ASSERT_EQ(::chmod(keys.c_str(), 0711), 0);
  r = check_private_key_directory(keys, "key directory");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("is accessible by group/others (mode 0711)"), std::string::npos)
      << r.error();
}

TEST(PrivateKeyPermissionsTest, EnsurePrivateDirectoryTightensAnExistingFolder) {
  TempDirectory dir;
  const std::string fresh = dir.file("fresh");
  ASSERT_TRUE(ensure_private_directory(fresh).ok());
  struct stat st {};
  ASSERT_EQ(::stat(fresh.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);

  const std::string loose = dir.file("loose");
  ASSERT_EQ(::mkdir(loose.c_str(), 0755), 0);
  ASSERT_EQ(::chmod(loose.c_str(), 0755), 0);
  ASSERT_TRUE(ensure_private_directory(loose).ok());
  ASSERT_EQ(::stat(loose.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
}

}  // namespace
}  // namespace trustmq::attest
